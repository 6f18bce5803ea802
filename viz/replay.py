"""The engine replayed in the page: JavaScript that recomputes a stepper page's graph from new
leaf values with the op rows' browser rules, as the Python engine would build it.

- numbers as Python writes them: ``fmt`` (viz's ``f"{x:.6g}"``), ``fmtp`` (any precision),
  ``pyrepr`` (``repr(float)``, for error messages) and ``parseNumber`` (what ``float()`` reads);
- ``build(op, xs, arg, grad)``: the engine's builder (``autograd.value.builder``) around a row's
  rules: the row's limits (NaN never refused), the forward, "result overflows a float" when
  finite inputs give inf or nan, the partials and "derivative overflows a float"; a refusal is
  an Error whose ``py`` names Python's exception and whose message is the engine's one line;
- ``evaluate`` (every node in reading order), ``backward`` (``autograd.graph._flow``: a zero
  local derivative passes nothing) and ``pageOf`` (what :func:`viz.trace.trace` and
  :func:`viz.steps.page_data` make: boxes, steps, the start and done texts).

It runs inside the page's script, reading ``data.graph`` (:func:`viz.live.graph_data`) and the
rows' rules (``window.stepgradRows``, from :mod:`viz.rules`).
"""

from __future__ import annotations

__all__ = ["REPLAY"]

