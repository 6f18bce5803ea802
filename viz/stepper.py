"""Stepping through a graph: the forward pass node by node, then the engine's reverse pass
node by node, as pictures (:func:`backprop_frames`) or as one self-contained HTML page
(:class:`Stepper`, :func:`stepper_html`).

Every gradient shown comes from ``autograd.reverse(root, steps=...)``, the engine's one reverse
pass: the node's own gradient is the step's ``grad`` and each input receives the step's
contribution. A frame is stored as the few cells that step changes, so a graph of n nodes keeps
O(n) frame data, not n pictures of n nodes. The page lays the graph out once with ``dot`` (every
box at its final size) and its script changes only texts and colours, so nothing moves.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import graphviz

from autograd import Step, Value, reverse
from viz.draw import (
    FILL,
    GROUP_FILL,
    GROUP_LINE,
    HIGHLIGHT,
    HIGHLIGHT_EDGE,
    INSTALL_HINT,
    MissingDotWarning,
    as_root,
    check_size,
    collapsed_digraph,
    digraph,
    groups,
    stacked_inputs,
    text_width,
)
from viz.expr import one_line
from viz.notation import Names, chain_lines, clean, fmt, formula, formula_with, forward_line
from viz.page import PAGE

__all__ = [
    "COLLAPSE_ABOVE",
    "MAX_FRAMES_WORK",
    "Stepper",
    "Trace",
    "backprop_frames",
    "expression_text",
    "page_title",
    "stepper_html",
    "trace",
]

# A page with more boxes than this cannot be read at once: it opens with every group of
# parameters (each neuron of an nn model) collapsed to one box, and says so.
COLLAPSE_ABOVE = 120
# backprop_frames makes one picture of the whole graph per step: refuse beyond this many
# boxes * steps (the page, one layout for all steps, has no such limit).
MAX_FRAMES_WORK = 200_000
UNKNOWN = "?"  # shown for a value or gradient that is not yet computed


@dataclass
class Trace:
    """The engine's reverse pass on ``root``, ready to show.

    ``nodes`` are every node in reading order, ``shown`` the ones drawn (folded constants left
    out), ``forward`` the shown nodes with inputs (the forward pass, in reading order);
    ``steps`` the engine's backward steps at shown nodes, ``lines`` their chain-rule lines,
    and ``deltas[k]`` the gradients step k sets, ``(node, gradient so far)``: the step's own
    ``grad`` first, then each input's total after the step's contribution. ``grads`` is the
    engine's final gradient of every node, as one ``backward()`` from zero grads leaves it.
    """

    root: Value
    nodes: list[Value]
    names: Names
    shown: list[Value] = field(default_factory=list)
    forward: list[Value] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    lines: list[list[str]] = field(default_factory=list)
    deltas: list[tuple[tuple[Value, float], ...]] = field(default_factory=list)
    grads: dict[Value, float] = field(default_factory=dict)

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
        """The gradients shown after each backward step (frame 0: none yet), one at a time:
        each is built from the previous one and the step's delta."""
        running: dict[Value, float] = {}
        yield dict(running)
        for delta in self.deltas:
            running.update(delta)
            yield dict(running)


def trace(root: Value, params: object = None, constants: str = "op") -> Trace:
    """The engine's reverse pass on ``root`` with the words of every step; no ``.grad`` is
    touched (``autograd.reverse`` returns the gradients instead).

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> t = trace((x + y) * z)
    >>> [fmt(t.grads[v]) for v in (x, y, z)], x.grad, len(t.steps)
    (['-4', '-4', '3'], 0.0, 2)
    """
    root = as_root(root, "trace")
    names = Names(root, params=params, constants=constants)
    t = Trace(root, names.nodes, names)
    t.shown = [n for n in names.nodes if names.shown(n)]
    t.forward = [n for n in t.shown if n.parents]
    steps: list[Step] = []
    final = reverse(root, steps=steps)
    seen: dict[Value, float] = {}
    for step in steps:
        if not names.shown(step.node):
            continue
        t.steps.append(step)
        t.lines.append(chain_lines(step, names, seen, hide_folded=True))
        delta = {step.node: step.grad}
        for p, _, _ in step.parents:
            if names.shown(p):
                delta[p] = seen[p]
        t.deltas.append(tuple(delta.items()))
    t.grads = {n: float(final.get(n, 0.0)) for n in names.nodes}
    return t


