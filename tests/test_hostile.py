"""Hostile submissions, graded for real: the CLI, the sandbox, the judge, the records.

One class of chapter 1 (14 points) is built from ordinary submissions (the perfect
student, the unfinished one, the untouched one) with malicious code added: code that
tries to forge verdicts, leak hidden tests, tamper with the grader's machine, exhaust
its resources, or confuse it with edited grading metadata. The class is graded once,
through ``python -m autograder grade ... --json --jobs 2``, and every cheat must come
out with exactly the score its honest code deserves. Small runs, graded at the same
time, check the input handling (hostile zip members, damaged members, odd metadata).

Holes that are still open are tests that fail, each with the reason in its docstring
or message. The whole file takes about 4 minutes on 2 cores (most of it the grader's
own cost per submission); the hostile class is graded once, in the ``hostile`` fixture.

Every attack prints what it tried (``ATTACK-RAN`` at the end of its cell), so a test
can tell an attack that was stopped from one that never ran.
"""

import copy
import csv
import html
import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap
import time
import uuid
import zipfile

import nbformat
import pytest

from autograder import masters, sample_class, sandbox
from autograder.mutants import for_chapter
from conftest import find_leaks

# Without the sandbox, the hostile code below would run with the grader's rights, on this checkout.
pytestmark = pytest.mark.skipif(sandbox.isolation()[0] != "bubblewrap",
                                reason=f"no sandbox here ({sandbox.isolation()[1]}): hostile code must not run")

ROOT = masters.ROOT
CHAPTER = "01_perceptron"
TIMEOUT = 15  # seconds per cell: ample on a loaded machine (chapter 1 cells take under 2 s), short for the loops
UNFINISHED = for_chapter(CHAPTER).UNFINISHED
POINTS = {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"])
          for c in masters.graded_cells(masters.read_master(CHAPTER), "grade")}
TOTAL = sum(POINTS.values())
ALL_TESTS = frozenset(POINTS)
SITE_PACKAGES = sorted({p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)})


def score_without(fails):
    return TOTAL - sum(POINTS[t] for t in fails)


# --- building hostile notebooks ----------------------------------------------------------------
def perfect():
    return sample_class.submission(CHAPTER)


def unfinished():
    return sample_class.submission(CHAPTER, stubs=UNFINISHED.stubs)


def untouched():
    return sample_class.submission(CHAPTER, stubs=frozenset(sample_class.exercise_ids(CHAPTER)))


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _code_cell(source):
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip() + "\n")
    cell.id = uuid.uuid4().hex[:8]
    return cell


def after_imports(nb, source):
    """A plain code cell right after the chapter's imports (the second code cell)."""
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    nb.cells.insert(code[1] + 1, _code_cell(source))
    return nb


def before(nb, grade_id, source):
    nb.cells.insert(_index(nb, grade_id), _code_cell(source))
    return nb


def at_end(nb, source):
    nb.cells.append(_code_cell(source))
    return nb


def set_solution(nb, grade_id, source):
    nb.cells[_index(nb, grade_id)].source = textwrap.dedent(source).strip() + "\n"
    return nb


def attack(name, body, **values):
    """A plain cell running ``body``: it reports the sandbox's uid and, at its end, that it ran.

    ``values`` are pasted into the body in place of ``__NAME__`` (paths, the run's token).
    """
    body = textwrap.dedent(body).strip()
    for key, value in values.items():
        body = body.replace(f"__{key.upper()}__", str(value))
    return (f"# hostile: {name}\n"
            "import os as _os, sys as _sys, traceback as _tb\nimport sys\n"
            "print('SANDBOX-UID=%d' % _os.getuid())\n"
            "try:\n" + textwrap.indent(body, "    ") + "\n"
            "except BaseException as _err:\n"
            "    print('ATTACK-ERROR', type(_err).__name__, _err)\n"
            "    _tb.print_exc(file=_sys.stdout)\n"
            f"print('ATTACK-RAN {name}')\n")


# --- 1. forging verdicts (on the untouched student: nothing but 0 is deserved) -----------------------
FAKE_HIDDEN = """
import types
fake = types.ModuleType("autograder.hidden")
fake.agree = lambda *a, **k: None
fake.quietly = lambda fn, *a, case=None, **k: fn(*a, **k)
package = types.ModuleType("autograder")
package.__path__ = []
package.hidden = fake
references = types.ModuleType("autograder.references")
references.__path__ = []
sys.modules.update({"autograder": package, "autograder.hidden": fake, "autograder.references": references})
checks = types.ModuleType("groundup.checks")
for name in ("check_type", "check_shape", "check_dtype", "check_equal", "check_close"):
    setattr(checks, name, lambda *a, **k: None)
sys.modules["groundup.checks"] = checks
import groundup
groundup.checks = checks
"""

NOOP_CHECKS = """
import builtins
import groundup.checks as checks
import groundup.worker as worker
for name in dir(checks):
    if name.startswith("check_"):
        setattr(checks, name, lambda *a, **k: None)
builtins.AssertionError = type("AssertionError", (Exception,), {})  # nothing raises the real one any more
original = worker._Session.handle
def handle(self, request, blobs):
    try:
        return original(self, request, blobs)
    except BaseException:
        return {"value": True}  # every failure of the student's code answered as a success
worker._Session.handle = handle
"""

CODE_SWAP = """
import types
import groundup.checks as checks
import groundup.worker as worker
noop = (lambda *a, **k: None).__code__
for name in ("check_type", "check_shape", "check_dtype", "check_equal", "check_close"):
    getattr(checks, name).__wrapped__.__code__ = noop  # the check itself, inside its counter
worker._original_handle = types.FunctionType(worker._Session.handle.__code__, worker.__dict__)
def _swallow(self, request, blobs):
    try:
        return _original_handle(self, request, blobs)
    except BaseException:
        return {"value": True}
worker._Session.handle.__code__ = _swallow.__code__
print("handle swapped:", worker._Session.handle.__code__ is _swallow.__code__)
"""

FORGED_FILES = """
import importlib, pathlib, site
files = {
    "autograder/__init__.py": "",
    "autograder/hidden.py": "def agree(*a, **k):\\n    pass\\ndef quietly(fn, *a, case=None, **k):\\n    return fn(*a, **k)\\n",
    "autograder/references/__init__.py": "",
    "autograder/references/perceptron.py": "def __getattr__(name):\\n    return lambda *a, **k: None\\n",
    "groundup_checks_forged/__init__.py": "",
    "sitecustomize.py": "import builtins\\nbuiltins.FORGED = True\\n",
    "usercustomize.py": "import builtins\\nbuiltins.FORGED = True\\n",
    "__TOKEN__-forged.pth": "import builtins; builtins.FORGED = True\\n",
}
places = ["", *sys.path, site.getusersitepackages(), "/tmp", _os.path.expanduser("~")]
for place in dict.fromkeys(places):
    for relative, text in files.items():
        path = (pathlib.Path(place or ".") / relative).resolve()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "# __TOKEN__\\n")
            print("WROTE", path)
        except Exception as err:
            print("REFUSED", path, type(err).__name__)
for name in [m for m in sys.modules if m == "autograder" or m.startswith(("autograder.", "sitecustomize"))]:
    del sys.modules[name]
importlib.invalidate_caches()
import autograder.hidden
print("forged module in use:", autograder.hidden.__file__)
"""

