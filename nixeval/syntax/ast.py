"""The Nix abstract syntax tree.

Nodes are frozen, slotted attrs classes compared by value. Positions
(``src``, ``start``, ``end``: character offsets into ``src.text``) take no
part in equality, so a tree printed and parsed again compares equal.

The tree is the one Nix builds: nested attribute paths (``a.b = 1; a.c = 2;``)
are merged into nested ``Attrs`` at parse time, ``inherit`` becomes ``AttrDef``
entries, a call ``f a b`` is one ``Call`` with two arguments, and URIs are
strings. Operators stay ``BinOp``/``Not``/``Neg`` nodes so the evaluator can
report them as such.
"""

from __future__ import annotations

from enum import IntEnum

import attrs

from .source import Source, Span


@attrs.frozen(slots=True)
class Node:
    src: Source = attrs.field(eq=False, repr=False)
    start: int = attrs.field(eq=False, repr=False)
    end: int = attrs.field(eq=False, repr=False)

    @property
    def span(self) -> Span:
        return self.src.span(self.start, self.end)


# An attribute name in a path: a plain name, or an expression (``${e}``, ``"${e}"``).
AttrName = str | Node


@attrs.frozen(slots=True)
class Int(Node):
    value: int


@attrs.frozen(slots=True)
class Float(Node):
    value: float


@attrs.frozen(slots=True)
class Str(Node):
    value: str


@attrs.frozen(slots=True)
class StrInterp(Node):
    """``"a${b}c"`` or an indented string with interpolation: parts coerced to strings."""

    parts: tuple[Node, ...]


@attrs.frozen(slots=True)
class Path(Node):
    """A path literal as written: ``./a``, ``/etc``, ``~/x``, ``a/b``."""

    value: str


@attrs.frozen(slots=True)
class PathInterp(Node):
    """``./a/${b}``: the first part is a ``Path``, the rest ``Str`` or expressions."""

    parts: tuple[Node, ...]


@attrs.frozen(slots=True)
class SearchPath(Node):
    """``<nixpkgs/lib>`` (``value`` is the text between the brackets)."""

    value: str


@attrs.frozen(slots=True)
class Var(Node):
    name: str


@attrs.frozen(slots=True)
class CurPos(Node):
    """``__curPos``."""


@attrs.frozen(slots=True)
class Select(Node):
    expr: Node
    path: tuple[AttrName, ...]
    default: Node | None


@attrs.frozen(slots=True)
class HasAttr(Node):
    expr: Node
    path: tuple[AttrName, ...]


class AttrKind(IntEnum):
    PLAIN = 0
    INHERITED = 1  # inherit x;        value is Var(x), resolved outside a rec set
    INHERITED_FROM = 2  # inherit (e) x;  value is Select(InheritFrom(i), (x,))


@attrs.frozen(slots=True)
class AttrDef(Node):
    """One static attribute; its span is the attribute path's (or inherited name's)."""

    name: str
    value: Node
    kind: AttrKind = AttrKind.PLAIN


@attrs.frozen(slots=True)
class DynAttr(Node):
    name: Node
    value: Node


@attrs.frozen(slots=True)
class InheritFrom(Node):
    """The ``e`` of ``inherit (e) …``: index into the enclosing ``Attrs.inherit_from``."""

    index: int


@attrs.frozen(slots=True)
class Attrs(Node):
    recursive: bool
    attrs: tuple[AttrDef, ...]
    dynamic: tuple[DynAttr, ...] = ()
    inherit_from: tuple[Node, ...] = ()


@attrs.frozen(slots=True)
class List(Node):
    items: tuple[Node, ...]


@attrs.frozen(slots=True)
class Formal(Node):
    name: str
    default: Node | None


@attrs.frozen(slots=True)
class Formals(Node):
    formals: tuple[Formal, ...]
    ellipsis: bool


@attrs.frozen(slots=True)
class Lambda(Node):
    """``x: body``, ``{ a, b ? 1, ... }: body`` or ``args@{ … }: body``."""

    arg: str | None
    formals: Formals | None
    body: Node


@attrs.frozen(slots=True)
class Call(Node):
    fn: Node
    args: tuple[Node, ...]


@attrs.frozen(slots=True)
class Let(Node):
    bindings: Attrs
    body: Node


@attrs.frozen(slots=True)
class With(Node):
    env: Node
    body: Node


@attrs.frozen(slots=True)
class Assert(Node):
    cond: Node
    body: Node


@attrs.frozen(slots=True)
class If(Node):
    cond: Node
    then: Node
    else_: Node


@attrs.frozen(slots=True)
class Not(Node):
    expr: Node


@attrs.frozen(slots=True)
class Neg(Node):
    expr: Node


@attrs.frozen(slots=True)
class BinOp(Node):
    """``lhs op rhs``; ``op`` is the operator as written ("+", "==", "//", …)."""

    op: str
    lhs: Node
    rhs: Node
    op_start: int = attrs.field(eq=False, repr=False)
