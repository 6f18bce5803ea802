"""Property tests of the command: random text and random Python snippets give only clean
refusals (status 2 or 1, one line, no traceback) or results equal to building the same
expression directly with autograd.Value."""

from __future__ import annotations

import math
import signal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autograd import OPS, Value
from viz.__main__ import main
from viz.notation import fmt

FAST = ["--format", "dot", "--no-html"]  # no dot runs: the files are tested elsewhere
# the functions an expression may call with one argument: read from the op rows
UNARY = [name for name, op in OPS.items() if op.method and op.arity == 1 and not op.params]
HANG = 30  # seconds: a run that takes longer is a hang, and fails the test


def _hung(signum, frame):
    raise TimeoutError(f"the command ran for more than {HANG} s")


def run(capsys, tmp_path, argv):
    before = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(HANG)
    try:
        code = main([*argv, *FAST, "--out", str(tmp_path)])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_refusal(code, out, err):
    assert code in (1, 2), (code, err)
    assert err.count("\n") == 1 and err.startswith("viz: "), err
    assert "Traceback" not in err and "internal error" not in err, err


# Expressions as (text, build, names): build(env) makes the same graph straight from Values.
Expr = tuple  # (str, callable, frozenset)

names = st.sampled_from(["x", "y", "z"]).map(lambda n: (n, lambda env, n=n: env[n], frozenset([n])))
numbers = st.integers(0, 9).map(lambda k: (str(k), lambda env, k=k: Value(float(k)), frozenset()))


def binop(t):
    (a, fa, na), op, (b, fb, nb) = t
    ops = {
        "+": lambda p, q: p + q,
        "-": lambda p, q: p - q,
        "*": lambda p, q: p * q,
        "/": lambda p, q: p / q,
    }
    return (f"({a}) {op} ({b})", lambda env: ops[op](fa(env), fb(env)), na | nb)


def power(t):
    (a, fa, na), k = t
    return (f"({a}) ** ({k})", lambda env: fa(env) ** float(k), na)


def call(t):
    name, (a, fa, na) = t
    return (f"{name}({a})", lambda env: getattr(fa(env), name)(), na)


def leaky(t):
    (a, fa, na), slope = t
    return (f"leaky_relu({a}, {slope!r})", lambda env: fa(env).leaky_relu(slope), na)


def extend(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(binop),
        st.tuples(children, st.integers(-2, 3)).map(power),
        children.map(lambda c: (f"-({c[0]})", lambda env: -c[1](env), c[2])),
        st.tuples(st.sampled_from(UNARY), children).map(call),
        st.tuples(children, st.sampled_from([0.01, 0.1, 0.5])).map(leaky),
    )


expressions = st.recursive(names | numbers, extend, max_leaves=8)
inputs = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expressions, inputs, inputs, inputs)
@example(("(x) + (y)", lambda env: env["x"] + env["y"], frozenset("xy")), -2.0, 5.0, -4.0)
@example(("log(x)", lambda env: env["x"].log(), frozenset("x")), -1.0, 0.0, 0.0)
def test_whitelisted_expressions_match_direct_evaluation(capsys, tmp_path, expr, x, y, z):
    text, build, used = expr
    values = {"x": x, "y": y, "z": z}
    argv = [text, *(f"{n}={values[n]!r}" for n in sorted(used))]
    code, out, err = run(capsys, tmp_path, argv)
    env = {n: Value(values[n], n) for n in used}
    try:
        root = build(env)
    except (ValueError, ZeroDivisionError, OverflowError):
        assert_clean_refusal(code, out, err)
        assert code == 1 and err.startswith("viz: cannot evaluate: ")
        return
    assert code == 0, err
    root.backward()
    value = [line for line in out.splitlines() if line.startswith("value: ")][0]
    assert value.rsplit(" = ", 1)[1] == fmt(root.data)
    block = out.split("\ngradients:\n", 1)[1].split("\n\n", 1)[0]
    shown = dict(line.strip().split(" = ") for line in block.splitlines() if " = " in line)
    assert shown == {f"d{n}": fmt(env[n].grad) for n in sorted(used)}


FORBIDDEN = [  # (snippet, what the error quotes)
    ("x.real", "x.real"),
    ("x[0]", "x[0]"),
    ("'s'", "'s'"),
    ("(lambda: 0)", "lambda: 0"),
    ("[i for i in x]", "[i for i in x]"),
    ("foo(x)", "foo"),
    ("True", "True"),
    ("x // 2", "x // 2"),
    ("__import__('os')", "__import__"),
    ("(x < 1)", "x < 1"),
    ("~x", "~x"),
    ("(x if y else z)", "x if y else z"),
    ("{1: 2}", "{1: 2}"),
    ("1j", "1j"),
]
forbidden = st.sampled_from(FORBIDDEN).map(lambda f: (f[0], None, frozenset("xyz"), f[1]))


def mixed_extend(children):
    def bad_binop(t):
        a, op, b = t
        return (f"({a[0]}) {op} ({b[0]})", None, a[2] | b[2], a[3] or b[3])

    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "*", "**"]), children).map(bad_binop),
        st.tuples(st.sampled_from(UNARY), children).map(
            lambda t: (f"{t[0]}({t[1][0]})", None, t[1][2], t[1][3])
        ),
    )


def plain(e):
    return (e[0], None, e[2], None)


mixed = st.recursive((names | numbers).map(plain) | forbidden, mixed_extend, max_leaves=6).filter(
    lambda e: e[3] is not None
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mixed)
def test_forbidden_syntax_anywhere_is_refused_and_pointed_at(capsys, tmp_path, expr):
    text, _, used, _ = expr
    argv = [text, *(f"{n}=1" for n in sorted(used & {"x", "y", "z"}))]
    code, out, err = run(capsys, tmp_path, argv)
    assert_clean_refusal(code, out, err)
    assert code == 2 and out == ""
    assert any(quote in err for _, quote in FORBIDDEN), err


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40), st.lists(st.text(max_size=12), max_size=3))
@example("x..y", [])
@example("(" * 250, [])
@example("x=", [])
@example("\x00", [])
@example("x ** y", ["x=1e308", "y=1e308"])
def test_random_text_is_refused_cleanly_or_computed(capsys, tmp_path, text, rest):
    argv = [text, *rest]
    if any(a in ("-h", "--help") for a in argv):
        argv = [a for a in argv if a not in ("-h", "--help")]
    code, out, err = run(capsys, tmp_path, argv)
    if code == 0:
        value = [line for line in out.splitlines() if line.startswith("value: ")]
        assert len(value) == 1 and err == ""
        shown = value[0].rsplit(" = ", 1)[1]
        assert shown in ("inf", "-inf", "nan") or math.isfinite(float(shown))
    else:
        assert_clean_refusal(code, out, err)
