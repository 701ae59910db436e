"""The judge and the worker, face to face over a socket pair (no kernel): what crosses, and what cannot."""

import socket
import threading

import numpy as np
import pytest
import torch

from autograder import judge
from groundup import wire, worker


@pytest.fixture
def remote():
    """A worker session over a socket pair, serving ``namespace``; yields (namespace, function to make stand-ins)."""
    namespace = {}
    ours, theirs = socket.socketpair()
    session = worker._Session(theirs, namespace)
    thread = threading.Thread(target=session.loop, daemon=True)
    thread.start()
    channel = judge.Channel(ours, 30)

    def stand_in(name):
        return judge.Remote(channel, {"name": name}, name)

    yield namespace, stand_in, channel
    channel.bye()
    thread.join(5)
    ours.close()
    theirs.close()


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 2**80, 1.5, float("inf"), complex(1, -2), "text ✓", b"\x00\x01",
    [1, [2.5, "x"]], (1, (2,)), {"a": 1, 2: [3]},
    np.arange(6, dtype=np.int32).reshape(2, 3), np.zeros((0, 4)), np.array(3.5), np.float32(1.25), np.int64(-3),
    np.array([True, False]), np.arange(10.0)[::3], np.array([1 + 2j]),
])
def test_plain_values_cross_unchanged(remote, value):
    namespace, stand_in, _ = remote
    namespace["echo"] = lambda x: x
    back = stand_in("echo")(value)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        assert type(back) is type(value) and back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value and type(back) is type(value)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.bool])
def test_tensors_cross_with_their_dtype_and_grad_flag(remote, dtype):
    namespace, stand_in, _ = remote
    namespace["double"] = lambda t: t * 2 if dtype != torch.bool else ~t
    x = torch.arange(6).reshape(2, 3).to(dtype)
    back = stand_in("double")(x)
    assert isinstance(back, torch.Tensor) and back.dtype == dtype and back.shape == (2, 3)
    assert torch.equal(back, x * 2 if dtype != torch.bool else ~x)
    namespace["leaf"] = lambda: torch.ones(2, requires_grad=True) * 3
    assert stand_in("leaf")().requires_grad


def test_in_place_changes_fail_unless_asked_for_and_generators_come_back(remote):
    """Changing an input in place fails the call (the judge's arrays never change, so its references
    cannot be steered); an argument marked in_place, and a random generator, come back changed."""
    namespace, stand_in, _ = remote

    def scale_in_place(x, t, g):
        x *= 2
        t.add_(1)
        return torch.rand(3, generator=g)

    namespace["scale_in_place"] = scale_in_place
    x, t, g = np.ones(3), torch.zeros(2), torch.Generator().manual_seed(5)
    with pytest.raises(AssertionError, match="changed one of its inputs in place"):
        stand_in("scale_in_place")(x, t, torch.Generator())
    assert x.tolist() == [1, 1, 1] and t.tolist() == [0, 0]
    drawn = stand_in("scale_in_place")(judge.in_place(x), judge.in_place(t), g)
    assert x.tolist() == [2, 2, 2] and t.tolist() == [1, 1]
    twin = torch.Generator().manual_seed(5)
    assert torch.equal(drawn, torch.rand(3, generator=twin))
    assert torch.equal(torch.rand(2, generator=g), torch.rand(2, generator=twin)), "the generator's state came back"


def test_one_array_sent_twice_arrives_as_one(remote):
    namespace, stand_in, _ = remote
    namespace["same"] = lambda a, b: a is b
    x = np.ones(2)
    assert stand_in("same")(x, x) is True and stand_in("same")(x, x.copy()) is False


def test_objects_stay_behind_handles(remote):
    namespace, stand_in, _ = remote

    class Counter:
        def __init__(self, start):
            self.count = start
            self.items = [1, 2, 3]

        def bump(self, by=1):
            self.count += by
            return self

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            return self.items[i] * 10

    namespace["Counter"] = Counter
    counter = stand_in("Counter")(5)
    assert isinstance(counter, judge.Remote) and repr(counter) == "<the student's Counter>"
    assert counter.bump(by=2) is not None and counter.count == 7
    counter.count = 1
    assert counter.count == 1 and namespace["Counter"] is Counter
    assert len(counter) == 3 and counter[2] == 30 and list(counter) == [10, 20, 30]
    with pytest.raises(AttributeError):
        counter.missing


