"""Where a module file defines an option, read from its source alone.

The native module system keeps the position of every definition it merges;
a lib's own (interpreted) module system reports only the file. This reads
the file: a module is a set (or a function returning one), its definitions
are under ``config`` (or at its top when it has neither ``config`` nor
``options``), and ``mkIf``/``mkMerge``/``mkDefault``/``mkOverride``… calls,
lists, ``let``, ``with``, ``if`` and ``//`` only wrap them. An attribute path
is found as written, ``a.b.c = …;`` or nested sets.
"""

from __future__ import annotations

import functools
from typing import Any

from .. import inputs
from ..eval.errors import Pos
from ..syntax import ast, parse, read_source
from ..syntax.errors import NixSyntaxError
from ..syntax.walk import walk
from .graph import Loc

# attributes of a module that hold no definitions
_NOT_CONFIG = ("imports", "options", "_file", "key", "disabledModules", "meta", "_class")


def definition_site(path: str, loc: Loc) -> Pos:
    """The position of the definition of ``loc`` in the module ``path``:
    the attribute itself, or else the deepest set on the way to it."""
    # an editor's unsaved buffer is other contents: its own cache entry
    sites = _sites(path, inputs.overlay(path))
    for n in range(len(loc), 0, -1):
        hit = sites.get(tuple(loc[:n]))
        if hit is not None:
            return hit
    return None


def forget() -> None:
    """Read every file again on the next question (files changed on disk)."""
    _sites.cache_clear()


@functools.lru_cache(maxsize=256)
def _sites(path: str, _buffer: bytes | None) -> dict[Loc, Pos]:
    try:
        source = read_source(path)
        root = parse(source)
    except (OSError, NixSyntaxError):
        return {}
    found: dict[Loc, Pos] = {}
    body = _unwrap(root)
    if isinstance(body, ast.Attrs):
        names = {d.name for d in body.attrs}
        explicit = "config" in names or "options" in names
        for d in body.attrs:
            if d.name == "config" and explicit:
                _collect(d.value, (), found)
            elif not explicit and d.name not in _NOT_CONFIG:
                _record(d, (), found)
    return found


def _unwrap(node: ast.Node) -> ast.Node:
    """A module's set under its function, ``let``, ``with`` and ``assert``."""
    while isinstance(node, ast.Lambda | ast.Let | ast.With | ast.Assert):
        node = node.body
    return node


def _record(d: ast.AttrDef, prefix: Loc, found: dict[Loc, Pos]) -> None:
    loc = (*prefix, d.name)
    found.setdefault(loc, (d.src, d.start))
    _collect(d.value, loc, found)


def _collect(node: Any, prefix: Loc, found: dict[Loc, Pos]) -> None:
    """Definitions below ``prefix`` in ``node`` (an explicit stack: module
    files can nest deeply)."""
    stack: list[tuple[Any, Loc]] = [(node, prefix)]
    while stack:
        node, prefix = stack.pop()
        # pushed in reverse: the first definition in the file is found first
        if isinstance(node, ast.Attrs):
            for d in node.attrs:
                found.setdefault((*prefix, d.name), (d.src, d.start))
            stack.extend((d.value, (*prefix, d.name)) for d in reversed(node.attrs))
        elif isinstance(node, ast.Call):
            # mkIf cond { … }, mkMerge [ … ], mkDefault { … }: the wrapped sets
            stack.extend((a, prefix) for a in reversed(node.args))
        elif isinstance(node, ast.List):
            stack.extend((item, prefix) for item in reversed(node.items))
        elif isinstance(node, ast.Let | ast.With | ast.Assert):
            stack.append((node.body, prefix))
        elif isinstance(node, ast.If):
            stack += [(node.else_, prefix), (node.then, prefix)]
        elif isinstance(node, ast.BinOp) and node.op == "//":
            stack += [(node.rhs, prefix), (node.lhs, prefix)]


def tree_at(pos: Pos) -> tuple[ast.Node, int] | None:
    """The tree of the file ``pos`` is in, and the offset (None where the
    file does not parse)."""
    if pos is None:
        return None
    source, offset = pos
    try:
        return parse(source), offset
    except NixSyntaxError:
        return None


def value_at(pos: Pos) -> ast.Node | None:
    """The value written for the attribute defined at ``pos`` (a definition's
    position: ``a.b.c = v;`` gives ``v``, the innermost attribute there)."""
    at = tree_at(pos)
    if at is None:
        return None
    root, offset = at
    found = None
    # every node: merged paths (`a.b = 1; a.c = 2;`) put attributes outside
    # their parent's span, so spans can't prune the search
    for node in walk(root):
        if isinstance(node, ast.AttrDef) and node.start == offset:
            found = node.value  # keep going: a nested path's inner attributes start here too
    return found


def list_element(value: ast.Node | None, index: int) -> ast.Node | None:
    """Element ``index`` (from 0) of a list as written: a literal, maybe
    under ``mkIf``/``mkBefore``/``mkForce``… or joined with ``++``."""
    items = _list_items(value)
    return items[index] if items is not None and 0 <= index < len(items) else None


def _list_items(node: ast.Node | None) -> list[ast.Node] | None:
    if isinstance(node, ast.List):
        return list(node.items)
    if isinstance(node, ast.Call):
        return _list_items(node.args[-1])  # the wrapped value is the last argument
    if isinstance(node, ast.Let | ast.With):
        return _list_items(node.body)
    if isinstance(node, ast.BinOp) and node.op == "++":
        lhs, rhs = _list_items(node.lhs), _list_items(node.rhs)
        return None if lhs is None or rhs is None else lhs + rhs
    return None
