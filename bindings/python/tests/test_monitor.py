"""bucketguard.Monitor and health_check: probing keeps the metrics file
current, the endpoints answer like the daemon's (503 when unhealthy, token
on everything but /health), and a one-shot check reports health."""

import json
import os
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import bucketguard

from tests.support import BUCKET, FAST, emulator

PROBE = BUCKET + "/probe.txt"
TOKEN = "monitor-token-5d1e"


def http_get(url, token=None, method="GET"):
    """(status, content type, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return (answer.status, answer.headers["Content-Type"],
                    answer.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class MonitorProbesAndServes(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="bg-py-monitor-")
        self.metrics_file = os.path.join(self.tmp.name, "metrics.json")
        self.emu = emulator(control=True)
        self.emu.start()
        self.monitor = bucketguard.Monitor(
            self.emu.url, self.emu.service, PROBE, interval=0.1,
            metrics_file=self.metrics_file, listen="127.0.0.1:0",
            token=TOKEN, **dict(FAST, health_window=10))

    def tearDown(self):
        self.monitor.close()
        self.emu.stop()
        self.tmp.cleanup()

    def probes(self):
        return self.monitor.metrics()["probes"]

    def test_probes_write_the_metrics_file(self):
        self.monitor.start()
        self.assertTrue(wait_for(lambda: os.path.exists(self.metrics_file)))
        with open(self.metrics_file, encoding="utf-8") as f:
            document = json.load(f)
        self.assertEqual(document["schema_version"], 1)
        self.assertTrue(wait_for(
            lambda: self.monitor.health()["last_test"] is not None))

    def test_endpoints_answer_like_the_daemon(self):
        self.monitor.start()
        base = self.monitor.url
        self.assertTrue(wait_for(
            lambda: self.monitor.health()["last_test"] is not None))
        for path in ("/health", "/health/fm027"):
            status, ctype, body = http_get(base + path)
            self.assertEqual((status, ctype), (200, "application/json"))
            self.assertEqual(json.loads(body)["status"], "healthy")
        status, ctype, body = http_get(base + "/metrics", TOKEN)
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain"))
        self.assertIn(b"bucketguard_health ", body)
        status, _, body = http_get(base + "/routes", TOKEN)
        self.assertEqual(status, 200)
        self.assertIn("default", [r["name"] for r in json.loads(body)])
        status, _, body = http_get(base + "/metrics.json", TOKEN)
        self.assertEqual(json.loads(body)["schema_version"], 1)
        self.assertEqual(http_get(base + "/nowhere", TOKEN)[0], 404)

    def test_token_guards_everything_but_health(self):
        self.monitor.start()
        base = self.monitor.url
        for path in ("/metrics", "/routes", "/metrics.json"):
            with self.subTest(path):
                self.assertEqual(http_get(base + path)[0], 401)
                self.assertEqual(http_get(base + path, "wrong")[0], 401)
        self.assertEqual(http_get(base + "/health")[0], 200)

    def test_outage_turns_health_into_503(self):
        self.monitor.start(interval=0.05)
        self.assertTrue(wait_for(
            lambda: self.monitor.health()["last_test"] is not None))
        status, _ = self.emu.control("POST", "scenario/outage")
        self.assertEqual(status, 200)
        url = self.monitor.url + "/health"
        self.assertTrue(wait_for(lambda: http_get(url)[0] == 503, 30))
        self.assertEqual(json.loads(http_get(url)[2])["status"],
                         "unhealthy")

    def test_stop_ends_probing_and_writes_the_file_a_last_time(self):
        self.monitor.start()
        self.assertTrue(wait_for(
            lambda: self.monitor.health()["last_test"] is not None))
        self.monitor.stop()
        self.assertFalse(self.monitor.running)
        os.unlink(self.metrics_file)
        attempts = self.monitor.metrics()["lifetime"]["attempts"]
        time.sleep(0.4)
        self.assertEqual(self.monitor.metrics()["lifetime"]["attempts"],
                         attempts)
        self.assertFalse(os.path.exists(self.metrics_file))
        with self.assertRaises(OSError):
            http_get(self.monitor.url + "/health")

    def test_starting_twice_is_refused(self):
        self.monitor.start()
        with self.assertRaises(bucketguard.UsageError):
            self.monitor.start()


class MonitorWithoutEndpoints(unittest.TestCase):

    def test_context_manager_starts_and_closes(self):
        with emulator() as emu:
            with bucketguard.Monitor(emu.url, emu.service, PROBE,
                                     interval=0.1, metrics_file=None,
                                     **FAST) as monitor:
                self.assertTrue(monitor.running)
                self.assertIsNone(monitor.url)
                self.assertTrue(wait_for(
                    lambda: monitor.health()["last_test"] is not None))
            self.assertFalse(monitor.running)
            self.assertTrue(monitor.client.closed)


class OneShotHealthCheck(unittest.TestCase):

    def test_healthy_storage_reads_healthy(self):
        with emulator() as emu:
            answer = bucketguard.health_check(emu.url, emu.service, PROBE,
                                              **FAST)
        self.assertEqual(answer["status"], "healthy")
        self.assertIsNotNone(answer["last_test"])

    def test_outage_reads_unhealthy_without_raising(self):
        with emulator(scenario="outage") as emu:
            answer = bucketguard.health_check(emu.url, emu.service, PROBE,
                                              **FAST)
        self.assertEqual(answer["status"], "unhealthy")
        self.assertGreater(answer["details"]["consecutive_failures"], 0)

    def test_bad_path_is_a_usage_error(self):
        with self.assertRaises(bucketguard.UsageError):
            bucketguard.health_check("http://127.0.0.1:9", "k" * 20,
                                     "no-slash")


if __name__ == "__main__":
    unittest.main()
