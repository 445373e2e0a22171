"""Print an AST back as Nix source that parses to an equal AST.

Every compound expression is parenthesised, as ``nix-instantiate --parse``
does: ``(a + b)``, ``(x: body)``, ``(f a b)``, ``(e.a or d)``. Strings are
always printed double-quoted with ``"``, ``\\``, ``$`` before ``{``, and
control characters escaped; attribute names are quoted unless they are plain
identifiers; floats always carry a ``.`` so they lex as floats again. Nested
attribute sets merged at parse time print as nested sets (``a = { b = 1; };``),
``inherit`` entries print as ``inherit x;`` / ``inherit (e) x;`` clauses in
the order that rebuilds the same ``inherit_from`` indices.

Trees the parser cannot produce (e.g. a ``Call`` whose function is a ``Call``
not made by ``x or``) are printed as best they can be; a bare ``InheritFrom``
or a non-finite float raises ``ValueError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator

from . import ast

__all__ = ["quote_attr", "quote_string", "to_source"]

_ID_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_'\-]*")
_KEYWORDS = frozenset({"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit"})
# one lexer STR token inside a path: a run of path characters with single slashes
_PATH_FRAGMENT_RE = re.compile(r"[a-zA-Z0-9._\-+]*(?:/[a-zA-Z0-9._\-+]+)*/?")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPE_RE = re.compile(r'["\\\n\r\t]|\$(?=\{)')
# expressions that may stand before `.` or `or` without parentheses
_SELECTABLE = (ast.Var, ast.CurPos, ast.Str, ast.StrInterp, ast.Attrs, ast.List)


def to_source(node: ast.Node) -> str:
    """Nix source for ``node``; parsing it gives a tree equal to ``node``."""
    out: list[str] = []
    _Printer(out).print(node)
    return "".join(out)


def _escape_char(m: re.Match) -> str:
    s = m.group()
    return "\\$" if s == "$" else _ESCAPES[s]


def _escape(value: str, before_interp: bool = False) -> str:
    if before_interp and value.endswith("$"):
        # `$${` would be a literal `$$` followed by `{`
        return _ESCAPE_RE.sub(_escape_char, value[:-1]) + "\\$"
    return _ESCAPE_RE.sub(_escape_char, value)


def quote_string(value: str) -> str:
    """A double-quoted Nix string literal whose value is ``value``."""
    return '"' + _escape(value) + '"'


def quote_attr(name: str) -> str:
    """An attribute name: bare if it lexes as an identifier (or ``or``), else quoted."""
    if _ID_RE.fullmatch(name) and name not in _KEYWORDS:
        return name
    return quote_string(name)


def format_float(value: float) -> str:
    """``repr`` with a ``.`` in the mantissa, as Nix's float syntax requires."""
    if not math.isfinite(value):
        raise ValueError(f"no Nix literal for the float {value!r}")
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + e + exponent


# what a printing method returns: the sub-nodes to print, in order (see _Printer)
Children = Iterator[ast.Node]


