"""No key, token or signed URL reaches an exception message, its repr, its
attributes or a log record, whatever the calls do."""

import unittest

import bucketguard
from bucketguard.errors import redact

from tests.support import BUCKET, FAST, LogCapture, emulator


def parts_of(token, width=16):
    """Every run of width characters of a key, so that a leak of a part of
    it (its signature, a truncated copy) is caught too."""
    return {token[i:i + width] for i in range(len(token) - width + 1)}


class NoSecretEscapes(unittest.TestCase):

    def setUp(self):
        self.texts = []

    def collect(self, error):
        self.texts += [str(error), repr(error)]
        self.texts += [str(v) for v in vars(error).values()]

    def exercise(self, emu, forged):
        """Successes, every kind of failure, signing, a key with a stray
        newline and quotes, and a forged key."""
        dirty = '"%s"\n' % emu.service
        with bucketguard.Client(emu.url, dirty, emu.anon, log_level="debug",
                                **FAST) as c:
            c.get(BUCKET, "a.txt")
            c.sign(BUCKET, "a.txt", 60)
            for call in (lambda: c.get(BUCKET, "missing.txt"),
                         lambda: c.get("nobucket", "a.txt"),
                         lambda: c.put(BUCKET, "a.txt", b"x"),
                         lambda: c.get(BUCKET, "bad~key")):
                with self.assertRaises(bucketguard.StorageError) as cm:
                    call()
                self.collect(cm.exception)
            self.texts.append(repr(c))
        with bucketguard.Client(emu.url, forged, log_level="debug",
                                **FAST) as c:
            with self.assertRaises(bucketguard.AuthError) as cm:
                c.get(BUCKET, "a.txt")
            self.collect(cm.exception)
        with self.assertRaises(bucketguard.ConfigError) as cm:
            bucketguard.Client(emu.url, emu.service, delays="x" + forged)
        self.collect(cm.exception)

    def test_no_key_in_errors_or_debug_log_records(self):
        with emulator(scenario="incident") as emu:
            forged = emu.mint("service_role", secret="f" * 40)
            with LogCapture() as log:
                self.exercise(emu, forged)
            secrets = [emu.service, emu.anon, emu.secret, forged]
        messages = log.messages()
        self.assertTrue(any("route=" in m for m in messages),
                        "debug attempt lines were not captured")
        self.assertTrue(any("NoSuchBucket" in t for t in self.texts))
        haystack = messages + self.texts
        for secret in secrets:
            pieces = parts_of(secret)
            leaks = [t for t in haystack if any(p in t for p in pieces)]
            # Counted, not shown: the failure must not print the key.
            self.assertEqual(len(leaks), 0, "texts holding part of a key")
        signed = [t for t in haystack
                  if "token=" in t and "token=[redacted]" not in t]
        self.assertEqual(len(signed), 0, "texts holding a signed URL")

    def test_redact_removes_tokens_and_given_secrets(self):
        cases = [
            ("Bearer abc.def", "Bearer [redacted]"),
            ("x eyJhbGciOi.eyJzdWIi.sig y", "x [redacted] y"),
            ("/sign/b/k?token=abc&x=1", "/sign/b/k?token=[redacted]&x=1"),
            ("key sb_secret_AbC123 end", "key [redacted] end"),
            ("plain text", "plain text"),
        ]
        for text, expected in cases:
            with self.subTest(text):
                self.assertEqual(redact(text), expected)
        self.assertEqual(redact("a mysecretvalue b", ["mysecretvalue"]),
                         "a [redacted] b")


if __name__ == "__main__":
    unittest.main()
