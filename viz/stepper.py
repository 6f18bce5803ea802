"""Stepping through backward: one picture per step of ``autograd.backward_steps``, and a
self-contained HTML page that plays them with the chain-rule arithmetic of each step.

Stepping runs backward on the caller's graph, so every ``.grad`` it touches is saved first and
restored afterwards (even when something fails halfway).
"""

from __future__ import annotations

import html
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import graphviz

from autograd import Step, Value, backward_steps
from viz.draw import INSTALL_HINT, MissingDotWarning, _digraph
from viz.notation import Names, chain_lines, fmt, formula, forward_line, graph_nodes

__all__ = ["Trace", "trace", "backprop_frames", "stepper_html"]


@dataclass
class Trace:
    """A finished walk through backward: the steps, their arithmetic, the grads they left.

    ``frames[k]`` maps each node that has received a gradient after step k to that gradient
    (``frames[0]`` is the forward pass: empty). ``grads`` is the final gradient of every node,
    as one ``backward()`` from zero grads would leave it.
    """

    root: Value
    nodes: list[Value]
    names: Names
    steps: list[Step] = field(default_factory=list)
    lines: list[list[str]] = field(default_factory=list)
    frames: list[dict[Value, float]] = field(default_factory=list)
    grads: dict[Value, float] = field(default_factory=dict)

    def inputs(self) -> list[Value]:
        """The leaves that carry a label (the expression's named inputs), in forward order."""
        return [n for n in self.nodes if not n.parents and n.label]


def trace(root: Value, keep_frames: bool = True) -> Trace:
    """Run ``autograd.backward_steps(root)`` to the end, recording every step; grads restored.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> t = trace((x + y) * z)
    >>> [fmt(t.grads[v]) for v in (x, y, z)], x.grad
    (['-4', '-4', '3'], 0.0)
    """
    nodes = graph_nodes(root)
    t = Trace(root, nodes, Names(root, nodes))
    running: dict[Value, float] = {}
    seen: dict[Value, float] = {}
    if keep_frames:
        t.frames.append({})
    saved = [n.grad for n in nodes]
    try:
        for step in backward_steps(root):
            t.steps.append(step)
            t.lines.append(chain_lines(step, t.names, seen))
            running[step.node] = step.grad
            for p, _, c in step.parents:
                running[p] = running.get(p, 0.0) + c
            if keep_frames:
                t.frames.append(dict(running))
    finally:
        for n, g in zip(nodes, saved):
            n.grad = g
    if not root.parents:  # a leaf: backward only seeds it
        running[root] = 1.0
    t.grads = {n: running.get(n, 0.0) for n in nodes}
    return t


def backprop_frames(root: Value, rankdir: str = "LR") -> list[graphviz.Digraph]:
    """One picture per step of backward: frame 0 is the forward pass with every grad blank;
    frame k fills in the gradients after step k and highlights the node whose gradient was
    just passed back and the edges the chain rule used. Leaves ``.grad`` as it was.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> frames = backprop_frames((x + y) * z)
    >>> len(frames), "grad -4" in frames[0].source, "grad -4" in frames[2].source
    (3, False, True)
    """
    return _frames(trace(root), rankdir)


def _frames(t: Trace, rankdir: str) -> list[graphviz.Digraph]:
    pictures = []
    for k, grads in enumerate(t.frames):
        lit = (t.steps[k - 1].node,) if k else ()
        pictures.append(
            _digraph(
                t.root,
                rankdir=rankdir,
                grads=grads,
                show_grad=True,
                highlight=lit,
                params=(),
                nodes=t.nodes,
                names=t.names,
            )
        )
    return pictures


def _svg(picture: graphviz.Digraph) -> str:
    """The picture as an inline ``<svg>`` element (no XML prolog or doctype)."""
    svg = picture.pipe(format="svg", encoding="utf-8")
    return svg[svg.index("<svg") :]


def _texts(t: Trace) -> list[tuple[str, str]]:
    """(step label, explanation HTML) for every frame."""
    names = t.names
    last = len(t.steps)
    esc = html.escape
    forward = [forward_line(n, names) for n in t.nodes if n.parents]
    body = "<p>Forward pass: each value is computed from its inputs.</p>"
    if forward:
        body += "<pre>" + esc("\n".join(forward)) + "</pre>"
    root = names[t.root]
    body += (
        f"<p>Backward starts at {esc(root)} with d{esc(root)} = 1 "
        "(the output's gradient with respect to itself).</p>"
    )
    texts = [(f"Step 0 of {last}: forward pass", body)]
    for k, (step, lines) in enumerate(zip(t.steps, t.lines), start=1):
        node = step.node
        who = names[node]
        body = (
            f"<p>d{esc(who)} = {esc(fmt(step.grad))} has arrived at "
            f"<b>{esc(who)} = {esc(formula(node, names))}</b>. "
            "The chain rule passes it to each input: "
            "d input = d output * local derivative.</p>"
            "<pre>" + esc("\n".join(lines)) + "</pre>"
        )
        if k == last:
            leaves = t.inputs() or [n for n in t.nodes if not n.parents]
            done = ", ".join(f"{names.grad_name(v)} = {fmt(t.grads[v])}" for v in leaves)
            body += f"<p>Done: {esc(done)}.</p>"
        texts.append((f"Step {k} of {last}: backward at {who}", body))
    return texts


