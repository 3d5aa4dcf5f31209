"""bucketguard-emulator as a program: its command line, edges and colos,
the control endpoints, the request log, TLS, streaming bodies from a data
directory, robustness against malformed requests, and a prompt clean
shutdown even with a stalled connection."""

import base64
import errno
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator, emulator_binary  # noqa: E402

MiB = 1024 * 1024


def run(*args, timeout=10):
    return subprocess.run([emulator_binary()] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def high_water_kib(pid):
    """Peak resident memory of a process (VmHWM) in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def raw_exchange(port, data, timeout=5.0):
    """Sends raw bytes, returns what the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


class CommandLine(unittest.TestCase):

    def test_help_and_version_exit_zero(self):
        for flag in ("--help", "--version"):
            with self.subTest(flag):
                result = run(flag)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn("bucketguard-emulator", result.stdout)

    def test_usage_errors_exit_two_with_one_line(self):
        cases = [["--bogus"], ["--port", "70000"], ["--prefix", "sideways"],
                 ["--tls-cert", "x.pem"], ["--rule", "colour red -> reset"],
                 ["--scenario", "no-such-scenario"], ["extra"],
                 ["mint", "--role", "king"]]
        for args in cases:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(len(result.stderr.strip().splitlines()), 1,
                                 result.stderr)

    def test_port_in_use_is_a_runtime_error(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            result = run("--port", str(s.getsockname()[1]), "--quiet")
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot listen", result.stderr)

    def test_mint_makes_tokens_with_the_asked_claims(self):
        token = run("mint", "--role", "service_role", "--ref", "other",
                    "--iat", "1000").stdout.strip()
        payload = token.split(".")[1]
        claims = json.loads(
            base64.urlsafe_b64decode(payload + "==="))
        self.assertEqual((claims["role"], claims["ref"], claims["iat"]),
                         ("service_role", "other", 1000))
        self.assertGreater(claims["exp"], time.time())
        expired = run("mint", "--expired").stdout.strip().split(".")[1]
        claims = json.loads(
            base64.urlsafe_b64decode(expired + "==="))
        self.assertLess(claims["exp"], time.time())

    def test_keys_file_and_stdout_carry_url_and_keys(self):
        with Emulator() as e:
            with open(e.keys_file) as f:
                text = f.read()
            self.assertRegex(text, r"SUPABASE_URL=http://127\.0\.0\.1:%d\n"
                             % e.port)
            for name in ("SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY",
                         "SUPABASE_SECRET_KEY", "SUPABASE_PUBLISHABLE_KEY",
                         "BG_EMULATOR_PORT"):
                self.assertIn(name + "=", text)
            self.assertTrue(e.secret.startswith("sb_secret_"))
            self.assertTrue(e.publishable.startswith("sb_publishable_"))


class Edges(unittest.TestCase):

    def test_each_edge_answers_with_its_own_colo(self):
        with Emulator(listen=["127.0.0.1=SJC", "127.0.0.2=PDX"]) as e:
            for edge, colo in (("127.0.0.1", "SJC"), ("127.0.0.2", "PDX")):
                with self.subTest(edge=edge):
                    status, h, _ = e.request("GET", "/bucket",
                                             Emulator.auth(e.service),
                                             edge=edge)
                    self.assertEqual(status, 200)
                    self.assertTrue(h["cf-ray"].endswith("-" + colo))

    @unittest.skipUnless(ipv6_loopback(), "no IPv6 loopback")
    def test_ipv6_edge_and_bracketed_url(self):
        with Emulator(listen=["::1=LAX", "127.0.0.1=SJC"]) as e:
            self.assertEqual(e.url, "http://[::1]:%d" % e.port)
            _, h, _ = e.request("GET", "/bucket", Emulator.auth(e.service),
                                edge="::1")
            self.assertTrue(h["cf-ray"].endswith("-LAX"))

    def test_prefix_modes(self):
        cases = [("storage", "/storage/v1/bucket", 200),
                 ("storage", "/bucket", 404),
                 ("none", "/bucket", 200),
                 ("none", "/storage/v1/bucket", 404)]
        for mode, path, status in cases:
            with self.subTest(mode=mode, path=path):
                with Emulator(extra_args=["--prefix", mode, "--quiet"]) as e:
                    got = e.request("GET", path, Emulator.auth(e.service))[0]
                    self.assertEqual(got, status)


class Control(unittest.TestCase):

    def test_control_endpoints_are_off_by_default(self):
        with Emulator(extra_args=["--quiet"]) as e:
            self.assertEqual(e.control("GET", "stats")[0], 404)

    def test_rules_can_be_added_listed_and_cleared(self):
        with Emulator(extra_args=["--control", "--quiet"]) as e:
            status, text = e.control("POST", "rules",
                                     "teapot: path /bucket -> status 418")
            self.assertEqual(status, 200, text)
            self.assertIn("teapot", e.control("GET", "rules")[1])
            self.assertEqual(e.request("GET", "/bucket")[0], 418)
            self.assertEqual(e.control("DELETE", "rules")[0], 200)
            self.assertEqual(e.request("GET", "/bucket")[0], 400)

    def test_bad_rule_text_is_400_with_one_line(self):
        with Emulator(extra_args=["--control", "--quiet"]) as e:
            status, text = e.control("POST", "rules", "-> explode")
            self.assertEqual(status, 400)
            self.assertEqual(len(text.strip().splitlines()), 1)
            self.assertEqual(e.control("GET", "rules")[1].strip(), "")

    def test_scenario_by_name_and_unknown_name(self):
        with Emulator(extra_args=["--control", "--quiet"],
                      listen=["127.0.0.1=SJC", "127.0.0.2=PDX"]) as e:
            self.assertEqual(e.control("POST", "scenario/bad-edge")[0], 200)
            self.assertEqual(e.control("POST", "scenario/nope")[0], 400)
            with self.assertRaises(OSError):
                e.request("GET", "/bucket", edge="127.0.0.2")

    def test_control_paths_are_never_faulted(self):
        with Emulator(extra_args=["--control", "--quiet", "--rule",
                                  "-> reset"]) as e:
            self.assertEqual(e.control("GET", "rules")[0], 200)
            with self.assertRaises(OSError):
                e.request("GET", "/bucket")

    def test_stats_count_requests_per_edge_rule_and_status(self):
        with Emulator(extra_args=["--control", "--quiet", "--rule",
                                  "boom: path /bucket/x -> reset"],
                      listen=["127.0.0.1=SJC", "127.0.0.2=PDX"]) as e:
            e.request("GET", "/bucket")
            e.request("GET", "/bucket", edge="127.0.0.2")
            with self.assertRaises(OSError):
                e.request("GET", "/bucket/x")
            stats = e.stats()
            self.assertEqual(stats["total"], 3)
            self.assertEqual(stats["edges"], {"127.0.0.1": 2,
                                              "127.0.0.2": 1})
            self.assertEqual(stats["rules"], {"boom": 1})
            self.assertEqual(stats["statuses"], {"400": 2})


class RequestLog(unittest.TestCase):

    def test_one_line_per_request_without_tokens(self):
        with Emulator(extra_args=["--bucket", "b:public", "--object",
                                  "b/k.txt=x"]) as e:
            svc = Emulator.auth(e.service)
            url = json.loads(e.request("POST", "/object/sign/b/k.txt", svc,
                                       {"expiresIn": 60})[2])["signedURL"]
            e.request("GET", url)
            e.request("GET", "/object/b/k.txt", svc)
            e.stop()
            log = e.stderr()
        lines = [l for l in log.splitlines() if l.startswith("method=")]
        self.assertEqual(len(lines), 3, log)
        self.assertRegex(lines[2], r"^method=GET path=/object/b/k\.txt "
                         r"status=200 edge=127\.0\.0\.1 colo=SJC rule=- "
                         r"ms=\d+\.\d\d$")
        self.assertNotIn("token", log)
        self.assertNotIn(e.service.split(".")[2], log)


class Robustness(unittest.TestCase):

    def test_malformed_requests_get_4xx_and_service_continues(self):
        with Emulator(extra_args=["--quiet"]) as e:
            svc = Emulator.auth(e.service)
            garbage = [b"HELLO\r\n\r\n", b"GET\r\n\r\n",
                       b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 70000 +
                       b"\r\n\r\n"]
            for data in garbage:
                with self.subTest(data=data[:20]):
                    answer = raw_exchange(e.port, data)
                    if answer:
                        self.assertRegex(answer, rb"^HTTP/1\.[01] 4\d\d")
            self.assertEqual(e.request("POST", "/bucket", svc, "{not json")[0],
                             400)
            self.assertEqual(e.request("GET", "/bucket", svc)[0], 200)

    def test_memory_mode_refuses_bodies_over_64_mib(self):
        with Emulator(extra_args=["--quiet", "--bucket", "b"]) as e:
            status, _, body = e.request("POST", "/object/b/big",
                                        Emulator.auth(e.service),
                                        b"\0" * (64 * MiB + 1), timeout=60)
            self.assertEqual(status, 400)
            self.assertEqual(json.loads(body)["code"], "EntityTooLarge")


class Reset(unittest.TestCase):

    def test_reset_rule_sends_a_tcp_reset_not_an_orderly_close(self):
        with Emulator(extra_args=["--quiet", "--rule", "-> reset"]) as e:
            with socket.create_connection(("127.0.0.1", e.port), 5) as s:
                s.sendall(b"GET /bucket HTTP/1.1\r\nHost: x\r\n\r\n")
                with self.assertRaises(ConnectionResetError) as caught:
                    if s.recv(1024) == b"":
                        raise AssertionError("orderly close, no reset")
                self.assertEqual(caught.exception.errno, errno.ECONNRESET)


class Shutdown(unittest.TestCase):

    def test_sigterm_with_a_stalled_connection_exits_zero_within_a_second(
            self):
        e = Emulator(extra_args=["--quiet", "--rule", "-> stall"])
        e.start()
        try:
            sock = socket.create_connection(("127.0.0.1", e.port), 5)
            sock.sendall(b"GET /bucket HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.3)
            started = time.monotonic()
            code = e.stop()
            elapsed = time.monotonic() - started
            sock.close()
        finally:
            e.stop()
        self.assertEqual(code, 0)
        self.assertLess(elapsed, 1.5)


class Tls(unittest.TestCase):

    def test_https_serves_the_contract(self):
        with Emulator(extra_args=["--quiet", "--bucket", "b:public",
                                  "--object", "b/k.txt=secure"],
                      tls=True) as e:
            self.assertTrue(e.url.startswith("https://127.0.0.1:"))
            status, _, body = e.request("GET", "/object/public/b/k.txt")
            self.assertEqual((status, body), (200, b"secure"))


class DataDir(unittest.TestCase):

    SIZE = 1024 * MiB

    def test_large_object_streams_through_files_in_bounded_memory(self):
        with tempfile.TemporaryDirectory() as data, \
                Emulator(extra_args=["--quiet", "--bucket", "big",
                                     "--data-dir", data]) as e:
            before = high_water_kib(e.proc.pid)
            digest = self.upload(e)
            self.assertTrue(any(n.startswith("body-")
                                for n in os.listdir(data)))
            etag, downloaded = self.download(e)
            self.assertEqual((etag, downloaded), ('"%s"' % digest, digest))
            growth = high_water_kib(e.proc.pid) - before
            print("peak memory grew %d KiB for %d MiB" % (growth,
                                                       self.SIZE // MiB))
            self.assertLess(growth, 64 * 1024, "grew %d KiB" % growth)

    def upload(self, e):
        chunk = bytes(range(256)) * 4096
        md5 = hashlib.md5()
        conn = e.connection(timeout=120)
        conn.putrequest("POST", "/object/big/blob.bin")
        for name, value in Emulator.auth(e.service).items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(self.SIZE))
        conn.endheaders()
        for _ in range(self.SIZE // len(chunk)):
            conn.send(chunk)
            md5.update(chunk)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200, resp.read())
        resp.read()
        conn.close()
        return md5.hexdigest()

    def download(self, e):
        md5 = hashlib.md5()
        conn = e.connection(timeout=120)
        conn.request("GET", "/object/big/blob.bin", headers=Emulator.auth(
            e.service))
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(int(resp.getheader("content-length")), self.SIZE)
        while True:
            chunk = resp.read(MiB)
            if not chunk:
                break
            md5.update(chunk)
        conn.close()
        return resp.getheader("etag"), md5.hexdigest()


def main():
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
