"""Every page of the built site, opened in a real browser (Chromium through Playwright), light and dark.

A strict Sphinx build does not see what a reader sees: display math glued to a paragraph
renders as stray dollars, an image can 404, a script can fail. Here each page is served
from localhost, MathJax is allowed to finish, and the page fails on any MathJax error,
leftover TeX in the rendered text, a broken image, a console error, a request that leaves
localhost, or a figure that dark mode would leave unreadable. A screenshot of every page
goes to ``_build/screenshots/<mode>/`` for a human to review.

Playwright's own browser download is not reachable here: the test drives Debian's
``chromium`` (``make test`` installs it as root). Where none can be had it says so plainly;
on CI (``CI`` set) that is a failure, not a skip.
"""

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import ROOT

SCREENSHOTS = ROOT / "_build" / "screenshots"
MODES = ("light", "dark")
LOCAL_HOSTS = {"localhost", "127.0.0.1"}

# TeX that MathJax should have turned into math: its presence in the rendered text means broken math.
LEFTOVER_TEX = r"(\$\$|(^|[^\w$])\$[^\s$][^$\n]{0,200}\$|\\(frac|mathbf|mathcal|operatorname|sum|sqrt|begin|end|left|right|partial|boldsymbol|top|cdot|hat|tfrac|dfrac|text)\b)"

# Runs in the page: the rendered text outside code, images that failed, figures unreadable in dark mode.
INSPECT = """() => {
  const article = document.querySelector('article') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, .highlight, mjx-container, script, style, .cell_output, .output')
      .forEach(e => e.remove());
  const images = [...document.querySelectorAll('article img')];
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  const dark = document.documentElement.dataset.theme === 'dark';
  const unreadable = [];
  if (dark) {
    for (const img of document.querySelectorAll('div.cell_output img')) {
      const bg = getComputedStyle(img).backgroundColor;
      const m = bg.match(/\\d+(\\.\\d+)?/g) || [];
      const [r, g, b, a] = m.map(Number);
      const light = m.length >= 3 && (a === undefined || a > 0.9) && r > 200 && g > 200 && b > 200;
      if (!light) unreadable.push(img.getAttribute('src') + ' on ' + bg);
    }
  }
  const wide = [...document.querySelectorAll('div.cell_input pre')]
      .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.split('\\n')[0].slice(0, 60));
  return {
    text: copy.innerText, wide,
    mathErrors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
    mathCount: document.querySelectorAll('mjx-container').length,
    broken, unreadable, theme: document.documentElement.dataset.theme,
  };
}"""


@pytest.fixture(scope="module")
def served(site):
    """The built site on a local HTTP server: its base URL."""
    html_dir, _ = site
    handler = functools.partial(Quiet, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages(html_dir):
    """Every page a reader can land on (index.html only redirects to the front page)."""
    return sorted(str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html")
                  if "_static" not in p.parts and 'http-equiv="Refresh"' not in p.read_text())


def visit(browser, base, page, mode):
    """Open ``page`` in ``mode``: (what went wrong on it, as plain sentences; how many formulas rendered)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
    # The theme reads its mode from localStorage; set it before any script runs (an empty value logs an error).
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    problems = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            r.continue_()
        else:
            problems.append(f"request leaves localhost: {r.request.url}")
            r.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    tab.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    # requests to other hosts are aborted above (and reported there); a local one must not fail
    tab.on("requestfailed", lambda r: urlparse(r.url).hostname in LOCAL_HOSTS and
           problems.append(f"request failed: {r.url} ({r.failure})"))
    tab.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    tab.goto(f"{base}/{page}", wait_until="load")
    tab.wait_for_function("() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)")
    tab.evaluate("() => window.MathJax && window.MathJax.startup ? window.MathJax.startup.promise : null")
    seen = tab.evaluate(INSPECT)
    if seen["theme"] != mode:
        problems.append(f"the page shows theme {seen['theme']!r}, not {mode!r}")
    if seen["mathErrors"]:
        problems.append(f"{seen['mathErrors']} MathJax errors")
    for match in re.finditer(LEFTOVER_TEX, seen["text"], flags=re.M):
        start = max(0, match.start() - 50)
        problems.append(f"leftover TeX: ...{seen['text'][start:match.end() + 30]!r}")
    problems += [f"broken image: {src}" for src in seen["broken"]]
    problems += [f"code cell needs sideways scrolling: {first!r}..." for first in seen["wide"]]
    problems += [f"figure unreadable in dark mode: {what}" for what in seen["unreadable"]]
    shot = SCREENSHOTS / mode / (page.replace("/", "__").removesuffix(".html") + ".png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(shot), full_page=True)
    context.close()
    return problems, seen["mathCount"]


@pytest.mark.parametrize("mode", MODES)
def test_every_page_renders_cleanly_in_a_browser(browser, served, site, mode):
    html_dir, _ = site
    everything, math = {}, {}
    for page in pages(html_dir):
        problems, math[page] = visit(browser, served, page, mode)
        if problems:
            everything[page] = problems[:8]
    assert everything == {}, "\n".join(f"{page}:\n  " + "\n  ".join(p) for page, p in everything.items())
    chapters = [p for p in math if p.startswith("chapters/")]
    assert chapters and all(math[p] > 0 for p in chapters), f"math did not render: {math}"


def test_leftover_tex_pattern_finds_broken_math():
    """The check above must be able to fail: it finds what a glued $$ block leaves behind."""
    broken = "so that $$\\|\\mathbf{w}_k\\|^2 \\le k R^2$$ and hence"
    assert re.search(LEFTOVER_TEX, broken)
    assert re.search(LEFTOVER_TEX, "the margin $\\gamma$ of the data")
    assert not re.search(LEFTOVER_TEX, "costs 5 dollars, and 3 more")
