"""Bad configuration and input: every class of malformed URL, key, config
file, dotenv file, flag and object key ends the command with one error
line on stderr (`bucketguard: ...`, followed at most by the usage line of
a usage error) and the exit status documented in bucketguard(1): 2 usage,
3 configuration, 4 key rejected, 7 local I/O."""

import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402
from hardening import run_cli  # noqa: E402

USAGE, CONFIG, AUTH, IO = 2, 3, 4, 7

# (label, arguments, environment kind, files to write, exit status)
# Environment kinds: "good" (URL and service key), "key:VALUE" (the good
# URL with this service key), "url-only", "key-only" (no URL).
# In arguments, {dir} is a temporary directory holding the files.
CASES = [
    # URLs
    ("url with a space", ["--url", "not a url"], "key-only", {}, CONFIG),
    ("url with another scheme", ["--url", "ftp://x/y"], "key-only", {},
     CONFIG),
    ("url without host", ["--url", "http://"], "key-only", {}, CONFIG),
    ("url with credentials", ["--url", "http://u:p@h/"], "key-only", {},
     CONFIG),
    ("url with a query", ["--url", "http://h/?q=1"], "key-only", {}, CONFIG),
    ("url with a fragment", ["--url", "http://h/#f"], "key-only", {},
     CONFIG),
    ("url with a newline inside", ["--url", "http://h\n/x"], "key-only", {},
     CONFIG),
    ("url with a bad port", ["--url", "http://127.0.0.1:99999"], "key-only",
     {}, CONFIG),
    ("no url at all", [], "key-only", {}, CONFIG),
    # Keys
    ("no service key", [], "url-only", {}, CONFIG),
    ("empty service key", [], "key:", {}, CONFIG),
    ("key with a control character", [], "key:a\x01b", {}, CONFIG),
    ("key with an inner space", [], "key:abc def", {}, CONFIG),
    ("key that is no key", [], "key:garbage-key", {}, AUTH),
    ("jwt signed with another secret", [], "key:FOREIGN", {}, AUTH),
    ("expired jwt", [], "key:EXPIRED", {}, AUTH),
    # Config files
    ("missing config file", ["--config", "{dir}/none.conf"], "good", {},
     CONFIG),
    ("config value out of range", ["--config", "{dir}/c.conf"], "good",
     {"c.conf": "retries = -1\n"}, CONFIG),
    ("config line without =", ["--config", "{dir}/c.conf"], "good",
     {"c.conf": "nonsense line\n"}, CONFIG),
    ("config unknown setting", ["--config", "{dir}/c.conf"], "good",
     {"c.conf": "colour = blue\n"}, CONFIG),
    ("config bad route name", ["--config", "{dir}/c.conf"], "good",
     {"c.conf": "[route bad name]\n"}, CONFIG),
    ("config unknown section", ["--config", "{dir}/c.conf"], "good",
     {"c.conf": "[nosuch]\nx = 1\n"}, CONFIG),
    ("config unterminated section", ["--config", "{dir}/c.conf"], "good",
     {"c.conf": "[route x\n"}, CONFIG),
    ("config binary junk", ["--config", "{dir}/c.conf"], "good",
     {"c.conf": "\x00\x01\x02\xff\n"}, CONFIG),
    ("config is a directory", ["--config", "{dir}"], "good", {}, CONFIG),
    # Dotenv files
    ("missing env file", ["--env-file", "{dir}/none.env"], "good", {},
     CONFIG),
    ("env unterminated quote", ["--env-file", "{dir}/e.env"], "good",
     {"e.env": 'SUPABASE_URL="unterminated\n'}, CONFIG),
    ("env line without =", ["--env-file", "{dir}/e.env"], "good",
     {"e.env": "just words\n"}, CONFIG),
    # 119 bytes and no newline: the line ends where getline's first
    # 120-byte buffer does, so a read past it is seen by ASan.
    ("env backslash before the end", ["--env-file", "{dir}/e.env"], "good",
     {"e.env": 'SUPABASE_URL="http://h' + "x" * 96 + "\\"}, CONFIG),
    ("env bad url", ["--env-file", "{dir}/e.env"], "key-only",
     {"e.env": "SUPABASE_URL=gopher://x\n"}, CONFIG),
    ("env bad setting value", ["--env-file", "{dir}/e.env"], "good",
     {"e.env": "BUCKETGUARD_RETRIES=many\n"}, CONFIG),
    # Flags
    ("unknown option", ["--bogus"], "good", {}, USAGE),
    ("option without value", ["--retries"], "good", {}, USAGE),
    ("count that is no number", ["--retries", "abc"], "good", {}, USAGE),
    ("negative seconds", ["--timeout", "-1"], "good", {}, USAGE),
    ("--set without =", ["--set", "noequals"], "good", {}, USAGE),
    ("--set unknown setting", ["--set", "nosuch=1"], "good", {}, CONFIG),
    ("--set bad value", ["--set", "deadline=0"], "good", {}, CONFIG),
]

