"""nbgrader's Execute step, replaced: the notebook runs sandboxed, the tests run in the judge.

``JudgedExecute`` takes the place of ``nbgrader.preprocessors.Execute`` in
nbgrader's autograde pipeline (see ``nbgrader_config.py``). For each cell of a
student's notebook, in order:

- an ordinary cell (the student's code, the chapter's demos) runs in the
  student's kernel, which runs in the sandbox of :mod:`autograder.sandbox`;
- a graded test cell does not run there: the judge (:mod:`autograder.judge`) runs
  the test's whole code from the chapter's judge bundle (visible checks and
  hidden tests), calling the student's functions in the kernel through
  :mod:`groundup.worker`. The test cell's outputs are the judge's verdict, which
  nbgrader then scores as usual (an error output means 0 points).

A kernel that dies or runs out of time does not stop grading: the tests after
that point fail with the reason, and the tests before it keep their verdicts.
Outputs are capped in bytes, per cell and per notebook.
"""

import contextlib
import json
import os
import pathlib
import socket
import subprocess
import tempfile
import threading
import time

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import channel_socket_types
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Dict, Integer, Unicode

from autograder import judge, sandbox

SERVE = "__import__('groundup.worker').worker.serve({address!r})"


MAX_KERNEL_MESSAGE = 64 << 20  # bytes: a bigger message from the kernel is dropped before the grader reads it


class CappedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse oversized messages (one huge print must not fill the grader's memory)."""

    def _create_connected_socket(self, channel, identity=None):
        if self.curve_publickey is not None:
            return super()._create_connected_socket(channel, identity)
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_KERNEL_MESSAGE)  # before connecting: it applies to new connections
        if identity:
            sock.identity = identity
        sock.connect(self._make_url(channel))
        return sock


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside the sandbox, talking over Unix sockets in its workspace's comm folder."""

    client_class = "autograder.execute.CappedKernelClient"
    workspace = None
    limits = None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["cwd"] = str(self.workspace.comm)  # the sandbox then moves into the scratch folder
        kw["env"] = sandbox.kernel_environment(self.workspace.scratch)
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL  # the kernel's own log is noise in a class's grading log
        kw["preexec_fn"] = sandbox.resource_limits(self.limits)
        await super()._async_launch_kernel(sandbox.wrap(kernel_cmd, self.workspace, self.limits), **kw)


def _error(ename, evalue):
    evalue = " ".join(str(evalue).split())
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _stream(text):
    return NotebookNode(output_type="stream", name="stdout", text=text)


def _is_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _size(output):
    return len(json.dumps(output, default=str))


