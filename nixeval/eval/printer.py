"""Values as ``nix-instantiate --eval`` prints them, and as JSON (``toJSON``)."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from .errors import NixError, Pos, TypeMismatch
from .values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    context_of,
    is_app,
    make_string,
    set_call_site,
    show_type,
    sort_key,
)

if TYPE_CHECKING:
    from .state import EvalState

_IDENT = re.compile(r"[a-zA-Z_][a-zA-Z0-9_'\-]*\Z")
_KEYWORDS = {"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit"}


def show_string(s: str) -> str:
    out = ['"']
    n = len(s)
    for i, ch in enumerate(s):
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "$" and i + 1 < n and s[i + 1] == "{":
            out.append("\\$")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def show_attr_name(name: str) -> str:
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return show_string(name)


def show_float(x: float) -> str:
    return f"{x:g}"


def show_value(v: Any, strict: bool = True) -> str:
    """Print a value; unforced thunks show as ``«thunk»`` unless ``strict``,
    a set or list printed before shows as ``«repeated»``."""
    out: list[str] = []
    seen: set[int] = set()
    # an explicit stack: deep values must not exhaust Python's recursion
    stack: list[Any] = [v]
    while stack:
        item = stack.pop()
        if type(item) is _Text:
            out.append(item.text)
            continue
        cell = item
        if type(item) is Thunk:
            if not strict and item.code is not None:
                out.append("«thunk»")
                continue
            item = item.force()
        t = type(item)
        if t is bool:
            out.append("true" if item else "false")
        elif t is int:
            out.append(str(item))
        elif t is float:
            out.append(show_float(item))
        elif t is str or t is ContextStr:
            out.append(show_string(item))
        elif item is None:
            out.append("null")
        elif t is NixPath:
            out.append(item.path)
        elif t is list:
            # as Nix: a list is "seen" by the cell holding it, a set by its contents
            if id(cell) in seen and item:
                out.append("«repeated»")
                continue
            seen.add(id(cell))
            parts: list[Any] = [_Text("[ ")]
            for x in item:
                parts.append(x)
                parts.append(_Text(" "))
            parts.append(_Text("]"))
            stack.extend(reversed(parts))
        elif t is Attrs:
            if id(item) in seen and item.vals:
                out.append("«repeated»")
                continue
            seen.add(id(item))
            parts = [_Text("{ ")]
            for name in item.names():
                parts.append(_Text(show_attr_name(name) + " = "))
                parts.append(item.vals[name])
                parts.append(_Text("; "))
            parts.append(_Text("}"))
            stack.extend(reversed(parts))
        elif t is Lambda:
            out.append("<LAMBDA>")
        elif t is PrimOp:
            out.append("<LAMBDA>" if item.lambda_like else "<PRIMOP>")
        elif t is PrimOpApp:
            out.append("<LAMBDA>" if item.prim.lambda_like else "<PRIMOP-APP>")
        else:
            raise TypeError(f"not a Nix value: {item!r}")
    return "".join(out)


class _Text:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def to_json(state: EvalState, v: Any, pos: Pos = None, copy_to_store: bool = True) -> str:
    """``builtins.toJSON`` (and ``--json``), as Nix's printValueAsJSON and
    nlohmann's ``dump``: sets are peeled through ``__toString`` and
    ``outPath``, paths are copied to the store; the result carries the
    context of every string and copied path in it."""
    w = _JsonWriter(state)
    w.write(v, pos, copy_to_store)
    if w.errors:  # nlohmann validates UTF-8 only when dumping, after evaluation
        raise NixError("JSON serialization error: " + w.errors[0], pos)
    return make_string("".join(w.out), frozenset(w.context))


class _JsonWriter:
    def __init__(self, state: EvalState) -> None:
        self.state = state
        self.out: list[str] = []
        self.context: set[str] = set()
        self.errors: list[str] = []

    def write(self, v: Any, pos: Pos, copy_to_store: bool) -> None:
        # each level counts towards max-call-depth, as in Nix
        state = self.state
        depth = state.call_depth
        if depth > state.max_call_depth:
            raise NixError("stack overflow; max-call-depth exceeded", pos)
        state.call_depth = depth + 1
        try:
            self._write(v, pos, copy_to_store)
        finally:
            state.call_depth = depth

    def _deep(self) -> bool:
        """Whether a value one level down would exceed max-call-depth (as
        ``write`` checks it): then a plain string takes the usual way."""
        return self.state.call_depth > self.state.max_call_depth

    def _write_set(self, v: Attrs, copy_to_store: bool) -> None:
        """A set that is neither a string (``__toString``) nor a path (``outPath``)."""
        out = self.out
        errors = self.errors
        vals = v.vals
        positions = v.pos
        deep = self._deep()
        out.append("{")
        for i, name in enumerate(v.names()):
            if i:
                out.append(",")
            out.append(json_string(name, errors) + ":")
            self._member(vals[name], positions.get(name) if positions else None,
                         copy_to_store, deep, "while evaluating attribute '{}'", name)
        out.append("}")

    def _member(self, x: Any, pos: Pos, copy_to_store: bool, deep: bool, frame: str,
                at: object) -> None:
        """A member of a set or list; ``frame`` (with ``at``) its trace frame."""
        if type(x) is str and not deep:  # most values of an options' JSON
            self.out.append(json_string(x, self.errors))
            return
        try:
            self.write(x, pos, copy_to_store)
        except NixError as e:
            e.add_trace(frame.format(at), pos)
            raise

    def _write(self, v: Any, pos: Pos, copy_to_store: bool) -> None:
        out = self.out
        if type(v) is Thunk:
            if is_app(v):
                # forcing it is a call: one level deeper, from here
                if self.state.call_depth > self.state.max_call_depth:
                    raise NixError("stack overflow; max-call-depth exceeded", pos)
                set_call_site(v, pos)
            v = v.force()
        t = type(v)
        if t is Attrs:
            vals = v.vals
            if "__toString" in vals or "outPath" in vals:
                from .ops import peel

                def write_peeled(peeled: Any, came_through_to_string: bool) -> None:
                    if type(peeled) is not Attrs:
                        # as Nix: a path a `__toString` returned is not copied to the store
                        self.write(peeled, pos, copy_to_store and not came_through_to_string)
                    else:
                        self._write_set(peeled, copy_to_store)

                peel(self.state, v, pos, True, write_peeled)
            else:
                self._write_set(v, copy_to_store)
        elif t is list:
            out.append("[")
            deep = self._deep()
            for i, x in enumerate(v):
                if i:
                    out.append(",")
                self._member(x, pos, copy_to_store, deep,
                             "while evaluating list element at index {}", i)
            out.append("]")
        elif t is str or t is ContextStr:
            self.context.update(context_of(v))
            out.append(json_string(v, self.errors))
        elif t is bool:
            out.append("true" if v else "false")
        elif t is int:
            out.append(str(v))
        elif t is float:
            out.append(json_float(v))
        elif v is None:
            out.append("null")
        elif t is NixPath:
            if copy_to_store:
                s = self.state.copy_path_to_store(v, pos)
                self.context.update(context_of(s))
            else:
                s = v.path
            out.append(json_string(s, self.errors))
        else:
            raise TypeMismatch(f"cannot convert {show_type(v)} to JSON",
                               v.fn.pos if type(v) is Lambda else pos)


_SURROGATE = re.compile(r"[\ud800-\udfff]")

try:  # Python's JSON escaping, in C, without loading the json package at start-up
    from _json import encode_basestring
except ImportError:  # a Python without the accelerator
    from json.encoder import py_encode_basestring as encode_basestring


def json_string(s: str, errors: list[str]) -> str:
    """A JSON string as nlohmann writes it: only quotes, backslashes and control
    characters escaped (as Python's own encoder does, in C: the short escapes,
    else ``\\u00xx``); invalid UTF-8 recorded as nlohmann's error."""
    if not errors and not s.isascii() and _SURROGATE.search(s):
        errors.append(utf8_error(s.encode("utf-8", "surrogateescape")))
    return encode_basestring(s)