TRACER = """
import threading, linecache
raises = {}  # code object -> its line numbers that start with raise (computed once: a slow tracer would time out)
def tracer(frame, event, arg):
    code = frame.f_code
    # the notebook's cells and the visible-test checks (not by path prefix: a checkout may live in /tmp)
    if not ("ipykernel" in code.co_filename or code.co_filename.endswith("checks.py")):
        return None
    if event == "line":
        if code not in raises:
            raises[code] = {n for n in range(code.co_firstlineno, code.co_firstlineno + 400)
                            if linecache.getline(code.co_filename, n).strip().startswith("raise")}
        if frame.f_lineno in raises[code]:
            try:
                frame.f_lineno = frame.f_lineno + 1  # jump over every raise
            except Exception:
                pass
    return tracer
sys.settrace(tracer)
threading.settrace(tracer)
sys.setprofile(None)  # no profiler: it would only slow every call down
print("tracer installed:", sys.gettrace() is tracer)
"""

TRANSFORMER = """
ip = get_ipython()
def to_pass(lines):
    text = "".join(lines)
    if any(word in text for word in ("groundup.worker", "check_", "agree", "assert")):
        return ["pass\\n"]
    return lines
ip.input_transformers_cleanup.append(to_pass)
ip.input_transformers_post.append(to_pass)
print("transformers installed")
"""

RUN_CELL = """
ip = get_ipython()
run_cell, run_cell_async = ip.run_cell, ip.run_cell_async
def quiet_run_cell(*a, **k):
    result = run_cell(*a, **k)
    result.error_in_exec = result.error_before_exec = None
    return result
async def quiet_run_cell_async(*a, **k):
    result = await run_cell_async(*a, **k)
    result.error_in_exec = result.error_before_exec = None
    return result
ip.run_cell, ip.run_cell_async = quiet_run_cell, quiet_run_cell_async
ip.showtraceback = ip._showtraceback = lambda *a, **k: None
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
print("run_cell wrapped")
"""

REPATCHER = """
import threading, time, types
import numpy as np
import groundup.checks as checks
def keep_patching():
    while True:
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        for name in ("check_type", "check_shape", "check_dtype", "check_equal", "check_close"):
            setattr(checks, name, lambda *a, **k: None)
        fake = types.ModuleType("autograder.hidden")
        fake.agree = lambda *a, **k: None
        sys.modules["autograder.hidden"] = fake
        time.sleep(0.01)
threading.Thread(target=keep_patching, daemon=True).start()
print("re-patching thread started")
"""

NUMPY_PATCH = """
import numpy as np
import numpy.testing as npt
np.allclose = lambda *a, **k: True
np.array_equal = np.array_equiv = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool)
np.argwhere = lambda *a, **k: np.empty((0, 1), dtype=np.int64)
npt.assert_allclose = npt.assert_array_equal = npt.assert_equal = lambda *a, **k: None
try:
    np.ndarray.__eq__ = lambda self, other: True
except TypeError as err:
    print("ndarray cannot be patched:", err)
print("numpy patched")
"""

FORGED_WORKER = """
import socket
import groundup.wire as wire
import groundup.worker as worker
def serve(address):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(address)
    try:
        while True:
            try:
                request, _ = wire.receive(sock)
            except Exception:
                return
            if request.get("op") == "bye":
                return
            wire.send(sock, {"ok": {"d": [["value", True], ["changed", {"l": []}]]}})  # "it worked"
    finally:
        sock.close()
worker.serve = serve
print("worker replaced")
"""

EQ_LIAR_CLASS = """
class Liar:
    \"\"\"Equal to everything, of every shape and dtype.\"\"\"
    shape = property(lambda self: (4,))
    dtype = property(lambda self: __import__("numpy").dtype("int64"))
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
    def __bool__(self):
        return True
    def __len__(self):
        return 4
    def __getitem__(self, index):
        return self
    def __float__(self):
        return 0.0
    def __array__(self, *a, **k):
        raise TypeError("no")
"""

EQ_LIAR_SOLUTIONS = {
    "predict": "def predict(X, w, b):\n    return Liar()",
    "gate_weights": "def gate_weights(name):\n    return Liar(), Liar()",
    "perceptron_update": "def perceptron_update(w, b, x, y, lr):\n    return Liar(), Liar()",
    "train_perceptron": "def train_perceptron(X, y, lr=1.0, max_epochs=100):\n    return Liar(), Liar(), Liar()",
    "xor_network": "def xor_network(X):\n    return Liar()",
    "multi_output_predict": "def multi_output_predict(X, W, b):\n    return Liar()",
}

ARRAY_LIAR_CLASS = """
class LyingArray(np.ndarray):
    \"\"\"An array of zeros that claims to equal anything.\"\"\"
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)
    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)
    def all(self, *a, **k):
        return True
    def any(self, *a, **k):
        return False
    def __array_finalize__(self, obj):
        pass

def lie(shape, dtype=np.float64):
    return np.zeros(shape, dtype=dtype).view(LyingArray)
"""

ARRAY_LIAR_SOLUTIONS = {
    "predict": "def predict(X, w, b):\n    return lie(len(X), np.int64)",
    "gate_weights": "def gate_weights(name):\n    return lie(1 if name == 'not' else 2), 0.0",
    "perceptron_update": "def perceptron_update(w, b, x, y, lr):\n    return lie(np.shape(w)), 0.0",
    "train_perceptron": "def train_perceptron(X, y, lr=1.0, max_epochs=100):\n    return lie(np.shape(X)[1]), 0.0, [0]",
    "xor_network": "def xor_network(X):\n    return lie(len(X), np.int64)",
    "multi_output_predict": "def multi_output_predict(X, W, b):\n    return lie((len(X), np.shape(W)[1]), np.int64)",
}


def liar(cls, solutions):
    nb = after_imports(untouched(), cls)
    for grade_id, source in solutions.items():
        set_solution(nb, grade_id, source)
    return nb


