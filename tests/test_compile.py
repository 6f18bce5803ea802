"""autograd.compile: the replayed program against the scalar engine it was traced from.

Tolerance: kernels may differ from ``math`` by an ulp and gradients are summed in another order
than the scalar backward, so replayed numbers agree within 1e-12 relative; where an expression
cancels (a - b with a ~ b), relative to the largest magnitude that flowed through the graph.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import autograd.value
from autograd import OPS, Value
from autograd.compile import BatchProgram, Program, ProgramCache, TraceError
from autograd.strategies import arity, expressions, inputs

REL = 1e-12

# -- helpers --------------------------------------------------------------------------------


def close(a: float, b: float, scale: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=REL * scale) or (math.isnan(a) and math.isnan(b))


def as_values(x):
    """The argument fn receives for example ``x``: a Value, or nested lists of Values."""
    a = np.asarray(x, dtype=float)
    if a.shape == ():
        return Value(float(a))
    return np.array([Value(v) for v in a.ravel().tolist()], dtype=object).reshape(a.shape).tolist()


def scalar_run(fn, inputs, params):
    """Value, grads of ``params`` and magnitude scales from the scalar engine (or its error)."""
    for p in params:
        p.grad = 0.0
    out = fn(*[as_values(x) for x in inputs])
    scale_v = max([abs(out.data)] + [abs(n.data) for n in autograd.toposort(out)])
    scale_g = 1.0
    for step in autograd.backward_steps(out):
        for _, d, c in step.parents:
            scale_g = max(scale_g, abs(c), abs(d))
    return out.data, [p.grad for p in params], scale_v, scale_g * max(1.0, scale_v)


def compiled_run(prog: Program, inputs, params):
    for p in params:
        p.grad = 0.0
    value = prog(*inputs)
    prog.backward()
    return value, [p.grad for p in params]


def assert_replay_matches(fn, trace_inputs, inputs, params):
    """Trace at ``trace_inputs``, replay at ``inputs``; equal to the scalar engine at ``inputs``."""
    prog = autograd.compile(fn, *trace_inputs)
    try:
        ref = scalar_run(fn, inputs, params)
    except (ArithmeticError, ValueError) as err:
        with pytest.raises(type(err)) as info:
            prog(*inputs)
        assert str(info.value).split("(")[0] in OPS, str(info.value)
        return
    value, grads = compiled_run(prog, inputs, params)
    ref_value, ref_grads, scale_v, scale_g = ref
    assert close(value, ref_value, scale_v), (value, ref_value)
    for g, r in zip(grads, ref_grads):
        assert close(g, r, scale_g), (g, r, grads, ref_grads)


# -- the kernel table -----------------------------------------------------------------------


def test_every_op_has_a_kernel():
    assert all(callable(op.kernel) for op in OPS.values())


# Every row's kernel (and its partials on arrays) against its float rules, edges included
# (±0, subnormals, huge values, ±inf, NaN at kinks), is part of autograd.testing.check_op,
# run on every registered op in tests/test_ops_gradients.py. Kept here: one wide node whose
# float sum depends on the order of additions.


def test_kernel_of_a_wide_sum_adds_left_to_right_like_the_scalar_rule():
    col = (1e16, 1.0, -1e16, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    got = OPS["sum"].kernel(np.array([col], dtype=float).T.copy(), None)
    assert got.tolist() == [OPS["sum"].forward(col, None)] == [7.0]


# -- domain errors: the replay raises where building the scalar graph raises ----------------

# (fn, a good input to trace at, a bad input to replay at)
DOMAIN_CASES = [
    (lambda x: x.log(), 1.0, -1.0),
    (lambda x: x.log(), 1.0, 0.0),
    (lambda x: x.log(), 1.0, 5e-324),  # the derivative 1/x overflows
    (lambda x: x.sqrt(), 1.0, 0.0),
    (lambda x: x.sqrt(), 1.0, -4.0),
    (lambda x: x.exp(), 1.0, 710.0),
    (lambda x: 1.0 / x, 2.0, 0.0),
    (lambda x: x**-2, 2.0, 0.0),
    (lambda x: x**-2, 2.0, 1e-110),  # the derivative overflows, the value does not
    (lambda x: x**0.5, 2.0, 0.0),
    (lambda x: x**1.5, 2.0, -1.0),
    (lambda x: x**3, 2.0, 1e150),
    (lambda x: x ** (x * 0.5), 2.0, -2.0),
    (lambda x: 10.0**x, 2.0, 400.0),
]


@pytest.mark.parametrize("fn", [lambda x: x.log(), lambda x: x.relu(), lambda x: x.sqrt() * 2])
def test_nan_propagates_in_both_engines_like_torch(fn):
    assert math.isnan(fn(Value(math.nan)).data)
    prog = autograd.compile(lambda xs: autograd.sum([fn(x) for x in xs]), [1.0, 1.0])
    assert math.isnan(prog([1.0, math.nan]))


def test_power_zero_replays_at_zero_like_the_scalar_engine():
    x = Value(0.0)
    prog = autograd.compile(lambda xs: autograd.sum([v**0 * v for v in xs]), [1.0, 2.0])
    assert prog([0.0, 3.0]) == 3.0
    (expected,) = autograd.grad(x**0 * x, [x])
    assert expected == 1.0


@pytest.mark.parametrize(("fn", "good", "bad"), DOMAIN_CASES)
def test_replay_raises_the_scalar_engines_error_naming_the_op(fn, good, bad):
    with pytest.raises((ArithmeticError, ValueError)) as scalar:
        fn(Value(bad))
    prog = autograd.compile(lambda xs: autograd.sum([fn(x) for x in xs]), [good, good, good])
    assert math.isfinite(prog([good, good, good]))
    with pytest.raises(type(scalar.value)) as replay:
        prog([good, bad, good])  # one bad element among good ones is found
    message = str(replay.value)
    assert message.split("(")[0] in OPS and "\n" not in message, message
    with pytest.raises(RuntimeError, match="before backward"):
        prog.backward()  # the failed call left nothing to differentiate


# -- expressions over every op, replayed at new inputs and parameters -----------------------


# Random expressions over every registered op, drawn from the rows (autograd.strategies): the
# vector input gives three of an expression's inputs, a parameter the fourth.


@settings(max_examples=60)
@given(
    expressions(4, max_steps=6, ops=sorted(OPS)),
    inputs(3, -2.0, 2.0),
    inputs(3, -2.0, 2.0),
    st.floats(-2.0, 2.0, allow_nan=False),
    st.floats(-2.0, 2.0, allow_nan=False),
)
def test_replay_matches_scalar_engine_on_random_expressions(f, trace_xs, xs, trace_p, p):
    param = Value(trace_p)

    def fn(xv):
        return f(*xv, param)

    prog = autograd.compile(fn, trace_xs)
    param.data = p  # new inputs and a new parameter value: branches of piecewise ops may flip
    try:
        ref = scalar_run(fn, [xs], [param])
    except (ArithmeticError, ValueError) as err:  # e.g. overflowing in both engines
        with pytest.raises(type(err)):
            prog(xs)
        return
    value, grads = compiled_run(prog, [xs], [param])
    ref_value, ref_grads, scale_v, scale_g = ref
    assert close(value, ref_value, scale_v), (value, ref_value)
    assert close(grads[0], ref_grads[0], scale_g), (grads, ref_grads)


def every_op_expression(x, ps):
    """One expression whose graph holds every op in the table: each row applied to inputs
    moved inside its bounds (lo + (hi - lo) * sigmoid(...)), its first test constant as arg."""
    terms = []
    for name, op in OPS.items():
        lo, hi = op.bounds
        ins = [lo + (hi - lo) * (x[i % 3] * ps[i % 3]).sigmoid() for i in range(arity(op))]
        arg = op.test_args()[0]
        terms.append(autograd.apply(name, *ins, arg=arg))
    return autograd.sum(terms)


def test_expression_with_every_op_matches_scalar_engine():
    params = [Value(0.3), Value(-1.2), Value(0.8)]
    ops = {n.op for n in autograd.toposort(every_op_expression([Value(1.0)] * 3, params))}
    assert ops == set(OPS)
    rng = random.Random(0)
    for _ in range(20):
        xs = [rng.uniform(-2, 2) for _ in range(3)]
        for p in params:
            p.data = rng.uniform(-2, 2)
        assert_replay_matches(
            lambda x: every_op_expression(x, params), [[0.5, -0.5, 1.5]], [xs], params
        )


# -- an MLP loss (micrograd's moons demo shape) ---------------------------------------------


def make_mlp(sizes, rng):
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        layers.append(
            [([Value(rng.uniform(-1, 1)) for _ in range(nin)], Value(0.0)) for _ in range(nout)]
        )
    return layers


def mlp_loss(layers, X, y, alpha=1e-4):
    params = [p for layer in layers for w, b in layer for p in w + [b]]
    scores = []
    for row in X:
        h = row
        for i, layer in enumerate(layers):
            h = [autograd.affine(b, w, h) for w, b in layer]
            if i < len(layers) - 1:
                h = [v.relu() for v in h]
        scores.append(h[0])
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    return autograd.sum(losses) * (1.0 / len(losses)) + alpha * autograd.sum(
        [p * p for p in params]
    )


@settings(max_examples=15)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_mlp_training_matches_scalar_engine(seed, n):
    rng = random.Random(seed)
    layers = make_mlp([2, 5, 4, 1], rng)
    params = [p for layer in layers for w, b in layer for p in w + [b]]
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    y = [rng.choice([-1.0, 1.0]) for _ in range(n)]
    prog = autograd.compile(lambda xv, yv: mlp_loss(layers, xv, yv), X, y)
    for step in range(3):  # SGD steps: the program reads the parameters' new data
        Xb = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
        yb = [rng.choice([-1.0, 1.0]) for _ in range(n)]
        ref, ref_grads, _, scale_g = scalar_run(
            lambda xv, yv: mlp_loss(layers, xv, yv), [Xb, yb], params
        )
        value, grads = compiled_run(prog, [np.array(Xb), yb], params)
        assert close(value, ref), (step, value, ref)
        for g, r in zip(grads, ref_grads):
            assert close(g, r, scale_g), (step, g, r)
        for p, g in zip(params, grads):
            p.data -= 0.5 * g


def test_moons_sized_mlp_loss_and_grads_match_scalar_engine():
    rng = random.Random(1337)
    layers = make_mlp([2, 16, 16, 1], rng)
    params = [p for layer in layers for w, b in layer for p in w + [b]]
    X = [[rng.gauss(0, 1), rng.gauss(0, 1)] for _ in range(100)]
    y = [1.0 if a * b > 0 else -1.0 for a, b in X]
    prog = autograd.compile(lambda xv, yv: mlp_loss(layers, xv, yv), X, y)
    for k in range(3):
        ref, ref_grads, _, scale_g = scalar_run(
            lambda xv, yv: mlp_loss(layers, xv, yv), [X, y], params
        )
        value, grads = compiled_run(prog, [X, y], params)
        # affine, relu, mul, add and sum replay the scalar floats exactly: the loss is identical
        assert value == ref
        assert all(close(g, r, scale_g) for g, r in zip(grads, ref_grads))
        for p in params:
            p.data -= (1.0 - 0.9 * k / 100) * p.grad


# -- the contract ---------------------------------------------------------------------------


def test_fn_receives_values_shaped_like_the_examples():
    seen = {}

    def fn(a, b, c, d):
        seen.update(a=a, b=b, c=c, d=d)
        return a + b[1] + c[1][0] + d[0][2]

    prog = autograd.compile(fn, 1.0, [2.0, 3.0], [[1, 2], [3, 4]], np.arange(6.0).reshape(2, 3))
    assert isinstance(seen["a"], Value)
    assert [v.data for v in seen["b"]] == [2.0, 3.0]
    assert [[v.data for v in row] for row in seen["c"]] == [[1.0, 2.0], [3.0, 4.0]]
    assert [[v.data for v in row] for row in seen["d"]] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert prog.shapes == ((), (2,), (2, 2), (2, 3))
    assert prog(10.0, [0.0, 20.0], [[0, 0], [30, 0]], np.full((2, 3), 40.0)) == 100.0


def test_control_flow_on_a_comparison_is_refused_naming_the_line():
    def fn(x):
        return x * 2.0 if x > 0 else x * 3.0  # a Python branch on data

    with pytest.raises(TraceError, match=r"comparison > .*test_compile.py:\d+ \(fn\)") as info:
        autograd.compile(fn, 1.0)
    assert "\n" not in str(info.value)
    assert fn(Value(-1.0)).data == -3.0  # outside a trace comparisons work as before


def test_piecewise_ops_choose_their_branch_per_element_at_replay():
    w = Value(1.0)
    prog = autograd.compile(lambda xs: autograd.sum([(w * x).relu() for x in xs]), [1.0, 1.0, 1.0])
    assert prog([-2.0, 3.0, 0.0]) == 3.0
    prog.backward()
    assert w.grad == 3.0  # only x = 3 passes the relu (relu'(0) = 0)


def test_each_call_reads_the_parameters_current_data():
    w, b = Value(2.0), Value(1.0)
    prog = autograd.compile(lambda x: w * x + b, 3.0)
    assert prog(3.0) == 7.0
    w.data, b.data = -1.0, 0.5
    assert prog(3.0) == -2.5
    prog.backward()
    assert (w.grad, b.grad) == (3.0, 1.0)


def test_backward_adds_like_value_backward_including_a_second_call():
    def fn(x):
        return (w * x).tanh() * w + x * 0.0

    w = Value(0.7)
    out = fn(Value(1.3))
    out.backward()
    out.backward()
    expected = w.grad
    w.grad = 0.0
    prog = autograd.compile(fn, 0.0)
    prog(1.3)
    prog.backward()
    prog.backward()
    assert math.isclose(w.grad, expected, rel_tol=REL)


def test_gradients_flow_through_shared_and_repeated_parents():
    p, q = Value(1.5), Value(-2.0)
    fn = lambda x: autograd.sum([p, p, p * p, x * p, q * q * q, (p * q) * (p * q)])  # noqa: E731
    assert_replay_matches(fn, [0.0], [2.0], [p, q])


def test_backward_before_a_call_raises():
    prog = autograd.compile(lambda x: x * x, 1.0)
    with pytest.raises(RuntimeError, match="before backward"):
        prog.backward()


def test_output_that_is_a_parameter_or_an_input():
    w = Value(4.0)
    prog = autograd.compile(lambda x: w, 1.0)
    assert prog(2.0) == 4.0
    prog.backward()
    assert w.grad == 1.0
    prog = autograd.compile(lambda x: x, 1.0)
    assert prog(2.0) == 2.0
    prog.backward()  # nothing to add: inputs get no gradient


def test_replay_builds_no_value(monkeypatch):
    w = Value(0.5)
    prog = autograd.compile(lambda xs: autograd.sum([(w * x).tanh() for x in xs]), [1.0] * 50)
    made = []
    real = autograd.value._new
    monkeypatch.setattr(autograd.value, "_new", lambda cls: made.append(1) or real(cls))
    prog([0.1] * 50)
    prog.backward()
    assert made == []
    (w * 2.0).tanh()  # the counter does count Values built by the engine
    assert made


def test_tracing_inside_no_grad_still_records_the_graph():
    w = Value(3.0)
    with autograd.no_grad():
        prog = autograd.compile(lambda x: w * x, 1.0)
    assert prog(2.0) == 6.0
    prog.backward()
    assert w.grad == 2.0


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((), TypeError, "takes 2 input"),
        (([1.0, 2.0],), TypeError, "takes 2 input"),
        (([1.0, 2.0], 3.0, 4.0), TypeError, "takes 2 input"),
        (([1.0, 2.0, 3.0], 1.0), ValueError, "shape (3,)"),
        (([[1.0, 2.0]], 1.0), ValueError, "shape (1, 2)"),
        (([1.0, 2.0], [1.0]), ValueError, "input 1 has shape"),
        ((["a", "b"], 1.0), TypeError, "must be numbers"),
        (([1.0, None], 1.0), TypeError, "must be numbers"),
        (([[1.0], [2.0, 3.0]], 1.0), ValueError, "ragged"),
        (([Value(1.0), Value(2.0)], 1.0), TypeError, "must be numbers"),
        ((Value(1.0), 1.0), TypeError, "is a Value"),
    ],
)
def test_bad_inputs_get_a_one_line_error(args, error, words):
    prog = autograd.compile(lambda xs, s: xs[0] * xs[1] + s, [1.0, 2.0], 3.0)
    with pytest.raises(error) as info:
        prog(*args)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert prog([1.0, 2.0], 3.0) == 5.0  # the program still works afterwards


def test_bad_examples_and_bad_fn_are_reported():
    with pytest.raises(TypeError, match="must be numbers"):
        autograd.compile(lambda x: x, "abc")
    with pytest.raises(ValueError, match="ragged"):
        autograd.compile(lambda x: x[0], [[1.0], [2.0, 3.0]])
    with pytest.raises(TypeError, match="must return one Value"):
        autograd.compile(lambda x: 1.0, 1.0)


def test_an_op_without_a_kernel_is_refused_at_compile_time():
    def fn(x):
        node = Value(0.0)  # a node of an op the compiler does not know, built by hand
        node.op, node.parents, node.partials = "mystery", (x,), (1.0,)
        return node

    with pytest.raises(NotImplementedError, match="no op named 'mystery'"):
        autograd.compile(fn, 1.0)


def test_program_repr_and_params():
    w = Value(1.0)
    prog = autograd.compile(lambda xs: autograd.affine(w, [w, w], xs), [1.0, 2.0])
    assert prog.params == (w,)
    assert repr(prog) == "Program(inputs=[(2,)], params=1, nodes=1, groups=1, levels=1)"


def test_read_gives_values_of_traced_nodes_at_the_last_call():
    w = Value(0.5)
    seen = []

    def fn(xs):
        preds = [(w * x).tanh() for x in xs]
        seen.extend(preds)
        return autograd.sum(preds)

    prog = autograd.compile(fn, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="before read"):
        prog.read(seen)
    prog([3.0, -1.0])
    assert prog.read(seen) == pytest.approx([math.tanh(1.5), math.tanh(-0.5)], rel=1e-15)
    assert prog.read([seen]) == [prog.read(seen)]
    with pytest.raises(ValueError, match="not a node"):
        prog.read(Value(1.0))


# -- guards: data-dependent Python is refused while tracing ---------------------------------


def test_hostile_branch_on_data_is_refused_not_replayed_silently():
    # issue 15 item 4: this used to replay the traced branch, giving -2.0 for -1.0
    with pytest.raises(TraceError, match=r"reading \.data .*test_compile\.py:\d+"):
        prog = autograd.compile(lambda x: x * 2 if x.data > 0 else x * 3, 1.0)
        assert prog(-1.0) == -3.0  # unreachable: the trace refuses


@pytest.mark.parametrize(
    ("fn", "words"),
    [
        (lambda x: x * 2 if x < 0 else x, "comparison <"),
        (lambda x: x * 2 if x <= 0 else x, "comparison <="),
        (lambda x: x * 2 if 0 < x else x, "comparison >"),  # reflected: x.__gt__(0)
        (lambda x: x * 2 if x >= 0 else x, "comparison >="),
        (lambda x: x * 2 if x else x, r"bool\(\)"),
        (lambda x: x * float(x), r"float\(\)"),
        (lambda x: x * math.exp(x), r"float\(\)"),
        (lambda xs: max(xs) * 2, "comparison >"),  # builtins.max compares Values
        (lambda x: x * x.data, r"reading \.data"),  # a frozen constant, not only a branch
    ],
)
def test_every_detectable_use_of_data_is_refused(fn, words):
    example = [1.0, 2.0] if "xs" in fn.__code__.co_varnames else 1.0
    for batch in (False, True):
        with pytest.raises(TraceError, match=words) as info:
            autograd.compile(fn, example, batch=batch)
        assert "test_compile.py" in str(info.value) and "\n" not in str(info.value)


def helper_reading_data(x):
    return x * 2 if x.data > 0 else x * 3


def test_a_data_read_in_the_file_of_fn_is_seen_in_a_helper_too():
    with pytest.raises(TraceError, match="helper_reading_data"):
        autograd.compile(lambda x: helper_reading_data(x), 1.0)


DATA = Value.__dict__["data"]  # the property, as it is outside a trace


def test_guards_are_off_after_tracing_and_in_other_threads():
    import threading

    seen = {}

    def other():
        seen["cmp"] = Value(1.0) > 0  # runs while the main thread is tracing
        seen["data"] = Value(2.0).data

    def fn(x):
        t = threading.Thread(target=other)
        t.start()
        t.join()
        return x * 2

    prog = autograd.compile(fn, 1.0)
    assert seen == {"cmp": True, "data": 2.0}
    assert prog(3.0) == 6.0
    assert Value(1.0) > 0 and bool(Value(1.0)) and Value(2.5).data == 2.5
    assert Value.__dict__["data"] is DATA


def test_guards_are_removed_when_fn_raises():
    with pytest.raises(ZeroDivisionError):
        autograd.compile(lambda x: x / 0.0, 1.0)
    assert Value(1.0) < 2 and Value.__dict__["data"] is DATA


# -- constants and parameters ---------------------------------------------------------------


def test_constants_made_while_tracing_are_not_parameters():
    w = Value(0.5)
    prog = autograd.compile(lambda x: (w * x + 1.0) * 3.0 - Value(2.0), 1.0)
    assert prog.params == (w,)
    assert prog(2.0) == (0.5 * 2 + 1) * 3 - 2
    grads = prog.backward()
    assert list(grads) == [6.0] and w.grad == 6.0


def test_params_array_and_backward_without_accumulating():
    w, b = Value(2.0), Value(1.0)
    for batch in (False, True):
        prog = autograd.compile(lambda x: w * x + b, 3.0, batch=batch)
        x = [3.0] if batch else 3.0
        theta = prog.get_params()
        assert theta.tolist() == [p.data for p in prog.params]
        theta[prog.params.index(w)] = -1.0
        assert prog(x, params=theta) == -2.0
        w.grad = b.grad = 0.0
        g = prog.backward(accumulate=False)
        assert (w.grad, b.grad) == (0.0, 0.0)
        assert dict(zip(prog.params, g.tolist())) == {w: 3.0, b: 1.0}
        with pytest.raises(ValueError, match="2 parameters"):
            prog(x, params=np.zeros(3))
        prog.set_params(theta)
        assert w.data == -1.0
        w.data = 2.0


# -- per-sample mode: trace one sample, replay a batch --------------------------------------


def eager_mean(model, loss, X, y, l2):
    params = model.parameters()
    terms = [loss(model(list(row)), t) for row, t in zip(X, y)]
    total = autograd.sum(terms) * (1.0 / len(terms))
    return total + nn_l2(params, l2) if l2 else total


def nn_l2(params, alpha):
    import nn

    return nn.l2_penalty(params, alpha)


def per_sample_case(nouts, loss_name, n, seed):
    import nn

    rng = np.random.default_rng(seed)
    model = nn.MLP(3, nouts, seed=seed)
    X = rng.normal(size=(n, 3))
    if loss_name == "hinge":
        y = rng.choice([-1.0, 1.0], size=n)
        loss = nn.hinge_loss
    elif loss_name == "ce":
        y = rng.integers(0, nouts[-1], size=n).astype(float)
        loss = nn.cross_entropy
    else:
        y = rng.normal(size=n)
        loss = nn.mse_loss
    return model, loss, X, y


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from([([4, 1], "hinge"), ([5, 4, 1], "mse"), ([4, 3], "ce"), ([6, 6, 4], "ce")]),
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
    st.sampled_from([0.0, 1e-3]),
    st.integers(0, 1000),
)
def test_per_sample_program_matches_eager_mean_at_every_batch_size(case, sizes, l2, seed):
    import nn

    nouts, loss_name = case
    model, loss, X, y = per_sample_case(nouts, loss_name, max(sizes), seed)
    params = model.parameters()

    def fn(x, t):
        out = loss(model(x), t)
        return out + nn.l2_penalty(params, l2) if l2 else out

    prog = autograd.compile(fn, [0.0, 0.0, 0.0], 0.0, batch=True)
    assert isinstance(prog, BatchProgram) and set(prog.params) == set(params)
    for b in sizes:  # one program serves every batch size
        Xb = X[:b]
        yb = y[:b]
        ref = eager_mean(model, loss, Xb, [int(t) if loss_name == "ce" else t for t in yb], l2)
        model.zero_grad()
        ref.backward()
        expected = {p: p.grad for p in params}
        scale = max(1.0, max(abs(n.data) for n in autograd.toposort(ref)))
        value = prog(Xb, yb)
        grads = prog.backward(accumulate=False)
        assert close(value, ref.data, scale), (value, ref.data)
        for p, g in zip(prog.params, grads.tolist()):
            assert close(g, expected[p], scale), (g, expected[p])
        for p in params:  # a training step: the next call reads the new data
            p.data -= 0.1 * expected[p]


def test_per_sample_layers_become_matrix_products_and_compile_once():
    import nn

    model = nn.MLP(4, [16, 16, 3], seed=0)
    prog = autograd.compile(lambda x, t: nn.cross_entropy(model(x), t), [0.0] * 4, 0.0, batch=True)
    assert repr(prog).startswith("BatchProgram(sample=[(4,), ()], params=")
    assert "layers=3" in repr(prog)
    assert prog.num_nodes < 200  # one sample's graph, whatever the batch size
    X = np.random.default_rng(0).normal(size=(300, 4))
    y = np.arange(300) % 3
    total = prog(X, y)
    ref = eager_mean(model, nn.cross_entropy, X, y.tolist(), 0.0)
    assert math.isclose(total, ref.data, rel_tol=1e-12)


def test_per_sample_reduction_sum_and_static_output():
    w = Value(3.0)
    prog = autograd.compile(lambda x: w * x, 0.0, batch=True, reduction="sum")
    assert prog([1.0, 2.0, 4.0]) == 21.0
    assert prog.backward().tolist() == [7.0] and w.grad == 7.0
    w.grad = 0.0
    static = autograd.compile(lambda x: w * w, 0.0, batch=True, reduction="sum")
    assert static([5.0, 6.0]) == 18.0  # w*w for each of 2 samples
    assert static.backward().tolist() == [12.0]
    mean = autograd.compile(lambda x: w * w, 0.0, batch=True)
    assert mean([5.0, 6.0, 7.0]) == 9.0
    assert mean.backward(accumulate=False).tolist() == [6.0]
    with pytest.raises(ValueError, match="unknown reduction"):
        autograd.compile(lambda x: x, 0.0, batch=True, reduction="max")


def test_per_sample_read_gives_values_per_sample():
    w = Value(2.0)
    seen = []

    def fn(x):
        preds = [w * x[0], w * x[1] + 1.0]
        seen.append(preds)
        return autograd.sum(preds)

    prog = autograd.compile(fn, [0.0, 0.0], batch=True)
    with pytest.raises(RuntimeError, match="before read"):
        prog.read(seen[0])
    prog([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert prog.read(seen[0][0]) == [2.0, 6.0, 10.0]
    assert prog.read(seen[0]) == [[2.0, 5.0], [6.0, 9.0], [10.0, 13.0]]
    assert prog.read(w) == [2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match="not a node"):
        prog.read(Value(1.0))


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (([1.0, 2.0],), TypeError, "takes 2 batched input"),
        (([[1.0, 2.0]], [1.0, 2.0]), ValueError, "input 1 has 2 samples"),
        (([1.0, 2.0], [1.0, 2.0]), ValueError, "takes \\(batch, \\*\\(2,\\)\\)"),
        ((np.zeros((0, 2)), []), ValueError, "empty"),
        (([["a", "b"]], [1.0]), TypeError, "must be numbers"),
    ],
)
def test_per_sample_bad_batches_get_a_one_line_error(args, error, words):
    prog = autograd.compile(lambda xs, s: xs[0] * xs[1] + s, [1.0, 2.0], 3.0, batch=True)
    with pytest.raises(error, match=words) as info:
        prog(*args)
    assert "\n" not in str(info.value)
    with pytest.raises(RuntimeError, match="before backward"):
        prog.backward()
    assert prog([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0]) == (3.0 + 14.0) / 2


@pytest.mark.parametrize(("fn", "good", "bad"), DOMAIN_CASES)
def test_per_sample_replay_raises_the_scalar_engines_error(fn, good, bad):
    with pytest.raises((ArithmeticError, ValueError)) as scalar:
        fn(Value(bad))
    prog = autograd.compile(fn, good, batch=True)
    assert math.isfinite(prog([good, good]))
    with pytest.raises(type(scalar.value)) as replay:
        prog([good, bad, good])
    assert str(replay.value).split("(")[0] in OPS and "\n" not in str(replay.value)


def test_a_dense_layer_that_overflows_names_affine():
    w = [Value(1e300), Value(1e300)]
    prog = autograd.compile(
        lambda x: autograd.sum([autograd.affine(0.0, w, x), autograd.affine(1.0, w, x)]),
        [1.0, 1.0],
        batch=True,
    )
    assert "layers=1" in repr(prog)
    assert prog([[1.0, 0.0]]) == 1e300 + 1e300 + 1.0
    with pytest.raises(OverflowError, match=r"^affine\(.*overflows"):
        prog([[1.0, 0.0], [1e10, 1e10]])


# -- softmax and cross-entropy: the shift is part of the graph ------------------------------


@pytest.mark.parametrize("batch", [False, True])
@pytest.mark.parametrize("shift", [0.0, 1000.0, -1000.0, -800.0, 1e6])
def test_compiled_softmax_and_cross_entropy_shift_at_replay(batch, shift):
    import nn

    zs = [v + shift for v in (0.0, 1.0, 2.0)]
    eager_ce = nn.cross_entropy(zs, 0).data
    assert math.isclose(eager_ce, 2.4076059644443806, rel_tol=1e-9 if shift < 1e5 else 1e-3)
    eager_p = [p.data for p in nn.softmax(zs)]
    traced = []

    def ce(z, t):
        return nn.cross_entropy(z, t)

    def sm(z):
        ps = nn.softmax(z)
        traced.append(ps)
        return autograd.sum(ps)

    p_ce = autograd.compile(ce, [0.0, 1.0, 2.0], 0.0, batch=batch)
    p_sm = autograd.compile(sm, [0.0, 1.0, 2.0], batch=batch)
    if batch:
        assert math.isclose(p_ce([zs], [0.0]), eager_ce, rel_tol=1e-12)
        p_sm([zs])
        got = p_sm.read(traced[0])[0]
    else:
        assert math.isclose(p_ce(zs, 0.0), eager_ce, rel_tol=1e-12)
        p_sm(zs)
        got = p_sm.read(traced[0])
    assert got == pytest.approx(eager_p, rel=1e-12, abs=1e-300)


# -- programs kept between calls ------------------------------------------------------------


def test_program_cache_rebuilds_when_the_parameters_change():
    import nn

    model = nn.MLP(2, [3, 1], seed=0)
    cache = ProgramCache()
    built = []

    def build():
        built.append(1)
        return autograd.compile(lambda x: model(x), [0.0, 0.0], batch=True)

    p1 = cache.get(("mse",), model.parameters(), build)
    assert cache.get(("mse",), model.parameters(), build) is p1 and len(built) == 1
    model.layers[0].neurons[0].w[0] = Value(0.5)  # structure changed: a new parameter Value
    p2 = cache.get(("mse",), model.parameters(), build)
    assert p2 is not p1 and len(built) == 2 and len(cache) == 1
    assert cache.get(("other",), model.parameters(), build) is not p2 and len(cache) == 2
    cache.clear()
    assert len(cache) == 0
