"""The website: built strictly from chapters/, offline math, launch buttons, and no secrets anywhere."""

import html
import json
import re

import yaml

from autograder import masters, release
from conftest import ROOT, find_leaks


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


def test_chapter_pages_show_figures_stubs_and_visible_tests(site, chapter):
    html_dir, _ = site
    page = html_dir / "chapters" / f"{chapter}.html"
    raw = page.read_text()
    text = visible_text(page)
    assert raw.count("<img") >= 2, "figures missing"
    assert 'raise NotImplementedError("' in text and ': your code here")' in text
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


def test_launch_buttons_and_colab_install_cell_name_the_configured_repository(site, chapter):
    """One setting, `repository.url` in _config.yml, behind every launch button and the install cell."""
    url = release.repository_url()
    owner_repo = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)/?", url).group(1)
    html_dir, _ = site
    raw = (html_dir / "chapters" / f"{chapter}.html").read_text()
    binder = re.findall(r"https://mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/main\?urlpath=lab/tree/chapters/"
                        rf"{chapter}\.ipynb", raw)
    colab = re.findall(r"https://colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/main/chapters/"
                       rf"{chapter}\.ipynb", raw)
    assert binder and colab and set(binder) == set(colab) == {owner_repo}, (binder, colab)
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    setup = next(c for c in nb["cells"] if c.get("id") == release.SETUP_CELL_ID)
    assert f'"groundup @ git+{url}"' in "".join(setup["source"]), "run `make release` after changing the URL"


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


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def test_front_page_links_every_chapter_in_sidebar_order_with_its_number(site):
    """The front page's chapter list is links whose text is each page's own title (so its number is the sidebar's)."""
    html_dir, _ = site
    front = re.search(r"<article\b.*?</article>", (html_dir / "intro.html").read_text(), flags=re.S).group(0)
    links = re.findall(r'<a class="reference internal" href="(chapters/[^"#]+)\.html">(.*?)</a>', front, flags=re.S)
    chapters = [f for f in _toc_files() if f.startswith("chapters/")]
    assert "How each chapter works" in front and (html_dir / "index.html").exists()
    assert [href for href, _ in links] == chapters, links
    for href, text in links:
        title = re.search(r"<h1>([^<]*)<a class=\"headerlink\"", (html_dir / f"{href}.html").read_text(), flags=re.S).group(1)
        assert html.unescape(re.sub(r"<[^>]+>", "", text)).strip() == html.unescape(title).strip()
        assert re.match(r"\d+\. ", html.unescape(title)), f"{href}: the title should start with its number"


def test_headings_have_unique_anchors(site):
    """Two headings with the same text get anchors like #id1, which nobody can link to or read."""
    html_dir, _ = site
    bad = {}
    for page in html_dir.rglob("*.html"):
        ids = re.findall(r'<section id="(id\d+)"', page.read_text())
        if ids:
            bad[str(page.relative_to(html_dir))] = ids
    assert bad == {}, "give these headings unique text or a label"


def test_every_image_has_alt_text_that_describes_it(site):
    """Figures get alt text from their cell's ``mystnb.image.alt`` metadata, not an empty or hashed name."""
    html_dir, _ = site
    missing = []
    for page in html_dir.rglob("*.html"):
        if "_static" in page.parts:
            continue
        for tag in re.findall(r"<img\b[^>]*>", page.read_text()):
            alt = re.search(r'alt="([^"]*)"', tag)
            src = re.search(r'src="([^"]*)"', tag).group(1)
            if "logo" in src:
                continue
            text = html.unescape(alt.group(1)) if alt else ""
            if len(text.split()) < 4 or re.fullmatch(r"[0-9a-f]{16,}", text):
                missing.append(f"{page.relative_to(html_dir)}: {src} alt={text!r}")
    assert missing == [], "\n".join(missing[:40])
