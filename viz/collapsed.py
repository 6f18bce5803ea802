"""The stepper's collapsed pictures: each neuron (or layer) of a model drawn as one box."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import graphviz

from autograd import Value
from viz.boxes import (
    FILL,
    GROUP_FILL,
    GROUP_LINE,
    box_label,
    draw_order,
    input_order,
    kind,
    natural_key,
    new_digraph,
    op_node,
    text_width,
)
from viz.names import Names

__all__ = ["Collapsed", "collapsed_digraph"]


@dataclass
class Collapsed:
    """A picture with each group of one level drawn as one box, for the stepper: ``cells``
    gives the ids of every box's text cells (top to bottom), ``owner[i]`` the id of what
    shows node ``i`` (its own box; a group's box for its members; in a box of several rows,
    the row of the neuron it belongs to), ``boxes`` each group box's group name (``L0.N1``),
    ``rows`` the text-cell ids of each row (to be wrapped in one element) and ``route`` the
    edge that carries each edge of the full picture between boxes (``v5_e2`` -> its id)."""

    picture: graphviz.Digraph
    cells: dict[str, list[str]]
    owner: list[str]
    boxes: dict[str, str]
    rows: dict[str, list[str]] = field(default_factory=dict)
    route: dict[str, str] = field(default_factory=dict)


def _outputs(
    names: Names, members: dict[str, list[Value]], box_of: Callable[[Value], str | None]
) -> dict[str, list[Value]]:
    """The members of each group box that leave it (used outside it, or the output), in
    neuron order."""
    users = names.users()
    where = names.group
    out: dict[str, list[Value]] = {}
    for g, ms in members.items():
        place = {n: k for k, n in enumerate(ms)}
        leave = [n for n in ms if n is names.top or any(box_of(u) != g for u in users.get(n, []))]
        out[g] = sorted(leave, key=lambda n: (natural_key(where[n]), place[n]))
    return out


def collapsed_digraph(
    names: Names,
    level: int,
    prefix: str,
    texts: Mapping[Value, tuple[str, str]],
    widths: Mapping[Value, int],
    rankdir: str = "LR",
) -> Collapsed:
    """The graph with every group of ``level`` (1: ``L0``, 2: ``L0.N1``; see :class:`Names`)
    drawn as ONE box holding the values that leave it (a neuron's output; a layer's outputs,
    one row per neuron), with one edge per pair of boxes that pass values. Other nodes are
    drawn as in the full picture. Every id starts with ``prefix``; box ``i`` is
    ``{prefix}v{i}`` (its data and grad cells ``{prefix}v{i}-1``, ``-2``), whether it stands
    alone or is a row of a group box, so one step's changes apply to every picture alike."""
    shown = [n for n in names.nodes if names.shown(n)]
    index = {n: i for i, n in enumerate(shown)}
    ids = {n: f"{prefix}v{i}" for n, i in index.items()}
    where = names.group

    def box_of(n: Value) -> str | None:
        g = where.get(n)
        return ".".join(g.split(".")[:level]) if g else None

    order = draw_order(names)
    members: dict[str, list[Value]] = {}
    for n in order:
        g = box_of(n)
        if g is not None:
            members.setdefault(g, []).append(n)
    gid = {g: f"{prefix}g{k}" for k, g in enumerate(sorted(members, key=natural_key))}
    outputs = _outputs(names, members, box_of)
    multi = {g for g, outs in outputs.items() if len(outs) != 1}
    # every group box of the level equally wide: a tidy column per layer
    wide = max((widths[n] for outs in outputs.values() for n in outs), default=0)
    for g in set(outputs) - multi:
        wide = max(wide, text_width(f"{_title(g, names[outputs[g][0]])}xx"))
    widths = {**widths, **{n: wide for outs in outputs.values() for n in outs}}

    pic = new_digraph(rankdir, len(members) + len(shown) - sum(map(len, members.values())))
    # Without clusters, ordering=in keeps each box's inputs in input order (N0, N1, ... top
    # to bottom); room between ranks lets the many edges from layer to layer fan out.
    pic.graph_attr.update(ordering="in")
    out = Collapsed(pic, {}, [], {b: g for g, b in gid.items()})
    edges: dict[tuple[str, str, int], tuple[str, str]] = {}  # (tail, head, k) -> (port, id)

    def source(p: Value) -> tuple[str, str]:
        g = box_of(p)
        if g is None:
            return ids[p], ids[p]
        return gid[g], (f"{gid[g]}:o{index[p]}:e" if g in multi else gid[g])

    done: set[str] = set()
    for n in order:
        g = box_of(n)
        full = f"v{index[n]}"
        if g is not None:
            if g not in done:
                done.add(g)
                label, out.cells[gid[g]], rows = _group_label(
                    g, outputs[g], names, texts, widths, index, prefix, gid[g]
                )
                out.rows.update(rows)
                pic.node(gid[g], label, id=gid[g], tooltip=f"{g}: click to see every value")
            for i, p in enumerate(names.inputs(n)):
                if p in index and box_of(p) != g:
                    tail, port = source(p)
                    e = edges.setdefault((tail, gid[g], 0), (port, f"{gid[g]}_from_{tail}"))
                    out.route[f"{full}_e{i}"] = e[1]
            continue
        data, grad = texts[n]
        k = kind(n, names)
        pic.node(ids[n], box_label(names[n], data, grad, FILL[k], k == "output", widths[n]),
                 id=ids[n], tooltip=k)  # fmt: skip
        out.cells[ids[n]] = [f"{ids[n]}-{c}" for c in range(3)]
        if not n.parents:
            continue
        op_id = ids[n] + "_op"
        op_node(pic, n, names, op_id, False, True)
        for count, i in enumerate(input_order(n, names)):
            p = names.shown_as(n.parents[i])
            if p in index:
                tail, port = source(p)
                edges[(tail, op_id, count)] = (port, f"{ids[n]}_e{i}")
                out.route[f"{full}_e{i}"] = f"{ids[n]}_e{i}"
        edges[(op_id, ids[n], 0)] = (op_id, f"{ids[n]}_o")
        out.route[f"{full}_o"] = f"{ids[n]}_o"
    _edges(pic, edges, set(gid.values()))
    out.owner = _owners(names, shown, box_of, gid, outputs, multi, ids)
    return out


