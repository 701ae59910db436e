"""Where a student's notebook runs while it is graded: a sandbox with limits.

On Linux with bubblewrap (Debian package ``bubblewrap``) each submission's kernel
runs in new namespaces: its own process tree, which dies with the kernel; no
network; a private scratch folder holding only its notebook; the Python
environment and the course library read-only; nothing else of the machine (no
``grading/``, ``solutions/``, ``autograder/``, other students' files). When the
grader runs as root, the kernel runs as an unprivileged uid of its own. Every
kernel also gets resource limits: memory, processes, file size and core dumps.

Without bubblewrap (macOS, or a Linux where it cannot start) the kernel runs
with the resource limits and the scratch folder only, and grading says plainly
that it runs without isolation.
"""

import contextlib
import dataclasses
import functools
import os
import pathlib
import shutil
import subprocess
import sys

import groundup

SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
SYSTEM_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd",
                "/etc/group", "/etc/nsswitch.conf", "/etc/fonts", "/etc/ssl", "/etc/alternatives"]


@dataclasses.dataclass
class Limits:
    """What one submission may use. Memory is address space (RLIMIT_AS)."""

    memory_mb: int = 4096
    processes: int = 256  # processes and threads of the sandbox's uid
    file_size_mb: int = 64  # the largest file it may write
    cell_seconds: int = 120
    notebook_seconds: int = 1200
    output_bytes_per_cell: int = 1_000_000  # figures included
    output_bytes_total: int = 5_000_000
    disk_mb: int = 512  # the kernel's working folder, a tmpfs in the sandbox
    comm_bytes: int = 16 << 20  # what may pile up in the folder of its sockets before the kernel is stopped


@dataclasses.dataclass
class Workspace:
    """The folders of one submission's kernel.

    ``comm`` is a host folder the kernel shares with the grader: its connection file and
    sockets, nothing else (a watchdog stops a kernel that fills it). ``scratch`` is the
    kernel's working folder and home: in the sandbox, a private tmpfs of ``disk_mb`` that
    holds the notebook (read-only) and vanishes with the kernel; without a sandbox, a
    host folder. Both live under ``root``, which only the grader can enter.
    """

    root: pathlib.Path
    comm: pathlib.Path
    scratch: pathlib.Path
    notebook: pathlib.Path

    @classmethod
    def create(cls, root, notebook_text):
        root = pathlib.Path(root)
        ws = cls(root, root / "comm", root / "work", root / "notebook.ipynb")
        ws.comm.mkdir()
        ws.notebook.write_text(notebook_text)
        if isolation()[0] != "bubblewrap":
            ws.scratch.mkdir()
            shutil.copy(ws.notebook, ws.scratch / "notebook.ipynb")
            shutil.copytree(_matplotlib_cache(), ws.scratch / ".matplotlib")
        return ws

    def comm_size(self, most_entries=1000):
        """Bytes under ``comm``, sub-folders included (a folder with over ``most_entries`` entries counts as full)."""
        total, seen = 0, 0
        for folder, dirs, files in os.walk(self.comm):
            for name in dirs + files:
                seen += 1
                if seen > most_entries:
                    return float("inf")
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(folder, name)).st_size
        return total


def _mounts_for_python():
    """Folders the kernel needs to read: the interpreter, the environment and the course library."""
    paths = {pathlib.Path(sys.prefix), pathlib.Path(sys.base_prefix),
             pathlib.Path(os.path.realpath(sys.executable)).parent.parent,
             pathlib.Path(groundup.__file__).resolve().parent}
    for entry in sys.path:  # site-packages outside the prefix (user sites, PYTHONPATH)
        path = pathlib.Path(entry or ".").resolve()
        if path.is_dir() and "site-packages" in path.parts:
            paths.add(path)
    root = pathlib.Path(groundup.__file__).resolve().parent.parent
    # Never the course checkout itself: only the library and the environment inside it.
    return sorted(p for p in paths if p != root and p.exists())


@functools.lru_cache(maxsize=None)
def isolation():
    """('bubblewrap', '') when submissions run isolated, else ('none', why not)."""
    if not sys.platform.startswith("linux"):
        return "none", f"no sandbox on {sys.platform} (bubblewrap is Linux only)"
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return "none", "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    probe = subprocess.run(_bwrap_args() + ["true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return "none", f"bubblewrap cannot start here ({probe.stderr.strip()[:200]})"
    return "bubblewrap", ""


