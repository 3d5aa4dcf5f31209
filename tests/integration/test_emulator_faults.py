"""Fault rules as a client sees them on the wire: every action of the rule
language and every built-in scenario, against the real emulator binary,
and the same outcomes again when a run is repeated with the same seed."""

import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402

EDGES = ["127.0.0.1=SJC", "127.0.0.2=PDX"]
BODY = "0123456789" * 100
NO_SUCH_BUCKET = {"statusCode": "404", "code": "NoSuchBucket",
                  "error": "Bucket not found", "message": "Bucket not found"}


def emulator(*args):
    """An emulator on both edges with the bucket docs holding a.txt."""
    return Emulator(extra_args=["--quiet", "--bucket", "docs", "--object",
                                "docs/a.txt=" + BODY] + list(args),
                    listen=EDGES)


def profile(e, name="default"):
    """Headers of the library's header profiles (http.client adds Host
    and Accept-Encoding)."""
    if name == "minimal":
        return e.auth(e.service)
    headers = {"User-Agent": "bucketguard/0.1.0", "Accept": "*/*",
               "x-client-info": "bucketguard-tests"}
    headers.update(e.auth(e.service))
    if name == "library-ua":
        headers["User-Agent"] = "python-httpx/0.27.0"
    if name == "browser-ua":
        headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/126"
    if name == "conn-close":
        headers["Connection"] = "close"
    return headers


def outcome(e, method="GET", path="/object/docs/a.txt", headers=None,
            edge=None, body=None, timeout=5.0):
    """How one request ended, as a short word: the status and the body's
    code ("400 NoSuchBucket", "200"), "reset", "timeout" or "short"."""
    try:
        status, _, data = e.request(method, path, headers=headers or
                                    profile(e), edge=edge, body=body,
                                    timeout=timeout)
    except (ConnectionResetError, http.client.RemoteDisconnected,
            BrokenPipeError):
        return "reset"
    except socket.timeout:
        return "timeout"
    except http.client.IncompleteRead:
        return "short"
    try:
        code = json.loads(data).get("code")
    except (ValueError, AttributeError):
        code = None
    return "%d %s" % (status, code) if code else str(status)


def upload(e, key):
    status, _, data = e.request("POST", "/object/docs/" + key,
                                headers=e.auth(e.service), body=BODY)
    if status != 200:
        raise AssertionError("upload %s: %d %r" % (key, status, data))


class Actions(unittest.TestCase):
    """One rule per action; the client sees what the action promises."""

    def test_status_answers_the_status_and_named_body(self):
        with emulator("--rule", "path /object/* -> status 400 NoSuchBucket"
                      ) as e:
            status, headers, data = e.request("GET", "/object/docs/a.txt",
                                              headers=profile(e))
            self.assertEqual(status, 400)
            self.assertEqual(json.loads(data), NO_SUCH_BUCKET)
            self.assertIn("application/json", headers["content-type"])
            self.assertEqual(outcome(e, "GET", "/bucket/docs"), "200")

    def test_status_answers_a_raw_json_body(self):
        with emulator("--rule", """-> status 418 '{"code":"Teapot"}'""") as e:
            status, _, data = e.request("GET", "/bucket", headers=profile(e))
            self.assertEqual((status, json.loads(data)),
                             (418, {"code": "Teapot"}))

    def test_delay_answers_normally_after_the_delay(self):
        with emulator("--rule", "-> delay 400") as e:
            start = time.monotonic()
            self.assertEqual(outcome(e), "200")
            self.assertGreaterEqual(time.monotonic() - start, 0.4)

    def test_reset_drops_the_connection(self):
        with emulator("--rule", "edge 127.0.0.1 -> reset") as e:
            self.assertEqual(outcome(e), "reset")
            self.assertEqual(outcome(e, edge="127.0.0.2"), "200")

    def test_stall_never_answers(self):
        with emulator("--rule", "-> stall") as e:
            start = time.monotonic()
            self.assertEqual(outcome(e, timeout=1.0), "timeout")
            self.assertGreaterEqual(time.monotonic() - start, 0.9)

    def test_cut_closes_the_body_short(self):
        with emulator("--rule", "method GET -> cut 100") as e:
            try:
                e.request("GET", "/object/docs/a.txt", headers=profile(e))
                self.fail("the whole body arrived")
            except http.client.IncompleteRead as short:
                self.assertEqual(len(short.partial), 100)
                self.assertEqual(short.partial, BODY[:100].encode())

    def test_hide_answers_no_such_key_until_the_object_is_old_enough(self):
        with emulator("--rule",
                      "method GET,HEAD path /object/* -> hide 1500") as e:
            upload(e, "new.txt")
            uploaded = time.monotonic()
            self.assertEqual(outcome(e, path="/object/docs/new.txt"),
                             "400 NoSuchKey")
            time.sleep(max(0.0, uploaded + 1.7 - time.monotonic()))
            self.assertEqual(outcome(e, path="/object/docs/new.txt"), "200")

    def test_bad_rule_is_refused_with_its_line(self):
        with emulator("--control") as e:
            status, text = e.control("POST", "rules",
                                     body="-> reset\n-> explode")
            self.assertEqual(status, 400)
            self.assertEqual(text.strip(), "line 2: unknown action "
                             "'explode' (expected status, delay, reset, "
                             "stall, cut, hide)")
            self.assertEqual(e.control("GET", "rules"), (200, ""))

    def test_rules_posted_at_run_time_act_and_are_named(self):
        with emulator("--control") as e:
            self.assertEqual(outcome(e), "200")
            self.assertEqual(e.control("POST", "rules",
                                       body="gone: ordinal 2 -> reset\n"),
                             (200, "ok\n"))
            self.assertEqual(outcome(e), "reset")
            self.assertEqual(outcome(e), "200")
            self.assertIn("gone", json.dumps(e.stats()))


