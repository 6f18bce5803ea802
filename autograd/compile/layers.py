"""Layers: bilinear nodes (affine) over one batched input vector, with static factors
(weights), run as matrix products: forward ``Z = W @ H + b``, backward ``dW = U @ H.T``,
``db = U.sum(1)``, ``dH = W.T @ U`` (``H`` and ``U`` hold one sample per column). With a row
of ones before ``H`` and each node's bias before its weights, ``Z = [b | W] @ [1; H]``: the
bias is a column of the weights, and its gradient comes out of ``dW``'s product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.compile.arrays import passed, run_checked
from autograd.compile.steps import Dest, Rows
from autograd.ops import Op

__all__ = ["Layer"]


class Layer:
    """Bilinear nodes (affine) over one batched input vector with static factors (weights),
    run as matrix products. ``w`` are the weights' rows of S, row-major (n_out, n_in);
    ``bias`` the static rows added to each node with their coefficients (affine: its b)."""

    def __init__(
        self,
        op: Op,
        arg: Any,
        h: Rows,
        w: list[list[int]],
        bias: list[list[tuple[int, float]]],
        lo: int,
        nodes_in: list[list[tuple[bool, int]]],
        ones: set[int],
    ) -> None:
        self.op, self.arg = op, arg
        n = len(w)
        self.n, self.lo, self.hi = n, lo, lo + n
        self.pos = 0
        self.f0 = float(op.kernel(np.zeros((len(nodes_in[0]), 1)), arg)[0])  # constant term
        nb = len(bias[0])  # every node of a group has the same rule: as many static terms
        aug = [[b[0][0], *ws] for b, ws in zip(bias, w)]  # [b | W], row by row
        flat = [r for row in aug for r in row]
        if (
            nb == 1
            and all(b[0][1] == 1.0 for b in bias)
            and not self.f0
            and isinstance(h.sel, slice)
            and h.sel.step in (None, 1)
            and h.sel.start - 1 in ones
            and flat == list(range(flat[0], flat[0] + len(flat)))
        ):  # Z = [b | W] @ [1; H]: the bias is a column, its gradient comes with dW's
            h = Rows(list(range(h.sel.start - 1, h.sel.stop)))
            w, bias, nb = aug, [[]] * n, 0
        self.h = h
        self.hsel = h.sel
        self.shape = (n, len(w[0]))
        self.w = Rows([r for row in w for r in row], broadcast=False)
        self.wsel = self.w.sel
        self.bias = [Rows([b[j][0] for b in bias]) for j in range(nb)]
        self.bcoef = [np.array([[b[j][1]] for b in bias]) for j in range(nb)]
        self.unit = [bool((c == 1.0).all()) for c in self.bcoef]
        self.nodes_in = nodes_in  # per node: (batched, row) of each input, for error messages
        self.dw: Dest | None = None
        self.db: list[Dest | None] = [None] * nb
        self.dh: Dest | None = None

    def all_dests(self) -> list[Dest]:
        return [d for d in (self.dw, *self.db, self.dh) if d is not None]

    def forward(self, v: np.ndarray, s: np.ndarray, saved: list[Any]) -> None:
        H = v[self.hsel]
        W = s[self.wsel, 0].reshape(self.shape)
        Z = v[self.lo : self.hi]
        np.matmul(W, H, out=Z)
        for rows, coef, unit in zip(self.bias, self.bcoef, self.unit):
            b = s[rows.sel]
            Z += b if unit else coef * b
        if self.f0:
            Z += self.f0
        saved[self.pos] = (H, W)

    def specialise(self) -> None:
        """Closures for the usual layer (one bias per node, every gradient written in place
        into a slice): ``Z = W @ H + b`` and its three products, nothing looked up."""
        dests = [self.dw, *self.db, self.dh]
        if len(self.db) > 1 or not all(self.unit) or self.f0:
            return
        if not isinstance(self.w.sel, slice) or not isinstance(self.hsel, slice):
            return
        if any(d is not None and not d.direct for d in dests):
            return
        hsel, wsel, shape = self.hsel, self.wsel, self.shape
        bsel = self.bias[0].sel if self.bias else None
        lo, hi, pos = self.lo, self.hi, self.pos
        matmul, reduce = np.matmul, np.add.reduce
        dw, dh = self.dw is not None, self.dh is not None
        db = bool(self.db) and self.db[0] is not None
        general = self.backward

        # The views a call reads and writes are made once per thread and batch size, and kept
        # (in saved: [forward views, backward views], each beside the matrix they view).

        def forward(v: np.ndarray, s: np.ndarray, saved: list[Any]) -> None:
            kept = saved[pos]
            if kept is None or kept[0][0] is not v:
                H, W = v[hsel], s[wsel, 0].reshape(shape)
                b = s[bsel] if bsel is not None else None
                kept = saved[pos] = [(v, H, W, v[lo:hi], b), None]
            _, H, W, Z, b = kept[0]
            matmul(W, H, out=Z)
            if b is not None:
                Z += b

        self.forward = forward  # type: ignore[method-assign]

        def backward(
            v: np.ndarray, s: np.ndarray, g: np.ndarray, gs: np.ndarray, saved: list[Any],
            careful: bool,
        ) -> None:  # fmt: skip
            if careful:
                general(v, s, g, gs, saved, careful)
                return
            kept = saved[pos]
            if kept[1] is None or kept[1][0] is not g:
                _, H, W, _, _ = kept[0]
                gb = gs[bsel] if bsel is not None else None
                kept[1] = (g, g[lo:hi], H.T, W.T, gs[wsel].reshape(shape), gb, g[hsel])
            _, U, HT, WT, gW, gb, gH = kept[1]
            if dw:
                matmul(U, HT, out=gW)
            if db:
                reduce(U, axis=1, keepdims=True, out=gb)
            if dh:
                matmul(WT, U, out=gH)

        self.backward = backward  # type: ignore[method-assign]

    def check(self, v: np.ndarray, s: np.ndarray) -> None:
        """A non-finite output: replay that node and sample through the row (its errors)."""
        Z = v[self.lo : self.hi]
        for r, col in zip(*np.nonzero(~np.isfinite(Z))):
            xs = [np.array([v[row, col] if batched else s[row, 0]]) for batched, row in
                  self.nodes_in[r]]  # fmt: skip
            run_checked(self.op, xs, self.arg, False)

    def backward(
        self, v: np.ndarray, s: np.ndarray, g: np.ndarray, gs: np.ndarray, saved: list[Any],
        careful: bool,
    ) -> None:  # fmt: skip
        kept = saved[self.pos]
        H, W = kept[0][1:3] if isinstance(kept, list) else kept  # the specialised form keeps views
        U = g[self.lo : self.hi]
        if self.dw is not None:
            if careful:  # the partial of w_ji is h_i: where it is 0, nothing passes
                dW = passed(H[None, :, :], U[:, None, :]).sum(axis=2)
                self.dw.put(g, gs, dW.reshape(-1, 1))
            elif self.dw.direct:
                np.matmul(U, H.T, out=gs[self.w.sel].reshape(self.shape))
            else:
                self.dw.put(g, gs, (U @ H.T).reshape(-1, 1))
        if len(self.db) == 1 and self.db[0] is not None and self.db[0].direct and self.unit[0]:
            np.add.reduce(U, axis=1, keepdims=True, out=gs[self.db[0].rows.sel])
        elif any(self.db):
            u = U.sum(axis=1, keepdims=True)
            for dest, coef, unit in zip(self.db, self.bcoef, self.unit):
                if dest is not None:
                    dest.put(g, gs, u if unit else coef * u)
        if self.dh is not None:
            if careful:  # the partial of h_i is w_ji
                self.dh.put(g, gs, passed(W[:, :, None], U[:, None, :]).sum(axis=0))
            elif self.dh.direct:
                np.matmul(W.T, U, out=g[self.h.sel])
            else:
                self.dh.put(g, gs, W.T @ U)