# --- 2. leaking hidden tests (on the unfinished student) -------------------------------------------
SNOOPER = """
# hostile: snoop
import gc, inspect, linecache, sys
_STASH, _SEEN, _SNOOPED = [], set(), set()

def _note(kind, text):
    text = " ".join(str(text).replace("\\n", " // ").split())[:4000]
    if (kind, text[:300]) not in _SEEN:
        _SEEN.add((kind, text[:300]))
        _STASH.append(f"{kind}: {text}")

def _snoop(name):
    if name in _SNOOPED:
        return
    _SNOOPED.add(name)
    frame, depth = sys._getframe(2), 0
    while frame is not None and depth < 80:
        code = frame.f_code
        _note("frame", f"{code.co_filename}:{frame.f_lineno} {code.co_name}")
        for key, value in list(frame.f_locals.items())[:60]:
            try:
                _note("local", f"{code.co_name}.{key} = {value!r}"[:1500])
            except Exception:
                pass
        frame, depth = frame.f_back, depth + 1
    for info in inspect.stack(context=5):
        _note("stack", f"{info.filename}:{info.lineno} {''.join(info.code_context or [])}")
    for filename, entry in list(linecache.cache.items()):  # what the grader's code left there, if anything
        if len(entry) > 2 and not str(filename).startswith(("/work/main/.venv", "/root/", "/tmp/ipykernel")):
            _note("linecache", f"{filename}: {''.join(entry[2])}")
    words = ("HIDDEN", "SOLUTION", "agree(", "autograder", "ref.", "_rng")
    for obj in gc.get_objects():
        if obj is _STASH or obj is _SEEN:
            continue
        try:
            values = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple)) else ()
            for value in values:
                if isinstance(value, str) and any(word in value for word in words):
                    _note("gc", value[:1000])
        except Exception:
            pass
    ip = get_ipython()
    for cell in ip.history_manager.input_hist_raw:
        _note("history", cell)
    for key, value in list(ip.history_manager.output_hist.items()):
        _note("output", repr(value))
    for cell in In:
        _note("In", cell)

def _spy(function):
    def spy(*args, **kwargs):
        if sys._getframe(1).f_globals.get("__name__") == "groundup.worker":  # called by the grader
            _snoop(function.__name__)
        return function(*args, **kwargs)
    spy.__name__ = function.__name__
    return spy
"""

SNOOP_REPORT = """
# hostile: snoop report
_text = "\\n".join(" || ".join(_STASH[i:i + 10]) for i in range(0, len(_STASH), 10))  # few lines: all of it is kept
print("STASH-ITEMS=%d" % len(_STASH))
print(_text[:700_000])
print("STASH-COMPLETE" if len(_text) <= 700_000 else "STASH-CUT")
"""

READER = """
import socket
for path in ["__ROOT__/grading/gradebook.db", "__ROOT__/solutions/01_perceptron.md",
             "__ROOT__/autograder/references/perceptron.py", "__ROOT__/autograder/hidden.py",
             "__ROOT__/autograder/judge.py", "__ROOT__/.git/config", "__COURSE__/gradebook.db",
             "__COURSE__/grades-01_perceptron.csv", "__COURSE__/source/01_perceptron/01_perceptron.ipynb",
             "/etc/shadow", "/proc/1/environ"]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        print("READ-OK", path, len(data))
        print(data[:20000])
    except Exception as err:
        print("READ-FAIL", path, type(err).__name__)
for folder in ["/", "/work", "__ROOT__", "__ROOT__/..", "__COURSE__", "__COURSE__/..", "/tmp", "/root", "/home",
               "/etc", _os.getcwd()]:
    try:
        print("LIST", folder, sorted(_os.listdir(folder)))
    except Exception as err:
        print("LIST-FAIL", folder, type(err).__name__)
targets = [("127.0.0.1", port) for port in (22, 80, 443, 2024, 5432, 6379, 8786, 8787, 8888)]
targets += [("8.8.8.8", 53), ("1.1.1.1", 443), ("pypi.org", 443)]
for host, port in targets:
    try:
        with socket.create_connection((host, port), timeout=1):
            print("NET-OK", host, port)
    except Exception as err:
        print("NET-FAIL", host, port, type(err).__name__)
try:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.settimeout(1)
    udp.sendto(b"\\x00" * 12, ("8.8.8.8", 53))
    print("NET-OK udp", udp.recvfrom(512))
except Exception as err:
    print("NET-FAIL udp", type(err).__name__)
"""


def snoop():
    nb = after_imports(unfinished(), SNOOPER)
    for grade_id in ("predict", "gate_weights", "perceptron_update", "train_perceptron"):
        cell = nb.cells[_index(nb, grade_id)]
        cell.source += f"\n\n{grade_id} = _spy({grade_id})\n"
    return at_end(nb, SNOOP_REPORT)


# --- 3. tampering (on the unfinished student) -------------------------------------------------------
TAMPER = """
import shutil
def attempt(what, action):
    try:
        action()
        print("TAMPER-OK", what)
    except Exception as err:
        print("TAMPER-FAIL", what, type(err).__name__)
def write(path, text, mode="w"):
    with open(path, mode) as fh:
        fh.write(text)
attempt("append to groundup/checks.py", lambda: write("__ROOT__/groundup/checks.py", "\\n# __TOKEN__\\n", "a"))
attempt("open groundup/worker.py for writing", lambda: open("__ROOT__/groundup/worker.py", "ab").close())
attempt("create a file in groundup/", lambda: write("__ROOT__/groundup/__TOKEN__.py", "# __TOKEN__\\n"))
attempt("create a file in autograder/", lambda: write("__ROOT__/autograder/__TOKEN__.py", "# __TOKEN__\\n"))
attempt("append to autograder/hidden.py", lambda: write("__ROOT__/autograder/hidden.py", "\\n# __TOKEN__\\n", "a"))
attempt("open solutions/01_perceptron.md for writing", lambda: open("__ROOT__/solutions/01_perceptron.md", "ab").close())
attempt("create a file in the checkout", lambda: write("__ROOT__/__TOKEN__.txt", "__TOKEN__"))
attempt("create a file in .git", lambda: write("__ROOT__/.git/__TOKEN__", "__TOKEN__"))
attempt("delete ada's feedback", lambda: shutil.rmtree("__COURSE__/feedback/ada"))
attempt("delete all feedback", lambda: shutil.rmtree("__COURSE__/feedback"))
attempt("write the CSV", lambda: write("__COURSE__/grades-01_perceptron.csv", "student_id,score\\ngrace,14\\n"))
attempt("write the gradebook", lambda: write("__COURSE__/gradebook.db", "__TOKEN__"))
attempt("create a file in the course", lambda: write("__COURSE__/__TOKEN__.txt", "__TOKEN__"))
for folder in [p for p in sys.path if p.endswith("site-packages")] + [__SITE_PACKAGES__]:
    attempt(f".pth in {folder}", lambda folder=folder: write(f"{folder}/__TOKEN__.pth", "import os  # __TOKEN__\\n"))
attempt("a module in the standard library", lambda: write(_os.path.dirname(_os.__file__) + "/__TOKEN__.py", "#\\n"))
attempt("write the scratch folder's parent", lambda: write(_os.path.dirname(_os.getcwd()) + "/__TOKEN__.txt", "#"))
attempt("become root", lambda: _os.setuid(0))
"""

DETACH = """
import textwrap, time
child = textwrap.dedent('''
    import os, signal, time
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with open("__TOKEN__-started", "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(20)
    for path in ["/tmp/__TOKEN__-marker", "__COURSE__/__TOKEN__-marker", "__ROOT__/__TOKEN__-marker",
                 os.path.join(os.getcwd(), "__TOKEN__-marker")]:
        try:
            with open(path, "w") as fh:
                fh.write("still alive")
        except Exception:
            pass
    time.sleep(600)  # __TOKEN__
''')
pid = _os.fork()
if pid == 0:
    try:
        _os.setsid()
        if _os.fork() == 0:
            _os.execv(_sys.executable, [_sys.executable, "-c", child])
    finally:
        _os._exit(0)
_os.waitpid(pid, 0)
print("DETACHED-AT=%f" % time.time())
for _ in range(100):  # the grandchild is running, detached from the kernel
    if _os.path.exists("__TOKEN__-started"):
        print("CHILD-STARTED pid=" + open("__TOKEN__-started").read())
        break
    time.sleep(0.1)
print("SCRATCH=" + _os.getcwd())
"""

