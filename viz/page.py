"""The stepper's HTML page: one document holding one SVG picture, the steps as JSON, and a
script that changes only texts and colours (see :mod:`viz.stepper`). Fields are ``{name}``."""

from __future__ import annotations

__all__ = ["PAGE"]

PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
* { box-sizing: border-box; }
html, body { height: 100%; }
body { font-family: system-ui, sans-serif; margin: 0; color: #222; display: flex;
  flex-direction: column; }
header { padding: 0.5rem 1rem 0.3rem; }
h1 { font-size: 1.15rem; margin: 0 0 0.3rem; font-family: ui-monospace, monospace;
  overflow-wrap: anywhere; }
#controls { display: flex; gap: 0.4rem; align-items: center; flex-wrap: wrap; }
#controls button { font-size: 0.95rem; padding: 0.25rem 0.7rem; }
#slider { flex: 1; min-width: 8rem; max-width: 28rem; }
#step-label { font-weight: bold; }
#legend { display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; font-size: 0.85rem;
  color: #444; margin-top: 0.3rem; }
.key i { display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #888;
  vertical-align: -0.1em; margin-right: 0.3em; }
#size-note, #no-pictures { margin: 0.3rem 0 0; color: #8a4b00; font-size: 0.9rem; }
main { flex: 1; display: grid; grid-template-columns: minmax(0, 1fr) 22rem; gap: 0.8rem;
  padding: 0 1rem 0.4rem; min-height: 0; }
#picture { display: flex; flex-direction: column; min-height: 0; border: 1px solid #ccc;
  border-radius: 4px; overflow: hidden; background: #fff; }
#toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 0.8rem;
  padding: 0.25rem 0.4rem; border-bottom: 1px solid #ddd; background: #f6f6f6; }
#views, #zoom { display: flex; gap: 0.25rem; align-items: center; }
#zoom { margin-left: auto; }
#toolbar button { font-size: 0.9rem; padding: 0.15rem 0.55rem; min-width: 2.2rem; }
#views button[aria-pressed="true"] { background: #444; color: #fff; border: 1px solid #444;
  border-radius: 3px; }
#viewport { position: relative; flex: 1; min-height: 0; overflow: hidden; cursor: grab;
  touch-action: none; }
#viewport.dragging { cursor: grabbing; }
#stage { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
#stage svg { display: block; }
.view[hidden] { display: none; }
#explain { overflow: auto; min-height: 0; font-size: 0.98rem; }
#explain p { margin: 0.4rem 0; }
#explain pre { background: #f4f4f4; padding: 0.5rem 0.6rem; white-space: pre-wrap;
  overflow-wrap: anywhere; margin: 0.3rem 0; font-size: 0.92rem; }
