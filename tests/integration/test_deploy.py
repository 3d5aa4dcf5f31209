"""The deployment files as an operator uses them: the Prometheus rules pass
promtool's checks and unit tests, every metric and label the rules and the
dashboard name exists in a real /metrics of a monitor riding through the
incident, a real Prometheus evaluates the rules against that monitor, the
systemd unit is valid and sandboxed, and the platform start script runs a
worker beside the monitor, forwards signals and stops both together."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402

SOURCE = os.environ.get(
    "BG_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
CLI = os.environ.get("BG_CLI",
                     os.path.join(SOURCE, "build/src/cli/bucketguard"))
DEPLOY = os.path.join(SOURCE, "deploy")
RULES = os.path.join(DEPLOY, "prometheus", "bucketguard.rules.yml")
DASHBOARD = os.path.join(DEPLOY, "grafana", "bucketguard.json")
UNIT = os.path.join(DEPLOY, "systemd", "bucketguard-monitor.service")
START = os.path.join(DEPLOY, "platform", "start.sh")
OBJECT = "docs/probe.txt"
METRIC = re.compile(r"\bbucketguard_[a-z0-9_]+")
# Labels Prometheus adds or that only histogram buckets carry.
TARGET_LABELS = {"job", "instance", "le"}


def promtool():
    path = shutil.which("promtool")
    if path is None:
        raise AssertionError("promtool (Debian's prometheus) is required")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return None, b""


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def child_named(ppid, comm):
    """The pid of ppid's child whose command name is comm."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if name == comm and int(fields[1]) == ppid:
            return int(entry)
    raise AssertionError("no child %s of %d" % (comm, ppid))


def dashboard_queries():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    queries = []
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            queries.append((panel["title"], target["expr"]))
    for ann in dash.get("annotations", {}).get("list", []):
        if "expr" in ann:
            queries.append((ann["name"], ann["expr"]))
    return dash, queries


def as_promql(expr):
    """A dashboard query with Grafana's variables given plain values."""
    return (expr.replace("$__rate_interval", "5m")
            .replace("$instance", ".*"))


def rule_exprs():
    """The expr of every rule, read without a YAML parser: each `expr:` is
    a plain scalar or a folded block (`>-`) indented below it."""
    exprs = []
    with open(RULES) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)expr:\s*(.*)$", line)
        if not m:
            continue
        if m.group(2) not in (">-", ">", "|", "|-"):
            exprs.append(m.group(2))
            continue
        indent = len(m.group(1))
        body = []
        for nxt in lines[i + 1:]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            body.append(nxt.strip())
        exprs.append(" ".join(body))
    return exprs


def parse_exposition(text):
    """{metric name: set of label names} of every sample in the text."""
    names = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
        if not m:
            continue
        labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="',
                                m.group(3) or ""))
        names.setdefault(m.group(1), set()).update(labels)
    return names


