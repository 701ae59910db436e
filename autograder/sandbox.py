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
    probe = subprocess.run(_bwrap_args(pathlib.Path("/nonexistent"), uid=None) + ["true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return "none", f"bubblewrap cannot start here ({probe.stderr.strip()[:200]})"
    return "bubblewrap", ""


def _bwrap_args(scratch, uid):
    args = [shutil.which("bwrap") or "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(256 << 20), "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/etc"]
    if os.geteuid() != 0:
        args += ["--unshare-user"]  # an unprivileged grader: a user namespace keeps the kernel powerless
    for path in SYSTEM_PATHS + SYSTEM_FILES:
        if os.path.lexists(path):
            args += ["--ro-bind-try", path, path] if not os.path.islink(path) else ["--symlink", os.readlink(path), path]
    binds = [("--ro-bind", str(path)) for path in _mounts_for_python()]
    if scratch.exists():
        binds.append(("--bind", str(scratch)))
    made = set()
    for option, path in binds:
        # bubblewrap makes missing parents of a mount point private (0700): make them readable first.
        for parent in reversed(pathlib.PurePosixPath(path).parents):
            if str(parent) != "/" and parent not in made and not any(str(parent) == p for p in SYSTEM_PATHS):
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += [option, path, path]
    if scratch.exists():
        args += ["--chdir", str(scratch)]
    # The kernel's parent is outside its PID namespace: it must not poll for it (--die-with-parent does that).
    args += ["--setenv", "HOME", str(scratch), "--unsetenv", "JPY_PARENT_PID"]
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


def wrap(kernel_cmd, scratch, limits):
    """The command that starts ``kernel_cmd`` sandboxed (or as it is, without bubblewrap).

    The resource limits come from :func:`resource_limits`, applied to the process that runs it.
    """
    kind, _ = isolation()
    if kind != "bubblewrap":
        return kernel_cmd
    uid = sandbox_uid() if os.geteuid() == 0 else None
    if uid is not None:
        os.chown(scratch, uid, uid)
        for path in scratch.rglob("*"):
            os.chown(path, uid, uid, follow_symlinks=False)
    return _bwrap_args(scratch, uid) + kernel_cmd


@functools.lru_cache(maxsize=None)
def _matplotlib_cache():
    """A matplotlib font cache built once, copied into every scratch folder (building it costs seconds)."""
    import tempfile

    folder = pathlib.Path(tempfile.mkdtemp(prefix="groundup-mpl-"))
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env={**os.environ, "MPLCONFIGDIR": str(folder)},
                   capture_output=True, timeout=120)
    return folder


def prepare_scratch(scratch):
    """Fill a new scratch folder with what every kernel needs besides the notebook."""
    shutil.copytree(_matplotlib_cache(), scratch / ".matplotlib", dirs_exist_ok=True)
