"""autograd.compile's guards and threads: every number read while tracing is refused naming
the line (in any module, for any kind of callable), tracing changes nothing for other
threads, and one program serves several threads at once."""

from __future__ import annotations

import functools
import importlib.util
import math
import threading

import numpy as np
import pytest

import autograd
import nn
from autograd import Value
from autograd.compile import TraceError, validate

# -- every way of reading a number out of a Value is refused ----------------------------------

READS = [
    (lambda x: x * x.data, r"reading \.data"),
    (lambda x: x * 2 if x.data > 0 else x, r"reading \.data"),
    (lambda x: x * float(x), r"float\(\)"),
    (lambda x: x * int(x), r"int\(\)"),
    (lambda x: x * round(x), r"round\(\)"),
    (lambda x: x * math.exp(x), r"float\(\)"),
    (lambda x: x if x else -x, r"bool\(\)"),
    (lambda x: x if x > 0 else -x, "comparison >"),
    (lambda x: x if x < 0 else -x, "comparison <"),
    (lambda x: x if x >= 0 else -x, "comparison >="),
    (lambda x: x if x <= 0 else -x, "comparison <="),
    (lambda x: x * len(repr(x)), r"repr\(\)"),
    (lambda x: x * len(str(x)), r"repr\(\)"),
    (lambda x: x * len(f"{x}"), r"format\(\)"),
    (lambda x: x * len(f"{x:.3f}"), r"format\(\)"),
    (lambda x: x * len(format(x, ".2f")), r"format\(\)"),
    (lambda x: x * autograd.grad(x * x, [x])[0], r"a gradient as a number"),
    (lambda x: x * autograd.grad(x * x * x, x)[0], r"a gradient as a number"),
]


@pytest.mark.parametrize("batch", [False, True])
@pytest.mark.parametrize(("fn", "words"), READS)
def test_every_number_read_while_tracing_is_refused_naming_the_line(fn, words, batch):
    with pytest.raises(TraceError, match=words) as info:
        autograd.compile(fn, 1.5, batch=batch)
    message = str(info.value)
    assert "test_compile_guards.py:" in message and "\n" not in message


def test_print_of_a_traced_value_is_refused(capsys):
    with pytest.raises(TraceError, match=r"format\(\)|repr\(\)"):
        autograd.compile(lambda x: print(x) or x * 2, 1.0)


def test_a_gradient_taken_as_a_number_inside_fn_is_refused_but_a_graph_of_it_compiles():
    w = Value(3.0)
    with pytest.raises(TraceError, match="a gradient as a number"):
        autograd.compile(lambda x: w * autograd.grad(w * w * x, [w])[0], 2.0)

    def penalty(x):  # d(w^2 x)/dw = 2 w x, kept as a graph: replayable
        (dw,) = autograd.grad(w * w * x, [w], create_graph=True)
        return dw * dw

    prog = autograd.compile(penalty, 2.0)
    assert prog(5.0) == pytest.approx((2 * 3.0 * 5.0) ** 2)
    prog.backward()
    assert w.grad == pytest.approx(2 * (2 * 3.0 * 5.0) * 2 * 5.0)


def test_a_backward_pass_inside_fn_is_refused():
    w = Value(2.0)

    def fn(x):
        out = w * x
        out.backward()  # w.grad would be read as a number next
        return out * w.grad

    with pytest.raises(TraceError, match="ran a backward pass"):
        autograd.compile(fn, 1.0)


class Scaled:
    """A callable object: compile traces objects with __call__ like functions."""

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return x * self.k if x.data > 0 else x


def read_in_a_partial(x, k):
    return x * k if x > 0 else x


@pytest.mark.parametrize(
    "fn", [Scaled(2.0), functools.partial(read_in_a_partial, k=2.0), Scaled(2.0).__call__]
)
def test_reads_are_refused_in_partials_callable_objects_and_methods(fn):
    with pytest.raises(TraceError, match=r"test_compile_guards\.py:\d+"):
        autograd.compile(fn, 1.0)


