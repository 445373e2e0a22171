"""Which definitions of a module file an edit changed, read from its text
before and after.

A module's definitions are the values written at option paths in its
configuration set, evaluated in the scope the module gives them: its
function's arguments, its ``let`` and ``with``. When that scope and the rest
of the module (``imports``, ``options``, …) are written as before, a value
written as before, at the same line and column, is the same value, with the
same positions in it. So an edit changed exactly the paths whose values (or
their places) differ. Anything the scope holds, a ``rec`` set, dynamic
attributes or a wrapper (``mkIf``, ``mkMerge``) above an option counts as
one value for the whole path it is at.
"""

from __future__ import annotations

from typing import Any

from ..syntax import Source, ast, parse
from ..syntax.errors import NixSyntaxError

Loc = tuple[str, ...]

# a module's attributes that are not configuration (lib's unifyModuleSyntax)
_NOT_CONFIG = ("imports", "options", "_file", "key", "disabledModules", "meta", "_class",
               "freeformType")


def changed_paths(old: Source, new: Source, prefixes: set[Loc]) -> set[Loc] | None:
    """The configuration paths whose definitions differ between ``old`` and
    ``new`` (two texts of one module file), each as deep as an option or as
    the value written there allows; ``prefixes`` are the paths above options.
    None when the edit reaches what every definition sees (or either text
    is not a module set as this reads one)."""
    try:
        before = _read(old, parse(old), prefixes)
        after = _read(new, parse(new), prefixes)
    except (NixSyntaxError, RecursionError):  # sets nested past Python's stack: not read
        return None
    if before is None or after is None or before[0] != after[0]:
        return None
    defs_before, defs_after = before[1], after[1]
    return {p for p in defs_before.keys() | defs_after.keys()
            if defs_before.get(p) != defs_after.get(p)}


def _read(src: Source, root: ast.Node, prefixes: set[Loc]
          ) -> tuple[list[Any], dict[Loc, list[Any]]] | None:
    """(what every definition sees, the values written at each path)."""
    scope: list[Any] = []
    node = root
    while True:
        if isinstance(node, ast.Lambda):
            scope.append(("lambda", node.arg, _print(src, node.formals)))
        elif isinstance(node, ast.Let):
            scope.append(("let", _print(src, node.bindings)))
        elif isinstance(node, ast.With):
            scope.append(("with", _print(src, node.env)))
        elif isinstance(node, ast.Assert):
            scope.append(("assert", _print(src, node.cond)))
        else:
            break
        node = node.body
    if not isinstance(node, ast.Attrs) or node.recursive or node.dynamic or node.inherit_from:
        return None
    written: dict[Loc, list[Any]] = {}
    names = {d.name for d in node.attrs}
    explicit = "config" in names or "options" in names
    for d in node.attrs:
        if explicit and d.name == "config":
            _collect(src, d.value, (), _place(src, d), prefixes, written)
        elif explicit or d.name in _NOT_CONFIG:
            scope.append((d.name, _place(src, d), _print(src, d.value)))
        else:
            _collect(src, d.value, (d.name,), _place(src, d), prefixes, written)
    return scope, written


def _collect(src: Source, node: ast.Node, path: Loc, place: Any, prefixes: set[Loc],
             written: dict[Loc, list[Any]]) -> None:
    stack = [(node, path, place)]
    while stack:
        node, path, place = stack.pop()
        if path in prefixes and isinstance(node, ast.Attrs) and not node.recursive \
                and not node.dynamic and not node.inherit_from:
            stack.extend((d.value, (*path, d.name), _place(src, d)) for d in node.attrs)
        else:
            written.setdefault(path, []).append((place, _print(src, node)))


def _place(src: Source, d: ast.AttrDef) -> tuple[int, int]:
    return src.line_col(d.start)


def _print(src: Source, node: ast.Node | None) -> Any:
    """What identifies ``node`` as written: its text and where it starts.
    A set written as an attribute path (``a.b.c = v``) is one the parser
    made, spanning the path only: it is identified by its attributes."""
    if node is None:
        return None
    if isinstance(node, ast.Attrs):
        return ("set", node.recursive, src.line_col(node.start),
                tuple((d.name, int(d.kind), _place(src, d), _print(src, d.value))
                      for d in node.attrs),
                tuple((_print(src, d.name), _print(src, d.value)) for d in node.dynamic),
                tuple(_print(src, e) for e in node.inherit_from))
    return (src.text[node.start:node.end], src.line_col(node.start))
