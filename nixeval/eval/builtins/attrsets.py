"""Attribute-set builtins."""

from __future__ import annotations

from typing import Any

from ..errors import NixError
from ..ops import force_attrs, force_function, force_list, force_string_no_context, get_attr
from ..values import Attrs, app2, force
from . import primop


@primop("__attrNames", 1)
def attr_names(state, a: Any) -> list:
    attrs = force_attrs(a, None, "while evaluating the argument passed to builtins.attrNames")
    return attrs.names()


@primop("__attrValues", 1)
def attr_values(state, a: Any) -> list:
    attrs = force_attrs(a, None, "while evaluating the argument passed to builtins.attrValues")
    return [attrs.vals[n] for n in attrs.names()]


@primop("__getAttr", 2)
def get_attr_(state, name: Any, a: Any) -> Any:
    n = force_string_no_context(name, None,
                                "while evaluating the first argument passed to builtins.getAttr")
    attrs = force_attrs(a, None, "while evaluating the second argument passed to builtins.getAttr")
    return force(get_attr(attrs, n, "in the attribute set under consideration"))


@primop("__hasAttr", 2)
def has_attr(state, name: Any, a: Any) -> bool:
    n = force_string_no_context(name, None,
                                "while evaluating the first argument passed to builtins.hasAttr")
    return n in force_attrs(a, None,
                            "while evaluating the second argument passed to builtins.hasAttr").vals


@primop("removeAttrs", 2)
def remove_attrs(state, a: Any, names: Any) -> Attrs:
    attrs = force_attrs(a, None,
                        "while evaluating the first argument passed to builtins.removeAttrs")
    items = force_list(names, None,
                       "while evaluating the second argument passed to builtins.removeAttrs")
    ctx = "while evaluating the values of the second argument passed to builtins.removeAttrs"
    drop = {force_string_no_context(n, None, ctx) for n in items}
    return Attrs({k: v for k, v in attrs.vals.items() if k not in drop}, attrs.pos)


@primop("__intersectAttrs", 2)
def intersect_attrs(state, a: Any, b: Any) -> Attrs:
    left = force_attrs(a, None,
                       "while evaluating the first argument passed to builtins.intersectAttrs")
    right = force_attrs(b, None,
                        "while evaluating the second argument passed to builtins.intersectAttrs")
    names, values = left.vals, right.vals
    if len(names) <= len(values):  # callPackage's: a function's formals, the package set
        return Attrs({k: values[k] for k in names if k in values}, right.pos)
    return Attrs({k: v for k, v in values.items() if k in names}, right.pos)


@primop("__mapAttrs", 2)
def map_attrs(state, f: Any, a: Any) -> Attrs:
    attrs = force_attrs(a, None, "while evaluating the second argument passed to builtins.mapAttrs")
    # as Nix: `f name value` unevaluated, and the new set's attributes have no positions
    return Attrs({k: app2(state, f, k, v, opaque=True) for k, v in attrs.vals.items()})


@primop("__catAttrs", 2)
def cat_attrs(state, name: Any, xs: Any) -> list:
    n = force_string_no_context(name, None,
                                "while evaluating the first argument passed to builtins.catAttrs")
    items = force_list(xs, None, "while evaluating the second argument passed to builtins.catAttrs")
    ctx = "while evaluating an element in the list passed as second argument to builtins.catAttrs"
    out = []
    for item in items:
        attrs = force_attrs(item, None, ctx)
        if n in attrs.vals:
            out.append(attrs.vals[n])
    return out


@primop("__zipAttrsWith", 2)
def zip_attrs_with(state, f: Any, xs: Any) -> Attrs:
    force_function(f, None, "while evaluating the first argument passed to builtins.zipAttrsWith")
    items = force_list(xs, None,
                       "while evaluating the second argument passed to builtins.zipAttrsWith")
    ctx = "while evaluating a value of the list passed as second argument to builtins.zipAttrsWith"
    collected: dict[str, list] = {}
    for item in items:
        for k, v in force_attrs(item, None, ctx).vals.items():
            collected.setdefault(k, []).append(v)
    return Attrs({k: app2(state, f, k, vs) for k, vs in collected.items()})


@primop("__genericClosure", 1)
def generic_closure(state, args: Any) -> list:
    from ..ops import less_than
    from ..printer import show_brief

    params = force_attrs(args, None,
                         "while evaluating the first argument passed to builtins.genericClosure")
    ctx = "in the attrset passed as argument to builtins.genericClosure"
    start = force_list(get_attr(params, "startSet", ctx), None,
                       "while evaluating the 'startSet' attribute passed as argument to "
                       "builtins.genericClosure")
    if not start:
        return start
    work = list(start)
    op = force_function(get_attr(params, "operator", ctx), None,
                        "while evaluating the 'operator' attribute passed as argument to "
                        "builtins.genericClosure")
    done: list = []
    keys: list = []  # kept sorted: Nix keeps them in a std::map ordered by `<`
    elems: list = []  # the element each key came from
    while work:
        e = work.pop(0)
        try:
            attrs = force_attrs(e, None)
            key = force(get_attr(attrs, "key", ""))
        except NixError as err:
            err.add_trace(f"in genericClosure element {show_brief(force(e))}")
            raise
        try:
            # std::map's insertion compares the new key first
            lo, hi = 0, len(keys)
            while lo < hi:
                mid = (lo + hi) // 2
                if less_than(key, keys[mid]):
                    hi = mid
                else:
                    lo = mid + 1
            if lo > 0 and not less_than(keys[lo - 1], key):
                continue  # an equal key was seen
        except NixError as err:
            other = None
            for k, elem in zip(keys, elems, strict=True):
                try:
                    less_than(key, k)
                except NixError:
                    other = elem
                    break
            if other is not None:
                err.add_trace(f"with element {show_brief(other)}")
                err.add_trace(f"while comparing element {show_brief(attrs)}")
            else:
                err.add_trace(f"while checking key of element {show_brief(attrs)}")
            raise
        keys.insert(lo, key)
        elems.insert(lo, attrs)
        done.append(attrs)
        try:
            for x in force_list(state.call(op, attrs, None), None,
                                "while evaluating the return value of the `operator` passed "
                                "to builtins.genericClosure"):
                work.append(force(x))
        except NixError as err:
            err.add_trace(f"while calling operator on genericClosure element {show_brief(attrs)}")
            raise
    return done