class _Printer:
    """Each method for a compound node is a generator: it writes its own text and
    yields each sub-node where that sub-node's text belongs. :meth:`print` runs
    them on a stack of its own, so any depth of nesting prints without recursion."""

    __slots__ = ("out",)

    def __init__(self, out: list[str]) -> None:
        self.out = out

    def print(self, root: ast.Node) -> None:
        methods: dict[type, Callable[[ast.Node], Children | None]] = {}
        stack: list[Children] = [iter((root,))]
        push, pop = stack.append, stack.pop
        while stack:
            node = next(stack[-1], None)
            if node is None:
                pop()
                continue
            method = methods.get(node.__class__)
            if method is None:
                method = getattr(self, "_" + node.__class__.__name__, None)
                if method is None:
                    raise ValueError(f"cannot print {type(node).__name__} as Nix source")
                methods[node.__class__] = method
            children = method(node)
            if children is not None:
                push(children)

    # expressions: leaves write their text, compound nodes are generators
    def _Int(self, node: ast.Int) -> None:
        if node.value < 0:  # not a literal; `(-5)` at least evaluates alike
            self.out.append(f"(-{-node.value})")
        else:
            self.out.append(str(node.value))

    def _Float(self, node: ast.Float) -> None:
        if node.value < 0:  # not a literal either
            self.out.append(f"(-{format_float(-node.value)})")
        else:
            self.out.append(format_float(abs(node.value)))  # no `-0.0`

    def _Str(self, node: ast.Str) -> None:
        self.out.append(quote_string(node.value))

    def _StrInterp(self, node: ast.StrInterp) -> Children:
        self.out.append('"')
        yield from self.string_parts(node.parts)
        self.out.append('"')

    def string_parts(self, parts: tuple[ast.Node, ...]) -> Children:
        """The inside of a string: a literal run is one part, so of adjacent ``Str``
        parts only the first is printed literally, the others as ``${"…"}``."""
        out = self.out
        last = len(parts) - 1
        literal_before = False
        for i, part in enumerate(parts):
            # a lone literal part would read back as a plain Str
            if isinstance(part, ast.Str) and part.value and not literal_before and last:
                out.append(_escape(part.value, before_interp=i < last))
                literal_before = True
            else:
                yield from self.interp(part)
                literal_before = False

    def _Path(self, node: ast.Path) -> None:
        self.out.append(node.value)

    def _PathInterp(self, node: ast.PathInterp) -> Children:
        out = self.out
        parts = node.parts
        first = parts[0]
        if isinstance(first, ast.Path):
            out.append(first.value)
        else:
            yield from self.interp(first)
        literal_before = True  # the path token itself
        for i, part in enumerate(parts[1:], 1):
            last = i == len(parts) - 1
            if (isinstance(part, ast.Str) and not literal_before and part.value
                    and _PATH_FRAGMENT_RE.fullmatch(part.value)
                    and not (last and part.value.endswith("/"))):
                out.append(part.value)
                literal_before = True
            else:
                yield from self.interp(part)
                literal_before = False

    def interp(self, node: ast.Node) -> Children:
        self.out.append("${")
        yield node
        self.out.append("}")

    def _SearchPath(self, node: ast.SearchPath) -> None:
        self.out.append(f"<{node.value}>")

    def _Var(self, node: ast.Var) -> None:
        self.out.append(node.name)

    def _CurPos(self, node: ast.CurPos) -> None:
        self.out.append("__curPos")

    def selectable(self, node: ast.Node) -> Children:
        """``node`` where a ``.`` or ``or`` may follow (``1.a``, ``./a.b`` would lex wrong)."""
        if isinstance(node, _SELECTABLE) or self.parenthesised(node):
            yield node
        else:
            self.out.append("(")
            yield node
            self.out.append(")")

    @staticmethod
    def parenthesised(node: ast.Node) -> bool:
        return not isinstance(node, (ast.Int, ast.Float, ast.Path, ast.PathInterp,
                                     ast.SearchPath, ast.Var, ast.CurPos, ast.Str,
                                     ast.StrInterp, ast.Attrs, ast.List))

    def _Select(self, node: ast.Select) -> Children:
        out = self.out
        out.append("(")
        yield from self.selectable(node.expr)
        out.append(".")
        yield from self.attr_path(node.path)
        if node.default is not None:
            out.append(" or ")
            yield node.default
        out.append(")")

    def _HasAttr(self, node: ast.HasAttr) -> Children:
        self.out.append("(")
        yield node.expr
        self.out.append(" ? ")
        yield from self.attr_path(node.path)
        self.out.append(")")

    def attr_path(self, path: tuple[ast.AttrName, ...]) -> Children:
        for i, name in enumerate(path):
            if i:
                self.out.append(".")
            yield from self.attr_name(name)

    def attr_name(self, name: ast.AttrName) -> Children:
        if isinstance(name, str):
            self.out.append(quote_attr(name))
        elif isinstance(name, ast.StrInterp):
            yield name  # `"a${b}"` reads back as the same StrInterp
        else:
            yield from self.interp(name)

    def _Call(self, node: ast.Call) -> Children:
        out = self.out
        args = node.args
        if args and _is_or(args[0]):
            # `x or` is Call(x, [or]); arguments after it come from `(x or) b`
            out.append("(" if len(args) == 1 else "((")
            yield from self.selectable(node.fn)
            out.append(" or)")
            args = args[1:]
            if not args:
                return
        else:
            out.append("(")
            yield node.fn
        for arg in args:
            out.append(" ")
            yield arg
        out.append(")")

    def _Lambda(self, node: ast.Lambda) -> Children:
        out = self.out
        out.append("(")
        if node.formals is None:
            out.append(node.arg or "_")
        else:
            yield from self.formals(node.formals)
            if node.arg is not None:
                out.append(" @ ")
                out.append(node.arg)
        out.append(": ")  # the space keeps `x:y` from lexing as a URI
        yield node.body
        out.append(")")

    def formals(self, formals: ast.Formals) -> Children:
        out = self.out
        items = formals.formals
        if not items and not formals.ellipsis:
            out.append("{ }")
            return
        out.append("{ ")
        for i, f in enumerate(items):
            if i:
                out.append(", ")
            out.append(f.name)
            if f.default is not None:
                out.append(" ? ")
                yield f.default
        if formals.ellipsis:
            out.append(", ..." if items else "...")
        out.append(" }")

    def _Let(self, node: ast.Let) -> Children:
        self.out.append("(let ")
        yield from self.bindings(node.bindings)
        self.out.append("in ")
        yield node.body
        self.out.append(")")

    def _With(self, node: ast.With) -> Children:
        return self.keyword_body("with", node.env, node.body)

    def _Assert(self, node: ast.Assert) -> Children:
        return self.keyword_body("assert", node.cond, node.body)

    def keyword_body(self, keyword: str, head: ast.Node, body: ast.Node) -> Children:
        self.out.append(f"({keyword} ")
        yield head
        self.out.append("; ")
        yield body
        self.out.append(")")

    def _If(self, node: ast.If) -> Children:
        out = self.out
        out.append("(if ")
        yield node.cond
        out.append(" then ")
        yield node.then
        out.append(" else ")
        yield node.else_
        out.append(")")

    def _Not(self, node: ast.Not) -> Children:
        self.out.append("(!")
        yield node.expr
        self.out.append(")")

    def _Neg(self, node: ast.Neg) -> Children:
        # `- ./a` needs the space: `-./a` is a path
        self.out.append("(-" if self.parenthesised(node.expr) else "(- ")
        yield node.expr
        self.out.append(")")

    def _BinOp(self, node: ast.BinOp) -> Children:
        out = self.out
        out.append("(")
        yield node.lhs
        out.append(f" {node.op} ")
        yield node.rhs
        out.append(")")

    def _List(self, node: ast.List) -> Children:
        out = self.out
        out.append("[")
        for item in node.items:
            out.append(" ")
            yield item
        out.append(" ]")

    # attribute sets ---------------------------------------------------------
    def _Attrs(self, node: ast.Attrs) -> Children:
        out = self.out
        out.append("rec { " if node.recursive else "{ ")
        yield from self.bindings(node)
        out.append("}")

    def bindings(self, node: ast.Attrs) -> Children:
        """``name = value;`` entries and ``inherit`` clauses, each followed by a space.

        Entries reparse in the order printed, so they keep their order; each
        ``inherit (e)`` clause is printed whole where its first name stands, and
        clauses are printed in index order (those without names included).
        """
        out = self.out
        sources = node.inherit_from
        done = 0  # inherit_from clauses printed so far
        by_source: dict[int, list[str]] = {}
        for d in node.attrs:
            if d.kind == ast.AttrKind.INHERITED_FROM:
                by_source.setdefault(_inherit_index(d), []).append(d.name)
        pending_inherit: list[str] = []

        def flush_inherit() -> None:
            if pending_inherit:
                out.append("inherit " + " ".join(map(quote_attr, pending_inherit)) + "; ")
                pending_inherit.clear()

        def clause(index: int) -> Children:
            out.append("inherit (")
            yield sources[index]
            out.append(")")
            for name in by_source.pop(index, ()):
                out.append(" " + quote_attr(name))
            out.append("; ")

        for d in node.attrs:
            if d.kind == ast.AttrKind.INHERITED:
                pending_inherit.append(d.name)
                continue
            flush_inherit()
            if d.kind == ast.AttrKind.INHERITED_FROM:
                index = _inherit_index(d)
                if index not in by_source:
                    continue  # printed with the clause's first name
                while done <= index:
                    yield from clause(done)
                    done += 1
                continue
            out.append(quote_attr(d.name))
            out.append(" = ")
            yield d.value
            out.append("; ")
        flush_inherit()
        while done < len(sources):
            yield from clause(done)
            done += 1
        for d in node.dynamic:
            yield from self.attr_name(d.name)
            out.append(" = ")
            yield d.value
            out.append("; ")

    def _InheritFrom(self, node: ast.InheritFrom) -> None:
        raise ValueError("InheritFrom has no source form outside its attribute set")


def _inherit_index(d: ast.AttrDef) -> int:
    value = d.value
    if not (isinstance(value, ast.Select) and isinstance(value.expr, ast.InheritFrom)):
        raise ValueError(f"inherited attribute {d.name!r} is not a select from InheritFrom")
    return value.expr.index


def _is_or(node: ast.Node) -> bool:
    return isinstance(node, ast.Var) and node.name == "or"
