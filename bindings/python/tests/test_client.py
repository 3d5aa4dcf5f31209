"""bucketguard.Client on a healthy emulator: every method does what a
caller expects, and the options reach the library under their names."""

import os
import tempfile
import unittest
import urllib.request

import bucketguard
from bucketguard.client import settings_from_options

from tests.support import BUCKET, FAST, OBJECTS, emulator


class ClientOnHealthyStorage(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.emu = emulator()
        cls.emu.start()
        cls.client = bucketguard.Client(cls.emu.url, cls.emu.service,
                                        cls.emu.anon, **FAST)
        cls.tmp = tempfile.TemporaryDirectory(prefix="bg-py-")

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.emu.stop()
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_exists_tells_present_from_missing(self):
        self.assertIs(self.client.exists(BUCKET, "a.txt"), True)
        self.assertIs(self.client.exists(BUCKET, "missing.txt"), False)

    def test_get_returns_the_content_as_bytes(self):
        self.assertEqual(self.client.get(BUCKET, "dir/b.txt"), b"bravo")

    def test_download_writes_the_file(self):
        target = self.path("a.txt")
        size = self.client.download(BUCKET, "a.txt", target)
        self.assertEqual(size, len(OBJECTS["a.txt"]))
        with open(target, "rb") as f:
            self.assertEqual(f.read(), b"hello")

    def test_failed_download_leaves_the_target_untouched(self):
        target = self.path("keep.txt")
        with open(target, "wb") as f:
            f.write(b"previous")
        with self.assertRaises(bucketguard.NotFoundError):
            self.client.download(BUCKET, "missing.txt", target)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), b"previous")
        self.assertEqual(os.listdir(self.tmp.name).count("keep.txt"), 1)

    def test_put_bytes_with_content_type_and_cache_control(self):
        self.client.put(BUCKET, "up/bytes.bin", b"\x00\x01binary",
                        content_type="application/x-test",
                        cache_control="max-age=60")
        self.assertEqual(self.client.get(BUCKET, "up/bytes.bin"),
                         b"\x00\x01binary")
        info = self.client.info(BUCKET, "up/bytes.bin")
        self.assertEqual(info["content_type"], "application/x-test")
        self.assertEqual(info["cache_control"], "max-age=60")
        self.assertEqual(info["size"], 8)

    def test_put_a_local_file_by_path(self):
        source = self.path("source.txt")
        with open(source, "wb") as f:
            f.write(b"from a file")
        self.client.put(BUCKET, "up/file.txt", source)
        self.assertEqual(self.client.get(BUCKET, "up/file.txt"),
                         b"from a file")

    def test_put_without_upsert_conflicts_and_with_upsert_replaces(self):
        self.client.put(BUCKET, "up/twice.txt", b"one")
        with self.assertRaises(bucketguard.ConflictError) as cm:
            self.client.put(BUCKET, "up/twice.txt", b"two")
        self.assertEqual(cm.exception.code, "KeyAlreadyExists")
        self.client.put(BUCKET, "up/twice.txt", b"two", upsert=True)
        self.assertEqual(self.client.get(BUCKET, "up/twice.txt"), b"two")

    def test_info_describes_the_object(self):
        info = self.client.info(BUCKET, "a.txt")
        self.assertEqual(info["name"], "a.txt")
        self.assertEqual(info["bucket_id"], BUCKET)
        self.assertEqual(info["size"], 5)

    def test_list_honours_prefix_limit_offset_and_sort(self):
        names = [o["name"] for o in self.client.list(BUCKET, prefix="dir")]
        self.assertEqual(names, ["b.txt", "c.txt"])
        first = self.client.list(BUCKET, prefix="dir", limit=1)
        second = self.client.list(BUCKET, prefix="dir", limit=1, offset=1)
        self.assertEqual([first[0]["name"], second[0]["name"]],
                         ["b.txt", "c.txt"])
        backwards = self.client.list(BUCKET, prefix="dir", descending=True)
        self.assertEqual([o["name"] for o in backwards], ["c.txt", "b.txt"])

    def test_remove_deletes_every_key_given(self):
        for key in ("rm/1.txt", "rm/2.txt"):
            self.client.put(BUCKET, key, b"x")
        removed = self.client.remove(BUCKET, ["rm/1.txt", "rm/2.txt"])
        self.assertEqual(sorted(o["name"] for o in removed),
                         ["rm/1.txt", "rm/2.txt"])
        self.assertFalse(self.client.exists(BUCKET, "rm/1.txt"))
        self.assertFalse(self.client.exists(BUCKET, "rm/2.txt"))

    def test_copy_and_move(self):
        self.client.put(BUCKET, "cp/src.txt", b"copied")
        self.client.copy(BUCKET, "cp/src.txt", "cp/copy.txt")
        self.client.move(BUCKET, "cp/copy.txt", "cp/moved.txt")
        self.assertEqual(self.client.get(BUCKET, "cp/moved.txt"), b"copied")
        self.assertFalse(self.client.exists(BUCKET, "cp/copy.txt"))

    def test_sign_gives_a_url_that_fetches_the_object(self):
        url = self.client.sign(BUCKET, "a.txt", expires_in=60)
        self.assertTrue(url.startswith(self.emu.url), url[:40])
        with urllib.request.urlopen(url, timeout=5) as answer:
            self.assertEqual(answer.read(), b"hello")

    def test_routes_lists_the_route_table(self):
        routes = self.client.routes()
        self.assertIsInstance(routes, list)
        self.assertIn("default", [r["name"] for r in routes])
        self.assertTrue(all("consecutive_failures" in r for r in routes))

    def test_health_is_healthy_after_successful_calls(self):
        self.client.get(BUCKET, "a.txt")
        answer = self.client.health()
        self.assertEqual(answer["status"], "healthy")
        self.assertIn("success_rate", answer["details"])
        self.assertEqual(self.client.health_now()[0], "healthy")

    def test_metrics_count_the_calls(self):
        before = self.client.metrics()["lifetime"]["attempts"]
        self.client.get(BUCKET, "a.txt")
        metrics = self.client.metrics()
        self.assertEqual(metrics["schema_version"], 1)
        self.assertEqual(metrics["lifetime"]["attempts"], before + 1)
        self.assertIn("bucketguard_health",
                      self.client.metrics_prometheus())

    def test_write_metrics_writes_the_document(self):
        target = self.path("metrics.json")
        self.client.write_metrics(target)
        with open(target, encoding="utf-8") as f:
            self.assertIn('"schema_version"', f.read())


