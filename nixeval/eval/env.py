"""Runtime environments and compile-time scopes.

Every binding construct (``let``, ``rec``, a function, a ``with``, the sources
of ``inherit (e)``) creates one ``Env``; the compiler resolves each variable to
"``depth`` environments up, slot ``index``", so nothing is looked up by name at
run time except through ``with``.
"""

from __future__ import annotations

from typing import Any


class Env:
    __slots__ = ("up", "vals")

    def __init__(self, vals: list[Any], up: Env | None) -> None:
        self.vals = vals
        self.up = up


class Scope:
    """What one Env level binds, known while compiling; a ``with``'s scope
    has its position."""

    __slots__ = ("is_with", "names", "parent", "with_pos", "withs")

    def __init__(self, names: dict[str, int], parent: Scope | None, is_with: bool = False,
                 with_pos: Any = None):
        self.names = names
        self.parent = parent
        self.is_with = is_with
        self.with_pos = with_pos
        self.withs: tuple[tuple[int, Any], ...] | None = None


def resolve(scope: Scope | None, name: str) -> tuple[int, int] | None:
    """Depth and slot of a lexical binding of ``name`` (``with`` scopes skipped:
    in Nix a lexical binding wins over any ``with``, however nested)."""
    depth = 0
    while scope is not None:
        if not scope.is_with:
            index = scope.names.get(name)
            if index is not None:
                return depth, index
        scope = scope.parent
        depth += 1
    return None


def enclosing_withs(scope: Scope | None) -> tuple[tuple[int, Any], ...]:
    """Depth and position of each enclosing ``with``, innermost first (kept
    on the scope: each of its variables no binding names asks)."""
    if scope is None:
        return ()
    found = scope.withs
    if found is None:
        out, depth, at = [], 0, scope
        while at is not None:
            if at.is_with:
                out.append((depth, at.with_pos))
            at = at.parent
            depth += 1
        found = scope.withs = tuple(out)
    return found