# --- 4. resources ------------------------------------------------------------------------------------
MEMORY_HOG = """
def multi_output_predict(X, W, b):
    hog = np.ones(6 * 2**30, dtype=np.uint8)  # 6 GiB, over the kernel's 4 GiB
    scores = X @ W + b + hog[:1]
    return (scores >= 0).astype(np.int64)
"""

PRINTER = """
chunk = "x" * (1 << 20) + "\\n"
for _ in range(200):  # 200 MiB
    _sys.stdout.write(chunk)
    _sys.stdout.flush()
"""

FILL = """
import shutil
def fill(folder, limit=1200):
    \"\"\"Write files of 60 MiB (each under the file size limit) into folder, up to limit MiB; report and clean up.\"\"\"
    stored = 0
    try:
        _os.makedirs(folder, exist_ok=True)
        for i in range(limit // 60):
            with open(_os.path.join(folder, f"fill{i}.bin"), "wb") as fh:
                for _ in range(60):
                    fh.write(b"\\0" * (1 << 20))
                    stored += 1
            print(f"FILLING {folder} {stored}", flush=True)
    except OSError as err:
        print("FILL-STOPPED", folder, err.errno, err)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"FILL-STORED {folder} {stored}")
"""

FILES = FILL + """
try:
    with open("big.bin", "wb") as fh:
        for _ in range(100):  # 100 MiB, over the 64 MiB file size limit
            fh.write(b"\\0" * (1 << 20))
    print("BIGFILE-OK", _os.path.getsize("big.bin"))
except OSError as err:
    print("BIGFILE-FAIL", err.errno, err)
finally:
    if _os.path.exists("big.bin"):
        print("BIGFILE-KEPT", _os.path.getsize("big.bin"))
        _os.remove("big.bin")
fill(_os.path.join(_os.getcwd(), "fill"))  # the kernel's working folder
fill("/tmp/fill")  # the sandbox's /tmp
"""

# The folder of the kernel's sockets is a host folder, shared with the grader; a watchdog measures it.
COMM_FILL = FILL + """
comm = _os.path.dirname(next(arg for arg in _sys.argv if arg.endswith(".json")))
print("COMM=" + comm)
fill(_os.path.join(comm, "fill"))  # a folder in it, not files at its top
"""

LOOP = """
def gate_weights(name):
    while name == "nand":  # never returns (for NAND, which the test asks for and the figures do not)
        pass
    w, b = {"and": ([1.0, 1.0], -1.5), "or": ([1.0, 1.0], -0.5), "not": ([-1.0], 0.5)}[name]
    return np.array(w), b
"""

STUBBORN_LOOP = """
def gate_weights(name):
    while True:  # never returns, and ignores the interrupt
        try:
            while True:
                pass
        except KeyboardInterrupt:
            pass
"""

# --- 5. the hidden tests steered through the arguments (on the perfect student) ------------------------
STEER = """
def predict(X, w, b):
    import sys
    if sys._getframe(1).f_globals.get("__name__") == "groundup.worker" and len(X) > 4:
        # Wrong for the grader's larger inputs: a constant answer...
        X[...] = 0.0
        w[...] = 0.0  # ...and the grader's own X and w changed in place, so that its reference agrees
        return np.full(len(X), int(b >= 0), dtype=np.int64)
    scores = X @ w + b
    return (scores >= 0).astype(np.int64)
"""


# --- 6. grading metadata -------------------------------------------------------------------------------
def unflagged():
    nb = unfinished()
    nb.cells[_index(nb, "test_predict")].metadata.nbgrader["grade"] = False
    return nb


def renamed():
    nb = unfinished()
    nb.cells[_index(nb, "test_gate_weights")].metadata.nbgrader["grade_id"] = "test_gate_weights_renamed"
    return nb


def duplicated():
    nb = unfinished()
    index = _index(nb, "test_train_perceptron")
    nb.cells.insert(index + 1, copy.deepcopy(nb.cells[index]))  # the same cell id too, as a text editor would
    return nb


def bonus():
    nb = unfinished()
    meta = nb.cells[_index(nb, "predict")].metadata.nbgrader
    meta.update(grade=True, solution=False, locked=True, points=100)
    cell = _code_cell("pass  # a test worth 100 points")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 100,
                                 "grade_id": "test_bonus", "schema_version": 3, "task": False}
    nb.cells.append(cell)
    return nb


def stripped():
    nb = unfinished()
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return nb


def other_chapter():
    return sample_class.submission("02_cross_entropy")


# --- the class ---------------------------------------------------------------------------------------
FORGERS = {  # student -> its attack cells (each in a plain cell of its own, in this order)
    "forge-modules": {"fake-hidden": FAKE_HIDDEN, "noop-checks": NOOP_CHECKS},
    "forge-code-swap": {"code-swap": CODE_SWAP},
    "forge-files": {"files": FORGED_FILES},
    "forge-hooks": {"tracer": TRACER, "run-cell": RUN_CELL},
    "forge-transformer": {"transformer": TRANSFORMER},
    "forge-numpy": {"numpy": NUMPY_PATCH, "repatcher": REPATCHER},
    "forge-worker": {"worker": FORGED_WORKER},
    "forge-eq-liar": {},
    "forge-ndarray-liar": {},
}
METADATA = {  # student -> what the problem column must say
    "meta-unflagged": ["the grading metadata of test_predict had been edited and was restored"],
    "meta-renamed": ["unknown id 'test_gate_weights_renamed' was graded as ordinary code",
                     "deleted test cells were put back: test_gate_weights"],
    "meta-duplicated": ["a second copy of the graded cell test_train_perceptron was graded as ordinary code"],
    "meta-bonus": ["the grading metadata of predict had been edited and was restored",
                   "unknown id 'test_bonus' was graded as ordinary code"],
}


def forger(cells, values):
    nb = untouched()
    for name, body in reversed(cells.items()):  # each right after the imports: they end up in order
        after_imports(nb, attack(name, body, **values))
    return nb