class ClientOptionsAndLifeCycle(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.emu = emulator()
        cls.emu.start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def test_python_names_map_to_library_settings(self):
        cases = [
            ({"retries": 3}, [("retries", "3")]),
            ({"delays": [0.5, 1, 2]}, [("delays", "0.5,1,2")]),
            ({"delays": "1,2"}, [("delays", "1,2")]),
            ({"routes": ["default", "minimal"]},
             [("routes", "default,minimal")]),
            ({"edge_routes": False}, [("edge_routes", "false")]),
            ({"health_window": 50}, [("health.window", "50")]),
            ({"health_degraded_rate": 0.5},
             [("health.degraded_rate", "0.5")]),
            ({"settings": {"route.x.user_agent": "A/1"}},
             [("route.x.user_agent", "A/1")]),
            ({"ca_bundle": None}, []),
        ]
        for options, expected in cases:
            with self.subTest(options=options):
                self.assertEqual(settings_from_options(options), expected)

    def test_routes_option_limits_the_route_table(self):
        with bucketguard.Client(self.emu.url, self.emu.service,
                                routes=["default", "minimal"]) as c:
            self.assertEqual(sorted(r["name"] for r in c.routes()),
                             ["default", "minimal"])

    def test_health_window_option_reaches_the_registry(self):
        with bucketguard.Client(self.emu.url, self.emu.service,
                                health_window=7) as c:
            window = c.metrics()["health"]["window"]
            self.assertEqual(window["max_outcomes"], 7)

    def test_unknown_or_invalid_settings_raise_config_error(self):
        for options in ({"no_such_setting": 1}, {"retries": -1},
                        {"delays": "soon"}):
            with self.subTest(options=options):
                with self.assertRaises(bucketguard.ConfigError):
                    bucketguard.Client(self.emu.url, self.emu.service,
                                       **options)

    def test_a_closed_client_refuses_calls(self):
        c = bucketguard.Client(self.emu.url, self.emu.service)
        with c:
            self.assertTrue(c.exists(BUCKET, "a.txt"))
        self.assertTrue(c.closed)
        with self.assertRaises(bucketguard.UsageError):
            c.exists(BUCKET, "a.txt")
        c.close()


if __name__ == "__main__":
    unittest.main()
