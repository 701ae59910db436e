"""Shared fixtures: the chapters, their masters, and the strings that must never reach students."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import masters

ROOT = masters.ROOT
CHAPTERS = masters.chapter_ids()


# --- spreading the suite over pytest-xdist's workers ---------------------------------------------
# A unit of work runs whole on one worker. Files whose tests share an expensive module fixture (a
# graded class) are one unit, and so are the two files that share the built website; tests that
# share nothing (a chapter's mutation run, a chapter's classic bugs graded) are units of their own.
# Units go out longest first, one at a time, so that the two workers finish close together.
SHARED_SITE = ("tests/test_site.py", "tests/test_browser.py")
ALONE = ("tests/test_mutants.py", "test_classic_bugs_fail_exactly", "test_dask_cluster")
COST = {  # rough seconds on 2 cores; a unit not listed counts by its number of tests
    "tests/test_hostile.py": 300, "site": 150, "tests/test_grading.py": 160,
    "tests/test_exchange.py": 60, "tests/test_lab.py": 50, "tests/test_masters.py": 60,
    "tests/test_release.py": 50}


def work_unit(nodeid):
    path = nodeid.split("::", 1)[0]
    if path in SHARED_SITE:
        return "site"
    if any(part in nodeid for part in ALONE):
        return nodeid
    return path


def _unit_cost(unit, tests):
    if unit in COST:
        return COST[unit]
    if "test_mutants" in unit:
        return 70  # one chapter's bugs, each judged on every test
    return 30 if "::" in unit else len(tests)


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

        def _assign_work_unit(self, node):
            for unit in sorted(self.workqueue, key=lambda u: -_unit_cost(u, self.workqueue[u])):
                self.workqueue.move_to_end(unit)
            super()._assign_work_unit(node)

        def _reschedule(self, node):
            # A worker holds back its last test until it gets the next one (or is shut down),
            # so a node with one test pending is idle: only then give it another unit.
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
            elif self._pending_of(self.assigned_work[node]) <= 1:
                self._assign_work_unit(node)

    return LongestFirst(config, log)


def pytest_generate_tests(metafunc):
    if "chapter" in metafunc.fixturenames:
        metafunc.parametrize("chapter", CHAPTERS)


def _meaningful_lines(text):
    """Lines of code long and specific enough that finding one elsewhere means it was copied."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= 24 and not line.startswith(("#", '"""', "import ", "from ")):
            out.append(line)
    return out


@pytest.fixture(scope="session")
def secrets():
    """Everything students must not see: markers, solution bodies, hidden tests, reference code.

    Returns (markers, snippets): literal markers, and distinctive code lines that
    occur only in solutions, hidden tests or the PyTorch references.
    """
    snippets, public = set(), set()
    for chapter in CHAPTERS:
        for cell in masters.read_master(chapter).cells:
            text = cell.source
            for begin, end in ((masters.BEGIN_SOLUTION, masters.END_SOLUTION), (masters.BEGIN_HIDDEN, masters.END_HIDDEN)):
                for body in masters.marked_regions(text, begin, end):
                    snippets.update(_meaningful_lines(body))
                    text = text.replace(body, "")
            public.update(_meaningful_lines(text))
    for ref in (ROOT / "autograder" / "references").glob("*.py"):
        body = re.sub(r'""".*?"""', "", ref.read_text(), flags=re.S)  # docstrings may restate the task
        snippets.update(_meaningful_lines(body))
    # A line that the master also shows in the open (prose, demos, visible tests) is no secret.
    snippets -= public
    markers = [masters.BEGIN_SOLUTION, masters.END_SOLUTION, masters.BEGIN_HIDDEN, masters.END_HIDDEN,
               "autograder.references", "autograder.hidden"]
    return markers, sorted(snippets)


def find_leaks(text, secrets):
    markers, snippets = secrets
    return [m for m in markers if m in text] + [s for s in snippets if s in text]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The website, built strictly from a fresh copy of the sources: (html folder, build log)."""
    out = tmp_path_factory.mktemp("site")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    run = subprocess.run([str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                         capture_output=True, text=True)
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"strict site build failed:\n{log[-6000:]}"
    return out / "_build" / "html", log


# --- a real browser: Debian's Chromium driven by Playwright (its own download is not reachable) ------
def chromium():
    """The system Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    if path is None:
        message = "no Chromium on this machine: install the Debian package 'chromium' (make test does, as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # --no-sandbox: Chromium's own sandbox refuses to start as root (CI runs as root).
        instance = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()
