"""The monitor's HTTP server under abuse: thousands of malformed and
oversized requests, hundreds of idle connections held open (slowloris),
unknown paths and methods. Throughout, /health keeps answering within a
second, the server's memory stays bounded, and no variation of a request
reaches a protected endpoint without the bearer token."""

import os
import random
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402
from hardening import CLI, Monitor, exchange, status_of  # noqa: E402

TOKEN = "abuse-token-7c1e5b90d2"
OBJECT = "docs/probe.txt"
HEALTH_BOUND = 1.0  # seconds a health answer may take under abuse

def sanitized(path):
    """1 when the program was built with AddressSanitizer, whose freed
    memory stays in a quarantine of up to 256 MB."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


# Memory the abuse may add, generously.
RSS_GROWTH_KB = (320 if sanitized(CLI) else 32) * 1024
# What only protected endpoints serve: Prometheus text, the status page,
# the route table, the JSON metrics (libmicrohttpd's own error pages
# are HTML too, so the page's title is the marker).
PROTECTED_MARKERS = [b"# TYPE", b"bucketguard status", b"ejected_seconds_left",
                     b"\"schema_version"]


def request(method, target, headers=(), version="HTTP/1.1"):
    lines = ["%s %s %s" % (method, target, version), "Host: 127.0.0.1"]
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def malformed(rng, i):
    """The i-th malformed or oversized request (a rotating set of kinds)."""
    kinds = [
        lambda: bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 512))),
        lambda: request("GET", "/" + "a" * 100000),
        lambda: request("GET", "/health", ["X-Big: " + "b" * 70000]),
        lambda: request("GET", "/health",
                        ["X-H%d: v" % k for k in range(2000)]),
        lambda: request("GET", "/health", version="HTTP/9.9"),
        lambda: b"GET /health\r\n\r\n",
        lambda: b"GET  /health  HTTP/1.1\r\n\r\n",
        lambda: b"\x00\x01\x02GET /health HTTP/1.1\r\n\r\n",
        lambda: request("POST", "/health", ["Content-Length: 99999999999"]),
        lambda: request("POST", "/health", ["Content-Length: -5"]),
        lambda: request("POST", "/health", ["Transfer-Encoding: chunked"]) +
        b"zz\r\nnot hex\r\n",
        lambda: request("GET", "/health", ["Content-Length: 10",
                                           "Transfer-Encoding: chunked"]),
        lambda: request("GET", "/health", ["Host: a", "Host: b"]),
        lambda: b"GET /health HTTP/1.1\nHost: lf-only\n\n",
        lambda: request("GET", "/health", ["Bad Header Line"]),
        lambda: request("G\x7fT", "/health"),
        lambda: request("GET", "/%zz%00%ff"),
        lambda: request("GET", "/health", ["Authorization: Bearer " +
                                           "t" * 60000]),
        lambda: b"GET /health HTTP/1.1\r\n" + b"X: y\r\n" * 5000,
        lambda: b"\r\n" * 10000,
    ]
    return kinds[i % len(kinds)]()


class HealthWatch(threading.Thread):
    """Asks /health every 10 ms and records the slowest answer."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop_flag = threading.Event()
        self.worst = 0.0
        self.count = 0
        self.failures = []

    def run(self):
        while not self.stop_flag.is_set():
            t0 = time.monotonic()
            try:
                reply = exchange(self.port, request("GET", "/health"),
                                 timeout=5)
                status = status_of(reply)
            except OSError as e:
                status = str(e)
            took = time.monotonic() - t0
            self.worst = max(self.worst, took)
            self.count += 1
            if status not in (200, 503):
                self.failures.append(status)
            self.stop_flag.wait(0.01)

    def finish(self):
        self.stop_flag.set()
        self.join(10)


class EndpointAbuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(extra_args=["--bucket", "docs", "--object",
                                       OBJECT + "=probe"])
        cls.emu.start()
        cls.mon = Monitor(cls.emu, OBJECT, "--interval", "1",
                          env={"BUCKETGUARD_MONITOR_TOKEN": TOKEN})

    @classmethod
    def tearDownClass(cls):
        cls.mon.cleanup()
        cls.emu.stop()

    def assert_protected(self, raw, label):
        reply = exchange(self.mon.port, raw)
        self.assertNotEqual(status_of(reply), 200,
                            "%s was served without the token" % label)
        for marker in PROTECTED_MARKERS:
            self.assertNotIn(marker, reply, "%s leaked %r" % (label, marker))

    def test_token_opens_the_protected_endpoints(self):
        for path in ["/metrics", "/routes", "/"]:
            reply = exchange(self.mon.port, request(
                "GET", path, ["Authorization: Bearer " + TOKEN]))
            self.assertEqual(status_of(reply), 200, path)

    def test_token_cannot_be_bypassed(self):
        paths = ["/metrics", "/routes", "/", "/metrics.json", "//metrics",
                 "/metrics/", "/METRICS", "/Metrics", "/./metrics",
                 "/health/../metrics", "/health/fm027/../../routes",
                 "/%6detrics", "/metrics%2F", "/health%2F..%2Fmetrics",
                 "/metrics?x=1", "/metrics#frag", "/?", "//", "/routes;x",
                 "http://127.0.0.1/metrics", "http://127.0.0.1/",
                 "/metrics?token=" + TOKEN, "/metrics?access_token=" + TOKEN,
                 "*", "/health/../", "/%2e%2e/metrics"]
        auths = [[], ["Authorization: Bearer wrong"],
                 ["Authorization: Bearer " + TOKEN[:-1]],
                 ["Authorization: Bearer " + TOKEN + "x"],
                 ["Authorization: Bearer"], ["Authorization: Bearer "],
                 ["Authorization: Basic " + TOKEN],
                 ["Authorization: " + TOKEN],
                 ["Authorization: Bearer  " + TOKEN[1:]],
                 ["X-Authorization: Bearer " + TOKEN],
                 ["Authorization: Bearer " + TOKEN.upper()],
                 ["Authorization: Bearer \x00" + TOKEN]]
        cases = 0
        for method in ["GET", "HEAD"]:
            for path in paths:
                for auth in auths:
                    self.assert_protected(request(method, path, auth),
                                          "%s %s %s" % (method, path, auth))
                    cases += 1
        for version in ["HTTP/1.0", "HTTP/2.0"]:
            self.assert_protected(request("GET", "/metrics", [], version),
                                  version)
        self.assertGreater(cases, 500)

    def test_health_answers_promptly_under_malformed_flood(self):
        rss_before = self.mon.rss_kb()
        watch = HealthWatch(self.mon.port)
        watch.start()
        rng = random.Random(8)
        statuses = {}

        def flood(seed, n):
            local = random.Random(seed)
            for i in range(n):
                try:
                    reply = exchange(self.mon.port, malformed(local, i),
                                     timeout=3)
                except OSError:
                    reply = b""
                status = status_of(reply)
                statuses[status] = statuses.get(status, 0) + 1

        workers = [threading.Thread(target=flood, args=(rng.random(), 500))
                   for _ in range(6)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        watch.finish()
        rss_after = self.mon.rss_kb()
        print("malformed flood: %d requests, statuses %s; %d health checks, "
              "slowest %.3f s; RSS %d -> %d kB"
              % (sum(statuses.values()), sorted(statuses.items()),
                 watch.count, watch.worst, rss_before, rss_after))
        self.assertEqual(sum(statuses.values()), 3000)
        self.assertNotIn(500, statuses, "a malformed request caused a 500")
        self.assertEqual(watch.failures, [])
        self.assertGreater(watch.count, 10)
        self.assertLess(watch.worst, HEALTH_BOUND)
        self.assertLess(rss_after - rss_before, RSS_GROWTH_KB)
        self.assertIsNone(self.mon.proc.poll(), "the monitor died")

    def test_health_answers_while_hundreds_of_connections_idle(self):
        rss_before = self.mon.rss_kb()
        held = []
        try:
            for i in range(400):
                s = socket.create_connection(("127.0.0.1", self.mon.port),
                                             timeout=5)
                # Half a request, as a slowloris client sends it.
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-%d: " % i)
                held.append(s)
            worst = 0.0
            for _ in range(20):
                t0 = time.monotonic()
                reply = exchange(self.mon.port, request("GET", "/health"))
                worst = max(worst, time.monotonic() - t0)
                self.assertIn(status_of(reply), (200, 503))
                time.sleep(0.05)
            rss_held = self.mon.rss_kb()
        finally:
            for s in held:
                s.close()
        print("slowloris: %d idle connections, slowest health %.3f s, "
              "RSS %d -> %d kB" % (len(held), worst, rss_before, rss_held))
        self.assertLess(worst, HEALTH_BOUND)
        self.assertLess(rss_held - rss_before, RSS_GROWTH_KB)

    def test_unknown_paths_and_methods_are_refused(self):
        rng = random.Random(3)
        methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
                   "TRACE", "CONNECT", "PROPFIND", "BREW", "get"]
        seen = {}
        for i in range(600):
            path = "/" + "/".join(
                "".join(rng.choice("abcdefghij%./-_~") for _ in range(
                    rng.randint(0, 12))) for _ in range(rng.randint(1, 4)))
            method = methods[i % len(methods)]
            reply = exchange(self.mon.port, request(method, path))
            status = status_of(reply)
            seen[status] = seen.get(status, 0) + 1
            self.assertNotEqual(status, 200, "%s %s served" % (method, path))
            self.assertFalse(500 <= status < 600 and status != 501,
                             "%s %s: %d" % (method, path, status))
        print("unknown paths and methods: %s" % sorted(seen.items()))
        reply = exchange(self.mon.port, request("GET", "/health"))
        self.assertIn(status_of(reply), (200, 503))


if __name__ == "__main__":
    unittest.main(verbosity=2)
