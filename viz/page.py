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
main { flex: 1; display: grid; grid-template-columns: minmax(0, 1fr) 24rem; gap: 0.8rem;
  padding: 0 1rem 0.6rem; min-height: 0; }
#picture { position: relative; min-height: 0; border: 1px solid #ccc; border-radius: 4px;
  overflow: hidden; background: #fff; }
#viewport { position: absolute; inset: 0; overflow: hidden; cursor: grab; touch-action: none; }
#viewport.dragging { cursor: grabbing; }
#stage { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
#stage svg { display: block; }
#zoom { position: absolute; right: 0.4rem; top: 0.4rem; display: flex; gap: 0.25rem; z-index: 2; }
#zoom button { font-size: 1rem; min-width: 2.2rem; padding: 0.15rem 0.4rem; }
#fold { position: absolute; left: 0.4rem; top: 0.4rem; display: flex; gap: 0.25rem; z-index: 2; }
#fold button { font-size: 0.85rem; padding: 0.15rem 0.5rem; }
#explain { overflow: auto; min-height: 0; font-size: 0.98rem; }
#explain p { margin: 0.4rem 0; }
#explain pre { background: #f4f4f4; padding: 0.5rem 0.6rem; white-space: pre-wrap;
  overflow-wrap: anywhere; margin: 0.3rem 0; font-size: 0.92rem; }
