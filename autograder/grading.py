"""Grade a class: submissions in, scores, feedback, nbgrader's gradebook and a CSV out.

``grade(chapter, submissions)`` takes a folder of notebooks or an LMS-style zip.

1. **Input.** Every file found gets exactly one result. Zip members are streamed
   with size caps; absolute names, ``..``, links, nested zips, over-long or odd
   student ids, duplicates and unreadable files are reported with a reason.
2. **Inspection.** Each notebook is compared with the released one: a notebook of
   another chapter is refused; edited grading metadata, renamed or duplicated graded
   cells are repaired from the release and noted.
3. **Grading jobs.** Each submission is graded by :func:`grade_one`, in a private
   nbgrader course folder of its own, through nbgrader's autograde with
   :class:`autograder.execute.JudgedExecute`: the notebook runs sandboxed and the
   judge decides every test. Jobs run in parallel (``jobs``), or on a Dask cluster
   (``scheduler``); a job gets everything as data and returns everything as data,
   so it runs the same on any machine with the course checkout.
4. **Records.** Only this process writes the class's records, one submission at a
   time: the gradebook (``grading/gradebook.db``), the autograded notebooks,
   the feedback pages and the CSV. One submission cannot touch another's.
"""

import concurrent.futures
import csv
import dataclasses
import datetime
import functools
import io
import json
import os
import pathlib
import re
import shutil
import stat
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
import zlib

import nbformat

from autograder import masters, sandbox
from autograder.release import generate_assignment, nbgrader_api

DEFAULT_COURSE = masters.ROOT / "grading"
MAX_NOTEBOOK_BYTES = 20 << 20  # one submitted file
MAX_TOTAL_BYTES = 4 << 30  # everything unpacked from one zip
MAX_ID_LENGTH = 64
_STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_LMS_NAME = re.compile(r"^([^_]+)_(?:LATE_)?\d+_\d+_", flags=re.I)  # e.g. doejane_1234_5678_name.ipynb


@dataclasses.dataclass
class Result:
    """One file's outcome. ``score`` is None when it could not be graded; ``problem`` says why, or what was noted."""

    student: str
    file: str
    score: float | None = None
    max_score: float = 0.0
    failed: list = dataclasses.field(default_factory=list)
    problem: str = ""
    tests: list = dataclasses.field(default_factory=list)  # [{test, points, max_points, passed, message}]

    @property
    def status(self):
        return "graded" if self.score is not None else "not graded"

    def as_dict(self):
        return {"student": self.student, "file": self.file, "status": self.status, "score": self.score,
                "max_score": self.max_score, "failed": list(self.failed), "problem": self.problem,
                "tests": list(self.tests)}


# --- 1. input ------------------------------------------------------------------------------------
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


def _id_problem(sid):
    if len(sid) > MAX_ID_LENGTH:
        return f"the student id taken from the file name is {len(sid)} characters long (at most {MAX_ID_LENGTH})"
    if not _STUDENT_ID.fullmatch(sid):
        return "cannot tell a student id from the file name (use letters, digits, '.', '_' and '-')"
    return ""


def _ignorable(parts):
    """Files an LMS or an OS adds that are nobody's submission (reported, never graded)."""
    return any(p == "__MACOSX" or p == ".ipynb_checkpoints" or p.startswith(".") for p in parts)


def _nbgrader_stamp(parts):
    """nbgrader's collect puts ``<student>/<assignment>/timestamp.txt`` beside each submission."""
    return len(parts) == 3 and parts[-1] == "timestamp.txt"


NBGRADER_STAMP = "ignored: nbgrader's record of when it was submitted"


@dataclasses.dataclass
class Entry:
    name: str  # the path inside the folder or zip, as the instructor sees it
    path: pathlib.Path | None  # the unpacked notebook, or None
    problem: str = ""


def _member_problem(member, name):
    mode = member.external_attr >> 16
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\\" in name:
        return "refused: an absolute path in the zip"
    if ".." in pathlib.PurePosixPath(name).parts:
        return "refused: a path with '..' in the zip"
    if stat.S_ISLNK(mode):
        return "refused: a symbolic link in the zip"
    if member.file_size > MAX_NOTEBOOK_BYTES:
        return f"refused: {member.file_size / 2**20:.0f} MiB, over the limit of {MAX_NOTEBOOK_BYTES >> 20} MiB"
    return ""


def _copy_capped(source, target):
    """Stream ``source`` into ``target``; False if it is longer than a notebook may be."""
    written = 0
    with open(target, "wb") as out:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > MAX_NOTEBOOK_BYTES:
                return False
            out.write(chunk)
    return True


