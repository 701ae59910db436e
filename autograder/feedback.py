"""Keep hidden tests out of the feedback students receive.

Hidden tests never enter nbgrader (the judge has them), so a graded cell here holds
its visible part only; with nbgrader's own pipeline it would hold the hidden tests
too, and a failing cell's traceback would quote them (a known leak). This
preprocessor runs inside ``nbgrader generate_feedback`` (see ``nbgrader_config.py``):
it still cuts any hidden region out, as a second line of defence, reduces each error
to its one-line message, and puts a table on top with every test's name, points,
result and message.
"""

import html
import re

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.masters import BEGIN_HIDDEN, END_HIDDEN

_HIDDEN = re.compile(r"^([ \t]*)" + re.escape(BEGIN_HIDDEN) + r".*?^[ \t]*" + re.escape(END_HIDDEN) + r"[^\n]*",
                     flags=re.S | re.M)
HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"
# What a feedback page may show of a cell's outputs: text and bitmaps. HTML, SVG and scripts written
# by a student would run in the browser of whoever opens the page (the student, or the instructor).
SAFE_OUTPUTS = ("text/plain", "image/png", "image/jpeg")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _one_line(text):
    return " ".join(str(text).split())


def failure_message(cell):
    """The one-line reason a graded cell failed, or '' if it has no error output."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return _one_line(f"{output.ename}: {output.evalue}" if output.evalue else output.ename)
    return ""


def _defuse(cell):
    """Show a cell's markup as text: no student HTML, SVG or script reaches the page as markup."""
    if cell.cell_type in ("markdown", "raw"):
        cell.source = _TAG_START.sub("&lt;", cell.source)
        cell.metadata.pop("format", None)
        cell.metadata.pop("raw_mimetype", None)
        return
    for output in cell.get("outputs", []):
        if "data" in output:
            kept = {k: v for k, v in output.data.items() if k in SAFE_OUTPUTS}
            output.data = kept or {"text/plain": "[an output that feedback pages do not show]"}


class RedactHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests and tracebacks from graded cells and add a results table."""

    def preprocess(self, nb, resources):
        rows = []
        for cell in nb.cells:
            _defuse(cell)
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade"):
                continue
            cell.source = _HIDDEN.sub(lambda m: m.group(1) + HIDDEN_NOTE, cell.source)
            message = failure_message(cell)
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [_one_line(f"{output.ename}: {output.evalue}")]
            score, points = meta.get("score") or 0, meta.get("points") or 0
            result = "passed" if score >= points else "failed"
            rows.append(f"<tr><td><code>{meta['grade_id']}</code></td><td>{score:g} / {points:g}</td>"
                        f"<td>{result}</td><td>{html.escape(message)}</td></tr>")
        cell_style = "<style>.groundup-results td, .groundup-results th {padding: 4px 14px; text-align: left;}</style>"
        table = "\n".join(["## Test results", "", cell_style, '<table class="groundup-results">',
                           "<tr><th>test</th><th>points</th><th>result</th><th>message</th></tr>", *rows, "</table>"])
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(table))
        return nb, resources
