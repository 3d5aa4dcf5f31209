"""Crash safety: SIGKILL at random points of a download to a file leaves
the target either untouched or complete, never partial; SIGKILL at random
points of a monitor writing its metrics file every 10 ms leaves a file
that parses. Both loops are bounded in count and time."""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emu import Emulator  # noqa: E402
from hardening import CLI, run_cli  # noqa: E402

BIG = 8 * 1024 * 1024
OLD = b"the previous content of the target\n"
KILLS = int(os.environ.get("BG_CRASH_KILLS", "40"))


class CrashSafety(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(extra_args=["--control", "--bucket", "docs",
                                       "--object", "docs/probe.txt=probe"])
        cls.emu.start()
        cls.dir = tempfile.mkdtemp(prefix="bg-crash-")
        rng = random.Random(5)
        cls.big = bytes(rng.getrandbits(8) for _ in range(4096)) * (
            BIG // 4096)
        src = os.path.join(cls.dir, "big.src")
        with open(src, "wb") as f:
            f.write(cls.big)
        r = run_cli(["put", src, "docs/big.bin", "--upsert"],
                    env_file=cls.emu.keys_file)
        assert r.returncode == 0, r.stderr
        os.unlink(src)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def start(self, args):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        return subprocess.Popen(
            [CLI, "--env-file", self.emu.keys_file] + args,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

    def test_killed_download_leaves_old_file_or_complete_one(self):
        # Object reads wait 50 ms, so kills land before, during and after
        # the body arrives.
        status, text = self.emu.control(
            "POST", "rules", "method GET path /object/* -> delay 50")
        self.assertEqual(status, 200, text)
        target = os.path.join(self.dir, "target.bin")
        want = hashlib.sha256(self.big).hexdigest()
        rng = random.Random(11)
        outcomes = {"old": 0, "complete": 0}
        try:
            # Kill points spread over the time a whole download takes here
            # (a sanitizer build is slower), and a little past it.
            t0 = time.monotonic()
            self.start(["get", "docs/big.bin", "-o", target]).wait(60)
            window = (time.monotonic() - t0) * 1.2
            for i in range(KILLS):
                with open(target, "wb") as f:
                    f.write(OLD)
                proc = self.start(["get", "docs/big.bin", "-o", target])
                time.sleep(rng.uniform(0.0, window))
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                with open(target, "rb") as f:
                    got = f.read()
                if got == OLD:
                    outcomes["old"] += 1
                else:
                    self.assertEqual(len(got), BIG,
                                     "kill %d left a partial target" % i)
                    self.assertEqual(hashlib.sha256(got).hexdigest(), want,
                                     "kill %d left a corrupt target" % i)
                    outcomes["complete"] += 1
        finally:
            self.emu.control("DELETE", "rules")
        leftovers = [n for n in os.listdir(self.dir) if n != "target.bin"]
        print("download kills: %d over %.0f ms, target old %d, complete "
              "%d; %d temporary files left by SIGKILL: %s" % (
                  KILLS, window * 1000, outcomes["old"],
                  outcomes["complete"], len(leftovers), leftovers[:3]))
        # Both sides were hit, or the kill points did not cover the call.
        self.assertGreater(outcomes["old"], 0)
        self.assertGreater(outcomes["complete"], 0)
        for name in leftovers:
            # What SIGKILL leaves is a hidden temporary file, never a file
            # a reader would take for the object.
            self.assertTrue(name.startswith(".target.bin."), name)
            os.unlink(os.path.join(self.dir, name))

    def test_killed_monitor_leaves_a_parsable_metrics_file(self):
        metrics = os.path.join(self.dir, "metrics.json")
        rng = random.Random(17)
        parsed = 0
        for i in range(KILLS):
            proc = self.start(["--set", "delays=0.01", "monitor",
                               "docs/probe.txt", "--interval", "0.01",
                               "--metrics-every", "0",
                               "--metrics-file", metrics, "--no-http"])
            deadline = time.monotonic() + 10
            while not os.path.exists(metrics) and \
                    time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.15))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            with open(metrics) as f:
                doc = json.load(f)  # raises on a torn file
            self.assertIn("schema_version", doc, "kill %d" % i)
            parsed += 1
        print("monitor kills: %d, metrics file parsed after each" % parsed)
        self.assertEqual(parsed, KILLS)


if __name__ == "__main__":
    unittest.main(verbosity=2)
