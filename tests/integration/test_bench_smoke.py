"""The benchmark harness must not rot: `bench/run --smoke` runs every
scenario of BENCH.md at a size of seconds against the emulator and prints
the machine line, one table per scenario with bucketguard's and raw
libcurl's rows filled, and the targets table."""

import os
import re
import subprocess
import sys
import unittest

SOURCE = os.environ.get("BG_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BG_BUILD_DIR") or os.path.join(SOURCE, "build")
SCENARIOS = ["healthy", "bad-route", "flaky", "bad-edge", "slow-tail",
             "outage", "large", "parallel", "monitor"]


def table_rows(report, scenario):
    """The data rows of the table under '## <scenario>:'."""
    m = re.search(r"^## %s:.*?\n\n((?:\|.*\n)+)" % re.escape(scenario),
                  report, re.M)
    if not m:
        return None
    return [line for line in m.group(1).splitlines()[2:]]


class BenchSmoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        proc = subprocess.run(
            [sys.executable, os.path.join(SOURCE, "bench", "run"), "--smoke",
             "--build-dir", BUILD],
            capture_output=True, text=True, timeout=90)
        cls.rc, cls.out, cls.err = proc.returncode, proc.stdout, proc.stderr

    def test_smoke_run_exits_zero(self):
        self.assertEqual(self.rc, 0, self.err[-2000:])

    def test_machine_line_comes_first(self):
        first = self.out.splitlines()[0]
        self.assertRegex(first, r"^Machine: nproc \d+, .+, Linux \S+$")

    def test_every_scenario_has_a_table(self):
        for scenario in SCENARIOS:
            with self.subTest(scenario=scenario):
                self.assertTrue(table_rows(self.out, scenario),
                                "no table for " + scenario)

    def test_bucketguard_and_raw_libcurl_rows_hold_figures(self):
        for scenario in SCENARIOS:
            rows = table_rows(self.out, scenario) or []
            for peer in ("bucketguard", "rawcurl"):
                with self.subTest(scenario=scenario, peer=peer):
                    mine = [r for r in rows
                            if r.split("|")[2].strip().startswith(peer)]
                    self.assertTrue(mine, "no %s row" % peer)
                    for r in mine:
                        self.assertNotIn("unavailable", r)

    def test_healthy_table_carries_ratios_against_raw_libcurl(self):
        rows = table_rows(self.out, "healthy")
        raw = [r for r in rows if "| rawcurl get |" in r]
        self.assertTrue(raw)
        self.assertRegex(raw[0], r"\| \d+\.\d\dx \| \d+\.\d\dx \|$")

    def test_targets_table_names_a_verdict_for_each_target(self):
        self.assertIn("## Targets", self.out)
        targets = self.out.split("## Targets", 1)[1]
        verdicts = re.findall(r"\| (met|not met|not measured) \|$",
                              targets, re.M)
        self.assertGreaterEqual(len(verdicts), 20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
