"""Slides: one picture per step of the stepper page (forward steps, then backward steps), all
drawn from ONE layout, so every box is at the same place in every frame and flipping through
the files is the animation (:func:`export_steps`, ``python -m viz ... --frames``).

The page's picture is laid out once by ``dot``; each frame is the same picture with that
step's texts, colours, arrows and edge labels, every position pinned (graphviz's ``nop2``
layout draws it without moving anything). ``format="pdf"`` writes one multi-page file.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import graphviz

from autograd import Value
from viz.boxes import INSTALL_HINT
from viz.draw import as_root, check_size, digraph
from viz.expr import one_line
from viz.stepper import Stepper
from viz.steps import edge_labels as _edge_labels
from viz.steps import edge_roles, flow_label, texts_at_start, widths
from viz.steps import page_data as _page_data

__all__ = [
    "FORMATS",
    "MAX_FRAMES_WORK",
    "backprop_frames",
    "export_steps",
    "frames",
    "merge_pdfs",
    "step_label",
]

# One picture of the whole graph per step: refuse beyond this many boxes * steps (the page,
# one picture for all steps, has no such limit).
MAX_FRAMES_WORK = 200_000
FORMATS = ("svg", "png", "pdf")


def _check_work(s: Stepper, what: str) -> None:
    work = len(s.trace.shown) * (s.total + 1)
    if work > MAX_FRAMES_WORK:
        raise ValueError(
            f"{what}: {s.total + 1} pictures of {len(s.trace.shown)} boxes each is too many"
            f" (boxes * pictures > {MAX_FRAMES_WORK}); stepper_html shows every step with"
            " one picture"
        )


def step_label(s: Stepper, k: int) -> str:
    """``Step 3 of 8: backward at q``, as the page writes it."""
    t, head = s.trace, f"Step {k} of {s.total}: "
    if k == 0:
        return head + "not yet computed"
    if k <= len(t.forward):
        return head + f"forward, computing {t.names[t.forward[k - 1]]}"
    return head + f"backward at {t.names[t.steps[k - 1 - len(t.forward)].node]}"


def _layout(s: Stepper) -> dict[str, dict[str, str]]:
    """Lay the slides' picture out once: every node's, cluster's and edge's position by id,
    and the graph's (``""``)."""
    t = s.trace
    picture = digraph(t.root, rankdir=s.rankdir, grads=None, show_grad=True, highlight=(),
                      names=t.names, texts=texts_at_start(t), widths=widths(t), clusters=True,
                      labels=_edge_labels(t, s.ids))  # fmt: skip
    picture.attr(label=max((step_label(s, k) for k in range(s.total + 1)), key=len),
                 labelloc="t", fontname="Helvetica", fontsize="14")  # fmt: skip
    laid = json.loads(picture.pipe(format="json", encoding="utf-8", quiet=True))
    pins: dict[str, dict[str, str]] = {"": {k: laid[k] for k in ("bb", "lp") if k in laid}}
    for o in laid.get("objects", []):
        name = o.get("name", "")
        if name.startswith("cluster_"):
            pins["c:" + name[len("cluster_") :]] = {k: o[k] for k in ("bb", "lp") if k in o}
        elif "pos" in o:
            pins[name] = {"pos": o["pos"], "width": o["width"], "height": o["height"]}
    for e in laid.get("edges", []):
        if "id" in e:
            pins[e["id"]] = {"pos": e["pos"], **({"lp": e["lp"]} if "lp" in e else {})}
    return pins