def collect(submissions, into):
    """Every file under ``submissions`` (a folder, or a zip unpacked into ``into``) as an :class:`Entry`."""
    submissions = pathlib.Path(submissions)
    entries = []
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        total = 0
        with zipfile.ZipFile(submissions) as archive:
            for index, member in enumerate(archive.infolist()):
                name = member.filename
                if member.is_dir():
                    continue
                parts = pathlib.PurePosixPath(name).parts
                problem = _member_problem(member, name)
                if not problem and _ignorable(parts):
                    problem = "ignored: a hidden, system or checkpoint file"
                elif not problem and _nbgrader_stamp(parts):
                    problem = NBGRADER_STAMP
                elif not problem and name.lower().endswith(".zip"):
                    problem = "refused: a zip inside the zip (unpack it and submit the notebook)"
                elif not problem and not name.lower().endswith(".ipynb"):
                    problem = "ignored: not a notebook (.ipynb) file"
                elif not problem and total + member.file_size > MAX_TOTAL_BYTES:
                    problem = "refused: the zip unpacks to more than the total limit"
                if problem:
                    entries.append(Entry(name, None, problem))
                    continue
                target = into / f"{index:06d}.ipynb"  # our own name: nothing in the zip picks a path
                try:
                    with archive.open(member) as source:
                        fits = _copy_capped(source, target)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as err:
                    target.unlink(missing_ok=True)
                    why = " ".join(str(err).split())[:120] or type(err).__name__
                    entries.append(Entry(name, None, f"refused: a damaged or encrypted zip member ({why})"))
                    continue
                if not fits:
                    entries.append(Entry(name, None, f"refused: over the limit of {MAX_NOTEBOOK_BYTES >> 20} MiB"))
                    target.unlink()
                    continue
                total += target.stat().st_size
                entries.append(Entry(name, target))
        return entries
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is neither a folder nor a zip file")
    for path in sorted(submissions.rglob("*")):
        relative = path.relative_to(submissions).as_posix()
        if path.is_dir() and not path.is_symlink():
            continue
        parts = pathlib.PurePosixPath(relative).parts
        if path.is_symlink():
            entries.append(Entry(relative, None, "refused: a symbolic link"))
        elif _ignorable(parts):
            entries.append(Entry(relative, None, "ignored: a hidden, system or checkpoint file"))
        elif _nbgrader_stamp(parts):
            entries.append(Entry(relative, None, NBGRADER_STAMP))
        elif relative.lower().endswith(".zip"):
            entries.append(Entry(relative, None, "refused: a zip inside the submissions folder (unpack it first)"))
        elif not relative.lower().endswith(".ipynb"):
            entries.append(Entry(relative, None, "ignored: not a notebook (.ipynb) file"))
        elif path.stat().st_size > MAX_NOTEBOOK_BYTES:
            entries.append(Entry(relative, None, f"refused: over the limit of {MAX_NOTEBOOK_BYTES >> 20} MiB"))
        else:
            entries.append(Entry(relative, path))
    return entries


# --- 2. inspection --------------------------------------------------------------------------------
def readable_notebook(path):
    """'' if ``path`` holds a valid Jupyter notebook, else why not (in one line)."""
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # noqa: BLE001 -- any failure to read means "not a notebook"
        return f"not a readable notebook ({type(err).__name__}: {' '.join(str(err).split())[:200]})"
    return ""


def _grade_id(cell):
    """A cell's grade_id if it has a usable one (a string), else None."""
    meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _graded_ids(nb):
    return [grade_id for grade_id in map(_grade_id, nb.cells) if grade_id]


