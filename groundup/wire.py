"""The plain-data format the grader and a student's notebook exchange while grading.

The grader's judge calls your functions in your notebook's kernel and gets their
results back through a socket. Only plain data crosses it: None, booleans,
numbers, strings, bytes, lists, tuples, dicts, NumPy arrays and scalars, PyTorch
tensors, dtypes and random generators' states. Arrays travel in NumPy's ``.npy``
format and are read back with ``allow_pickle=False``; nothing is ever unpickled.
Any other object stays where it was made and travels as a numbered handle.

A message is a JSON header and a list of binary blobs::

    !IQ  header length, number of blobs
    !Q   length of each blob
    header bytes, then each blob
"""

import io
import json
import struct

import numpy as np

MAX_HEADER = 16 << 20  # bytes of JSON in one message
MAX_BLOBS = 100_000
MAX_MESSAGE = 512 << 20  # bytes in one message, blobs included
MAX_DEPTH = 64
_NUMERIC_KINDS = "biufc"


class WireError(ValueError):
    """A message that breaks the format or its limits."""


def _torch():
    import sys

    return sys.modules.get("torch")  # only if the program already uses it: importing torch takes seconds


def _npy(array):
    out = io.BytesIO()
    np.save(out, array if array.flags.c_contiguous else np.ascontiguousarray(array), allow_pickle=False)
    return out.getvalue()


def _from_npy(blob):
    try:
        array = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as err:  # noqa: BLE001 -- any failure means a malformed array
        raise WireError(f"a malformed array ({type(err).__name__})") from None
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise WireError(f"arrays of dtype {array.dtype} are not accepted")
    return array