.hint { color: #777; font-size: 0.85rem; }
g.cluster > text { cursor: pointer; }
g.fold { cursor: pointer; }
@media (max-width: 900px) {
  body { display: block; }
  main { display: block; }
  #picture { height: 65vh; margin-bottom: 0.6rem; }
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
<div id="viewport"><div id="stage">{svg}</div></div>
<div id="fold"></div>
<div id="zoom">
<button id="zoom-out" type="button" title="zoom out (-)">&minus;</button>
<button id="zoom-in" type="button" title="zoom in (+)">+</button>
<button id="fit" type="button" title="fit the whole picture (0)">Fit</button>
</div>
</div>
<div id="explain" aria-live="polite"></div>
</main>
<p class="hint" style="margin:0 1rem 0.5rem">Arrow keys step; drag to move the picture,
Ctrl + wheel or the buttons zoom; the address ends in #step=N, so a step can be linked to.</p>
<script type="application/json" id="steps">{data}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("steps").textContent);
  var steps = data.steps;
  var last = steps.length - 1;
  var LIT = "{lit}", LIT_EDGE = "{litedge}";
  var $ = function (id) { return document.getElementById(id); };
  var viewport = $("viewport"), stage = $("stage"), explain = $("explain");
  var label = $("step-label"), slider = $("slider");
  var prev = $("prev"), next = $("next"), play = $("play");
  var svg = stage.querySelector("svg");
  var applied = 0, current = 0, timer = null, litNow = -1;
  var scale = 1, tx = 0, ty = 0, W = 1, H = 1;
  var edgesTo = {};

  if (svg) {
    var vb = (svg.getAttribute("viewBox") || "0 0 100 100").split(/\s+/).map(Number);
    W = vb[2]; H = vb[3];
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (g) {
      var m = /^e\d+:([^:]+):([^:]+)$/.exec(g.id);
      if (m) (edgesTo[m[2]] = edgesTo[m[2]] || []).push(g);
    });
  }

  // -- values -----------------------------------------------------------------------------
  function setCells(k, forward) {
    steps[k].set.forEach(function (s) {
      var el = $("v" + s[0] + "-" + s[1]);
      if (el) el.textContent = (s[1] === 1 ? "data " : "grad ") + (forward ? s[2] : s[3]);
    });
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
    paint($("v" + i + "-bg"), "fill", on ? LIT : null);
    var op = $("v" + i + "_op");
    if (op) paint(op.querySelector("ellipse, polygon"), "fill", on ? LIT : null);
    (edgesTo["v" + i + "_op"] || []).concat(edgesTo["v" + i] || []).forEach(function (g) {
      var path = g.querySelector("path"), head = g.querySelector("polygon");
      paint(path, "stroke", on ? LIT_EDGE : null);
      paint(path, "stroke-width", on ? "2.5" : null);
      paint(head, "fill", on ? LIT_EDGE : null);
      paint(head, "stroke", on ? LIT_EDGE : null);
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
  }
  function fitScale() {
    return Math.min(viewport.clientWidth / W, viewport.clientHeight / H);
  }
  function fit() {
    scale = Math.min(fitScale(), 3);
    tx = (viewport.clientWidth - W * scale) / 2;
    ty = (viewport.clientHeight - H * scale) / 2;
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
    place();
  }
  function start() {
    // Readable first: the whole picture when its text is at least 11 px (font-size 11 at
    // scale 1), else 12 px text (scale 1.1) with the first box in view.
    var f = fitScale();
    if (f >= 1) { fit(); return; }
    scale = 1.1; tx = 0; ty = 0; place();
    reveal($("v0"), true);
    var r = $("v0") ? $("v0").getBoundingClientRect() : null;
    var v = viewport.getBoundingClientRect();
    if (r) { tx += v.left + 16 - r.left; place(); }
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

  // -- collapsing groups (layers, neurons) ------------------------------------------------------
  var groups = data.groups, collapsed = {}, folds = {};
  var names = Object.keys(groups);
  var depth = names.reduce(function (d, g) { return Math.max(d, g.split(".").length); }, 0);
  function ancestors(g) {
    var parts = g.split("."), out = [];
    for (var k = 1; k < parts.length; k++) out.push(parts.slice(0, k).join("."));
    return out;
  }
  function hiddenBy(g) { return ancestors(g).some(function (a) { return collapsed[a]; }); }
  function foldBox(g) {
    // A collapsed group keeps only its head (the neuron's output box, which shows its value
    // and gradient) inside a labelled frame; a group without a head is framed whole.
    if (folds[g]) return folds[g];
    var cl = document.getElementById("c:" + g);
    if (!cl) return null;
    var head = groups[g].head >= 0 ? $("v" + groups[g].head) : null;
    var b = (head || cl).getBBox(), ns = "http://www.w3.org/2000/svg", pad = 5;
    var box = document.createElementNS(ns, "g");
    box.setAttribute("class", "fold");
    box.setAttribute("data-group", g);
    var rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", b.x - pad); rect.setAttribute("y", b.y - pad - 15);
    rect.setAttribute("width", b.width + 2 * pad);
    rect.setAttribute("height", b.height + 2 * pad + 15);
    rect.setAttribute("rx", 5);
    rect.setAttribute("fill", head ? "none" : "#fdd49e");
    rect.setAttribute("stroke", "#b35806"); rect.setAttribute("stroke-width", "2");
    box.appendChild(rect);
    var text = document.createElementNS(ns, "text");
    text.setAttribute("x", b.x + b.width / 2);
    text.setAttribute("y", b.y - pad - 3);
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("font-family", "Helvetica,sans-Serif");
    text.setAttribute("font-size", "11");
    text.setAttribute("font-weight", "bold");
    text.textContent = "\u25B8 " + g;
    var tip = document.createElementNS(ns, "title");
    tip.textContent = "click to expand " + g;
    box.appendChild(tip);
    box.appendChild(text);
    if (!head) {
      var n = document.createElementNS(ns, "text");
      n.setAttribute("x", b.x + b.width / 2); n.setAttribute("y", b.y + b.height / 2);
      n.setAttribute("text-anchor", "middle"); n.setAttribute("font-size", "14");
      n.setAttribute("font-family", "Helvetica,sans-Serif");
      n.textContent = groups[g].members.length + " boxes (click to expand)";
      box.appendChild(n);
    }
    // under the boxes, so the head stays readable and clickable through the empty fill
    var under = cl.parentNode.querySelector(":scope > polygon");
    cl.parentNode.insertBefore(box, under ? under.nextSibling : cl.parentNode.firstChild);
    rect.setAttribute("pointer-events", "all");
    folds[g] = box;
    return box;
  }
  function refreshFolds() {
    names.forEach(function (g) {
      var box = folds[g];
      if (!box) return;
      var lit = litNow >= 0 && litNow !== groups[g].head &&
        groups[g].members.indexOf(litNow) >= 0;
      box.querySelector("rect").setAttribute("stroke", lit ? LIT_EDGE : "#b35806");
      box.querySelector("rect").setAttribute("stroke-width", lit ? "4" : "2");
    });
  }
  function applyFolds() {
    var hide = {};
    names.forEach(function (g) {
      if (collapsed[g]) groups[g].members.forEach(function (i) { hide[i] = true; });
    });
    names.forEach(function (g) {
      if (collapsed[g] && !hiddenBy(g) && groups[g].head >= 0) hide[groups[g].head] = false;
      var box = collapsed[g] ? foldBox(g) : folds[g];
      if (box) box.style.display = collapsed[g] && !hiddenBy(g) ? "" : "none";
      var cl = document.getElementById("c:" + g);
      if (cl) cl.style.display = collapsed[g] || hiddenBy(g) ? "none" : "";
    });
    // hide[i]: true hides box i and its op; false (a collapsed group's head) hides its op only
    function gone(i, op) { return op ? hide[i] !== undefined : hide[i] === true; }
    if (!svg) return;
    Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (el) {
      var m = /^v(\d+)(_op)?$/.exec(el.id);
      if (m) el.style.display = gone(m[1], m[2]) ? "none" : "";
    });
    Object.keys(edgesTo).forEach(function (dst) {
      edgesTo[dst].forEach(function (g) {
        var m = /^e\d+:v(\d+)(_op)?:v(\d+)(_op)?$/.exec(g.id);
        if (!m) return;
        g.style.display = gone(m[1], m[2]) || gone(m[3], m[4]) ? "none" : "";
      });
    });
    refreshFolds();
  }
  function collapseLevel(level) {
    collapsed = {};
    names.forEach(function (g) {
      if (level && g.split(".").length === level) collapsed[g] = true;
    });
    applyFolds();
  }
  function clickAt(x, y) {
    var el = document.elementFromPoint(x, y);
    var box = el && el.closest ? el.closest("g.fold") : null;
    if (box) { collapsed[box.getAttribute("data-group")] = false; applyFolds(); return; }
    var cl = el && el.closest ? el.closest("g.cluster") : null;
    if (cl && el.tagName.toLowerCase() === "text") {
      collapsed[cl.id.slice(2)] = true; applyFolds();
    }
  }
  if (names.length) {
    var fold = $("fold");
    var add = function (text, level, title) {
      var b = document.createElement("button");
      b.type = "button"; b.textContent = text; b.title = title;
      b.addEventListener("click", function () { collapseLevel(level); });
      fold.appendChild(b);
    };
    if (depth > 1) add("Collapse layers", 1, "show each layer as one box");
    add(depth > 1 ? "Collapse neurons" : "Collapse groups", depth, "show each neuron as one box");
    add("Expand all", 0, "show every value");
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
    refreshFolds();
    explainStep(n);
    label.textContent = steps[n].label;
    slider.value = String(n);
    prev.disabled = n === 0;
    next.disabled = n === last;
    if (litNow >= 0) {
      var target = $("v" + litNow);
      if (target && target.style.display === "none") {
        names.forEach(function (g) {
          if (folds[g] && folds[g].style.display !== "none" &&
              groups[g].members.indexOf(litNow) >= 0) target = folds[g];
        });
      }
      reveal(target, false);
    }
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
    else if (e.key === "+" || e.key === "=") { var c = centre(); zoomAt(1.25, c[0], c[1]); }
    else if (e.key === "-") { var c2 = centre(); zoomAt(0.8, c2[0], c2[1]); }
    else if (e.key === "0") { fit(); }
  });
  window.addEventListener("hashchange", function () { show(fromHash(), false); });
  start();
  if (data.collapsed) collapseLevel(depth);
  show(fromHash(), false);
})();
</script>
</body>
</html>
"""
