"""bucketguard verify as an operator sees it: every check passes on a
healthy emulator (exit 0), and each fault scenario fails the check that
shows it (exit 1) with the check marked in the report and in --json."""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402

CLI = os.environ.get("BG_CLI", "build/src/cli/bucketguard")
CHECKS = ["basic", "routes", "monitoring", "worker", "performance"]


def clean_env():
    """The caller's environment without Supabase or bucketguard settings."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("SUPABASE_", "BUCKETGUARD_"))}


def emulator(*extra, listen=None):
    args = ["--quiet", "--bucket", "docs", "--object", "docs/a.txt=hello"]
    kwargs = {"listen": listen} if listen else {}
    return Emulator(extra_args=args + list(extra), **kwargs)


class Verify(unittest.TestCase):
    def run_cli(self, e, *args, as_json=True, target="docs/a.txt"):
        cmd = [CLI, "--env-file", e.keys_file, "--set", "delays=0.05"]
        cmd += list(args) + (["--json"] if as_json else [])
        cmd += ["verify", "--count", "5"] + ([target] if target else [])
        p = subprocess.run(cmd, capture_output=True, timeout=120,
                           env=clean_env(), stdin=subprocess.DEVNULL)
        out, err = p.stdout.decode(), p.stderr.decode()
        for secret in (e.service, e.anon, e.secret):
            self.assertNotIn(secret, out + err, "a key leaked")
        return p.returncode, out, err

    def verify(self, e, *args, target="docs/a.txt"):
        """--json; returns (exit status, {check name: check})."""
        rc, out, err = self.run_cli(e, *args, target=target)
        doc = json.loads(out)
        self.assertEqual([c["name"] for c in doc["checks"]], CHECKS)
        self.assertEqual(doc["ok"], rc == 0)
        return rc, {c["name"]: c for c in doc["checks"]}

    def report_line(self, e, name, *args, target="docs/a.txt"):
        """The text report's line of check name."""
        _, out, _ = self.run_cli(e, *args, as_json=False, target=target)
        lines = [l for l in out.splitlines()
                 if l.split()[1:2] == [name]]
        self.assertEqual(len(lines), 1, out)
        return lines[0]

    def test_healthy_emulator_passes_every_check(self):
        with emulator() as e:
            rc, checks = self.verify(e)
            self.assertEqual(rc, 0, checks)
            self.assertTrue(all(c["pass"] for c in checks.values()), checks)
            self.assertEqual(checks["performance"]["count"], 5)
            self.assertEqual(checks["monitoring"]["health"], "healthy")
            self.assertEqual(checks["basic"]["bytes"], 5)
            rc, out, _ = self.run_cli(e, as_json=False)
            self.assertEqual(rc, 0)
            self.assertIn("5 of 5 checks passed", out)

    def test_incident_fails_the_worker_simulation_but_not_basic(self):
        with emulator("--scenario", "incident") as e:
            rc, checks = self.verify(e)
            self.assertEqual(rc, 1)
            self.assertTrue(checks["basic"]["pass"], checks["basic"])
            self.assertFalse(checks["worker"]["pass"], checks["worker"])
            self.assertEqual(checks["worker"]["code"], "NoSuchBucket")
            self.assertTrue(self.report_line(e, "worker").startswith(
                "  FAIL"))

    def test_bad_edge_fails_the_routes_check_on_the_failing_edge(self):
        listen = ["127.0.0.1=SJC", "127.0.0.2=PDX"]
        with emulator("--scenario", "bad-edge", listen=listen) as e:
            host = "edge.test"
            args = ["--url", "http://%s:%d" % (host, e.port), "--resolve",
                    "%s:%d:127.0.0.1,127.0.0.2" % (host, e.port)]
            rc, checks = self.verify(e, *args)
            self.assertEqual(rc, 1)
            self.assertFalse(checks["routes"]["pass"])
            self.assertTrue(checks["basic"]["pass"], checks["basic"])
            failing = [r["route"] for r in checks["routes"]["routes"]
                       if r["result"] not in ("ok", "not_applicable")]
            self.assertEqual(failing, ["edge-127.0.0.2"])
            self.assertIn("failing: edge-127.0.0.2",
                          self.report_line(e, "routes", *args))

    def test_outage_fails_basic(self):
        with emulator("--scenario", "outage") as e:
            rc, checks = self.verify(e, "--retries", "0")
            self.assertEqual(rc, 1)
            self.assertFalse(checks["basic"]["pass"], checks["basic"])

    def test_missing_object_fails_basic(self):
        with emulator() as e:
            rc, checks = self.verify(e, target="docs/missing.txt")
            self.assertEqual(rc, 1)
            self.assertFalse(checks["basic"]["pass"])
            self.assertIn("exists: no", checks["basic"]["detail"])
            self.assertTrue(self.report_line(
                e, "basic", target="docs/missing.txt").startswith("  FAIL"))

    def test_object_defaults_to_the_probe_object_variable(self):
        with emulator() as e:
            env = dict(clean_env(), BUCKETGUARD_PROBE_OBJECT="docs/a.txt")
            p = subprocess.run([CLI, "--env-file", e.keys_file, "verify",
                                "--count", "2"], capture_output=True,
                               env=env, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn(b"verify docs/a.txt", p.stdout)

    def test_count_must_be_a_positive_number(self):
        with emulator() as e:
            p = subprocess.run([CLI, "--env-file", e.keys_file, "verify",
                                "--count", "0", "docs/a.txt"],
                               capture_output=True, env=clean_env(),
                               timeout=60)
            self.assertEqual(p.returncode, 2)
            self.assertIn(b"--count wants 1 to", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
