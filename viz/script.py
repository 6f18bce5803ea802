"""The stepper page's script: steps, the camera that follows them, the gradient drawn flowing,
presenter keys. It reads the JSON made by :func:`viz.steps.page_data` and writes each step's
explanation from that data (names, words and the engine's numbers) as the Python notation
does; the lab (:mod:`viz.lab`) replaces that data when a number changes. :data:`SCRIPT` is the
whole page script: this, after the replay (:mod:`viz.replay`), before the lab and its panel
(:mod:`viz.lab`, :mod:`viz.panel`). Hooks for
tests and tools: ``document.body.dataset.step`` (the step on screen) and ``.current`` (the id
of the SVG element drawing the current step's box), ``.moving`` while the camera glides;
labels that show what an edge carries on a backward step have the class ``flow``."""

from __future__ import annotations

from viz.lab import LAB
from viz.panel import PANEL
from viz.replay import REPLAY

__all__ = ["SCRIPT", "STEPPER"]

STEPPER = r"""
  var steps = data.steps, boxes = data.boxes, last = steps.length - 1, F = data.forward;
  var views = data.views.length ? data.views : [{ key: "full", prefix: "" }];
  var LIT = "{lit}", LIT_EDGE = "{litedge}", PAD = 10, FONT = 11, GLIDE = 350;
  var $ = function (id) { return id ? document.getElementById(id) : null; };
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var body = document.body, viewport = $("viewport"), stage = $("stage");
  var explain = $("explain"), label = $("step-label"), slider = $("slider");
  var prev = $("prev"), next = $("next"), play = $("play");
  var pictures = stage.querySelectorAll(".view");
  var buttons = document.querySelectorAll("#views button");
  var active = 0, W = 1, H = 1, applied = 0, current = 0, timer = null;
  var cam = { s: 1, x: 0, y: 0 }, chosen = 0, dpr0 = window.devicePixelRatio || 1;
  var dressed = [];
  // set by the lab: frozen while a number is outside an op's domain (no stepping), onClick
  // for a click on the picture, onPlace when the camera moves, onShow when one steps
  var frozen = false, onClick = null, onPlace = null, onShow = null;

  // -- words, as viz.notation writes them (numbers: fmt, from the replay) ---------------------
  function paren(t) { return t.charAt(0) === "-" ? "(" + t + ")" : t; }
  function forwardLine(b) {
    var x = boxes[b], head = x[0] + " = " + x[2];
    if (x[3] !== x[2] && x[3] !== x[4]) head += " = " + x[3];
    return head + " = " + x[4];
  }
  function flowText(f) { return "\u00d7 " + paren(fmt(f[3])) + " = " + fmt(f[4]); }
  function chainLine(node, grad, f) {
    var before = f[5], line = boxes[f[1]][1] + (before === null ? " = " : " += ") +
      boxes[node][1] + " * " + paren(f[2]) + " = " + fmt(grad) + " * " + paren(fmt(f[3])) +
      " = " + fmt(f[4]);
    return before === null ? line : line + "  (now " + fmt(num(before) + num(f[4])) + ")";
  }
  function blocks(k) {
    var st = steps[k], b = st[0], name = b >= 0 ? boxes[b][0] : "", out;
    if (k === 0) out = data.start.slice();
    else if (st[1] === "f") {
      out = [["p", "Forward: " + name + " is computed from its inputs."], ["pre", forwardLine(b)]];
      if (k === F) out.push(["p", "The forward pass is done: " + boxes[data.top][0] + " = " +
        boxes[data.top][4] + ". Next, backward."]);
    } else {
      out = [];
      if (k === F + 1) out.push(["p", "Backward starts at " + name + " with " + boxes[b][1] +
        " = 1 (the output's gradient with respect to itself)."]);
      out.push(["p", boxes[b][1] + " = " + fmt(st[3]) + " has arrived at " + name +
        (boxes[b][2] ? ", computed as" : ".")]);
      if (boxes[b][2]) out.push(["pre", forwardLine(b)]);
      out.push(["p", "The chain rule passes it to each input: d input = d output * local" +
        " derivative."]);
      var lines = st[4].map(function (f) { return chainLine(b, st[3], f); });
      out.push(["pre", lines.length ? lines.join("\n") : "(no inputs with a gradient)"]);
    }
    if (k === last) out = out.concat(data.done);
    return out;
  }
  function stepLabel(k) {
    var st = steps[k], head = "Step " + k + " of " + last + ": ";
    if (k === 0) return head + "not yet computed";
    return head + (st[1] === "f" ? "forward, computing " : "backward at ") + boxes[st[0]][0];
  }

  // -- pictures: every picture shows box i's cells as PREFIX + "v" + i + "-1" (data), "-2" --
  var edgesOf = views.map(function (v, k) {
    // box i -> the edges of its step in picture k: [key ("v3_e1", "v3_o"), element id]
    var out = {}, add = function (key, id) {
      var i = /^v(\d+)_/.exec(key)[1];
      (out[i] = out[i] || []).push([key, id]);
    };
    if (v.route) Object.keys(v.route).forEach(function (key) { add(key, v.route[key]); });
    else each(pictures[k] ? pictures[k].querySelectorAll("g.edge") : [], function (g) {
      if (/^v\d+_(e\d+|o)$/.test(g.id)) add(g.id, g.id);
    });
    return out;
  });
  each(stage.querySelectorAll("svg"), function (s) {
    // every picture at its natural size (1 SVG unit = 1 CSS px); the stage transform zooms
    var vb = (s.getAttribute("viewBox") || "0 0 100 100").split(/\s+/).map(Number);
    s.setAttribute("width", vb[2]);
    s.setAttribute("height", vb[3]);
    each(s.querySelectorAll("g.edge text[data-role]"), function (t) {
      t.textContent = t.dataset.role;
    });
  });
  function cellText(el, text) {
    // a box's text; longer than its cell has room for (data-room characters, a number an
    // edit brought), it is drawn narrower to fit rather than spill over the box
    el.textContent = text;
    var room = Number(el.dataset.room || 0);
    if (room && text.length > room) {
      el.setAttribute("textLength", (6.1 * room).toFixed(1));
      el.setAttribute("lengthAdjust", "spacingAndGlyphs");
    } else if (el.hasAttribute("textLength")) {
      el.removeAttribute("textLength");
      el.removeAttribute("lengthAdjust");
    }
  }
  function setCells(k, forward) {
    steps[k][2].forEach(function (s) {
      var text = (s[1] === 1 ? "data " : "grad ") + (forward ? s[2] : s[3]);
      views.forEach(function (v) {
        var el = $(v.prefix + "v" + s[0] + "-" + s[1]);
        if (el) cellText(el, text);
      });
    });
  }
  function ownerOf(k, i) {
    var v = views[k];
    return i < 0 ? "" : v.owner ? v.owner[i] : v.prefix + "v" + i;
  }
  function dress(el, attr, value) {
    if (!el) return;
    dressed.push([el, attr, attr === "class" ? null : el.getAttribute(attr)]);
    if (attr === "class") el.classList.add(value); else el.setAttribute(attr, value);
  }
  function undress() {
    for (var j = dressed.length - 1; j >= 0; j--) {
      var d = dressed[j], el = d[0];
      if (d[1] === "class") el.classList.remove("back", "flow", "got");
      else if (d[1] === "text") el.textContent = el.dataset.role || "";
      else if (d[2] === null) el.removeAttribute(d[1]); else el.setAttribute(d[1], d[2]);
    }
    dressed = [];
  }
  function fillBox(el) {
    if (!el) return;
    if (el.classList.contains("row")) {
      each(el.querySelectorAll("polygon"), function (p) { dress(p, "fill", LIT); });
      return;
    }
    dress($(el.id + "-bg"), "fill", LIT);
    var op = $(el.id + "_op");
    if (op) dress(op.querySelector("ellipse, polygon"), "fill", LIT);
  }
  function edge(g, back) {
    if (!g) return;
    var path = g.querySelector("path");
    dress(path, "stroke", LIT_EDGE);
    dress(path, "stroke-width", "2.5");
    each(g.querySelectorAll("polygon"), function (p) {
      dress(p, "fill", LIT_EDGE);
      dress(p, "stroke", LIT_EDGE);
    });
    if (back) dress(g, "class", "back");
  }
  function light(k, n) {
    // picture k at step n: the step's box, its edges, and on a backward step what flows
    var st = steps[n], i = st[0];
    if (i < 0) return [];
    var region = [$(ownerOf(k, i))];
    fillBox(region[0]);
    // core: what must be seen together if the whole region cannot be: the box, its op and
    // the labels of what flows
    region.core = [region[0], $(ownerOf(k, i) + "_op")];
    var byKey = {};
    (edgesOf[k][i] || []).forEach(function (e) { byKey[e[0]] = $(e[1]); });
    if (st[1] === "f") {
      Object.keys(byKey).forEach(function (key) {
        edge(byKey[key], false);
        region.push(byKey[key]);
      });
      return region;
    }
    edge(byKey["v" + i + "_o"], true);
    region.push(byKey["v" + i + "_o"]);
    st[4].forEach(function (f) {
      var g = byKey["v" + i + "_e" + f[0]];
      edge(g, true);
      region.push(g);
      var t = g ? $(g.id + "-t") : null;
      if (t) {
        dressed.push([t, "text", null]);
        t.textContent = flowText(f);
        dress(t, "class", "flow");
        var room = Number(t.dataset.room || 0);
        if (room && t.textContent.length > room) {  // longer than the layout left: narrower
          dress(t, "textLength", (6.1 * room).toFixed(1));
          dress(t, "lengthAdjust", "spacingAndGlyphs");
        }
        region.core.push(t);
      }
      dress($(views[k].prefix + "v" + f[1] + "-2"), "class", "got");
    });
    return region;
  }

  // -- the camera: the current step's box readable from the back row -------------------------
  function zoomed() { return (window.devicePixelRatio || 1) / dpr0; }
  function readable() {
    // text the back row reads: 21 px, more on a bigger window (at the zoom the page opened
    // with, so that browser zoom makes the text larger, never smaller)
    var z = zoomed();
    return Math.max(21, 0.0275 * window.innerHeight * z, 0.0142 * window.innerWidth * z) / FONT;
  }
  var still = null;
  function place(glide) {
    // glide: a smooth pan (body.dataset.moving is set until it ends)
    var to = "translate(" + cam.x + "px," + cam.y + "px) scale(" + cam.s + ")";
    glide = glide && stage.dataset.at !== to;
    stage.classList.toggle("glide", glide);
    if (still !== null) window.clearTimeout(still);
    if (glide) {
      body.dataset.moving = "1";
      still = window.setTimeout(function () { delete body.dataset.moving; }, GLIDE + 60);
    } else delete body.dataset.moving;
    stage.style.transform = to;
    stage.dataset.at = to;
    stage.dataset.scale = String(cam.s);
    stage.dataset.view = views[active].key;
    if (onPlace) onPlace();
  }
  function clampAxis(t, size, room) {
    // a picture smaller than the viewport sits in its middle; a bigger one leaves no gap
    if (size + 2 * PAD <= room) return (room - size) / 2;
    return Math.min(PAD, Math.max(room - size - PAD, t));
  }
  function bounds(list) {
    // the box around the elements, in picture units (getCTM: within the SVG, no CSS zoom)
    var r = null;
    list.forEach(function (el) {
      if (!el || !el.getBBox) return;
      var b = el.getBBox(), m = el.getCTM();
      if (!m || (b.width === 0 && b.height === 0)) return;
      [[b.x, b.y], [b.x + b.width, b.y + b.height]].forEach(function (p) {
        var x = m.a * p[0] + m.c * p[1] + m.e, y = m.b * p[0] + m.d * p[1] + m.f;
        r = r ? { x0: Math.min(r.x0, x), y0: Math.min(r.y0, y), x1: Math.max(r.x1, x),
                  y1: Math.max(r.y1, y) } : { x0: x, y0: y, x1: x, y1: y };
      });
    });
    return r;
  }
  function fitScale() {
    var z = zoomed();
    return Math.min((viewport.clientWidth * z - 2 * PAD) / W,
                    (viewport.clientHeight * z - 2 * PAD) / H);
  }
  function inside(r, s, x, y, margin) {
    var vw = viewport.clientWidth, vh = viewport.clientHeight;
    return x + s * r.x0 >= margin && x + s * r.x1 <= vw - margin &&
      y + s * r.y0 >= margin && y + s * r.y1 <= vh - margin;
  }
  function aim(region, glide) {
    // the scale: the whole picture when it is then readable, else readable (or the user's
    // larger zoom); the place: where the step's box and its edges are seen whole
    var read = readable(), whole = fitScale(), s;
    if (whole >= read) s = Math.min(whole, 1.6 * read);
    else s = Math.max(read, chosen);
    var vw = viewport.clientWidth, vh = viewport.clientHeight;
    var x = clampAxis(cam.x * s / cam.s, W * s, vw), y = clampAxis(cam.y * s / cam.s, H * s, vh);
    var box = bounds(region.slice(0, 1)), all = bounds(region) || box;
    var core = bounds(region.core || []) || box, same = s === cam.s;
    var fits = function (r) {
      return (r.x1 - r.x0) * s + 2 * PAD <= vw && (r.y1 - r.y0) * s + 2 * PAD <= vh;
    };
    if (box && fits(all)) {
      if (!(same && inside(all, s, x, y, PAD))) {
        x = vw / 2 - s * (all.x0 + all.x1) / 2;
        y = vh / 2 - s * (all.y0 + all.y1) / 2;
      }
    } else if (box) {
      // too much to see at once: the box with its op and labels, placed on the side the
      // graph flows to, so the inputs it reads from (or passes back to) get the most room
      var r = fits(core) ? core : box;
      if (!(same && inside(r, s, x, y, PAD))) {
        var end = { LR: [vw - PAD - s * r.x1, null], RL: [PAD - s * r.x0, null],
                    TB: [null, vh - PAD - s * r.y1], BT: [null, PAD - s * r.y0] }[data.rankdir];
        x = end && end[0] !== null ? end[0] : vw / 2 - s * (r.x0 + r.x1) / 2;
        y = end && end[1] !== null ? end[1] : vh / 2 - s * (r.y0 + r.y1) / 2;
      }
    }
    x = clampAxis(x, W * s, vw);
    y = clampAxis(y, H * s, vh);
    if (box && !inside(box, s, x, y, 0)) {  // the box itself always wholly in view
      x = vw / 2 - s * (box.x0 + box.x1) / 2;
      y = vh / 2 - s * (box.y0 + box.y1) / 2;
    }
    if (current === 0 && box) {  // step 0: from the inputs on, where reading starts
      x = clampAxis(PAD, W * s, vw);
      if (!inside(box, s, x, y, 0)) x = vw / 2 - s * (box.x0 + box.x1) / 2;
    }
    cam = { s: s, x: x, y: y };
    place(glide);
  }
  function overview() {
    chosen = 0;
    var s = fitScale() / zoomed();
    cam = { s: s, x: clampAxis(0, W * s, viewport.clientWidth),
            y: clampAxis(0, H * s, viewport.clientHeight) };
    place(false);
  }
  function zoomAt(factor, cx, cy) {
    // never below the readable size (the whole picture is one key away: 0 or Fit)
    var s = Math.max(Math.min(readable(), cam.s), Math.min(12, cam.s * factor));
    cam = { s: s, x: cx - (cx - cam.x) * (s / cam.s), y: cy - (cy - cam.y) * (s / cam.s) };
    chosen = s >= readable() ? s : 0;
    place(false);
  }
  function zoomBy(f) { zoomAt(f, viewport.clientWidth / 2, viewport.clientHeight / 2); }

  // -- stepping -------------------------------------------------------------------------------
  var stops = views.map(function (v) {
    // the steps a picture stops at: every step, or in a collapsed picture the last of each run
    // of steps at one box (one neuron's forward, one neuron's backward)
    var out = [0];
    for (var k = 1; k <= last; k++) {
      var key = v.owner ? steps[k][1] + ownerOf(views.indexOf(v), steps[k][0]) : k;
      var after = k < last ? (v.owner ? steps[k + 1][1] +
        ownerOf(views.indexOf(v), steps[k + 1][0]) : k + 1) : null;
      if (key !== after) out.push(k);
    }
    return out;
  });
  function after(n) {
    var s = stops[active];
    for (var j = 0; j < s.length; j++) if (s[j] > n) return s[j];
    return last;
  }
  function before(n) {
    var s = stops[active];
    for (var j = s.length - 1; j >= 0; j--) if (s[j] < n) return s[j];
    return 0;
  }
  var hashTimes = [], hashTimer = null;
  function setHash() {
    // replace the address's #step=N (no history entry per step); browsers refuse more than
    // about 200 changes in 10 s, so beyond a budget the last one is written a little later
    if (hashTimer !== null) { window.clearTimeout(hashTimer); hashTimer = null; }
    var now = Date.now(), want = "#step=" + current;
    while (hashTimes.length && now - hashTimes[0] > 10500) hashTimes.shift();
    if (window.location.hash === want) return;
    if (hashTimes.length >= 180) {
      hashTimer = window.setTimeout(setHash, 10600 - (now - hashTimes[0]));
      return;
    }
    hashTimes.push(now);
    try { window.history.replaceState(null, "", want); } catch (e) { window.location.hash = want; }
  }
  function render(glide) {
    undress();
    var region = frozen ? [] : light(active, current);
    if (current === 0 && last > 0) region = [$(ownerOf(active, steps[1][0]))];
    var own = ownerOf(active, steps[current][0]);
    body.dataset.current = own && $(own) ? own : "";
    aim(region, glide);
  }
  function show(n, how) {
    // how: "glide" (a step: the camera moves smoothly), "jump", or "load" (no address change)
    if (frozen) return;
    n = Math.max(0, Math.min(last, n));
    while (applied < n) { applied++; setCells(applied, true); }
    while (applied > n) { setCells(applied, false); applied--; }
    current = n;
    body.dataset.step = String(n);
    var parts = blocks(n).map(function (b) {
      var el = document.createElement(b[0] === "pre" ? "pre" : "p");
      el.textContent = b[1];
      return el;
    });
    explain.replaceChildren.apply(explain, parts);
    label.textContent = stepLabel(n);
    slider.value = String(n);
    prev.disabled = n === 0;
    next.disabled = n === last;
    render(how === "glide");
    if (how !== "load") setHash();
    if (how !== "load" && onShow) onShow();
  }
  function useView(k, target) {
    active = Math.max(0, Math.min(views.length - 1, k));
    each(pictures, function (el, j) { el.hidden = j !== active; });
    each(buttons, function (b) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.view) === active));
    });
    var svg = pictures[active] ? pictures[active].querySelector("svg") : null;
    W = svg ? Number(svg.getAttribute("width")) : 1;
    H = svg ? Number(svg.getAttribute("height")) : 1;
    render(false);
    if (target) aim([target], false);
  }
  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
    play.textContent = "Play";
  }
  function toggle() {
    if (timer !== null) { stop(); return; }
    if (current === last) show(0, "jump");
    play.textContent = "Pause";
    timer = window.setInterval(function () {
      if (current >= last) { stop(); return; }
      show(after(current), "glide");
    }, 1400);
  }
  function help(on) { $("help").hidden = !on; }
  function fullscreen() {
    var d = document;
    if (d.fullscreenElement) { if (d.exitFullscreen) d.exitFullscreen(); }
    else if (d.documentElement.requestFullscreen) {
      d.documentElement.requestFullscreen().catch(function () {});
    }
  }
  function click(el, f) {
    el.addEventListener("click", function () { f(); el.blur(); });
  }
  click(prev, function () { stop(); show(before(current), "glide"); });
  click(next, function () { stop(); show(after(current), "glide"); });
  click(play, toggle);
  click($("zoom-in"), function () { zoomBy(1.25); });
  click($("zoom-out"), function () { zoomBy(0.8); });
  click($("fit"), overview);
  click($("full"), fullscreen);
  click($("keys"), function () { help($("help").hidden); });
  $("help").addEventListener("click", function () { help(false); });
  each(buttons, function (b) {
    click(b, function () { useView(Number(b.dataset.view)); });
  });
  slider.addEventListener("input", function () {
    stop();
    show(parseInt(slider.value, 10), "jump");
  });
  var KEYS = {
    ArrowRight: function () { show(after(current), "glide"); },
    " ": function () { show(after(current), "glide"); },
    PageDown: function () { show(after(current), "glide"); },
    ArrowLeft: function () { show(before(current), "glide"); },
    PageUp: function () { show(before(current), "glide"); },
    Home: function () { show(0, "jump"); },
    End: function () { show(last, "jump"); },
    b: function () { show(Math.min(F + 1, last), "jump"); },
    f: fullscreen,
    "?": function () { help($("help").hidden); },
    Escape: function () { help(false); },
    "+": function () { zoomBy(1.25); },
    "=": function () { zoomBy(1.25); },
    "-": function () { zoomBy(0.8); },
    "0": overview
  };
  KEYS.Spacebar = KEYS[" "];
  KEYS.B = KEYS.b;
  KEYS.F = KEYS.f;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;  // the browser's own (Ctrl + zooms)
    var t = e.target, tag = t && t.tagName;
    if ((tag === "INPUT" && t.type !== "range") || tag === "SELECT" || tag === "TEXTAREA") return;
    var f = KEYS[e.key];
    if (!f) return;
    e.preventDefault();
    if (e.key !== "?" && e.key !== "Escape") help(false);
    if (e.key !== "f" && e.key !== "F") stop();
    f();
  });
  document.addEventListener("keyup", function (e) {
    if (e.key === " " && e.target && e.target.tagName === "BUTTON") e.preventDefault();
  });

  var drag = null;
  viewport.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, tx: cam.x, ty: cam.y, moved: false };
    viewport.setPointerCapture(e.pointerId);
  });
  viewport.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    viewport.classList.add("dragging");
    cam.x = drag.tx + dx; cam.y = drag.ty + dy; place(false);
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
      cam.x -= e.deltaX; cam.y -= e.deltaY; place(false);
    }
  }, { passive: false });
  function clickAt(x, y) {
    // A group's box opens every value, centred on that group; a group's frame (or its name)
    // in the full picture opens the collapsed picture that has a box for it.
    var el = document.elementFromPoint(x, y);
    if (!el || !el.closest) return;
    if (onClick && onClick(el)) return;  // a number to change
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
  function fromHash() {
    var m = /^#step=(\d+)$/.exec(window.location.hash);
    return m ? Math.min(parseInt(m[1], 10), last) : 0;
  }
  window.addEventListener("hashchange", function () { stop(); show(fromHash(), "load"); });
  window.addEventListener("resize", function () { render(false); });
  document.addEventListener("fullscreenchange", function () { render(false); });
  active = Math.max(0, Math.min(views.length - 1, data.view || 0));
  useView(active);
  show(fromHash(), "load");
"""

SCRIPT = (
    "(function () {\n"
    '  "use strict";\n'
    '  var data = JSON.parse(document.getElementById("steps").textContent);\n'
    + REPLAY
    + STEPPER
    + LAB
    + PANEL
    + "})();\n"
)