def stepper_html(root: Value, path: str | Path, rankdir: str = "LR") -> Path:
    """Write ONE self-contained HTML page that steps through backward on ``root``.

    The page has Prev / Next / Play buttons, arrow keys, a slider, the picture of each step
    (inline SVG) and beside it the step's chain-rule arithmetic in words. ``#step=N`` in the
    URL opens step N, and stepping keeps the fragment up to date so a step can be linked to.
    No network: no external scripts, styles or fonts.

    When graphviz's ``dot`` binary is missing the page is still written, with the text of every
    step but no pictures and a note saying how to install graphviz (and a
    :class:`MissingDotWarning` is issued): the arithmetic is the point, the pictures help.
    Leaves ``.grad`` as it was. Returns the path written.
    """
    t = trace(root)
    texts = _texts(t)
    pictures = _frames(t, rankdir)
    note = ""
    try:
        svgs = [_svg(pictures[0])]
        if len(pictures) > 1:
            with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
                svgs += list(pool.map(_svg, pictures[1:]))
    except graphviz.ExecutableNotFound:
        warnings.warn(
            f"graphviz's `dot` was not found, so the stepper has no pictures: {INSTALL_HINT}",
            MissingDotWarning,
            stacklevel=2,
        )
        svgs = [""] * len(pictures)
        note = f'<p id="no-pictures">No pictures: {html.escape(INSTALL_HINT)}.</p>'
    frames = "\n".join(
        f'<template class="frame" data-label="{html.escape(label, quote=True)}">'
        f'<div class="svg">{svg}</div><div class="text">{body}</div></template>'
        for (label, body), svg in zip(texts, svgs)
    )
    title = html.escape(f"Backpropagation step by step: {t.names[t.root]}")
    fill = {"title": title, "last": str(len(t.steps)), "note": note, "frames": frames}
    page = re.sub(r"\{(title|last|note|frames)\}", lambda m: fill[m.group(1)], _PAGE)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


# The page: frames live in <template> elements (so the ids inside the SVGs never clash); the
# script clones the current one into #picture and #explain.
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.2em; margin: 0 0 0.5em; }
#controls { display: flex; gap: 0.5em; align-items: center; flex-wrap: wrap; margin-bottom: 1em; }
#controls button { font-size: 1em; padding: 0.3em 0.9em; }
#slider { flex: 1; min-width: 10em; max-width: 30em; }
#step-label { font-weight: bold; }
main { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
#picture { flex: 3; min-width: 20em; overflow: auto; border: 1px solid #ddd; padding: 0.5em; }
#picture svg { max-width: 100%; height: auto; }
#explain { flex: 2; min-width: 18em; }
#explain pre { background: #f6f6f6; padding: 0.6em; white-space: pre-wrap; }
.hint { color: #777; font-size: 0.9em; }
</style>
</head>
<body>
<h1>{title}</h1>
{note}
<div id="controls">
<button id="prev" type="button" title="previous step (left arrow)">&#9664; Prev</button>
<button id="play" type="button" title="play / pause">Play</button>
<button id="next" type="button" title="next step (right arrow)">Next &#9654;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<span id="step-label"></span>
</div>
<main>
<div id="picture"></div>
<div id="explain"></div>
</main>
<p class="hint">Arrow keys step; the address ends in #step=N, so a step can be linked to.</p>
{frames}
<script>
(function () {
  "use strict";
  var frames = document.querySelectorAll("template.frame");
  var last = frames.length - 1;
  var picture = document.getElementById("picture");
  var explain = document.getElementById("explain");
  var label = document.getElementById("step-label");
  var slider = document.getElementById("slider");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var play = document.getElementById("play");
  var current = 0;
  var timer = null;

  function fromHash() {
    var m = /^#step=(\\d+)$/.exec(window.location.hash);
    return m ? Math.min(parseInt(m[1], 10), last) : 0;
  }

  function setHash(n) {
    var hash = "#step=" + n;
    if (window.location.hash === hash) return;
    try {
      window.history.replaceState(null, "", hash);
    } catch (e) {
      window.location.hash = hash;
    }
  }

  function show(n, updateUrl) {
    n = Math.max(0, Math.min(last, n));
    current = n;
    var content = frames[n].content;
    picture.replaceChildren(content.querySelector(".svg").cloneNode(true));
    explain.replaceChildren(content.querySelector(".text").cloneNode(true));
    label.textContent = frames[n].getAttribute("data-label");
    slider.value = String(n);
    prev.disabled = n === 0;
    next.disabled = n === last;
    if (updateUrl) setHash(n);
  }

  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
    play.textContent = "Play";
  }

  function toggle() {
    if (timer !== null) { stop(); return; }
    if (current === last) show(0, true);
    play.textContent = "Pause";
    timer = window.setInterval(function () {
      if (current >= last) { stop(); return; }
      show(current + 1, true);
    }, 1200);
  }

  prev.addEventListener("click", function () { stop(); show(current - 1, true); });
  next.addEventListener("click", function () { stop(); show(current + 1, true); });
  play.addEventListener("click", toggle);
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10), true); });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider) return;  // the slider moves itself with the arrow keys
    if (e.key === "ArrowRight") { stop(); show(current + 1, true); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { stop(); show(current - 1, true); e.preventDefault(); }
  });
  window.addEventListener("hashchange", function () { show(fromHash(), false); });
  show(fromHash(), false);
})();
</script>
</body>
</html>
"""