class JudgedExecute(Execute):
    """Run the student's notebook sandboxed and judge its test cells outside it."""

    bundle_file = Unicode("", help="JSON judge bundle of the chapter (tests, preamble, names)").tag(config=True)
    memory_mb = Integer(sandbox.Limits.memory_mb, help="memory limit of a student's kernel (MiB)").tag(config=True)
    processes = Integer(sandbox.Limits.processes).tag(config=True)
    file_size_mb = Integer(sandbox.Limits.file_size_mb).tag(config=True)
    notebook_seconds = Integer(sandbox.Limits.notebook_seconds, help="time for a whole submission").tag(config=True)
    output_bytes_per_cell = Integer(sandbox.Limits.output_bytes_per_cell).tag(config=True)
    output_bytes_total = Integer(sandbox.Limits.output_bytes_total).tag(config=True)
    disk_mb = Integer(sandbox.Limits.disk_mb, help="size of the kernel's working folder (MiB)").tag(config=True)
    bundle = Dict(help="the judge bundle itself (instead of bundle_file)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    # --- kernel ---------------------------------------------------------------------------
    def limits(self):
        return sandbox.Limits(memory_mb=self.memory_mb, processes=self.processes, file_size_mb=self.file_size_mb,
                              cell_seconds=self.timeout or 120, notebook_seconds=self.notebook_seconds,
                              output_bytes_per_cell=self.output_bytes_per_cell,
                              output_bytes_total=self.output_bytes_total, disk_mb=self.disk_mb)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.workspace, km.limits = self._workspace, self.limits()
        km.transport, km.ip = "ipc", str(self._workspace.comm / "k")  # Unix sockets: the sandbox has no network
        km.connection_file = str(self._workspace.comm / "kernel.json")
        # Interrupt through the control channel: a signal to the sandbox would not reach the kernel's session.
        km.kernel_spec.interrupt_mode = "message"
        return km

    def _load_bundle(self):
        if not self.bundle:
            self.bundle = json.loads(pathlib.Path(self.bundle_file).read_text())
        return self.bundle

    @contextlib.contextmanager
    def session(self, nb, resources):
        """A running sandboxed kernel for ``nb`` (used by :meth:`preprocess` and the mutation tests)."""
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, None)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._load_bundle()
        self.problems, self.dead, self._output_total, self._flooded = [], "", 0, False
        with tempfile.TemporaryDirectory(prefix="groundup-submission-") as tmp:
            self._workspace = sandbox.Workspace.create(tmp, json.dumps(nb, default=str))
            self._address = str(self._workspace.comm / ".judge")
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(self._address)
            self._listener.listen(4)
            os.chmod(self._address, 0o777)  # the kernel's own uid must be able to connect
            self._started = time.monotonic()
            stop = threading.Event()
            watchdog = threading.Thread(target=self._watch_comm, args=(stop,), daemon=True)
            watchdog.start()
            try:
                with self.setup_kernel():
                    yield self
            except DeadKernelError:
                self._kernel_died("while starting")
            finally:
                stop.set()
                watchdog.join()
                self._listener.close()

    def _watch_comm(self, stop):
        """Stop a kernel that writes files into the folder it shares with the grader (only sockets belong there)."""
        limit = self.limits().comm_bytes
        while not stop.wait(0.25):
            if self._workspace.comm_size() > limit:
                self._flooded = True
                process = getattr(getattr(self.km, "provisioner", None), "process", None)
                if process is not None:
                    with contextlib.suppress(OSError):
                        process.kill()  # the sandbox's processes all die with it
                for entry in self._workspace.comm.iterdir():
                    if entry.is_file() and not entry.is_socket() and entry.name != "kernel.json":
                        entry.unlink(missing_ok=True)
                return

    def preprocess(self, nb, resources=None, km=None):
        kind, why = sandbox.isolation()
        if kind != "bubblewrap":
            self.log.warning("Grading WITHOUT isolation: %s. Student code can read and change this machine.", why)
        with self.session(nb, resources):
            for index, cell in enumerate(self.nb.cells):
                self.preprocess_cell(cell, self.resources, index)
        meta = self.nb.metadata.setdefault("groundup", {})
        meta["problems"] = list(dict.fromkeys(self.problems))
        meta["isolation"] = kind
        return self.nb, self.resources

    def _time_left(self):
        return self.notebook_seconds - (time.monotonic() - self._started)

    def _kernel_died(self, where):
        if not self.dead and self._flooded:
            self.dead = f"the notebook was stopped {where}: it wrote files into the grader's socket folder"
            self.problems.append(self.dead)
        if not self.dead:
            self.dead = f"the notebook's kernel stopped {where} (a crash, os._exit, or memory exhausted)"
            self.problems.append(self.dead)
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)

    # --- cells ----------------------------------------------------------------------------
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, self.resources
        cell.outputs = []
        if not self.dead and self._time_left() <= 0:
            self.dead = f"the submission ran out of time ({self.notebook_seconds} s for the whole notebook)"
            self.problems.append(self.dead)
            self._kernel_died("(out of time)")
        if self.dead:
            if _is_test(cell):
                cell.outputs = [_error("NotRun", f"this test could not run: {self.dead}")]
            return cell, self.resources
        if _is_test(cell):
            self.judge_cell(cell, index)
        else:
            self.run_cell(cell, index)
        return cell, self.resources

    def run_cell(self, cell, index):
        """Run an ordinary cell in the student's kernel."""
        self.timeout = min(self.limits().cell_seconds, max(1, int(self._time_left())))
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            self._kernel_died(f"in cell {index}")
        except CellTimeoutError:
            cell.outputs.append(_error("TimeoutError", "the cell ran over its time limit"))
        if any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
            self._check_responsive(index)

    def _check_responsive(self, index):
        """After a timeout: a kernel that ignores the interrupt is stopped, so the rest fails quickly."""
        saved, self.timeout = self.timeout, 15
        probe = NotebookNode(cell_type="code", source="pass", metadata={}, outputs=[], execution_count=None)
        try:
            self.execute_cell(probe, index, store_history=False)
            stuck = any(o.get("ename") == "CellTimeoutError" for o in probe.outputs)
        except (DeadKernelError, CellTimeoutError):
            stuck = True
        self.timeout = saved
        if stuck:
            self.dead = f"the notebook stopped responding in cell {index} (it ignored the time limit)"
            self.problems.append(self.dead)
            self._kernel_died(f"in cell {index}")

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        used = sum(_size(o) for o in outs)
        limits = self.limits()
        if used > limits.output_bytes_per_cell or self._output_total + _size(out) > limits.output_bytes_total:
            outs.pop()
            note = "[output truncated: this cell printed more than the grader keeps]\n"
            if not (outs and outs[-1].get("text") == note):
                outs.append(_stream(note))
                self.problems.append("some output was cut (too much printed)")
            return None
        self._output_total += _size(out)
        return out

    def judge_cell(self, cell, index):
        """Judge a test cell: its code runs here, against the student's kernel."""
        grade_id = cell.metadata.nbgrader["grade_id"]
        test = self.bundle["tests"].get(grade_id)
        if test is None:
            cell.outputs = [_error("UnknownTest", f"{grade_id} is not a test of this chapter")]
            return
        seconds = min(self.limits().cell_seconds, max(1, self._time_left()))
        msg_id = self.kc.execute(SERVE.format(address=self._address), silent=True, store_history=False)
        conn = self._accept(msg_id, time.monotonic() + seconds)
        if conn is None:
            cell.outputs = [_error("WorkerGone", "the notebook did not answer the grader (was the library "
                                   "groundup replaced or broken?)")] if not self.dead else \
                           [_error("NotRun", f"this test could not run: {self.dead}")]
            return
        channel = judge.Channel(conn, seconds)
        with conn:
            error, printed = judge.run_test(channel, test["source"], self.bundle["preamble"], test["names"],
                                            filename=f"<{grade_id}>")
            channel.bye()
        if error and error[0] == "TimeoutError":
            error = ("TimeoutError", f"the test ran over its time limit of {seconds:.0f} s ({error[1]})")
            with contextlib.suppress(Exception):
                run_sync(self.km.interrupt_kernel)()
        self._finish_serving(msg_id, index, interrupted=bool(error and error[0] == "TimeoutError"))
        outputs = []
        if printed:
            outputs.append(_stream(printed))
        if error:
            outputs.append(_error(*error))
        cell.outputs = outputs

    def _accept(self, msg_id, deadline):
        """The worker's connection, or None if the kernel finished (or died) without connecting."""
        self._listener.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                conn, _ = self._listener.accept()
                return conn
            except socket.timeout:
                pass
            if self._reply_arrived(msg_id, 0):
                return None
            if not run_sync(self.km.is_alive)():
                self._kernel_died("before a test")
                return None
        return None

    def _reply_arrived(self, msg_id, timeout):
        try:
            msg = run_sync(self.kc.shell_channel.get_msg)(timeout=timeout)
        except Exception:  # noqa: BLE001 -- queue.Empty: nothing yet
            return False
        return msg.get("parent_header", {}).get("msg_id") == msg_id

    def _finish_serving(self, msg_id, index, interrupted):
        """Wait until the worker has returned; stop a kernel that does not."""
        grace = time.monotonic() + (15 if interrupted else 30)
        while time.monotonic() < grace:
            if self._reply_arrived(msg_id, 0.5):
                return
            if not run_sync(self.km.is_alive)():
                self._kernel_died(f"while a test ran (cell {index})")
                return
        self.dead = f"the notebook stopped responding during a test (cell {index})"
        self.problems.append(self.dead)
        self._kernel_died(f"in cell {index}")
