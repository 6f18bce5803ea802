"""Every op row against PyTorch float64: values, first and second derivatives, over the row's
domain (drawn inside its bounds, off its kinks), at the edges of its domain and at its kinks.

The torch function is found from the row's own names (its name, its title, its numpy ufunc
names) in torch, torch.special and torch.nn.functional; nothing here lists ops.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, apply, grad
from autograd.edges import domain_edges
from autograd.strategies import arity, off_kinks

# torch splits the gradient of max/min at a tie (half each); the rows give it to the first
# input (their judgement call, documented at the row): ties are compared off the kink only.
UNARY_OR_BINARY = sorted(n for n, op in OPS.items() if op.arity in (1, 2) or n in ("max", "min"))


def torch_function(torch, op):
    spaces = (torch, torch.special, torch.nn.functional)
    for name in (op.name, op.title, *op.ufuncs):
        for space in spaces:
            f = getattr(space, name, None) if name else None
            if callable(f):
                return f
    return None


def on_torch(torch, op, xs, arg):
    """Value, gradient and Hessian of the op at ``xs`` by torch (float64)."""
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    extra = [] if arg is None else list(arg) if isinstance(arg, tuple) else [arg]
    out = torch_function(torch, op)(*ts, *extra)
    firsts = torch.autograd.grad(out, ts, create_graph=True, allow_unused=True)
    firsts = [f if f is not None else torch.zeros((), dtype=torch.float64) for f in firsts]
    hess = []
    for f in firsts:
        if f.requires_grad:
            row = torch.autograd.grad(f, ts, allow_unused=True, retain_graph=True)
            hess.append([0.0 if r is None else r.item() for r in row])
        else:
            hess.append([0.0] * len(ts))
    return out.item(), [f.item() for f in firsts], hess


def on_rows(op, xs, arg):
    vs = [Value(x) for x in xs]
    out = apply(op.name, *vs, arg=arg)
    firsts = grad(out, vs)
    hess = []
    for i in range(len(xs)):
        ws = [Value(x) for x in xs]
        (gi,) = grad(apply(op.name, *ws, arg=arg), [ws[i]], create_graph=True)
        hess.append(list(grad(gi, ws)))
    return out.data, list(firsts), hess


def close(a, b, rel):
    return a == b or rel == math.inf or math.isclose(a, b, rel_tol=rel, abs_tol=rel * 1e-3)


def compare(torch, op, xs, arg, rel=(1e-12, 1e-9, 1e-7)):
    try:
        mine = on_rows(op, xs, arg)
    except (ValueError, ArithmeticError):
        return False  # outside the domain, or an overflow the engine refuses
    if not all(math.isfinite(v) for v in [mine[0], *mine[1], *sum(mine[2], [])]):
        return False
    theirs = on_torch(torch, op, xs, arg)
    assert close(mine[0], theirs[0], rel[0]), (op.name, xs, arg, "value", mine[0], theirs[0])
    for i, (a, b) in enumerate(zip(mine[1], theirs[1])):
        assert close(a, b, rel[1]), (op.name, xs, arg, f"d/dx{i}", a, b)
    for i, (ra, rb) in enumerate(zip(mine[2], theirs[2])):
        for j, (a, b) in enumerate(zip(ra, rb)):
            assert close(a, b, rel[2]), (op.name, xs, arg, f"d2/dx{i}dx{j}", a, b)
    return True


def test_every_row_but_the_nary_sums_has_a_torch_function(torch):
    missing = [n for n in UNARY_OR_BINARY if torch_function(torch, OPS[n]) is None]
    assert not missing


@pytest.mark.parametrize("name", UNARY_OR_BINARY)
def test_row_matches_torch_inside_its_domain(torch, name):
    op = OPS[name]
    lo, hi = op.bounds
    n = 2 if op.arity == -1 else arity(op)

    @settings(max_examples=30, derandomize=True, deadline=None, database=None)
    @given(st.tuples(*[st.floats(lo, hi)] * n), st.sampled_from(op.test_args()))
    def inside(xs, arg):
        if off_kinks(op, xs, arg):
            compare(torch, op, list(xs), arg)

    inside()


@pytest.mark.parametrize("name", UNARY_OR_BINARY)
def test_row_matches_torch_at_the_edges_of_its_domain_and_at_its_kinks(torch, name):
    op = OPS[name]
    lo, hi = op.bounds
    n = 2 if op.arity == -1 else arity(op)
    middle = [lo + (hi - lo) * (0.4 + 0.1 * k) for k in range(n)]
    edges = domain_edges(op)
    kinks = [] if callable(op.kinks) else [k for k in op.kinks if n == 1]
    compared = 0
    for arg in op.test_args():
        for i in range(n):
            for x in edges:
                xs = list(middle)
                xs[i] = x
                # next to a domain edge the two formulas round differently: 1e-6 relative
                compared += compare(torch, op, xs, arg, rel=(1e-12, 1e-6, 1e-4))
            for k in kinks:
                # at a kink: the value and the first derivative (the row's judgement call);
                # second derivatives there are one-sided in both engines, each its own side
                compared += compare(torch, op, [k], arg, rel=(1e-12, 1e-12, math.inf))
    assert compared or not (edges or kinks), "no edge or kink point was inside the domain"