def backprop_frames(
    root: Value, rankdir: str = "LR", params: object = None, constants: str = "op"
) -> list[graphviz.Digraph]:
    """One picture per step of backward: frame 0 is the forward pass with every grad blank;
    frame k fills in the gradients after step k and highlights the node whose gradient was
    just passed back and the edges the chain rule used. Reads no ``.grad`` and changes none.
    Refuses (ValueError) a graph whose pictures would be too many to make
    (boxes * steps > :data:`MAX_FRAMES_WORK`): use :func:`stepper_html` for those.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> frames = backprop_frames((x + y) * z)
    >>> len(frames), "grad -4" in frames[0].source, "grad -4" in frames[2].source
    (3, False, True)
    """
    t = trace(root, params=params, constants=constants)
    work = len(t.shown) * (len(t.steps) + 1)
    if work > MAX_FRAMES_WORK:
        raise ValueError(
            f"backprop_frames: {len(t.steps) + 1} pictures of {len(t.shown)} boxes each is too"
            f" many (boxes * pictures > {MAX_FRAMES_WORK}); stepper_html shows every step"
            " with one picture"
        )
    pictures = []
    for k, grads in enumerate(t.frames()):
        lit = (t.steps[k - 1].node,) if k else ()
        pictures.append(
            digraph(
                t.root, rankdir=rankdir, grads=grads, show_grad=True, highlight=lit, names=t.names
            )
        )
    return pictures


def expression_text(root: Value, names: Names, limit: int = 80) -> str:
    """The whole expression in names, ``(x + y) * z``, when it is a tree short enough to read;
    else ``out = q * z`` (the last op only)."""
    whole = _whole_expression(root, names, limit)
    return whole if whole is not None else f"{names[root]} = {formula(root, names)}"


def page_title(root: Value, names: Names, params: object = None) -> str:
    """A page's default title: the whole expression when it is short enough to read; else
    ``loss of MLP(...)`` when ``params`` is a model (``loss`` is the root's label when it has
    one); else the root's label; else its last op in names (``out = q * z``).

    >>> x, y = Value(2.0, "x"), Value(3.0, "y")
    >>> out = x * y
    >>> page_title(out, Names(out))
    'x * y'
    """
    whole = _whole_expression(root, names)
    if whole is not None:
        return whole
    label = clean(root.label, 60) if root.label else ""
    if hasattr(params, "named_parameters"):
        return clean(f"{label or 'loss'} of {params!r}", 200)
    return label or expression_text(root, names)


def _whole_expression(root: Value, names: Names, limit: int = 80) -> str | None:
    """The whole expression in names when it is a tree of at most ``limit`` characters."""
    text: dict[Value, str] = {}
    uses: dict[Value, int] = {}
    for node in names.nodes:
        for p in node.parents:
            uses[p] = uses.get(p, 0) + 1
    for node in names.nodes:
        if not node.parents or names.is_constant(node) or (uses.get(node, 0) > 1):
            text[node] = names[node]
            continue
        mine = _precedence(node)

        def operand(p: Value, mine: float = mine) -> str:
            t = text[p]
            if not p.parents or names.is_constant(p) or p not in text or t == names[p]:
                return t
            theirs = _precedence(p)
            wrap = theirs < mine < 4 or theirs == mine == 3  # a call has its own parentheses
            return f"({t})" if wrap else t

        text[node] = formula_with(node, operand)
        if len(text[node]) > limit:
            return None
    whole = text.get(root, names[root])
    return whole if root.parents and uses.get(root, 0) == 0 else names[root]


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


# -- the page -----------------------------------------------------------------------------


def _texts_at_start(t: Trace) -> dict[Value, tuple[str, str]]:
    return {n: (UNKNOWN if n.parents else fmt(n.data), UNKNOWN) for n in t.shown}


def _widths(t: Trace) -> dict[Value, int]:
    """Each box's width: enough for its name and every text it will show."""
    out = {}
    for n in t.shown:
        longest = max(
            len(t.names[n]) + 1,  # bold
            len("data ") + max(len(fmt(n.data)), len(UNKNOWN)),
            len("grad ") + max(len(fmt(t.grads.get(n, 0.0))), 8),  # room for any running total
        )
        out[n] = text_width("x" * longest)
    return out