class LiveMonitor:
    """`bucketguard monitor` on two emulated edges during the incident
    (the default request shape fails on SJC), after two seconds in which
    every request fails, so that every metric has happened; every route
    is swept."""

    def __init__(self):
        self.emu = Emulator(
            extra_args=["--rule", "during 0..2000 -> status 503 "
                        "ServiceUnavailable", "--scenario", "incident",
                        "--bucket", "docs",
                        "--object", OBJECT + "=probe body"],
            listen=["127.0.0.1=SJC", "127.0.0.2=PDX"])
        self.emu.start()
        self.dir = tempfile.mkdtemp(prefix="bg-deploy-")
        self.log = os.path.join(self.dir, "monitor.log")
        host = "storage.test:%d" % self.emu.port
        cmd = [CLI, "--env-file", self.emu.keys_file,
               "--url", "http://" + host,
               "--resolve", host + ":127.0.0.1,127.0.0.2",
               "--set", "delays=0.05", "--retries", "1", "monitor", OBJECT,
               "--interval", "0.05", "--route-interval", "0.3",
               "--metrics-file", os.path.join(self.dir, "metrics.json"),
               "--listen", "127.0.0.1:0"]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                         stderr=log)
        try:
            port = wait_for(self._port, 10, "the monitor to serve")
        except AssertionError:
            self.stop()
            raise
        self.port = int(port)
        self.base = "http://127.0.0.1:%d" % self.port

    def _port(self):
        with open(self.log) as f:
            m = re.search(r'msg="serving".* port=(\d+)', f.read())
        if m is None and self.proc.poll() is not None:
            raise AssertionError("monitor exited: " + open(self.log).read())
        return m and m.group(1)

    def metrics(self):
        status, body = http_get(self.base + "/metrics")
        if status != 200:
            raise AssertionError("GET /metrics answered %s; monitor log: %s"
                                 % (status, open(self.log).read()))
        return body.decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.emu.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Rules(unittest.TestCase):
    def test_promtool_check_rules_accepts_the_rules(self):
        out = subprocess.run([promtool(), "check", "rules", RULES],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("SUCCESS", out.stdout)

    def test_promtool_unit_tests_of_the_rules_pass(self):
        out = subprocess.run(
            [promtool(), "test", "rules", "bucketguard.rules.test.yml"],
            cwd=os.path.dirname(RULES), capture_output=True, text=True,
            timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_the_four_alerts_the_guide_promises_exist(self):
        with open(RULES) as f:
            text = f.read()
        for alert in ("BucketguardUnhealthy", "BucketguardDegraded",
                      "BucketguardRouteEjected",
                      "BucketguardEdgeConcentration"):
            self.assertIn("alert: " + alert + "\n", text)

    def test_every_dashboard_query_is_valid_promql(self):
        _, queries = dashboard_queries()
        self.assertGreater(len(queries), 10)
        work = tempfile.mkdtemp(prefix="bg-dash-")
        try:
            path = os.path.join(work, "dashboard-queries.yml")
            with open(path, "w") as f:
                f.write("groups:\n  - name: dashboard\n    rules:\n")
                for i, (_, expr) in enumerate(queries):
                    f.write("      - record: dashboard:q%d\n" % i)
                    f.write("        expr: %s\n"
                            % json.dumps(as_promql(expr)))
            out = subprocess.run([promtool(), "check", "rules", path],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        finally:
            shutil.rmtree(work, ignore_errors=True)


class AgainstLiveMetrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mon = LiveMonitor()
        try:
            # Wait until calls failed and succeeded, on both edges.
            def ready():
                text = cls.mon.metrics()
                samples = parse_exposition(text)
                return ("bucketguard_last_failure_timestamp_seconds"
                        in samples
                        and "bucketguard_last_success_timestamp_seconds"
                        in samples
                        and 'colo="PDX"' in text and 'colo="SJC"' in text
                        and 'outcome="route_suspect"' in text and text)
            cls.text = wait_for(ready, 20, "failures and both edges in "
                                "/metrics")
        except BaseException:
            cls.mon.stop()
            raise
        cls.live = parse_exposition(cls.text)

    @classmethod
    def tearDownClass(cls):
        cls.mon.stop()

    def used_names(self, texts):
        return sorted({n for t in texts for n in METRIC.findall(t)})

    def assert_labels_exist(self, where, expr):
        labels = set()
        for group in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)",
                                expr):
            labels.update(x.strip() for x in group.split(",") if x.strip())
        for matchers in re.findall(r"bucketguard_[a-z0-9_]+\{([^}]*)\}",
                                   expr):
            labels.update(re.findall(r"([a-z_]+)\s*[=!~]", matchers))
        known = set().union(*self.live.values())
        for label in labels - TARGET_LABELS:
            self.assertIn(label, known, "%s: label '%s' is in no live "
                          "bucketguard metric" % (where, label))

    def test_every_metric_of_the_dashboard_is_in_live_metrics(self):
        _, queries = dashboard_queries()
        names = self.used_names(expr for _, expr in queries)
        self.assertGreater(len(names), 10)
        for name in names:
            self.assertIn(name, self.live, "dashboard uses " + name)
        for title, expr in queries:
            self.assert_labels_exist("dashboard panel " + title, expr)

    def test_every_metric_of_the_rules_is_in_live_metrics(self):
        exprs = rule_exprs()
        self.assertGreaterEqual(len(exprs), 10)
        names = self.used_names(exprs)
        self.assertIn("bucketguard_health", names)
        for name in names:
            self.assertIn(name, self.live, "rules use " + name)
        for expr in exprs:
            self.assert_labels_exist("rule " + expr[:40], expr)

    def test_outcome_values_the_rules_match_are_exported(self):
        for expr in rule_exprs():
            for value in re.findall(r'outcome="([a-z_]+)"', expr):
                self.assertIn('outcome="%s"' % value, self.text)

    def test_a_real_prometheus_evaluates_every_rule_without_error(self):
        prometheus = shutil.which("prometheus")
        self.assertIsNotNone(prometheus, "Debian's prometheus is required")
        work = tempfile.mkdtemp(prefix="bg-prom-")
        port = free_port()
        conf = os.path.join(work, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n"
                    "  evaluation_interval: 1s\n"
                    "rule_files:\n  - %s\n"
                    "scrape_configs:\n  - job_name: bucketguard\n"
                    "    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n"
                    % (json.dumps(RULES), self.mon.port))
        prom = subprocess.Popen(
            [prometheus, "--config.file=" + conf,
             "--storage.tsdb.path=" + os.path.join(work, "data"),
             "--web.listen-address=127.0.0.1:%d" % port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        api = "http://127.0.0.1:%d/api/v1/" % port
        try:
            def colos():
                q = urllib.parse.quote("bucketguard:colo_attempts:increase15m")
                status, body = http_get(api + "query?query=" + q)
                if status != 200:
                    return None
                result = json.loads(body)["data"]["result"]
                found = {r["metric"].get("colo") for r in result}
                return found if {"SJC", "PDX"} <= found else None

            wait_for(colos, 30, "the recording rules to see both edges")
            status, body = http_get(api + "rules")
            self.assertEqual(status, 200)
            rules = [r for g in json.loads(body)["data"]["groups"]
                     for r in g["rules"]]
            self.assertGreaterEqual(len(rules), 10)
            for rule in rules:
                self.assertEqual(rule["health"], "ok",
                                 "%s: %s" % (rule["name"],
                                             rule.get("lastError")))
        finally:
            prom.terminate()
            try:
                prom.wait(10)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
            shutil.rmtree(work, ignore_errors=True)


class SystemdUnit(unittest.TestCase):
    def unit(self):
        keys = {}
        with open(UNIT) as f:
            text = f.read().replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "[")):
                name, _, value = line.partition("=")
                keys.setdefault(name, []).append(value)
        return keys

    def test_the_unit_is_sandboxed(self):
        keys = self.unit()
        required = {
            "DynamicUser": "yes", "ProtectSystem": "strict",
            "ProtectHome": "yes", "PrivateTmp": "yes",
            "PrivateDevices": "yes", "NoNewPrivileges": "yes",
            "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
            "ProtectKernelTunables": "yes", "ProtectControlGroups": "yes",
            "SystemCallArchitectures": "native",
        }
        for name, value in required.items():
            self.assertIn(name, keys, name + " is missing")
            self.assertEqual(keys[name][-1], value, name)
        self.assertTrue(keys["EnvironmentFile"][0].startswith("/etc/"))

    def test_only_the_metrics_file_directory_is_writable(self):
        keys = self.unit()
        m = re.search(r"--metrics-file\s+(\S+)", keys["ExecStart"][0])
        self.assertIsNotNone(m, "ExecStart names no --metrics-file")
        directory = os.path.dirname(m.group(1))
        self.assertEqual(keys.get("ReadWritePaths"), [directory])
        self.assertEqual(keys["StateDirectory"],
                         [os.path.relpath(directory, "/var/lib")])
        for other in ("RuntimeDirectory", "CacheDirectory", "LogsDirectory",
                      "ConfigurationDirectory"):
            self.assertNotIn(other, keys)

    def test_systemd_analyze_verifies_the_unit(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is not installed; the sandbox "
                          "keys are checked by the tests above")
        work = tempfile.mkdtemp(prefix="bg-unit-")
        try:
            # verify wants ExecStart's program to exist: use the built one.
            path = os.path.join(work, "bucketguard-monitor.service")
            with open(UNIT) as f:
                text = f.read().replace("/usr/local/bin/bucketguard",
                                        os.path.abspath(CLI))
            with open(path, "w") as f:
                f.write(text)
            out = subprocess.run([analyze, "verify", "--man=no", path],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout + out.stderr, "",
                             "systemd-analyze verify warned")
            out = subprocess.run(
                [analyze, "security", "--offline=yes", "--no-pager", path],
                capture_output=True, text=True, timeout=60)
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+)",
                          out.stdout + out.stderr)
            self.assertIsNotNone(m, out.stdout + out.stderr)
            self.assertLessEqual(float(m.group(1)), 2.0,
                                 "exposure " + m.group(1))
        finally:
            shutil.rmtree(work, ignore_errors=True)


