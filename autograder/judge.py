"""The judge: runs a chapter's tests in the grader's own process, against a student's notebook.

A test cell's whole code (visible checks and hidden tests) runs here, never in the
student's kernel. Each name the test takes from the notebook (``predict``,
``LayerNorm``...) is a :class:`Remote` stand-in: calling it, or an object it
returns, sends a request to :func:`groundup.worker.serve` in the student's kernel
and gets plain data back (:mod:`groundup.wire`). The comparison with the
references and the verdict happen here, so student code can change nothing but
the values its functions return.

What a test can do with a stand-in: call it; read and set attributes; ``len``,
indexing, iteration and truth. Results come back as copies: tensors, arrays and
numbers are data here, and every other object (a module, a tokenizer) stays in
the student's kernel behind a new stand-in. To change a student's module, call
its methods (``load_state_dict``); an in-place change to a copy changes nothing
there. ``torch.no_grad()`` and ``np.errstate(...)`` around a call carry over. Arguments must be data,
stand-ins, or plain functions, which the student's code may call back (a loss
to differentiate); a judge-side object such as a reference model cannot be sent,
so that no reference code ever reaches the student's process. PyTorch's and the
course library's own classes (``groundup.probes``) can be built in the student's
kernel with :func:`public`.
"""

import builtins
import contextlib
import io
import socket
import sys
import threading
import time
import types

import numpy

from groundup import checks, wire

_state = threading.local()


class InPlace:
    """Marks an argument that the student's code is meant to change in place: its changes come back."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def in_place(value):
    """``f(in_place(params))``: an argument whose in-place changes the student's function is asked to make."""
    return InPlace(value)


class StudentError(Exception):
    """An exception raised by the student's code whose type is not a built-in one."""


class WorkerTimeout(Exception):
    """The student's kernel did not answer before the test's deadline."""


class WorkerGone(Exception):
    """The student's kernel closed the connection or sent something unreadable."""


def _exception(err):
    name, message = str(err.get("type", "Exception"))[:100], str(err.get("msg", ""))[:2000]
    if name == "KeyboardInterrupt":
        return WorkerTimeout("the call was interrupted: it ran over the time limit")
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, (SystemExit, GeneratorExit)):
        try:
            return cls(message)
        except Exception:  # noqa: BLE001 -- a built-in with an unusual signature
            pass
    return StudentError(f"{name}: {message}")


def _grad_enabled():
    torch = sys.modules.get("torch")
    return True if torch is None else torch.is_grad_enabled()


class Channel:
    """One connection to the worker in a student's kernel, for one test cell."""

    def __init__(self, sock, seconds):
        self.sock = sock
        self.left = seconds  # how long the student's code may still take; the judge's own work is not counted
        self.callbacks = {}
        self.allowed = set()  # ids of arguments marked in_place
        self.broken = None  # why the connection can no longer be used
        self.calls = 0

    # --- encoding -------------------------------------------------------------------------
    def _unknown(self, value, encoder, depth):
        if isinstance(value, InPlace):
            self.allowed.add(id(value.value))
            return encoder.encode(value.value, depth)
        if isinstance(value, Remote):
            spec = object.__getattribute__(value, "_spec")
            if "h" in spec:
                return {"h": spec["h"]}
            return encoder.encode(self._op("value", spec), depth)  # a name or public class: resolve it first
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.LambdaType)):
            number = len(self.callbacks) + 1
            self.callbacks[number] = value
            return {"cb": number}
        raise TypeError(f"the judge cannot send a {type(value).__name__} to the student's kernel: "
                        "only data, stand-ins of the student's objects, and functions")

    def _decoder(self, blobs):
        return wire.Decoder(blobs, lambda tree: Remote(self, {"h": tree["h"]}, str(tree.get("ty", "object"))[:80]))

    # --- transport ------------------------------------------------------------------------
    def _receive(self):
        if self.left <= 0:
            raise WorkerTimeout("the call ran over the time limit")
        self.sock.settimeout(self.left)
        start = time.monotonic()
        try:
            return wire.receive(self.sock)
        except socket.timeout:
            raise WorkerTimeout("the call ran over the time limit") from None
        finally:
            self.left -= time.monotonic() - start

    def request(self, header, blobs=()):
        if self.broken:
            raise WorkerGone(self.broken)
        self.calls += 1
        try:
            wire.send(self.sock, header, blobs)
            while True:
                reply, reply_blobs = self._receive()
                if reply.get("op") != "callback":
                    return reply, reply_blobs
                self._answer_callback(reply, reply_blobs)
        except WorkerTimeout as err:
            self.broken = str(err)
            raise
        except (wire.WireError, ConnectionError, OSError, ValueError, KeyError, TypeError) as err:
            self.broken = f"the notebook's answer could not be read ({' '.join(str(err).split())[:200]})"
            raise WorkerGone(self.broken) from None

    def _answer_callback(self, reply, blobs):
        function = self.callbacks.get(reply.get("cb"))
        try:
            if function is None:
                raise LookupError("no such function")
            decoder = self._decoder(blobs)
            args = decoder.decode(reply.get("args", {"l": []}))
            kwargs = decoder.decode(reply.get("kwargs", {"d": []}))
            if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
                raise TypeError("malformed arguments")
            encoder = wire.Encoder(self._unknown)
            header = {"ok": encoder.encode(function(*args, **kwargs))}
            blobs_out = encoder.blobs
        except WorkerTimeout:
            raise
        except Exception as err:  # noqa: BLE001 -- the function's error goes back to the student's code
            header, blobs_out = {"err": {"type": type(err).__name__, "msg": " ".join(str(err).split())[:500]}}, []
        wire.send(self.sock, header, blobs_out)

    # --- operations -----------------------------------------------------------------------
    def _result(self, reply, blobs):
        if "err" in reply:
            raise _exception(reply["err"] if isinstance(reply["err"], dict) else {})
        try:
            result = self._decoder(blobs).decode(reply["ok"])
            return result["value"], result.get("changed", [])
        except (wire.WireError, KeyError, TypeError, ValueError, IndexError) as err:
            self.broken = f"the notebook's answer could not be read ({' '.join(str(err).split())[:200]})"
            raise WorkerGone(self.broken) from None

    def _op(self, op, spec, **fields):
        encoder = wire.Encoder(self._unknown)
        header = {"op": op, "target": spec}
        for key, value in fields.items():
            header[key] = value if key == "attr" else encoder.encode(value)
        value, _ = self._result(*self.request(header, encoder.blobs))
        return value

    def call(self, spec, args, kwargs):
        encoder = wire.Encoder(self._unknown)
        header = {"op": "call", "target": spec, "args": encoder.encode(list(args)),
                  "kwargs": encoder.encode(dict(kwargs)), "grad": _grad_enabled(),
                  "numpy_errors": numpy.geterr()}  # so that np.errstate around a call (quietly) holds there too
        value, changed = self._result(*self.request(header, encoder.blobs))
        torch = sys.modules.get("torch")
        for index, new in changed:
            original = encoder.sent[index]
            if id(original) in self.allowed or (torch is not None and isinstance(original, torch.Generator)):
                _write_back(original, new)  # meant to change (a random generator advances as it draws)
            else:
                # The judge's own arrays never change: a test's reference, computed from them after the
                # call, cannot be steered by a student's code that rewrites its inputs.
                shape = tuple(getattr(original, "shape", ()))
                raise AssertionError(f"the function changed one of its inputs in place (an array of shape {shape}); "
                                     "it must leave its arguments unchanged")
        return value

    def bye(self):
        with contextlib.suppress(OSError, wire.WireError):
            if not self.broken:
                wire.send(self.sock, {"op": "bye"})