def _explain_start(t: Trace, last: int) -> list[list[str]]:
    names = t.names
    blocks = [
        [
            "p",
            "Step 0: not yet computed. The inputs are given; every other value and every"
            f" gradient is not yet computed (shown as {UNKNOWN}).",
        ],
    ]
    if t.forward:
        blocks.append(
            [
                "p",
                f"Steps 1 to {len(t.forward)} compute the forward pass, one value"
                " at a time in reading order; then backward passes the gradient"
                f" from {names[t.root]} back to every input, one node per step.",
            ]
        )
    leaves = t.inputs() + t.parameters()
    if leaves:
        blocks.append(
            [
                "pre",
                "\n".join(f"{names[v]} = {fmt(v.data)}" for v in leaves[:40])
                + ("\n..." if len(leaves) > 40 else ""),
            ]
        )
    del last
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
    if not blocks:
        blocks.append(["p", "Done."])
    return blocks


def _page_data(t: Trace, ids: dict[Value, int]) -> dict[str, object]:
    """The steps as compact JSON: per step its label, highlighted box, cells it changes
    ``[box, 1 data | 2 grad, new text, old text]`` and explanation blocks."""
    names = t.names
    total = len(t.forward) + len(t.steps)
    steps: list[dict[str, object]] = [
        {
            "label": f"Step 0 of {total}: not yet computed",
            "lit": -1,
            "set": [],
            "text": _explain_start(t, total),
        }
    ]
    for k, node in enumerate(t.forward, start=1):
        blocks = [
            ["p", f"Forward: {names[node]} is computed from its inputs."],
            ["pre", forward_line(node, names)],
        ]
        if k == len(t.forward):
            blocks.append(
                [
                    "p",
                    f"The forward pass is done: {names[t.root]} ="
                    f" {fmt(t.root.data)}. Next, backward.",
                ]
            )
        steps.append(
            {
                "label": f"Step {k} of {total}: forward, computing {names[node]}",
                "lit": ids[node],
                "set": [[ids[node], 1, fmt(node.data), UNKNOWN]],
                "text": blocks,
            }
        )
    shown_grad: dict[Value, str] = {}
    for j, (step, lines, delta) in enumerate(zip(t.steps, t.lines, t.deltas), start=1):
        node = step.node
        who = names[node]
        changes = []
        for v, g in delta:
            old = shown_grad.get(v, UNKNOWN)
            shown_grad[v] = fmt(g)
            changes.append([ids[v], 2, fmt(g), old])
        blocks = []
        if j == 1:
            blocks.append(
                [
                    "p",
                    f"Backward starts at {who} with d{who} = 1 (the output's"
                    " gradient with respect to itself).",
                ]
            )
        blocks.append(["p", f"d{who} = {fmt(step.grad)} has arrived at {who}, computed as"])
        blocks.append(["pre", forward_line(node, names)])
        blocks.append(
            ["p", "The chain rule passes it to each input: d input = d output * local derivative."]
        )
        blocks.append(["pre", "\n".join(lines) if lines else "(no inputs with a gradient)"])
        if j == len(t.steps):
            blocks += _done(t)
        steps.append(
            {
                "label": f"Step {len(t.forward) + j} of {total}: backward at {who}",
                "lit": ids[node],
                "set": changes,
                "text": blocks,
            }
        )
    if not t.steps:
        steps[-1]["text"] = list(steps[-1]["text"]) + _done(t)  # type: ignore[arg-type]
    return {"forward": len(t.forward), "steps": steps}


_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def _views(names: Names) -> list[tuple[str, str, int]]:
    """The collapsed pictures a page offers besides the full one, as (key, button, level):
    each neuron as one box (the deepest groups, ``L0.N1``) and, when groups nest, each layer
    (``L0``). Words come from the names: ``N3`` groups are neurons, ``L0`` layers."""
    where = groups(names)
    if not where:
        return []
    depth = max(g.count(".") + 1 for g in where.values())
    out = []
    for level in sorted({depth, 1}, reverse=True):
        last = {g.split(".")[:level][-1] for g in where.values()}
        if all(re.fullmatch(r"N\d+", p) for p in last):
            key, label = "neurons", "Neurons"
        elif all(re.fullmatch(r"L\d+", p) for p in last):
            key, label = "layers", "Layers"
        else:
            key, label = (
                f"groups{level}",
                "Groups" if depth == 1 or level == depth else "Outer groups",
            )
        out.append((key, label, level))
    return out


