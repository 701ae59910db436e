"""The grader's door into your notebook while it is graded.

When the autograder reaches a test cell, it does not run the test in your
kernel. It runs ``serve(address)`` here instead, and its judge, in a separate
process that your code cannot reach, asks for calls of your functions and
classes through that socket: "call predict with these arrays", "build a
LayerNorm(8)", "call that object's forward with this tensor". Each answer is
plain data (see :mod:`groundup.wire`); any other object stays here and the judge
gets a numbered handle to it. The judge compares what comes back with its
references itself, so nothing done in this process can change a verdict except
the values your functions return.

A request may carry a judge-side function as an argument (a loss to
differentiate, say): calling it here sends the arguments to the judge, which
runs it and sends the value back.
"""

import builtins
import contextlib
import importlib
import random
import socket
import sys
import types

import numpy as np

from groundup import wire

_MAX_ITEMS = 1_000_000  # longest iterator that is turned into a list


class _Session:
    def __init__(self, sock, namespace):
        self.sock = sock
        self.namespace = namespace
        self.objects = {}  # handle -> object
        self.ids = {}  # id(object) -> handle, so that one object keeps one handle

    # --- values ---------------------------------------------------------------------------
    def _keep(self, obj):
        key = id(obj)
        if key not in self.ids:
            handle = len(self.objects) + 1
            self.objects[handle] = obj
            self.ids[key] = handle
        return self.ids[key]

    def _unknown(self, value, encoder, depth):
        """Generators and views travel as lists; everything else stays here behind a handle."""
        if isinstance(value, (types.GeneratorType, map, filter, zip, range, enumerate, set, frozenset,
                              type({}.keys()), type({}.values()), type({}.items()))):
            items = []
            for item in value:
                items.append(item)
                if len(items) > _MAX_ITEMS:
                    raise wire.WireError("an iterator with too many items")
            return encoder.encode(items, depth)
        return {"h": self._keep(value), "ty": type(value).__name__}

    def encode(self, value):
        encoder = wire.Encoder(self._unknown)
        return encoder.encode(value), encoder.blobs

    def _handle(self, tree):
        handle = tree.get("h")
        if handle not in self.objects:
            raise wire.WireError(f"no object with handle {handle!r}")
        return self.objects[handle]

    def _callback(self, tree):
        number = tree["cb"]

        def call_the_judge(*args, **kwargs):
            encoder = wire.Encoder(self._unknown)
            header = {"op": "callback", "cb": number, "args": encoder.encode(list(args)),
                      "kwargs": encoder.encode(kwargs)}
            wire.send(self.sock, header, encoder.blobs)
            reply, blobs = wire.receive(self.sock)
            if "err" in reply:
                raise _exception(reply["err"])
            return wire.Decoder(blobs, self._handle).decode(reply.get("ok"))

        return call_the_judge

    # --- requests -------------------------------------------------------------------------
    def _target(self, spec):
        if "name" in spec:
            try:
                return self.namespace[spec["name"]]
            except KeyError:
                raise NameError(f"name '{spec['name']}' is not defined") from None
        if "public" in spec:
            module, _, attr = spec["public"].rpartition(".")
            return getattr(importlib.import_module(module), attr)
        return self._handle(spec)

    def handle(self, request, blobs):
        decoder = wire.Decoder(blobs, self._handle, self._callback)
        op = request.get("op")
        target = self._target(request.get("target", {}))
        if op == "call":
            args = decoder.decode(request.get("args", {"l": []}))
            kwargs = decoder.decode(request.get("kwargs", {"d": []}))
            sent = list(decoder.arrays)  # what the judge sent, to send back if the call changed it
            before = [_fingerprint(x) for x in sent]
            errors = {k: v for k, v in dict(request.get("numpy_errors") or {}).items()
                      if k in ("divide", "over", "under", "invalid") and v in ("ignore", "warn", "raise", "print")}
            with _grad_mode(request.get("grad", True)), np.errstate(**errors):
                value = target(*args, **kwargs)
            changed = [[i, x] for i, (x, b) in enumerate(zip(sent, before)) if _fingerprint(x) != b]
            return {"value": value, "changed": changed}
        if op == "getattr":
            return {"value": getattr(target, request["attr"])}
        if op == "setattr":
            setattr(target, request["attr"], decoder.decode(request["value"]))
            return {"value": None}
        if op == "len":
            return {"value": len(target)}
        if op == "bool":
            return {"value": bool(target)}
        if op == "getitem":
            return {"value": target[decoder.decode(request["key"])]}
        if op == "list":
            return {"value": list(target)}
        if op == "value":
            return {"value": target}
        raise wire.WireError(f"unknown request {op!r}")

    def loop(self):
        # The same seeds before every test: grading the same notebook twice gives the same verdicts.
        random.seed(0)
        np.random.seed(0)
        if "torch" in sys.modules:
            sys.modules["torch"].manual_seed(0)
        while True:
            try:
                request, blobs = wire.receive(self.sock)
            except (ConnectionError, OSError):
                return
            if request.get("op") == "bye":
                return
            try:
                result = self.handle(request, blobs)
                tree, out = self.encode(result)
                header = {"ok": tree}
            except KeyboardInterrupt:
                header, out = {"err": {"type": "KeyboardInterrupt", "msg": "interrupted (over the time limit)"}}, []
            except BaseException as err:  # noqa: BLE001 -- the student's error goes back to the judge
                header, out = {"err": {"type": type(err).__name__, "msg": _one_line(err)}}, []
            try:
                wire.send(self.sock, header, out)
            except wire.WireError as err:
                wire.send(self.sock, {"err": {"type": "WireError", "msg": str(err)}})
            except OSError:
                return


def _fingerprint(x):
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Generator):
        return bytes(x.get_state().numpy())
    if torch is not None and isinstance(x, torch.Tensor):
        data = x.detach().cpu()
        data = data.float() if data.dtype == torch.bfloat16 else data
        return (tuple(data.shape), str(x.dtype), data.resolve_conj().resolve_neg().numpy().tobytes())
    return (x.shape, x.dtype.str, x.tobytes())


def _one_line(err):
    return " ".join(str(err).split())[:2000]


class _RemoteError(Exception):
    pass


def _exception(err):
    """An exception of the judge's type (when it is a built-in one) with its message."""
    cls = getattr(builtins, str(err.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = _RemoteError
    return cls(err.get("msg", ""))


@contextlib.contextmanager
def _grad_mode(enabled):
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    with torch.set_grad_enabled(bool(enabled)):
        yield


def serve(address):
    """Answer the judge's requests on the Unix socket at ``address`` until it says goodbye."""
    try:
        namespace = get_ipython().user_ns  # noqa: F821 -- defined inside IPython
    except NameError:
        namespace = sys.modules["__main__"].__dict__
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(address)
    try:
        _Session(sock, namespace).loop()
    finally:
        sock.close()
