"""The engine's reverse pass on a graph, ready to show: made once per page, picture or command
and handed to each (the printer, ``render``, the stepper page and its slides).

Every gradient shown comes from ``autograd.reverse(root, steps=...)``, the engine's one reverse
pass: the node's own gradient is the step's ``grad`` and each input receives the step's
contribution. A step is kept as the few cells it changes, so a graph of n nodes keeps O(n)
step data, not n pictures of n nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from autograd import Step, Value, reverse
from viz.boxes import too_big
from viz.draw import as_root, check_size
from viz.notation import Names, chain_line, chain_terms, clean, formula, formula_with

__all__ = ["Flow", "Trace", "expression_text", "page_title", "trace"]


@dataclass(frozen=True)
class Flow:
    """What one edge carries on a backward step: input ``index`` of the step's node (drawn
    as ``source``) receives ``local * grad = contribution``; ``before`` is what it had
    received before (None: nothing yet); ``total`` its gradient after; ``final`` is True when
    no later step adds to it (a partial sum reads "so far" until then)."""

    index: int
    source: Value
    words: str
    local: float
    contribution: float
    before: float | None
    total: float
    final: bool


@dataclass
class Trace:
    """The engine's reverse pass on ``root``, ready to show.

    ``nodes`` are every node in reading order, ``shown`` the ones drawn (folded constants and
    steps the user never wrote left out), ``forward`` the shown nodes with inputs (the forward
    pass, in reading order); ``steps`` the engine's backward steps at shown nodes and
    ``flows[k]`` what step k passes to each input. ``grads`` is the engine's final gradient of
    every node, as one ``backward()`` from zero grads leaves it; ``passed`` every node the
    reverse pass went through (left-out ones too), in its order.
    """

    root: Value
    nodes: list[Value]
    names: Names
    shown: list[Value] = field(default_factory=list)
    forward: list[Value] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    flows: list[list[Flow]] = field(default_factory=list)
    grads: dict[Value, float] = field(default_factory=dict)
    passed: list[Value] = field(default_factory=list)

    @property
    def lines(self) -> list[list[str]]:
        """Each backward step's chain rule, one line per input (see ``chain_lines``)."""
        return [
            [
                chain_line(self.names, s.node, s.grad, (f.source, f.words, f.local,
                                                        f.contribution, f.before))
                for f in flows
            ]
            for s, flows in zip(self.steps, self.flows)
        ]  # fmt: skip

    @property
    def deltas(self) -> list[tuple[tuple[Value, float], ...]]:
        """The gradients step k sets, ``(node, gradient so far)``: the step's own ``grad``
        first, then each input's total after the step's contribution."""
        out = []
        for step, flows in zip(self.steps, self.flows):
            delta = {step.node: float(step.grad)}
            for f in flows:
                delta[f.source] = f.total
            out.append(tuple(delta.items()))
        return out

    def inputs(self) -> list[Value]:
        """The named leaves that are not parameters, in reading order."""
        names = self.names
        return [n for n in self.shown if not n.parents and n.label and n not in names.params]

    def parameters(self) -> list[Value]:
        """The parameters in the graph, in the order ``params`` gives them (L0.N0.w0,
        L0.N0.w1, L0.N0.b, L0.N1.w0, ...)."""
        rank = self.names.param_rank
        return sorted((n for n in self.shown if n in rank), key=rank.__getitem__)

    def frames(self) -> Iterator[dict[Value, float]]:
        """The gradients shown after each backward step (frame 0: none yet), one at a time."""
        running: dict[Value, float] = {}
        yield dict(running)
        for delta in self.deltas:
            running.update(delta)
            yield dict(running)