class Encoder:
    """Turns a value into (tree, blobs). ``unknown(obj)`` decides what to do with other objects."""

    def __init__(self, unknown):
        self.blobs = []
        self.unknown = unknown
        self._memo = {}  # id -> tree, so that one array sent twice arrives as one array
        self.sent = []  # every array, tensor and generator encoded, in the order the decoder meets them

    def blob(self, data):
        self.blobs.append(bytes(data))
        return len(self.blobs) - 1

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("a value nested too deeply")
        torch = _torch()
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and not isinstance(value, np.generic):
            return {"i": str(int(value))}
        if isinstance(value, float) and not isinstance(value, np.generic):
            return {"f": repr(float(value))}
        if isinstance(value, complex) and not isinstance(value, np.generic):
            return {"c": [repr(value.real), repr(value.imag)]}
        if isinstance(value, (bytes, bytearray)):
            return {"b": self.blob(value)}
        if isinstance(value, np.generic):
            if value.dtype.kind not in _NUMERIC_KINDS:
                raise WireError(f"NumPy scalars of dtype {value.dtype} cannot be sent")
            return {"n": self.blob(_npy(np.asarray(value)))}
        if isinstance(value, np.ndarray) or (torch is not None and isinstance(value, (torch.Tensor, torch.Generator))):
            key = id(value)
            if key in self._memo:
                return self._memo[key]
            tree = self._encode_array(value, torch)
            self._memo[key] = tree
            self.sent.append(value)  # also keeps it alive, so that its id stays unique
            return tree
        if torch is not None and isinstance(value, torch.dtype):
            return {"dt": str(value).removeprefix("torch.")}
        if torch is not None and isinstance(value, torch.device):
            return {"dev": str(value)}
        if isinstance(value, np.dtype):
            return {"ndt": value.str}
        if isinstance(value, slice):
            return {"sl": [self.encode(value.start, depth + 1), self.encode(value.stop, depth + 1),
                           self.encode(value.step, depth + 1)]}
        if value is Ellipsis:
            return {"el": 1}
        if isinstance(value, list):
            return {"l": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, tuple):  # named tuples and torch.Size arrive as plain tuples
            return {"t": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict) and type(value).__module__ in ("builtins", "collections"):
            return {"d": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        return self.unknown(value, self, depth)

    def _encode_array(self, value, torch):
        if torch is not None and isinstance(value, torch.Generator):
            return {"G": self.blob(_npy(value.get_state().numpy()))}
        if torch is not None and isinstance(value, torch.Tensor):
            data = value.detach().cpu()
            dtype = str(data.dtype).removeprefix("torch.")
            if data.dtype == torch.bfloat16:
                data = data.float()
            return {"T": self.blob(_npy(data.resolve_conj().resolve_neg().numpy())), "dt": dtype,
                    "rg": bool(value.requires_grad)}
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise WireError(f"arrays of dtype {value.dtype} cannot be sent")
        return {"a": self.blob(_npy(value))}


class Decoder:
    """Turns (tree, blobs) back into a value. ``handle(tree)`` and ``callback(tree)`` make the stand-ins."""

    def __init__(self, blobs, handle, callback=None):
        self.blobs = blobs
        self.handle = handle
        self.callback = callback
        self.arrays = []  # every array, tensor and generator decoded, in order (each once)
        self._seen = {}  # blob index -> object: an array sent twice arrives as one object

    def _blob(self, index):
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise WireError("a reference to a missing blob")
        return self.blobs[index]

    def decode(self, tree, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("a value nested too deeply")
        if tree is None or isinstance(tree, (bool, str)):
            return tree
        if not isinstance(tree, dict) or len(tree) < 1:
            raise WireError(f"an unknown value of type {type(tree).__name__}")
        kind = next(iter(tree))
        if kind == "i":
            text = tree["i"]
            if not isinstance(text, str) or len(text) > 4300:
                raise WireError("a malformed integer")
            return int(text)
        if kind == "f":
            return float(tree["f"])
        if kind == "c":
            return complex(float(tree["c"][0]), float(tree["c"][1]))
        if kind == "b":
            return bytes(self._blob(tree["b"]))
        if kind in ("a", "T", "G"):
            index = tree[kind]
            if index not in self._seen:
                self._seen[index] = self._array(kind, tree)
                self.arrays.append(self._seen[index])
            return self._seen[index]
        if kind == "n":
            array = _from_npy(self._blob(tree["n"]))
            if array.shape != ():
                raise WireError("a NumPy scalar with a shape")
            return array[()]
        if kind == "dt":
            import torch

            dtype = getattr(torch, str(tree["dt"]), None)
            if not isinstance(dtype, torch.dtype):
                raise WireError(f"an unknown dtype {tree['dt']!r}")
            return dtype
        if kind == "ndt":
            dtype = np.dtype(str(tree["ndt"]))
            if dtype.kind not in _NUMERIC_KINDS:
                raise WireError(f"an unsupported dtype {dtype}")
            return dtype
        if kind == "dev":
            import torch

            return torch.device(str(tree["dev"]))
        if kind == "sl":
            return slice(*(self.decode(v, depth + 1) for v in tree["sl"][:3]))
        if kind == "el":
            return Ellipsis
        if kind == "l":
            return [self.decode(v, depth + 1) for v in tree["l"]]
        if kind == "t":
            return tuple(self.decode(v, depth + 1) for v in tree["t"])
        if kind == "d":
            out = {}
            for pair in tree["d"]:
                key = self.decode(pair[0], depth + 1)
                if not isinstance(key, (str, int, float, bool, tuple)) and key is not None:
                    raise WireError("a dict key that is not a plain value")
                out[key] = self.decode(pair[1], depth + 1)
            return out
        if kind == "h":
            return self.handle(tree)
        if kind == "cb" and self.callback is not None:
            return self.callback(tree)
        raise WireError(f"an unknown kind of value {kind!r}")

    def _array(self, kind, tree):
        if kind == "a":
            return _from_npy(self._blob(tree["a"]))
        import torch

        if kind == "G":
            state = _from_npy(self._blob(tree["G"]))
            generator = torch.Generator()
            try:
                generator.set_state(torch.from_numpy(np.ascontiguousarray(state, dtype=np.uint8)))
            except Exception:  # noqa: BLE001 -- any failure means a malformed state
                raise WireError("a malformed random generator state") from None
            return generator
        array = _from_npy(self._blob(tree["T"]))
        dtype = getattr(torch, str(tree.get("dt")), None)
        if not isinstance(dtype, torch.dtype):
            raise WireError(f"an unknown tensor dtype {tree.get('dt')!r}")
        tensor = torch.from_numpy(np.array(array, copy=True)).to(dtype)
        if tree.get("rg") and (tensor.is_floating_point() or tensor.is_complex()):
            tensor.requires_grad_(True)
        return tensor


def pack(header, blobs):
    """The bytes of one message."""
    body = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    if len(body) > MAX_HEADER or len(blobs) > MAX_BLOBS:
        raise WireError("a message over the size limits")
    parts = [struct.pack("!IQ", len(body), len(blobs))]
    parts += [struct.pack("!Q", len(b)) for b in blobs]
    total = len(body) + sum(len(b) for b in blobs)
    if total > MAX_MESSAGE:
        raise WireError(f"a message of {total / 2**20:.0f} MiB, over the limit of {MAX_MESSAGE >> 20} MiB")
    return b"".join(parts + [body, *blobs])


def _read_exactly(sock, n):
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send(sock, header, blobs=()):
    sock.sendall(pack(header, list(blobs)))


def receive(sock):
    """(header, blobs) of the next message, refusing anything over the limits before reading it."""
    header_len, count = struct.unpack("!IQ", _read_exactly(sock, 12))
    if header_len > MAX_HEADER or count > MAX_BLOBS:
        raise WireError("a message over the size limits")
    sizes = struct.unpack(f"!{count}Q", _read_exactly(sock, 8 * count)) if count else ()
    if header_len + sum(sizes) > MAX_MESSAGE:
        raise WireError(f"a message of {(header_len + sum(sizes)) / 2**20:.0f} MiB, over the limit")
    try:
        header = json.loads(_read_exactly(sock, header_len))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise WireError("a malformed message header") from None
    if not isinstance(header, dict):
        raise WireError("a message header that is not an object")
    return header, [_read_exactly(sock, size) for size in sizes]

