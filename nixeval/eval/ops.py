"""The operators and coercions Nix code and builtins share: arithmetic with
Nix's overflow and division rules, deep equality, ordering, and
coercion to strings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..readlog import Span
from .errors import InfiniteRecursion, NixError, Pos, TypeMismatch
from .values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    determine_pos,
    force,
    is_app,
    make_string,
    set_call_site,
    show_type,
    symbol_order,
    type_error,
)

if TYPE_CHECKING:
    from .state import EvalState

INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _checked(result: int, verb: str, a: int, b: int, sym: str, pos: Pos) -> int:
    if INT_MIN <= result <= INT_MAX:
        return result
    raise NixError(f"integer overflow in {verb} {a} {sym} {b}", pos)


def add_numbers(a: Any, b: Any) -> Any:
    """``builtins.add`` on forced operands (prim_add)."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return _checked(a + b, "adding", a, b, "+", None)
    if ta is float or tb is float:
        return (_as_float(a, "while evaluating the first argument of the addition")
                + _as_float(b, "while evaluating the second argument of the addition"))
    return _checked(_as_int(a, "while evaluating the first argument of the addition")
                    + _as_int(b, "while evaluating the second argument of the addition"),
                    "adding", a, b, "+", None)


# op -> (verb, first-operand context, second-operand context) as prim_sub/mul/div word them
_ARITH = {
    "-": ("subtracting", "while evaluating the first argument of the subtraction",
          "while evaluating the second argument of the subtraction"),
    # sic: Nix's text for a float multiplication lacks "argument"
    "*": ("multiplying", "while evaluating the first argument of the multiplication",
          "while evaluating the second argument of the multiplication"),
    "/": ("dividing", "while evaluating the first operand of the division",
          "while evaluating the second operand of the division"),
}


def arith(op: str, a: Any, b: Any) -> Any:
    """``-``, ``*`` and ``/`` (``__sub``, ``__mul``, ``__div``) on forced
    operands, with the errors of Nix's primops (which carry no position)."""
    ta, tb = type(a), type(b)
    verb, first, second = _ARITH[op]
    if op == "/":
        divisor = _as_float(b, second)
        if divisor == 0:
            raise NixError("division by zero")
        if ta is float or tb is float:
            return _as_float(a, first) / divisor
        a = _as_int(a, first)
        b = _as_int(b, second)
        q = abs(a) // abs(b)  # C++ truncates towards zero
        q = q if (a < 0) == (b < 0) else -q
        return _checked(q, verb, a, b, "/", None)
    if ta is float or tb is float:
        if op == "-":
            return _as_float(a, first) - _as_float(b, second)
        return (_as_float(a, "while evaluating the first of the multiplication")
                * _as_float(b, second))
    a = _as_int(a, first)
    b = _as_int(b, second)
    if op == "-":
        return _checked(a - b, verb, a, b, "-", None)
    return _checked(a * b, verb, a, b, "*", None)


def _as_int(v: Any, ctx: str) -> int:
    if type(v) is not int:
        raise type_error("an integer", v).with_trace(ctx)
    return v


def _as_float(v: Any, ctx: str) -> float:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    raise type_error("a float", v).with_trace(ctx)


def equal(a: Any, b: Any) -> bool:
    """Nix's ``==``: deep, numbers across int/float, derivations by outPath."""
    if type(a) is Thunk:
        a = a.force()
    if type(b) is Thunk:
        b = b.force()
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is bool or a is None):
        return a == b
    if ta in (int, float) and tb in (int, float):
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


def less_than(a: Any, b: Any, pos: Pos = None, ctx: str = "") -> bool:
    """Nix's ``<`` (``__lessThan``, CompareValues): numbers, strings, paths,
    lists lexicographically."""
    a = force(a)
    b = force(b)
    try:
        ta, tb = type(a), type(b)
        if ta in (int, float) and tb in (int, float):
            return a < b
        if isinstance(a, str) and isinstance(b, str):
            if a.isascii() and b.isascii():  # byte order is code point order
                return str.__lt__(a, b)
            return a.encode("utf-8", "surrogateescape") < b.encode("utf-8", "surrogateescape")
        from .printer import show_brief

        if ta is not tb:
            raise NixError(f"cannot compare {show_type(a)} with {show_type(b)}; values are "
                           f"{show_brief(a)} and {show_brief(b)}")
        if ta is NixPath:
            return a.path < b.path
        if ta is list:
            for i in range(len(b)):
                if i == len(a):
                    return True
                if not equal(a[i], b[i]):
                    return less_than(a[i], b[i], pos, "while comparing two list elements")
            return False
        raise NixError(f"cannot compare {show_type(a)} with {show_type(b)}; values of that "
                       f"type are incomparable (values are {show_brief(a)} and {show_brief(b)})")
    except NixError as e:
        if ctx:
            e.add_trace(ctx)
        raise


