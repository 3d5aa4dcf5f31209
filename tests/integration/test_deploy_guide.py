"""docs/DEPLOY.md, followed to the letter: every ```sh block marked
`<!-- test -->` runs, in order, in one bash session, in a fresh copy of the
source tree (what a clone holds), on a clean Debian PATH, with PREFIX in a
temporary directory. `sudo` is a shell function that runs the command as
the current user, since everything goes into that directory. Blocks marked
`<!-- not run: REASON -->` are skipped; an unmarked shell block fails the
test, so every command in the guide is either run or says why not."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

SOURCE = os.environ.get(
    "BG_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
GUIDE = os.path.join(SOURCE, "docs", "DEPLOY.md")
TIMEOUT = 540
DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MARK = re.compile(r"^<!-- (test|not run: .+) -->$")
# Left out of the copy: build trees, caches and the benchmark's packages.
SKIP = re.compile(r"^(build[^/]*|\.git|node_modules|__pycache__|.*\.pyc"
                  r"|.*\.egg-info)$")


def blocks(text):
    """[(line, mark, code)] of every ```sh block; mark is None when the
    block is not marked."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        m = MARK.match(lines[k].strip()) if k >= 0 else None
        found.append((start, m.group(1) if m else None,
                      "\n".join(lines[start:j])))
        i = j + 1
    return found


def copy_tree(dest):
    """The source tree as a clone holds it: git's view when there is one,
    else every file but build trees and caches."""
    listed = subprocess.run(
        ["git", "-C", SOURCE, "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True)
    if listed.returncode == 0 and listed.stdout:
        for rel in listed.stdout.decode().split("\0"):
            src = os.path.join(SOURCE, rel)
            if not rel or not os.path.isfile(src):
                continue
            if any(SKIP.match(part) for part in rel.split("/")):
                continue
            os.makedirs(os.path.join(dest, os.path.dirname(rel)),
                        exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))
        return
    shutil.copytree(SOURCE, dest, symlinks=True,
                    ignore=lambda d, names: [n for n in names
                                             if SKIP.match(n)])


class DeployGuide(unittest.TestCase):
    def test_every_shell_block_is_marked(self):
        with open(GUIDE) as f:
            found = blocks(f.read())
        self.assertGreater(len(found), 10)
        for line, mark, _ in found:
            self.assertIsNotNone(mark, "DEPLOY.md:%d: a ```sh block needs "
                                 "<!-- test --> or <!-- not run: why -->"
                                 % line)
        skipped = [b for b in found if b[1] != "test"]
        self.assertLessEqual(len(skipped), 2, "keep unrun blocks rare")

    def test_the_guide_runs_from_clone_to_monitored_worker(self):
        with open(GUIDE) as f:
            found = [b for b in blocks(f.read()) if b[1] == "test"]
        work = tempfile.mkdtemp(prefix="bg-guide-")
        self.addCleanup(shutil.rmtree, work, True)
        tree = os.path.join(work, "bucketguard")
        copy_tree(tree)
        os.makedirs(os.path.join(work, "home"))

        script = ["set -e", 'sudo() { "$@"; }']
        for line, _, code in found:
            script.append("echo '== DEPLOY.md:%d' >&2" % line)
            script.append(code)
        script.append("echo '== guide done' >&2")
        env = {
            "PATH": DEBIAN_PATH, "HOME": os.path.join(work, "home"),
            "LANG": "C.UTF-8", "TMPDIR": work,
            "PREFIX": os.path.join(work, "prefix"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        log = os.path.join(work, "guide.log")
        with open(log, "wb") as out:
            proc = subprocess.Popen(["bash", "-c", "\n".join(script)],
                                    cwd=tree, env=env, stdout=out,
                                    stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
            finally:
                self.stop_group(proc)
        with open(log, errors="replace") as f:
            output = f.read()
        self.assertEqual(proc.returncode, 0,
                         "the guide failed; its output ends:\n"
                         + output[-6000:])
        self.assertIn("== guide done", output)
        # What the reader is promised along the way.
        self.assertIn("plain client: exit status", output)
        self.assertIn("hello", output)
        self.assertRegex(output, r"probe\.txt: success via route \S+")
        self.assertIn("downloaded 5 bytes; health: healthy", output)
        self.assertIn("SUCCESS", output)
        self.assertIn("health: healthy", output)
        self.assertRegex(output, r"5 of 5 checks passed")

    @staticmethod
    def stop_group(proc):
        """Stops every process the guide started and left running."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    os.killpg(proc.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        proc.wait()


if __name__ == "__main__":
    unittest.main(verbosity=2)