def frames(s: Stepper) -> list[graphviz.Digraph]:
    """Every step of the page ``s`` as a picture (step 0 to the last), all with the positions
    of one layout. Each renders with any graphviz format (its ``layout`` is ``nop2``)."""
    t = s.trace
    pins = _layout(s)
    data = _page_data(t, s.ids)
    boxes = {i: n for n, i in s.ids.items()}
    texts = {n: list(v) for n, v in texts_at_start(t).items()}
    roles = edge_roles(t, s.ids)
    out = []
    for k, step in enumerate(data["steps"]):
        for box, col, new, _ in step[2]:
            texts[boxes[box]][col - 1] = new
        extra: dict[str, dict[str, str]] = {key: dict(v) for key, v in pins.items()}
        for key in extra:
            if key.startswith("v") and ("_e" in key or key.endswith("_o")):
                extra[key]["dir"] = "forward"
                extra[key]["label"] = roles.get(key, "")
        got: set[Value] = set()
        if step[1] == "b":
            me = f"v{step[0]}"
            extra[me + "_o"]["dir"] = "back"
            for f in step[4]:
                edge = extra.get(f"{me}_e{f[0]}")
                if edge is not None:
                    edge.update(dir="back", fontcolor="#a33c00",
                                label=flow_label(f[3], f[4]))  # fmt: skip
                got.add(boxes[f[1]])
        lit = (boxes[step[0]],) if step[0] >= 0 else ()
        pic = digraph(t.root, rankdir=s.rankdir, grads=None, show_grad=True, highlight=lit,
                      names=t.names, texts={n: (a, b) for n, (a, b) in texts.items()},
                      widths=widths(t), clusters=True, extra=extra, got=got)  # fmt: skip
        pic.attr(layout="nop2", label=step_label(s, k), labelloc="t", fontname="Helvetica",
                 fontsize="14", **pins[""])  # fmt: skip
        out.append(pic)
    return out


def export_steps(
    root: Value,
    folder: str | Path,
    format: str = "svg",  # noqa: A002 - the issue names this parameter
    params: object = None,
    *,
    title: str | None = None,
    constants: str = "op",
    rankdir: str = "LR",
    dpi: int = 0,
    trace: Any = None,
) -> list[Path]:
    """Write one picture per step of the stepper page for ``root`` (forward steps and backward
    steps, the same content as the page) into ``folder``: ``step-000.svg``, ``step-001.svg``,
    ... (``format="png"`` the same as PNG at ``dpi``, default 180), or with ``format="pdf"``
    one multi-page ``steps.pdf`` to present directly. All frames come from one layout: every
    box is at the same place in every frame. Returns the paths written. A graph too big to
    lay out, or whose frames would be too many (boxes * steps > :data:`MAX_FRAMES_WORK`), is
    refused with a one-line ValueError before any work. ``trace`` (from
    :func:`viz.trace.trace`) reuses a trace already made.

    >>> import tempfile
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> paths = export_steps((x + y) * z, tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['step-0.svg', 'step-1.svg', 'step-2.svg', 'step-3.svg', 'step-4.svg']
    """
    root = as_root(root, "export_steps")
    if format not in FORMATS:
        raise ValueError(f"export_steps: format must be svg, png or pdf, got {format!r}")
    from autograd import numbers

    if numbers.count(dpi, "export_steps: dpi", low=0) > 1200:
        raise ValueError(f"export_steps: dpi must be a whole number from 1 to 1200, got {dpi!r}")
    if isinstance(folder, str) and not folder.strip():
        raise ValueError("export_steps: the folder is empty")
    if trace is None:
        trace = _trace(root, params, constants)
    else:
        check_size(trace.shown, "export_steps", trace.names)
    s = Stepper(root, params=params, title=title, constants=constants, rankdir=rankdir,
                trace=trace)  # fmt: skip
    _check_work(s, "export_steps")
    return _write(frames(s), Path(folder), format, dpi)


def _write(pictures: list[graphviz.Digraph], out: Path, format: str, dpi: int) -> list[Path]:  # noqa: A002
    out.mkdir(parents=True, exist_ok=True)
    width = len(str(len(pictures) - 1))
    try:
        if format == "pdf":
            path = out / "steps.pdf"
            path.write_bytes(merge_pdfs([p.pipe(format="pdf", quiet=True) for p in pictures]))
            return [path]
        written = []
        for k, p in enumerate(pictures):
            if format == "png":
                p.attr(dpi=str(dpi or 180))
            path = out / f"step-{k:0{width}d}.{format}"
            path.write_bytes(p.pipe(format=format, quiet=True))
            written.append(path)
        return written
    except graphviz.ExecutableNotFound:
        raise ValueError(f"export_steps: graphviz's `dot` was not found; {INSTALL_HINT}") from None
    except subprocess.CalledProcessError as err:
        detail = err.stderr.decode("utf-8", "replace") if isinstance(err.stderr, bytes) else ""
        raise ValueError(f"export_steps: dot failed: {one_line(detail or str(err), 200)}") from None


