"""The main command: type an expression, watch backpropagation happen node by node.

    python -m viz [EXPR] [NAME=VALUE ...] [--check] [--params NAMES] [--out DIR]
                  [--format svg|png|pdf|dot] [--dpi N] [--frames] [--no-html]

With no EXPR it runs the classic example (x + y) * z at x = -2, y = 5, z = -4. It prints the
forward pass, a table of the backward steps with the chain-rule arithmetic, and the gradient of
every input; then writes the graph picture and the HTML stepper into DIR (and with --frames one
picture per step, for slides). The trace is made once and handed to all of them.

Exit status: 0 done, 2 refused (bad arguments or an expression outside the whitelist),
1 the expression failed to evaluate (log of a negative, division by zero, overflow) or the
gradient check failed. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import keyword
import math
import re
import sys
import textwrap
import unicodedata
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

import autograd
from autograd import OPS, GradcheckError, Value, gradcheck, numerical_grad
from viz.boxes import size_problem
from viz.draw import (
    INSTALL_HINT,
    MAX_DRAW_NODES,
    MAX_DRAW_SIZE,
    MissingDotWarning,
    digraph,
    render,
)
from viz.expr import FUNCTIONS, Expression, Refusal, one_line, parse
from viz.frames import export_steps
from viz.notation import fmt, forward_line
from viz.stepper import Stepper, Trace, trace

__all__ = ["main", "CLASSIC", "MAX_DRAW_NODES", "MAX_DRAW_SIZE"]

CLASSIC = ("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0})
# Above MAX_DRAW_NODES / MAX_DRAW_SIZE (viz.draw) one dot layout would take too long: the
# numbers are still printed, the picture and the stepper are skipped. The stepper lays the
# graph out once, so it has the picture's limit.

_ASSIGNMENT = re.compile(r"^\s*[^\W\d]\w*\s*=(?!=)")


class _Usage(Exception):
    """A command-line argument is refused (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line instead of usage + message
        raise _Usage(f"{message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    # The installed `stepgrad` command runs this same main(); say it the way it was run.
    run_as = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] else ""
    prog = "stepgrad" if run_as == "stepgrad" else "python -m viz"
    examples = [
        ("", "(x + y) * z at x=-2 y=5 z=-4"),
        (" x=3", "the same at x = 3"),
        (" 'tanh(a * b + c)' a=0.5 b=-1 c=2", "an expression and its inputs"),
        (" 'log(x) * y' x=2 y=3 --check", "with a gradient check"),
        (" --format png --out pictures", "PNG pictures into pictures/"),
        (" 'w*x+b' w=2 x=1 b=3 --params w,b", "w and b as parameters"),
        (" --frames --format pdf", "slides: one page per step"),
    ]
    width = max(len(prog + args) for args, _ in examples)
    signatures = [f.signature for f in FUNCTIONS.values()]
    epilog = "\n".join(
        [
            "examples:",
            *(f"  {prog + args:<{width}}  {what}" for args, what in examples),
            "",
            "functions (x is any expression; a second argument is a number):",
            textwrap.fill(", ".join(signatures), 78, initial_indent="  ", subsequent_indent="  "),
            "",
            "operators: + - * / % ** and parentheses; names get their values from NAME=VALUE",
        ]
    )
    indent = " " * len(f"usage: {prog} ")
    p = _Parser(
        prog=prog,
        usage=f"{prog} [EXPR] [NAME=VALUE ...] [--check] [--params NAMES]\n"
        f"{indent}[--out DIR] [--format {{svg,png,pdf,dot}}] [--dpi N] [--frames] [--no-html]",
        description="Step through backpropagation on an expression, node by node.",
        epilog=epilog.replace("%", "%%"),  # argparse formats it with %(prog)s
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument("--version", action="version", version=f"stepgrad {autograd.__version__}")
    p.add_argument(
        "items",
        nargs="*",
        metavar="EXPR NAME=VALUE",
        help="an expression such as '(x + y) * z', then a value for each name (default: "
        "the classic example at x=-2 y=5 z=-4; NAME=VALUE alone changes its inputs)",
    )
    p.add_argument(
        "--out", default="viz-out", metavar="DIR", help="folder for the files (default: viz-out)"
    )
    p.add_argument(
        "--format", default="svg", choices=("svg", "png", "pdf", "dot"), help="picture format"
    )
    p.add_argument(
        "--frames",
        action="store_true",
        help="also write one picture per step (forward and backward) into DIR/frames, all from"
        " one layout, for slides (--format pdf: one multi-page steps.pdf)",
    )
    p.add_argument(
        "--params",
        default="",
        metavar="NAMES",
        help="comma-separated inputs to colour and list as parameters (w0,w1,w2)",
    )
    p.add_argument("--no-html", action="store_true", help="do not write the HTML stepper")
    p.add_argument(
        "--check", action="store_true", help="also compare with numerical gradients (gradcheck)"
    )
    return p


_OPTION = re.compile(r"^(-h|--[A-Za-z][\w-]*(=.*)?|--)$", re.S)


def _protect(argv: Sequence[str]) -> list[str]:
    """An expression such as ``-x * y`` would look like an option to argparse: a leading space
    makes it a positional (parsing ignores leading whitespace). Option-shaped words
    (``--out``, ``--typo``) are left to argparse."""
    return [f" {a}" if a.startswith("-") and not _OPTION.match(a) else a for a in argv]


def _number(pair: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise Refusal(f"{one_line(pair)}: {one_line(text)!r} is not a number") from None
    if not math.isfinite(value):
        raise Refusal(f"{one_line(pair)}: the value must be a finite number")
    return value


def _values(pairs: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())  # as Python reads identifiers
        if not eq:
            raise Refusal(f"expected NAME=VALUE, got {one_line(pair)!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise Refusal(f"{one_line(pair)}: {one_line(name)!r} is not a valid name")
        if name in FUNCTIONS:
            raise Refusal(f"{one_line(pair)}: {name} is a function, not an input")
        if name in values:
            raise Refusal(f"{one_line(pair)}: {name} is given twice")
        values[name] = _number(pair, text)
    return values


def _table(t: Trace, out: TextIO) -> None:
    rows = []
    for k, (step, lines) in enumerate(zip(t.steps, t.lines), start=1):
        rows.append((str(k), t.names[step.node], fmt(step.grad), lines))
    if not rows:
        print("  (no steps: the output is an input itself)", file=out)
        return
    w_step = max(len("step"), *(len(r[0]) for r in rows))
    w_node = max(len("node"), *(len(r[1]) for r in rows))
    w_grad = max(len("grad"), *(len(r[2]) for r in rows))
    print(f"  {'step':>{w_step}}  {'node':<{w_node}}  {'grad':>{w_grad}}  chain rule", file=out)
    pad = " " * (2 + w_step + 2 + w_node + 2 + w_grad + 2)
    for k, node, grad, lines in rows:
        first = lines[0] if lines else "(no inputs)"
        print(f"  {k:>{w_step}}  {node:<{w_node}}  {grad:>{w_grad}}  {first}", file=out)
        for line in lines[1:]:
            print(pad + line, file=out)


def _check(expression: Expression, values: dict[str, float], out: TextIO) -> int:
    """Print the analytic vs numerical gradients; 0 when gradcheck passes, 1 when it fails."""
    names = expression.names
    if not names:
        print("\ngradient check: nothing to check (the expression has no inputs)", file=out)
        return 0
    kink = _at_kink(expression.build(values)[0])
    if kink:  # not a failure: nothing a difference could confirm (status 0)
        print(f"\ngradient check not made: {kink}", file=out)
        return 0
    xs = [values[n] for n in names]

    def f(*vs: Value) -> Value:
        return expression.apply(dict(zip(names, vs)))

    eps = 1e-6
    leaves = [Value(x, n) for x, n in zip(xs, names)]
    analytic = autograd.grad(f(*leaves), leaves)
    numeric = numerical_grad(f, xs, eps)
    width = max(len("input"), *(len(n) for n in names))
    print(f"\ngradient check (central differences, h = {eps:g}):", file=out)
    head = f"  {'input':<{width}}  {'analytic':>12}  {'numerical':>12}  {'abs error':>9}"
    print(head, file=out)
    for n, a, m in zip(names, analytic, numeric):
        print(f"  {n:<{width}}  {fmt(a):>12}  {fmt(m):>12}  {abs(a - m):>9.2g}", file=out)
    print("  (abs error: |analytic - numerical|)", file=out)
    try:
        gradcheck(f, xs, eps=eps)
    except GradcheckError as err:
        print(str(err), file=out)
        print("viz: gradcheck failed: analytic and numerical gradients disagree", file=sys.stderr)
        return 1
    print("gradcheck passed", file=out)
    return 0


def _at_kink(root: Value) -> str:
    """'relu(x) at 0: ...' when some node sits on a kink of its op (a point where its row says
    the derivative jumps), where a numerical check cannot agree; else ''."""
    from viz.notation import Names, graph_nodes

    nodes = graph_nodes(root)
    names = Names(root, nodes)
    for node in nodes:
        row = OPS.get(node.op)
        if row is None or row.smooth or not node.parents:
            continue
        xs = [p.data for p in node.parents]
        if row.kink_distance(xs, node.arg) == 0:
            at = ", ".join(names[p] for p in node.parents)
            taken = ", ".join(fmt(d) for d in node.partials)
            return (
                f"{row.title or row.name}({at}) is at {', '.join(fmt(x) for x in xs)}, where"
                f" its derivative is not defined; the engine takes {taken} there (the row's"
                " judgement call), which differences cannot confirm"
            )
    return ""


def _write(t: Trace, args: argparse.Namespace, out: TextIO, title: str) -> None:
    """The picture, the page and the slides, all from the one trace ``t``; a graph too big
    to lay out (one check, over the boxes drawn) gets a note instead."""
    why = size_problem(t.shown, t.names)
    if why:
        print(f"\nnote: {why}; picture and stepper skipped", file=out)
        return
    folder = Path(args.out)
    written = []
    note = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingDotWarning)
        picture = digraph(t.root, rankdir="LR", grads=t.grads, show_grad=True, highlight=(),
                          names=t.names)  # fmt: skip
        written.append(render(picture, folder / "graph", format=args.format, dpi=args.dpi or 0))
        stepper = Stepper(t.root, title=title, trace=t)
        if not args.no_html:
            written.append(stepper.save(folder / "stepper.html"))
            note = f"note: {stepper.note}" if stepper.note else ""
        if args.frames:
            written += _frames(t, args, folder, title)
    print(file=out)
    for path in written[:3]:
        print(f"wrote {path}", file=out)
    if len(written) > 3:
        print(f"wrote {len(written) - 3} more frames into {folder / 'frames'}", file=out)
    if note:
        print(note, file=out)
    if any(issubclass(w.category, MissingDotWarning) for w in caught):
        print(
            "note: graphviz's `dot` program was not found, so the graph was written as .dot "
            f"source and the stepper has no pictures; {INSTALL_HINT}",
            file=out,
        )


def _frames(t: Trace, args: argparse.Namespace, folder: Path, title: str) -> list[Path]:
    try:
        return export_steps(t.root, folder / "frames", format=args.format, title=title,
                            dpi=args.dpi or 0, trace=t)  # fmt: skip
    except ValueError as err:
        if "`dot` was not found" in str(err):
            warnings.warn(str(err), MissingDotWarning, stacklevel=2)
            return []
        raise


def _options(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--dpi",
        type=int,
        default=None,
        metavar="N",
        help="resolution of PNG pictures, 1 to 1200 (default 180: sharp on a projected slide;"
        " needs --format png)",
    )
    return p


def _arguments(argv: list[str]) -> argparse.Namespace | int:
    try:
        args = _options(_parser()).parse_intermixed_args(_protect(argv))
    except SystemExit as done:  # --help
        return int(done.code or 0)
    if not args.out.strip():
        raise _Usage("--out needs a folder name (got an empty one)")
    if args.dpi is not None:
        if not 1 <= args.dpi <= 1200:
            raise _Usage(f"--dpi must be from 1 to 1200, got {args.dpi}")
        if args.format != "png":
            raise _Usage("--dpi sets the resolution of PNG pictures: add --format png")
    if args.frames and args.format == "dot":
        raise _Usage("--frames writes pictures: use --format svg, png or pdf")
    return args


def _params(text: str, inputs: dict[str, Value]) -> dict[str, Value] | None:
    """``--params w0,w1``: those inputs, by name, as parameters."""
    if not text.strip():
        return None
    names = [n.strip() for n in text.split(",")]
    unknown = [n for n in names if n not in inputs]
    if unknown:
        raise Refusal(
            f"--params: {', '.join(map(one_line, unknown))} not an input of the expression"
        )
    return {n: inputs[n] for n in names}


def _run(argv: list[str], out: TextIO) -> int:
    args = _arguments(argv)
    if isinstance(args, int):
        return args
    items = list(args.items)
    if items and not _ASSIGNMENT.match(items[0]):
        text, values = items[0], _values(items[1:])
    else:
        text, values = CLASSIC[0], {**CLASSIC[1], **_values(items)}
    expression = parse(text)
    unused = [n for n in values if n not in expression.names]
    if unused:
        raise Refusal(f"{', '.join(unused)} given a value but not in the expression")
    root, inputs = expression.build(values)
    t = trace(root, params=_params(args.params, inputs), check=False)  # the one reverse pass

    print(f"expression: {one_line(text, 200)}", file=out)
    if expression.names:
        at = ", ".join(f"{t.names[inputs[n]]} = {fmt(values[n])}" for n in expression.names)
        print(f"at: {at}", file=out)
    if t.forward:
        print("\nforward pass:", file=out)
        for node in t.forward:
            print(f"  {forward_line(node, t.names)}", file=out)
    print(f"value: {t.names[t.names.top]} = {fmt(root.data)}", file=out)
    print("\nbackward pass, one step per node (d input = d output * local derivative):", file=out)
    _table(t, out)
    print("\ngradients:", file=out)
    if not inputs:
        print("  (the expression has no named inputs)", file=out)
    for leaf in inputs.values():
        print(f"  {t.names.grad_name(leaf)} = {fmt(t.grads[leaf])}", file=out)
    status = _check(expression, values, out) if args.check else 0
    _write(t, args, out, one_line(text, 200))
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the command on ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - stream that cannot change
                pass
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _run(argv, sys.stdout)
    except (_Usage, Refusal) as err:
        print(f"viz: {one_line(str(err), 300)}", file=sys.stderr)
        return 2
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        print(f"viz: cannot evaluate: {one_line(str(err), 300)}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"viz: cannot write the output: {one_line(str(err), 300)}", file=sys.stderr)
        return 1
    except Exception as err:  # never a traceback; say it is a bug
        msg = f"{type(err).__name__}: {err}"
        print(f"viz: internal error (please report): {one_line(msg, 300)}", file=sys.stderr)
        return 1
