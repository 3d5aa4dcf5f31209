"""The README's ten-line example, extracted from bindings/python/README.md
and run as written against the incident: afterwards the worker's own
manager reads objects that its original code could not."""

import asyncio
import logging
import os
import re
import sys
import types
import unittest
from unittest import mock

import bucketguard

from tests.support import BUCKET, OBJECTS, emulator

README = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "README.md")


TOP_README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), "README.md")


def readme_example(path=README):
    """The first ```python block of a README."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"^```python\n(.*?)^```", text, re.S | re.M)
    return match.group(1)


class WorkerStorage:
    """The manager app.storage.storage of the example: async methods whose
    own Storage calls fail like the incident."""

    async def blob_exists(self, path):
        raise RuntimeError("Bucket not found")

    async def get_file(self, path):
        raise RuntimeError("Bucket not found")


class ReadmeExample(unittest.TestCase):

    def setUp(self):
        root = logging.getLogger()
        self.saved_logging = (root.level, list(root.handlers))

    def tearDown(self):
        root = logging.getLogger()
        for handler in root.handlers[:]:
            if handler not in self.saved_logging[1]:
                root.removeHandler(handler)
        root.setLevel(self.saved_logging[0])

    def test_project_readme_shows_the_same_example(self):
        self.assertEqual(readme_example(TOP_README), readme_example())

    def test_example_is_ten_lines(self):
        self.assertLessEqual(len(readme_example().rstrip("\n").split("\n")),
                             10)

    def test_example_runs_as_written_through_the_incident(self):
        storage = WorkerStorage()
        app = types.ModuleType("app")
        app_storage = types.ModuleType("app.storage")
        app_storage.storage = storage
        app.storage = app_storage
        modules = {"app": app, "app.storage": app_storage}
        with emulator(scenario="incident") as emu, \
                mock.patch.dict(sys.modules, modules), \
                mock.patch.dict(os.environ, {
                    "SUPABASE_URL": emu.url,
                    "SUPABASE_SERVICE_ROLE_KEY": emu.service}):
            exec(compile(readme_example(), README, "exec"), {})
            try:
                body = asyncio.run(storage.get_file(BUCKET + "/a.txt"))
                found = asyncio.run(storage.blob_exists(BUCKET + "/a.txt"))
                routes = storage.bucketguard.metrics()["routes"]
            finally:
                bucketguard.restore_storage_manager(storage)
        self.assertEqual(body, OBJECTS["a.txt"].encode())
        self.assertIs(found, True)
        # The incident did bite: the default route failed and was left.
        self.assertGreaterEqual(routes["default"]["route_suspect"], 1)


if __name__ == "__main__":
    unittest.main()
