"""Failures raise the exception class a caller handles, carrying the code,
statuses, route and attempts of the last attempt; a bad key fails fast."""

import time
import unittest

import bucketguard

from tests.support import BUCKET, FAST, emulator

# A service-role-shaped token with a signature nobody made.
FORGED_KEY = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
              "eyJyb2xlIjoic2VydmljZV9yb2xlIn0."
              "c2lnbmF0dXJlLW5vYm9keS1tYWRl")


class ErrorsCarryTheAnswer(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.emu = emulator("--object", BUCKET + "/slow.txt=zz", "--rule",
                           "slow: path /object/*/slow.txt -> delay 1500")
        cls.emu.start()
        cls.client = bucketguard.Client(cls.emu.url, cls.emu.service,
                                        cls.emu.anon, **FAST)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.emu.stop()

    def test_definitive_answers_map_to_classes_and_codes(self):
        c = self.client
        cases = [
            ("missing object", lambda: c.get(BUCKET, "missing.txt"),
             bucketguard.NotFoundError, "not_found", "NoSuchKey", 404),
            ("missing bucket", lambda: c.get("nobucket", "a.txt"),
             bucketguard.NotFoundError, "not_found", "NoSuchBucket", 404),
            ("info of a missing object",
             lambda: c.info(BUCKET, "missing.txt"),
             bucketguard.NotFoundError, "not_found", "NoSuchKey", 404),
            ("create over an existing object",
             lambda: c.put(BUCKET, "a.txt", b"again"),
             bucketguard.ConflictError, "conflict", "KeyAlreadyExists",
             409),
        ]
        for name, call, cls, result, code, body_status in cases:
            with self.subTest(name):
                with self.assertRaises(cls) as cm:
                    call()
                e = cm.exception
                self.assertIsInstance(e, bucketguard.StorageError)
                self.assertEqual(e.result, result)
                self.assertEqual(e.code, code)
                self.assertEqual(e.http_status, 400)
                self.assertEqual(e.body_status, body_status)
                self.assertEqual(e.route, "default")
                self.assertEqual(e.attempts, 1)
                self.assertIn(code, str(e))

    def test_invalid_key_names_and_paths_are_usage_errors(self):
        with self.assertRaises(bucketguard.UsageError) as cm:
            self.client.get(BUCKET, "bad~key")
        self.assertEqual(cm.exception.attempts, 0)
        self.assertIsInstance(cm.exception, ValueError)

    def test_deadline_raises_exhausted_with_its_reason(self):
        with bucketguard.Client(self.emu.url, self.emu.service,
                                **dict(FAST, deadline=0.5,
                                       attempt_timeout=0.3)) as c:
            started = time.monotonic()
            with self.assertRaises(bucketguard.ExhaustedError) as cm:
                c.get(BUCKET, "slow.txt")
            self.assertLess(time.monotonic() - started, 3.0)
        self.assertEqual(cm.exception.result, "deadline")
        self.assertEqual(cm.exception.code, "timeout")

    def test_bad_service_key_raises_auth_error_fast(self):
        keys = [("forged", FORGED_KEY),
                ("expired", self.emu.mint("service_role", expired=True)),
                ("other project", self.emu.mint("service_role",
                                                 secret="s" * 40))]
        for name, key in keys:
            with self.subTest(name):
                with bucketguard.Client(self.emu.url, key, **FAST) as c:
                    started = time.monotonic()
                    with self.assertRaises(bucketguard.AuthError) as cm:
                        c.get(BUCKET, "a.txt")
                    elapsed = time.monotonic() - started
                self.assertLess(elapsed, 2.0)
                self.assertEqual(cm.exception.result, "auth")
                self.assertLess(cm.exception.attempts, 4)

    def test_invalid_configuration_raises_config_error(self):
        cases = [("url with a space", "http://exa mple", "k" * 20),
                 ("no service key", self.emu.url, "")]
        for name, url, key in cases:
            with self.subTest(name):
                with self.assertRaises(bucketguard.ConfigError) as cm:
                    bucketguard.Client(url, key)
                self.assertEqual(cm.exception.result, "config")


class ExhaustedWhenEveryRouteFails(unittest.TestCase):

    def test_outage_raises_exhausted_after_every_round(self):
        with emulator(scenario="outage") as emu:
            with bucketguard.Client(emu.url, emu.service, **FAST) as c:
                with self.assertRaises(bucketguard.ExhaustedError) as cm:
                    c.get(BUCKET, "a.txt")
        e = cm.exception
        self.assertEqual(e.result, "exhausted")
        self.assertEqual(e.rounds, FAST["retries"] + 1)
        self.assertGreater(e.attempts, e.rounds)


if __name__ == "__main__":
    unittest.main()
