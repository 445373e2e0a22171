"""Generic traversal of the AST."""

from __future__ import annotations

from collections.abc import Iterator

from . import ast
from .records import fields

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.eq)
        _CHILD_FIELDS[cls] = names
    return names


def children(node: ast.Node) -> Iterator[ast.Node]:
    """The direct sub-nodes of ``node``, in field order (attr-path expressions included)."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item


def walk(node: ast.Node) -> Iterator[ast.Node]:
    """Every node below and including ``node``, depth first, without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(children(n))))