def force_at(v: Any, pos: Pos) -> Any:
    """Nix's forceValue(v, pos): ``pos`` is where an infinite recursion is
    reported when ``v`` is the value already under evaluation."""
    if type(v) is not Thunk:
        return v
    if v.code is None:  # forced before, nothing to log again
        return v.value
    try:
        return v.force()
    except InfiniteRecursion as e:
        if e.thunk is v and e.pos is None:
            e.pos = pos
        raise


# Nix's forceX(v, pos, errorCtx). Two families, as in Nix: for Booleans,
# integers, floats, strings and functions any error gets the context frame and a
# type error is placed at ``pos``; for sets and lists only the type error gets
# the frame, and no position of its own.

def force_bool(v: Any, pos: Pos = None, ctx: str = "") -> bool:
    if type(v) is bool:
        return v
    try:
        v = force_at(v, pos)
        if type(v) is not bool:
            raise type_error("a Boolean", v, pos)
    except NixError as e:
        if ctx:
            e.add_trace(ctx, pos)
        raise
    return v


def force_int(v: Any, pos: Pos = None, ctx: str = "") -> int:
    if type(v) is int:
        return v
    try:
        v = force_at(v, pos)
        if type(v) is not int:
            raise type_error("an integer", v, pos)
    except NixError as e:
        if ctx:
            e.add_trace(ctx, pos)
        raise
    return v


def force_float(v: Any, pos: Pos = None, ctx: str = "") -> float:
    """A float; an integer is converted."""
    try:
        v = force_at(v, pos)
        if type(v) is int:
            return float(v)
        if type(v) is not float:
            raise type_error("a float", v, pos)
    except NixError as e:
        if ctx:
            e.add_trace(ctx, pos)
        raise
    return v


def force_function(v: Any, pos: Pos = None, ctx: str = "") -> Any:
    try:
        v = force_at(v, pos)
        t = type(v)
        if t not in (Lambda, PrimOp, PrimOpApp) and not (t is Attrs and "__functor" in v.vals):
            raise type_error("a function", v, pos)
    except NixError as e:
        if ctx:
            e.add_trace(ctx, pos)
        raise
    return v


def force_attrs(v: Any, pos: Pos = None, ctx: str = "") -> Attrs:
    if type(v) is Attrs:
        return v
    v = force_at(v, pos)
    if type(v) is not Attrs:
        raise type_error("a set", v).with_trace(ctx, pos)
    return v


def force_list(v: Any, pos: Pos = None, ctx: str = "") -> list:
    if type(v) is list:
        return v
    v = force_at(v, pos)
    if type(v) is not list:
        raise type_error("a list", v).with_trace(ctx, pos)
    return v


def force_string(v: Any, pos: Pos = None, ctx: str = "") -> str:
    """A string value (context kept)."""
    if type(v) is str:
        return v
    try:
        v = force_at(v, pos)
        if not isinstance(v, str):
            raise type_error("a string", v, pos)
    except NixError as e:
        if ctx:
            e.add_trace(ctx, pos)
        raise
    return v


def get_attr(attrs: Attrs, name: str, ctx: str) -> Any:
    """Nix's EvalState::getAttr: the (unforced) attribute, or an error with
    ``ctx`` as its frame."""
    v = attrs.vals.get(name, _MISSING)
    if v is _MISSING:
        raise TypeMismatch(f"attribute '{name}' missing").with_trace(ctx)
    return v


_MISSING = object()


def force_string_no_context(v: Any, pos: Pos = None, ctx: str = "") -> str:
    s = force_string(v, pos, ctx)
    if type(s) is ContextStr and s.context:
        raise NixError(f"the string '{s}' is not allowed to refer to a store path "
                       f"(such as '{sorted(s.context)[0].lstrip('=!').split('!')[-1]}')"
                       ).with_trace(ctx, pos)
    return str(s)


def format_float(x: float) -> str:
    """``toString`` of a float: C's ``%f`` (std::to_string)."""
    return f"{x:f}"


