"""The student's JupyterLab, as the README starts it (`make lab`), driven in Chromium.

A student opens their copy of chapter 1, writes one exercise, runs the notebook, saves it
and presses Validate. The test checks what the student sees (the short line of a passing
test, the stub's error naming the next function, Validate's verdict), that no instructor
tool of nbgrader is there, and that the tracked ``chapters/`` never change.
"""

import hashlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT
from groundup import lab

CHAPTER = "01_perceptron"
# The student's answer, typed into the exercise cell (any correct version would do).
PREDICT = "def predict(X, w, b):\n    return (X @ w + b >= 0).astype(np.int64)"
PREDICT_TEST_LINE = 'check_shape(y_toy, (4,), "predict on 4 points")'  # a line of test_predict only
INSTRUCTOR_WORDS = ("Formgrader", "Create Assignment", "Course List", "Manage Assignments")


def _snapshot(folder):
    """Every file under ``folder`` with its bytes' hash and modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_copy_chapters_never_overwrites_a_students_file(tmp_path):
    chapters, work = tmp_path / "chapters", tmp_path / "work"
    chapters.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        (chapters / name).write_text(f"released {name}")
    work.mkdir()
    (work / "01_a.ipynb").write_text("my own work")
    assert lab.copy_chapters(chapters, work) == (["02_b.ipynb"], ["01_a.ipynb"])
    assert (work / "01_a.ipynb").read_text() == "my own work"
    assert (work / "02_b.ipynb").read_text() == "released 02_b.ipynb"
    (chapters / "02_b.ipynb").write_text("a newer release")
    assert lab.copy_chapters(chapters, work) == ([], ["01_a.ipynb", "02_b.ipynb"])
    assert (work / "02_b.ipynb").read_text() == "released 02_b.ipynb"


def test_student_config_keeps_validate_and_the_exchange_only_where_there_is_one(tmp_path):
    plain = lab.write_student_config(tmp_path / "plain")
    off = json.loads((plain / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert set(off) == set(lab.INSTRUCTOR_PLUGINS + lab.EXCHANGE_PLUGINS)
    assert "@jupyter/nbgrader:validate-assignment" not in off
    server = json.loads((plain / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server == {name: False for name in lab.INSTRUCTOR_SERVER_EXTENSIONS + [lab.EXCHANGE_SERVER_EXTENSION]}
    hub = lab.write_student_config(tmp_path / "hub", course_id="dl101", exchange="/srv/exchange")
    off = json.loads((hub / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert set(off) == set(lab.INSTRUCTOR_PLUGINS)
    assert "c.CourseDirectory.course_id = 'dl101'" in (hub / "nbgrader_config.py").read_text()
    # An image's own settings are never replaced by accident.
    with pytest.raises(FileExistsError, match="jupyter_server_config.json"):
        lab.write_student_config(hub, overwrite=False)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    """`make lab` on a work folder of its own: (base URL, token, work folder, chapters before, log)."""
    work = tmp_path_factory.mktemp("work")
    settings = tmp_path_factory.mktemp("lab-settings")
    log_path = tmp_path_factory.mktemp("lab-log") / "lab.log"
    # Render every cell (no virtual scrolling) and skip the news prompt, for a scripted reader.
    for plugin, value in (("notebook-extension/tracker", {"windowingMode": "none"}),
                          ("apputils-extension/notification", {"fetchNews": "false"})):
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    before = _snapshot(ROOT / "chapters")
    port, token = _free_port(), os.urandom(8).hex()
    log = open(log_path, "w")
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings))
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"WORK={work}",
                             f"LAB_ARGS=--no-browser --port={port} --IdentityProvider.token={token}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                log.close()
                pytest.fail(f"make lab did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
    yield url, token, work, before, log_path
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


def test_a_student_works_runs_and_validates_in_their_own_copy(student_lab, browser):
    url, token, work, before, log_path = student_lab
    assert sorted(p.name for p in work.glob("*.ipynb")) == sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{url}/lab/tree/{CHAPTER}.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)

    # Student tools only: no nbgrader menu or panel, and no instructor command in the palette.
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Nbgrader" not in menus, menus
    assert page.locator(".jp-Toolbar-item", has_text="Validate").count() == 1
    page.keyboard.press("Control+Shift+c")
    palette = page.locator(".lm-CommandPalette-content").inner_text()
    assert not [w for w in INSTRUCTOR_WORDS if w.lower() in palette.lower()], palette
    page.keyboard.press("Escape")
    assert not [w for w in INSTRUCTOR_WORDS if page.get_by_text(w).count()]

    # Write the first exercise, then Run All: its test passes, the next stub names itself.
    exercise = page.locator(".jp-CodeCell").filter(has_text="def predict(X, w, b):")
    exercise.wait_for(timeout=30_000)
    exercise.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(PREDICT)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    passed = page.locator(".jp-CodeCell").filter(has_text=PREDICT_TEST_LINE).locator(".jp-OutputArea")
    passed.get_by_text("✓ predict:").wait_for(timeout=120_000)
    assert "checks passed" in passed.inner_text()
    stub = page.locator(".jp-CodeCell").filter(has_text="GATE_ROWS_2 = np.array").locator(".jp-OutputArea")
    stub.get_by_text("gate_weights: your code here").first.wait_for(timeout=60_000)

    # Save, then Validate: it runs the saved notebook afresh and names what still fails.
    page.keyboard.press("Control+s")
    saved = work / f"{CHAPTER}.ipynb"
    deadline = time.time() + 30
    while "(X @ w + b >= 0)" not in saved.read_text() and time.time() < deadline:
        time.sleep(0.5)
    assert "(X @ w + b >= 0)" in saved.read_text(), "the notebook was not saved in the work folder"
    page.locator(".jp-Toolbar-item", has_text="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    verdict = dialog.inner_text()
    assert "Validation Results" in verdict and "failed" in verdict, verdict
    assert "NotImplementedError" in verdict and PREDICT_TEST_LINE not in verdict, verdict
    assert errors == []

    # The tracked chapters are exactly as they were: the student worked in work/ only.
    assert _snapshot(ROOT / "chapters") == before
    log = log_path.read_text()
    assert "No nbgrader_config.py" not in log and "formgrader" not in log.lower(), log[-3000:]
