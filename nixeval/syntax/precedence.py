"""Group a flat operator sequence by Nix's precedence table.

Nix's bison grammar declares (lowest first)::

    %right IMPL  %left OR  %left AND  %nonassoc EQ NEQ  %nonassoc < > <= >=
    %right UPDATE  %left NOT  %left + -  %left * /  %right CONCAT
    %nonassoc ?  %nonassoc NEGATE

and gives ``!`` and unary ``-`` those precedences with %prec. An operator
sequence is grouped here with a shunting-yard that makes the same shift/reduce
choices, so ``!a + b`` is ``!(a + b)``, ``-a ? b`` is ``(-a) ? b`` and
``a == b == c`` is the syntax error bison reports.
"""

from __future__ import annotations

from collections.abc import Callable

from . import ast
from .lexer import DISPLAY, Token

# token type -> (level, associativity); associativity is "left", "right" or "none"
BINARY = {
    "IMPL": (1, "right"), "OR": (2, "left"), "AND": (3, "left"),
    "EQ": (4, "none"), "NEQ": (4, "none"),
    "LT": (5, "none"), "GT": (5, "none"), "LEQ": (5, "none"), "GEQ": (5, "none"),
    "UPDATE": (6, "right"), "PLUS": (8, "left"), "MINUS": (8, "left"),
    "STAR": (9, "left"), "SLASH": (9, "left"), "CONCAT": (10, "right"),
}
NOT_LEVEL = 7
HASATTR_LEVEL = 11
NEGATE_LEVEL = 12

SyntaxErrorAt = Callable[[str, int], Exception]


class Prefix:
    """A ``!`` or unary ``-`` waiting for its operand."""

    __slots__ = ("token",)

    def __init__(self, token: Token) -> None:
        self.token = token

    @property
    def level(self) -> int:
        return NOT_LEVEL if self.token.type == "NOT" else NEGATE_LEVEL


class Binary:
    __slots__ = ("token",)

    def __init__(self, token: Token) -> None:
        self.token = token


class HasAttrSuffix:
    """``? a.b``: applies to the operand on its left."""

    __slots__ = ("end", "path", "token")

    def __init__(self, token: Token, path: tuple[ast.AttrName, ...], end: int) -> None:
        self.token = token
        self.path = path
        self.end = end


Item = ast.Node | Prefix | Binary | HasAttrSuffix


def group(src, items: list[Item], error: SyntaxErrorAt) -> ast.Node:
    """Build the tree for ``items`` (operands, prefixes, binaries and ``?`` suffixes)."""
    values: list[ast.Node] = []
    ops: list[Prefix | Binary] = []

    def reduce() -> None:
        op = ops.pop()
        if isinstance(op, Prefix):
            operand = values.pop()
            cls = ast.Not if op.token.type == "NOT" else ast.Neg
            values.append(cls(src, op.token.start_pos, operand.end, operand))
        else:
            rhs = values.pop()
            lhs = values.pop()
            values.append(ast.BinOp(src, lhs.start, rhs.end, op.token.value, lhs, rhs,
                                    op.token.start_pos))

    def reduce_above(level: int, assoc: str, token: Token) -> None:
        # bison: reduce while the stacked operator binds tighter (or equally, for left)
        while ops:
            top = ops[-1]
            top_level, top_assoc = ((top.level, "left") if isinstance(top, Prefix)
                                    else BINARY[top.token.type])
            if top_level > level or (top_level == level and assoc == "left"):
                reduce()
            elif top_level == level and assoc == "none" and top_assoc == "none":
                raise error(f"syntax error, unexpected {_show(token)}", token.start_pos)
            else:
                break

    for item in items:
        if isinstance(item, ast.Node):
            values.append(item)
        elif isinstance(item, Prefix):
            ops.append(item)
        elif isinstance(item, Binary):
            level, assoc = BINARY[item.token.type]
            reduce_above(level, assoc, item.token)
            ops.append(item)
        else:
            reduce_above(HASATTR_LEVEL, "none", item.token)
            operand = values.pop()
            values.append(ast.HasAttr(src, operand.start, item.end, operand, item.path))
    while ops:
        reduce()
    return values[0]


def _show(token: Token) -> str:
    return DISPLAY.get(token.type, repr(str(token.value)))