def coerce_to_string(state: EvalState, v: Any, pos: Pos = None, ctx: str = "", *,
                     coerce_more: bool = False, copy_to_store: bool = True,
                     canonicalize: bool = True) -> str:
    """Nix's coerceToString: strings as they are, paths (copied to the store when
    interpolated), sets through ``__toString`` or ``outPath``; with
    ``coerce_more`` (``toString``) also numbers, Booleans, null and lists.
    ``ctx`` is the frame a failure gets, at ``pos``."""
    v = force_at(v, pos)
    t = type(v)
    if t is str or t is ContextStr:
        return v
    if t is NixPath:
        if copy_to_store:
            return state.copy_path_to_store(v, pos)
        return v.path
    if t is Attrs:
        def coerce_peeled(peeled: Any, _: bool) -> str:
            if type(peeled) is Attrs:
                from .printer import show_brief

                raise TypeMismatch(f"cannot coerce {show_type(peeled)} to a string: "
                                   f"{show_brief(peeled)}").with_trace(ctx, pos)
            return coerce_to_string(state, peeled, pos, ctx, coerce_more=coerce_more,
                                    copy_to_store=copy_to_store)

        return peel(state, v, pos, False, coerce_peeled)
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
                try:
                    parts.append(coerce_to_string(state, item, pos,
                                                  "while evaluating one element of the list",
                                                  coerce_more=True,
                                                  copy_to_store=copy_to_store,
                                                  canonicalize=canonicalize))
                except NixError as e:
                    e.add_trace(ctx, pos)
                    raise
                # as Nix: no space after an empty list (its own comment: "not quite correct")
                if i < len(v) - 1 and force(item) != []:
                    parts.append(" ")
            return concat_strings(parts)
    from .printer import show_brief

    raise TypeMismatch(f"cannot coerce {show_type(v)} to a string: "
                       f"{show_brief(v)}").with_trace(ctx, pos)


def peel(state: EvalState, v: Any, pos: Pos, check_return: bool, done: Any,
         came_through_to_string: bool = False) -> Any:
    """Nix's peelToStringOutPath: follow a set's ``__toString`` (called) or
    ``outPath`` to what it stands for, and hand that to ``done(value,
    came_through_to_string)``; each step adds its frame to errors on the way."""
    v = force_at(v, pos)
    if type(v) is not Attrs:
        if check_return and came_through_to_string and not isinstance(v, (str, NixPath)):
            from .printer import show_brief

            raise TypeMismatch(f"`__toString` should return a string, but got "
                               f"{show_type(v)}: {show_brief(v)}", pos)
        return done(v, came_through_to_string)
    to_string = v.vals.get("__toString")
    if to_string is not None:
        fpos = v.pos.get("__toString") if v.pos else None
        try:
            result = state.call(to_string, v, fpos)
        except NixError as e:
            e.add_trace("while calling the `__toString` attribute", fpos)
            raise
        try:
            return peel(state, result, fpos, check_return, done, True)
        except NixError as e:
            e.add_trace(f"while {_using(result)} the result of the `__toString` attribute", fpos)
            raise
    out_path = v.vals.get("outPath")
    if out_path is not None:
        opos = v.pos.get("outPath") if v.pos else None
        try:
            return peel(state, out_path, opos, check_return, done, came_through_to_string)
        except NixError as e:
            e.add_trace(f"while {_using(out_path)} the `outPath` attribute", opos)
            raise
    if check_return and came_through_to_string:
        from .printer import show_brief

        raise TypeMismatch(f"`__toString` must return a string, but got {show_type(v)}: "
                           f"{show_brief(v)}", pos)
    return done(v, came_through_to_string)


def _using(v: Any) -> str:
    # Nix's WhileTryingToUse: a value that never got evaluated is being evaluated
    return "evaluating" if type(v) is Thunk and v.code is not None \
        and type(v.code) is not Span else "using"


def concat_strings(parts: list[str]) -> str:
    """Join strings, uniting their contexts."""
    context: frozenset[str] = frozenset()
    for p in parts:
        if type(p) is ContextStr:
            context = context | p.context
    return make_string("".join(parts), context)




def force_deep(state: EvalState, v: Any) -> Any:
    """Nix's forceValueDeep: force everything inside ``v``; an error names the
    attributes and list elements it was found under. Each level counts
    towards max-call-depth, as in Nix."""
    seen: set[int] = set()
    limit = state.max_call_depth

    def recurse(v: Any) -> None:
        depth = state.call_depth
        pos = determine_pos(v)
        if depth > limit:
            raise NixError("stack overflow; max-call-depth exceeded", pos)
        key = id(v)
        if key in seen:
            return
        seen.add(key)
        state.call_depth = depth + 1
        try:
            if type(v) is Thunk:
                if is_app(v):
                    # forcing it calls the function, one level deeper
                    if depth + 1 > limit:
                        raise NixError("stack overflow; max-call-depth exceeded", pos)
                    set_call_site(v, pos)
                v = force_at(v, pos)
            t = type(v)
            if t is Attrs:
                vals = v.vals
                for name in symbol_order(vals):
                    try:
                        recurse(vals[name])
                    except NixError as e:
                        e.add_trace(f"while evaluating the attribute '{name}'",
                                    v.pos.get(name) if v.pos else None)
                        raise
            elif t is list:
                for i, item in enumerate(v):
                    try:
                        recurse(item)
                    except NixError as e:
                        e.add_trace(f"while evaluating list element at index {i}")
                        raise
        finally:
            state.call_depth = depth

    recurse(v)
    return force(v)