def inspect(nb, chapter, released, other_chapters):
    """(notebook to grade, notes) for a student's notebook; raises ValueError if it cannot be graded.

    Grading metadata is put back as released, cell by cell: an edited flag, points or
    id, a duplicated graded cell, or a graded cell the chapter does not have is repaired
    (and noted), so that nbgrader grades the student's code, not their metadata.
    """
    known = {c.metadata.nbgrader["grade_id"]: c for c in released.cells if c.metadata.get("nbgrader", {}).get("grade_id")}
    ids = _graded_ids(nb)
    if not set(ids) & set(known):
        for other, other_ids in other_chapters.items():
            if set(ids) & other_ids:
                raise ValueError(f"this is a notebook of chapter {other}, not of {chapter}")
        if ids:
            raise ValueError(f"none of its graded cells belongs to {chapter}: is it the right notebook?")
    notes, seen = [], set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        grade_id = _grade_id(cell)
        if meta is None:
            continue
        if grade_id not in known:
            shown = repr(grade_id[:40]) if grade_id else "(not a text)"
            notes.append(f"a graded cell with an unknown id {shown} was graded as ordinary code")
            del cell.metadata["nbgrader"]
            continue
        if grade_id in seen:
            notes.append(f"a second copy of the graded cell {grade_id} was graded as ordinary code")
            del cell.metadata["nbgrader"]
            continue
        seen.add(grade_id)
        original = known[grade_id]
        if dict(meta) != dict(original.metadata.nbgrader) or cell.cell_type != original.cell_type:
            notes.append(f"the grading metadata of {grade_id} had been edited and was restored")
            cell.metadata["nbgrader"] = nbformat.from_dict(dict(original.metadata.nbgrader))
            if cell.cell_type != original.cell_type:
                cell.cell_type = original.cell_type
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
    missing = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("grade")
               and c.metadata.nbgrader["grade_id"] not in seen]
    if missing:
        # Put back at the end, after all of the student's code: a test needs nothing else from its place.
        nb.cells.extend(nbformat.from_dict(dict(c)) for c in missing)
        notes.append(f"deleted test cells were put back: {', '.join(c.metadata.nbgrader['grade_id'] for c in missing)}")
    nbformat.validate(nb)
    return nb, notes


# --- 3. grading jobs ------------------------------------------------------------------------------
def _tar(folder):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return out.getvalue()


