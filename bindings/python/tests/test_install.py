"""`pip install --no-build-isolation` builds and installs the package
offline, and the installed copy imports without the source tree."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def can_build_offline():
    """setuptools builds wheels by itself from 70.1 on; before that it
    needs the wheel package (Debian: python3-wheel)."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    if importlib.util.find_spec("wheel") is not None:
        return True
    import setuptools
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1)


@unittest.skipUnless(can_build_offline(),
                     "this interpreter lacks setuptools/wheel to build")
class OfflineInstall(unittest.TestCase):

    def test_pip_installs_the_package_without_network(self):
        with tempfile.TemporaryDirectory(prefix="bg-py-install-") as tmp:
            # A copy, so that the build leaves nothing in the source tree.
            source = os.path.join(tmp, "src")
            shutil.copytree(PACKAGE_ROOT, source, ignore=shutil.ignore_patterns(
                "tests", "build", "*.egg-info", "__pycache__"))
            target = os.path.join(tmp, "site")
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet",
                 "--no-build-isolation", "--no-index", "--no-deps",
                 "--target", target, source],
                check=True, capture_output=True, timeout=300)
            env = dict(os.environ, PYTHONPATH=target)
            out = subprocess.run(
                [sys.executable, "-c",
                 "import bucketguard; print(bucketguard.__version__, "
                 "bucketguard.__file__)"],
                env=env, cwd=tmp, check=True, capture_output=True,
                text=True, timeout=60).stdout.split()
        self.assertEqual(out[0], "0.1.0")
        self.assertTrue(out[1].startswith(target), out[1])


if __name__ == "__main__":
    unittest.main()