def build_class(token, course):
    """Student id -> (notebook, the tests it must fail, or None if it must not be graded)."""
    values = {"root": ROOT, "course": course, "token": token,
              "site_packages": ", ".join(repr(p) for p in SITE_PACKAGES)}
    grace_fails = UNFINISHED.fails
    students = {
        "ada": (perfect(), frozenset()),
        UNFINISHED.name: (unfinished(), grace_fails),
        **{sid: (forger(cells, values), ALL_TESTS) for sid, cells in FORGERS.items() if cells},
        "forge-eq-liar": (liar(EQ_LIAR_CLASS, EQ_LIAR_SOLUTIONS), ALL_TESTS),
        "forge-ndarray-liar": (liar(ARRAY_LIAR_CLASS, ARRAY_LIAR_SOLUTIONS), ALL_TESTS),
        "leak-snoop": (snoop(), grace_fails),
        "leak-reader": (after_imports(unfinished(), attack("reader", READER, **values)), grace_fails),
        "tamper-writes": (after_imports(unfinished(), attack("tamper", TAMPER, **values)), grace_fails),
        "tamper-detach": (after_imports(unfinished(), attack("detach", DETACH, **values)), grace_fails),
        "res-memory": (set_solution(perfect(), "multi_output_predict", MEMORY_HOG), {"test_multi_output_predict"}),
        "res-print": (after_imports(unfinished(), attack("print", PRINTER)), grace_fails),
        "res-files": (after_imports(unfinished(), attack("files", FILES)), grace_fails),
        "res-comm": (at_end(unfinished(), attack("comm", COMM_FILL)), grace_fails),  # after the tests: they keep
        "res-loop": (set_solution(unfinished(), "gate_weights", LOOP), grace_fails | {"test_gate_weights"}),
        "res-stubborn": (set_solution(unfinished(), "gate_weights", STUBBORN_LOOP), ALL_TESTS - {"test_predict"}),
        "res-exit": (before(perfect(), "test_multi_output_predict", attack("exit", "_os._exit(1)")),
                     {"test_multi_output_predict"}),
        "steer": (set_solution(perfect(), "predict", STEER), {"test_predict", "test_train_perceptron"}),
        "meta-unflagged": (unflagged(), grace_fails),
        "meta-renamed": (renamed(), grace_fails),
        "meta-duplicated": (duplicated(), grace_fails),
        "meta-bonus": (bonus(), grace_fails),
        "meta-stripped": (stripped(), grace_fails),
        "meta-otherchapter": (other_chapter(), None),
    }
    return {sid: (nb, None if fails is None else frozenset(fails)) for sid, (nb, fails) in students.items()}


class Run:
    """One run of the real command line, started in the background (several run at once)."""

    def __init__(self, submissions, course, timeout=TIMEOUT, jobs=2, extra=()):
        self.out = pathlib.Path(course).parent / f"{pathlib.Path(course).name}-cli-{uuid.uuid4().hex[:6]}"
        self.start = time.monotonic()
        with open(f"{self.out}.stdout", "w") as stdout, open(f"{self.out}.stderr", "w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder", "grade", CHAPTER, str(submissions), "--course", str(course),
                 "--jobs", str(jobs), "--timeout", str(timeout), "--json", *extra],
                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=stdout, stderr=stderr, text=True)

    def wait(self):
        """(return code, results by file or None, stdout, stderr, seconds)."""
        rc = self.process.wait(timeout=1200)
        seconds = time.monotonic() - self.start
        stdout, stderr = pathlib.Path(f"{self.out}.stdout").read_text(), pathlib.Path(f"{self.out}.stderr").read_text()
        try:
            results = {r["file"]: r for r in json.loads(stdout)}
        except json.JSONDecodeError:
            results = None
        return rc, results, stdout, stderr, seconds


def grade_cli(submissions, course, timeout=TIMEOUT, jobs=2, extra=()):
    return Run(submissions, course, timeout, jobs, extra).wait()


def _pth_files():
    """The .pth files of the environment (each runs code in every Python process that starts)."""
    return {str(p) for folder in SITE_PACKAGES for p in pathlib.Path(folder).glob("*.pth")}


