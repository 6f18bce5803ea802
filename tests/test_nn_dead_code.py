"""nn holds no dead code: every name a module of nn defines at its top level is used."""

from __future__ import annotations

import ast
from pathlib import Path

NN = Path(__file__).resolve().parents[1] / "nn"


def defined_names(tree: ast.Module) -> dict[str, int]:
    """Top-level functions, classes and assigned names, with their lines."""
    out: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            out[node.name] = node.lineno
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.lineno
    return out


def used_names(tree: ast.Module) -> set[str]:
    """Names read anywhere (as a name, an attribute, or a string in ``__all__``)."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.alias):
            used.add(node.name)
    for node in tree.body:  # __all__ = ["name", ...] exports a name
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            used |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return used


def test_every_top_level_name_of_nn_is_used_or_exported():
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in NN.rglob("*.py")}
    used = set().union(*(used_names(tree) for tree in trees.values()))
    unused = [
        f"{path.relative_to(NN.parent)}:{line} {name}"
        for path, tree in trees.items()
        for name, line in defined_names(tree).items()
        if name not in used and not name.startswith("__")
    ]
    assert unused == []
