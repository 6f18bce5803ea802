"""The op rows' browser rules against their Python rules, in headless Chromium.

Every row of ``autograd.OPS`` is evaluated in the browser by the page's own builder
(:mod:`viz.replay`, around the rules :mod:`viz.rules` puts in a page) at the points
``autograd.testing.check_op`` draws for it: its edge points (``autograd.edges.edge_points``:
zeros of both signs, subnormals, huge values, infinities, NaN, the last floats inside its
domain, its kinks)
and points drawn inside ``Op.bounds``, for every constant it is tested with. The Python side is
the engine itself (``autograd.apply``). They must agree on the domain (where Python raises, the
browser raises the same exception with the same one-line message, float repr included), on
the forward value and on each local derivative, within a few ulps (NaN with NaN, the same
infinities, zeros of the same sign). Python's number formats (``repr``, ``f"{x:.6g}"``) and
``float()`` are checked the same way.
"""

from __future__ import annotations

import math
import random
import struct

import pytest

from autograd import OPS, Value, apply
from autograd.edges import EDGES, domain_edges, edge_points
from autograd.strategies import arity
from viz.names import fmt
from viz.replay import REPLAY
from viz.rules import rule_scripts

ULPS = 4  # "a few ulps": the most any row may differ by
DRAWN = 200  # points drawn inside the bounds, per row and constant

PROBE = """
function decode(s) {
  return s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
}
window.probe = function (name, points) {
  function bits(x) {
    var v = new DataView(new ArrayBuffer(8));
    v.setFloat64(0, x, true);
    var out = "";
    for (var k = 0; k < 8; k++) out += ("0" + v.getUint8(k).toString(16)).slice(-2);
    return out;
  }
  return points.map(function (pt) {
    var xs = pt[0].map(decode), arg = pt[1] === null ? null :
      Array.isArray(pt[1]) ? pt[1].map(decode) : decode(pt[1]);
    try {
      var r = build(name, xs, arg, true);
      return ["ok", bits(r[0]), r[1].map(bits)];
    } catch (e) {
      return e && e.py ? ["err", e.py, e.message] : ["bug", String(e && e.stack || e)];
    }
  });
};
window.formats = function (xs) {
  return xs.map(function (s) {
    var x = decode(s);
    return [pyrepr(x), fmt(x), fmtp(x, 10)];
  });
};
window.parse = function (texts) {
  return texts.map(function (t) {
    try { return ["ok", pyrepr(parseNumber(t))]; } catch (e) { return ["err", e.message]; }
  });
};
"""


def _page(tmp_path) -> str:
    rules, reasons = rule_scripts(OPS)
    assert reasons == []  # every built-in row runs in a page
    page = (
        "<!doctype html><html><head><meta charset='utf-8'></head><body>\n"
        f"{rules}\n<script>\n(function () {{\n  var data = null;\n{REPLAY}\n{PROBE}\n}})();\n"
        "</script></body></html>"
    )
    path = tmp_path / "rules.html"
    path.write_text(page, encoding="utf-8")
    return path.as_uri()


@pytest.fixture(scope="module")
def browser():
    from viz_browser import open_browser

    with open_browser((1280, 800)) as driver:
        yield driver


@pytest.fixture(scope="module")
def rules_page(tmp_path_factory):
    return _page(tmp_path_factory.mktemp("rules"))


def _text(x: float) -> str:
    return "nan" if x != x else repr(float(x))


def _points(name: str) -> list[tuple[tuple[float, ...], object]]:
    """check_op's edge points for the row, and points drawn inside its bounds."""
    op = OPS[name]
    kinks = set(op.kinks) if not callable(op.kinks) else set()
    edges = sorted(set(EDGES[:-1]) | set(domain_edges(op)) | kinks) + [math.nan]
    points = edge_points(op, edges)
    rng = random.Random(name)
    lo, hi = op.bounds
    for arg in op.test_args():
        points += [
            (tuple(rng.uniform(lo, hi) for _ in range(arity(op))), arg) for _ in range(DRAWN)
        ]
    return points


def _engine(name: str, xs: tuple[float, ...], arg: object) -> tuple:
    """What the engine builds at ``xs``: ("ok", value, partials) or ("err", type, message)."""
    try:
        node = apply(name, *[Value(x) for x in xs], arg=arg)
    except (ValueError, ArithmeticError) as err:
        return ("err", type(err).__name__, str(err))
    return ("ok", node.data, tuple(float(d) for d in node.partials))


def _float(hexbits: str) -> float:
    return struct.unpack("<d", bytes.fromhex(hexbits))[0]


def _key(x: float) -> int:
    (i,) = struct.unpack("<q", struct.pack("<d", x))
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def ulps(a: float, b: float) -> float:
    """How many floats apart a and b are (0 for NaN and NaN; inf when they cannot agree:
    one NaN, different infinities, zeros of different signs)."""
    if a != a or b != b:
        return 0 if a != a and b != b else math.inf
    if a == b == 0.0:
        return 0 if math.copysign(1, a) == math.copysign(1, b) else math.inf
    if math.isinf(a) or math.isinf(b):
        return 0 if a == b else math.inf
    return abs(_key(a) - _key(b))


def _arg(arg: object) -> object:
    if arg is None:
        return None
    if isinstance(arg, tuple):
        return [_text(a) for a in arg]
    return _text(arg)


