"""Where the binding looks for libbucketguard, in which order, and the
error that names every place tried when none holds it."""

import os
import subprocess
import sys
import unittest
from unittest import mock

import bucketguard
from bucketguard import _lib

from tests.support import library_path

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class LocatingTheLibrary(unittest.TestCase):

    def test_explicit_path_comes_alone(self):
        self.assertEqual(_lib.candidates("/opt/x/libbucketguard.so"),
                         ["/opt/x/libbucketguard.so"])

    def test_environment_variables_come_first_then_the_system(self):
        env = {"BUCKETGUARD_LIBRARY": "/a/lib.so", "BG_LIBRARY": "/b/lib.so"}
        with mock.patch.dict(os.environ, env):
            found = _lib.candidates()
        self.assertEqual(found[:2], ["/a/lib.so", "/b/lib.so"])
        self.assertEqual(found[-1], "libbucketguard.so.0")

    def test_missing_library_names_every_place_tried(self):
        with self.assertRaises(bucketguard.LibraryNotFound) as cm:
            bucketguard.Client("http://127.0.0.1:9", "k" * 20,
                               library="/nonexistent/libbucketguard.so")
        message = str(cm.exception)
        self.assertIn("/nonexistent/libbucketguard.so", message)
        self.assertIn("BUCKETGUARD_LIBRARY", message)
        self.assertIsInstance(cm.exception, OSError)

    @unittest.skipUnless(library_path(), "BG_LIBRARY is not set")
    def test_bucketguard_library_variable_is_honoured(self):
        # A fresh interpreter, so that no earlier load is reused.
        env = dict(os.environ, BUCKETGUARD_LIBRARY=library_path(),
                   PYTHONPATH=PACKAGE_ROOT)
        env.pop("BG_LIBRARY", None)
        code = ("import bucketguard._lib as l; "
                "print(l.load()._name)")
        out = subprocess.run([sys.executable, "-c", code], env=env,
                             capture_output=True, text=True, timeout=30,
                             check=True).stdout.strip()
        self.assertEqual(out, library_path())


if __name__ == "__main__":
    unittest.main()