_CONT = (0x80, 0xBF)


def utf8_tails(lead: int) -> tuple[tuple[int, int], ...] | None:
    """The ranges the bytes after a UTF-8 lead byte must fall in (None: not a lead)."""
    if lead < 0xC2 or lead > 0xF4:
        return None
    if lead < 0xE0:
        return (_CONT,)
    if lead < 0xF0:
        first = (0xA0, 0xBF) if lead == 0xE0 else (0x80, 0x9F) if lead == 0xED else _CONT
        return first, _CONT
    first = (0x90, 0xBF) if lead == 0xF0 else (0x80, 0x8F) if lead == 0xF4 else _CONT
    return first, _CONT, _CONT


def utf8_error(data: bytes) -> str:
    """nlohmann's message for the first invalid UTF-8 byte in ``data``."""
    i = 0
    while i < len(data):
        c = data[i]
        if c < 0x80:
            i += 1
            continue
        tails = utf8_tails(c)
        if tails is None:
            return f"[json.exception.type_error.316] invalid UTF-8 byte at index {i}: 0x{c:02X}"
        for j, (lo, hi) in enumerate(tails, start=i + 1):
            if j == len(data):
                return ("[json.exception.type_error.316] incomplete UTF-8 string; last byte: "
                        f"0x{data[-1]:02X}")
            if not lo <= data[j] <= hi:
                return ("[json.exception.type_error.316] invalid UTF-8 byte at index "
                        f"{j}: 0x{data[j]:02X}")
        i += 1 + len(tails)
    raise ValueError("valid UTF-8")