def test_a_read_inside_another_module_is_refused_naming_that_module(tmp_path):
    lib = tmp_path / "thirdparty_lib.py"
    lib.write_text("def clip(v):\n    return v if v.data < 1.0 else v * 0.0\n")
    spec = importlib.util.spec_from_file_location("thirdparty_lib", lib)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(TraceError, match=r"thirdparty_lib\.py:2 \(clip\)"):
        autograd.compile(lambda x: module.clip(x) * 2.0, 0.5)


def test_a_refused_trace_leaves_nothing_behind():
    with pytest.raises(TraceError):
        autograd.compile(lambda x: x * x.data, 1.0)
    v = Value(2.5)
    assert v.data == 2.5 and v > 2 and f"{v:.1f}" == "2.5" and repr(v).startswith("Value(")
    assert autograd.grad(v * v, [v]) == (5.0,)


# -- validate: checks a replay repeats ------------------------------------------------------


def _whole(ts):
    if not (ts == np.floor(ts)).all():
        bad = ts[np.argmax(ts != np.floor(ts))]
        raise ValueError(f"not whole: {float(bad)!r}")


def test_validate_runs_at_once_outside_a_trace_and_at_every_call_of_a_program():
    validate(Value(3.0), _whole)
    with pytest.raises(ValueError, match="not whole: 2.5"):
        validate([Value(1.0), Value(2.5)], _whole)

    def fn(x, t):
        validate(t, _whole)
        return x * t

    for batch, good, bad in ((True, ([1.0, 2.0], [3.0, 4.0]), ([1.0, 2.0], [3.0, 4.5])),
                             (False, (1.0, 3.0), (1.0, 4.5))):  # fmt: skip
        prog = autograd.compile(fn, 0.0, 0.5, batch=batch)  # the example itself is not checked
        prog(*good)
        with pytest.raises(ValueError, match="not whole: 4.5"):
            prog(*bad)
        assert prog(*bad, check=False) == (4.5 if not batch else (3.0 + 9.0) / 2)


# -- threads ----------------------------------------------------------------------------------


def test_tracing_in_one_thread_changes_nothing_for_values_in_another():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def other():
        inside.wait(5)
        v = Value(2.0)
        seen["values"] = (v.data, v > 1, bool(v), repr(v), f"{v:.1f}", autograd.grad(v * v, [v]))
        done.set()

    def fn(x):
        inside.set()
        done.wait(5)  # the other thread reads numbers while this one traces
        return x * 3.0

    t = threading.Thread(target=other)
    t.start()
    prog = autograd.compile(fn, 1.0)
    t.join()
    assert seen["values"] == (2.0, True, True, "Value(data=2.0, grad=0.0)", "2.0", (4.0,))
    assert prog(2.0) == 6.0
    assert "data" in Value.__dict__ and Value.__dict__["data"].fset is not None  # unpatched


def _threads(work, n=4):
    errors = []

    def run(k):
        try:
            work(k)
        except BaseException as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.parametrize("batch", [True, False])
def test_one_program_called_from_four_threads_gives_each_its_own_right_values(batch):
    model = nn.MLP(3, [8, 8, 2], seed=0)
    if batch:
        prog = autograd.compile(lambda x, t: nn.cross_entropy(model(x), t), [0.0] * 3, 0.0,
                                batch=True)  # fmt: skip
    else:
        prog = autograd.compile(lambda xs, ts: nn.cross_entropy([model(x) for x in xs], ts),
                                [[0.0] * 3] * 5, [0.0] * 5)  # fmt: skip
    rng = np.random.default_rng(0)
    cases = []
    for k in range(4):
        X, y = rng.normal(size=(5, 3)), (np.arange(5) + k) % 2
        cases.append((X, y, prog(X, y), prog.backward(accumulate=False)))

    def work(k):
        X, y, value, grads = cases[k]
        for _ in range(60):
            assert prog(X, y) == value
            assert np.array_equal(prog.backward(accumulate=False), grads)
            if batch:
                assert len(prog.values(model.parameters()[0])) == 5

    _threads(work)
