"""The Nix abstract syntax tree.

Nodes are frozen, slotted record classes (``records.py``) compared by value. Positions
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

from .records import field, record
from .source import Source, Span


@record
class Node:
    src: Source = field(eq=False)
    start: int = field(eq=False)
    end: int = field(eq=False)

    @property
    def span(self) -> Span:
        return self.src.span(self.start, self.end)


# An attribute name in a path: a plain name, or an expression (``${e}``, ``"${e}"``).
AttrName = str | Node


@record
class Int(Node):
    value: int


@record
class Float(Node):
    value: float


@record
class Str(Node):
    value: str


@record
class StrInterp(Node):
    """``"a${b}c"`` or an indented string with interpolation: parts coerced to strings."""

    parts: tuple[Node, ...]


@record
class Path(Node):
    """A path literal as written: ``./a``, ``/etc``, ``~/x``, ``a/b``."""

    value: str


@record
class PathInterp(Node):
    """``./a/${b}``: the first part is a ``Path``, the rest ``Str`` or expressions."""

    parts: tuple[Node, ...]


@record
class SearchPath(Node):
    """``<nixpkgs/lib>`` (``value`` is the text between the brackets)."""

    value: str


@record
class Var(Node):
    name: str


@record
class CurPos(Node):
    """``__curPos``."""


@record
class Select(Node):
    expr: Node
    path: tuple[AttrName, ...]
    default: Node | None


@record
class HasAttr(Node):
    expr: Node
    path: tuple[AttrName, ...]


class AttrKind(IntEnum):
    PLAIN = 0
    INHERITED = 1  # inherit x;        value is Var(x), resolved outside a rec set
    INHERITED_FROM = 2  # inherit (e) x;  value is Select(InheritFrom(i), (x,))


@record
class AttrDef(Node):
    """One static attribute; its span is the attribute path's (or inherited name's)."""

    name: str
    value: Node
    kind: AttrKind = AttrKind.PLAIN


@record
class DynAttr(Node):
    name: Node
    value: Node


@record
class InheritFrom(Node):
    """The ``e`` of ``inherit (e) …``: index into the enclosing ``Attrs.inherit_from``."""

    index: int


@record
class Attrs(Node):
    recursive: bool
    attrs: tuple[AttrDef, ...]
    dynamic: tuple[DynAttr, ...] = ()
    inherit_from: tuple[Node, ...] = ()


@record
class List(Node):
    items: tuple[Node, ...]


@record
class Formal(Node):
    name: str
    default: Node | None


@record
class Formals(Node):
    formals: tuple[Formal, ...]
    ellipsis: bool


@record
class Lambda(Node):
    """``x: body``, ``{ a, b ? 1, ... }: body`` or ``args@{ … }: body``."""

    arg: str | None
    formals: Formals | None
    body: Node


@record
class Call(Node):
    fn: Node
    args: tuple[Node, ...]


@record
class Let(Node):
    bindings: Attrs
    body: Node


@record
class With(Node):
    env: Node
    body: Node


@record
class Assert(Node):
    cond: Node
    body: Node


@record
class If(Node):
    cond: Node
    then: Node
    else_: Node


@record
class Not(Node):
    expr: Node


@record
class Neg(Node):
    expr: Node


@record
class BinOp(Node):
    """``lhs op rhs``; ``op`` is the operator as written ("+", "==", "//", …)."""

    op: str
    lhs: Node
    rhs: Node
    op_start: int = field(eq=False)
