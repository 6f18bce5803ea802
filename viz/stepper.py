"""Stepping through a graph: the forward pass node by node, then the engine's reverse pass
node by node, as one self-contained HTML page (:class:`Stepper`, :func:`stepper_html`) a
teacher can project, and as slides (:func:`viz.frames.export_steps`).

The page lays the graph out once with ``dot`` (every box at its final size, every edge with
room for what it will carry) and its script changes only texts, colours and the camera, so
nothing moves. The trace is made once (:func:`viz.trace.trace`) and handed to everything.
"""

from __future__ import annotations

import html
import json
import math
import re
import subprocess
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import graphviz

from autograd import Value
from viz.boxes import FILL, GROUP_FILL, GROUP_LINE, HIGHLIGHT, HIGHLIGHT_EDGE, INSTALL_HINT
from viz.collapsed import collapsed_digraph
from viz.draw import MissingDotWarning, as_root, digraph, stacked_inputs
from viz.expr import one_line
from viz.names import clean
from viz.page import PAGE
from viz.rules import rule_scripts
from viz.steps import edge_labels, edge_roles, page_data, texts_at_start, widths
from viz.trace import Trace, expression_text, page_title, trace

__all__ = [
    "COLLAPSE_ABOVE",
    "Stepper",
    "Trace",
    "expression_text",
    "page_title",
    "stepper_html",
    "trace",
]

# A page with more boxes than this cannot be read at once: it opens with every group of
# parameters (each neuron of an nn model) collapsed to one box, and says so.
COLLAPSE_ABOVE = 120


def _views(names: Any) -> list[tuple[str, str, int]]:
    """The collapsed pictures a page offers besides the full one, as (key, button, level):
    each neuron as one box (the deepest groups, ``L0.N1``) and, when groups nest, each layer
    (``L0``). Words come from the names: ``N3`` groups are neurons, ``L0`` layers."""
    where = names.group
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


_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_Q = f"{{{_SVG}}}"


def _points(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(",")[:2])) for p in text.split()]  # type: ignore[misc]


def _mark_edge(g: ET.Element, roles: Mapping[str, str], rooms: Mapping[str, str]) -> None:
    """Tell an edge's two arrowheads apart (class ``head`` at the head, ``tail`` at the tail,
    so the script shows the one the value flows to) and give its label the id ``{edge}-t``,
    as ``data-role`` what it says on forward steps (its input's role, or nothing) and as
    ``data-room`` how many characters the layout left it (``rooms``)."""
    path = g.find(_Q + "path")
    if path is None:
        return
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    if len(nums) < 4:
        return
    start, end = (nums[0], nums[1]), (nums[-2], nums[-1])
    for poly in g.findall(_Q + "polygon"):
        pts = _points(poly.get("points", ""))
        cx = sum(p[0] for p in pts) / len(pts)
        cy = sum(p[1] for p in pts) / len(pts)
        near_end = math.dist((cx, cy), end) < math.dist((cx, cy), start)
        poly.set("class", "head" if near_end else "tail")
    label = g.find(_Q + "text")
    if label is not None:
        label.set("id", g.get("id", "") + "-t")
        role = roles.get(g.get("id", ""), "")
        label.set("data-role", role)
        label.set("data-room", str(len(rooms.get(g.get("id", ""), ""))))
        label.text = role


