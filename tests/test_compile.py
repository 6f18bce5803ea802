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
from hypothesis import example, given, settings
from hypothesis import strategies as st

import autograd
import autograd.value
from autograd import OPS, Value
from autograd.compile import Program

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


def build(tree, xs, s, ps):
    """Value of an expression tree over the vector input xs, the scalar input s, params ps."""
    kind = tree[0]
    if kind == "x":
        return xs[tree[1]]
    if kind == "s":
        return s
    if kind == "p":
        return ps[tree[1]]
    if kind == "c":
        return tree[1]  # a Python number: a constant leaf
    args = [build(t, xs, s, ps) for t in tree[2:]]
    a = args[0]
    if not isinstance(a, Value):
        a = Value(a)
    op, k = tree[0], tree[1]
    if op == "unary":
        return {
            "neg": lambda: -a,
            "exp": lambda: a.exp(),
            "log": lambda: (a * a + 0.5).log(),
            "sqrt": lambda: (a.abs() + 0.25).sqrt(),
            "tanh": lambda: a.tanh(),
            "sigmoid": lambda: a.sigmoid(),
            "softplus": lambda: a.softplus(),
            "relu": lambda: a.relu(),
            "leaky_relu": lambda: a.leaky_relu(0.2),
            "elu": lambda: a.elu(0.7),
            "abs": lambda: abs(a),
            "pow2": lambda: a**2,
            "pow3": lambda: a**3,
            "powneg": lambda: (a.abs() + 0.5) ** -1.5,
            "powhalf": lambda: (a * a + 0.1) ** 0.5,
        }[k]()
    if op == "binary":
        b = args[1]
        return {
            "add": lambda: a + b,
            "sub": lambda: a - b,
            "mul": lambda: a * b,
            "div": lambda: a / (b * b + 0.5),
            "powv": lambda: (a.sigmoid() + 0.5) ** b,
        }[k]()
    if op == "sum":
        return autograd.sum(args)
    # affine: bias, then (weight, input) pairs
    weights = [w if isinstance(w, Value) else Value(w) for w in args[1::2]]
    return autograd.affine(a, weights, args[2::2])


UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "relu", "leaky_relu", "elu"]
UNARY += ["abs", "pow2", "pow3", "powneg", "powhalf"]
BINARY = ["add", "sub", "mul", "div", "powv"]

small = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
leaves = (
    st.tuples(st.just("x"), st.integers(0, 2))
    | st.tuples(st.just("s"))
    | st.tuples(st.just("p"), st.integers(0, 2))
    | st.tuples(st.just("c"), small)
)
trees = st.recursive(
    leaves,
    lambda sub: (
        st.builds(lambda k, a: ("unary", k, a), st.sampled_from(UNARY), sub)
        | st.builds(lambda k, a, b: ("binary", k, a, b), st.sampled_from(BINARY), sub, sub)
        | st.builds(lambda xs: ("sum", 0, *xs), st.lists(sub, min_size=1, max_size=4))
        | st.builds(lambda b, xs: ("affine", 0, b, *xs), sub, st.lists(sub, min_size=2, max_size=4))
    ),
    max_leaves=10,
).filter(lambda t: t[0] not in ("x", "s", "p", "c"))


def fix_affine(tree):
    """affine needs an even number of (weight, input) entries after the bias."""
    if tree[0] in ("x", "s", "p", "c"):
        return tree
    kids = [fix_affine(t) for t in tree[2:]]
    if tree[0] == "affine" and len(kids) % 2 == 0:
        kids = kids[:-1]
    return (tree[0], tree[1], *kids)


vec3 = st.lists(small, min_size=3, max_size=3)


@given(trees.map(fix_affine), vec3, small, vec3, vec3, small, vec3)
@example(
    ("unary", "relu", ("x", 0)), [1.0, 1.0, 1.0], 0.5, [1.0] * 3, [-1.0, 0.0, 1.0], 0.0, [0.5] * 3
)
@example(("unary", "abs", ("binary", "mul", ("x", 1), ("p", 1))), [1.0] * 3, 1.0, [1.0] * 3,
         [2.0, 0.0, -1.0], -1.0, [1.0, -3.0, 0.0])  # fmt: skip
def test_replay_matches_scalar_engine_on_random_expressions(
    tree, trace_xs, trace_s, trace_ps, xs, s, ps
):
    params = [Value(v) for v in trace_ps]

    def fn(xv, sv):
        return build(tree, xv, sv, params)

    prog = autograd.compile(fn, trace_xs, trace_s)
    # New inputs and new parameter values: branches of piecewise ops may flip.
    for p, v in zip(params, ps):
        p.data = v
    try:
        ref = scalar_run(fn, [xs, s], params)
    except (ArithmeticError, ValueError) as err:  # e.g. exp overflowing in both engines
        with pytest.raises(type(err)):
            prog(xs, s)
        return
    value, grads = compiled_run(prog, [xs, s], params)
    ref_value, ref_grads, scale_v, scale_g = ref
    assert close(value, ref_value, scale_v), (value, ref_value)
    for g, r in zip(grads, ref_grads):
        assert close(g, r, scale_g), (g, r)


def every_op_expression(x, ps):
    """One expression whose graph holds every op in the table."""
    a, b, c = ps
    t = autograd.affine(a, [b, c], [x[0], x[1].relu()])
    u = autograd.sum([t.tanh(), t.sigmoid(), t.softplus(), x[2].abs(), (-x[0]).leaky_relu(0.1)])
    v = (u * a).elu(0.5) + (x[1] * x[1] + 1.0).log() + (x[2] * x[2] + 0.5).sqrt() - b.exp()
    return v * (a.sigmoid() + 0.5) ** c + (v**2 + 1.0) ** -1.0


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


def test_control_flow_is_frozen_at_trace_time():
    def fn(x):
        return x * 2.0 if x > 0 else x * 3.0  # a Python branch on data

    prog = autograd.compile(fn, 1.0)
    assert prog(-1.0) == -2.0  # the branch taken at trace time, like torch.jit.trace
    assert fn(Value(-1.0)).data == -3.0


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