def _scores(course_root, chapter, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(chapter, chapter, student)
        grades = {g.name: (float(g.score or 0), float(g.max_score)) for g in notebook.grades}
        return float(notebook.score), float(notebook.max_score), grades


def _messages(autograded):
    """grade_id -> one-line failure message, from the judge's error outputs."""
    out = {}
    for cell in autograded.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            out[meta["grade_id"]] = f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
    return out


def grade_one(job):
    """Grade one submission in a private nbgrader course folder; everything in and out is plain data.

    ``job``: chapter, student, notebook (JSON text), template (a tar.gz of the course folder
    with the assignment generated), bundle (the judge bundle), timeout, limits (dict), timestamp.
    Returns a dict: score, max_score, tests, problem, autograded (notebook JSON), feedback (HTML).
    """
    chapter, student = job["chapter"], job["student"]
    out = {"student": student, "score": None, "max_score": None, "tests": [], "problem": "",
           "autograded": None, "feedback": None}
    with tempfile.TemporaryDirectory(prefix="groundup-job-") as tmp:
        course = pathlib.Path(tmp) / "course"
        with tarfile.open(fileobj=io.BytesIO(job["template"]), mode="r:gz") as tar:
            tar.extractall(course, filter="data")
        (course / "judge.json").write_text(json.dumps(job["bundle"]))
        api = nbgrader_api(course, timeout=job.get("timeout"), judge_bundle=course / "judge.json",
                           limits=job.get("limits"))
        target = course / "submitted" / student / chapter
        target.mkdir(parents=True)
        (target / f"{chapter}.ipynb").write_text(job["notebook"])
        (target / "timestamp.txt").write_text(job["timestamp"])
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not in session.*")  # SQLAlchemy noise from nbgrader
            outcome = api.autograde(chapter, student, force=True, create=True)
            if not outcome["success"]:
                out["problem"] = f"autograding failed: {_failure_reason(outcome)}"
                return out
            autograded_path = course / "autograded" / student / chapter / f"{chapter}.ipynb"
            autograded = nbformat.read(autograded_path, as_version=4)
            score, max_score, grades = _scores(course, chapter, student)
            messages = _messages(autograded)
            out.update(score=score, max_score=max_score, autograded=nbformat.writes(autograded))
            out["tests"] = [{"test": name, "points": points, "max_points": most, "passed": points >= most,
                             "message": messages.get(name, "")} for name, (points, most) in grades.items()]
            out["problem"] = "; ".join(autograded.metadata.get("groundup", {}).get("problems", []))
            feedback = api.generate_feedback(chapter, student, force=True)
            page = course / "feedback" / student / chapter / f"{chapter}.html"
            if feedback["success"] and page.exists():
                out["feedback"] = page.read_text()
            else:
                out["problem"] = "; ".join(filter(None, [out["problem"], "graded, but the feedback page failed"]))
    return out


def _failure_reason(outcome):
    """One line saying why nbgrader could not grade a submission, from its captured log."""
    text = f"{outcome.get('log') or ''}\n{outcome.get('error') or ''}"
    lines = [ln.strip() for ln in text.splitlines()
             if re.match(r"\s*[\w.]+(Error|Exception)\b", ln) and "NbGraderException" not in ln]
    return (lines or ["nbgrader could not run the notebook"])[-1][:300]


@functools.lru_cache(maxsize=None)
def _pool_context():
    """Worker processes forked from a server that has imported the grader once (no threads, no kernels in it)."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.grading", "autograder.execute", "nbgrader.apps"])
    return context


def _run_local(jobs, n_jobs):
    """Yield (job, result) as they finish, on ``n_jobs`` worker processes (or here, for one)."""
    if n_jobs <= 1:
        for job in jobs:
            yield job, _safely(job)
        return
    with concurrent.futures.ProcessPoolExecutor(n_jobs, mp_context=_pool_context()) as pool:
        futures = {pool.submit(_safely, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as err:  # noqa: BLE001 -- a worker process that died is one failed job
                yield job, {"student": job["student"], "score": None, "problem": f"the grading job failed ({err})"}


def _run_dask(jobs, scheduler):
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(_safely, job, pure=False, key=f"grade-{job['student']}-{i}"): job
                   for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as err:  # noqa: BLE001
                yield job, {"student": job["student"], "score": None, "problem": f"the grading job failed ({err})"}
    finally:
        if not isinstance(scheduler, Client):
            client.close()


def _safely(job):
    try:
        return grade_one(job)
    except Exception as err:  # noqa: BLE001 -- one submission's failure must not stop the class
        return {"student": job["student"], "score": None,
                "problem": f"grading failed ({type(err).__name__}: {' '.join(str(err).split())[:200]})"}


# --- 4. records -----------------------------------------------------------------------------------
def _record(course, chapter, student, result, timestamp):
    """Write one graded submission into the class's gradebook and folders (this process only)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "groundup") as gb, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not in session.*")  # SQLAlchemy noise from nbgrader
        gb.update_or_create_student(student)
        try:
            gb.remove_submission(chapter, student)
        except MissingEntry:
            pass
        gb.add_submission(chapter, student, timestamp=datetime.datetime.fromisoformat(timestamp))
        notebook = gb.find_submission_notebook(chapter, chapter, student)
        points = {t["test"]: t["points"] for t in result["tests"]}
        for grade in notebook.grades:
            grade.auto_score = points.get(grade.name, 0.0)
            grade.needs_manual_grade = False
        gb.db.commit()
    for folder, name, text in (("autograded", f"{chapter}.ipynb", result.get("autograded")),
                               ("feedback", f"{chapter}.html", result.get("feedback"))):
        target = course / folder / student / chapter
        shutil.rmtree(target, ignore_errors=True)
        if text is not None:
            target.mkdir(parents=True)
            (target / name).write_text(text)
            if folder == "autograded":
                (target / "timestamp.txt").write_text(timestamp)


def feedback_path(course, chapter, student):
    return pathlib.Path(course) / "feedback" / student / chapter / f"{chapter}.html"


class Progress:
    """A one-line progress bar (count, rate, ETA) on stderr; one line per submission when not a terminal."""

    def __init__(self, total, stream=None):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, label):
        self.done += 1
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else 0.0
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"{rate * 60:.1f}/min ETA {eta:.0f}s  {label}")
        self.stream.write(("\r" + line[:120].ljust(120)) if self.tty else line + "\n")
        if self.tty and self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


@functools.lru_cache(maxsize=None)
def _grade_ids(chapter):
    return frozenset(c.metadata.nbgrader["grade_id"] for c in masters.read_master(chapter).cells
                     if c.metadata.get("nbgrader"))


def _template(chapter, timeout):
    """The course folder every job starts from, as a tar.gz: the assignment generated, no student yet."""
    with tempfile.TemporaryDirectory(prefix="groundup-template-") as tmp:
        generate_assignment(nbgrader_api(pathlib.Path(tmp), timeout=timeout), chapter)
        for extra in ("release", ".nbgrader.log"):
            path = pathlib.Path(tmp) / extra
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        return _tar(tmp)