REPLAY = r"""
  var G = data && data.graph, ROWS = window.stepgradRows || {};
  var N = G ? G.op.length : 0;

  // -- numbers as Python writes and reads them -------------------------------------------------
  function num(v) {
    if (typeof v !== "string") return v;
    return v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity;
  }
  function nums(v) { return Array.isArray(v) ? v.map(nums) : num(v); }
  function fmtp(x, p) {
    // Python's f"{x:.{p}g}" (round half to even on the exact value)
    x = num(x);
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    var a = Math.abs(x), sig = a.toExponential(p - 1).split("e");
    var digits = sig[0].replace(".", ""), exp = parseInt(sig[1], 10);
    var exact = a.toExponential(30).split("e"), ed = exact[0].replace(".", "");
    if (ed.charAt(p) === "5" && /^0*$/.test(ed.slice(p + 1)) &&
        Number(ed.charAt(p - 1)) % 2 === 0) {
      digits = ed.slice(0, p);  // a tie: Python keeps the even digit
      exp = parseInt(exact[1], 10);
    }
    var out;
    if (exp < -4 || exp >= p) {
      var m = (digits.charAt(0) + "." + digits.slice(1)).replace(/\.?0+$/, "");
      out = m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    } else if (exp >= 0) {
      out = (digits.slice(0, exp + 1) + "." + digits.slice(exp + 1)).replace(/\.?0+$/, "")
        .replace(/\.$/, "");
    } else {
      out = ("0." + new Array(-exp).join("0") + digits).replace(/\.?0+$/, "");
    }
    return (x < 0 ? "-" : "") + out;
  }
  function fmt(x) {
    // viz.names.fmt: about 6 significant digits, "-0" written "0"
    var s = fmtp(x, 6);
    return s === "-0" ? "0" : s;
  }
  function pyrepr(x) {
    // repr(float): the shortest digits that read back (JavaScript finds the same ones), laid
    // out as Python does: 1e-05, 0.0001, 1000000000000000.0, 1e+16, -0.0, inf, nan
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    var parts = Math.abs(x).toExponential().split("e"), sign = x < 0 ? "-" : "";
    var digits = parts[0].replace(".", ""), e = parseInt(parts[1], 10);
    if (e < -4 || e >= 16) {
      var mant = digits.length > 1 ? digits.charAt(0) + "." + digits.slice(1) : digits;
      return sign + mant + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") +
        Math.abs(e);
    }
    if (e < 0) return sign + "0." + new Array(-e).join("0") + digits;
    while (digits.length < e + 1) digits += "0";
    return sign + digits.slice(0, e + 1) + "." + (digits.slice(e + 1) || "0");
  }
  var NUMBER = /^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$/;
  function parseNumber(text) {
    // a finite number written as Python's float() reads it (1e-4, -2.5, 1_000); a minus sign
    // pasted from a document (U+2212) counts as "-"
    var t = String(text).trim().replace(/\u2212/g, "-");
    if (!NUMBER.test(t)) {
      throw new Error(JSON.stringify(String(text).trim()).replace(/^"|"$/g, "'") +
        " is not a number");
    }
    var x = Number(t.replace(/_/g, ""));
    if (!isFinite(x)) throw new Error(t + " is too large for a float");
    return x;
  }

  // -- the builder: the engine's checks around a row's browser rules ---------------------------
  var WHY = { OverflowError: "overflows a float", ZeroDivisionError: "divides by zero" };
  function PyError(kind, message) {
    var e = new Error(message);
    e.py = kind;
    return e;
  }
  function argItems(arg) {
    return arg === null || arg === undefined ? [] : Array.isArray(arg) ? arg : [arg];
  }
  function describe(row, xs, arg) {
    // autograd.ops.describe_call: log(-1.0), pow(0.0, -1.0)
    var shown = xs.map(pyrepr);
    if (row.arity !== 2) shown = shown.concat(argItems(arg).map(pyrepr));
    return row.title + "(" + shown.join(", ") + ")";
  }
  function refused(e, row, xs, arg, what) {
    if (e && WHY[e.py]) {
      return PyError(e.py, describe(row, xs, arg) + ": " + what + " " + WHY[e.py]);
    }
    if (e && e.py) return PyError(e.py, e.message || e.py);
    return e;  // not an error Python would raise: a rule that does not run
  }
  function build(name, xs, arg, grad) {
    // [value, local derivatives or null] of one node, or the engine's one-line refusal
    var row = ROWS[name], items = argItems(arg);
    var nan = xs.some(function (x) { return x !== x; }) ||
      items.some(function (a) { return a !== a; });
    for (var k = 0; k < row.limits.length; k++) {
      var limit = row.limits[k];
      if (!nan && !limit[2](xs, arg)) {
        throw PyError(limit[1], describe(row, xs, arg) + ": " + limit[0]);
      }
    }
    var out;
    try { out = row.f(xs, arg); } catch (e) { throw refused(e, row, xs, arg, "result"); }
    if (out - out !== 0 && xs.every(isFinite) && items.every(isFinite)) {
      throw PyError("OverflowError", describe(row, xs, arg) + ": result overflows a float");
    }
    var ds = null;
    if (grad) {
      try {
        ds = row.arity === -1
          ? xs.map(function (_, i) { return row.d[0](xs, arg, out, i); })
          : row.d.map(function (d) { return d(xs, arg, out); });
      } catch (e) {
        if (!e || !e.py) throw e;
        if (out === out) throw refused(e, row, xs, arg, "derivative");
        ds = xs.map(function () { return NaN; });  // NaN in, NaN out
      }
    }
    return [out, ds];
  }

  // -- the graph recomputed: forward, the one reverse pass, the page's steps --------------------
  function evaluate(values, grad) {
    // every node in reading order from the leaves' ``values``; stops at the first refusal
    var d = values.slice(), parts = new Array(N);
    for (var n = 0; n < N; n++) {
      var ins = G.in[n];
      if (!ins.length) continue;
      var r;
      try {
        r = build(G.op[n], ins.map(function (k) { return d[k]; }), G.arg[n], grad);
      } catch (e) {
        if (e && e.py) return { data: d, failed: n, error: e };
        throw e;
      }
      d[n] = r[0];
      parts[n] = r[1];
    }
    return { data: d, partials: parts };
  }
  function backward(parts) {
    // autograd.graph._flow in the engine's order: parent.grad += local * grad; a zero local
    // derivative passes nothing (NaN passes, as in Python where NaN is true)
    var grad = new Array(N), passes = [];
    for (var n = 0; n < N; n++) grad[n] = 0;
    grad[G.root] = 1;
    G.order.forEach(function (n) {
      var g = grad[n], ds = parts[n], ins = G.in[n], rec = [];
      for (var j = 0; j < ins.length; j++) {
        var c = 0;
        if (ds[j] !== 0) {
          c = ds[j] * g;
          grad[ins[j]] += c;
        }
        rec.push([ins[j], ds[j], c]);
      }
      passes.push([n, g, rec]);
    });
    return { grad: grad, passes: passes };
  }
  function shownNode(n) { return G.box[n] >= 0 && G.node[G.box[n]] === n; }
  function boxName(b, d) { var n = G.node[b]; return G.numbered[n] ? fmt(d[n]) : G.name[n]; }
  function nameOf(n, d) {
    return G.box[n] >= 0 ? boxName(G.box[n], d) : G.numbered[n] ? fmt(d[n]) : G.name[n];
  }
  function gradName(b, d) {
    var name = boxName(b, d);
    return G.gparen[b] ? "d(" + name + ")" : "d" + name;
  }
  function fill(tpl, ps, me, arg) {
    // viz.notation's _fill: a negative operand in parentheses where it does not open the text
    // or an argument list (tpl[0] = 1: written as it is)
    var out = "", before = "";
    for (var k = 1; k < tpl.length; k += 2) {
      out += tpl[k];
      before += tpl[k];
      if (k + 1 >= tpl.length) break;
      var field = tpl[k + 1];
      var value = field === "out" ? me : field === "arg" ? arg : ps[field];
      if (tpl[0] === 0 && value.charAt(0) === "-") {
        var opening = before.trim() === "" || /(\(|, )$/.test(before);
        if (!opening || (tpl[k + 2] || "").slice(0, 3) === " **") value = "(" + value + ")";
      }
      out += value;
      before += value;
    }
    return out;
  }
  function boxesOf(d) {
    return G.node.map(function (n, b) {
      var ins = G.in[n], shown = "", numbers = "";
      if (ins.length) {
        var tpl = G.tpl[G.formula[b]];
        shown = fill(tpl, ins.map(function (p) { return nameOf(p, d); }), "", G.argtext[b]);
        numbers = fill(tpl, ins.map(function (p) { return fmt(d[p]); }), "", G.argtext[b]);
      }
      return [boxName(b, d), gradName(b, d), shown, numbers, fmt(d[n])];
    });
  }
  function flowsOf(d, bw) {
    // viz.trace.trace: each step at a shown node, what it passes to each input that is not a
    // folded constant: [input index, input's box, words, local, contribution, before, final]
    var seen = {}, last = {}, out = [];
    bw.passes.forEach(function (pass) {
      var n = pass[0];
      if (!shownNode(n)) return;
      var k = out.length, b = G.box[n], ins = G.in[n], flows = [];
      var operands = ins.map(function (p) { return nameOf(p, d); });
      pass[2].forEach(function (r, i) {
        if (G.folded[r[0]]) return;
        var p = G.box[r[0]], before = p in seen ? seen[p] : null;
        seen[p] = before === null ? r[2] : before + r[2];
        var words = fill(G.tpl[G.words[b][i]], operands, boxName(b, d), G.argtext[b]);
        flows.push([i, p, words, r[1], r[2], before, 0]);
        last[p] = k;
      });
      out.push([b, pass[1], flows]);
    });
    out.forEach(function (step, k) {
      step[2].forEach(function (f) {
        f[6] = last[f[1]] === k ? 1 : 0;
        f.total = f[6] ? bw.grad[G.node[f[1]]] : f[5] === null ? f[4] : f[5] + f[4];
      });
    });
    return out;
  }
  function stepsOf(d, bw) {
    // viz.steps.page_data's steps: [box, phase, cells changed, gradient, flows]
    var steps = [[-1, "", [], 0]], shownGrad = {};
    G.node.forEach(function (n, b) {
      if (G.in[n].length) steps.push([b, "f", [[b, 1, fmt(d[n]), "?"]], 0]);
    });
    flowsOf(d, bw).forEach(function (step) {
      var b = step[0], changes = [], own = fmt(step[1]), fl = [];
      if (shownGrad[b] !== own) {
        changes.push([b, 2, own, b in shownGrad ? shownGrad[b] : "?"]);
        shownGrad[b] = own;
      }
      step[2].forEach(function (f) {
        var text = fmt(f.total) + (f[6] ? "" : " so far");
        changes.push([f[1], 2, text, f[1] in shownGrad ? shownGrad[f[1]] : "?"]);
        shownGrad[f[1]] = text;
        fl.push(f.slice(0, 7));
      });
      steps.push([b, "b", changes, step[1], fl]);
    });
    return steps;
  }
  function startOf(d, original) {
    // viz.steps._start: its last block lists the inputs and parameters with their values
    var out = original.slice();
    if (G.start.length) {
      var lines = G.start.map(function (b) { return boxName(b, d) + " = " + fmt(d[G.node[b]]); });
      out[out.length - 1] = ["pre", lines.join("\n") + (G.more ? "\n..." : "")];
    }
    return out;
  }
  function doneOf(d, grad) {
    // viz.steps._done: the gradients of the inputs, then of the parameters
    var ins = G.done[0], ps = G.done[1], out = [];
    var lines = function (bs) {
      return bs.map(function (b) { return gradName(b, d) + " = " + fmt(grad[G.node[b]]); })
        .join("\n");
    };
    if (ins.length) out.push(["p", "Done. Gradients of the inputs:"], ["pre", lines(ins)]);
    if (ps.length) {
      out.push(["p", (ins.length ? "" : "Done. ") + "Gradients of the parameters:"],
               ["pre", lines(ps)]);
    }
    return out.length ? out : [["p", "Done."]];
  }
  function pageOf(d, bw, original) {
    return { boxes: boxesOf(d), steps: stepsOf(d, bw), start: startOf(d, original.start),
             done: doneOf(d, bw.grad) };
  }
"""