# Commands run after the global arguments of a case.
EXISTS = ["exists", "docs/a.txt"]

# (label, full arguments, exit status): commands and object keys.
COMMAND_CASES = [
    ("unknown command", ["frobnicate"], USAGE),
    ("missing object", ["exists"], USAGE),
    ("object without key", ["exists", "docs"], USAGE),
    ("empty key", ["exists", "docs/"], USAGE),
    ("empty bucket", ["exists", "/a.txt"], USAGE),
    ("dot-dot segment", ["exists", "docs/a/../b"], USAGE),
    ("dot segment", ["exists", "docs/./b"], USAGE),
    ("tilde in key", ["exists", "docs/~x"], USAGE),
    ("hash in key", ["exists", "docs/a#b"], USAGE),
    ("non-ASCII key", ["exists", "docs/\u00e9t\u00e9"], USAGE),
    ("newline in key", ["exists", "docs/a\nb"], USAGE),
    ("tab in key", ["get", "docs/a\tb"], USAGE),
    ("control character in bucket", ["cp", "docs/a.txt", "b\x01d/x"],
     USAGE),
    ("ls bad limit", ["ls", "docs", "--limit", "x"], USAGE),
    ("sign zero expiry", ["sign", "docs/a.txt", "--expires", "0"], USAGE),
    ("monitor bad listen", ["monitor", "docs/a.txt", "--listen", "nonsense",
                            "--count", "1"], USAGE),
    ("monitor zero interval", ["monitor", "docs/a.txt", "--interval", "0"],
     USAGE),
    ("get into a missing directory", ["get", "docs/a.txt", "-o",
                                      "/nonexistent-dir/x"], IO),
    ("put of a missing file", ["put", "/nonexistent-file", "docs/z.txt"],
     IO),
]


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(extra_args=["--bucket", "docs",
                                       "--object", "docs/a.txt=x"])
        cls.emu.start()
        cls.dir = tempfile.mkdtemp(prefix="bg-badinput-")

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def environment(self, kind):
        if kind == "good":
            return {"SUPABASE_URL": self.emu.url,
                    "SUPABASE_SERVICE_ROLE_KEY": self.emu.service}
        if kind == "url-only":
            return {"SUPABASE_URL": self.emu.url}
        if kind == "key-only":
            return {"SUPABASE_SERVICE_ROLE_KEY": self.emu.service}
        key = kind[len("key:"):]
        if key == "FOREIGN":
            key = self.emu.mint("service_role", secret="another-secret-x")
        elif key == "EXPIRED":
            key = self.emu.mint("service_role", expired=True)
        return {"SUPABASE_URL": self.emu.url,
                "SUPABASE_SERVICE_ROLE_KEY": key}

    def assert_one_line_error(self, label, r, status):
        lines = r.stderr.splitlines()
        self.assertEqual(r.returncode, status,
                         "%s: exit %d, stderr %r" % (label, r.returncode,
                                                     r.stderr))
        self.assertTrue(r.stderr.endswith("\n"), label)
        self.assertGreaterEqual(len(lines), 1, label)
        self.assertTrue(lines[0].startswith("bucketguard: "),
                        "%s: %r" % (label, r.stderr))
        # A usage error may add the usage line; nothing else may follow.
        rest = lines[1:]
        self.assertTrue(
            rest == [] or (status == USAGE and len(rest) == 1 and
                           rest[0].startswith("usage: bucketguard")),
            "%s: more than one error line: %r" % (label, r.stderr))
        self.assertEqual(r.stdout, "", label)

    def test_configuration_and_flag_errors(self):
        for label, args, kind, files, status in CASES:
            with self.subTest(label):
                for name, text in files.items():
                    with open(os.path.join(self.dir, name), "w",
                              encoding="latin-1") as f:
                        f.write(text)
                argv = [a.replace("{dir}", self.dir) for a in args]
                r = run_cli(["--retries", "0", "--deadline", "10"] + argv +
                            EXISTS, env=self.environment(kind), timeout=60)
                self.assert_one_line_error(label, r, status)

    def test_command_and_object_key_errors(self):
        for label, args, status in COMMAND_CASES:
            with self.subTest(label):
                r = run_cli(args, env=self.environment("good"), timeout=60)
                self.assert_one_line_error(label, r, status)

    def test_a_good_call_passes_the_same_checks(self):
        """The checks above are not vacuous: the good environment works."""
        r = run_cli(EXISTS, env=self.environment("good"))
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "yes"),
                         r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
