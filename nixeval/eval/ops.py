"""The operators and coercions Nix code and builtins share: arithmetic with
Nix's overflow and division rules, deep equality, ordering, and
coercion to strings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import NixError, Pos
from .values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    force,
    make_string,
    show_type,
    type_error,
)

if TYPE_CHECKING:
    from .state import EvalState

INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _checked(result: int, verb: str, a: int, b: int, sym: str, pos: Pos) -> int:
    if INT_MIN <= result <= INT_MAX:
        return result
    raise NixError(f"integer overflow in {verb} {a} {sym} {b}", pos)


def add_numbers(a: Any, b: Any, pos: Pos) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return _checked(a + b, "adding", a, b, "+", pos)
    if ta in (int, float) and tb in (int, float):
        return float(a) + float(b)
    raise NixError(f"cannot add {show_type(b)} to {show_type(a)}", pos)


def arith(op: str, a: Any, b: Any, pos: Pos) -> Any:
    """``-``, ``*`` and ``/`` (``__sub``, ``__mul``, ``__div``)."""
    ta, tb = type(a), type(b)
    if ta not in (int, float):
        raise type_error("an integer", a, pos)
    if tb not in (int, float):
        raise type_error("an integer", b, pos)
    if op == "/":
        if b == 0:
            raise NixError("division by zero", pos)
        if ta is int and tb is int:
            q = abs(a) // abs(b)  # C++ truncates towards zero
            q = q if (a < 0) == (b < 0) else -q
            return _checked(q, "dividing", a, b, "/", pos)
        return float(a) / float(b)
    if ta is int and tb is int:
        if op == "-":
            return _checked(a - b, "subtracting", a, b, "-", pos)
        return _checked(a * b, "multiplying", a, b, "*", pos)
    if op == "-":
        return float(a) - float(b)
    return float(a) * float(b)


def equal(a: Any, b: Any) -> bool:
    """Nix's ``==``: deep, numbers across int/float, derivations by outPath."""
    a = force(a)
    b = force(b)
    ta, tb = type(a), type(b)
    if ta in (int, float) and tb in (int, float) and ta is not bool and tb is not bool:
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return str.__eq__(a, b)
    if ta is not tb:
        return False
    if ta is list:
        return len(a) == len(b) and all(_equal_item(x, y) for x, y in zip(a, b, strict=True))
    if ta is Attrs:
        if a is b:
            return True
        if _is_derivation(a) and _is_derivation(b) and "outPath" in a.vals and \
                "outPath" in b.vals:
            return equal(a.vals["outPath"], b.vals["outPath"])
        if len(a.vals) != len(b.vals):
            return False
        for name, v in a.vals.items():
            if name not in b.vals or not _equal_item(v, b.vals[name]):
                return False
        return True
    if ta in (Lambda, PrimOp, PrimOpApp):
        return False
    return a == b


def _equal_item(x: Any, y: Any) -> bool:
    # Nix compares the elements of lists and sets by Value pointer first, so one
    # function stored twice is equal to itself there (but `f == f` is false)
    return x is y or equal(x, y)


def _is_derivation(a: Attrs) -> bool:
    t = a.vals.get("type")
    if t is None:
        return False
    t = force(t)
    return isinstance(t, str) and t == "derivation"


def less_than(a: Any, b: Any, pos: Pos) -> bool:
    """Nix's ``<`` (``__lessThan``): numbers, strings, paths, lists lexicographically."""
    a = force(a)
    b = force(b)
    ta, tb = type(a), type(b)
    if ta in (int, float) and tb in (int, float) and ta is not bool and tb is not bool:
        return a < b
    if isinstance(a, str) and isinstance(b, str):
        return a.encode("utf-8", "surrogateescape") < b.encode("utf-8", "surrogateescape")
    if ta is NixPath and tb is NixPath:
        return a.path < b.path
    if ta is list and tb is list:
        for x, y in zip(a, b, strict=False):
            if not equal(x, y):
                return less_than(x, y, pos)
        return len(a) < len(b)
    raise NixError(f"cannot compare {show_type(a)} with {show_type(b)}", pos)


def force_bool(v: Any, pos: Pos) -> bool:
    v = force(v)
    if type(v) is not bool:
        raise type_error("a Boolean", v, pos)
    return v


def force_attrs(v: Any, pos: Pos) -> Attrs:
    v = force(v)
    if type(v) is not Attrs:
        raise type_error("a set", v, pos)
    return v


def force_list(v: Any, pos: Pos) -> list:
    v = force(v)
    if type(v) is not list:
        raise type_error("a list", v, pos)
    return v


def force_int(v: Any, pos: Pos) -> int:
    v = force(v)
    if type(v) is not int:
        raise type_error("an integer", v, pos)
    return v


def force_string(v: Any, pos: Pos) -> str:
    """A string value (context kept)."""
    v = force(v)
    if not isinstance(v, str):
        raise type_error("a string", v, pos)
    return v


def force_string_no_context(v: Any, pos: Pos) -> str:
    s = force_string(v, pos)
    if type(s) is ContextStr and s.context:
        raise NixError(f"the string '{s}' is not allowed to refer to a store path "
                       f"(such as '{sorted(s.context)[0].lstrip('=!').split('!')[-1]}')",
                       pos)
    return str(s)


def format_float(x: float) -> str:
    """``toString`` of a float: C's ``%f`` (std::to_string)."""
    return f"{x:f}"


def coerce_to_string(state: EvalState, v: Any, pos: Pos, *, coerce_more: bool = False,
                     copy_to_store: bool = True) -> str:
    """Nix's coerceToString: strings as they are, paths (copied to the store when
    interpolated), sets through ``__toString`` or ``outPath``; with
    ``coerce_more`` (``toString``) also numbers, Booleans, null and lists."""
    v = force(v)
    t = type(v)
    if t is str or t is ContextStr:
        return v
    if t is NixPath:
        if copy_to_store:
            return state.copy_path_to_store(v, pos)
        return v.path
    if t is Attrs:
        if "__toString" in v.vals:
            result = state.call(v.vals["__toString"], v, pos)
            return coerce_to_string(state, result, pos, coerce_more=coerce_more,
                                    copy_to_store=copy_to_store)
        if "outPath" in v.vals:
            return coerce_to_string(state, v.vals["outPath"], pos, coerce_more=coerce_more,
                                    copy_to_store=copy_to_store)
        from .printer import show_brief

        raise NixError(f"cannot coerce a set to a string: {show_brief(v)}", pos)
    if coerce_more:
        if t is bool:
            return "1" if v else ""
        if t is int:
            return str(v)
        if t is float:
            return format_float(v)
        if v is None:
            return ""
        if t is list:
            parts: list[str] = []
            for i, item in enumerate(v):
                parts.append(coerce_to_string(state, item, pos, coerce_more=True,
                                              copy_to_store=copy_to_store))
                # as Nix: no space after an empty list (its own comment: "not quite correct")
                if i < len(v) - 1 and force(item) != []:
                    parts.append(" ")
            return concat_strings(parts)
    from .printer import show_brief

    raise NixError(f"cannot coerce {show_type(v)} to a string: {show_brief(v)}", pos)


def concat_strings(parts: list[str]) -> str:
    """Join strings, uniting their contexts."""
    context: frozenset[str] = frozenset()
    for p in parts:
        if type(p) is ContextStr:
            context = context | p.context
    return make_string("".join(parts), context)