def test_student_errors_keep_their_builtin_type(remote):
    namespace, stand_in, _ = remote

    def fails(kind):
        if kind == "key":
            raise KeyError("z")
        if kind == "custom":
            class Sneaky(Exception):
                pass
            raise Sneaky("mine")
        raise NotImplementedError()

    namespace["fails"] = fails
    with pytest.raises(KeyError):
        stand_in("fails")("key")
    with pytest.raises(NotImplementedError):
        stand_in("fails")("stub")
    with pytest.raises(judge.StudentError, match="Sneaky: mine"):
        stand_in("fails")("custom")
    with pytest.raises(NameError, match="not_defined"):
        stand_in("not_defined")(1)


def test_functions_are_called_back_and_judge_objects_never_sent(remote):
    """A loss function stays in the judge (the student's code calls it back); a judge-side model is refused."""
    namespace, stand_in, _ = remote
    namespace["numeric_slope"] = lambda f, x: (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
    secret = 3.0
    assert stand_in("numeric_slope")(lambda v: secret * v * v, 2.0) == pytest.approx(12.0, rel=1e-6)
    with pytest.raises(TypeError, match="cannot send a Linear"):
        stand_in("numeric_slope")(torch.nn.Linear(2, 2), 1.0)


def test_grad_mode_carries_over(remote):
    namespace, stand_in, _ = remote
    namespace["grad_on"] = torch.is_grad_enabled
    assert stand_in("grad_on")() is True
    with torch.no_grad():
        assert stand_in("grad_on")() is False


def test_numpy_error_state_carries_over(remote):
    """quietly() turns overflow into a failure: that must hold for the student's code, which runs elsewhere."""
    from autograder.hidden import quietly

    namespace, stand_in, _ = remote
    namespace["naive_sigmoid"] = lambda z: 1 / (1 + np.exp(-z))
    with pytest.warns(RuntimeWarning, match="overflow"):  # a warning only, as usual
        assert stand_in("naive_sigmoid")(np.array([-1000.0]))[0] == 0.0
    with pytest.raises(AssertionError, match="overflow"):
        quietly(stand_in("naive_sigmoid"), np.array([-1000.0]), case="a large negative score")


def test_malicious_answers_are_refused():
    """Pickles, object arrays and oversized messages are never read."""
    import io
    import pickle

    blob = io.BytesIO()
    np.save(blob, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.Decoder([blob.getvalue()], handle=None).decode({"a": 0})
    with pytest.raises(wire.WireError):
        wire.Decoder([pickle.dumps(object())], handle=None).decode({"a": 0})
    with pytest.raises(wire.WireError):
        wire.Decoder([], handle=None).decode({"pickle": "x"})
    ours, theirs = socket.socketpair()
    theirs.sendall(b"\x00\x00\x00\x10" + (2**40).to_bytes(8, "big"))
    with pytest.raises(wire.WireError, match="limits"):
        wire.receive(ours)


def test_a_silent_worker_times_out():
    ours, theirs = socket.socketpair()
    channel = judge.Channel(ours, 0.5)
    with pytest.raises(judge.WorkerTimeout):
        channel.call({"name": "f"}, (), {})
    with pytest.raises(judge.WorkerGone):  # the connection is not trusted after that
        channel.call({"name": "f"}, (), {})
    theirs.close()


def test_run_test_reports_a_verdict_not_a_traceback(remote):
    namespace, stand_in, channel = remote
    namespace["add"] = lambda a, b: a + b
    ok, printed = judge.run_test(channel, "print('hi')\nassert add(1, 2) == 3\n", "import numpy as np\n", ["add"])
    assert ok is None and printed == "hi\n"
    error, _ = judge.run_test(channel, "assert add(1, 2) == 4, 'add of 1 and 2'\n", "", ["add"])
    assert error == ("AssertionError", "add of 1 and 2")
