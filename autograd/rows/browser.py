"""The browser rules' helpers: Python's float semantics in JavaScript, for the rows' ``jslib``
(each function is defined once in a stepper page that uses it).
"""

from __future__ import annotations

# A rule that would raise in Python throws {py: "<Python's exception>"}: the page's builder then
# refuses the node with the engine's own one-line message (see autograd.value.builder).

# Python's float a ** b (CPython's float_pow): 1 ** nan, nan ** 0 and (-1) ** inf are 1; 0 to
# a negative power divides by zero; a finite result too big for a float is an OverflowError.
JS_PYPOW = """function pypow(a, b) {
  if (b === 0) return 1;
  if (a !== a) return a;
  if (b !== b) return a === 1 ? 1 : b;
  var odd = Math.abs(b) % 2 === 1;
  if (Math.abs(b) === Infinity) {
    var m = Math.abs(a);
    return m === 1 ? 1 : (b > 0) === (m > 1) ? Infinity : 0;
  }
  if (Math.abs(a) === Infinity) return b > 0 ? (odd ? a : Infinity) : (odd ? a < 0 ? -0 : 0 : 0);
  if (a === 0) {
    if (b < 0) throw { py: "ZeroDivisionError" };
    return odd ? a : 0;
  }
  var negate = false;
  if (a < 0) {
    if (b !== Math.floor(b)) return NaN;
    a = -a;
    negate = odd;
  }
  if (a === 1) return negate ? -1 : 1;
  var r = Math.pow(a, b);
  if (r === Infinity) throw { py: "OverflowError" };
  return negate ? -r : r;
}"""
# The rules' over: a / b, refused where Python's float division raises (a zero b) and where
# two finite numbers give an infinite quotient.
JS_PYOVER = """function pyover(a, b) {
  if (b === 0) throw { py: "ZeroDivisionError" };
  var q = a / b;
  if (Math.abs(q) === Infinity && Math.abs(a) < Infinity && Math.abs(b) < Infinity) {
    throw { py: "OverflowError" };
  }
  return q;
}"""
# Python's float a % b and a // b (CPython's float_rem and float_floor_div: the remainder takes
# b's sign, the quotient is snapped to the nearest whole number, zeros keep their signs).
JS_PYMOD = """function pymod(a, b) {
  if (b === 0) throw { py: "ZeroDivisionError" };
  var m = a % b;
  if (m !== 0) return (b < 0) !== (m < 0) ? m + b : m;
  return b < 0 || Object.is(b, -0) ? -0 : 0;
}"""
JS_PYFLOORDIV = """function pyfloordiv(a, b) {
  if (b === 0) throw { py: "ZeroDivisionError" };
  var m = a % b, d = (a - m) / b;
  if (m !== 0 && (b < 0) !== (m < 0)) d -= 1;
  if (d !== 0) {
    var f = Math.floor(d);
    return d - f > 0.5 ? f + 1 : f;
  }
  var q = a / b;
  return q < 0 || Object.is(q, -0) ? -0 : 0;
}"""
# math.hypot as CPython computes it (correctly rounded but for rare cases; JavaScript's
# Math.hypot is off by up to 2 ulps): the squares summed in double-double arithmetic, scaled by a
# power of two away from overflow and underflow, then sqrt with one Newton correction.
JS_PYHYPOT = """function pyhypot(x, y) {
  x = Math.abs(x);
  y = Math.abs(y);
  if (x === Infinity || y === Infinity) return Infinity;
  if (x !== x || y !== y) return NaN;
  var m = Math.max(x, y), scale = 1;
  if (m === 0) return 0;
  if (m > 1e150) scale = Math.pow(2, -600);
  else if (m < 1e-150) scale = Math.pow(2, 600);
  var a = x * scale, b = y * scale;
  function split(v) {
    var c = 134217729 * v, hi = c - (c - v);
    return [hi, v - hi];
  }
  function square(v) {
    var p = v * v, s = split(v);
    return [p, ((s[0] * s[0] - p) + 2 * s[0] * s[1]) + s[1] * s[1]];
  }
  var sa = square(a), sb = square(b), s = sa[0] + sb[0], t = s - sa[0];
  var lo = (sa[0] - (s - t)) + (sb[0] - t) + sa[1] + sb[1];
  var h = Math.sqrt(s + lo), hh = square(h);
  h += ((s - hh[0]) + (lo - hh[1])) / (2 * h);
  return h / scale;
}"""
# JavaScript has no erf. |x| < 2.5: 2/sqrt(pi) times the Maclaurin series
# sum (-1)^n x^(2n+1) / (n! (2n+1)), summed in double-double arithmetic (each number a pair of
# floats, hi + lo) so that the series' cancellation costs no digits; beyond, 1 - erfc(x) with
# erfc(x) = exp(-x^2) / (sqrt(pi) K) and K = x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), a continued
# fraction evaluated by Lentz's method (erfc is below 5e-4 there, so its rounding hardly shows);
# from 6 on erf is 1 to the last bit. Within an ulp of math.erf.
JS_ERF = """function erf(x) {
  if (x !== x || x === 0) return x;
  var ax = Math.abs(x), r;
  function split(a) {
    var c = 134217729 * a, hi = c - (c - a);
    return [hi, a - hi];
  }
  function mul(a, b) {
    var p = a[0] * b[0], s = split(a[0]), t = split(b[0]);
    var e = ((s[0] * t[0] - p) + s[0] * t[1] + s[1] * t[0]) + s[1] * t[1];
    e += a[0] * b[1] + a[1] * b[0];
    var hi = p + e;
    return [hi, e - (hi - p)];
  }
  function add(a, b) {
    var s = a[0] + b[0], v = s - a[0], e = (a[0] - (s - v)) + (b[0] - v) + a[1] + b[1];
    var hi = s + e;
    return [hi, e - (hi - s)];
  }
  function div(a, d) {
    var q = a[0] / d, p = mul([q, 0], [d, 0]);
    var rest = ((a[0] - p[0]) - p[1] + a[1]) / d, hi = q + rest;
    return [hi, rest - (hi - q)];
  }
  if (ax < 2.5) {
    var u = mul([ax, 0], [ax, 0]), term = [1, 0], sum = [1, 0];
    for (var n = 1; n < 300; n++) {
      term = div(mul(term, u), -n);
      var t = div(term, 2 * n + 1);
      sum = add(sum, t);
      if (Math.abs(t[0]) < 1e-34 * Math.abs(sum[0])) break;
    }
    r = mul(mul([1.1283791670955126, 1.533545961316588e-17], [ax, 0]), sum)[0];
  } else if (ax < 6) {
    var f = ax, c = ax, dd = 0;
    for (var k = 1; k < 500; k++) {
      dd = 1 / (ax + k / 2 * dd);
      c = ax + k / 2 / c;
      f *= c * dd;
      if (Math.abs(c * dd - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-ax * ax) / 1.7724538509055159 / f;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}"""
