"""The stepper page's lab: change any number the graph starts from and watch every value and
gradient recompute, nudge it by h and compare the differences with the gradient, take a
gradient step on the parameters and watch the loss; the hook ``window.stepgrad`` for tests and
tools. It runs in the page's script after :mod:`viz.replay` and :mod:`viz.script`, whose
names it uses (``show``, ``views``, ``frozen``, ...).

A page whose graph uses an op without browser rules, or whose rules do not give the engine's
numbers at the page's own values (checked when it opens), keeps every step but cannot be
edited, and says so in one line naming the op.
"""

from __future__ import annotations

__all__ = ["LAB", "LAB_CSS", "LAB_HTML"]

LAB_HTML = """<section id="lab" aria-label="change a number">
<div class="lab-row"><label for="leaf">Change</label> <select id="leaf"></select>
<label for="value" class="quiet">to</label>
<input id="value" type="text" inputmode="decimal" spellcheck="false" autocomplete="off">
<button id="reset" type="button" title="every number as the page opened">Reset</button></div>
<div class="lab-row"><label for="h">Nudge it by h =</label>
<input id="h" type="text" inputmode="decimal" spellcheck="false" autocomplete="off"
 value="0.0001"> <button id="nudge" type="button">Nudge</button></div>
<div class="lab-row" id="sgd-row" hidden><label for="lr">Gradient step, lr =</label>
<input id="lr" type="text" inputmode="decimal" spellcheck="false" autocomplete="off"
 value="0.05"> <button id="sgd" type="button"
 title="every parameter p becomes p - lr * dp; then forward and backward again">Step</button>
</div>
<div class="lab-row" id="loss-row" hidden><span id="curve" role="img"></span>
<span id="loss"></span></div>
<div id="lab-out" aria-live="polite"></div>
<p id="lab-note" hidden></p>
</section>"""

LAB_CSS = """
#side { display: flex; flex-direction: column; gap: 0.5rem; min-height: 0; min-width: 0; }
#lab { border: 1px solid #ccc; border-radius: 4px; background: #fafafa; padding: 0.3em 0.5em;
  font-size: max(16px, 1.9vh); }
#lab.off > .lab-row, #lab.off > #lab-out { display: none; }
.lab-row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25em 0.45em;
  margin: 0.15em 0; }
.lab-row[hidden] { display: none; }
#lab input[type=text] { font: inherit; width: 5.6em; padding: 0.1em 0.3em; min-width: 0; }
#lab select { font: inherit; max-width: 7em; min-width: 0; }
#lab .quiet { color: #555; }
#curve { flex: 0 0 auto; }
#lab-out { margin: 0.2em 0 0; line-height: 1.3; overflow-wrap: anywhere; }
#lab-out p { margin: 0.2em 0; }
#lab-out .error, #explain .error { color: #b00020; font-weight: bold; }
#lab-note { margin: 0.2em 0; font-weight: normal; color: #8a4b00; }
#lab-out table { border-collapse: collapse; }
#lab-out td { padding: 0 0.6em 0 0; vertical-align: baseline; }
#lab-out td.n { font-family: ui-monospace, monospace; text-align: right; white-space: nowrap; }
#inplace { position: absolute; z-index: 5; display: none; box-sizing: border-box;
  font-family: Helvetica, Arial, sans-serif; text-align: center; padding: 0 0.2em;
  border: 2px solid #e6550d; border-radius: 3px; background: #fff; }
#inplace.bad { border-color: #b00020; background: #fde8eb; }
text.editable { cursor: text; text-decoration: underline dotted; }
"""