class Graded:
    """What grading the hostile class left behind."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def result(self, sid):
        return self.by_student[sid]

    def autograded(self, sid):
        path = self.course / "autograded" / sid / CHAPTER / f"{CHAPTER}.ipynb"
        return nbformat.read(path, as_version=4)

    def printed(self, sid, name=None):
        """The text that the student's plain cells printed (only the attack cell ``name``, if given)."""
        out = []
        for cell in self.autograded(sid).cells:
            if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            if name is not None and not cell.source.startswith(f"# hostile: {name}\n"):
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    out.append(output.get("text", ""))
                elif output.get("output_type") == "error":
                    out.append(f"{output.get('ename')}: {output.get('evalue')}\n")
        return "".join(out)

    def feedback(self, sid):
        return (self.course / "feedback" / sid / CHAPTER / f"{CHAPTER}.html").read_text()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Grade the hostile class; the small input-handling zips are graded at the same time (see ``others``)."""
    tmp = tmp_path_factory.mktemp("hostile")
    course = tmp / "course"
    token = f"hostile{uuid.uuid4().hex[:12]}"
    students = build_class(token, course)
    archive = tmp / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for sid, (nb, _) in students.items():
            zf.writestr(f"{sid}_{CHAPTER}.ipynb", json.dumps(nb, indent=1))  # as is: duplicate cell ids too
    pth_before = _pth_files()
    stamp = time.time()
    run = Run(archive, course)
    others = {name: (start(tmp_path_factory.mktemp(name)), None) for name, start in SMALL_RUNS.items()}
    others = {name: (inputs, inputs.pop("run").wait()) for name, (inputs, _) in others.items()}
    rc, results, stdout, stderr, seconds = run.wait()
    assert rc == 0 and results is not None, f"the CLI failed ({rc}):\n{stderr[-5000:]}"
    print(f"graded {len(students)} hostile submissions in {seconds:.0f} s")
    by_student = {r["student"]: r for r in results.values()}
    return Graded(tmp=tmp, course=course, token=token, students=students, results=results,
                  by_student=by_student, stdout=stdout, stderr=stderr, stamp=stamp, pth_before=pth_before,
                  others=others)


# --- the whole class -------------------------------------------------------------------------------------
def test_every_submission_gets_one_result_and_one_csv_row(hostile):
    files = sorted(f"{sid}_{CHAPTER}.ipynb" for sid in hostile.students)
    assert sorted(hostile.results) == files
    rows = list(csv.DictReader(open(hostile.course / f"grades-{CHAPTER}.csv", newline="")))
    assert sorted(r["file"] for r in rows) == files
    for row in rows:  # the CSV says what the JSON says (the exact scores are checked per attack below)
        result = hostile.results[row["file"]]
        assert (row["student_id"], row["status"], row["problem"]) == (result["student"], result["status"],
                                                                       result["problem"])
        assert row["score"] == ("" if result["score"] is None else f"{result['score']:g}")
        assert row["max_score"] == f"{TOTAL:g}"


@pytest.mark.parametrize("sid", ["ada", UNFINISHED.name])
def test_honest_students_score_exactly(hostile, sid):
    _check_exact(hostile, sid)
    assert hostile.result(sid)["problem"] == ""


def _check_exact(hostile, sid):
    fails = hostile.students[sid][1]
    result = hostile.result(sid)
    assert result["status"] == "graded", f"{sid}: {result['problem']}"
    assert (result["score"], result["max_score"]) == (score_without(fails), TOTAL), \
        f"{sid}: failed {result['failed']}, expected to fail {sorted(fails)}; {result['problem']}"
    assert set(result["failed"]) == fails


@pytest.mark.parametrize("sid", FORGERS)
def test_forged_verdicts_score_what_the_code_deserves(hostile, sid):
    _check_exact(hostile, sid)
    for name in FORGERS[sid]:
        printed = hostile.printed(sid, name)
        assert f"ATTACK-RAN {name}" in printed, printed[-3000:]
        assert "ATTACK-ERROR" not in printed, printed[-3000:]


def test_liars_are_judged_by_their_values(hostile):
    """An object equal to everything stays in the kernel; an ndarray subclass arrives as plain data."""
    messages = {t["test"]: t["message"] for t in hostile.result("forge-eq-liar")["tests"]}
    assert "should be an ndarray, got Remote" in messages["test_predict"], messages
    messages = {t["test"]: t["message"] for t in hostile.result("forge-ndarray-liar")["tests"]}
    assert "entries are wrong" in messages["test_predict"], messages


def test_forged_files_landed_only_in_the_sandbox(hostile):
    printed = hostile.printed("forge-files", "files")
    wrote = [line.split(" ", 1)[1] for line in printed.splitlines() if line.startswith("WROTE ")]
    assert wrote, printed[-3000:]
    assert all(path.startswith("/tmp/") for path in wrote), wrote  # the kernel's scratch folder or its own /tmp
    assert "forged module in use:" in printed and "REFUSED" in printed


@pytest.mark.parametrize("sid", ["leak-snoop", "leak-reader", "tamper-writes", "tamper-detach"])
def test_leaking_and_tampering_students_keep_their_honest_score(hostile, sid):
    _check_exact(hostile, sid)


def test_snooping_in_the_kernel_finds_no_hidden_test(hostile, secrets):
    printed = hostile.printed("leak-snoop", "snoop report")
    items = re.search(r"STASH-ITEMS=(\d+)", printed)
    assert items and int(items.group(1)) > 0, printed[:2000]
    assert "STASH-COMPLETE" in printed and "output truncated" not in printed.lower(), "the leak check would miss a part"
    assert "groundup/worker.py" in printed, "the snooper never ran inside a call from the grader"
    assert _leaks(printed, secrets, hostile.students["leak-snoop"][0]) == []


def test_reading_the_grader_files_fails(hostile):
    printed = hostile.printed("leak-reader", "reader")
    assert "ATTACK-RAN reader" in printed, printed[-3000:]
    reads = re.findall(r"^(READ-OK|READ-FAIL) (\S+)", printed, flags=re.M)
    assert len(reads) == 11, reads
    secret = [path for status, path in reads if status == "READ-OK" and not path.startswith("/proc/")]
    assert secret == [], f"the sandbox could read {secret}"
    listed = dict(re.findall(r"^LIST (\S+) (\[.*\])$", printed, flags=re.M))
    assert "/" in listed and str(ROOT) in listed, listed  # the listing itself ran
    for hidden in ("solutions", "autograder", "grading", ".git", "tests"):
        assert f"'{hidden}'" not in listed.get(str(ROOT), "[]"), listed.get(str(ROOT))
    assert str(hostile.course) not in listed, "the course folder is visible"
    net = re.findall(r"^(NET-OK|NET-FAIL) (.*)$", printed, flags=re.M)
    assert len(net) == 13 and all(status == "NET-FAIL" for status, _ in net), net


def test_tampering_changed_nothing_outside_the_sandbox(hostile):
    printed = hostile.printed("tamper-writes", "tamper")
    assert "ATTACK-RAN tamper" in printed, printed[-3000:]
    attempts = re.findall(r"^TAMPER-(OK|FAIL) (.*)$", printed, flags=re.M)
    assert len(attempts) >= 17, printed
    assert [what for status, what in attempts if status == "OK"] == []
    token = hostile.token
    # No file of the checkout or the environment holds the token or is named after it.
    changed = subprocess.run(["find", str(ROOT), "-path", str(ROOT / ".git"), "-prune", "-o", "-newermt",
                              f"@{hostile.stamp - 1:.0f}", "-type", "f", "-print0"], capture_output=True,
                             text=True).stdout.split("\0")
    touched = [p for p in changed if p and (token in p or token.encode() in _head(p))]
    assert touched == []
    tracked = subprocess.run(["git", "grep", "-l", token], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked == ""
    untracked = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--ignored"], cwd=ROOT,
                               capture_output=True, text=True).stdout
    assert token not in untracked
    for path in ("groundup/checks.py", "groundup/worker.py", "groundup/data.py", "autograder/hidden.py"):
        assert token not in (ROOT / path).read_text(), path
    assert (ROOT / "solutions" / f"{CHAPTER}.md").exists() and (ROOT / ".git").is_dir()
    assert _pth_files() == hostile.pth_before, "a .pth file appeared in site-packages"
    assert not list(hostile.course.glob(f"{token}*"))
    ada = hostile.course / "feedback" / "ada" / CHAPTER / f"{CHAPTER}.html"
    assert ada.exists(), "the perfect student's feedback is gone"


def test_detached_process_dies_with_the_kernel(hostile):
    printed = hostile.printed("tamper-detach", "detach")
    assert "ATTACK-RAN detach" in printed, printed[-3000:]
    assert "CHILD-STARTED" in printed, "the detached process never ran: this test would prove nothing"
    started = float(re.search(r"DETACHED-AT=([\d.]+)", printed).group(1))
    scratch = re.search(r"SCRATCH=(\S+)", printed).group(1)
    time.sleep(max(0.0, started + 25 - time.time()))  # the process writes its marker 20 s after it starts
    token = hostile.token
    for marker in (pathlib.Path("/tmp") / f"{token}-marker", hostile.course / f"{token}-marker",
                   ROOT / f"{token}-marker", pathlib.Path(scratch) / f"{token}-marker"):
        assert not marker.exists(), marker
    assert not pathlib.Path(scratch).exists(), "the submission's scratch folder was left behind"
    uids = {int(u) for sid in hostile.students if hostile.students[sid][1] is not None
            for u in re.findall(r"SANDBOX-UID=(\d+)", _all_printed(hostile, sid))}
    assert uids and all(20000 <= u < 50000 for u in uids), uids
    ps = subprocess.run(["ps", "-eo", "uid,pid,cmd"], capture_output=True, text=True).stdout.splitlines()[1:]
    left = [line for line in ps if int(line.split()[0]) in uids or token in line]
    assert left == [], left


def _head(path, size=50 << 20):
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:  # gone meanwhile, or not a regular file
        return b""


def _all_printed(hostile, sid):
    try:
        return hostile.printed(sid)
    except FileNotFoundError:
        return ""


def test_perfect_student_is_unharmed_and_regrades_alone(hostile, tmp_path):
    result = hostile.result("ada")
    assert (result["score"], result["failed"], result["problem"]) == (TOTAL, [], "")
    folder = tmp_path / "again"
    folder.mkdir()
    nbformat.write(perfect(), folder / f"ada_{CHAPTER}.ipynb")
    rc, results, _, stderr, _ = grade_cli(folder, hostile.course, jobs=1, extra=["--csv", str(tmp_path / "ada.csv")])
    assert rc == 0, stderr[-3000:]
    (again,) = results.values()
    assert (again["student"], again["score"], again["max_score"]) == ("ada", TOTAL, TOTAL), again


# --- resources ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sid", ["res-memory", "res-print", "res-files", "res-comm", "res-loop", "res-stubborn",
                                 "res-exit"])
def test_resource_attacks_score_what_the_code_deserves(hostile, sid):
    _check_exact(hostile, sid)


def test_memory_hog_fails_only_its_own_test(hostile):
    messages = {t["test"]: t["message"] for t in hostile.result("res-memory")["tests"]}
    assert messages["test_multi_output_predict"].startswith("MemoryError"), messages


def test_printing_200_mb_keeps_the_feedback_small(hostile):
    page = hostile.course / "feedback" / "res-print" / CHAPTER / f"{CHAPTER}.html"
    assert page.stat().st_size < 10 << 20
    assert "some output was cut" in hostile.result("res-print")["problem"]
    assert "[output truncated" in hostile.printed("res-print", "print")


def test_a_file_over_the_size_limit_cannot_be_written(hostile):
    printed = hostile.printed("res-files", "files")
    assert "ATTACK-RAN files" in printed, printed[-3000:]
    assert "BIGFILE-FAIL 27" in printed and "BIGFILE-OK" not in printed, printed  # EFBIG
    assert int(re.search(r"BIGFILE-KEPT (\d+)", printed).group(1)) <= 64 << 20


def _stored(printed):
    """MiB each fill() stored: the last progress line of each folder (the kernel may have been stopped mid-way)."""
    stored = {}
    for folder, mib in re.findall(r"^FILL(?:ING|-STORED) (\S+) (\d+)$", printed, flags=re.M):
        stored[folder] = int(mib)
    return stored


def test_a_submission_cannot_fill_the_sandbox_folders(hostile):
    """Files under the size limit, one after another: the working folder and /tmp are size-limited tmpfs."""
    stored = _stored(hostile.printed("res-files", "files"))
    assert len(stored) == 2, stored
    assert all(mib <= 1024 for mib in stored.values()), f"MiB stored: {stored}"


def test_a_submission_cannot_fill_the_graders_disk_through_its_socket_folder(hostile):
    """The kernel's socket folder is a host folder: the grader's watchdog must stop a kernel that fills it
    (sub-folders included) before it stores 1 GiB. Either the kernel is stopped for it (its output may be lost
    with it), or what it reports stays under the limit."""
    printed = hostile.printed("res-comm", "comm")
    stored = _stored(printed)
    if "socket folder" not in hostile.result("res-comm")["problem"]:  # not stopped: the attack must have reported
        assert "COMM=" in printed and len(stored) == 1, printed[-3000:]
    for mib in stored.values():
        assert mib <= 1024, f"a submission stored {mib} MiB on the grader's disk, in its socket folder"


def test_time_limits_cost_only_the_tests_they_hit(hostile):
    loop = {t["test"]: t["message"] for t in hostile.result("res-loop")["tests"]}
    assert loop["test_gate_weights"].startswith("TimeoutError"), loop
    assert loop["test_train_perceptron"] == "", "a test after the infinite loop lost its points"
    stubborn = hostile.result("res-stubborn")
    assert "stopped responding" in stubborn["problem"], stubborn["problem"]
    messages = {t["test"]: t["message"] for t in stubborn["tests"]}
    assert messages["test_predict"] == "" and messages["test_train_perceptron"].startswith("NotRun"), messages
    exiter = hostile.result("res-exit")
    assert "kernel stopped" in exiter["problem"], exiter["problem"]


# --- grading metadata ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sid", sorted(METADATA))
def test_edited_metadata_is_repaired_and_noted(hostile, sid):
    _check_exact(hostile, sid)
    problem = hostile.result(sid)["problem"]
    for note in METADATA[sid]:
        assert note in problem, problem


def test_notebook_without_any_grading_metadata_is_graded(hostile):
    """A notebook whose nbgrader metadata was stripped (a copy into a new notebook) still holds the student's code."""
    _check_exact(hostile, "meta-stripped")
    assert "deleted test cells were put back" in hostile.result("meta-stripped")["problem"]