.hint { color: #777; font-size: 0.85rem; }
g.cluster > text, g.node[id*="g"] { cursor: pointer; }
@media (max-width: 900px) {
  body { display: block; }
  main { display: block; padding: 0 0.5rem 0.4rem; }
  header { padding: 0.5rem 0.5rem 0.3rem; }
  #picture { height: 62vh; margin-bottom: 0.6rem; }
}
</style>
</head>
<body>
<header>
<h1 id="title">{title}</h1>
<div id="controls">
<button id="prev" type="button" title="previous step (left arrow)">&#9664; Prev</button>
<button id="play" type="button" title="play / pause">Play</button>
<button id="next" type="button" title="next step (right arrow)">Next &#9654;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<span id="step-label"></span>
</div>
<div id="legend">{legend}</div>
{note}
</header>
<main>
<div id="picture">
<div id="toolbar">{viewbuttons}
<span id="zoom">
<button id="zoom-out" type="button" title="zoom out (-)">&minus;</button>
<button id="zoom-in" type="button" title="zoom in (+)">+</button>
<button id="fit" type="button" title="fit the whole picture (0)">Fit</button>
</span>
</div>
<div id="viewport"><div id="stage">{views}</div></div>
</div>
<div id="explain" aria-live="polite"></div>
</main>
<p class="hint" style="margin:0 1rem 0.4rem">Arrow keys step; drag to move the picture,
Ctrl + wheel or &minus; + zoom, Fit shows it whole; the address ends in #step=N, so a step can
be linked to.</p>
<script type="application/json" id="steps">{data}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("steps").textContent);
  var steps = data.steps;
  var last = steps.length - 1;
  var views = data.views.length ? data.views : [{ key: "full", prefix: "" }];
  var LIT = "{lit}", LIT_EDGE = "{litedge}", PAD = 6, MIN_FIT = 0.85;
  var $ = function (id) { return document.getElementById(id); };
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var viewport = $("viewport"), stage = $("stage"), explain = $("explain");
  var label = $("step-label"), slider = $("slider");
  var prev = $("prev"), next = $("next"), play = $("play");
  var pictures = stage.querySelectorAll(".view");
  var buttons = document.querySelectorAll("#views button");
  var active = 0, svg = null;
  var applied = 0, current = 0, timer = null, litNow = -1;
  var scale = 1, tx = 0, ty = 0, W = 1, H = 1;
  var edgesTo = {};

  // Every picture at its natural size (1 SVG unit = 1 px); the stage transform zooms.
  each(stage.querySelectorAll("svg"), function (s) {
    var vb = (s.getAttribute("viewBox") || "0 0 100 100").split(/\s+/).map(Number);
    s.setAttribute("width", vb[2]);
    s.setAttribute("height", vb[3]);
    each(s.querySelectorAll("g.edge"), function (g) {
      var m = /^[a-z0-9]*?e\d+:([^:]+):([^:]+)$/.exec(g.id);
      if (m) (edgesTo[m[2]] = edgesTo[m[2]] || []).push(g);
    });
  });

  // -- values: every picture shows node i's cells as PREFIX + "v" + i + "-1" (data), "-2" --
  function setCells(k, forward) {
    steps[k].set.forEach(function (s) {
      var text = (s[1] === 1 ? "data " : "grad ") + (forward ? s[2] : s[3]);
      views.forEach(function (v) {
        var el = $(v.prefix + "v" + s[0] + "-" + s[1]);
        if (el) el.textContent = text;
      });
    });
  }
  function boxOf(k, i) {
    // the box that shows node i in picture k: its own, or its group's when collapsed
    var v = views[k];
    return v.owner ? v.owner[i] : v.prefix + "v" + i;
  }
  function paint(el, attr, colour) {
    if (!el) return;
    var key = "orig_" + attr.replace(/-/g, "_");
    if (colour === null) {
      if (el.dataset[key] !== undefined) el.setAttribute(attr, el.dataset[key]);
      return;
    }
    if (el.dataset[key] === undefined) el.dataset[key] = el.getAttribute(attr) || "";
    el.setAttribute(attr, colour);
  }
  function light(i, on) {
    if (i < 0) return;
    views.forEach(function (v, k) {
      var box = boxOf(k, i);
      paint($(box + "-bg"), "fill", on ? LIT : null);
      if (v.boxes && v.boxes[box] !== undefined) return;  // a group: its box alone
      var op = $(box + "_op");
      if (op) paint(op.querySelector("ellipse, polygon"), "fill", on ? LIT : null);
      (edgesTo[box + "_op"] || []).concat(edgesTo[box] || []).forEach(function (g) {
        var path = g.querySelector("path"), head = g.querySelector("polygon");
        paint(path, "stroke", on ? LIT_EDGE : null);
        paint(path, "stroke-width", on ? "2.5" : null);
        paint(head, "fill", on ? LIT_EDGE : null);
        paint(head, "stroke", on ? LIT_EDGE : null);
      });
    });
  }

  // -- explanation --------------------------------------------------------------------------
  function explainStep(k) {
    var parts = steps[k].text.map(function (b) {
      var el = document.createElement(b[0] === "pre" ? "pre" : "p");
      el.textContent = b[1];
      return el;
    });
    explain.replaceChildren.apply(explain, parts);
  }

  // -- zoom and pan ---------------------------------------------------------------------------
  function place() {
    stage.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + scale + ")";
    stage.dataset.scale = String(scale);
    stage.dataset.view = views[active].key;
  }
  function clampAxis(t, size, room) {
    // a picture smaller than the viewport sits in its middle; a bigger one leaves no gap
    if (size + 2 * PAD <= room) return (room - size) / 2;
    return Math.min(PAD, Math.max(room - size - PAD, t));
  }
  function clamp() {
    tx = clampAxis(tx, W * scale, viewport.clientWidth);
    ty = clampAxis(ty, H * scale, viewport.clientHeight);
  }
  function fitScale() {
    return Math.min((viewport.clientWidth - 2 * PAD) / W, (viewport.clientHeight - 2 * PAD) / H);
  }
  function fit() {
    scale = Math.min(fitScale(), 3);
    clamp();
    place();
  }
  function zoomAt(factor, cx, cy) {
    var s = Math.max(0.05, Math.min(8, scale * factor));
    tx = cx - (cx - tx) * (s / scale);
    ty = cy - (cy - ty) * (s / scale);
    scale = s;
    place();
  }
  function centre() { return [viewport.clientWidth / 2, viewport.clientHeight / 2]; }
  function reveal(el, always) {
    if (!el) return;
    var r = el.getBoundingClientRect(), v = viewport.getBoundingClientRect(), pad = 24;
    var inside = r.left >= v.left + pad && r.right <= v.right - pad &&
      r.top >= v.top + pad && r.bottom <= v.bottom - pad;
    if (inside && !always) return;
    tx += (v.left + v.width / 2) - (r.left + r.width / 2);
    ty += (v.top + v.height / 2) - (r.top + r.height / 2);
    clamp();
    place();
  }
  function start() {
    // Readable first: the whole picture when its text is then about 11 px high or more,
    // else text at its natural size (11 px font) from the top left; show() then brings the
    // current box into view.
    if (fitScale() >= MIN_FIT) { fit(); return; }
    scale = 1; tx = PAD; ty = PAD;
    clamp();
    place();
  }

  var drag = null;
  viewport.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, tx: tx, ty: ty, moved: false };
    viewport.setPointerCapture(e.pointerId);
  });
  viewport.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    viewport.classList.add("dragging");
    tx = drag.tx + dx; ty = drag.ty + dy; place();
  });
  viewport.addEventListener("pointerup", function (e) {
    var d = drag;
    drag = null;
    viewport.classList.remove("dragging");
    if (d && !d.moved) clickAt(e.clientX, e.clientY);
  });
  viewport.addEventListener("wheel", function (e) {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) {
      var v = viewport.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY / 300), e.clientX - v.left, e.clientY - v.top);
    } else {
      tx -= e.deltaX; ty -= e.deltaY; place();
    }
  }, { passive: false });
  function zoomBy(f) { var c = centre(); zoomAt(f, c[0], c[1]); }
  $("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  $("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  $("fit").addEventListener("click", fit);

  // -- pictures: every value, or each neuron (layer) as one box; each laid out once ----------
  function currentBox() {
    return litNow >= 0 ? $(boxOf(active, litNow)) : null;
  }
  function useView(k, target) {
    active = Math.max(0, Math.min(views.length - 1, k));
    each(pictures, function (el, j) { el.hidden = j !== active; });
    each(buttons, function (b) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.view) === active));
    });
    svg = pictures[active] ? pictures[active].querySelector("svg") : null;
    W = svg ? Number(svg.getAttribute("width")) : 1;
    H = svg ? Number(svg.getAttribute("height")) : 1;
    start();
    if (target) reveal(target, true); else reveal(currentBox(), false);
  }
  each(buttons, function (b) {
    b.addEventListener("click", function () { useView(Number(b.dataset.view)); });
  });
  function clickAt(x, y) {
    // A group's box opens every value, centred on that group; a group's frame (or its name)
    // in the full picture opens the collapsed picture that has a box for it.
    var el = document.elementFromPoint(x, y);
    if (!el || !el.closest) return;
    var node = el.closest("g.node"), v = views[active];
    if (node && v.boxes && v.boxes[node.id] !== undefined) {
      useView(0, $("c:" + v.boxes[node.id]));
      return;
    }
    var cl = el.closest("g.cluster");
    if (!cl || node || active !== 0) return;
    var group = cl.id.slice(2);
    for (var k = 1; k < views.length; k++) {
      var found = Object.keys(views[k].boxes || {}).filter(function (b) {
        return views[k].boxes[b] === group;
      });
      if (found.length) { useView(k, $(found[0])); return; }
    }
  }

  // -- stepping -------------------------------------------------------------------------------
  function fromHash() {
    var m = /^#step=(\d+)$/.exec(window.location.hash);
    return m ? Math.min(parseInt(m[1], 10), last) : 0;
  }
  function setHash(n) {
    var hash = "#step=" + n;
    if (window.location.hash === hash) return;
    try { window.history.replaceState(null, "", hash); } catch (e) { window.location.hash = hash; }
  }
  function show(n, updateUrl) {
    n = Math.max(0, Math.min(last, n));
    while (applied < n) { applied++; setCells(applied, true); }
    while (applied > n) { setCells(applied, false); applied--; }
    current = n;
    light(litNow, false);
    litNow = steps[n].lit;
    light(litNow, true);
    explainStep(n);
    label.textContent = steps[n].label;
    slider.value = String(n);
    prev.disabled = n === 0;
    next.disabled = n === last;
    reveal(currentBox(), false);
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
    else if (e.key === "+" || e.key === "=") { zoomBy(1.25); }
    else if (e.key === "-") { zoomBy(0.8); }
    else if (e.key === "0") { fit(); }
  });
  window.addEventListener("hashchange", function () { show(fromHash(), false); });
  useView(data.view || 0);
  show(fromHash(), false);
})();
</script>
</body>
</html>
"""