def _svg(picture: graphviz.Digraph, cells: Mapping[str, Sequence[str]]) -> str:
    """Lay the picture out once and mark it up for the script: the texts of box ``b`` (a key
    of ``cells``) are centred in their cells and given the ids ``cells[b]`` in order (``v3-1``
    data, ``v3-2`` grad), and the box's fill the id ``b-bg``, so changing a text never moves
    anything."""
    raw = picture.pipe(format="svg", encoding="utf-8", quiet=True)
    tree = ET.fromstring(raw[raw.index("<svg") :])
    q = f"{{{_SVG}}}"
    for g in tree.iter(q + "g"):
        gid = g.get("id", "")
        if g.get("class") != "node" or gid not in cells:
            continue
        names = iter(cells[gid])
        kids = [e for e in g.iter() if e.tag in (q + "polygon", q + "text")]
        filled = False
        for i, el in enumerate(kids):
            if el.tag != q + "polygon":
                continue
            if el.get("fill") not in (None, "none") and not filled:
                el.set("id", f"{gid}-bg")
                filled = True
                continue
            if el.get("fill") == "none" and i + 1 < len(kids) and kids[i + 1].tag == q + "text":
                xs = [float(p.split(",")[0]) for p in el.get("points", "").split()]
                text = kids[i + 1]
                text.set("text-anchor", "middle")
                text.set("x", f"{(min(xs) + max(xs)) / 2:.2f}")
                text.set("id", next(names, ""))
    return ET.tostring(tree, encoding="unicode")


