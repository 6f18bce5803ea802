"""The steps of a stepper page as data: what each step changes on screen and what it says.

Made once from a :class:`viz.trace.Trace` and used by the page's script and by the slides
(:mod:`viz.frames`), so both show the same thing. The explanation of a step is made from data
(names, the local derivative in words, the engine's numbers), not stored as finished text, so
the page can write it again with other numbers.
"""

from __future__ import annotations

from typing import Any

from autograd import OPS, Value
from viz.live import graph_data
from viz.names import fmt
from viz.notation import formula, formula_numbers
from viz.trace import Flow, Trace

__all__ = [
    "UNKNOWN",
    "SO_FAR",
    "edge_labels",
    "edge_roles",
    "flow_label",
    "flow_text",
    "grad_text",
    "page_data",
    "texts_at_start",
    "widths",
]

UNKNOWN = "?"  # shown for a value or gradient that is not yet computed
SO_FAR = " so far"  # after a gradient that is still a partial sum
ROOM = 9  # characters of a usual number fmt writes, -0.123457 (a longer one is drawn narrower)


def _operand(number: str) -> str:
    return f"({number})" if number.startswith("-") else number


def flow_label(local: float, contribution: float) -> str:
    """What an edge carries on a backward step: ``× (-3) = -0.59`` (local derivative and
    contribution)."""
    return f"× {_operand(fmt(local))} = {fmt(contribution)}"


def flow_text(flow: Flow) -> str:
    """:func:`flow_label` of a :class:`viz.trace.Flow`."""
    return flow_label(flow.local, flow.contribution)


def grad_text(flow: Flow) -> str:
    """An input's gradient after the step: ``-4``, or ``-4 so far`` while more will come."""
    return fmt(flow.total) + ("" if flow.final else SO_FAR)


def texts_at_start(t: Trace) -> dict[Value, tuple[str, str]]:
    """Every box's data and grad text at step 0: inputs given, the rest not yet computed."""
    return {n: (UNKNOWN if n.parents else fmt(n.data), UNKNOWN) for n in t.shown}


def widths(t: Trace) -> dict[Value, int]:
    """Each box's width in points: room for its name and every text it will show, and for a
    usual number ``fmt`` writes (9 characters, ``-0.123457``), so that most values a page
    recomputes when a number changes fit too (a longer one is drawn narrower)."""
    from viz.boxes import text_width

    grads: dict[Value, int] = {}
    partial: set[Value] = set()  # gradients shown as partial sums ("so far") on some step
    for flows in t.flows:
        for f in flows:
            grads[f.source] = max(grads.get(f.source, 0), len(grad_text(f)))
            if not f.final:
                partial.add(f.source)
    out = {}
    for n in t.shown:
        longest = max(
            len(t.names[n]) + 1,  # bold
            len("data ") + max(len(fmt(n.data)), ROOM),
            len("grad ")
            + max(
                grads.get(n, 0),
                len(fmt(t.grads.get(n, 0.0))),
                ROOM + (len(SO_FAR) if n in partial else 0),
            ),
        )
        out[n] = text_width("x" * longest)
    return out


def edge_labels(t: Trace, ids: dict[Value, int]) -> dict[str, str]:
    """Room for what each input edge will carry: its longest flow text, by edge id (what a
    page recomputes when a number changes may be longer: it is drawn narrower, see
    :mod:`viz.script`)."""
    out: dict[str, str] = {}
    for step, flows in zip(t.steps, t.flows):
        box = f"v{ids[step.node]}"
        for f in flows:
            key = f"{box}_e{f.index}"
            text = flow_text(f)
            if len(text) > len(out.get(key, "")):
                out[key] = text
    for key, role in edge_roles(t, ids).items():
        if len(role) > len(out.get(key, "")):
            out[key] = role
    return out


def edge_roles(t: Trace, ids: dict[Value, int]) -> dict[str, str]:
    """What input edges say on forward steps: the input's role where the op's row names one
    (``base``, ``exponent``), by edge id."""
    out = {}
    for node in t.forward:
        row = OPS.get(node.op)
        for i, role in enumerate(row.roles if row is not None else ()):
            out[f"v{ids[node]}_e{i}"] = role
    return out


def _start(t: Trace) -> list[list[str]]:
    names = t.names
    blocks = [
        [
            "p",
            "Step 0: not yet computed. The inputs are given; every other value and every"
            " gradient is not yet computed (shown as ?).",
        ],
    ]
    if t.forward:
        blocks.append(
            [
                "p",
                f"Steps 1 to {len(t.forward)} compute the forward pass, one value at a time in"
                f" reading order; then backward passes the gradient from {names[names.top]}"
                " back to every input, one node per step.",
            ]
        )
    leaves = t.inputs() + t.parameters()
    if leaves:
        text = "\n".join(f"{names[v]} = {fmt(v.data)}" for v in leaves[:40])
        blocks.append(["pre", text + ("\n..." if len(leaves) > 40 else "")])
    return blocks


def _done(t: Trace) -> list[list[str]]:
    names = t.names
    ins = t.inputs() or ([] if t.parameters() else [n for n in t.shown if not n.parents])
    blocks = []
    if ins:
        blocks.append(["p", "Done. Gradients of the inputs:"])
        blocks.append(["pre", "\n".join(f"{names.grad_name(v)} = {fmt(t.grads[v])}" for v in ins)])
    ps = t.parameters()
    if ps:
        blocks.append(["p", ("Done. " if not ins else "") + "Gradients of the parameters:"])
        blocks.append(["pre", "\n".join(f"{names.grad_name(v)} = {fmt(t.grads[v])}" for v in ps)])
    return blocks or [["p", "Done."]]


def page_data(t: Trace, ids: dict[Value, int]) -> dict[str, Any]:
    """The page's data: per box its name, gradient name and forward formula (in names and in
    numbers); per step the box it is at, its phase (f forward, b backward), the cells it
    changes ``[box, 1 data | 2 grad, new text, old text]``, its gradient and flows ``[input
    index, box of the input, local derivative in words, local derivative, contribution,
    before or null, 1 when final]``; the explanation's fixed blocks; and the graph."""
    names = t.names
    boxes = [
        [names[n], names.grad_name(n), formula(n, names) if n.parents else "",
         formula_numbers(n) if n.parents else "", fmt(n.data)]
        for n in t.shown
    ]  # fmt: skip
    steps: list[list[Any]] = [[-1, "", [], 0]]
    for node in t.forward:
        steps.append([ids[node], "f", [[ids[node], 1, fmt(node.data), UNKNOWN]], 0])
    shown_grad: dict[Value, str] = {}
    for step, flows in zip(t.steps, t.flows):
        changes = []
        own = fmt(step.grad)
        if shown_grad.get(step.node) != own:
            changes.append([ids[step.node], 2, own, shown_grad.get(step.node, UNKNOWN)])
            shown_grad[step.node] = own
        fl = []
        for f in flows:
            new = grad_text(f)
            changes.append([ids[f.source], 2, new, shown_grad.get(f.source, UNKNOWN)])
            shown_grad[f.source] = new
            fl.append([f.index, ids[f.source], f.words, f.local, f.contribution, f.before,
                       int(f.final)])  # fmt: skip
        steps.append([ids[step.node], "b", changes, float(step.grad), fl])
    return {
        "forward": len(t.forward),
        "top": ids[names.top],
        "boxes": boxes,
        "steps": steps,
        "start": _start(t),
        "done": _done(t),
        "graph": graph_data(t, ids),
    }