def grade(chapter, submissions, course=DEFAULT_COURSE, timeout=None, log=print, jobs=None, scheduler=None,
          limits=None, progress=None):
    """Autograde every file under ``submissions``; return one :class:`Result` per file."""
    course = pathlib.Path(course)
    course.mkdir(parents=True, exist_ok=True)
    kind, why = sandbox.isolation()
    if kind != "bubblewrap":
        log(f"WARNING: grading WITHOUT isolation ({why}): student code runs with this user's rights.")
    api = nbgrader_api(course, timeout=timeout)
    released = nbformat.read(generate_assignment(api, chapter), as_version=4)
    max_score = sum(float(c.metadata.nbgrader.get("points", 0)) for c in masters.graded_cells(released, "grade"))
    ours = {c.metadata.nbgrader["grade_id"] for c in released.cells if c.metadata.get("nbgrader")}
    others = {ch: _grade_ids(ch) - ours for ch in masters.chapter_ids() if ch != chapter}
    template, bundle = _template(chapter, timeout), masters.judge_bundle(chapter)
    results, pending, seen = [], [], {}
    with tempfile.TemporaryDirectory(prefix="groundup-unpacked-") as tmp:
        for entry in collect(submissions, pathlib.Path(tmp)):
            sid = student_id(entry.name, chapter)
            result = Result(sid, entry.name, max_score=max_score)
            results.append(result)
            result.problem = entry.problem or _id_problem(sid)
            if not result.problem and sid in seen:
                result.problem = f"a second notebook for this student (already graded: {seen[sid]!r})"
            if not result.problem:
                result.problem = readable_notebook(entry.path)
            if not result.problem:
                try:
                    nb, notes = inspect(nbformat.read(entry.path, as_version=4), chapter, released, others)
                except ValueError as err:
                    result.problem = str(err)
                else:
                    seen[sid] = entry.name
                    timestamp = datetime.datetime.now(datetime.timezone.utc).isoformat()
                    pending.append(({"chapter": chapter, "student": sid, "notebook": nbformat.writes(nb),
                                     "template": template, "bundle": bundle, "timeout": timeout,
                                     "limits": limits or {}, "timestamp": timestamp}, result, notes))
                    continue
            log(f"  {sid or entry.name}: NOT GRADED: {result.problem}")
    by_student = {job["student"]: (result, notes) for job, result, notes in pending}
    bar = progress or Progress(len(pending))
    n_jobs = jobs or os.cpu_count() or 1
    runner = _run_dask([job for job, _, _ in pending], scheduler) if scheduler \
        else _run_local([job for job, _, _ in pending], n_jobs)
    for job, outcome in runner:
        result, notes = by_student[job["student"]]
        result.problem = "; ".join(filter(None, notes + [outcome.get("problem", "")]))
        if outcome.get("score") is not None:
            result.score, result.max_score = outcome["score"], outcome["max_score"]
            result.tests = outcome["tests"]
            result.failed = sorted(t["test"] for t in outcome["tests"] if not t["passed"])
            _record(course, chapter, job["student"], outcome, job["timestamp"])
        bar.step(job["student"])
    return results


def grade_notebook(chapter, path, timeout=None, limits=None):
    """Grade one notebook; a JSON-serializable dict: score, max_score, tests (pass/fail, message), problem."""
    path = pathlib.Path(path)
    with tempfile.TemporaryDirectory(prefix="groundup-one-") as tmp:
        folder = pathlib.Path(tmp) / "in"
        folder.mkdir()
        shutil.copy(path, folder / "submission.ipynb")
        results = grade(chapter, folder, course=pathlib.Path(tmp) / "course", timeout=timeout, log=lambda *_: None,
                        jobs=1, limits=limits, progress=Progress(1, stream=io.StringIO()))
    result = results[0].as_dict()
    result["file"] = str(path)
    result.pop("student")
    return result


def _cell(text):
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ would start a formula."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(results, chapter, path):
    """One row per input file: student_id, file, assignment, score, max_score, status, failed_tests, problem."""
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["student_id", "file", "assignment", "score", "max_score", "status", "failed_tests", "problem"])
        for r in sorted(results, key=lambda r: (r.student, r.file)):
            score = "" if r.score is None else f"{r.score:g}"
            out.writerow([_cell(r.student), _cell(r.file), chapter, score, f"{r.max_score:g}", r.status,
                          " ".join(r.failed), _cell(r.problem)])


def summary_table(results):
    """A plain-text table of the class, one line per file."""
    rows = [("student", "score", "status", "failed tests / problem")]
    for r in sorted(results, key=lambda r: (r.student, r.file)):
        score = "-" if r.score is None else f"{r.score:g}/{r.max_score:g}"
        detail = ", ".join(r.failed) or ("all passed" if r.score is not None else "")
        rows.append((r.student[:40] or "?", score, r.status, "; ".join(filter(None, [detail, r.problem]))))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows)


def as_json(results):
    return json.dumps([r.as_dict() for r in results], indent=1)

