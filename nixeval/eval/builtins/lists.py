"""List builtins."""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from ..errors import NixError
from ..ops import equal, force_bool, force_int, force_list, force_string_no_context
from ..values import Attrs, Lambda, PrimOp, PrimOpApp, Thunk, force, type_error
from . import primop


@primop("map", 2)
def map_(state, f: Any, xs: Any) -> list:
    call = state.call
    return [_applied(call, f, x) for x in force_list(xs, None)]


def _applied(call, f: Any, x: Any) -> Thunk:
    return Thunk(lambda env: call(f, x, None), None)


@primop("__filter", 2)
def filter_(state, f: Any, xs: Any) -> list:
    items = force_list(xs, None)
    kept = [x for x in items if force_bool(state.call(f, x, None), None)]
    return items if len(kept) == len(items) else kept


@primop("__length", 1)
def length(state, xs: Any) -> int:
    return len(force_list(xs, None))


@primop("__head", 1)
def head(state, xs: Any) -> Any:
    items = force_list(xs, None)
    if not items:
        raise NixError("'builtins.head' called on an empty list")
    return force(items[0])


@primop("__tail", 1)
def tail(state, xs: Any) -> list:
    items = force_list(xs, None)
    if not items:
        raise NixError("'builtins.tail' called on an empty list")
    return items[1:]


@primop("__elemAt", 2)
def elem_at(state, xs: Any, n: Any) -> Any:
    items = force_list(xs, None)
    i = force_int(n, None)
    if not 0 <= i < len(items):
        raise NixError(f"'builtins.elemAt' called with index {i} on a list of size "
                       f"{len(items)}")
    return force(items[i])


@primop("__elem", 2)
def elem(state, x: Any, xs: Any) -> bool:
    return any(equal(x, y) for y in force_list(xs, None))


@primop("__foldl'", 3)
def foldl(state, op: Any, nul: Any, xs: Any) -> Any:
    acc = nul
    call = state.call
    for x in force_list(xs, None):
        acc = call(call(op, acc, None), x, None)
    return force(acc)


@primop("__genList", 2)
def gen_list(state, f: Any, n: Any) -> list:
    count = force_int(n, None)
    if count < 0:
        raise NixError(f"cannot create list of size {count}")
    call = state.call
    return [Thunk(lambda env, i=i: call(f, i, None), None) for i in range(count)]


@primop("__concatLists", 1)
def concat_lists(state, xss: Any) -> list:
    out: list = []
    for xs in force_list(xss, None):
        out.extend(force_list(xs, None))
    return out


@primop("__concatMap", 2)
def concat_map(state, f: Any, xs: Any) -> list:
    out: list = []
    for x in force_list(xs, None):
        out.extend(force_list(state.call(f, x, None), None))
    return out


@primop("__all", 2)
def all_(state, f: Any, xs: Any) -> bool:
    return all(force_bool(state.call(f, x, None), None) for x in force_list(xs, None))


@primop("__any", 2)
def any_(state, f: Any, xs: Any) -> bool:
    return any(force_bool(state.call(f, x, None), None) for x in force_list(xs, None))


@primop("__sort", 2)
def sort(state, cmp: Any, xs: Any) -> list:
    items = list(force_list(xs, None))
    if items:  # as Nix: the comparator must be a function once there is work to do
        f = force(cmp)
        if type(f) not in (Lambda, PrimOp, PrimOpApp) and not (
                type(f) is Attrs and "__functor" in f.vals):
            raise type_error("a function", f)
    call = state.call

    def compare(a: Any, b: Any) -> int:
        if force_bool(call(call(cmp, a, None), b, None), None):
            return -1
        if force_bool(call(call(cmp, b, None), a, None), None):
            return 1
        return 0

    return sorted(items, key=cmp_to_key(compare))  # stable, as Nix's std::stable_sort


@primop("__partition", 2)
def partition(state, f: Any, xs: Any) -> Attrs:
    right, wrong = [], []
    for x in force_list(xs, None):
        (right if force_bool(state.call(f, x, None), None) else wrong).append(x)
    return Attrs({"right": right, "wrong": wrong})


@primop("__groupBy", 2)
def group_by(state, f: Any, xs: Any) -> Attrs:
    groups: dict[str, list] = {}
    for x in force_list(xs, None):
        key = force_string_no_context(state.call(f, x, None), None)
        groups.setdefault(key, []).append(x)
    return Attrs(dict(groups))


@primop("__listToAttrs", 1)
def list_to_attrs(state, xs: Any) -> Attrs:
    vals: dict[str, Any] = {}
    for item in force_list(xs, None):
        pair = force(item)
        if type(pair) is not Attrs:
            raise NixError("expected a set but found " + type(pair).__name__)
        if "name" not in pair.vals:
            raise NixError("attribute 'name' missing")
        name = force_string_no_context(pair.vals["name"], None)
        if name not in vals:  # the first occurrence wins
            if "value" not in pair.vals:
                raise NixError("attribute 'value' missing")
            vals[name] = pair.vals["value"]
    return Attrs(vals)