def _write_back(original, new):
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(original, torch.Generator) and isinstance(new, torch.Generator):
        original.set_state(new.get_state())
    elif torch is not None and isinstance(original, torch.Tensor) and isinstance(new, torch.Tensor):
        if original.shape == new.shape:
            with torch.no_grad():
                original.copy_(new.to(original.dtype))
    elif hasattr(original, "shape") and getattr(new, "shape", None) == original.shape and original.flags.writeable:
        original[...] = new


class Remote:
    """A stand-in for a name or an object that lives in the student's kernel."""

    __slots__ = ("_channel", "_spec", "_type")

    def __init__(self, channel, spec, type_name):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_type", type_name)

    def __call__(self, *args, **kwargs):
        return self._channel.call(self._spec, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # NumPy and PyTorch probe for protocols such as __array__
        return self._channel._op("getattr", self._spec, attr=name)

    def __setattr__(self, name, value):
        self._channel._op("setattr", self._spec, attr=name, value=value)

    def __len__(self):
        return self._channel._op("len", self._spec)

    def __getitem__(self, key):
        return self._channel._op("getitem", self._spec, key=key)

    def __iter__(self):
        return iter(self._channel._op("list", self._spec))

    def __bool__(self):
        return self._channel._op("bool", self._spec)

    def __repr__(self):
        return f"<the student's {self._type}>"


def public(dotted_name):
    """A stand-in for a public class or function (``torch.nn.LayerNorm``, ``groundup.probes...``) in the student's kernel."""
    channel = getattr(_state, "channel", None)
    if channel is None:
        raise RuntimeError("public() works only inside a test run by the judge")
    return Remote(channel, {"public": dotted_name}, dotted_name)


def run_test(channel, source, preamble, remote_names, filename="<test>", max_output=100_000):
    """Run one test cell's code against the worker behind ``channel``.

    Returns (error, printed): ``error`` is None when the test passed, else
    (exception type name, one-line message); ``printed`` is what the test printed.
    """
    namespace = {"__name__": "__judge__", "__builtins__": builtins}
    printed = io.StringIO()
    _state.channel = channel
    token = None
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            exec(preamble, namespace)  # noqa: S102 -- the chapter's own imports
            checks.start_count()  # "N checks passed" counts this test's checks only
            if "torch" in sys.modules:  # probes built by the test are built in the student's kernel
                from groundup import probes

                # Tests compute on tiny tensors, where a second thread costs more than it gives
                # (15-40 ms a call on a busy 2-core machine), and jobs already fill the cores.
                sys.modules["torch"].set_num_threads(1)

                token = probes.maker.set(lambda dotted, args, kwargs: public(dotted)(*args, **kwargs))
            for name in remote_names:
                namespace[name] = Remote(channel, {"name": name}, name)
            exec(compile(source, filename, "exec"), namespace)  # noqa: S102 -- the instructor's test
        error = None
    except WorkerTimeout as err:
        error = ("TimeoutError", str(err))
    except WorkerGone as err:
        error = ("WorkerGone", str(err))
    except Exception as err:  # noqa: BLE001 -- any failure of the test is its verdict
        error = (type(err).__name__ if not isinstance(err, StudentError) else "Error",
                 " ".join(str(err).split())[:2000])
    finally:
        _state.channel = None
        if token is not None:
            probes.maker.reset(token)
    text = printed.getvalue()
    if len(text) > max_output:
        text = text[:max_output] + f"\n[... {len(text) - max_output} more characters not shown]\n"
    return error, text