def _edges(pic: graphviz.Digraph, edges: dict, boxes: set[str]) -> None:
    between = {"color": "#9a9a9a", "penwidth": "0.8"}  # many, so lighter
    # many edges between boxes (layer to layer) get room to fan out: a few ranks' length
    if sum(tail in boxes and head in boxes for tail, head, _ in edges) > 2 * len(boxes):
        pic.graph_attr["ranksep"] = "1.2"
    for (tail, head, _), (port, eid) in edges.items():
        style = between if tail in boxes and head in boxes else {}
        pic.edge(port, head, id=eid, dir="both", **style)


def _owners(
    names: Names,
    shown: list[Value],
    box_of: Callable[[Value], str | None],
    gid: dict[str, str],
    outputs: dict[str, list[Value]],
    multi: set[str],
    ids: dict[Value, str],
) -> list[str]:
    """What shows each node: its box, its group's box, or its neuron's row in a box of rows."""
    row: dict[tuple[str, str, int | None], str] = {}
    for g in multi:
        for j, o in enumerate(outputs[g]):
            row.setdefault((g, names.group[o], names.sample.get(o)), f"{gid[g]}-row{j}")
    owner = []
    for n in shown:
        g = box_of(n)
        if g is None:
            owner.append(ids[n])
        elif g in multi:
            key = (g, names.group[n], names.sample.get(n))
            owner.append(row.get(key, gid[g]))
        else:
            owner.append(gid[g])
    return owner


def _title(group: str, name: str) -> str:
    """A group box's title: the output's name, with the group's in front when it lacks it."""
    return name if group in name else f"{group}: {name}"


def _group_label(
    group: str,
    outputs: list[Value],
    names: Names,
    texts: Mapping[Value, tuple[str, str]],
    widths: Mapping[Value, int],
    index: Mapping[Value, int],
    prefix: str,
    box: str,
) -> tuple[str, list[str], dict[str, list[str]]]:
    """A group's box: its name, then the data and grad of each value leaving it, one row each
    (``L0.N3 | data 0.2 | grad ?``), the ids of its text cells, top to bottom, and of each
    row's cells (``{box}-row{j}``)."""
    esc = html.escape
    head = '<table border="2" cellborder="1" cellspacing="0" cellpadding="3"'
    head += f' color="{GROUP_LINE}" bgcolor="{GROUP_FILL}">'
    size = 'fixedsize="true" height="17"'
    if len(outputs) == 1:
        (n,) = outputs
        title = _title(group, names[n])
        w = max(widths[n], text_width(title + "xx"))
        data, grad = texts[n]
        rows = "".join(
            f'<tr><td {size} width="{w}">{c}</td></tr>'
            for c in (f"<b>{esc(title)}</b>", esc(f"data {data}"), esc(f"grad {grad}"))
        )
        i = index[n]
        cells = [f"{box}-0", f"{prefix}v{i}-1", f"{prefix}v{i}-2"]
        return f"<{head}{rows}</table>>", cells, {}
    labels = []
    for n in outputs:
        sub = names.group[n][len(group) + 1 :]
        labels.append(names[n] if not sub or sub in names[n] else f"{sub}: {names[n]}")
    w1 = max(text_width(t) for t in labels)
    w2 = max(widths[n] for n in outputs)
    rows = f'<tr><td colspan="3" height="17"><b>{esc(group)}</b></td></tr>'
    ids = [f"{box}-0"]
    each: dict[str, list[str]] = {}
    for j, (n, text) in enumerate(zip(outputs, labels)):
        data, grad = texts[n]
        i = index[n]
        rows += (
            f'<tr><td {size} width="{w1}">{esc(text)}</td>'
            f'<td {size} width="{w2}">{esc(f"data {data}")}</td>'
            f'<td {size} width="{w2}" port="o{i}">{esc(f"grad {grad}")}</td></tr>'
        )
        mine = [f"{box}-r{j}", f"{prefix}v{i}-1", f"{prefix}v{i}-2"]
        ids += mine
        each[f"{box}-row{j}"] = mine
    return f"<{head}{rows}</table>>", ids, each
