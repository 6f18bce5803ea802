"""viz.notation: short numbers, node names and the chain rule in words."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import OPS, Value, backward_steps
from viz.notation import (
    Names,
    chain_lines,
    fmt,
    formula,
    formula_numbers,
    forward_line,
    graph_nodes,
    local_text,
)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (-12.0, "-12"),
        (3.0, "3"),
        (0.5, "0.5"),
        (1234567.0, "1.23457e+06"),
        (-0.0, "0"),
        (1e-7, "1e-07"),
        (2 / 3, "0.666667"),
        (math.inf, "inf"),
    ],
)
def test_fmt_is_short_and_readable(x, text):
    assert fmt(x) == text


def classic():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    return x, y, z, (x + y) * z


def test_names_follow_the_textbook():
    x, y, z, out = classic()
    names = Names(out)
    q = out.parents[0]
    assert [names[n] for n in (x, y, z, q, out)] == ["x", "y", "z", "q", "out"]
    assert names.grad_name(q) == "dq"


def test_names_skip_labels_already_taken_and_show_constants_as_numbers():
    q = Value(1.0, "q")
    out = (q * 3.0 + q).tanh()
    names = Names(out)
    inner = [n for n in graph_nodes(out) if n.parents and n is not out]
    assert [names[n] for n in inner] == ["r", "s"]  # q is a label already
    const = out.parents[0].parents[0].parents[1]
    assert names[const] == "3" and names.grad_name(const) == "d(3)"


def test_names_run_past_the_letters():
    x = Value(0.5, "x")
    out = x
    for _ in range(20):
        out = out * x
    names = Names(out)
    shown = [names[n] for n in graph_nodes(out) if n.parents and n is not out]
    assert len(set(shown)) == 19 and "n1" in shown


def test_chain_lines_of_the_classic_example():
    *_, out = classic()
    names, seen = Names(out), {}
    lines = [chain_lines(step, names, seen) for step in backward_steps(out)]
    assert lines == [
        ["dq = dout * z = 1 * (-4) = -4", "dz = dout * q = 1 * 3 = 3"],
        ["dx = dq * 1 = -4 * 1 = -4", "dy = dq * 1 = -4 * 1 = -4"],
    ]


def test_second_contribution_is_written_as_plus_equals_with_the_total():
    a = Value(3.0, "a")
    out = a * a
    names, seen = Names(out), {}
    (step,) = list(backward_steps(out))
    lines = chain_lines(step, names, seen)
    assert lines == ["da = dout * a = 1 * 3 = 3", "da += dout * a = 1 * 3 = 3  (now 6)"]
    assert a.grad == 6.0


def test_forward_lines_show_names_then_numbers():
    *_, out = classic()
    names = Names(out)
    lines = [forward_line(n, names) for n in graph_nodes(out) if n.parents]
    assert lines == ["q = x + y = -2 + 5 = 3", "out = q * z = 3 * (-4) = -12"]


def _one_node_per_op():
    """A node for every registered op, built from its row: inputs inside its bounds."""
    from autograd.strategies import arity

    nodes = []
    for name, op in OPS.items():
        lo, hi = op.bounds
        ins = [Value(lo + (hi - lo) * (0.3 + 0.1 * i), "abcdefg"[i]) for i in range(arity(op))]
        nodes.append(autograd.apply(name, *ins, arg=op.args[0] if op.args else None))
    return nodes


@pytest.mark.parametrize("node", _one_node_per_op(), ids=lambda n: n.op)
def test_every_op_has_words_and_the_arithmetic_is_the_engines(node):
    names, seen = Names(node), {}
    assert formula(node, names)
    words = [local_text(node, i, names) for i in range(len(node.parents))]
    assert all(w and not w.startswith("d(") for w in words), words  # real words, no fallback
    (step,) = list(backward_steps(node))
    lines = chain_lines(step, names, seen)
    assert len(lines) == len(step.parents)
    for line, (_, d, c) in zip(lines, step.parents):
        local = f"({fmt(d)})" if fmt(d).startswith("-") else fmt(d)
        assert f"= {fmt(step.grad)} * {local} = {fmt(c)}" in line


def test_unknown_op_falls_back_to_a_generic_derivative():
    x = Value(2.0, "x")
    out = x.tanh()
    out.op = "mystery"  # an op the notation has no words for
    assert local_text(out, 0, Names(out)) == "d(out)/d(x)"


def test_a_neurons_sum_puts_negative_numbers_in_parentheses():
    # affine's formula is a function of its operands (n-ary), not a template: viz still
    # writes a negative operand after an operator in parentheses, as for every other row
    w0, w1, b = Value(0.5, "w0"), Value(-0.19, "w1"), Value(-0.25, "b")
    out = autograd.affine(b, [w0, w1], [0.5, -1.0])
    names = Names(out)
    assert formula(out, names) == "b + w0*0.5 + w1*(-1)"
    assert formula_numbers(out) == "-0.25 + 0.5*0.5 + (-0.19)*(-1)"
    assert forward_line(out, names).endswith("= 0.19")


def test_a_negative_local_derivative_is_written_in_parentheses():
    x, z = Value(3.0, "x"), Value(-4.0, "z")
    out = x * z
    (step,) = list(backward_steps(out))
    assert chain_lines(step, Names(out), {})[0] == "dx = dout * z = 1 * (-4) = -4"


def test_a_negative_local_derivative_in_words_is_written_in_parentheses():
    x = Value(2.0, "x")
    out = -x
    (step,) = list(backward_steps(out))
    (line,) = chain_lines(step, Names(out), {})
    assert line == "dx = dout * (-1) = 1 * (-1) = -1"
