"""Shared helpers of the hardening tests (endpoint abuse, secrets audit,
bad input, crash safety): running the command, running the monitor until
stopped, and raw HTTP exchanges with it. Standard library only."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CLI = os.environ.get("BG_CLI", "build/src/cli/bucketguard")


def run_cli(args, env_file=None, env=None, timeout=60, stdin=None):
    """Runs the command with a clean environment (PATH, HOME and env);
    returns the CompletedProcess with text stdout and stderr."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp")}
    full.update(env or {})
    cmd = [CLI] + (["--env-file", env_file] if env_file else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=full,
                          timeout=timeout, stdin=stdin or subprocess.DEVNULL)


class Monitor:
    """`bucketguard monitor` on 127.0.0.1:0 against an emulator, its log on
    disk and its port read from the `msg="serving" ... port=N` line."""

    def __init__(self, emu, obj, *args, env=None, debug=False):
        self.dir = tempfile.mkdtemp(prefix="bg-hardening-")
        self.metrics = os.path.join(self.dir, "metrics.json")
        self.log = os.path.join(self.dir, "monitor.log")
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        full.update(env or {})
        cmd = [CLI, "--env-file", emu.keys_file, "--set", "delays=0.05"]
        cmd += ["--debug"] if debug else []
        cmd += ["monitor", obj, "--metrics-file", self.metrics,
                "--listen", "127.0.0.1:0"] + list(args)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log,
                                         stderr=subprocess.STDOUT, env=full)
        self.port = self._wait_port()
        self.base = "http://127.0.0.1:%d" % self.port

    def _wait_port(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = re.search(r'msg="serving".* port=(\d+)', self.output())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError("monitor did not start: " + self.output())

    def output(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def stop(self, sig=signal.SIGTERM):
        """Sends sig (SIGKILL after 10 s) and returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def exchange(port, data, timeout=5.0):
    """Sends raw bytes to 127.0.0.1:port, half-closes, and returns what
    the server sent until it closed or went quiet (at most timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(reply):
    """The status code of the first response in reply, or 0."""
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(m.group(1)) if m else 0
