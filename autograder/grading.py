"""Grade a class: submissions in, scores, feedback and a CSV out.

``grade(chapter, submissions)`` takes a folder of notebooks or an LMS-style zip
(one notebook per student; the student id is the folder name, or the file name
without the chapter's name), checks that each file is a readable notebook,
registers the students, autogrades each one with nbgrader in its own kernel,
writes its feedback, and exports one CSV row per student. A file that cannot be
graded (corrupt, ambiguous, a kernel that died) is reported by student id and
the rest of the class is still graded.
"""

import csv
import dataclasses
import datetime
import pathlib
import re
import shutil
import tempfile
import warnings
import zipfile

import nbformat
from nbgrader.api import Gradebook

from autograder.release import course_environment, generate_assignment, nbgrader_api

DEFAULT_COURSE = pathlib.Path(__file__).resolve().parent.parent / "grading"
_STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_LMS_NAME = re.compile(r"^([^_]+)_(?:LATE_)?\d+_\d+_", flags=re.I)  # e.g. doejane_1234_5678_name.ipynb


@dataclasses.dataclass
class Result:
    """One student's outcome. ``score`` is None when the submission could not be graded."""

    student: str
    file: str
    score: float | None = None
    max_score: float = 0.0
    failed: list = dataclasses.field(default_factory=list)
    problem: str = ""

    @property
    def status(self):
        return "graded" if self.score is not None else "not graded"


def student_id(relative, chapter):
    """The student id for a submission at ``relative`` (a path inside the submissions folder or zip)."""
    parts = pathlib.PurePosixPath(relative).parts
    if len(parts) > 1:
        return parts[0]
    stem = pathlib.PurePosixPath(relative).stem
    lms = _LMS_NAME.match(stem)
    if lms:
        return lms.group(1)
    for suffix in (chapter, chapter.split("_", 1)[-1]):
        for sep in ("_", "-", "."):
            if stem.lower().endswith(sep + suffix.lower()):
                return stem[: -len(suffix) - 1]
    return stem


def _unpack(submissions, into):
    """The notebooks under ``submissions`` (a folder, or a zip unpacked into ``into``), as relative paths."""
    submissions = pathlib.Path(submissions)
    if zipfile.is_zipfile(submissions):
        found = {}
        with zipfile.ZipFile(submissions) as archive:
            for member in archive.infolist():
                name = pathlib.PurePosixPath(member.filename)
                if member.is_dir() or name.suffix != ".ipynb" or "__MACOSX" in name.parts \
                        or any(p.startswith(".") or p == ".." for p in name.parts):
                    continue
                target = into / pathlib.Path(*name.parts)  # no '..' parts, so it stays inside
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
                found[str(name)] = target
        return found
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is neither a folder nor a zip file")
    return {str(p.relative_to(submissions).as_posix()): p for p in sorted(submissions.rglob("*.ipynb"))
            if not any(part.startswith(".") for part in p.relative_to(submissions).parts)}


def readable_notebook(path):
    """'' if ``path`` holds a valid Jupyter notebook, else why not (in one line)."""
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # noqa: BLE001 -- any failure to read means "not a notebook"
        return f"not a readable notebook ({type(err).__name__}: {' '.join(str(err).split())[:200]})"
    return ""


def _failure_reason(outcome):
    """One line saying why nbgrader could not grade a submission, from its captured log."""
    text = f"{outcome.get('log') or ''}\n{outcome.get('error') or ''}"
    if "DeadKernelError" in text:
        return "the Python kernel died while running the notebook (a crash or exit in the student's code)"
    lines = [ln.strip() for ln in text.splitlines()
             if re.match(r"\s*[\w.]+(Error|Exception)\b", ln) and "NbGraderException" not in ln]
    return (lines or ["nbgrader could not run the notebook"])[-1][:300]


def _scores(course, chapter, student):
    """(score, max_score, failed test ids) from the gradebook."""
    api_db = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(api_db) as gb:
        notebook = gb.find_submission_notebook(chapter, chapter, student)
        failed = sorted(g.name for g in notebook.grades if (g.score or 0) < g.max_score)
        return notebook.score, notebook.max_score, failed


def grade(chapter, submissions, course=DEFAULT_COURSE, timeout=None, log=print):
    """Autograde every submission of ``chapter``; return one :class:`Result` per notebook found."""
    course = pathlib.Path(course)
    api = nbgrader_api(course, timeout=timeout)
    generate_assignment(api, chapter)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        max_score = gb.find_assignment(chapter).max_score
    results, seen = [], {}
    with tempfile.TemporaryDirectory() as tmp, course_environment(quick=True), warnings.catch_warnings():
        # nbgrader's gradebook code trips SQLAlchemy 2's "not in session" warnings; they are noise.
        warnings.filterwarnings("ignore", message=".*not in session.*")
        for relative, path in _unpack(submissions, pathlib.Path(tmp)).items():
            sid = student_id(relative, chapter)
            result = Result(sid, relative, max_score=max_score)
            results.append(result)
            if not _STUDENT_ID.fullmatch(sid):
                result.problem = f"cannot tell the student id from the file name {relative!r}"
            elif sid in seen:
                result.problem = f"a second notebook for this student (already graded {seen[sid]!r})"
            else:
                seen[sid] = relative
                result.problem = readable_notebook(path)
            if result.problem:
                log(f"  {sid}: NOT GRADED: {result.problem}")
                continue
            target = course / "submitted" / sid / chapter
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            shutil.copy(path, target / f"{chapter}.ipynb")
            (target / "timestamp.txt").write_text(datetime.datetime.now(datetime.timezone.utc).isoformat())
            log(f"  {sid}: autograding {relative} ...")
            outcome = api.autograde(chapter, sid, force=True, create=True)
            if not outcome["success"]:
                result.problem = f"autograding failed: {_failure_reason(outcome)}"
                log(f"  {sid}: NOT GRADED: {result.problem}")
                continue
            result.score, result.max_score, result.failed = _scores(course, chapter, sid)
            feedback = api.generate_feedback(chapter, sid, force=True)
            if not feedback["success"]:
                result.problem = f"graded, but feedback failed: {_failure_reason(feedback)}"
    return results


def feedback_path(course, chapter, student):
    return pathlib.Path(course) / "feedback" / student / chapter / f"{chapter}.html"


def write_csv(results, chapter, path):
    """One row per submission: student_id, assignment, score, max_score, status, failed_tests, problem."""
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["student_id", "assignment", "score", "max_score", "status", "failed_tests", "problem"])
        for r in sorted(results, key=lambda r: r.student):
            score = "" if r.score is None else f"{r.score:g}"
            out.writerow([r.student, chapter, score, f"{r.max_score:g}", r.status, " ".join(r.failed), r.problem])


def summary_table(results):
    """A plain-text table of the class, one line per submission."""
    rows = [("student", "score", "status", "failed tests / problem")]
    for r in sorted(results, key=lambda r: r.student):
        score = "-" if r.score is None else f"{r.score:g}/{r.max_score:g}"
        rows.append((r.student, score, r.status, r.problem or ", ".join(r.failed) or "all passed"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows)

