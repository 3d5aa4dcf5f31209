"""enhance_storage_manager on toy managers shaped like real workers' (sync
and async): through the incident every get_file succeeds, the methods keep
their shape, and restore_storage_manager rolls everything back."""

import asyncio
import inspect
import unittest

import bucketguard

from tests.support import BUCKET, FAST, OBJECTS, LogCapture, emulator

CALLS = 1000
KEYS = sorted(OBJECTS)


class SyncManager:
    """A worker's manager whose own Storage calls are broken."""

    def __init__(self):
        self.original_calls = 0

    def blob_exists(self, path):
        self.original_calls += 1
        raise RuntimeError("original blob_exists: Bucket not found")

    def get_file(self, path):
        self.original_calls += 1
        raise RuntimeError("original get_file: Bucket not found")


class AsyncManager:
    def __init__(self):
        self.original_calls = 0

    async def blob_exists(self, path):
        self.original_calls += 1
        raise RuntimeError("original blob_exists: Bucket not found")

    async def get_file(self, path):
        self.original_calls += 1
        raise RuntimeError("original get_file: Bucket not found")


class InstanceManager:
    """Methods set on the instance rather than the class."""

    def __init__(self):
        self.blob_exists = lambda path: "instance blob_exists"
        self.get_file = lambda path: "instance get_file"


class ManagerThroughTheIncident(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.emu = emulator(scenario="incident")
        cls.emu.start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def enhance(self, manager, **options):
        return bucketguard.enhance_storage_manager(
            manager, self.emu.url, self.emu.service, self.emu.anon,
            **dict(FAST, **options))

    def test_the_incident_breaks_a_single_route_client(self):
        # The scenario is live: without failover the read fails.
        with bucketguard.Client(self.emu.url, self.emu.service,
                                kill_switch=True, **FAST) as c:
            with self.assertRaises(bucketguard.StorageError) as cm:
                c.get(BUCKET, "a.txt")
        self.assertEqual(cm.exception.code, "NoSuchBucket")

    def test_sync_manager_serves_1000_get_file_calls(self):
        manager = self.enhance(SyncManager())
        try:
            for i in range(CALLS):
                key = KEYS[i % len(KEYS)]
                self.assertEqual(manager.get_file(BUCKET + "/" + key),
                                 OBJECTS[key].encode())
            self.assertIs(manager.blob_exists(BUCKET + "/a.txt"), True)
            self.assertIs(manager.blob_exists(BUCKET + "/none.txt"), False)
            self.assertEqual(manager.original_calls, 0)
        finally:
            bucketguard.restore_storage_manager(manager)

    def test_async_manager_serves_1000_get_file_calls(self):
        manager = self.enhance(AsyncManager())
        self.assertTrue(inspect.iscoroutinefunction(manager.get_file))
        self.assertTrue(inspect.iscoroutinefunction(manager.blob_exists))

        async def run():
            paths = ["%s/%s" % (BUCKET, KEYS[i % len(KEYS)])
                     for i in range(CALLS)]
            bodies = await asyncio.gather(
                *(manager.get_file(p) for p in paths))
            exists = await manager.blob_exists(BUCKET + "/a.txt")
            return paths, bodies, exists

        try:
            paths, bodies, exists = asyncio.run(run())
        finally:
            bucketguard.restore_storage_manager(manager)
        self.assertEqual(len(bodies), CALLS)
        for path, body in zip(paths, bodies):
            self.assertEqual(body, OBJECTS[path.split("/", 1)[1]].encode())
        self.assertIs(exists, True)
        self.assertEqual(manager.original_calls, 0)

    def test_get_file_of_a_missing_object_raises_not_found(self):
        manager = self.enhance(SyncManager())
        try:
            with self.assertRaises(bucketguard.NotFoundError):
                manager.get_file(BUCKET + "/none.txt")
        finally:
            bucketguard.restore_storage_manager(manager)

    def test_bucket_option_makes_paths_keys_in_that_bucket(self):
        manager = self.enhance(SyncManager(), bucket=BUCKET)
        try:
            self.assertEqual(manager.get_file("dir/b.txt"), b"bravo")
        finally:
            bucketguard.restore_storage_manager(manager)


class EnhanceAndRollback(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.emu = emulator()
        cls.emu.start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def enhance(self, manager):
        return bucketguard.enhance_storage_manager(
            manager, self.emu.url, self.emu.service, **FAST)

    def test_restore_puts_the_class_methods_back(self):
        for cls in (SyncManager, AsyncManager):
            with self.subTest(cls.__name__):
                manager = cls()
                self.assertIs(self.enhance(manager), manager)
                client = manager.bucketguard
                self.assertIsInstance(client, bucketguard.Client)
                self.assertIs(bucketguard.restore_storage_manager(manager),
                              manager)
                self.assertIs(manager.get_file.__func__, cls.get_file)
                self.assertIs(manager.blob_exists.__func__,
                              cls.blob_exists)
                self.assertNotIn("get_file", vars(manager))
                self.assertFalse(hasattr(manager, "bucketguard"))
                self.assertTrue(client.closed)

    def test_restore_puts_instance_attributes_back(self):
        manager = InstanceManager()
        get_file, blob_exists = manager.get_file, manager.blob_exists
        self.enhance(manager)
        self.assertEqual(manager.get_file(BUCKET + "/a.txt"), b"hello")
        bucketguard.restore_storage_manager(manager)
        self.assertIs(manager.get_file, get_file)
        self.assertIs(manager.blob_exists, blob_exists)
        self.assertEqual(manager.get_file("x/y"), "instance get_file")

    def test_restored_manager_calls_its_originals_again(self):
        manager = self.enhance(SyncManager())
        bucketguard.restore_storage_manager(manager)
        with self.assertRaisesRegex(RuntimeError, "original get_file"):
            manager.get_file(BUCKET + "/a.txt")
        self.assertEqual(manager.original_calls, 1)

    def test_restoring_a_plain_manager_changes_nothing(self):
        manager = SyncManager()
        self.assertIs(bucketguard.restore_storage_manager(manager), manager)
        self.assertEqual(vars(manager), {"original_calls": 0})

    def test_enhancing_twice_is_refused(self):
        manager = self.enhance(SyncManager())
        try:
            with self.assertRaises(ValueError):
                self.enhance(manager)
        finally:
            bucketguard.restore_storage_manager(manager)

    def test_a_manager_without_the_methods_is_refused(self):
        class Partial:
            def get_file(self, path):
                return b""

        with self.assertRaises(TypeError):
            self.enhance(Partial())

    def test_enhancing_logs_one_info_line(self):
        with LogCapture() as log:
            manager = self.enhance(SyncManager())
            bucketguard.restore_storage_manager(manager)
        mine = [r for r in log.records
                if "storage_manager_" in r.getMessage()]
        self.assertEqual([r.levelname for r in mine], ["INFO", "INFO"])
        self.assertIn("event=storage_manager_enhanced manager=SyncManager",
                      mine[0].getMessage())
        self.assertIn("event=storage_manager_restored", mine[1].getMessage())
        self.assertTrue(all(r.name == "bucketguard" for r in log.records))


if __name__ == "__main__":
    unittest.main()