LAB = r"""
  // -- the lab: change a number, nudge it, take a gradient step ---------------------------------
  if (G) G.arg = G.arg.map(nums);
  var ORIGINAL = { boxes: data.boxes, steps: data.steps, start: data.start, done: data.done };
  var START = G ? { data: nums(G.data), partials: nums(G.partials), grad: nums(G.grad) } : null;
  var values = START ? START.data.slice() : [], state = START, failure = null;
  var losses = [], marks = [], stepsTaken = 0, editor = null;
  var labEl = $("lab"), out = $("lab-out"), leafSelect = $("leaf"), field = $("value");
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
      if (el) el.textContent = text;
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
    $("loss").textContent = "";
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
      throw new Error("stepgrad: no number named " + JSON.stringify(String(name)) +
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
    $("loss").textContent = "";
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
  function showNudge(n, r) {
    // the notes' lesson on the page's own graph: f(x + h) by the forward pass alone, the
    // one-sided and central differences, and the gradient backward gave
    var f = boxes[data.top][0], x = leafName(n) === "x" ? "x" : "x = " + leafName(n);
    var rows = [
      ["f(x + h)", fmtp(r.up, 10)],
      ["\u0394 = f(x + h) \u2212 f(x)", fmtp(r.delta, 10)],
      ["\u0394 / h, one-sided", fmtp(r.slope, 10)],
      ["(f(x + h) \u2212 f(x \u2212 h)) / 2h", fmtp(r.central, 10)],
      ["df/dx from backward", fmtp(r.grad, 10)],
      ["one-sided \u2212 backward", fmtp(r.slope - r.grad, 3)],
      ["central \u2212 backward", fmtp(r.central - r.grad, 3)]
    ];
    say([["p", "f = " + f + " as a function of " + x + " = " + fmtp(r.x, 10) + ", h = " +
          fmtp(r.h, 6) + ":"], ["table", rows]]);
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
    $("loss").textContent = "Step " + stepsTaken + " (lr " + fmt(lr) + "): " +
      boxes[data.top][0] + " " + fmt(before) + " \u2192 " + fmt(state.data[G.root]);
    say([]);
    curve();
    return state.data[G.root];
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  function curve() {
    // the loss after each step, a small line beside the Step button (made here, so the page's
    // markup keeps one picture)
    var box = $("curve"), ys = losses.filter(isFinite);
    $("loss-row").hidden = ys.length < 2;
    if (ys.length < 2) return;
    if (!box.firstChild) {
      var s = document.createElementNS(SVGNS, "svg");
      s.setAttribute("viewBox", "0 0 120 36");
      s.setAttribute("width", "6.5em");
      s.setAttribute("height", "2em");
      var pl = document.createElementNS(SVGNS, "polyline");
      var c = document.createElementNS(SVGNS, "circle");
      pl.setAttribute("fill", "none");
      pl.setAttribute("stroke", "#a33c00");
      pl.setAttribute("stroke-width", "1.5");
      c.setAttribute("r", "2.5");
      c.setAttribute("fill", "#a33c00");
      s.appendChild(pl);
      s.appendChild(c);
      box.appendChild(s);
    }
    var line = box.querySelector("polyline"), dot = box.querySelector("circle");
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys), span = hi - lo || 1;
    var pts = ys.map(function (y, i) {
      return [4 + 112 * i / (ys.length - 1), 32 - 28 * (y - lo) / span];
    });
    line.setAttribute("points", pts.map(function (p) { return p[0].toFixed(1) + "," +
      p[1].toFixed(1); }).join(" "));
    dot.setAttribute("cx", pts[pts.length - 1][0].toFixed(1));
    dot.setAttribute("cy", pts[pts.length - 1][1].toFixed(1));
    box.setAttribute("aria-label", "loss per step: " + ys.map(fmt).join(", "));
  }

  // -- the panel -------------------------------------------------------------------------------
  function say(blocks) {
    // blocks: ["p", text], ["error", text], ["table", [[label, number], ...]]
    out.replaceChildren.apply(out, blocks.map(function (b) {
      var el;
      if (b[0] === "table") {
        el = document.createElement("table");
        b[1].forEach(function (r) {
          var tr = el.insertRow(), a = tr.insertCell(), v = tr.insertCell();
          a.textContent = r[0];
          v.textContent = r[1];
          v.className = "n";
        });
        return el;
      }
      el = document.createElement("p");
      el.textContent = b[1];
      if (b[0] === "error") el.className = "error";
      return el;
    }));
  }
  function attempt(f) {
    try { f(); } catch (e) { say([["error", e.message]]); }
  }
  function picked() { return Number(leafSelect.value); }
  function refresh() {
    each(leafSelect.options, function (o) {
      var n = Number(o.value);
      o.textContent = leafName(n) + (isParam[n] || G.label[n] ? "" : " (a number)");
    });
    if (leafSelect.options.length && document.activeElement !== field) {
      field.value = pyrepr(values[picked()]);
    }
    curve();
  }
  function commit(n, text) {
    var x;
    try { x = parseNumber(text); } catch (e) { say([["error", e.message]]); return false; }
    var err = setLeaves([n], x);
    if (!err) say([["p", leafName(n) + " = " + fmtp(x, 10) + ": every value and gradient " +
                    "recomputed."]]);
    return true;
  }

  // -- changing a number where it is drawn ---------------------------------------------------
  var inplace = document.createElement("input");
  inplace.id = "inplace";
  inplace.type = "text";
  inplace.setAttribute("inputmode", "decimal");
  inplace.setAttribute("aria-label", "new value");
  inplace.spellcheck = false;
  $("picture").appendChild(inplace);
  function target(el) {
    // the leaf a click on the picture means, and the text to edit over: a leaf's box (any of
    // its cells) or an op with a constant written on it
    var t = el.tagName === "text" ? el : el.nextElementSibling &&
      el.nextElementSibling.tagName === "text" ? el.nextElementSibling : null;
    var m = t && /^(c\d+)?v(\d+)-[012]$/.exec(t.id);
    if (m && isLeaf[G.node[+m[2]]]) return [G.node[+m[2]], $((m[1] || "") + "v" + m[2] + "-1")];
    var op = el.closest ? el.closest("g.node") : null;
    m = op && /^(c\d+)?v(\d+)_op$/.exec(op.id);
    if (m && G.optext[m[2]] && isLeaf[G.optext[m[2]][1]]) {
      return [G.optext[m[2]][1], op.querySelector("text")];
    }
    return null;
  }
  function place_() {
    if (!editor) return;
    var a = editor.anchor, cell = a.previousElementSibling;
    var r = (cell && cell.tagName === "polygon" ? cell : a).getBoundingClientRect();
    var p = $("picture").getBoundingClientRect();
    var px = Number(a.getAttribute("font-size") || FONT) * cam.s;
    var w = Math.max(r.width, 6 * px), h = Math.max(r.height, 1.5 * px);
    inplace.style.left = (r.left - p.left + (r.width - w) / 2) + "px";
    inplace.style.top = (r.top - p.top + (r.height - h) / 2) + "px";
    inplace.style.width = w + "px";
    inplace.style.height = h + "px";
    inplace.style.fontSize = px + "px";
  }
  function openEditor(n, anchor) {
    if (!anchor) return;
    editor = { node: n, anchor: anchor, was: pyrepr(values[n]) };
    leafSelect.value = String(n);
    refresh();
    inplace.value = editor.was;
    inplace.classList.remove("bad");
    inplace.style.display = "block";
    place_();
    inplace.focus();
    inplace.select();
  }
  function closeEditor() {
    editor = null;
    inplace.style.display = "none";
  }
  function commitEditor(keep) {
    if (!editor) return;
    var e = editor;
    if (inplace.value.trim() === e.was) { closeEditor(); return; }
    var ok;
    try { parseNumber(inplace.value); ok = true; } catch (err) { ok = false; }
    if (!ok && keep) {
      inplace.classList.add("bad");
      commit(e.node, inplace.value);  // says why
      return;
    }
    closeEditor();
    commit(e.node, inplace.value);
  }
  inplace.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); commitEditor(true); }
    else if (e.key === "Escape") { e.preventDefault(); closeEditor(); }
  });
  inplace.addEventListener("blur", function () { commitEditor(false); });

  // -- wiring ----------------------------------------------------------------------------------
  // the numbers one may change, as the panel lists them: inputs, parameters, other numbers
  var order = !G ? [] : G.leaves.filter(function (n) { return !isParam[n] && G.label[n]; })
    .concat(G.params.map(function (b) { return G.node[b]; }).filter(function (n) {
      return isParam[n];
    }), G.leaves.filter(function (n) { return !isParam[n] && !G.label[n]; }));
  if (editable) {
    order.forEach(function (n) {
      var o = document.createElement("option");
      o.value = String(n);
      leafSelect.appendChild(o);
    });
    $("sgd-row").hidden = !Object.keys(isParam).length;
    G.leaves.forEach(function (n) {
      if (G.box[n] < 0 || G.node[G.box[n]] !== n) return;
      views.forEach(function (v) {
        var el = $(v.prefix + "v" + G.box[n] + "-1");
        if (el) el.classList.add("editable");
      });
    });
    Object.keys(G.optext).forEach(function (b) {
      if (!isLeaf[G.optext[b][1]]) return;
      views.forEach(function (v) {
        var el = $(v.prefix + "v" + b + "_op");
        if (el && el.querySelector("text")) el.querySelector("text").classList.add("editable");
      });
    });
    refresh();
    onClick = function (el) {
      var t = target(el);
      if (!t) return false;
      openEditor(t[0], t[1]);
      return true;
    };
    onPlace = place_;
    onShow = function () { if (!failure) say([]); };  // a step clears the last message
    leafSelect.addEventListener("change", function () { field.value = pyrepr(values[picked()]); });
    field.addEventListener("change", function () { commit(picked(), field.value); });
    $("reset").addEventListener("click", reset);
    $("nudge").addEventListener("click", function () {
      attempt(function () { showNudge(picked(), nudgeLeaves([picked()], $("h").value)); });
    });
    $("sgd").addEventListener("click", function () {
      attempt(function () { sgdStep($("lr").value); });
    });
  } else {
    labEl.classList.add("off");
    $("lab-note").hidden = false;
    $("lab-note").textContent = note;
  }
  window.stepgrad = {
    editable: editable,
    note: note,
    set: function (name, value) { need(); return setLeaves(named(name), value); },
    read: function () {
      // {name: [data, grad]} for every box; null where not computed (after a refusal)
      var outp = {}, d = current_();
      G.node.forEach(function (n, b) {
        var known = !failure || !G.in[n].length || n < failure.failed;
        outp[boxName(b, d)] = [known ? d[n] : null, failure ? null : state.grad[n]];
      });
      return outp;
    },
    nudge: function (name, h) {
      need();
      var ns = named(name), r = nudgeLeaves(ns, h === undefined ? 1e-4 : h);
      showNudge(ns[0], r);
      return r;
    },
    sgd: function (lr) { need(); return sgdStep(lr); },
    reset: function () { if (editable) reset(); },
    leaves: function () {
      // the names of the numbers one may change (set, nudge), each once
      var seen = {};
      return order.map(leafName).filter(function (name) {
        return seen[name] ? false : (seen[name] = true);
      });
    },
    error: function () { return failure ? failure.error.message : null; },
    page: function () { return { boxes: boxes, steps: steps, start: data.start, done: data.done }; }
  };
"""