def _trace(root: Value, params: object, constants: str) -> Any:
    from viz.trace import trace

    return trace(root, params=params, constants=constants, what="export_steps")


def backprop_frames(
    root: Value, rankdir: str = "LR", params: object = None, constants: str = "op"
) -> list[graphviz.Digraph]:
    """The backward half of :func:`export_steps` as pictures: frame 0 is the forward pass done
    (every gradient not yet computed), frame k the picture after backward step k, the node
    whose gradient was just passed back highlighted and the edges the chain rule used drawn
    pointing back, labelled with what they carry. One layout for all frames. Reads no
    ``.grad`` and changes none; refuses a graph too big (one-line ValueError, before any work).

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> pictures = backprop_frames((x + y) * z)
    >>> len(pictures), "grad -4" in pictures[0].source, "grad -4" in pictures[2].source
    (3, False, True)
    """
    root = as_root(root, "backprop_frames")
    s = Stepper(root, params=params, constants=constants, rankdir=rankdir,
                trace=_trace_named(root, params, constants))  # fmt: skip
    _check_work(s, "backprop_frames")
    return frames(s)[len(s.trace.forward) :]


def _trace_named(root: Value, params: object, constants: str) -> Any:
    from viz.trace import trace

    return trace(root, params=params, constants=constants, what="backprop_frames")


_XREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _objects(pdf: bytes) -> dict[int, bytes]:
    """A classic-xref PDF's objects by number: the bytes between ``N 0 obj`` and ``endobj``."""
    m = _XREF.search(pdf)
    if m is None:
        raise ValueError("export_steps: dot wrote a PDF without a classic xref table")
    at = int(m.group(1))
    head = re.compile(rb"xref\s+(\d+)\s+(\d+)\s+").match(pdf, at)
    if head is None:
        raise ValueError("export_steps: dot wrote a PDF with an unexpected xref table")
    first, count = int(head.group(1)), int(head.group(2))
    table = pdf[head.end() : head.end() + 20 * count]
    offsets = {}
    for i in range(count):
        entry = table[20 * i : 20 * i + 18].split()
        if len(entry) == 3 and entry[2] == b"n":
            offsets[first + i] = int(entry[0])
    ends = sorted(offsets.values()) + [at]
    out = {}
    for num, off in offsets.items():
        end = ends[ends.index(off) + 1]
        chunk = pdf[off:end]
        body = chunk[chunk.index(b"obj") + 3 : chunk.rindex(b"endobj")]
        out[num] = body
    return out


_REF = re.compile(rb"(\d+) 0 R")


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF holding the pages of each single-page PDF ``dot`` wrote, in order."""
    objects: list[bytes] = []  # the merged file's objects; number = index + 3
    pages: list[int] = []
    for pdf in pdfs:
        objs = _objects(pdf)
        base = len(objects) + 3
        number = {n: base + k for k, n in enumerate(sorted(objs))}
        for n in sorted(objs):
            body = objs[n]
            split = body.find(b"stream")
            head, tail = (body, b"") if split < 0 else (body[:split], body[split:])
            head = _REF.sub(lambda r, to=number: b"%d 0 R" % to.get(int(r.group(1)), 0), head)
            if re.search(rb"/Type\s*/(Pages|Catalog)\b", head):
                objects.append(b"null")  # the page's own tree: replaced by the merged one
                continue
            if re.search(rb"/Type\s*/Page\b(?!s)", head):
                head = re.sub(rb"/Parent\s+\d+ 0 R", b"/Parent 2 0 R", head)
                pages.append(number[n])
            objects.append(head + tail)
    kids = b" ".join(b"%d 0 R" % p for p in pages)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    everything = [b"<< /Type /Catalog /Pages 2 0 R >>",
                  b"<< /Type /Pages /Kids [ " + kids + b" ] /Count %d >>" % len(pages),
                  *objects]  # fmt: skip
    for k, body in enumerate(everything, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body.strip(b"\n") + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(everything) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(everything) + 1,
        xref,
    )
    return bytes(out)
