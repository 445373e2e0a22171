"""Attribute-set builtins."""

from __future__ import annotations

from typing import Any

from ..errors import NixError
from ..ops import force_attrs, force_list, force_string_no_context
from ..values import Attrs, Thunk, force
from . import primop


@primop("__attrNames", 1)
def attr_names(state, a: Any) -> list:
    return force_attrs(a, None).names()


@primop("__attrValues", 1)
def attr_values(state, a: Any) -> list:
    attrs = force_attrs(a, None)
    return [attrs.vals[n] for n in attrs.names()]


@primop("__getAttr", 2)
def get_attr(state, name: Any, a: Any) -> Any:
    n = force_string_no_context(name, None)
    attrs = force_attrs(a, None)
    if n not in attrs.vals:
        raise NixError(f"attribute '{n}' missing")
    return attrs.get(n)


@primop("__hasAttr", 2)
def has_attr(state, name: Any, a: Any) -> bool:
    return force_string_no_context(name, None) in force_attrs(a, None).vals


@primop("removeAttrs", 2)
def remove_attrs(state, a: Any, names: Any) -> Attrs:
    attrs = force_attrs(a, None)
    drop = {force_string_no_context(n, None) for n in force_list(names, None)}
    return Attrs({k: v for k, v in attrs.vals.items() if k not in drop}, attrs.pos)


@primop("__intersectAttrs", 2)
def intersect_attrs(state, a: Any, b: Any) -> Attrs:
    left = force_attrs(a, None)
    right = force_attrs(b, None)
    return Attrs({k: v for k, v in right.vals.items() if k in left.vals}, right.pos)


@primop("__mapAttrs", 2)
def map_attrs(state, f: Any, a: Any) -> Attrs:
    attrs = force_attrs(a, None)
    call = state.call

    def apply(name: str, v: Any) -> Thunk:
        return Thunk(lambda env: call(call(f, name, None), v, None), None)

    # as Nix: the new set's attributes have no positions
    return Attrs({k: apply(k, v) for k, v in attrs.vals.items()})


@primop("__catAttrs", 2)
def cat_attrs(state, name: Any, xs: Any) -> list:
    n = force_string_no_context(name, None)
    out = []
    for item in force_list(xs, None):
        attrs = force_attrs(item, None)
        if n in attrs.vals:
            out.append(attrs.vals[n])
    return out


@primop("__zipAttrsWith", 2)
def zip_attrs_with(state, f: Any, xs: Any) -> Attrs:
    collected: dict[str, list] = {}
    for item in force_list(xs, None):
        for k, v in force_attrs(item, None).vals.items():
            collected.setdefault(k, []).append(v)
    call = state.call

    def apply(name: str, values: list) -> Thunk:
        return Thunk(lambda env: call(call(f, name, None), values, None), None)

    return Attrs({k: apply(k, vs) for k, vs in collected.items()})


@primop("__genericClosure", 1)
def generic_closure(state, args: Any) -> list:
    from ..ops import less_than

    params = force_attrs(args, None)
    for required in ("startSet", "operator"):
        if required not in params.vals:
            raise NixError(f"attribute '{required}' missing")
    work = list(force_list(params.vals["startSet"], None))
    op = params.vals["operator"]
    done: list = []
    keys: list = []  # kept sorted: Nix keeps them in a std::set ordered by `<`
    while work:
        attrs = force_attrs(work.pop(0), None)
        if "key" not in attrs.vals:
            raise NixError("attribute 'key' missing")
        key = force(attrs.vals["key"])
        lo, hi = 0, len(keys)
        while lo < hi:  # binary search with Nix's comparison (it may throw, as in Nix)
            mid = (lo + hi) // 2
            if less_than(keys[mid], key, None):
                lo = mid + 1
            else:
                hi = mid
        if lo < len(keys) and not less_than(key, keys[lo], None):
            continue  # an equal key was seen
        keys.insert(lo, key)
        done.append(attrs)
        work.extend(force_list(state.call(op, attrs, None), None))
    return done