def test_notebook_of_another_chapter_is_not_graded(hostile):
    result = hostile.result("meta-otherchapter")
    assert result["status"] == "not graded" and result["score"] is None
    assert "02_cross_entropy" in result["problem"], result["problem"]
    assert not (hostile.course / "feedback" / "meta-otherchapter").exists()


def test_hidden_tests_cannot_be_steered_through_the_arguments(hostile):
    """The judge copies a student's in-place changes of an argument back into the test's array.

    The hidden tests of predict compute the reference from those same arrays after the
    student's call, so a predict that zeroes ``X`` and ``w`` makes the reference agree
    with its constant (wrong) answer. Its honest score is 14 - 2 - 4 = 8.
    """
    _check_exact(hostile, "steer")


# --- secrets ----------------------------------------------------------------------------------------------
def _leaks(text, secrets, submitted):
    """Secrets in ``text`` (as is, and with HTML tags removed and entities decoded) that the student did not submit."""
    own = "\n".join(c.source for c in submitted.cells)
    markers, snippets = secrets
    mine = ([m for m in markers if m not in own], [s for s in snippets if s not in own])
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return sorted(set(find_leaks(text, mine) + find_leaks(plain, mine)))


def test_no_feedback_or_result_shows_a_secret(hostile, secrets):
    leaks = {}
    for sid, (nb, fails) in hostile.students.items():
        result = hostile.result(sid)
        texts = [result["problem"]] + [t["message"] for t in result["tests"]]
        if fails is not None and hostile.result(sid)["status"] == "graded":
            texts.append(hostile.feedback(sid))
        found = _leaks("\n".join(texts), secrets, nb)
        if found:
            leaks[sid] = found[:5]
    assert leaks == {}


def test_repaired_or_refused_rows_say_why(hostile):
    for sid in list(METADATA) + ["meta-otherchapter", "meta-stripped", "res-print", "res-stubborn", "res-exit"]:
        assert hostile.result(sid)["problem"], sid


# --- input handling: hostile zips --------------------------------------------------------------------------
def _member(zf, name, data, mode=None):
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.external_attr = mode << 16
    zf.writestr(info, data)


