"""Values as ``nix-instantiate --eval`` prints them, and as JSON (``toJSON``)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .errors import NixError, Pos
from .values import Attrs, ContextStr, Lambda, NixPath, PrimOp, PrimOpApp, Thunk, force

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
            out.append("<PRIMOP>")
        elif t is PrimOpApp:
            out.append("<PRIMOP-APP>")
        else:
            raise TypeError(f"not a Nix value: {item!r}")
    return "".join(out)


class _Text:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def to_json(state: EvalState, v: Any, pos: Pos = None, copy_to_store: bool = True) -> str:
    """``builtins.toJSON`` (and ``--json``): sets with ``__toString`` or
    ``outPath`` become strings, paths are copied to the store."""
    return "".join(_json_parts(state, v, pos, copy_to_store))


def _json_parts(state: EvalState, v: Any, pos: Pos, copy_to_store: bool):
    from .ops import coerce_to_string

    v = force(v)
    t = type(v)
    if t is bool:
        yield "true" if v else "false"
    elif t is int:
        yield str(v)
    elif t is float:
        yield json.dumps(v)
    elif t is str or t is ContextStr:
        yield json.dumps(str(v), ensure_ascii=False)
    elif v is None:
        yield "null"
    elif t is NixPath:
        s = state.copy_path_to_store(v, pos) if copy_to_store else v.path
        yield json.dumps(str(s), ensure_ascii=False)
    elif t is list:
        yield "["
        for i, x in enumerate(v):
            if i:
                yield ","
            yield from _json_parts(state, x, pos, copy_to_store)
        yield "]"
    elif t is Attrs:
        if "__toString" in v.vals:
            s = coerce_to_string(state, v, pos, copy_to_store=copy_to_store)
            yield json.dumps(str(s), ensure_ascii=False)
        elif "outPath" in v.vals:
            yield from _json_parts(state, v.vals["outPath"], pos, copy_to_store)
        else:
            yield "{"
            for i, name in enumerate(v.names()):
                if i:
                    yield ","
                yield json.dumps(name, ensure_ascii=False) + ":"
                yield from _json_parts(state, v.vals[name], pos, copy_to_store)
            yield "}"
    else:
        raise NixError("cannot convert a function to JSON", pos)
