"""The steps of a per-sample program: groups of nodes replayed over a whole batch at once.

A node of the traced sample is a row: of the batch matrix ``V`` (one column per sample) when
it depends on an input, of the static column ``S`` (computed once per call, broadcast) when
it depends on parameters and constants only. A step reads rows, runs one kernel and writes
its own rows; its backward multiplies its rows of the gradient (``G`` beside ``V``, ``GS``
beside ``S``) by each local derivative and hands the result to a :class:`Dest`.

:class:`Elem` runs any group element-wise; layers, groups run as matrix products, are in
:mod:`autograd.compile.layers`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.compile.arrays import (
    Probe,
    as_slice,
    check_domain,
    passed,
    read_rule,
    run_checked,
)
from autograd.ops import Op

__all__ = ["ADD", "ADD_AT", "SET", "Dest", "Elem", "Rows"]

SET, ADD, ADD_AT = 0, 1, 2  # how a Dest writes: the first writer sets, later ones add


class Rows:
    """Some rows of a matrix: a slice (read as a view), one row used by all n nodes (read as
    one row that broadcasts; written as the sum over the nodes), or an index array."""

    __slots__ = ("sel", "n", "one", "dup", "rows")

    def __init__(self, rows: list[int], broadcast: bool = True) -> None:
        self.rows = rows
        self.n = len(rows)
        distinct = len(set(rows))
        self.one = broadcast and self.n > 1 and distinct == 1
        self.sel: Any = slice(rows[0], rows[0] + 1) if self.one else as_slice(rows)
        self.dup = not self.one and distinct < self.n  # written with np.add.at

    def read(self, m: np.ndarray) -> np.ndarray:
        return m[self.sel]


class Dest:
    """Where a step's contribution to one of its inputs goes: rows of ``G`` or (``static``)
    of ``GS``, written in ``mode`` (decided once for the program: SET for the first writer of
    every row, ADD after, ADD_AT where rows repeat). A contribution from a batched step to
    static rows is summed over the batch (``fold``)."""

    __slots__ = ("rows", "static", "fold", "mode", "direct")

    def __init__(self, rows: Rows, static: bool, fold: bool) -> None:
        self.rows = rows
        self.static = static
        self.fold = fold
        self.mode = ADD
        self.direct = False  # SET into a slice, no sum first: products write in place

    def settle(self, mode: int) -> None:
        self.mode = mode
        r = self.rows
        self.direct = mode == SET and not self.fold and not r.one and isinstance(r.sel, slice)

    def put(self, g: np.ndarray, gs: np.ndarray, c: np.ndarray) -> None:
        """Write the contribution ``c`` (one row per node)."""
        m = gs if self.static else g
        if self.fold and c.shape[-1] != 1:
            c = c.sum(axis=-1, keepdims=True)
        if self.rows.one:
            c = c.sum(axis=0, keepdims=True)
        if self.mode == SET:
            m[self.rows.sel] = c
        elif self.mode == ADD:
            m[self.rows.sel] += c
        else:
            np.add.at(m, self.rows.sel, np.broadcast_to(c, (self.rows.n, *m.shape[1:])))


class Elem:
    """Nodes of one op, arity and constant at one level: one kernel call over all of them
    and the whole batch. Inputs come as rows of V or (static sources) of S; a wide group
    (8 inputs or more, all from one matrix) gathers them as one (k, n, batch) block, and a
    wide sum of constant multiples runs as one matrix product."""

    def __init__(
        self, op: Op, arg: Any, src: list[tuple[bool, list[int]]], lo: int, n: int, static: bool
    ) -> None:
        self.op, self.arg, self.kernel = op, arg, op.kernel
        self.k, self.n = len(src), n
        self.wide = self.k >= 8 and len({st for st, _ in src}) == 1
        self.from_s = src[0][0]  # a wide group reads S (else V)
        if self.wide:
            self.idx = np.array([rows for _, rows in src], dtype=np.intp)
            self.src: list[tuple[bool, Rows]] = []
        else:  # input i: rows of S (static) or of V
            self.src = [(st, Rows(rows)) for st, rows in src]
        self.reads = [(st, r.sel) for st, r in self.src]
        self.lo, self.hi = lo, lo + n
        self.static = static  # outputs in S (every input static), else in V
        self.pos = 0  # index among the program's steps: where it keeps what backward needs
        self.plan = read_rule(op.name, self.k, arg)
        self.limits = bool(op.limits)
        self.keep = self.limits and self.plan is None  # partials checked in forward, kept
        self.dests: list[tuple[int, Dest]] = []  # (input, where its contribution goes)
        self.coef: Any = None  # a wide sum of constant multiples: one matrix product
        self.need_coef: Any = None  # its coefficients of the wanted inputs, (k', 1, 1)
        self.block: Any = None  # a wide group's rows when they are consecutive: a view
        if self.wide:
            self._widen()

    def _widen(self) -> None:
        """Gather a wide group as one (k, n, batch) block: a sum of constant multiples in
        the order of its rows (its terms may be added in any order: BLAS adds them)."""
        self.slots: Any = None
        if self.plan is not None and not self.limits:
            if all(not isinstance(d, Probe) for d in self.plan):
                self.coef = np.array([float(d) for d in self.plan])
                self.f0 = float(self.op.forward((0.0,) * self.k, self.arg))
                if self.n == 1:
                    self.slots = np.argsort(self.idx[:, 0], kind="stable")
                    self.idx, self.coef = self.idx[self.slots], self.coef[self.slots]
        flat = self.idx.ravel()
        if (np.diff(flat) == 1).all():
            self.block = slice(int(flat[0]), int(flat[-1]) + 1)

    def want(self, i: int, dest: Dest) -> None:
        """Input ``i`` passes its gradient to ``dest``."""
        self.dests.append((i, dest))

    def want_wide(self, wants: list[int]) -> None:
        """A wide group: the wanted inputs pass their gradients to one Dest, in the order
        the block is gathered in."""
        if self.slots is not None:
            order = np.nonzero(np.isin(self.slots, wants))[0]
            self.need_coef = self.coef[order, None, None]
            rows = self.idx[order, 0].tolist()
        else:
            rows = self.idx[wants].ravel().tolist()
        dest = Dest(Rows(rows, broadcast=False), static=self.from_s, fold=False)
        self.dests = [(i, dest) for i in wants]

    def all_dests(self) -> list[Dest]:
        return list({id(dest): dest for _, dest in self.dests}.values())

    def gather(self, v: np.ndarray, s: np.ndarray) -> Any:
        if self.wide:
            m = s if self.from_s else v
            if self.block is not None:
                return m[self.block].reshape(self.k, self.n, -1)
            return m[self.idx]  # (k, n, batch)
        return [s[sel] if st else v[sel] for st, sel in self.reads]

    def forward(self, v: np.ndarray, s: np.ndarray, saved: list[Any]) -> None:
        if self.wide:
            xs = self.gather(v, s)
        else:  # inline: this runs for every group at every call
            xs = [s[sel] if st else v[sel] for st, sel in self.reads]
        if self.limits:
            check_domain(self.op, xs, self.arg)
        if self.coef is not None:
            out = (self.coef @ xs.reshape(self.k, -1)).reshape(self.n, -1)
            if self.f0:
                out += self.f0
        else:
            out = self.kernel(xs, self.arg)
        m = s if self.static else v
        m[self.lo : self.hi] = out
        if self.keep:
            ds = self.partials(m[self.lo : self.hi], xs)
            if not all(np.isfinite(d).all() for d in ds):
                run_checked(self.op, xs, self.arg, True)  # names the op, unless NaN came in
            saved[self.pos] = ds

    def partials(self, out: np.ndarray, xs: Any) -> Any:
        # a wide group's (k, n, batch) block goes as it is: a rule indexes and counts it
        # like a tuple, and an n-ary rule on arrays (max) works on the whole block at once
        ds = self.op.partials(out, xs if self.wide else tuple(xs), self.arg)
        if len(ds) != self.k:
            raise RuntimeError(
                f"rule for op {self.op.name!r} returned {len(ds)} gradients for {self.k} inputs"
            )
        return ds

    def check(self, v: np.ndarray, s: np.ndarray) -> None:
        """Replay through the row with every check of the scalar engine (the slow path)."""
        run_checked(self.op, self.gather(v, s), self.arg, self.op.arity != -1)

    def local(self, v: np.ndarray, s: np.ndarray, saved: list[Any]) -> list[Any]:
        """The local derivative of each wanted input (None for a 1), in ``dests`` order."""
        out = (s if self.static else v)[self.lo : self.hi]
        if self.plan is None:
            ds = saved[self.pos] if self.keep else self.partials(out, self.gather(v, s))
            return [ds[i] for i, _ in self.dests]
        xs: Any = None
        local: list[Any] = []
        for i, _ in self.dests:
            d = self.plan[i]
            if d.__class__ is Probe:
                if d.row < 0:
                    d = out
                else:
                    xs = self.gather(v, s) if xs is None else xs
                    d = xs[d.row]
            elif d == 1:
                d = None
            local.append(d)
        return local

    def backward(
        self, v: np.ndarray, s: np.ndarray, g: np.ndarray, gs: np.ndarray, saved: list[Any],
        careful: bool,
    ) -> None:  # fmt: skip
        if not self.dests:
            return
        up = (gs if self.static else g)[self.lo : self.hi]
        if self.wide:
            self._wide_backward(v, s, g, gs, saved, careful, up)
        elif careful:
            for d, (_, dest) in zip(self.local(v, s, saved), self.dests):
                dest.put(g, gs, passed(1.0 if d is None else d, up))
        else:
            for d, (_, dest) in zip(self.local(v, s, saved), self.dests):
                if dest.direct:  # the first writer of a slice: the product goes in place
                    target = (gs if dest.static else g)[dest.rows.sel]
                    if d is None:
                        target[...] = up
                    else:
                        np.multiply(d, up, out=target)
                else:
                    dest.put(g, gs, up if d is None else d * up)

    def specialise(self) -> None:
        """Once the Dests are planned: for a narrow group of one or two inputs, closures
        with everything bound (the loops over steps run at every call; attribute lookups
        are most of a small group's cost)."""
        if self.wide or self.limits or self.k > 2:
            return
        kernel, arg, lo, hi, o = self.kernel, self.arg, self.lo, self.hi, int(self.static)
        reads = [(int(st), sel) for st, sel in self.reads]
        (i0, a0), (i1, a1) = reads if self.k == 2 else (reads[0], reads[0])
        two = self.k == 2

        def forward(v: np.ndarray, s: np.ndarray, saved: list[Any]) -> None:
            ms = (v, s)
            x0 = ms[i0][a0]
            ms[o][lo:hi] = kernel([x0, ms[i1][a1]] if two else [x0], arg)

        self.forward = forward  # type: ignore[method-assign]
        if not self.dests:
            return
        plan, partials, general = self.plan, self.op.partials, self.backward
        table = []
        for i, dest in self.dests:
            d = None if plan is None else plan[i]
            source = (
                (4, i) if plan is None  # from the rule, evaluated on arrays
                else (3, 0) if d.__class__ is Probe and d.row < 0  # the output
                else (2, d.row) if d.__class__ is Probe  # an input
                else (0, None) if d == 1 else (1, d)  # a constant
            )  # fmt: skip
            table.append((*source, int(dest.static), dest.rows.sel, dest.direct, dest))
        first, second = (table + [None, None])[:2]
        # x * x: both inputs are one row: one product of the summed derivatives, written once
        twice = (
            len(table) == 2
            and first[4]
            and first[5].rows.rows == second[5].rows.rows
            and first[2] == second[2]
            and not second[5].fold
        )

        def backward(
            v: np.ndarray, s: np.ndarray, g: np.ndarray, gs: np.ndarray, saved: list[Any],
            careful: bool,
        ) -> None:  # fmt: skip
            if careful:
                general(v, s, g, gs, saved, careful)
                return
            ms, gms = (v, s), (g, gs)
            up = gms[o][lo:hi]
            xs = [ms[i0][a0], ms[i1][a1]] if two else [ms[i0][a0]]
            ds = partials(ms[o][lo:hi], tuple(xs), arg) if plan is None else None
            local = []
            for code, x, dm, sel, direct, dest in table:
                d = (None if code == 0 else x if code == 1 else xs[x] if code == 2
                     else ms[o][lo:hi] if code == 3 else ds[x])  # type: ignore[index]  # fmt: skip
                if twice:
                    local.append(1.0 if d is None else d)
                    continue
                if direct:
                    if d is None:
                        gms[dm][sel] = up
                    else:
                        np.multiply(d, up, out=gms[dm][sel])
                else:
                    dest.put(g, gs, up if d is None else d * up)
            if twice:
                np.multiply(np.add(local[0], local[1]), up, out=gms[first[2]][first[3]])

        self.backward = backward  # type: ignore[method-assign]

    def _wide_backward(
        self, v: np.ndarray, s: np.ndarray, g: np.ndarray, gs: np.ndarray, saved: list[Any],
        careful: bool, up: np.ndarray,
    ) -> None:  # fmt: skip
        """All wanted inputs at once: one (k', n, batch) block into one Dest."""
        dest = self.dests[0][1]
        if self.coef is not None:
            c = passed(self.need_coef, up) if careful else self.need_coef * up
        else:
            ds = [1.0 if d is None else d for d in self.local(v, s, saved)]
            if not all(getattr(x, "shape", None) == up.shape for x in ds):
                ds = [np.broadcast_to(x, up.shape) for x in ds]
            d = np.stack(ds)
            c = passed(d, up) if careful else np.multiply(d, up, out=d)
        dest.put(g, gs, c.reshape(-1, up.shape[-1]))
