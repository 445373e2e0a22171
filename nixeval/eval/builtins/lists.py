"""List builtins."""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from ..compiler import call_frames
from ..env import Env
from ..errors import NixError, OutOfMemory, reserve
from ..ops import (
    equal,
    force_attrs,
    force_bool,
    force_function,
    force_int,
    force_list,
    force_string_no_context,
    get_attr,
    less_than,
)
from ..values import Attrs, Lambda, PrimOp, Thunk, app, determine_pos, force
from . import primop


@primop("map", 2)
def map_(state, f: Any, xs: Any) -> list:
    items = force_list(xs, None, "while evaluating the second argument passed to builtins.map")
    if not items:
        return items
    force_function(f, None, "while evaluating the first argument passed to builtins.map")
    return [app(state, f, x) for x in items]


@primop("__filter", 2)
def filter_(state, f: Any, xs: Any) -> list:
    items = force_list(xs, None, "while evaluating the second argument passed to builtins.filter")
    if not items:
        return items
    force_function(f, None, "while evaluating the first argument passed to builtins.filter")
    call = state.call
    ctx = "while evaluating the return value of the filtering function passed to builtins.filter"
    kept = [x for x in items if force_bool(call(f, x, None), None, ctx)]
    return items if len(kept) == len(items) else kept


@primop("__length", 1)
def length(state, xs: Any) -> int:
    return len(force_list(xs, None,
                          "while evaluating the first argument passed to builtins.length"))


@primop("__head", 1)
def head(state, xs: Any) -> Any:
    items = force_list(xs, None, "while evaluating the first argument passed to 'builtins.head'")
    if not items:
        raise NixError("'builtins.head' called on an empty list")
    return force(items[0])


@primop("__tail", 1)
def tail(state, xs: Any) -> list:
    items = force_list(xs, None, "while evaluating the first argument passed to 'builtins.tail'")
    if not items:
        raise NixError("'builtins.tail' called on an empty list")
    return items[1:]


@primop("__elemAt", 2)
def elem_at(state, xs: Any, n: Any) -> Any:
    i = force_int(n, None, "while evaluating the second argument passed to 'builtins.elemAt'")
    items = force_list(xs, None, "while evaluating the first argument passed to 'builtins.elemAt'")
    if not 0 <= i < len(items):
        raise NixError(f"'builtins.elemAt' called with index {i} on a list of size "
                       f"{len(items)}")
    return force(items[i])


@primop("__elem", 2)
def elem(state, x: Any, xs: Any) -> bool:
    items = force_list(xs, None, "while evaluating the second argument passed to builtins.elem")
    if not items:
        return False  # as Nix: x is only forced to compare it with an element
    if type(x) is Thunk:
        x = x.force()
    if type(x) is int or isinstance(x, str):
        # ``equal`` inline: against an integer or a string, Python's == is Nix's
        # for every value but a Boolean (1 == true in Python)
        for y in items:
            if type(y) is Thunk:
                y = y.force()
            if y == x and type(y) is not bool:
                return True
        return False
    return any(equal(x, y) for y in items)


@primop("__foldl'", 3)
def foldl(state, op: Any, nul: Any, xs: Any) -> Any:
    f = force_function(op, None,
                       "while evaluating the first argument passed to builtins.foldlStrict")
    items = force_list(xs, None,
                       "while evaluating the third argument passed to builtins.foldlStrict")
    acc = nul
    call = state.call
    if type(f) is Lambda and f.fn.formals is None and not state.counting_calls:
        # the first of the two calls as state.call makes it, inline: ``acc: x: …``
        # makes the function the second call applies
        fc, fenv = f.fn, f.env
        body = fc.body
        for x in items:
            try:
                g = body(Env([acc], fenv))
            except NixError as e:
                if state.show_trace:
                    call_frames(e, fc, None)
                raise
            acc = call(g, x, None)
        return force(acc)
    for x in items:
        acc = call(call(op, acc, None), x, None)
    return force(acc)


@primop("__genList", 2)
def gen_list(state, f: Any, n: Any) -> list:
    count = force_int(n, None, "while evaluating the second argument passed to builtins.genList")
    if count < 0:
        raise NixError(f"cannot create list of size {count}")
    force_function(f, None, "while evaluating the first argument passed to builtins.genList")
    reserve(count * _BYTES_PER_APP)  # as Nix, which allocates the whole list first
    try:
        return [app(state, f, i) for i in range(count)]
    except MemoryError:
        raise OutOfMemory() from None


# what one element of genList's list takes at least: its slot, the thunk and
# the thunk's environment
_BYTES_PER_APP = 160