def trace(
    root: Value,
    params: object = None,
    constants: str = "op",
    names: Names | None = None,
    what: str = "trace",
    check: bool = True,
) -> Trace:
    """The engine's reverse pass on ``root`` with the words of every step; no ``.grad`` is
    touched (``autograd.reverse`` returns the gradients instead). Unless ``check`` is False,
    the picture's size is checked first (:func:`viz.draw.check_size`, a one-line ValueError
    naming ``what``), before the reverse pass.

    >>> from viz.notation import fmt
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> t = trace((x + y) * z)
    >>> [fmt(t.grads[v]) for v in (x, y, z)], x.grad, len(t.steps)
    (['-4', '-4', '3'], 0.0, 2)
    """
    root = as_root(root, what)
    if check and names is None:
        too_big(root, what)
    names = names if names is not None else Names(root, params=params, constants=constants)
    t = Trace(root, names.nodes, names)
    t.shown = [n for n in names.nodes if names.shown(n)]
    if check:
        check_size(t.shown, what, names)
    t.forward = [n for n in t.shown if n.parents]
    steps: list[Step] = []
    final = reverse(root, steps=steps)
    t.grads = {n: float(final.get(n, 0.0)) for n in names.nodes}
    t.passed = [step.node for step in steps]
    seen: dict[Value, float] = {}
    terms = []
    last: dict[Value, int] = {}  # the last step that adds to each node
    for step in steps:
        if not names.shown(step.node):
            continue
        t.steps.append(step)
        these = chain_terms(step, names, seen, hide_folded=True)
        indices = [i for i, (p, _, _) in enumerate(step.parents) if p not in names.folded]
        terms.append(list(zip(indices, these)))
        for p, *_ in these:
            last[p] = len(t.steps) - 1
    for k, step_terms in enumerate(terms):
        flows = []
        for i, (p, words, d, c, before) in step_terms:
            done = last[p] == k
            total = t.grads[p] if done else c if before is None else before + c
            flows.append(Flow(i, p, words, float(d), float(c), before, float(total), done))
        t.flows.append(flows)
    return t


def expression_text(root: Value, names: Names, limit: int = 80) -> str:
    """The whole expression in names, ``(x + y) * z``, when it is a tree short enough to read;
    else ``out = q * z`` (the last op only)."""
    top = names.top
    whole = _whole_expression(names, limit)
    return whole if whole is not None else f"{names[top]} = {formula(top, names)}"


def page_title(root: Value, names: Names, params: object = None) -> str:
    """A page's default title: the whole expression when it is short enough to read; else
    ``loss of MLP(...)`` when ``params`` is a model (``loss`` is the root's label when it has
    one); else the root's label; else its last op in names (``out = q * z``).

    >>> x, y = Value(2.0, "x"), Value(3.0, "y")
    >>> out = x * y
    >>> page_title(out, Names(out))
    'x * y'
    """
    whole = _whole_expression(names)
    if whole is not None:
        return whole
    label = clean(root.label, 60) if root.label else ""
    if hasattr(params, "named_parameters"):
        return clean(f"{label or 'loss'} of {params!r}", 200)
    return label or expression_text(root, names)


def _whole_expression(names: Names, limit: int = 80) -> str | None:
    """The whole expression in names when it is a tree of at most ``limit`` characters."""
    text: dict[Value, str] = {}
    uses: dict[Value, int] = {}
    for node, users in names.users().items():
        uses[node] = len(users)
    for node in names.nodes:
        if not names.shown(node):
            continue
        if not node.parents or uses.get(node, 0) > 1:
            text[node] = names[node]
            continue
        mine = _precedence(node)

        def operand(p: Value, mine: float = mine) -> str:
            p = names.shown_as(p)
            t = text.get(p, names[p])
            if not p.parents or p not in text or t == names[p]:
                return t
            theirs = _precedence(p)
            wrap = theirs < mine < 4 or theirs == mine == 3  # a call has its own parentheses
            return f"({t})" if wrap else t

        text[node] = formula_with(node, operand)
        if len(text[node]) > limit:
            return None
    top = names.top
    whole = text.get(top, names[top])
    return whole if top.parents and uses.get(top, 0) == 0 else names[top]


def _precedence(node: Value) -> float:
    """How tightly the op's formula binds, read from its written form (not a per-op list):
    a call or ``|x|`` 4, ``**`` 3, a leading minus 2.5, ``*`` 2, ``+`` 1."""
    shown = formula_with(node, lambda p: "a").strip()
    if shown.startswith("|") or re.match(r"^\w+\(", shown):
        return 4
    if " + " in shown or " - " in shown:
        return 1
    if " * " in shown or " / " in shown:
        return 2
    if shown.startswith("-"):
        return 2.5
    return 3 if "**" in shown else 4