def _bwrap_args(ws=None, uid=None, limits=None):
    args = [shutil.which("bwrap") or "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(256 << 20), "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/etc"]
    if os.geteuid() != 0:
        args += ["--unshare-user"]  # an unprivileged grader: a user namespace keeps the kernel powerless
    for path in SYSTEM_PATHS + SYSTEM_FILES:
        if os.path.lexists(path):
            args += ["--ro-bind-try", path, path] if not os.path.islink(path) else ["--symlink", os.readlink(path), path]
    mounts = [["--ro-bind", str(path), str(path)] for path in _mounts_for_python()]
    if ws is not None:
        size = (limits or Limits()).disk_mb << 20
        mounts.append(["--bind", str(ws.comm), str(ws.comm)])
        mounts.append(["--perms", "1777", "--size", str(size), "--tmpfs", str(ws.scratch),
                       "--ro-bind", str(ws.notebook), str(ws.scratch / "notebook.ipynb"),
                       "--perms", "0777", "--dir", str(ws.scratch / ".matplotlib")]
                      + [arg for font in sorted(_matplotlib_cache().glob("*.json"))
                         for arg in ("--ro-bind", str(font), str(ws.scratch / ".matplotlib" / font.name))])
    made = set()
    for mount in mounts:
        # bubblewrap makes missing parents of a mount point private (0700): make them readable first.
        for parent in reversed(pathlib.PurePosixPath(mount[-1] if mount[0] == "--ro-bind" else mount[2]).parents):
            if str(parent) != "/" and parent not in made and str(parent) not in SYSTEM_PATHS:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += mount
    if ws is not None:
        args += ["--chdir", str(ws.scratch), "--setenv", "HOME", str(ws.scratch)]
    # The kernel's parent is outside its PID namespace: it must not poll for it (--die-with-parent does that).
    args += ["--unsetenv", "JPY_PARENT_PID"]
    if uid is not None:
        args += ["--", shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                 "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
    else:
        args += ["--"]
    return args


def resource_limits(limits):
    """A function for Popen's ``preexec_fn`` that sets the kernel's resource limits (where the OS has them)."""
    import resource

    wanted = [("RLIMIT_AS", limits.memory_mb << 20), ("RLIMIT_FSIZE", limits.file_size_mb << 20), ("RLIMIT_CORE", 0)]
    if isolation()[0] == "bubblewrap" and os.geteuid() == 0:
        # Counted per uid: only meaningful where the kernel runs as a uid of its own (not the instructor's).
        wanted.append(("RLIMIT_NPROC", limits.processes))

    def apply():
        for name, value in wanted:
            if hasattr(resource, name):
                try:
                    resource.setrlimit(getattr(resource, name), (value, value))
                except (ValueError, OSError):
                    pass  # e.g. macOS refuses RLIMIT_AS: the other limits still hold

    return apply


def sandbox_uid():
    """A uid for this grading process's kernels, so that process limits are per grading job."""
    return 20000 + os.getpid() % 30000


def kernel_environment(scratch, quick=True):
    """The whole environment of a student's kernel: nothing of the grader's own."""
    env = {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(scratch),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "NBGRADER_EXECUTION": "autograde",
        # One thread per kernel: parallel grading jobs do not fight over the cores.
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    if quick:
        env["GROUNDUP_QUICK"] = "1"
    return env


def wrap(kernel_cmd, ws, limits):
    """The command that starts ``kernel_cmd`` sandboxed in workspace ``ws`` (or as it is, without bubblewrap).

    The resource limits come from :func:`resource_limits`, applied to the process that runs it.
    """
    kind, _ = isolation()
    if kind != "bubblewrap":
        return kernel_cmd
    uid = sandbox_uid() if os.geteuid() == 0 else None
    if uid is not None:
        for path in [ws.comm, *ws.comm.iterdir()]:
            os.chown(path, uid, uid, follow_symlinks=False)
    return _bwrap_args(ws, uid, limits) + kernel_cmd


@functools.lru_cache(maxsize=None)
def _matplotlib_cache():
    """A matplotlib font cache built once per machine and shown to every kernel (building it costs seconds)."""
    import tempfile

    import matplotlib

    folder = pathlib.Path(tempfile.gettempdir()) / f"groundup-mpl-{os.geteuid()}-{matplotlib.__version__}"
    if not any(folder.glob("fontlist-*.json")):
        building = pathlib.Path(tempfile.mkdtemp(prefix="groundup-mpl-build-"))
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env={**os.environ, "MPLCONFIGDIR": str(building)}, capture_output=True, timeout=120)
        try:
            building.rename(folder)  # atomic: parallel jobs never see half a cache
        except OSError:
            shutil.rmtree(building, ignore_errors=True)  # another job was first
    return folder