def _svg(
    picture: graphviz.Digraph,
    cells: Mapping[str, Sequence[str]],
    rows: Mapping[str, Sequence[str]],
    roles: Mapping[str, str],
    rooms: Mapping[str, str],
) -> str:
    """Lay the picture out once and mark it up for the script: the texts of box ``b`` (a key
    of ``cells``) are centred in their cells and given the ids ``cells[b]`` in order (``v3-1``
    data, ``v3-2`` grad), the box's fill the id ``b-bg``, each row of a box of rows (``rows``)
    becomes one element, and each edge's arrowheads and label are marked (:func:`_mark_edge`),
    so changing a text never moves anything."""
    raw = picture.pipe(format="svg", encoding="utf-8", quiet=True)
    tree = ET.fromstring(raw[raw.index("<svg") :])
    row_of = {cell: row for row, ids in dict(rows).items() for cell in ids}
    for g in tree.iter(_Q + "g"):
        gid = g.get("id", "")
        if g.get("class") == "edge":
            _mark_edge(g, roles, rooms)
            continue
        if g.get("class") != "node" or gid not in cells:
            continue
        names = iter(cells[gid])
        parent = {c: p for p in g.iter() for c in p}
        kids = [e for e in g.iter() if e.tag in (_Q + "polygon", _Q + "text")]
        filled = False
        wraps: dict[str, ET.Element] = {}
        for i, el in enumerate(kids):
            if el.tag != _Q + "polygon":
                continue
            if el.get("fill") not in (None, "none") and not filled:
                el.set("id", f"{gid}-bg")
                filled = True
                continue
            if el.get("fill") == "none" and i + 1 < len(kids) and kids[i + 1].tag == _Q + "text":
                xs = [p[0] for p in _points(el.get("points", ""))]
                text = kids[i + 1]
                text.set("text-anchor", "middle")
                text.set("x", f"{(min(xs) + max(xs)) / 2:.2f}")
                # the characters the cell has room for: a longer text (a number an edit
                # brought) is drawn narrower by the page's script rather than spill over
                room = max(xs) - min(xs) - 8
                text.set("data-room", str(int(room / 6.1)))
                name = next(names, "")
                text.set("id", name)
                row = row_of.get(name)
                if row is not None:  # the cell and its text move into the row's element
                    home = parent[el]
                    if row not in wraps:
                        wraps[row] = ET.Element(_Q + "g", {"id": row, "class": "row"})
                        home.insert(list(home).index(el), wraps[row])
                    home.remove(el)
                    parent[text].remove(text)
                    wraps[row].extend([el, text])
    return ET.tostring(tree, encoding="unicode")


