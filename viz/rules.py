"""The op rows' browser rules as page script: each row a ``<script>`` element that puts its
forward, local derivatives and domain tests, filled from the row's ``js`` templates, into
``window.stepgradRows``, and each JavaScript function the rows call (their ``jslib``) defined
once. Nothing here knows an op: every rule comes from its row.

A row that cannot run in a page (no ``js``, a limit without one, code that would end the
``<script>`` element, a helper defined two ways) is left out with a one-line reason; the page
then works as before but cannot be edited, and says why.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from typing import Any

from autograd import OPS, Op

__all__ = ["rule_scripts"]

_FUNCTION = re.compile(r"\s*function\s+([A-Za-z_$][\w$]*)\s*\(")
_CLOSES = re.compile(r"</script|<!--", re.IGNORECASE)


class _Operands:
    """``{k}`` of a rule template as ``X[k]``, for any k."""

    def __getitem__(self, k: int) -> str:
        return f"X[{k}]"


def _fill(template: Any) -> str:
    """A rule template as JavaScript over ``X``, ``out`` and ``arg``."""
    if not isinstance(template, str):
        raise TypeError("a browser rule must be a str template")
    code = string.Formatter().vformat(template, _Operands(), {"out": "out", "arg": "arg"})  # type: ignore[arg-type]
    return f"({code})"


def _text(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _row_script(op: Op) -> str:
    """``window.stepgradRows[name] = {...}``: the row's rules as functions."""
    nary = op.arity == -1
    forward = f"function (X, arg) {{ return {_fill(op.js[0])}; }}"
    params = "X, arg, out, i" if nary else "X, arg, out"
    partials = [f"function ({params}) {{ return {_fill(t)}; }}" for t in op.js[1:]]
    limits = [
        f"[{_text(limit.text)}, {_text(limit.error.__name__)}, "
        f"function (X, arg) {{ return !!{_fill(limit.js)}; }}]"
        for limit in op.limits
    ]
    return (
        f"(window.stepgradRows = window.stepgradRows || {{}})[{_text(op.name)}] = {{\n"
        f"  title: {_text(op.title or op.name)}, arity: {op.arity},\n"
        f"  limits: [{', '.join(limits)}],\n"
        f"  f: {forward},\n"
        f"  d: [{', '.join(partials)}]\n}};"
    )


def _why_not(name: str) -> str:
    """Why the row ``name`` cannot run in a page ('' when it can)."""
    op = OPS.get(name)
    if op is None:
        return f"op {name!r} is not registered"
    if not op.js:
        return f"op {name!r} has no browser rules (the js of its row)"
    for limit in op.limits:
        if not limit.js:
            return f"op {name!r} has no browser rule for its limit {limit.text!r}"
    code = [*op.js, *(limit.js for limit in op.limits), *op.jslib]
    if any(isinstance(c, str) and _CLOSES.search(c) for c in code):
        return f"op {name!r}: its browser rules contain '</script' or '<!--'"
    try:
        _row_script(op)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as err:
        return f"op {name!r}: its browser rules cannot be filled ({err})"
    return ""


def rule_scripts(names: Iterable[str]) -> tuple[str, list[str]]:
    """The ``<script>`` elements holding the browser rules of the rows ``names`` (and every
    function they call, each defined once), and a one-line reason for each row left out."""
    defined: dict[str, tuple[str, str]] = {}  # function name -> its definition, its row
    scripts: list[str] = []
    reasons: list[str] = []
    for name in sorted(set(names)):
        why = _why_not(name)
        op = OPS.get(name)
        for f in op.jslib if op is not None and not why else ():
            m = _FUNCTION.match(f)
            other = defined.get(m.group(1)) if m else None
            if m and other is not None and other[0] != f:
                why = f"op {name!r} defines {m.group(1)}() differently from op {other[1]!r}"
        if why or op is None:
            reasons.append(why)
            continue
        for f in op.jslib:
            m = _FUNCTION.match(f)
            if m and m.group(1) not in defined:
                defined[m.group(1)] = (f, name)
                scripts.append(f"<script>\n{f}\n</script>")
        scripts.append(f"<script>\n{_row_script(op)}\n</script>")
    return "\n".join(scripts), reasons
