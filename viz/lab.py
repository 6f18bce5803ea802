"""The stepper page's lab: any number the graph starts from changed, and every value and
gradient computed again (:mod:`viz.replay`); a number nudged by h, the differences beside the
gradient; a gradient step on the parameters. JavaScript that runs in the page's script after
:mod:`viz.replay` and :mod:`viz.script`, whose names it uses (``show``, ``views``, ``frozen``,
...); :mod:`viz.panel` puts it on screen and makes the hook ``window.stepgrad``.

A page whose graph uses an op without browser rules, or whose rules do not give the page's
numbers at its own values (checked when it opens), keeps every step but cannot be edited, and
says so in one line naming the op.
"""

from __future__ import annotations

__all__ = ["LAB"]

LAB = r"""
  // -- the lab: change a number, nudge it, take a gradient step ---------------------------------
  if (G) G.arg = G.arg.map(nums);
  var ORIGINAL = { boxes: data.boxes, steps: data.steps, start: data.start, done: data.done };
  var START = G ? { data: nums(G.data), partials: nums(G.partials), grad: nums(G.grad) } : null;
  var values = START ? START.data.slice() : [], state = START, failure = null;
  var losses = [], lastStep = null, marks = [], stepsTaken = 0;
  var isLeaf = {}, isParam = {};
  if (G) {
    G.leaves.forEach(function (n) { isLeaf[n] = 1; });
    G.params.forEach(function (b) { if (isLeaf[G.node[b]]) isParam[G.node[b]] = 1; });
  }
  function close(a, b) {
    return a === b || (a !== a && b !== b) ||
      Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }
  function problems() {
    // why the page cannot be edited: rows without rules, or rules that do not give the
    // engine's numbers at the page's own values
    if (!G) return ["the page has no graph"];
    var why = G.off.slice(), used = {};
    G.op.forEach(function (op, n) { if (G.in[n].length) used[op] = 1; });
    Object.keys(used).sort().forEach(function (op) {
      if (!ROWS[op] && !why.some(function (w) { return w.indexOf("'" + op + "'") >= 0; })) {
        why.push("op '" + op + "': its browser rules did not load");
      }
    });
    if (why.length) return why;
    try {
      var r = evaluate(values, true);
      for (var n = 0; n < N; n++) {
        if (!G.in[n].length) continue;
        var xs = G.in[n].map(function (k) { return values[k]; });
        var at = describe(ROWS[G.op[n]], xs, G.arg[n]);
        if (r.error && r.failed === n) {
          return ["op '" + G.op[n] + "': its browser rules refuse " + at + " (" +
                  r.error.message + "), the engine does not"];
        }
        var ds = r.partials[n], want = START.partials[n];
        if (!close(r.data[n], values[n]) || ds.length !== want.length ||
            ds.some(function (d, j) { return !close(d, want[j]); })) {
          return ["op '" + G.op[n] + "': the browser rules do not give the page's numbers at " +
                  at];
        }
      }
    } catch (e) {
      return ["the browser rules do not run (" + (e && e.message) + ")"];
    }
    return [];
  }
  var why = problems(), editable = !why.length;
  var note = editable ? "" : "This page cannot be edited: " + why.join("; ") + ".";

  // -- numbers on the page -----------------------------------------------------------------
  function setText(b, col, text) {
    views.forEach(function (v) {
      var el = $(v.prefix + "v" + b + "-" + col);
      if (el) cellText(el, text);
    });
  }
  function writeStart(d, failed, at) {
    // every cell as at step 0 (inputs given, the rest "?"); after a refusal, also what was
    // computed before it, and "error" in the refused box
    G.node.forEach(function (n, b) {
      var known = !G.in[n].length || (failed !== undefined && n < failed);
      setText(b, 1, "data " + (known ? fmt(d[n]) : b === at ? "error" : "?"));
      setText(b, 2, "grad ?");
      if (G.numbered[n]) setText(b, 0, boxName(b, d));
    });
    Object.keys(G.optext).forEach(function (b) {
      var o = G.optext[b], c = nameOf(o[1], d);
      var text = o[2] === 0 ? c + " " + o[0]
        : o[0] + " " + (c.charAt(0) === "-" ? "(" + c + ")" : c);
      views.forEach(function (v) {
        var el = $(v.prefix + "v" + b + "_op");
        var t = el ? el.querySelector("text") : null;
        if (t) t.textContent = text;
      });
    });
  }
  function mark(b) {
    // the refused node's box, in every picture
    views.forEach(function (v, k) {
      var el = $(ownerOf(k, b));
      if (!el) return;
      el.classList.add("refused");
      var shapes = el.classList.contains("row") ? el.querySelectorAll("polygon")
        : [$(el.id + "-bg")];
      each(shapes, function (p) {
        if (!p) return;
        marks.push([el, p, p.getAttribute("fill"), p.getAttribute("stroke")]);
        p.setAttribute("fill", "#f8b4b4");
        p.setAttribute("stroke", "#b00020");
      });
    });
  }
  function unmark() {
    marks.forEach(function (m) {
      m[0].classList.remove("refused");
      if (m[2] === null) m[1].removeAttribute("fill"); else m[1].setAttribute("fill", m[2]);
      if (m[3] === null) m[1].removeAttribute("stroke"); else m[1].setAttribute("stroke", m[3]);
    });
    marks = [];
  }
  function refusedBox(n) {
    // the box that shows node n, or for a folded constant the first box that uses it
    if (G.box[n] >= 0) return G.box[n];
    var hit = {};
    hit[n] = 1;
    for (var m = n + 1; m < N; m++) {
      if (!G.in[m].some(function (k) { return hit[k]; })) continue;
      if (G.box[m] >= 0) return G.box[m];
      hit[m] = 1;
    }
    return -1;
  }
  function controls(on) {
    [prev, next, play, slider].forEach(function (el) { el.disabled = !on; });
    if (on) { prev.disabled = current === 0; next.disabled = current === last; }
  }
  function fail(r) {
    // a number outside an op's domain: the engine's message, the op's box marked, stepping
    // paused until the number is changed back (no NaN is ever shown for it)
    failure = r;
    stop();
    unmark();
    undress();
    frozen = true;
    var at = refusedBox(r.failed), message = r.error.message;
    writeStart(r.data, r.failed, at);
    if (at >= 0) mark(at);
    body.dataset.error = message;
    body.dataset.current = "";
    controls(false);
    label.textContent = "Cannot compute: " + message;
    var p1 = document.createElement("p"), p2 = document.createElement("p");
    p1.className = "error";
    p1.textContent = message;
    p2.textContent = "The engine refuses this step, so nothing after it can be computed. " +
      "Change the number back, or Reset.";
    explain.replaceChildren(p1, p2);
    say([["error", message]]);
    if (at >= 0) {  // the refused box in view, with its inputs when they fit
      var own = ownerOf(active, at), region = [$(own)];
      region.core = [$(own), $(own + "_op")];
      G.in[G.node[at]].forEach(function (k) {
        if (G.box[k] >= 0) region.push($(ownerOf(active, G.box[k])));
      });
      if (region[0]) aim(region, true);
    }
  }
  function install(page, st) {
    state = st;
    failure = null;
    frozen = false;
    unmark();
    delete body.dataset.error;
    boxes = data.boxes = page.boxes;
    steps = data.steps = page.steps;
    data.start = page.start;
    data.done = page.done;
    writeStart(st.data);
    applied = 0;
    controls(true);
    show(current, "load");
  }
  function recompute() {
    var r = evaluate(values, true);
    if (r.error) {
      fail(r);
      refresh();
      return r.error.message;
    }
    var bw = backward(r.partials);
    install(pageOf(r.data, bw, ORIGINAL), { data: r.data, partials: r.partials, grad: bw.grad });
    refresh();
    return null;
  }
  function reset() {
    values = START.data.slice();
    losses = [];
    lastStep = null;
    stepsTaken = 0;
    install(ORIGINAL, START);
    refresh();
    say([]);
  }

  // -- what one may change, by name ----------------------------------------------------------
  function current_() { return failure ? failure.data : state.data; }
  function leafName(n) { return nameOf(n, values); }
  function named(name) {
    var found = G.leaves.filter(function (n) {
      return leafName(n) === String(name) || G.label[n] === String(name);
    });
    if (!found.length) {
      var inner = G.node.some(function (n, b) { return boxName(b, current_()) === String(name); });
      throw new Error("stepgrad: no number named '" + String(name) + "'" +
        (inner ? " can be changed: it is computed from others" : " in this page"));
    }
    return found;
  }
  function need() {
    if (!editable) throw new Error(note);
  }
  function setLeaves(ns, x) {
    if (typeof x !== "number") x = parseNumber(x);
    if (!isFinite(x)) throw new Error(pyrepr(x) + " is not a finite number");
    ns.forEach(function (n) { values[n] = x; });
    losses = [];
    lastStep = null;
    stepsTaken = 0;
    return recompute();
  }

  function positive(x, what) {
    // a step or a learning rate: a finite number > 0 (as nn's settings check them)
    if (typeof x !== "number") x = parseNumber(x);
    if (!(x > 0) || !isFinite(x)) {
      throw new Error(what + " must be a finite number > 0, got " + pyrepr(x));
    }
    return x;
  }

  // -- nudge: differences beside the gradient --------------------------------------------------
  function nudgeLeaves(ns, h) {
    if (failure) throw new Error("change the number back first: " + failure.error.message);
    h = positive(h, "h");
    function f(sign) {
      var v = values.slice();
      ns.forEach(function (n) { v[n] = values[n] + sign * h; });
      var r = evaluate(v, false);
      if (r.error) throw new Error(r.error.message);
      return r.data[G.root];
    }
    var fx = state.data[G.root], up = f(1), down = f(-1), g = state.grad[ns[0]];
    for (var k = 1; k < ns.length; k++) g += state.grad[ns[k]];
    return { x: values[ns[0]], h: h, fx: fx, up: up, down: down, delta: up - fx,
             slope: (up - fx) / h, central: (up - down) / (2 * h), grad: g };
  }
  // -- a gradient step on every parameter ------------------------------------------------------
  function sgdStep(lr) {
    if (!G.params.length) throw new Error("stepgrad: the page has no parameters (params=)");
    if (failure) throw new Error("change the number back first: " + failure.error.message);
    lr = positive(lr, "lr");
    var before = state.data[G.root], grad = state.grad;
    if (!losses.length) losses.push(before);
    Object.keys(isParam).forEach(function (n) { values[n] = values[n] - lr * grad[n]; });
    stepsTaken++;
    var err = recompute();
    if (err) throw new Error(err);
    losses.push(state.data[G.root]);
    lastStep = { lr: lr, before: before, after: state.data[G.root] };
    say([]);
    curve();
    return state.data[G.root];
  }
"""