def _plain(value: Any) -> Any:
    """JSON-ready: a float that is not finite becomes the string "nan", "inf" or "-inf"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json(data: object) -> str:
    """JSON safe inside a <script> element: no ``</script>``, no ``<!--``, no U+2028."""
    text = json.dumps(_plain(data), separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Stepper:
    """A step-by-step page for the graph of ``root``: the forward pass then backward, one node
    per step, in one picture laid out once (only texts, colours and the camera change), with
    the arithmetic of each step beside it. Displays inline in Jupyter, fitted to the cell;
    ``save(path)`` writes it.

    ``params`` (an ``nn.Module``, a ``{name: Value}`` mapping or Values) names and colours the
    parameters and lists their gradients at the end; ``title`` defaults to the expression;
    constants are written on their op unless ``constants="nodes"``. A graph too big for
    ``dot`` to lay out quickly is refused with a one-line ValueError before any work; one
    with more than :data:`COLLAPSE_ABOVE` boxes opens with each parameter group (neuron)
    collapsed. ``trace`` (from :func:`viz.trace.trace`) reuses a trace already made.

    Any number the graph starts from can be changed in the page (click it, or pick it in the
    panel): every value and gradient is computed again in the browser by the op rows'
    browser rules (:mod:`viz.lab`), a number can be nudged by h, and with ``params`` a
    gradient step taken; ``window.stepgrad`` does the same for tests and tools.

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
        trace: Trace | None = None,
    ) -> None:
        root = as_root(root, "Stepper")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"Stepper: title must be a str, got {type(title).__name__}")
        if rankdir not in ("LR", "RL", "TB", "BT"):
            raise ValueError(f"Stepper: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
        if trace is None:
            trace = _trace(root, params=params, constants=constants, what="stepper")
        self.trace = t = trace
        self.rankdir = rankdir
        self.title = clean(title, 200) if title is not None else page_title(root, t.names, params)
        self.total = len(t.forward) + len(t.steps)
        self.views = _views(t.names)
        self.collapsed = len(t.shown) > COLLAPSE_ABOVE and bool(self.views)
        self.ids = {n: i for i, n in enumerate(t.shown)}
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
                f"{n} boxes are more than {COLLAPSE_ABOVE} can be read at once: the view"
                " follows the current step; 0 or Fit shows the whole picture."
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
        # The page fits its width by itself (no horizontal scrollbar); the output is as tall
        # as a laptop's notebook cell leaves room for.
        doc = html.escape(self.html(), quote=True)
        return (
            f'<iframe srcdoc="{doc}" style="width:100%;max-width:100%;height:640px;'
            'border:1px solid #ddd;box-sizing:border-box;display:block"'
            ' title="backpropagation step by step" allowfullscreen></iframe>'
        )

    def picture(self) -> graphviz.Digraph:
        """The full picture as laid out for the page (boxes at their final size, each edge
        with room for what it carries): the one layout the page and its slides share."""
        t = self.trace
        return digraph(
            t.root,
            rankdir=self.rankdir,
            grads=None,
            show_grad=True,
            highlight=(),
            names=t.names,
            texts=texts_at_start(t),
            widths=widths(t),
            clusters=True,
            labels=edge_labels(t, self.ids),
        )

    def _pictures(self) -> tuple[list[tuple[Any, dict, dict]], list[dict[str, Any]]]:
        t, ids = self.trace, self.ids
        cells = {f"v{i}": [f"v{i}-0", f"v{i}-1", f"v{i}-2"] for i in range(len(t.shown))}
        for user, ps in stacked_inputs(t.names).items():  # a table of parameters, row by row
            cells[f"v{ids[user]}_in"] = [f"v{ids[p]}-{c}" for p in ps for c in range(3)]
        pictures: list[tuple[Any, dict, dict]] = [(self.picture(), cells, {})]
        views: list[dict[str, Any]] = [{"key": "full", "label": "All values", "prefix": ""}]
        start, wide = texts_at_start(t), widths(t)
        for key, label, level in self.views:
            prefix = f"c{level}"
            c = collapsed_digraph(t.names, level, prefix, start, wide, self.rankdir)
            pictures.append((c.picture, c.cells, c.rows))
            views.append({"key": key, "label": label, "prefix": prefix, "owner": c.owner,
                          "boxes": c.boxes, "route": c.route})  # fmt: skip
        return pictures, views

    def _build(self) -> str:
        pictures, views = self._pictures()
        note = ""
        try:
            roles = edge_roles(self.trace, self.ids)
            rooms = edge_labels(self.trace, self.ids)
            svgs = [_svg(pic, cells, rows, roles, rooms) for pic, cells, rows in pictures]
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
            raise ValueError(
                f"stepper: graphviz's dot failed: {one_line(detail or str(err), 200)}"
            ) from None
        data = page_data(self.trace, self.ids)
        graph = data["graph"]
        used = [op for op, ins in zip(graph["op"], graph["in"]) if ins]
        rules, graph["off"] = rule_scripts(used)
        data["views"] = views[: len(svgs)] if svgs else []
        data["view"] = 1 if self.collapsed and len(svgs) > 1 else 0
        data["rankdir"] = self.rankdir
        shown = data["view"]
        view_html = "".join(
            f'<div class="view" id="view-{views[k]["key"]}"{"" if k == shown else " hidden"}>'
            f"{svg}</div>"
            for k, svg in enumerate(svgs)
        )
        buttons = ""
        if len(svgs) > 1:
            buttons = (
                '<span id="views" role="group" aria-label="picture">'
                + "".join(
                    f'<button type="button" data-view="{k}"'
                    f' aria-pressed="{str(k == shown).lower()}">{html.escape(v["label"])}</button>'
                    for k, v in enumerate(views[: len(svgs)])
                )
                + "</span>"
            )
        size_note = f'<p id="size-note">{html.escape(self.note)}</p>' if self.note else ""
        fill = {
            "title": html.escape(self.title),
            "legend": self._legend(),
            "note": note + size_note,
            "views": view_html,
            "viewbuttons": buttons,
            "data": _json(data),
            "rules": rules,
            "last": str(self.total),
            "lit": HIGHLIGHT,
            "litedge": HIGHLIGHT_EDGE,
        }
        return re.sub(
            r"\{(title|legend|note|views|viewbuttons|data|rules|last|lit|litedge)\}",
            lambda m: fill[m.group(1)],
            PAGE,
        )

    def _legend(self) -> str:
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
        return legend + '<span class="key">? not yet computed</span>'


def _trace(root: Value, params: object, constants: str, what: str) -> Trace:
    return trace(root, params=params, constants=constants, what=what)


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

    Next / Prev (→ Space PageDown, ← PageUp), Home, End, ``b`` (first backward step), Play
    and a slider step; ``?`` lists every key; ``f`` toggles fullscreen. The camera follows
    the step at a size the back row can read and re-fits when the window changes; ``0`` or
    Fit shows the whole picture. ``#step=N`` in the URL opens step N and stepping keeps it up
    to date. Any leaf can be changed in the page, nudged by h, and with ``params`` the
    parameters stepped against their gradients, all recomputed in the browser. When ``dot``
    is missing the page is still written with every step's arithmetic and a note on
    installing graphviz (and a :class:`MissingDotWarning`). Touches no ``.grad``.
    """
    return Stepper(root, params=params, title=title, constants=constants, rankdir=rankdir).save(
        path
    )
