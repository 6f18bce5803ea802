"""The lab on screen: the panel beside the picture (change a number, nudge it, take a gradient
step, the loss curve, Reset), changing a number where the picture draws it, and the hook
``window.stepgrad`` for tests and tools. JavaScript that runs after :mod:`viz.lab`.
"""

from __future__ import annotations

__all__ = ["PANEL", "PANEL_CSS", "PANEL_HTML"]

PANEL_HTML = """<section id="lab" aria-label="change a number">
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

PANEL_CSS = """
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

PANEL = r"""
  var labEl = $("lab"), out = $("lab-out"), leafSelect = $("leaf"), field = $("value");
  var editor = null;
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

  var SVGNS = "http://www.w3.org/2000/svg";
  function curve() {
    // the loss after each step, a small line beside the Step button (made here, so the page's
    // markup keeps one picture)
    var box = $("curve"), ys = losses.filter(isFinite);
    $("loss-row").hidden = ys.length < 2;
    $("loss").textContent = !lastStep ? "" : "Step " + stepsTaken + " (lr " +
      fmt(lastStep.lr) + "): " + boxes[data.top][0] + " " + fmt(lastStep.before) + " \u2192 " +
      fmt(lastStep.after);
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