@pytest.mark.parametrize("name", sorted(OPS))
def test_browser_rules_agree_with_the_engine(browser, rules_page, name, record_property):
    points = _points(name)
    if browser.current_url != rules_page:
        browser.get(rules_page)
    got = browser.execute_script(
        "return window.probe(arguments[0], arguments[1])",
        name,
        [[[_text(x) for x in xs], _arg(arg)] for xs, arg in points],
    )
    worst = 0.0
    for (xs, arg), js in zip(points, got):
        want = _engine(name, xs, arg)
        where = f"{name}{tuple(xs)} arg={arg!r}"
        assert js[0] != "bug", f"{where}: the browser rule failed: {js[1]}"
        if want[0] == "err":
            assert js[0] == "err", (
                f"{where}: the engine raises {want[1:]}, the browser gives a value"
            )
            assert tuple(js[1:]) == want[1:], where
            continue
        assert js[0] == "ok", f"{where}: the browser raises {js[1:]}, the engine gives {want[1]!r}"
        value, partials = _float(js[1]), [_float(b) for b in js[2]]
        assert len(partials) == len(want[2]), where
        for got_x, want_x, what in [(value, want[1], "forward")] + [
            (p, w, f"partial {i}") for i, (p, w) in enumerate(zip(partials, want[2]))
        ]:
            apart = ulps(got_x, want_x)
            assert apart <= ULPS, f"{where}: {what} {got_x!r} in the browser, {want_x!r} in Python"
            worst = max(worst, apart)
    record_property("max_ulps", worst)
    print(f"{name}: {len(points)} points, at most {worst:g} ulps apart")


def test_pythons_number_formats(browser, rules_page):
    rng = random.Random(7)
    xs = [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(3000)]
    xs = [x for x in xs if x == x]
    xs += [rng.uniform(-1e6, 1e6) for _ in range(1000)] + [rng.uniform(-1, 1) for _ in range(500)]
    xs += [0.0, -0.0, 5e-324, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.1, 123456.5]
    xs += [1234565.0, 0.5, 2.5, 1e22, 1e21, -1.5e-7, 1.7976931348623157e308, math.inf, -math.inf]
    browser.get(rules_page)
    got = browser.execute_script("return window.formats(arguments[0])", [_text(x) for x in xs])
    for x, (r, f, f10) in zip(xs, got):
        assert r == repr(x), x
        assert f == fmt(x), x
        assert f10 == f"{x:.10g}", x
    assert browser.execute_script("return window.formats(['nan'])") == [["nan", "nan", "nan"]]


def test_numbers_are_read_as_float_reads_them(browser, rules_page):
    texts = ["3", "-2.5", " 1e-4 ", "+.5", "5.", "1_000.25", "\u22123", "0x10", "1e400", "abc", "",
             "inf", "nan", "1e", "--1", "1__0"]  # fmt: skip
    browser.get(rules_page)
    got = browser.execute_script("return window.parse(arguments[0])", texts)
    for text, (kind, value) in zip(texts, got):
        try:
            want = float(text.replace("\u2212", "-"))
        except ValueError:
            want = None
        if want is None or not math.isfinite(want):
            assert kind == "err", (text, value)
        else:
            assert (kind, value) == ("ok", repr(want)), text


# -- the rows' rules as page script (no browser) ------------------------------------------------


def _cube(**fields):
    import numpy as np

    from autograd import Op

    return Op("cube_js", 1, lambda xs, a: xs[0] ** 3, lambda o, xs, a: (3 * xs[0] ** 2,),
              lambda xs, a: np.power(xs[0], 3), "a cubed", **fields)  # fmt: skip


def test_a_row_without_browser_rules_is_left_out_with_its_reason(toy_row):
    from autograd import Limit

    toy_row(_cube())
    assert rule_scripts(["mul", "cube_js"])[1] == [
        "op 'cube_js' has no browser rules (the js of its row)"
    ]
    scripts, reasons = rule_scripts(["mul", "nosuchop"])
    assert reasons == ["op 'nosuchop' is not registered"] and '["mul"]' in scripts
    import autograd

    autograd.unregister("cube_js")
    toy_row(_cube(js=("{0} * {0} * {0}", "3 * {0} * {0}"),
                  limits=(Limit(lambda xs, a: xs[0] > 0, "input must be > 0"),)))  # fmt: skip
    assert rule_scripts(["cube_js"])[1] == [
        "op 'cube_js' has no browser rule for its limit 'input must be > 0'"
    ]


def test_rules_that_would_end_the_script_element_are_refused(toy_row):
    toy_row(_cube(js=("{0} </script> {0}", "3")))
    assert rule_scripts(["cube_js"]) == (
        "",
        ["op 'cube_js': its browser rules contain '</script' or '<!--'"],
    )


def test_a_helper_is_defined_once_and_never_two_ways(toy_row):
    from autograd.rows.browser import JS_PYPOW as _JS_PYPOW

    scripts, reasons = rule_scripts(["pow", "powv", "exp2"])
    assert reasons == [] and scripts.count("function pypow(") == 1
    toy_row(_cube(js=("pypow({0}, 3)", "3 * {0} * {0}"), jslib=("function pypow(a, b) { }",)))
    scripts, reasons = rule_scripts(["pow", "cube_js"])
    assert reasons == ["op 'pow' defines pypow() differently from op 'cube_js'"]
    assert _JS_PYPOW not in scripts and "function pypow(a, b) { }" in scripts


def test_a_jslib_entry_must_be_one_function(toy_row):
    with pytest.raises(ValueError, match="each jslib entry must be one `function name"):
        toy_row(_cube(js=("{0}", "1"), jslib=("var x = 1;",)))


def test_the_filled_rules_name_their_operands():
    scripts, _ = rule_scripts(["atan2", "clamp", "affine"])
    assert "return (Math.atan2(X[0], X[1]));" in scripts
    assert "function (X, arg, out, i)" in scripts  # n-ary partial: one rule for every input
    assert "arg[0] <= arg[1]" in scripts  # clamp's limit on its (lo, hi)
