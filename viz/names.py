"""Names for the nodes of one graph, and which nodes a picture shows.

A picture says what the user wrote: a number written into the expression is shown on its op
(``* 3``), a step the user never wrote (Python's ``sum()`` starting at ``0``, a mean over one
sample, ``* 1``: an op whose row calls the constant *neutral*) is left out and its input shown
in its place, and inside an ``nn`` model every node is named by its place (``L0.N1.sum``,
``L0.N1``; ``s2:L0.N1`` for sample 2 when the graph holds several samples).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from autograd import OPS, Value

__all__ = ["MAX_NAME", "Names", "clean", "fmt", "graph_nodes", "param_names", "short_name"]

# Names given to unlabelled intermediate nodes, in forward order: q first, as in the textbook's
# f = q * z with q = x + y. After these come n1, n2, ... No w or b: they read like parameters.
_LETTERS = ("q", "r", "s", "t", "u", "v", "p", "h", "k", "m")
# A label longer than this is shown cut, so that a 20,000-character name still draws.
MAX_NAME = 24


def fmt(x: float) -> str:
    """A number in short readable form: about 6 significant digits, no trailing ``.0``.

    >>> fmt(-12.0), fmt(3.0), fmt(0.5), fmt(1234567.0), fmt(1 / 3)
    ('-12', '3', '0.5', '1.23457e+06', '0.333333')
    """
    s = f"{float(x):.6g}"
    return "0" if s == "-0" else s


def graph_nodes(root: Value) -> list[Value]:
    """Every node reachable from ``root`` (leaves included), each after its inputs, in reading
    order: the inputs of ``a*b + c*d`` come as a, b, a*b, c, d, c*d. Iterative."""
    order: list[Value] = []
    seen: set[Value] = {root}
    stack: list[tuple[Value, int]] = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.parents):
            stack.append((node, i + 1))
            p = node.parents[i]
            if p not in seen:
                seen.add(p)
                stack.append((p, 0))
        else:
            order.append(node)
    return order


def short_name(name: str) -> str:
    """A parameter's name from ``named_parameters()`` made short for a picture: a word followed
    by an index becomes one piece, capitalised when the word is longer than one letter.

    >>> short_name("layers.0.neurons.1.w.0"), short_name("layers.1.neurons.0.b")
    ('L0.N1.w0', 'L1.N0.b')
    """
    parts = name.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        word = parts[i]
        if i + 1 < len(parts) and parts[i + 1].isdigit() and not word.isdigit():
            out.append((word[0].upper() if len(word) > 1 else word) + parts[i + 1])
            i += 2
        else:
            out.append(word)
            i += 1
    return ".".join(out)


def param_names(params: object) -> dict[Value, str]:
    """``{Value: short name}`` from an ``nn.Module`` (its ``named_parameters()``, names made
    short by :func:`short_name`), a ``{name: Value}`` mapping, or an iterable of Values
    (named by their labels, else p0, p1, ...). A Value listed twice keeps its first name."""
    if params is None:
        return {}
    named: Iterable[tuple[str, object]]
    if hasattr(params, "named_parameters"):
        named = [(short_name(str(n)), v) for n, v in params.named_parameters()]
    elif isinstance(params, Mapping):
        named = [(str(n), v) for n, v in params.items()]
    elif isinstance(params, Value):
        named = [(params.label or "p0", params)]
    elif isinstance(params, Iterable) and not isinstance(params, str | bytes):
        named = [
            (v.label if isinstance(v, Value) and v.label else f"p{i}", v)
            for i, v in enumerate(params)
        ]
    else:
        raise TypeError(
            "params must be an nn.Module, a {name: Value} mapping or Values, "
            f"got {type(params).__name__}"
        )
    out: dict[Value, str] = {}
    for name, v in named:
        if not isinstance(v, Value):
            raise TypeError(f"params: {clean(name)!r} is a {type(v).__name__}, not a Value")
        out.setdefault(v, name)
    return out


def clean(label: str, limit: int = MAX_NAME) -> str:
    """A label made safe to print and draw: NFKC-normalised, control characters and lone
    surrogates written as escapes, cut to ``limit`` characters with an ellipsis.

    >>> clean("a\\x00b") == "a\\\\x00b", clean("x" * 30)
    (True, 'xxxxxxxxxxxxxxxxxxxxxxx…')
    """
    text = unicodedata.normalize(
        "NFKC", label.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
    )
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Names:
    """Display names for the nodes of one graph, and which nodes are drawn.

    A parameter's name from ``params`` (see :func:`param_names`); else a node's ``label``
    (made printable and cut to :data:`MAX_NAME` characters by :func:`clean`); the output is
    ``out``; inside a model (dotted parameter names) a neuron's output is named by the neuron
    (``L0.N1``) and its weighted sum ``L0.N1.sum``, with ``s2:`` in front for sample 2 when the
    graph holds several; other intermediate nodes get q, r, s, ... then n1, n2, ... in reading
    order; an unlabelled leaf is a constant, named by its number.

    With ``constants="op"`` (the default) a constant sub-expression is *folded*: written as a
    number on the op that uses it, with no box or gradient line (a number fed to an n-ary op,
    such as a neuron's input, keeps its box); a step the user never wrote (``x + 0``,
    ``x * 1``, a sum of one input: the op row's ``neutral`` constant) is left out and its input
    shown in its place (``shown_as``). ``constants="nodes"`` draws every node, as micrograd
    does.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> out = (x + y) * z
    >>> names = Names(out)
    >>> names[out.parents[0]], names[out], names.grad_name(x)
    ('q', 'out', 'dx')
    """

    def __init__(
        self,
        root: Value,
        nodes: Sequence[Value] | None = None,
        params: object = None,
        constants: str = "op",
    ) -> None:
        if constants not in ("op", "nodes"):
            raise ValueError(f"constants must be 'op' or 'nodes', got {constants!r}")
        self.root = root
        self.nodes = list(nodes) if nodes is not None else graph_nodes(root)
        self.params: dict[Value, str] = {v: clean(n) for v, n in param_names(params).items()}
        # each parameter's place in the order ``params`` gives them (w0, w1, ..., b)
        self.param_rank: dict[Value, int] = {v: i for i, v in enumerate(self.params)}
        self.folded: set[Value] = set()
        # a step the user never wrote -> the node shown in its place
        self.alias: dict[Value, Value] = {}
        if constants == "op":
            self._fold()
            self._leave_out_neutral_steps()
        self.top = self.alias.get(root, root)  # the node drawn as the output
        self.group: dict[Value, str] = _groups(self) if self.params else {}
        self.sample = _samples(self) if self.group else {}
        self._names: dict[Value, str] = {}  # made at the first look-up (a size check needs none)

    def _fold(self) -> None:
        nary = {p for n in self.nodes if n.parents and _arity(n) == -1 for p in n.parents}
        for node in self.nodes:
            if node is self.root or node in self.params:
                continue
            if node.parents and all(p in self.folded for p in node.parents):
                self.folded.add(node)
            elif not node.parents and not node.label and node not in nary:
                self.folded.add(node)
        if self.root.parents and all(p in self.folded for p in self.root.parents):
            self.folded.clear()  # nothing but constants: draw them all

    def _leave_out_neutral_steps(self) -> None:
        for node in self.nodes:
            if node.parents and node not in self.folded and node not in self.params:
                passed = self._passed(node)
                if passed is not None and passed not in self.folded:
                    self.alias[node] = self.alias.get(passed, passed)

    def _passed(self, node: Value) -> Value | None:
        """The input ``node`` returns unchanged, by its row's ``neutral`` constant, else None."""
        row = OPS.get(node.op)
        neutral = getattr(row, "neutral", ())
        if row is None or not neutral:
            return None
        ps = node.parents

        def is_neutral(p: Value, value: float | None) -> bool:
            return value is not None and p in self.folded and p.data == value

        if row.arity == -1:
            live = [p for p in ps if not is_neutral(p, neutral[0])]
            return live[0] if len(live) == 1 else None
        if row.arity == 1:
            return ps[0] if node.arg is not None and node.arg == neutral[0] else None
        if len(ps) == 2 and len(neutral) == 2:
            for i in (0, 1):
                if is_neutral(ps[i], neutral[i]) and ps[1 - i] not in self.folded:
                    return ps[1 - i]
        return None

    def _name_all(self) -> None:
        used: set[str] = set()
        self._names = {}
        for node in self.nodes:
            if node in self.alias:
                continue
            if node in self.params or node.label or (node is self.top and self.root.label):
                label = node.label or (self.root.label if node is self.top else "")
                name = self.params.get(node) or clean(label)
                if name in used and name != label:  # a cut name clashes: number it
                    k = 2
                    while f"{name}{k}" in used:
                        k += 1
                    name = f"{name}{k}"
                self._names[node] = name
                used.add(name)
        if self.group:
            self._name_groups(used)
        letters: dict[int | None, Iterable[str]] = {}
        counter = 0
        for node in self.nodes:
            if node in self._names or node in self.alias:
                continue
            if node is self.top:
                name = "out" if "out" not in used else "output"
            elif not node.parents or node in self.folded:
                name = fmt(node.data)
            else:
                k = self.sample.get(node)
                prefix = "" if k is None else f"s{k}:"
                if k not in letters:
                    letters[k] = (c for c in _LETTERS if prefix + c not in used and c != "out")
                name = prefix + next(letters[k], "")
                while name == prefix:
                    counter += 1
                    if f"{prefix}n{counter}" not in used:
                        name = f"{prefix}n{counter}"
            used.add(name)
            self._names[node] = name
        for hidden, shown in self.alias.items():
            self._names[hidden] = self._names[shown]

    def _name_groups(self, used: set[str]) -> None:
        """A group's output is named by the group (``L0.N1``), its one member that uses the
        group's parameters ``L0.N1.sum``, other members ``L0.N1.<op>``; ``s2:`` in front on a
        graph of several samples."""
        users = self.users()
        members: dict[tuple[str, int | None], list[Value]] = {}
        for node in self.nodes:
            g = self.group.get(node)
            if g is not None and node.parents and node not in self._names and self.shown(node):
                members.setdefault((g, self.sample.get(node)), []).append(node)
        for (g, k), ms in members.items():
            prefix = "" if k is None else f"s{k}:"
            own = [n for n in ms if any(p in self.params for p in n.parents)]
            for n in ms:
                if n is self.top or any(self.group.get(u) != g for u in users.get(n, ())):
                    name = prefix + g
                elif own == [n]:
                    name = f"{prefix}{g}.sum"
                else:
                    name = f"{prefix}{g}.{n.op}"
                base, count = name, 1
                while name in used:
                    count += 1
                    name = f"{base}{count}"
                used.add(name)
                self._names[n] = name

    def __getitem__(self, node: Value) -> str:
        if not self._names:
            self._name_all()
        return self._names[node]

    def shown_as(self, node: Value) -> Value:
        """The node drawn in place of ``node``: itself, or the input a left-out step passes."""
        return self.alias.get(node, node)

    def inputs(self, node: Value) -> list[Value]:
        """``node``'s inputs as drawn (a left-out step replaced by the input it passes)."""
        return [self.alias.get(p, p) for p in node.parents]

    def users(self) -> dict[Value, list[Value]]:
        """The drawn nodes that use each drawn node (by :meth:`inputs`)."""
        out: dict[Value, list[Value]] = {}
        for n in self.nodes:
            if n.parents and self.shown(n):
                for p in self.inputs(n):
                    out.setdefault(p, []).append(n)
        return out

    def is_constant(self, node: Value) -> bool:
        """True for an unlabelled leaf (a number written into the expression) and for a folded
        constant sub-expression."""
        if node in self.folded:
            return True
        return (
            not node.parents
            and not node.label
            and node is not self.root
            and (node not in self.params)
        )

    def shown(self, node: Value) -> bool:
        """True for a node drawn as a box with its own gradient (not a folded constant, not a
        step the user never wrote)."""
        return node not in self.folded and node not in self.alias

    def grad_name(self, node: Value) -> str:
        """``dx`` for x; ``d(2)`` for the constant 2 and ``d(s2:q)`` for a name with a colon."""
        name = self[node]
        return f"d({name})" if self.is_constant(node) or ":" in name else f"d{name}"


def _arity(node: Value) -> int:
    row = OPS.get(node.op)
    return row.arity if row is not None else len(node.parents)


def _common(names: list[str]) -> str:
    parts = names[0].split(".")
    for g in names[1:]:
        other = g.split(".")
        k = 0
        while k < min(len(parts), len(other)) and parts[k] == other[k]:
            k += 1
        parts = parts[:k]
    return ".".join(parts)


def _groups(names: Names) -> dict[Value, str]:
    """The group (``L0.N1``) of each node that belongs to one, read from dotted parameter
    names: a node using parameters belongs to their common group (a neuron's sum); a one-input
    op on such a node (its activation) and a node adding up nodes of one group join it too."""
    where: dict[Value, str] = {}
    inner: set[Value] = set()  # in a group because it uses parameters (not an activation)
    for node in names.nodes:
        if node in names.params:
            name = names.params[node]
            if "." in name:
                where[node] = name.rsplit(".", 1)[0]
            continue
        if not node.parents or not names.shown(node):
            continue
        own = [where[p] for p in node.parents if p in names.params and p in where]
        live = [p for p in names.inputs(node) if names.shown(p)]
        if own:
            common = _common(own)
            if common:
                where[node] = common
                inner.add(node)
        elif live and all(p in inner and where[p] == where[live[0]] for p in live):
            if len(live) >= 2 or _arity(node) == 1:
                where[node] = where[live[0]]
                if len(live) >= 2:
                    inner.add(node)
    return where


def _samples(names: Names) -> dict[Value, int]:
    """Which sample each node computes, on a graph where a model ran on several samples: the
    k-th output of a group (in reading order) is sample k; a group's other members take the
    sample of the member they feed; a node outside the groups takes its inputs' one sample."""
    users = names.users()
    count: dict[str, int] = {}
    sample: dict[Value, int] = {}
    outputs = []
    for node in names.nodes:
        g = names.group.get(node)
        if g is None or not node.parents or not names.shown(node):
            continue
        if node is names.top or any(names.group.get(u) != g for u in users.get(node, ())):
            sample[node] = count.get(g, 0)
            count[g] = sample[node] + 1
            outputs.append(node)
    if max(count.values(), default=0) < 2:
        return {}
    for node in reversed(names.nodes):
        g = names.group.get(node)
        if g is not None and node not in sample and node.parents and names.shown(node):
            mine = [sample[u] for u in users.get(node, ()) if names.group.get(u) == g]
            if mine:
                sample[node] = mine[0]
    for node in names.nodes:
        if node in sample or node.parents == () or not names.shown(node):
            continue
        if node in names.group:
            continue
        seen = {sample[p] for p in names.inputs(node) if p in sample}
        if len(seen) == 1 and all(p in sample or not p.parents for p in names.inputs(node)):
            sample[node] = seen.pop()
    return sample