def json_float(x: float) -> str:
    """nlohmann's float output: shortest round-trip digits, plain notation for
    decimal exponents from -4 to 15, else ``d.ddde+XX``."""
    if x != x or x in (float("inf"), float("-inf")):
        return "null"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0.0"
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    raw = whole + frac
    digits = raw.lstrip("0")
    # the value is 0.DIGITS * 10**n
    n = len(whole) + int(exp or 0) - (len(raw) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 15:
        body = digits + "0" * (n - k) + ".0"
    elif 0 < n <= 15:
        body = digits[:n] + "." + digits[n:]
    elif -4 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        body = (digits[0] + ("." + digits[1:] if k > 1 else "") + "e"
                + ("-" if e < 0 else "+") + f"{abs(e):02d}")
    return sign + body


# Nix's errorPrintOptions: how much of a value an error message shows
_ERR_MAX_DEPTH = 10
_ERR_MAX_ITEMS = 10
_ERR_MAX_STRING = 1024


def show_brief(v: Any) -> str:
    """A value as Nix shows it inside messages and traces: nothing is forced
    (``«thunk»``), functions name themselves, and at most ten attributes, ten
    list items, ten levels and 1024 bytes of a string are shown."""
    printer = _BriefPrinter()
    printer.show(v, 0)
    return "".join(printer.out)


def _elided(n: int, single: str, plural: str) -> str:
    return f"«{n} {single if n == 1 else plural} elided»"


class _BriefPrinter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.seen: set[int] = set()
        self.attrs_printed = 0
        self.items_printed = 0

    def show(self, v: Any, depth: int) -> None:
        out = self.out
        cell = v
        if type(v) is Thunk:
            if v.code is not None:
                out.append("«thunk»")
                return
            v = v.value
        t = type(v)
        if t is Attrs:
            self.show_attrs(v, depth)
        elif t is list:
            self.show_list(v, cell, depth)
        elif t is str or t is ContextStr:
            encoded = v.encode("utf-8", "surrogateescape")
            if len(encoded) > _ERR_MAX_STRING:
                head = encoded[:_ERR_MAX_STRING].decode("utf-8", "surrogateescape")
                out.append(show_string(head)[:-1] + '" '
                           + _elided(len(encoded) - _ERR_MAX_STRING, "byte", "bytes"))
            else:
                out.append(show_string(v))
        elif t is Lambda:
            out.append(lambda_text(v))
        elif t is PrimOp:
            out.append(f"«primop {v.name}»")
        elif t is PrimOpApp:
            out.append(f"«partially applied primop {v.prim.name}»")
        else:
            out.append(show_value(v))

    def show_attrs(self, v: Attrs, depth: int) -> None:
        out = self.out
        if id(v) in self.seen:
            out.append("«repeated»")
            return
        self.seen.add(id(v))
        if depth >= _ERR_MAX_DEPTH:
            out.append("{ ... }")
            return
        names = sorted(v.vals, key=lambda n: (n not in ("type", "_type"),
                                              n.encode("utf-8", "surrogateescape")))
        out.append("{")
        for i, name in enumerate(names):
            out.append(" ")
            if self.attrs_printed >= _ERR_MAX_ITEMS:
                out.append(_elided(len(names) - i, "attribute", "attributes"))
                break
            out.append(show_attr_name(name) + " = ")
            self.show(v.vals[name], depth + 1)
            out.append(";")
            self.attrs_printed += 1
        out.append(" }")

    def show_list(self, v: list, cell: Any, depth: int) -> None:
        out = self.out
        if v and id(cell) in self.seen:
            out.append("«repeated»")
            return
        self.seen.add(id(cell))
        if depth >= _ERR_MAX_DEPTH:
            out.append("[ ... ]")
            return
        out.append("[")
        for i, item in enumerate(v):
            out.append(" ")
            if self.items_printed >= _ERR_MAX_ITEMS:
                out.append(_elided(len(v) - i, "item", "items"))
                break
            self.show(item, depth + 1)
            self.items_printed += 1
        out.append(" ]")


def show_expr(node: Any, resolve_path: Any = None) -> str:
    """An expression as Nix's ``Expr::show`` prints it in messages (the text of
    a failed ``assert``, a dynamic attribute name): operators as the calls Nix
    desugars them to, set bindings sorted, everything parenthesised."""
    out: list[str] = []
    _show(node, out, resolve_path or (lambda p: p))
    return "".join(out)


def show_attr_path(path: tuple) -> str:
    """Nix's showAttrSelectionPath without evaluating: ``a."${e}".b``."""
    return ".".join(show_attr_name(p) if isinstance(p, str) else '"${' + show_expr(p) + '}"'
                    for p in path)


# the builtin each operator is a call to in Nix's AST
_OP_CALLS = {"-": "__sub", "*": "__mul", "/": "__div", "<": "__lessThan", ">": "__lessThan",
             "<=": "__lessThan", ">=": "__lessThan"}


def _show(node: Any, out: list[str], path: Any) -> None:
    from ..syntax import ast

    t = type(node)
    if t is ast.Int:
        out.append(str(node.value))
    elif t is ast.Float:
        out.append(show_float(node.value))
    elif t is ast.Str:
        out.append(show_string(node.value))
    elif t is ast.Path:
        out.append(path(node.value))
    elif t is ast.Var:
        out.append(node.name)
    elif t is ast.CurPos:
        out.append("__curPos")
    elif t is ast.SearchPath:
        out.append(f"(__findFile __nixPath {show_string(node.value)})")
    elif t in (ast.StrInterp, ast.PathInterp):
        out.append("(")
        for i, part in enumerate(node.parts):
            if i:
                out.append(" + ")
            _show(part, out, path)
        out.append(")")
    elif t is ast.Select:
        out.append("(")
        _show(node.expr, out, path)
        out.append(")." + show_attr_path(node.path))
        if node.default is not None:
            out.append(" or (")
            _show(node.default, out, path)
            out.append(")")
    elif t is ast.HasAttr:
        out.append("((")
        _show(node.expr, out, path)
        out.append(") ? " + show_attr_path(node.path) + ")")
    elif t is ast.Attrs:
        if node.recursive:
            out.append("rec ")
        out.append("{ ")
        _show_bindings(node, out, path)
        out.append("}")
    elif t is ast.List:
        out.append("[ ")
        for item in node.items:
            out.append("(")
            _show(item, out, path)
            out.append(") ")
        out.append("]")
    elif t is ast.Lambda:
        out.append("(")
        if node.formals is not None:
            parts = []
            for f in sorted(node.formals.formals, key=lambda f: sort_key(f.name)):
                default = "" if f.default is None else " ? " + show_expr(f.default, path)
                parts.append(f.name + default)
            if node.formals.ellipsis:
                parts.append("...")
            out.append("{ " + ", ".join(parts) + " }")
            if node.arg is not None:
                out.append(" @ ")
        if node.arg is not None:
            out.append(node.arg)
        out.append(": ")
        _show(node.body, out, path)
        out.append(")")
    elif t is ast.Call:
        out.append("(")
        _show(node.fn, out, path)
        for a in node.args:
            out.append(" ")
            _show(a, out, path)
        out.append(")")
    elif t is ast.Let:
        out.append("(let ")
        _show_bindings(node.bindings, out, path)
        out.append("in ")
        _show(node.body, out, path)
        out.append(")")
    elif t is ast.With:
        out.append("(with ")
        _show(node.env, out, path)
        out.append("; ")
        _show(node.body, out, path)
        out.append(")")
    elif t is ast.If:
        out.append("(if ")
        _show(node.cond, out, path)
        out.append(" then ")
        _show(node.then, out, path)
        out.append(" else ")
        _show(node.else_, out, path)
        out.append(")")
    elif t is ast.Assert:
        out.append("assert ")
        _show(node.cond, out, path)
        out.append("; ")
        _show(node.body, out, path)
    elif t is ast.Not:
        out.append("(! ")
        _show(node.expr, out, path)
        out.append(")")
    elif t is ast.Neg:
        out.append("(__sub 0 ")
        _show(node.expr, out, path)
        out.append(")")
    elif t is ast.BinOp:
        op = node.op
        fn = _OP_CALLS.get(op)
        if fn is None:
            out.append("(")
            _show(node.lhs, out, path)
            out.append(f" {op} ")
            _show(node.rhs, out, path)
            out.append(")")
            return
        a, b = (node.rhs, node.lhs) if op in (">", "<=") else (node.lhs, node.rhs)
        if op in ("<=", ">="):
            out.append("(! ")
        out.append(f"({fn} ")
        _show(a, out, path)
        out.append(" ")
        _show(b, out, path)
        out.append(")")
        if op in ("<=", ">="):
            out.append(")")
    elif t is ast.InheritFrom:
        out.append("")
    else:
        out.append(f"«{t.__name__}»")


def _show_bindings(node: Any, out: list[str], path: Any) -> None:
    from ..syntax import ast

    defs = sorted(node.attrs, key=lambda d: sort_key(d.name))
    inherits = [d.name for d in defs if d.kind == ast.AttrKind.INHERITED]
    if inherits:
        out.append("inherit " + " ".join(show_attr_name(n) for n in inherits) + "; ")
    by_source: dict[int, list[str]] = {}
    for d in defs:
        if d.kind == ast.AttrKind.INHERITED_FROM:
            by_source.setdefault(d.value.expr.index, []).append(d.name)
    for index in sorted(by_source):
        out.append("inherit (")
        _show(node.inherit_from[index], out, path)
        out.append(") " + " ".join(show_attr_name(n) for n in by_source[index]) + "; ")
    for d in defs:
        if d.kind == ast.AttrKind.PLAIN:
            out.append(show_attr_name(d.name) + " = ")
            _show(d.value, out, path)
            out.append("; ")
    for d in node.dynamic:
        out.append('"${')
        _show(d.name, out, path)
        out.append('}" = ')
        _show(d.value, out, path)
        out.append("; ")


def lambda_text(v: Lambda) -> str:
    """A function as current Nix shows it: ``«lambda NAME @ FILE:LINE:COL»``."""
    fc = v.fn
    name = f" {fc.name}" if fc.name else ""
    where = ""
    if fc.pos is not None:
        line, col = fc.pos[0].line_col(fc.pos[1])
        where = f" @ {fc.pos[0].name}:{line}:{col}"
    return f"«lambda{name}{where}»"
