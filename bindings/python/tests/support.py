"""Shared pieces of the binding's tests: the emulator with a known bucket
and objects, fast retry settings, and a log capture for secret checks."""

import logging
import os
import threading

from emu import Emulator  # tests/integration, on PYTHONPATH

BUCKET = "docs"
OBJECTS = {"a.txt": "hello", "dir/b.txt": "bravo", "dir/c.txt": "charlie",
           "probe.txt": "probe"}

# Short backoff so that failures end in well under a second.
FAST = {"delays": [0.02], "retries": 2, "attempt_timeout": 5,
        "connect_timeout": 2, "deadline": 20}


def emulator(*extra, control=False, scenario=None):
    """An Emulator (not started) holding BUCKET with OBJECTS."""
    args = ["--quiet", "--bucket", BUCKET]
    for key, text in OBJECTS.items():
        args += ["--object", "%s/%s=%s" % (BUCKET, key, text)]
    if control:
        args.append("--control")
    if scenario:
        args += ["--scenario", scenario]
    return Emulator(extra_args=args + list(extra))


class LogCapture(logging.Handler):
    """Collects every record of the "bucketguard" logger at DEBUG."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []
        self._guard = threading.Lock()
        self.logger = logging.getLogger("bucketguard")

    def emit(self, record):
        with self._guard:
            self.records.append(record)

    def messages(self):
        with self._guard:
            return [r.getMessage() for r in self.records]

    def __enter__(self):
        self._old_level = self.logger.level
        self.logger.addHandler(self)
        self.logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.setLevel(self._old_level)
        return False


def library_path():
    return os.environ.get("BG_LIBRARY")
