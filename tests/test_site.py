"""The website: built strictly from chapters/, offline math, launch buttons, and no secrets anywhere."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import masters
from conftest import ROOT, find_leaks

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run([str(JUPYTER_BOOK), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                         capture_output=True, text=True)
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"strict site build failed:\n{log[-6000:]}"
    return out / "_build" / "html", log


def visible_text(path):
    """What a reader (or a search) finds in a built file: HTML without tags, notebooks' cells as text."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".html":
        raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
        return html.unescape(re.sub(r"<[^>]+>", "", raw))
    if path.suffix == ".ipynb":
        cells = json.loads(raw)["cells"]
        return "\n".join("".join(c["source"]) + json.dumps(c.get("outputs", [])) for c in cells)
    return raw


def test_build_has_no_warnings(site):
    _, log = site
    assert "WARNING" not in log and "ERROR" not in log, log[-4000:]


def test_front_page_lists_chapters(site):
    html_dir, _ = site
    front = visible_text(html_dir / "intro.html")
    assert "How each chapter works" in front and "The perceptron" in front
    assert (html_dir / "index.html").exists()


def test_chapter_pages_show_figures_stubs_and_visible_tests(site, chapter):
    html_dir, _ = site
    page = html_dir / "chapters" / f"{chapter}.html"
    raw = page.read_text()
    text = visible_text(page)
    assert raw.count("<img") >= 2, "figures missing"
    assert "raise NotImplementedError()" in text
    for cell in masters.graded_cells(masters.read_master(chapter), "grade"):
        first_line = cell.source.strip().splitlines()[0]
        assert first_line in text, f"visible test of {cell.id} missing from the page"
    assert "Traceback" not in text and "NotImplementedError:" not in text


def test_launch_and_download_buttons(site, chapter):
    html_dir, _ = site
    raw = (html_dir / "chapters" / f"{chapter}.html").read_text()
    assert "mybinder.org" in raw and "colab.research.google.com" in raw
    assert (html_dir / "_sources" / "chapters" / f"{chapter}.ipynb").exists()
    assert f"_sources/chapters/{chapter}.ipynb" in raw


def test_math_is_served_locally(site):
    html_dir, _ = site
    assert (html_dir / "_static" / "mathjax" / "tex-chtml.js").exists()
    for page in html_dir.rglob("*.html"):
        assert "cdn.jsdelivr.net" not in page.read_text(), f"{page.name} loads MathJax from a CDN"


def test_nothing_secret_is_published(site, secrets):
    html_dir, _ = site
    assert not list(html_dir.rglob("*solutions*")), "a solutions file was published"
    assert not list(html_dir.rglob("*.db")), "a gradebook was published"
    leaks = {}
    for path in html_dir.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".md", ".txt", ".js", ".json", ".py"} \
                and "_static" not in path.parts:
            found = find_leaks(visible_text(path), secrets)
            if found:
                leaks[str(path.relative_to(html_dir))] = found[:3]
    assert leaks == {}