def run_twice(test, args, requests):
    """Runs requests (a function of the emulator returning outcomes) on
    two fresh emulators with args; asserts both runs saw the same
    outcomes and returns them."""
    with emulator(*args) as e:
        first = requests(e)
    with emulator(*args) as e:
        again = requests(e)
    test.assertEqual(first, again)
    return first


INCIDENT_CASES = [
    # (profile, method, path, edge, outcome)
    ("default", "GET", "/object/docs/a.txt", "127.0.0.1", "400 NoSuchBucket"),
    ("default", "HEAD", "/object/docs/a.txt", "127.0.0.1", "400"),
    ("default", "GET", "/object/info/docs/a.txt", "127.0.0.1",
     "400 NoSuchBucket"),
    ("default", "GET", "/object/authenticated/docs/a.txt", "127.0.0.1",
     "400 NoSuchBucket"),
    ("default", "GET", "/object/docs/a.txt", "127.0.0.2", "200"),
    ("default", "GET", "/bucket/docs", "127.0.0.1", "200"),
    ("library-ua", "GET", "/object/docs/a.txt", "127.0.0.1", "200"),
    ("browser-ua", "GET", "/object/docs/a.txt", "127.0.0.1", "200"),
    ("conn-close", "GET", "/object/docs/a.txt", "127.0.0.1", "200"),
    ("minimal", "GET", "/object/docs/a.txt", "127.0.0.1", "200"),
]


class Scenarios(unittest.TestCase):
    """Each built-in scenario does what docs/emulator-rules.md says, and
    does it again on a second run with the same seed."""

    def test_incident_fails_only_default_profile_reads_on_one_edge(self):
        def requests(e):
            return [outcome(e, method, path, profile(e, name), edge)
                    for name, method, path, edge, _ in INCIDENT_CASES]

        seen = run_twice(self, ["--scenario", "incident"], requests)
        self.assertEqual(seen, [case[-1] for case in INCIDENT_CASES])

    def test_flaky_fails_a_fifth_of_requests_the_same_way_per_seed(self):
        def requests(e):
            return [outcome(e) for _ in range(200)]

        seen = run_twice(self, ["--scenario", "flaky", "--seed", "7"],
                         requests)
        self.assertIn(seen.count("reset"), range(8, 33))
        self.assertIn(seen.count("503 ServiceUnavailable"), range(8, 33))
        self.assertEqual(seen.count("200") + seen.count("reset") +
                         seen.count("503 ServiceUnavailable"), 200)
        with emulator("--scenario", "flaky", "--seed", "8") as e:
            self.assertNotEqual(requests(e), seen)

    def test_bad_edge_resets_every_request_to_the_second_edge(self):
        def requests(e):
            return [outcome(e, edge=edge) for edge in
                    ["127.0.0.1", "127.0.0.2"] * 5]

        seen = run_twice(self, ["--scenario", "bad-edge"], requests)
        self.assertEqual(seen, ["200", "reset"] * 5)

    def test_slow_tail_delays_some_answers_by_two_seconds(self):
        def requests(e):
            seen = []
            for _ in range(40):
                start = time.monotonic()
                word = outcome(e)
                slow = time.monotonic() - start >= 1.9
                seen.append(word + (" slow" if slow else ""))
            return seen

        seen = run_twice(self, ["--scenario", "slow-tail", "--seed", "3"],
                         requests)
        self.assertIn(seen.count("200 slow"), range(1, 6))
        self.assertEqual(seen.count("200 slow") + seen.count("200"), 40)

    def test_outage_fails_everything_for_ten_seconds_then_recovers(self):
        def requests(e):
            return [outcome(e) for _ in range(20)]

        seen = run_twice(self, ["--scenario", "outage", "--seed", "7"],
                         requests)
        self.assertEqual(seen.count("reset") +
                         seen.count("503 ServiceUnavailable"), 20)
        self.assertIn(seen.count("reset"), range(4, 17))

        with emulator("--control") as e:
            time.sleep(1.0)
            self.assertEqual(outcome(e), "200")
            self.assertEqual(e.control("POST", "scenario/outage"),
                             (200, "ok\n"))
            loaded = time.monotonic()
            self.assertIn(outcome(e), ["reset", "503 ServiceUnavailable"])
            time.sleep(max(0.0, loaded + 10.3 - time.monotonic()))
            self.assertEqual([outcome(e) for _ in range(5)], ["200"] * 5)

    def test_lag_hides_objects_for_three_seconds_after_upload(self):
        def requests(e):
            upload(e, "fresh.txt")
            uploaded = time.monotonic()
            seen = [outcome(e, path="/object/docs/fresh.txt"),
                    outcome(e, "POST", "/object/list/docs",
                            body={"prefix": ""})]
            time.sleep(max(0.0, uploaded + 3.2 - time.monotonic()))
            return seen + [outcome(e, path="/object/docs/fresh.txt")]

        seen = run_twice(self, ["--scenario", "lag"], requests)
        self.assertEqual(seen, ["400 NoSuchKey", "200", "200"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