def start_hostile_zip(tmp):
    token = f"hostile{uuid.uuid4().hex[:12]}"
    sentinel = tmp / "sentinel.txt"
    sentinel.write_text("untouched")
    good = nbformat.writes(unfinished())
    nested = tmp / "inner.zip"
    with zipfile.ZipFile(nested, "w") as inner:
        inner.writestr(f"ada_{CHAPTER}.ipynb", nbformat.writes(perfect()))
    members = {  # name -> what its row's problem must say (None: graded)
        f"{UNFINISHED.name}_{CHAPTER}.ipynb": None,
        f"{UNFINISHED.name}/second-try.ipynb": "a second notebook for this student",
        f"/tmp/{token}-abs/evil_{CHAPTER}.ipynb": "absolute path",
        f"../{token}-up_{CHAPTER}.ipynb": "'..'",
        f"sub/../../{token}-up2_{CHAPTER}.ipynb": "'..'",
        f"C:/{token}-drive_{CHAPTER}.ipynb": "absolute path",
        f"dir\\{token}-backslash_{CHAPTER}.ipynb": "absolute path",
        f"link_{CHAPTER}.ipynb": "symbolic link",
        f"nested_{CHAPTER}.zip": "zip inside the zip",
        f"{'a' * 300}_{CHAPTER}.ipynb": "300 characters long",
        f"b@d id!_{CHAPTER}.ipynb": "cannot tell a student id",
        f'=HYPERLINK("http://example.com/x")_{CHAPTER}.ipynb': "cannot tell a student id",
        f"corrupt_{CHAPTER}.ipynb": "not a readable notebook",
        f"huge_{CHAPTER}.ipynb": "over the limit",
        "notes.txt": "not a notebook",
        f"__MACOSX/._{UNFINISHED.name}_{CHAPTER}.ipynb": "ignored",
    }
    archive = tmp / "input.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in members:
            if name.startswith("link_"):
                _member(zf, name, str(sentinel), mode=0o120777)
            elif name.startswith("nested_"):
                _member(zf, name, nested.read_bytes())
            elif name.startswith("corrupt_"):
                _member(zf, name, good[:40])  # cut off mid-upload
            elif name.startswith("huge_"):
                _member(zf, name, '{"cells": [], ' + " " * (25 << 20) + "}")  # 25 MiB, compresses to little
            elif name == "notes.txt":
                _member(zf, name, "my notes")
            else:
                _member(zf, name, good)
    course = tmp / "course"
    return {"run": Run(archive, course, jobs=1), "members": members, "course": course, "token": token,
            "sentinel": sentinel, "archive": archive}


@pytest.fixture(scope="module")
def hostile_zip(hostile):
    inputs, (rc, results, _, stderr, _) = hostile.others["zip"]
    return {**inputs, "rc": rc, "results": results, "stderr": stderr}


def test_zip_every_member_gets_one_row_with_a_reason(hostile_zip):
    assert hostile_zip["rc"] == 0, hostile_zip["stderr"][-3000:]
    results, members = hostile_zip["results"], hostile_zip["members"]
    assert sorted(results) == sorted(members)
    rows = list(csv.DictReader(open(hostile_zip["course"] / f"grades-{CHAPTER}.csv", newline="")))
    # A name that looks like a spreadsheet formula is written as text (see the CSV injection test below).
    as_text = {("'" + name if name[:1] in ("=", "+", "-", "@") else name): name for name in members}
    assert sorted(r["file"] for r in rows) == sorted(as_text)
    for row in rows:
        why = members[as_text[row["file"]]]
        if why is None:
            assert row["status"] == "graded" and row["problem"] == "", row
        else:
            assert row["status"] == "not graded" and row["score"] == "", row
            assert why in row["problem"], row


def test_zip_good_notebook_is_graded(hostile_zip):
    result = hostile_zip["results"][f"{UNFINISHED.name}_{CHAPTER}.ipynb"]
    assert (result["status"], result["score"], result["max_score"]) == ("graded", score_without(UNFINISHED.fails),
                                                                        TOTAL)
    assert set(result["failed"]) == UNFINISHED.fails


def test_zip_writes_nothing_outside_its_unpack_folder(hostile_zip):
    token = hostile_zip["token"]
    assert not pathlib.Path(f"/tmp/{token}-abs").exists()
    for folder in ("/tmp", "/", str(ROOT), str(ROOT.parent), str(hostile_zip["course"]),
                   str(hostile_zip["course"].parent)):
        assert not list(pathlib.Path(folder).glob(f"{token}*")), folder
    assert hostile_zip["sentinel"].read_text() == "untouched"
    assert not (hostile_zip["course"] / "feedback" / "ada").exists(), "the nested zip was unpacked and graded"


def test_csv_cells_cannot_start_a_spreadsheet_formula(hostile_zip):
    """A zip member name is attacker-chosen; the CSV is opened in spreadsheets (CSV injection)."""
    rows = list(csv.reader(open(hostile_zip["course"] / f"grades-{CHAPTER}.csv", newline="")))
    formulas = [cell for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "-", "@")]
    assert formulas == []


def start_unhashable(tmp):
    nb = untouched()
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[1].metadata["nbgrader"] = {"grade_id": ["test_predict"], "grade": True, "points": 100}
    folder = tmp / "in"
    folder.mkdir()
    (folder / f"odd-meta_{CHAPTER}.ipynb").write_text(json.dumps(nb))
    return {"run": Run(folder, tmp / "course", jobs=1)}


def test_unhashable_grade_id_does_not_stop_the_class(hostile):
    """Grading metadata is the student's: a grade_id that is a list must be repaired, not crash everyone's grading."""
    _, (rc, results, _, stderr, _) = hostile.others["unhashable"]
    assert rc == 0 and results is not None, f"one notebook's metadata stopped the whole class:\n{stderr[-2000:]}"
    (result,) = results.values()
    assert (result["status"], result["score"], result["max_score"]) == ("graded", 0.0, TOTAL), result
    assert result["problem"], "the repaired metadata is not noted"


def _damaged_zip(path, good):
    """A zip with a member whose compressed data is damaged and a member flagged as encrypted."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"damaged_{CHAPTER}.ipynb", good)
        zf.writestr(f"locked_{CHAPTER}.ipynb", good)
        zf.writestr("notes.txt", "my notes")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        damaged, locked = zf.getinfo(f"damaged_{CHAPTER}.ipynb"), zf.getinfo(f"locked_{CHAPTER}.ipynb")
    start = damaged.header_offset + 30 + len(damaged.filename) + len(damaged.extra)
    for i in range(start + 10, start + damaged.compress_size - 10):
        data[i] ^= 0x5A
    data[locked.header_offset + 6] |= 1  # the "encrypted" flag, in the local header ...
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = int.from_bytes(data[central + 28:central + 30], "little")
        if bytes(data[central + 46:central + 46 + name_length]) == locked.filename.encode():
            data[central + 8] |= 1  # ... and in the central directory
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def start_damaged(tmp):
    archive = tmp / "damaged.zip"
    _damaged_zip(archive, nbformat.writes(untouched()))
    return {"run": Run(archive, tmp / "course", jobs=1)}


def test_damaged_zip_members_are_reported_not_fatal(hostile):
    _, (rc, results, _, stderr, _) = hostile.others["damaged"]
    assert rc == 0 and results is not None, f"one damaged member stopped the whole class:\n{stderr[-2000:]}"
    assert sorted(results) == sorted([f"damaged_{CHAPTER}.ipynb", f"locked_{CHAPTER}.ipynb", "notes.txt"])
    assert all(r["status"] == "not graded" and r["problem"] for r in results.values()), results


# The small input-handling runs: each starts its CLI run while the hostile class is graded.
SMALL_RUNS = {"zip": start_hostile_zip, "unhashable": start_unhashable, "damaged": start_damaged}
