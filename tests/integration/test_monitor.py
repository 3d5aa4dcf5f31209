"""The monitor daemon as an operator sees it: its endpoints, its metrics
file, Prometheus scraping it, the status page in a browser, the health
command, and the health states it passes through during an outage."""

import json
import os
import random
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
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402
from hardening import Monitor  # noqa: E402

CLI = os.environ.get("BG_CLI", "build/src/cli/bucketguard")
ARTIFACTS = os.path.join(
    os.environ.get("BG_BUILD_DIR", "build"), "test-artifacts")
OBJECT = "docs/probe.txt"
TOKEN = "monitor-token-1f3a9c"


def http_get(url, token=None, method="GET", timeout=5):
    """Returns (status, headers, body) without raising on HTTP errors."""
    req = urllib.request.Request(url, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def monitor(emu, *args, env=None):
    """`bucketguard monitor` probing OBJECT, until stopped."""
    return Monitor(emu, OBJECT, *args, env=env)


def emulator(*extra):
    return Emulator(extra_args=["--bucket", "docs", "--object",
                                OBJECT + "=probe body", *extra])


class Endpoints(unittest.TestCase):
    def setUp(self):
        self.emu = emulator().__enter__()
        self.mon = monitor(self.emu, "--interval", "0.05",
                           "--metrics-every", "0",
                           env={"BUCKETGUARD_MONITOR_TOKEN": TOKEN})
        time.sleep(0.5)

    def tearDown(self):
        self.mon.cleanup()
        self.emu.__exit__(None, None, None)

    def test_health_answers_healthy_with_details_and_last_test(self):
        for path in ("/health", "/health/fm027"):
            status, headers, body = http_get(self.mon.base + path)
            self.assertEqual(status, 200, path)
            doc = json.loads(body)
            self.assertEqual(doc["status"], "healthy")
            self.assertIn("details", doc)
            self.assertRegex(doc["last_test"], r"^\d{4}-\d\d-\d\dT")

    def test_token_protects_every_endpoint_but_health(self):
        for path in ("/metrics", "/routes", "/", "/metrics.json"):
            status, headers, _ = http_get(self.mon.base + path)
            self.assertEqual(status, 401, path)
            status, _, _ = http_get(self.mon.base + path, token="wrong")
            self.assertEqual(status, 401, path)
            status, _, _ = http_get(self.mon.base + path, token=TOKEN + "x")
            self.assertEqual(status, 401, path)
            status, _, _ = http_get(self.mon.base + path, token=TOKEN)
            self.assertEqual(status, 200, path)

    def test_unknown_paths_and_methods_are_refused(self):
        status, _, _ = http_get(self.mon.base + "/nope", token=TOKEN)
        self.assertEqual(status, 404)
        status, headers, _ = http_get(self.mon.base + "/health",
                                      method="POST")
        self.assertEqual(status, 405)

    def test_routes_lists_every_route_with_its_state(self):
        status, _, body = http_get(self.mon.base + "/routes", token=TOKEN)
        self.assertEqual(status, 200)
        routes = json.loads(body)
        names = [r["name"] for r in routes]
        self.assertIn("default", names)
        self.assertIn("conn-close", names)
        for r in routes:
            self.assertIn("ejected", r)
            self.assertIn("successes", r)

    def test_promtool_accepts_the_metrics(self):
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool (Debian's prometheus) "
                             "is required by this test")
        status, headers, body = http_get(self.mon.base + "/metrics",
                                         token=TOKEN)
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        check = subprocess.run([promtool, "check", "metrics"], input=body,
                               capture_output=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn(b"bucketguard_health ", body)
        self.assertIn(b"bucketguard_attempt_duration_seconds_bucket", body)

    def test_metrics_file_parses_after_every_write(self):
        seen = set()
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            with open(self.mon.metrics) as f:
                doc = json.load(f)
            self.assertEqual(doc["schema_version"], 1)
            seen.add(doc["total_requests"])
        self.assertGreater(len(seen), 3, "the file was not rewritten")


class PrometheusScrape(unittest.TestCase):
    def test_a_real_prometheus_scrapes_the_monitor_and_answers(self):
        prometheus = shutil.which("prometheus")
        self.assertIsNotNone(prometheus, "Debian's prometheus is required")
        with emulator() as emu:
            mon = monitor(emu, "--interval", "0.1")
            work = tempfile.mkdtemp(prefix="bg-prometheus-")
            port = free_port()
            conf = os.path.join(work, "prometheus.yml")
            with open(conf, "w") as f:
                f.write("global:\n  scrape_interval: 1s\n"
                        "scrape_configs:\n  - job_name: bucketguard\n"
                        "    static_configs:\n"
                        "      - targets: ['127.0.0.1:%d']\n" % mon.port)
            prom = subprocess.Popen(
                [prometheus, "--config.file=" + conf,
                 "--storage.tsdb.path=" + os.path.join(work, "data"),
                 "--web.listen-address=127.0.0.1:%d" % port],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                value = self._query(port, "bucketguard_health")
            finally:
                prom.terminate()
                try:
                    prom.wait(15)
                except subprocess.TimeoutExpired:
                    prom.kill()
                    prom.wait()
                mon.cleanup()
                shutil.rmtree(work, ignore_errors=True)
        self.assertEqual(value, "0", "healthy is 0")

    def _query(self, port, expr):
        url = ("http://127.0.0.1:%d/api/v1/query?query=%s" % (port, expr))
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            try:
                status, _, body = http_get(url, timeout=2)
            except OSError:
                status = 0
            if status == 200:
                result = json.loads(body)["data"]["result"]
                if result:
                    return result[0]["value"][1]
            time.sleep(0.5)
        self.fail("prometheus never returned " + expr)


class Stopping(unittest.TestCase):
    def test_sigterm_stops_cleanly_with_a_final_write(self):
        with emulator() as emu:
            mon = monitor(emu, "--interval", "3600")
            try:
                time.sleep(0.3)
                os.unlink(mon.metrics)
                self.assertEqual(mon.stop(signal.SIGTERM), 0)
                with open(mon.metrics) as f:
                    self.assertEqual(json.load(f)["status"], "healthy")
            finally:
                mon.cleanup()

    def test_metrics_file_survives_sigkill_at_random_points(self):
        rng = random.Random(27)
        with emulator() as emu:
            for _ in range(8):
                mon = monitor(emu, "--interval", "0.01",
                              "--metrics-every", "0")
                try:
                    time.sleep(rng.uniform(0.05, 0.4))
                    mon.stop(signal.SIGKILL)
                    with open(mon.metrics) as f:
                        json.load(f)
                    leftovers = [n for n in os.listdir(mon.dir)
                                 if n not in ("metrics.json", "monitor.log")]
                    self.assertLessEqual(len(leftovers), 1, leftovers)
                finally:
                    mon.cleanup()


class Agreement(unittest.TestCase):
    def test_file_endpoint_and_prometheus_agree(self):
        with emulator() as emu:
            mon = monitor(emu, "--interval", "3600",
                          "--route-interval", "0")
            try:
                time.sleep(0.5)
                with open(mon.metrics) as f:
                    doc = json.load(f)
                _, _, body = http_get(mon.base + "/health")
                health = json.loads(body)
                _, _, text = http_get(mon.base + "/metrics")
                text = text.decode()
            finally:
                mon.cleanup()
        self.assertEqual(doc["status"], health["status"])
        self.assertEqual(doc["total_requests"],
                         health["details"]["total_requests"])
        rate = float(re.search(r"^bucketguard_success_rate (\S+)$", text,
                               re.M).group(1))
        self.assertAlmostEqual(rate, doc["health"]["success_rate"],
                               places=6)
        consec = float(re.search(r"^bucketguard_consecutive_failures (\S+)$",
                                 text, re.M).group(1))
        self.assertEqual(consec, doc["consecutive_failures"])


def count_writes(path, seconds):
    """How many times the file at path was replaced within seconds, as
    seen by polling its inode every 2 ms (a lower bound)."""
    seen, last = 0, None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            st = os.stat(path)
            ident = (st.st_ino, st.st_mtime_ns)
        except FileNotFoundError:
            ident = None
        if ident is not None and ident != last:
            seen += 1
            last = ident
        time.sleep(0.002)
    return seen


class MetricsCadence(unittest.TestCase):
    def test_a_fast_monitor_writes_the_file_once_a_second(self):
        with emulator() as emu:
            mon = monitor(emu, "--interval", "0.01", "--route-interval", "0")
            try:
                writes = count_writes(mon.metrics, 3)
            finally:
                mon.cleanup()
        # About 300 probes; one write at start, then at most one a second.
        self.assertGreaterEqual(writes, 2)
        self.assertLessEqual(writes, 5)

    def test_metrics_every_0_writes_after_every_probe(self):
        with emulator() as emu:
            mon = monitor(emu, "--interval", "0.05", "--route-interval", "0",
                          "--metrics-every", "0")
            try:
                writes = count_writes(mon.metrics, 2)
            finally:
                mon.cleanup()
        self.assertGreater(writes, 15)

    def test_a_health_change_is_written_at_once(self):
        with emulator("--control") as emu:
            mon = monitor(emu, "--interval", "0.1", "--route-interval", "0",
                          "--metrics-every", "3600", "--retries", "0",
                          "--timeout", "1", "--set", "health.window=10")
            try:
                time.sleep(0.5)
                with open(mon.metrics) as f:
                    self.assertEqual(json.load(f)["status"], "healthy")
                code, _ = emu.control("POST", "/__emulator/scenario/outage")
                self.assertEqual(code, 200)
                status, deadline = "healthy", time.monotonic() + 8
                while status == "healthy" and time.monotonic() < deadline:
                    time.sleep(0.05)
                    with open(mon.metrics) as f:
                        status = json.load(f)["status"]
            finally:
                mon.cleanup()
        self.assertIn(status, ("degraded", "unhealthy"))


class RouteSweep(unittest.TestCase):
    def test_a_sweep_does_not_move_the_probes_off_the_first_route(self):
        # The sweep at start ends on `fresh` (a new connection for every
        # request); the probes that follow must stay on `default`.
        with emulator() as emu, tempfile.TemporaryDirectory() as tmp:
            metrics = os.path.join(tmp, "metrics.json")
            p = subprocess.run(
                [CLI, "--env-file", emu.keys_file, "--quiet", "monitor",
                 OBJECT, "--interval", "0.01", "--count", "40",
                 "--no-http", "--metrics-file", metrics],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(metrics) as f:
                routes = json.load(f)["routes"]
        self.assertEqual(routes["fresh"]["attempts"], 1)
        self.assertEqual(routes["conn-close"]["attempts"], 1)
        self.assertEqual(routes["default"]["attempts"], 41)


class Outage(unittest.TestCase):
    def test_status_goes_degraded_unhealthy_then_healthy_again(self):
        with emulator("--control") as emu:
            mon = monitor(emu, "--interval", "0.1", "--route-interval", "0",
                          "--retries", "0", "--timeout", "1",
                          "--set", "health.window=20")
            try:
                states = self._watch(emu, mon)
            finally:
                mon.cleanup()
        collapsed = [s for i, s in enumerate(states)
                     if i == 0 or s != states[i - 1]]
        # Down through degraded to unhealthy, then back up to healthy
        # (through degraded again as the window refills with successes).
        self.assertEqual(collapsed[:3], ["healthy", "degraded", "unhealthy"],
                         collapsed)
        self.assertEqual(collapsed[-1], "healthy", collapsed)
        self.assertTrue(set(collapsed[3:-1]) <= {"degraded"}, collapsed)

    def _watch(self, emu, mon):
        states = []
        outage_at = None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            status, _, body = http_get(mon.base + "/health")
            state = json.loads(body)["status"]
            self.assertEqual(status, 503 if state == "unhealthy" else 200)
            states.append(state)
            if outage_at is None and len(states) > 10:
                code, _ = emu.control("POST", "/__emulator/scenario/outage")
                self.assertEqual(code, 200)
                outage_at = time.monotonic()
            if (outage_at and time.monotonic() - outage_at > 12
                    and state == "healthy"):
                break
            time.sleep(0.05)
        return states


class StatusPage(unittest.TestCase):
    def test_status_page_renders_route_table_and_charts_in_chromium(self):
        chromium = shutil.which("chromium")
        self.assertIsNotNone(chromium, "Debian's chromium is required")
        os.makedirs(ARTIFACTS, exist_ok=True)
        with emulator() as emu:
            mon = monitor(emu, "--interval", "0.05")
            profile = tempfile.mkdtemp(prefix="bg-chromium-")
            try:
                time.sleep(1)
                flags = [chromium, "--headless", "--no-sandbox",
                         "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--user-data-dir=" + profile]
                dom = subprocess.run(flags + ["--dump-dom", mon.base + "/"],
                                     capture_output=True, timeout=60)
                shot = os.path.join(ARTIFACTS, "status-page.png")
                subprocess.run(flags + ["--window-size=1000,1400",
                                        "--screenshot=" + shot,
                                        mon.base + "/"],
                               capture_output=True, timeout=60)
            finally:
                mon.cleanup()
                shutil.rmtree(profile, ignore_errors=True)
        html = dom.stdout.decode()
        self.assertIn('id="health-status"', html)
        self.assertRegex(html, r'<table id="route-table">.*default')
        self.assertEqual(len(re.findall(r'<tr class="route">', html)),
                         html.count('class="route"'))
        self.assertGreater(html.count('class="route"'), 5)
        self.assertRegex(html, r'<svg id="latency-chart"[^>]*>.*<polyline')
        self.assertRegex(html, r'<svg id="success-chart"[^>]*>.*<rect')
        self.assertTrue(os.path.getsize(shot) > 10000)


class HealthCommand(unittest.TestCase):
    def test_health_exits_0_when_healthy_and_1_when_not(self):
        with emulator() as emu:
            base = [CLI, "--env-file", emu.keys_file, "--set",
                    "delays=0.05", "health"]
            ok = subprocess.run(base + [OBJECT], capture_output=True,
                                timeout=30)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertEqual(json.loads(ok.stdout)["status"], "healthy")
            bad = subprocess.run(base + ["docs/missing.txt"],
                                 capture_output=True, timeout=30)
            self.assertEqual(bad.returncode, 1, bad.stderr)
            self.assertIn(json.loads(bad.stdout)["status"],
                          ("degraded", "unhealthy"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
