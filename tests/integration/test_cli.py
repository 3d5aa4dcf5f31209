"""The bucketguard command as a user sees it: what each command prints on
stdout and stderr, the files it writes and its exit status, against the
emulator, healthy and in the incident scenario."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402

CLI = os.environ.get("BG_CLI", "build/src/cli/bucketguard")
OBJECTS = ["docs/a.txt=hello", "docs/sub/b.txt=world"]
# The emulator listens on IPv4 loopback: the IPv6-only route cannot reach
# a 127.0.0.1 URL.
IPV4_UNREACHABLE = ("ipv6",)
ERROR_LINE = re.compile(
    r"^bucketguard: get docs/missing\.txt: object not found "
    r"\(NoSuchKey, route=[\w.-]+, attempts=\d+\)$")


def clean_env():
    """The caller's environment without Supabase or bucketguard settings,
    so that only what a test passes configures the command."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("SUPABASE_", "BUCKETGUARD_"))}


def emulator(*extra, listen=None):
    args = ["--bucket", "docs", "--quiet"]
    for obj in OBJECTS:
        args += ["--object", obj]
    kwargs = {"listen": listen} if listen else {}
    return Emulator(extra_args=args + list(extra), **kwargs)


class Cli:
    """Runs the command with an emulator's keys file."""

    def __init__(self, emu):
        self.emu = emu

    def run(self, *args, keys=True, stdin=None, timeout=60):
        cmd = [CLI]
        if keys:
            cmd += ["--env-file", self.emu.keys_file]
        cmd += ["--set", "delays=0.05"] + list(args)
        p = subprocess.run(cmd, capture_output=True, env=clean_env(),
                           stdin=stdin or subprocess.DEVNULL,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr.decode()

    def json(self, *args):
        rc, out, err = self.run("--json", *args)
        return rc, json.loads(out), err


class HealthyEmulator(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = emulator()
        cls.emu.__enter__()
        cls.cli = Cli(cls.emu)
        cls.dir = tempfile.TemporaryDirectory(prefix="bg-cli-")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()
        cls.emu.__exit__(None, None, None)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def put_file(self, key, text, *options):
        path = self.path(key.replace("/", "_"))
        with open(path, "w") as f:
            f.write(text)
        return self.cli.run("put", path, key, *options)

    # ---- get, put, exists, info -----------------------------------------

    def test_get_prints_the_object_on_stdout(self):
        rc, out, err = self.cli.run("get", "docs/a.txt")
        self.assertEqual((rc, out, err), (0, b"hello", ""))

    def test_get_with_output_writes_the_file_and_nothing_else(self):
        target = self.path("out-a.txt")
        rc, out, err = self.cli.run("get", "docs/a.txt", "-o", target)
        self.assertEqual((rc, out, err), (0, b"", ""))
        with open(target, "rb") as f:
            self.assertEqual(f.read(), b"hello")
        leftovers = [n for n in os.listdir(self.dir.name)
                     if n.startswith("out-a.txt") and n != "out-a.txt"]
        self.assertEqual(leftovers, [])

    def test_get_of_a_missing_object_exits_1_with_one_error_line(self):
        target = self.path("never.txt")
        rc, out, err = self.cli.run("get", "docs/missing.txt", "-o", target)
        self.assertEqual((rc, out), (1, b""))
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertRegex(err.strip(), ERROR_LINE)
        self.assertFalse(os.path.exists(target))

    def test_key_with_slashes_reaches_the_nested_object(self):
        rc, out, _ = self.cli.run("get", "docs/sub/b.txt")
        self.assertEqual((rc, out), (0, b"world"))

    def test_put_uploads_and_refuses_to_overwrite_without_upsert(self):
        rc, out, err = self.put_file("docs/put/one.txt", "first")
        self.assertEqual(rc, 0, err)
        self.assertIn(b"uploaded", out)
        self.assertEqual(self.cli.run("get", "docs/put/one.txt")[1], b"first")

        rc, out, err = self.put_file("docs/put/one.txt", "second")
        self.assertEqual(rc, 6, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("KeyAlreadyExists", err)

        rc, _, err = self.put_file("docs/put/one.txt", "third", "--upsert")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.cli.run("get", "docs/put/one.txt")[1], b"third")

    def test_put_of_a_missing_file_is_a_local_io_error(self):
        rc, _, err = self.cli.run("put", self.path("absent"), "docs/x.txt")
        self.assertEqual(rc, 7, err)
        self.assertEqual(len(err.splitlines()), 1, err)

    def test_exists_prints_yes_or_no_and_says_so_in_its_status(self):
        self.assertEqual(self.cli.run("exists", "docs/a.txt")[:2],
                         (0, b"yes\n"))
        self.assertEqual(self.cli.run("exists", "docs/nope.txt")[:2],
                         (1, b"no\n"))

    def test_info_shows_the_size_and_name(self):
        rc, out, err = self.cli.run("info", "docs/a.txt")
        self.assertEqual(rc, 0, err)
        text = out.decode()
        self.assertRegex(text, r"(?m)^size\s+5$")
        self.assertIn("a.txt", text)

    # ---- ls, rm, cp, mv, sign -------------------------------------------

    def test_ls_shows_objects_and_folders(self):
        rc, out, err = self.cli.run("ls", "docs")
        self.assertEqual(rc, 0, err)
        names = [line.split()[0] for line in out.decode().splitlines()[1:]]
        self.assertIn("a.txt", names)
        self.assertIn("sub/", names)

    def test_ls_with_a_prefix_lists_the_folder(self):
        rc, out, err = self.cli.run("ls", "docs/sub")
        self.assertEqual(rc, 0, err)
        names = [line.split()[0] for line in out.decode().splitlines()[1:]]
        self.assertEqual(names, ["b.txt"])

    def test_rm_deletes_several_keys_and_reports_missing_ones(self):
        self.assertEqual(self.put_file("docs/rm/1.txt", "x")[0], 0)
        self.assertEqual(self.put_file("docs/rm/2.txt", "y")[0], 0)
        rc, out, err = self.cli.run("rm", "docs/rm/1.txt", "docs/rm/2.txt")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.decode().count("removed"), 2)
        self.assertEqual(self.cli.run("exists", "docs/rm/1.txt")[0], 1)

        rc, _, err = self.cli.run("rm", "docs/rm/1.txt")
        self.assertEqual(rc, 1)
        self.assertIn("docs/rm/1.txt: object not found", err)

    def test_cp_keeps_the_source_and_mv_removes_it(self):
        self.assertEqual(self.put_file("docs/mv/src.txt", "moving")[0], 0)
        rc, _, err = self.cli.run("cp", "docs/mv/src.txt", "copy.txt")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.cli.run("get", "docs/copy.txt")[1], b"moving")

        rc, _, err = self.cli.run("mv", "docs/mv/src.txt", "docs/mv/dst.txt")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.cli.run("exists", "docs/mv/src.txt")[0], 1)
        self.assertEqual(self.cli.run("get", "docs/mv/dst.txt")[1],
                         b"moving")

    def test_sign_prints_a_url_that_serves_the_object(self):
        rc, out, err = self.cli.run("sign", "docs/a.txt", "--expires", "60")
        self.assertEqual(rc, 0, err)
        lines = out.decode().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertIn("token=", lines[0])
        self.assertNotIn("token=", err)
        with urllib.request.urlopen(lines[0], timeout=10) as r:
            self.assertEqual(r.read(), b"hello")

    # ---- buckets and routes ---------------------------------------------

    def test_buckets_lists_creates_shows_and_deletes(self):
        rc, out, err = self.cli.run("buckets")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out.decode(), r"(?m)^docs\s")

        rc, _, err = self.cli.run("buckets", "create", "scratch", "--public")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.cli.run("buckets", "get", "scratch")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out.decode(), r"(?m)^public\s+yes$")
        rc, _, err = self.cli.run("buckets", "create", "scratch")
        self.assertEqual(rc, 6, err)
        self.assertEqual(self.cli.run("buckets", "delete", "scratch")[0], 0)
        rc, _, err = self.cli.run("buckets", "get", "scratch")
        self.assertEqual(rc, 1)
        self.assertIn("bucket not found", err)

    def test_routes_on_a_healthy_emulator_are_all_ok(self):
        rc, out, err = self.cli.run("routes", "docs/a.txt")
        self.assertEqual(rc, 0, err)
        rows = out.decode().splitlines()
        self.assertEqual(rows[0].split()[:2], ["ROUTE", "STATUS"])
        self.assertGreaterEqual(len(rows), 3)
        for row in rows[1:]:
            if row.split()[0] not in IPV4_UNREACHABLE:
                self.assertEqual(row.split()[1:3], ["200", "-"], row)
                self.assertEqual(row.split()[-1], "ok", row)

    # ---- JSON -----------------------------------------------------------

    def test_json_documents_carry_the_report(self):
        rc, doc, _ = self.cli.json("get", "docs/a.txt", "-o",
                                   self.path("j.txt"))
        self.assertEqual(rc, 0)
        self.assertTrue(doc["ok"])
        report = doc["report"]
        for field in ("http_status", "body_status", "code", "route",
                      "attempts", "rounds", "duration_ms", "bytes", "cf_ray",
                      "colo", "cache_status"):
            self.assertIn(field, report)
        self.assertEqual(report["http_status"], 200)
        self.assertEqual(report["bytes"], 5)

        rc, doc, _ = self.cli.json("exists", "docs/nope.txt")
        self.assertEqual((rc, doc["exists"]), (1, False))

        rc, doc, _ = self.cli.json("ls", "docs")
        self.assertEqual(rc, 0)
        self.assertIn("a.txt", [item["name"] for item in doc["items"]])

        rc, doc, _ = self.cli.json("routes", "docs/a.txt")
        self.assertEqual(rc, 0)
        self.assertTrue(all(row["outcome"] == "ok" for row in doc
                            if row["route"] not in IPV4_UNREACHABLE))

    def test_json_of_a_failure_names_the_error(self):
        rc, doc, err = self.cli.json("info", "docs/missing.txt")
        self.assertEqual(rc, 1)
        self.assertFalse(doc["ok"])
        self.assertEqual(doc["report"]["code"], "NoSuchKey")
        self.assertEqual(len(err.splitlines()), 1)

    # ---- secrets --------------------------------------------------------

    def test_debug_output_holds_no_key_and_no_token(self):
        target = self.path("debug.txt")
        runs = [("get", "docs/a.txt", "-o", target),
                ("exists", "docs/nope.txt"), ("info", "docs/a.txt"),
                ("ls", "docs"), ("buckets",), ("routes", "docs/a.txt"),
                ("get", "docs/missing.txt")]
        seen_debug = False
        for args in runs:
            rc, out, err = self.cli.run("--debug", *args)
            text = out.decode(errors="replace") + err
            seen_debug = seen_debug or "level=debug" in err
            for secret in (self.emu.anon, self.emu.service, self.emu.secret,
                           self.emu.publishable):
                self.assertNotIn(secret, text, args)
            self.assertNotIn("token=", text, args)
        self.assertTrue(seen_debug, "--debug logged nothing")

    # ---- configuration and usage ----------------------------------------

    def test_a_bad_url_is_a_configuration_error(self):
        rc, out, err = self.cli.run("--url", "not a url", "get", "docs/a.txt")
        self.assertEqual((rc, out), (3, b""))
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith("bucketguard: "), err)

    def test_no_configuration_at_all_is_a_configuration_error(self):
        rc, _, err = self.cli.run("get", "docs/a.txt", keys=False)
        self.assertEqual(rc, 3, err)

    def test_an_unreachable_server_exhausts_the_network(self):
        rc, _, err = self.cli.run("--url", "http://127.0.0.1:9", "--retries",
                                  "1", "--timeout", "2", "exists",
                                  "docs/a.txt")
        self.assertEqual(rc, 5, err)

    def test_a_rejected_key_is_an_authentication_error(self):
        bad = self.emu.mint("service_role", secret="not-the-secret")
        env_file = self.path("bad.env")
        with open(env_file, "w") as f:
            f.write("SUPABASE_URL=%s\nSUPABASE_SERVICE_ROLE_KEY=%s\n"
                    % (self.emu.url, bad))
        rc, out, err = self.cli.run("--env-file", env_file, "buckets",
                                    keys=False)
        self.assertEqual(rc, 4, err)
        self.assertNotIn(bad, out.decode() + err)

    def test_unknown_commands_and_options_print_a_usage_line(self):
        for args in (("frobnicate",), ("--frobnicate", "get", "docs/a.txt"),
                     ("get", "docs/a.txt", "--frobnicate"), ("get",),
                     ("get", "docs/"), ("get", "/a.txt"), ()):
            rc, out, err = self.cli.run(*args)
            self.assertEqual((rc, out), (2, b""), args)
            self.assertRegex(err, r"(?m)^usage: bucketguard ", args)

    def test_keys_are_refused_on_the_command_line(self):
        rc, _, err = self.cli.run("--set", "service_key=abc", "buckets")
        self.assertEqual(rc, 2)
        self.assertIn("environment", err)

    def test_help_lists_the_commands_and_exit_codes(self):
        rc, out, _ = self.cli.run("help", keys=False)
        self.assertEqual(rc, 0)
        text = out.decode()
        for name in ("get", "put", "exists", "info", "ls", "rm", "cp", "mv",
                     "sign", "buckets", "routes"):
            self.assertRegex(text, r"(?m)^  %s " % name)
        self.assertIn("70 internal error", text)
        rc, out, _ = self.cli.run("--version", keys=False)
        self.assertEqual((rc, out), (0, b"bucketguard 0.1.0\n"))


