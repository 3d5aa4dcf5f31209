"""Secrets audit: every command and every monitor endpoint, run with
--debug and known keys, is searched for any 12-character piece of a key,
of the monitor's bearer token or of a signed URL's token. Channels:
stdout, stderr, the metrics file, /health, /, /metrics, /metrics.json,
/routes, error messages, and the running monitor's argv. The one allowed
place for a signed URL is the stdout of `sign`."""

import json
import os
import re
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402
from hardening import Monitor, run_cli  # noqa: E402

PIECE = 12
TOKEN = "audit-bearer-token-4be7a19c55"


def secret_parts(secret):
    """The parts of a secret worth hiding: for a JWT its payload and
    signature (every JWT shares the same public header), else all of it."""
    parts = secret.split(".")
    if len(parts) == 3 and parts[0].startswith("eyJ"):
        return [p for p in parts[1:] if p]
    return [secret]


def pieces(secrets):
    grams = {}
    for name, secret in secrets.items():
        for part in secret_parts(secret):
            for i in range(len(part) - PIECE + 1):
                grams[part[i:i + PIECE]] = name
    return grams


class SecretsAudit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(extra_args=[
            "--bucket", "docs", "--bucket", "pub:public",
            "--object", "docs/a.txt=audit me", "--object", "docs/m.txt=mv"])
        cls.emu.start()
        cls.dir = tempfile.mkdtemp(prefix="bg-audit-")
        cls.secrets = {"service": cls.emu.service, "anon": cls.emu.anon,
                       "secret": cls.emu.secret,
                       "publishable": cls.emu.publishable,
                       "monitor token": TOKEN}
        cls.signed = {}  # the signed URL's token, once test 1 made one

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def leaks(self, text, extra=None):
        grams = pieces(dict(self.secrets, **(extra or {})))
        found = set()
        for i in range(len(text) - PIECE + 1):
            name = grams.get(text[i:i + PIECE])
            if name:
                found.add(name)
        return sorted(found)

    def assert_clean(self, label, text, extra=None):
        self.assertEqual(self.leaks(text, extra), [],
                         "%s leaks a secret:\n%s" % (label, text[:2000]))

    def cli(self, *args, env=None):
        return run_cli(["--debug"] + list(args), env_file=self.emu.keys_file,
                       env=env, timeout=120)

    def test_1_sign_prints_the_url_only_on_stdout(self):
        r = self.cli("sign", "docs/a.txt", "--expires", "60")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"token=([A-Za-z0-9._-]+)", r.stdout)
        self.assertIsNotNone(m, "no signed URL on stdout: " + r.stdout)
        type(self).signed["signed url token"] = m.group(1)
        self.assert_clean("sign stderr", r.stderr, self.signed)
        # stdout holds the URL, but no key.
        self.assert_clean("sign stdout", r.stdout)

    def test_2_every_command_with_debug(self):
        src = os.path.join(self.dir, "up.txt")
        with open(src, "w") as f:
            f.write("uploaded")
        out = os.path.join(self.dir, "out.txt")
        commands = [
            ["get", "docs/a.txt", "-o", out], ["get", "docs/a.txt"],
            ["put", src, "docs/up.txt", "--upsert"],
            ["exists", "docs/a.txt"], ["exists", "docs/nope.txt"],
            ["info", "docs/a.txt"], ["ls", "docs"],
            ["cp", "docs/a.txt", "docs/copy.txt"],
            ["mv", "docs/m.txt", "docs/moved.txt"],
            ["rm", "docs/up.txt", "docs/copy.txt"],
            ["buckets"], ["buckets", "get", "docs"],
            ["routes", "docs/a.txt"], ["health", "docs/a.txt"],
            ["verify", "docs/a.txt"], ["diagnose", "docs/a.txt"],
            ["diagnose", "docs/missing.txt"], ["get", "nobucket/x.txt"],
            ["--json", "info", "docs/a.txt"],
        ]
        for args in commands:
            r = self.cli(*args)
            label = " ".join(args)
            self.assert_clean(label + " stdout", r.stdout, self.signed)
            self.assert_clean(label + " stderr", r.stderr, self.signed)
            self.assertNotEqual(r.returncode, 70, label + ": " + r.stderr)

    def test_3_errors_with_a_rejected_key(self):
        """A wrong key (signed with another secret) fails; its error
        messages must not quote it."""
        bad = self.emu.mint("service_role", secret="not-the-secret-at-all")
        env = {"SUPABASE_SERVICE_ROLE_KEY": bad}
        extra = dict(self.signed, **{"bad key": bad})
        for args in (["get", "docs/a.txt"], ["buckets"],
                     ["diagnose", "docs/a.txt"], ["exists", "docs/a.txt"]):
            r = run_cli(["--debug", "--url", self.emu.url, "--retries", "0"] +
                        args, env=env, timeout=120)
            self.assertNotEqual(r.returncode, 0, args)
            self.assert_clean(" ".join(args) + " (bad key)",
                              r.stdout + r.stderr, extra)

    def test_4_monitor_endpoints_metrics_file_and_argv(self):
        mon = Monitor(self.emu, "docs/a.txt", "--interval", "0.2",
                      env={"BUCKETGUARD_MONITOR_TOKEN": TOKEN}, debug=True)
        try:
            pages = {}
            for path in ["/health", "/health/fm027", "/", "/metrics",
                         "/metrics.json", "/routes", "/nothing"]:
                req = urllib.request.Request(mon.base + path)
                req.add_header("Authorization", "Bearer " + TOKEN)
                try:
                    with urllib.request.urlopen(req, timeout=5) as r:
                        pages[path] = r.read().decode("utf-8", "replace")
                except urllib.error.HTTPError as e:
                    pages[path] = e.read().decode("utf-8", "replace")
            with open("/proc/%d/cmdline" % mon.proc.pid, "rb") as f:
                argv = f.read().replace(b"\0", b" ").decode()
            self.assertIn("monitor", argv)
        finally:
            mon.stop()
        for path, body in pages.items():
            self.assert_clean("GET " + path, body, self.signed)
        self.assertIn("bucketguard status", pages["/"])
        self.assert_clean("monitor argv", argv, self.signed)
        with open(mon.metrics) as f:
            metrics = f.read()
        json.loads(metrics)
        self.assert_clean("metrics file", metrics, self.signed)
        self.assert_clean("monitor log", mon.output(), self.signed)
        mon.cleanup()

    def test_5_the_audit_can_fail(self):
        """The search finds a key that is there."""
        self.assertIn("service", self.leaks("x" + self.emu.service + "x"))
        self.assertEqual(self.leaks(self.emu.service[-20:]), ["service"])
        self.assertEqual(self.leaks("Bearer " + TOKEN[3:15]),
                         ["monitor token"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
