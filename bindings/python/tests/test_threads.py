"""One client shared by many threads: every call succeeds, and calls really
run at the same time (the GIL is released while the library works)."""

import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import bucketguard

from tests.support import BUCKET, FAST, OBJECTS, emulator

THREADS = 8
PER_THREAD = 50
DELAY_MS = 300


class ThreadsShareOneClient(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.emu = emulator("--object", BUCKET + "/slow.txt=slow", "--rule",
                           "slow: path /object/*/slow.txt -> delay %d"
                           % DELAY_MS)
        cls.emu.start()
        cls.client = bucketguard.Client(cls.emu.url, cls.emu.service,
                                        **FAST)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.emu.stop()

    def test_8_threads_by_50_gets_all_succeed(self):
        keys = sorted(OBJECTS)

        def worker(n):
            got = []
            for i in range(PER_THREAD):
                key = keys[(n + i) % len(keys)]
                got.append(self.client.get(BUCKET, key) ==
                           OBJECTS[key].encode())
            return got

        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(worker, range(THREADS)))
        self.assertEqual(sum(map(sum, results)), THREADS * PER_THREAD)

    def test_slow_calls_overlap_instead_of_queueing(self):
        barrier = threading.Barrier(THREADS)

        def worker(_):
            barrier.wait(5)
            return self.client.get(BUCKET, "slow.txt")

        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            bodies = list(pool.map(worker, range(THREADS)))
        elapsed = time.monotonic() - started
        self.assertEqual(bodies, [b"slow"] * THREADS)
        # Serialised they would need THREADS * DELAY_MS (2.4 s).
        self.assertLess(elapsed, THREADS * DELAY_MS / 1000.0 / 2)

    def test_close_waits_for_calls_in_progress(self):
        client = bucketguard.Client(self.emu.url, self.emu.service, **FAST)
        result = {}

        def slow_call():
            result["body"] = client.get(BUCKET, "slow.txt")

        caller = threading.Thread(target=slow_call)
        caller.start()
        deadline = time.monotonic() + 5
        while client._inflight == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        self.assertEqual(client._inflight, 1, "the call did not start")
        client.close()
        caller.join(10)
        self.assertEqual(result.get("body"), b"slow")
        self.assertTrue(client.closed)


if __name__ == "__main__":
    unittest.main()
