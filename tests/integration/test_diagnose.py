"""bucketguard diagnose as an operator sees it: each cause reproduced on
the emulator is named first, by its stable identifier in --json and in the
one-sentence verdict; a healthy deployment gets no cause and exit 0; no
key ever appears in the output."""

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402

CLI = os.environ.get("BG_CLI", "build/src/cli/bucketguard")
OTHER_SECRET = "another-projects-secret-of-32-chars!"
REF = "abcdefghijklmnopqrst"
OTHER_REF = "zyxwvutsrqponmlkjihg"


def clean_env():
    """The caller's environment without Supabase or bucketguard settings."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("SUPABASE_", "BUCKETGUARD_"))}


def emulator(*extra, listen=None, bucket="docs", public=False):
    args = ["--quiet", "--bucket", bucket + (":public" if public else ""),
            "--object", bucket + "/a.txt=hello"]
    kwargs = {"listen": listen} if listen else {}
    return Emulator(extra_args=args + list(extra), **kwargs)


class Diagnose(unittest.TestCase):
    """Runs diagnose with the emulator's URL and keys in the environment,
    some replaced, and checks that no key leaks into the output."""

    def environment(self, e, service=None, url=None):
        env = clean_env()
        env["SUPABASE_URL"] = url or e.url
        env["SUPABASE_ANON_KEY"] = e.anon
        env["SUPABASE_SERVICE_ROLE_KEY"] = (e.service if service is None
                                            else service)
        return env

    def run_cli(self, e, target, *options, service=None, url=None,
                as_json=True):
        cmd = [CLI] + list(options) + (["--json"] if as_json else [])
        cmd += ["diagnose", target]
        started = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, timeout=60,
                           env=self.environment(e, service, url),
                           stdin=subprocess.DEVNULL)
        self.elapsed = time.monotonic() - started
        out, err = p.stdout.decode(), p.stderr.decode()
        secrets = [e.service, e.anon, e.secret, e.publishable]
        if service:
            secrets.append(service.strip())
        for secret in secrets:
            self.assertNotIn(secret, out + err, "a key leaked")
        return p.returncode, out, err

    def diagnose(self, e, target, *options, service=None, url=None):
        """--json; returns (exit status, document)."""
        rc, out, err = self.run_cli(e, target, *options, service=service,
                                    url=url)
        self.assertNotEqual(out, "", err)
        return rc, json.loads(out)

    def verdict(self, e, target, *options, service=None, url=None):
        """Text; returns (exit status, first line)."""
        rc, out, err = self.run_cli(e, target, *options, service=service,
                                    url=url, as_json=False)
        self.assertNotEqual(out, "", err)
        return rc, out.splitlines()[0]

    def assertNamedFirst(self, cause, e, target, *options, service=None,
                         url=None, text=True):
        rc, doc = self.diagnose(e, target, *options, service=service,
                                url=url)
        self.assertEqual(rc, 1, doc)
        self.assertTrue(doc["causes"], doc)
        self.assertEqual(doc["causes"][0]["id"], cause, doc)
        self.assertIn(cause, doc["verdict"])
        for field in ("confidence", "evidence", "fix"):
            self.assertTrue(doc["causes"][0][field], doc)
        if text:
            rc, line = self.verdict(e, target, *options, service=service,
                                    url=url)
            self.assertEqual(rc, 1)
            self.assertIn(cause, line)
        return doc


class Healthy(Diagnose):
    def test_everything_healthy_names_no_cause_and_exits_0(self):
        with emulator() as e:
            rc, doc = self.diagnose(e, "docs/a.txt")
            self.assertEqual(rc, 0, doc)
            self.assertEqual(doc["causes"], [])
            self.assertTrue(doc["verdict"].startswith("No problem found"))
            self.assertTrue(all(c["status"] != "fail"
                                for c in doc["checks"]), doc["checks"])
            rc, line = self.verdict(e, "docs/a.txt")
            self.assertEqual(rc, 0)
            self.assertTrue(line.startswith("No problem found"), line)


class Keys(Diagnose):
    @classmethod
    def setUpClass(cls):
        cls.emu = emulator()
        cls.emu.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def test_expired_key_is_key_expired(self):
        key = self.emu.mint(role="service_role", expired=True)
        self.assertNamedFirst("key_expired", self.emu, "docs/a.txt",
                              service=key)

    def test_key_signed_with_another_secret_is_key_wrong_secret(self):
        key = self.emu.mint(role="service_role", secret=OTHER_SECRET)
        self.assertNamedFirst("key_wrong_secret", self.emu, "docs/a.txt",
                              service=key)

    def test_anon_key_in_the_service_variable_is_key_is_anon(self):
        self.assertNamedFirst("key_is_anon", self.emu, "docs/a.txt",
                              service=self.emu.anon)

    def test_service_key_with_a_trailing_newline_is_key_whitespace(self):
        doc = self.assertNamedFirst("key_whitespace", self.emu,
                                    "docs/a.txt",
                                    service=self.emu.service + "\n")
        self.assertIn("newline", doc["causes"][0]["evidence"])

    def test_malformed_key_is_key_format(self):
        self.assertNamedFirst("key_format", self.emu, "docs/a.txt",
                              service="not-a-key-at-all")


class Project(Diagnose):
    def test_key_of_another_project_is_key_wrong_project(self):
        with emulator("--project-ref", REF) as e:
            host = "%s.supabase.co" % REF
            url = "http://%s:%d" % (host, e.port)
            key = e.mint(role="service_role", secret=OTHER_SECRET,
                         ref=OTHER_REF)
            doc = self.assertNamedFirst(
                "key_wrong_project", e, "docs/a.txt", "--resolve",
                "%s:%d:127.0.0.1" % (host, e.port), service=key, url=url)
            self.assertIn(OTHER_REF, doc["causes"][0]["evidence"])
            self.assertIn(REF, doc["causes"][0]["evidence"])


class Buckets(Diagnose):
    def test_missing_bucket_is_bucket_missing(self):
        with emulator() as e:
            self.assertNamedFirst("bucket_missing", e, "nothere/a.txt")

    def test_bucket_differing_only_in_case_is_bucket_case_mismatch(self):
        with emulator(bucket="Docs") as e:
            doc = self.assertNamedFirst("bucket_case_mismatch", e,
                                        "docs/a.txt")
            self.assertIn("'Docs'", doc["causes"][0]["evidence"])

    def test_public_url_of_a_private_bucket_is_public_url_private_bucket(
            self):
        with emulator() as e:
            url = e.url + "/storage/v1/object/public/docs/a.txt"
            self.assertNamedFirst("public_url_private_bucket", e, url)

    def test_public_url_of_a_public_bucket_is_healthy(self):
        with emulator(bucket="pub", public=True) as e:
            url = e.url + "/storage/v1/object/public/pub/a.txt"
            rc, doc = self.diagnose(e, url)
            self.assertEqual((rc, doc["causes"]), (0, []), doc)

    def test_bucket_named_like_a_route_is_bucket_route_name_collision(self):
        with emulator(bucket="public") as e:
            self.assertNamedFirst("bucket_route_name_collision", e,
                                  "public/a.txt", text=False)


class Timing(Diagnose):
    def upload(self, e, key):
        status, _, body = e.request("POST", "/object/docs/" + key,
                                    headers=e.auth(e.service), body="late")
        self.assertEqual(status, 200, body)

    def test_object_appearing_after_3_s_is_object_late(self):
        with emulator("--scenario", "lag") as e:
            self.upload(e, "late1.txt")
            doc = self.assertNamedFirst("object_late", e, "docs/late1.txt",
                                        text=False)
            self.assertLess(self.elapsed, 8.0)
            self.assertGreater(self.elapsed, 2.5)
            self.assertIn("appeared", doc["causes"][0]["evidence"])
            self.upload(e, "late2.txt")
            rc, line = self.verdict(e, "docs/late2.txt")
            self.assertEqual(rc, 1)
            self.assertIn("object_late", line)


class Routes(Diagnose):
    def test_one_header_profile_failing_is_route_dependent(self):
        with emulator("--scenario", "incident") as e:
            doc = self.assertNamedFirst("route_dependent", e, "docs/a.txt")
            evidence = doc["causes"][0]["evidence"]
            self.assertIn("default (NoSuchBucket", evidence)
            self.assertIn("conn-close (ok", evidence)

    def test_one_edge_address_failing_is_edge_dependent(self):
        listen = ["127.0.0.1=SJC", "127.0.0.2=PDX"]
        with emulator("--scenario", "bad-edge", listen=listen) as e:
            host = "edge.test"
            doc = self.assertNamedFirst(
                "edge_dependent", e, "docs/a.txt", "--resolve",
                "%s:%d:127.0.0.1,127.0.0.2" % (host, e.port),
                url="http://%s:%d" % (host, e.port))
            evidence = doc["causes"][0]["evidence"]
            self.assertIn("edge-127.0.0.2", evidence)
            self.assertNotIn("edge-127.0.0.1 (", evidence.split(
                "working")[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