@primop("__concatLists", 1)
def concat_lists(state, xss: Any) -> list:
    out: list = []
    ctx = "while evaluating a value of the list passed to builtins.concatLists"
    for xs in force_list(xss, None,
                         "while evaluating the first argument passed to builtins.concatLists"):
        out.extend(xs if type(xs) is list else force_list(xs, None, ctx))
    return out


@primop("__concatMap", 2)
def concat_map(state, f: Any, xs: Any) -> list:
    force_function(f, None, "while evaluating the first argument passed to builtins.concatMap")
    items = force_list(xs, None,
                       "while evaluating the second argument passed to builtins.concatMap")
    out: list = []
    ctx = "while evaluating the return value of the function passed to builtins.concatMap"
    for x in items:
        result = state.call(f, x, None)
        out.extend(force_list(result, determine_pos(result, determine_pos(f)), ctx))
    return out


def _any_or_all(state, f: Any, xs: Any, name: str, stop: bool) -> bool:
    force_function(f, None, f"while evaluating the first argument passed to builtins.{name}")
    items = force_list(xs, None, f"while evaluating the second argument passed to builtins.{name}")
    ctx = f"while evaluating the return value of the function passed to builtins.{name}"
    call = state.call
    for x in items:
        if force_bool(call(f, x, None), None, ctx) is stop:
            return stop
    return not stop


@primop("__all", 2)
def all_(state, f: Any, xs: Any) -> bool:
    return _any_or_all(state, f, xs, "all", False)


@primop("__any", 2)
def any_(state, f: Any, xs: Any) -> bool:
    return _any_or_all(state, f, xs, "any", True)


@primop("__sort", 2)
def sort(state, cmp: Any, xs: Any) -> list:
    items = list(force_list(xs, None,
                            "while evaluating the second argument passed to builtins.sort"))
    if not items:
        return items
    f = force_function(cmp, None, "while evaluating the first argument passed to builtins.sort")
    for x in items:
        force(x)
    call = state.call
    if type(f) is PrimOp and f.name == "lessThan":
        def less(a: Any, b: Any) -> bool:
            return less_than(a, b, None,
                             "while evaluating the ordering function passed to builtins.sort")
    else:
        ctx = "while evaluating the return value of the sorting function passed to builtins.sort"

        def less(a: Any, b: Any) -> bool:
            return force_bool(call(call(cmp, a, None), b, None), None, ctx)

    def compare(a: Any, b: Any) -> int:
        if less(a, b):
            return -1
        if less(b, a):
            return 1
        return 0

    return sorted(items, key=cmp_to_key(compare))  # stable, as Nix's std::stable_sort


@primop("__partition", 2)
def partition(state, f: Any, xs: Any) -> Attrs:
    force_function(f, None, "while evaluating the first argument passed to builtins.partition")
    items = force_list(xs, None,
                       "while evaluating the second argument passed to builtins.partition")
    ctx = "while evaluating the return value of the partition function passed to builtins.partition"
    right, wrong = [], []
    for x in items:
        force(x)
        (right if force_bool(state.call(f, x, None), None, ctx) else wrong).append(x)
    return Attrs({"right": right, "wrong": wrong})


@primop("__groupBy", 2)
def group_by(state, f: Any, xs: Any) -> Attrs:
    force_function(f, None, "while evaluating the first argument passed to builtins.groupBy")
    items = force_list(xs, None, "while evaluating the second argument passed to builtins.groupBy")
    ctx = "while evaluating the return value of the grouping function passed to builtins.groupBy"
    groups: dict[str, list] = {}
    for x in items:
        key = force_string_no_context(state.call(f, x, None), None, ctx)
        groups.setdefault(key, []).append(x)
    return Attrs(dict(groups))


@primop("__listToAttrs", 1)
def list_to_attrs(state, xs: Any) -> Attrs:
    items = force_list(xs, None, "while evaluating the argument passed to builtins.listToAttrs")
    pairs = []
    for item in items:
        pair = force_attrs(item, None,
                           "while evaluating an element of the list passed to builtins.listToAttrs")
        name = get_attr(pair, "name", "in a {name=...; value=...;} pair")
        pairs.append((force_string_no_context(
            name, pair.pos.get("name") if pair.pos else None,
            "while evaluating the `name` attribute of an element of the list passed to "
            "builtins.listToAttrs"), pair))
    vals: dict[str, Any] = {}
    positions: dict[str, Any] = {}
    for name, pair in pairs:
        if name not in vals:  # the first occurrence wins
            vals[name] = get_attr(pair, "value", "in a {name=...; value=...;} pair")
            positions[name] = pair.pos.get("value") if pair.pos else None
    return Attrs(vals, positions)
