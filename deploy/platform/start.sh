#!/usr/bin/env bash
# Runs a worker and the bucketguard monitor side by side in one container,
# as a hosting platform's start command:
#   deploy/platform/start.sh python worker.py
# The monitor serves /health and /metrics on $PORT (the platform's port) or
# 9027, probes BUCKETGUARD_PROBE_OBJECT and takes extra options from
# BUCKETGUARD_MONITOR_ARGS. TERM, INT and HUP are forwarded to both. When
# either process ends, the other is stopped and the script exits with the
# first one's status, so the platform restarts the pair.
set -u

if [ $# -eq 0 ]; then
    echo "usage: $0 WORKER-COMMAND [ARG...]" >&2
    exit 2
fi

bucketguard=${BUCKETGUARD:-bucketguard}
listen=${BUCKETGUARD_MONITOR_LISTEN:-0.0.0.0:${PORT:-9027}}
grace=${BUCKETGUARD_STOP_GRACE:-20}

# BUCKETGUARD_MONITOR_ARGS is a list of words, split on purpose.
# shellcheck disable=SC2086
"$bucketguard" monitor --listen "$listen" ${BUCKETGUARD_MONITOR_ARGS:-} &
monitor=$!
"$@" &
worker=$!

# shellcheck disable=SC2317 # called from the traps
forward() {
    kill -"$1" "$worker" "$monitor" 2>/dev/null
}
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP

# wait -n returns early, with no pid, when a trapped signal arrives; wait
# again until one of the two has really ended.
first=
while [ -z "${first:-}" ]; do
    wait -n -p first "$worker" "$monitor"
    status=$?
done
if [ "$first" = "$worker" ]; then
    echo "start.sh: the worker ended (status $status); stopping the monitor" >&2
    other=$monitor
else
    echo "start.sh: the monitor ended (status $status); stopping the worker" >&2
    other=$worker
fi

# Stop the other one; kill it if it outlives the grace period.
kill -TERM "$other" 2>/dev/null
sleep "$grace" &
timer=$!
ended=
while [ -z "${ended:-}" ]; do
    wait -n -p ended "$other" "$timer"
done
if [ "$ended" = "$timer" ]; then
    kill -KILL "$other" 2>/dev/null
    wait "$other" 2>/dev/null
else
    kill "$timer" 2>/dev/null
    wait "$timer" 2>/dev/null
fi
exit "$status"
