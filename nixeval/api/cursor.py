"""Positions in a Nix file mapped to meaning, from its syntax tree alone:
the attribute path at a cursor, and the option path it is in a module."""

from __future__ import annotations

from typing import Any

from ..syntax import Source, ast, parse
from ..syntax.errors import NixSyntaxError
from ..syntax.walk import children
from .errors import ApiError, NotFound
from .results import AttributePath, Position

# a module's top-level attributes that hold no definitions (as modules/sites.py)
_NOT_CONFIG = ("imports", "options", "_file", "key", "disabledModules", "meta", "_class")


def offset_of(source: Source, line: int, column: int) -> int:
    """The character offset of a 1-based line and column (``NotFound`` past
    the text's lines; a column past a line's end is its end)."""
    offset = source.offset(line, column)
    if offset is None:
        raise NotFound(f"'{source.name}' has no line {line}, column {column}",
                       Position(source.name, line, column))
    return offset


def syntax_tree(source: Source) -> ast.Node:
    try:
        return parse(source)
    except NixSyntaxError as e:
        line, column = e.source.line_col(e.offset)
        raise ApiError(e.message, Position(e.source.name, line, column)) from None


def attribute_path_at(source: Source | str, line: int, column: int, *,
                      name: str = "«string»") -> AttributePath | None:
    """The attribute path at ``line``:``column`` of ``source`` (a ``Source``,
    or Nix text named ``name``); None when the cursor is in no attribute. On
    a dotted key (``a.b.c``) the path ends at the name under the cursor. A
    syntax error is an ``ApiError`` at its position."""
    if isinstance(source, str):
        source = Source(name, source)
    root = syntax_tree(source)
    offset = offset_of(source, line, column)
    best: tuple[tuple[str, ...], ast.AttrDef, bool] | None = None
    # every node: merged paths (`a.b = 1; a.c = 2;`) put attributes outside
    # their parent's span, so spans can't prune the search
    stack: list[tuple[Any, tuple[str, ...], bool]] = [(root, (), True)]
    while stack:
        node, path, plain = stack.pop()
        if isinstance(node, ast.AttrDef):
            path = (*path, node.name)
            end = max(node.end, node.value.end)
            if node.start <= offset <= end and (best is None or len(path) > len(best[0])):
                best = (path, node, plain)
        stack.extend(_steps(node, path, plain))
    if best is None:
        return None
    path, node, plain = best
    if node.start <= offset <= node.end:  # on the key: up to the name under the cursor
        key = source.text[node.start:node.end]
        after = key_dots(key) - key_dots(key[:offset - node.start])
        path = path[:len(path) - after]
    start, end = (Position(source.name, *source.line_col(o)) for o in (node.start, node.end))
    module_path, declares = _module_path(root, path) if plain else (None, False)
    return AttributePath(path, start, end, module_path, declares)


def _steps(node: Any, path: tuple[str, ...], plain: bool) -> list[tuple[Any, tuple[str, ...],
                                                                         bool]]:
    """The children of ``node`` to search, and whether each is still plain
    module structure (what modules/sites.py reads definitions through)."""
    if isinstance(node, ast.Attrs):
        return [(d, path, plain) for d in node.attrs] + \
            [(c, path, False) for c in (*node.dynamic, *node.inherit_from)]
    if isinstance(node, ast.AttrDef):
        return [(node.value, path, plain)]
    through: tuple[Any, ...] = ()
    if isinstance(node, ast.Lambda):
        through = (node.body,) if not path else ()  # the module's own function
    elif isinstance(node, ast.Let | ast.With | ast.Assert):
        through = (node.body,)
    elif isinstance(node, ast.Call):
        through = node.args  # mkIf c { … }, mkMerge [ … ], mkDefault { … }
    elif isinstance(node, ast.List):
        through = node.items
    elif isinstance(node, ast.If):
        through = (node.then, node.else_)
    elif isinstance(node, ast.BinOp) and node.op == "//":
        through = (node.lhs, node.rhs)
    return [(c, path, plain and any(c is t for t in through)) for c in children(node)]


def key_dots(key: str) -> int:
    """How many dots separate names in (a prefix of) a written key, outside
    quotes and ``${ }``."""
    count, quoted, depth = 0, False, 0
    i = 0
    while i < len(key):
        ch = key[i]
        if ch == "\\" and quoted:
            i += 1
        elif ch == '"':
            quoted = not quoted
        elif ch == "{" and i and key[i - 1] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == "." and not quoted and not depth:
            count += 1
        i += 1
    return count


def _module_path(root: ast.Node, path: tuple[str, ...]) -> tuple[tuple[str, ...] | None, bool]:
    """``path`` read as a module reads it: under ``config`` (or at the top
    when the module has neither ``config`` nor ``options``); under
    ``options`` it declares."""
    body = root
    while isinstance(body, ast.Lambda | ast.Let | ast.With | ast.Assert):
        body = body.body
    if not isinstance(body, ast.Attrs) or not path:
        return None, False
    names = {d.name for d in body.attrs}
    if path[0] == "options":
        return path[1:], True
    if "config" in names or "options" in names:
        return (path[1:], False) if path[0] == "config" else (None, False)
    return (None, False) if path[0] in _NOT_CONFIG else (path, False)