class IncidentEmulator(unittest.TestCase):
    """The default header profile gets "Bucket not found" on one edge."""

    @classmethod
    def setUpClass(cls):
        cls.emu = emulator("--scenario", "incident",
                           listen=["127.0.0.1=SJC", "127.0.0.2=PDX"])
        cls.emu.__enter__()
        cls.cli = Cli(cls.emu)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def test_routes_shows_the_default_route_failing_and_others_ok(self):
        rc, out, err = self.cli.run("routes", "docs/a.txt")
        self.assertEqual(rc, 0, err)
        rows = {line.split()[0]: line for line in out.decode().splitlines()}
        self.assertIn("NoSuchBucket", rows["default"])
        self.assertNotEqual(rows["default"].split()[-1], "ok")
        others_ok = [name for name, row in rows.items()
                     if name not in ("ROUTE", "default")
                     and row.split()[-1] == "ok"]
        self.assertTrue(others_ok, out.decode())

    def test_routes_json_names_the_failing_route(self):
        rc, doc, _ = self.cli.json("routes", "docs/a.txt")
        self.assertEqual(rc, 0)
        by_route = {row["route"]: row for row in doc}
        self.assertEqual(by_route["default"]["code"], "NoSuchBucket")
        self.assertIn("ok", [row["outcome"] for row in doc])

    def test_get_succeeds_through_another_route(self):
        rc, out, err = self.cli.run("get", "docs/a.txt")
        self.assertEqual((rc, out), (0, b"hello"), err)

    def test_default_route_alone_fails_like_the_incident(self):
        rc, out, err = self.cli.run("--route", "default", "--retries", "0",
                                    "get", "docs/a.txt")
        self.assertNotEqual(rc, 0)
        self.assertEqual(out, b"")
        self.assertIn("NoSuchBucket", err)


if __name__ == "__main__":
    unittest.main()