class PlatformStart(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(extra_args=["--bucket", "docs", "--object",
                                        OBJECT + "=probe body"])
        self.emu.start()
        self.dir = tempfile.mkdtemp(prefix="bg-start-")
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "BUCKETGUARD": CLI, "PORT": str(self.port),
            "BUCKETGUARD_PROBE_OBJECT": OBJECT,
            "BUCKETGUARD_STOP_GRACE": "5",
            "BUCKETGUARD_MONITOR_ARGS":
                "--env-file %s --interval 0.1 --metrics-file %s/m.json"
                % (self.emu.keys_file, self.dir)})

    def tearDown(self):
        self.emu.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, *worker):
        proc = subprocess.Popen([START, *worker], env=self.env,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE,
                                start_new_session=True)
        self.addCleanup(self.reap, proc)
        wait_for(lambda: http_get("http://127.0.0.1:%d/health"
                                  % self.port)[0] == 200
                 or proc.poll() is not None, 10, "the monitor's /health")
        return proc

    def reap(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate(timeout=10)

    def assert_monitor_gone(self):
        status, _ = http_get("http://127.0.0.1:%d/health" % self.port, 1)
        self.assertIsNone(status, "the monitor still answers")

    def test_serves_health_on_port_beside_the_worker(self):
        proc = self.start("sleep", "30")
        status, body = http_get("http://127.0.0.1:%d/health" % self.port)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "healthy")
        self.assertIsNone(proc.poll())

    def test_the_worker_ending_stops_the_monitor_with_its_status(self):
        proc = self.start("sh", "-c", "sleep 1; exit 3")
        self.assertEqual(proc.wait(15), 3)
        self.assertIn(b"the worker ended", proc.stderr.read())
        self.assert_monitor_gone()

    def test_the_monitor_ending_stops_the_worker(self):
        marker = os.path.join(self.dir, "worker-stopped")
        proc = self.start("sh", "-c", "trap 'touch %s; exit 0' TERM; "
                          "while :; do sleep 0.1; done" % marker)
        monitor = child_named(proc.pid, os.path.basename(CLI)[:15])
        os.kill(monitor, signal.SIGTERM)
        proc.wait(15)
        self.assertIn(b"the monitor ended", proc.stderr.read())
        self.assertTrue(os.path.exists(marker), "the worker got no TERM")

    def test_term_is_forwarded_to_both(self):
        marker = os.path.join(self.dir, "worker-stopped")
        proc = self.start("sh", "-c", "trap 'touch %s; exit 0' TERM; "
                          "while :; do sleep 0.1; done" % marker)
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        self.assertTrue(os.path.exists(marker), "the worker got no TERM")
        self.assert_monitor_gone()


class Blueprint(unittest.TestCase):
    def test_the_blueprint_starts_the_pair_and_checks_health(self):
        with open(os.path.join(DEPLOY, "platform", "render.yaml")) as f:
            text = f.read()
        self.assertRegex(text, r"deploy/platform/start\.sh")
        m = re.search(r"healthCheckPath:\s*(\S+)", text)
        self.assertIsNotNone(m)
        self.assertIn(m.group(1), ("/health", "/health/fm027"))
        for secret in ("SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_URL"):
            self.assertRegex(text, r"key: %s\s+sync: false" % secret)


if __name__ == "__main__":
    unittest.main(verbosity=2)