def _json(data: object) -> str:
    """JSON safe inside a <script> element: no ``</script>``, no ``<!--``, no U+2028."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Stepper:
    """A step-by-step page for the graph of ``root``: the forward pass then backward, one node
    per step, in one picture laid out once (only texts and colours change), with the
    arithmetic of each step beside it. Displays inline in Jupyter; ``save(path)`` writes it.

    ``params`` (an ``nn.Module``, a ``{name: Value}`` mapping or Values) names and colours the
    parameters and lists their gradients at the end; ``title`` defaults to the expression;
    constants are written on their op unless ``constants="nodes"``. A graph too big for
    ``dot`` to lay out quickly is refused with a one-line ValueError; one with more than
    :data:`COLLAPSE_ABOVE` boxes opens with each parameter group (neuron) collapsed.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> s = Stepper((x + y) * z)
    >>> s.title, s.total
    ('(x + y) * z', 4)
    """

    def __init__(
        self,
        root: Value,
        params: object = None,
        title: str | None = None,
        constants: str = "op",
        rankdir: str = "LR",
    ) -> None:
        root = as_root(root, "Stepper")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"Stepper: title must be a str, got {type(title).__name__}")
        names = Names(root, params=params, constants=constants)
        check_size([n for n in names.nodes if names.shown(n)], "stepper")
        self.trace = t = trace(root, params=params, constants=constants)
        self.rankdir = rankdir
        self.title = clean(title, 200) if title is not None else page_title(root, t.names, params)
        self.total = len(t.forward) + len(t.steps)
        self.views = _views(t.names)
        self.collapsed = len(t.shown) > COLLAPSE_ABOVE and bool(self.views)
        self._page: str | None = None

    @property
    def note(self) -> str:
        """What the page says about its size ('' for a small graph)."""
        n = len(self.trace.shown)
        if self.collapsed:
            word = self.views[0][1].lower()
            return (
                f"{n} boxes are more than {COLLAPSE_ABOVE} can be read at once: the page"
                f" opens collapsed, each of the {word} drawn as one box (All values shows every"
                " box; click a box to see it in full)."
            )
        if n > COLLAPSE_ABOVE:
            return (
                f"{n} boxes are more than {COLLAPSE_ABOVE} can be read at once: zoom and"
                " drag to move around; the current node is kept in view."
            )
        return ""

    def html(self) -> str:
        """The whole page: one HTML document, no network access."""
        if self._page is None:
            self._page = self._build()
        return self._page

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (folders are made); returns the path."""
        if isinstance(path, str) and not path.strip():
            raise ValueError("Stepper.save: the path is empty")
        out = Path(path)
        page = self.html()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        doc = html.escape(self.html(), quote=True)
        return (
            f'<iframe srcdoc="{doc}" style="width:100%;height:720px;border:1px solid #ddd"'
            ' title="backpropagation step by step"></iframe>'
        )

    def _build(self) -> str:
        t = self.trace
        ids = {n: i for i, n in enumerate(t.shown)}
        start = _texts_at_start(t)
        widths = _widths(t)
        picture = digraph(
            t.root,
            rankdir=self.rankdir,
            grads=None,
            show_grad=True,
            highlight=(),
            names=t.names,
            texts=start,
            widths=widths,
            clusters=True,
        )
        cells = {f"v{i}": [f"v{i}-0", f"v{i}-1", f"v{i}-2"] for i in range(len(t.shown))}
        for user, ps in stacked_inputs(t.names).items():  # a table of parameters, row by row
            cells[f"v{ids[user]}_in"] = [f"v{ids[p]}-{c}" for p in ps for c in range(3)]
        pictures = [(picture, cells)]
        views: list[dict[str, object]] = [{"key": "full", "prefix": ""}]
        buttons = [("All values", "show every value, parameter and op")]
        for key, label, level in self.views:
            prefix = f"c{level}"
            c = collapsed_digraph(t.names, level, prefix, start, widths, self.rankdir)
            pictures.append((c.picture, c.cells))
            views.append({"key": key, "prefix": prefix, "owner": c.owner, "boxes": c.boxes})
            buttons.append((label, f"show each of the {label.lower()} as one box"))
        note = ""
        try:
            svgs = [_svg(pic, cells) for pic, cells in pictures]
        except graphviz.ExecutableNotFound:
            warnings.warn(
                f"graphviz's `dot` was not found, so the stepper has no picture: {INSTALL_HINT}",
                MissingDotWarning,
                stacklevel=3,
            )
            svgs = []
            note = f'<p id="no-pictures">No picture: {html.escape(INSTALL_HINT)}.</p>'
        except subprocess.CalledProcessError as err:
            detail = err.stderr or b""
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            detail = detail or str(err)
            raise ValueError(f"stepper: graphviz's dot failed: {one_line(detail, 200)}") from None
        data = _page_data(t, ids)
        data["views"] = views[: len(svgs)] if svgs else []
        data["view"] = 1 if self.collapsed and len(svgs) > 1 else 0
        keys = [
            (FILL["output"], "output"),
            (FILL["input"], "input"),
            (FILL["param"], "parameter"),
            (FILL["inner"], "intermediate"),
            (FILL["const"], "constant"),
            (HIGHLIGHT, "this step"),
        ]
        legend = "".join(
            f'<span class="key"><i style="background:{c}"></i>{w}</span>' for c, w in keys
        )
        if self.views:
            legend += (
                f'<span class="key"><i style="background:{GROUP_FILL};border:2px solid'
                f' {GROUP_LINE}"></i>{html.escape(self.views[0][1].lower())} as one box</span>'
            )
        legend += f'<span class="key">{UNKNOWN} not yet computed</span>'
        size_note = f'<p id="size-note">{html.escape(self.note)}</p>' if self.note else ""
        shown = data["view"]
        view_html = "".join(
            f'<div class="view" id="view-{views[k]["key"]}"{"" if k == shown else " hidden"}>'
            f"{svg}</div>"
            for k, svg in enumerate(svgs)
        )
        view_buttons = ""
        if len(svgs) > 1:
            view_buttons = (
                '<span id="views" role="group" aria-label="picture">'
                + "".join(
                    f'<button type="button" data-view="{k}" title="{html.escape(tip)}"'
                    f' aria-pressed="{str(k == shown).lower()}">{html.escape(text)}</button>'
                    for k, (text, tip) in enumerate(buttons)
                )
                + "</span>"
            )
        fill = {
            "title": html.escape(self.title),
            "legend": legend,
            "note": note + size_note,
            "views": view_html,
            "viewbuttons": view_buttons,
            "data": _json(data),
            "last": str(self.total),
            "lit": HIGHLIGHT,
            "litedge": HIGHLIGHT_EDGE,
        }
        return re.sub(
            r"\{(title|legend|note|views|viewbuttons|data|last|lit|litedge)\}",
            lambda m: fill[m.group(1)],
            PAGE,
        )


def stepper_html(
    root: Value,
    path: str | Path,
    rankdir: str = "LR",
    params: object = None,
    title: str | None = None,
    constants: str = "op",
) -> Path:
    """Write ONE self-contained HTML page that steps through the forward pass and then
    backward on ``root`` (see :class:`Stepper`); returns the path written.

    Prev / Next / Play, arrow keys and a slider step; ``#step=N`` in the URL opens step N and
    stepping keeps it up to date. Zoom in / out / fit and drag to pan; the current node is kept
    in view. When ``dot`` is missing the page is still written with every step's arithmetic
    and a note on installing graphviz (and a :class:`MissingDotWarning`). Touches no ``.grad``.
    """
    return Stepper(root, params=params, title=title, constants=constants, rankdir=rankdir).save(
        path
    )
