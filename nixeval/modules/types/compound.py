"""Types built from other types: listOf, nonEmptyListOf, attrsWith (attrsOf,
lazyAttrsOf), unique and uniq, nullOr, functionTo, either, oneOf, coercedTo,
addCheck. Each element is merged as lib's ``mergeDefinitions`` does, under
the location lib gives it."""

from __future__ import annotations

from typing import Any

from ...eval.ops import equal, force_bool, force_list
from ...eval.values import Attrs, app, force, once, type_error
from ..definitions import Def, Merge, v2_of
from ..nix import formals, lazy, select, select_or, throw
from .core import EMPTY, TypeLib, check_fn, checked, loc_plus, merge_fn, prim, update

COMPOSITE = ("noun", "composite")
CONJUNCTION = ("noun", "conjunction")


def compound_types(tl: TypeLib) -> dict[str, Any]:
    lib = tl.lib
    state = tl.state
    types = tl.types
    t: dict[str, Any] = {}

    def sub(elem: Any, part: str) -> Any:
        return select(elem, part)

    def subst(ctor: Any, elem: Any) -> Any:
        """``m: ctor (elem.substSubModules m)``."""
        return prim("substSubModules", 1,
                    lambda m: tl.call(ctor, lazy(tl.call, sub(elem, "substSubModules"), m)))

    def sub_options(elem: Any, suffix: str | None) -> Any:
        if suffix is None:
            return sub(elem, "getSubOptions")
        return prim("getSubOptions", 1, lambda prefix: tl.call(
            sub(elem, "getSubOptions"), loc_plus(prefix, suffix)))

    def elem_type_ctor(name: str) -> Any:
        return prim(name, 1, lambda p: tl.call(types[name], select(p, "elemType")))

    def wrapping(name: str, elem: Any) -> dict[str, Any]:
        """What a type around one element type has of it: sub-modules, their
        substitution, lib's ``elemTypeFunctor`` and ``nestedTypes.elemType``."""
        functor = tl.wrapped_functor(name, elem) if tl.wraps(name) else \
            tl.elem_functor(name, Attrs({"elemType": elem}), elem_type_ctor(name))
        return {"get_sub_modules": sub(elem, "getSubModules"),
                "subst_sub_modules": subst(t[name], elem),
                "functor": functor,
                "nested_types": Attrs({"elemType": elem})}

    # listOf --------------------------------------------------------------------------
    def is_list(v: Any) -> bool:
        return type(force(v)) is list

    def list_of(elem: Any) -> Attrs:
        def merge(loc: Any, defs: list[Def]) -> Attrs:
            @once
            def evals() -> list[Merge]:
                out = []
                for n, d in enumerate(defs, 1):
                    for m, v in enumerate(force_list(d.value), 1):
                        merged = Merge(lib, loc_plus(loc, f"[definition {n}-entry {m}]"), elem,
                                       [Def(d.file, v, d.pos)])
                        if merged.is_defined:
                            out.append(merged)
                return out

            return checked(
                lazy(tl.defs_error, is_list, defs),
                lazy(lambda: [lazy(m.merged_value) for m in evals()]),
                Attrs({"list": lazy(lambda: [lazy(m.value_meta) for m in evals()])}))

        return tl.make(
            "listOf",
            description=lazy(lambda: "list of " + tl.phrase(elem, COMPOSITE)),
            description_class="composite",
            **tl.typed(is_list, merge),
            empty_value=Attrs({"value": []}),
            get_sub_options=sub_options(elem, "*"),
            **wrapping("listOf", elem))

    t["listOf"] = prim("listOf", 1, list_of)

    def non_empty_list_of(elem: Any) -> Attrs:
        listed = tl.with_check(list_of(elem), lambda v: not equal(v, []))
        if lib.features.non_empty_list_of_list_subst:  # listOf's
            return update(listed, description=lazy(
                lambda: "non-empty " + tl.phrase(listed, ("noun",))), emptyValue=Attrs({}))
        return update(
            listed,
            description=lazy(lambda: "non-empty " + tl.phrase(listed, ("noun",))),
            emptyValue=Attrs({}),
            substSubModules=subst(t["nonEmptyListOf"], elem))

    t["nonEmptyListOf"] = prim("nonEmptyListOf", 1, non_empty_list_of)

    # attrsWith ------------------------------------------------------------------------
    def zipped(loc: Any, defs: list[Def]) -> dict[str, list[Def]]:
        """``zipAttrsWith`` over the definitions' sets, positions pushed down."""
        by_name: dict[str, list[Def]] = {}
        for d in defs:
            v = force(d.value)
            if type(v) is not Attrs:
                raise type_error("a set", v)
            pos = v.pos or {}
            for name, x in v.vals.items():
                by_name.setdefault(name, []).append(Def(d.file, x, pos.get(name) or d.pos))
        return by_name

    def attrs_bin_op(a: Any, b: Any) -> Any:
        elem = tl.call(select(select(a, "elemType"), "typeMerge"),
                       select(select(b, "elemType"), "functor"))
        lazy_a, lazy_b = select(a, "lazy"), select(b, "lazy")
        lazy_v = force(lazy_a) if equal(lazy_a, lazy_b) else None
        pa, pb = select(a, "placeholder"), select(b, "placeholder")
        if equal(pa, pb):
            placeholder = force(pa)
        elif equal(pa, "name"):
            placeholder = force(pb)
        elif equal(pb, "name"):
            placeholder = force(pa)
        else:
            placeholder = None
        if elem is None or lazy_v is None or placeholder is None:
            return None
        return Attrs({"elemType": elem, "lazy": lazy_v, "placeholder": placeholder})

    def is_attrs(v: Any) -> bool:
        return type(force(v)) is Attrs

    def attrs_with(args: Any) -> Attrs:
        a = formals(args, "anonymous lambda", ("elemType", "lazy", "placeholder"), ("elemType",))
        elem = a.vals["elemType"]
        is_lazy = force_bool(a.vals.get("lazy", False))
        placeholder = a.vals.get("placeholder", "name")

        def lazy_value(merged: Merge) -> Any:
            """``v.optionalValue.value or elemType.emptyValue.value or v.mergedValue``."""
            if merged.is_defined:
                return merged.merged_value()
            empty = select_or(elem, "emptyValue", None)
            if type(empty) is Attrs and "value" in empty.vals:
                return force(empty.vals["value"])
            return merged.merged_value()

        def merge(loc: Any, defs: list[Def]) -> Attrs:
            @once
            def evals() -> dict[str, Merge]:
                merges = {name: Merge(lib, loc_plus(loc, name), elem, ds)
                          for name, ds in sorted(zipped(loc, defs).items())}
                if is_lazy:
                    return merges
                return {name: m for name, m in merges.items() if m.is_defined}

            value = lazy_value if is_lazy else Merge.merged_value
            return checked(
                lazy(tl.defs_error, is_attrs, defs),
                lazy(lambda: Attrs({n: lazy(value, m) for n, m in evals().items()})),
                Attrs({"attrs": lazy(lambda: Attrs({n: lazy(m.value_meta)
                                                    for n, m in evals().items()}))}))

        def description() -> str:
            kind = "lazy attribute set" if is_lazy else "attribute set"
            return f"{kind} of {tl.phrase(elem, COMPOSITE)}"

        payload = Attrs({"elemType": elem, "lazy": is_lazy, "placeholder": placeholder})
        if tl.wraps("attrsOf"):  # attrsOf and lazyAttrsOf, types of their own
            functor = tl.wrapped_functor("lazyAttrsOf" if is_lazy else "attrsOf", elem)
        elif lib.features.attrs_with_default_functor:
            functor = update(tl.default_functor("attrsWith"),
                             wrappedDeprecationMessage=tl.wrapped_message(payload),
                             payload=payload, binOp=prim("binOp", 2, attrs_bin_op))
        else:
            functor = tl.elem_functor("attrsWith", payload, t["attrsWith"],
                                      prim("binOp", 2, attrs_bin_op))
        return tl.make(
            "lazyAttrsOf" if is_lazy else "attrsOf",
            description=lazy(description),
            description_class="composite",
            **tl.typed(is_attrs, merge),
            empty_value=Attrs({"value": Attrs({})}),
            get_sub_options=prim("getSubOptions", 1, lambda prefix: tl.call(
                sub(elem, "getSubOptions"),
                loc_plus(prefix, f"<{tl.string(placeholder)}>"))),
            get_sub_modules=sub(elem, "getSubModules"),
            subst_sub_modules=prim("substSubModules", 1, lambda m: attrs_with(Attrs({
                "elemType": lazy(tl.call, sub(elem, "substSubModules"), m),
                "lazy": is_lazy, "placeholder": placeholder}))),
            functor=functor,
            nested_types=Attrs({"elemType": elem}))

    t["attrsWith"] = prim("attrsWith", 1, attrs_with)
    t["attrsOf"] = prim("attrsOf", 1, lambda elem: attrs_with(Attrs({"elemType": elem})))
    t["lazyAttrsOf"] = prim("lazyAttrsOf", 1,
                            lambda elem: attrs_with(Attrs({"elemType": elem, "lazy": True})))

    # unique ----------------------------------------------------------------------------
    def unique_args(args: Any) -> Any:
        return formals(args, "unique", ("message",), ("message",)).vals["message"]

    def unique_of_args(args: Any) -> Any:
        """``types.unique args``, its arguments checked as the call does."""
        message = unique_args(args)
        return prim("unique", 1, lambda e: unique(Attrs({"message": message}), e))

    def unique(args: Any, elem: Any, name: str = "unique") -> Attrs:
        message = unique_args(args)
        own_uniq = name == "uniq"  # a lib's uniq of its own, merged by mergeOneOption
        if own_uniq:
            merge: Any = tl.merges.one
        elif lib.features.uniq_own_type:  # that lib's mergeUniqueOption takes no merge
            merge = lazy(lambda: tl.merges.unique(message, None))
        else:
            merge = lazy(lambda: tl.merges.unique(message, select(elem, "merge")))
        if tl.wraps("unique"):
            # `types.unique` takes the message first, so merged types are not made
            functor = update(tl.wrapped_functor(name, elem), type=t["uniq"] if own_uniq
                             else prim("unique", 1, unique_of_args))
        else:
            functor = tl.elem_functor("unique", Attrs({"elemType": elem}), prim(
                "unique", 1, lambda p: unique(Attrs({"message": message}),
                                              select(p, "elemType"))))
        return tl.make(
            name,
            description=select(elem, "description"),
            description_class=select(elem, "descriptionClass"),
            check=select(elem, "check"),
            merge=merge,
            empty_value=select(elem, "emptyValue"),
            get_sub_options=select(elem, "getSubOptions"),
            get_sub_modules=select(elem, "getSubModules"),
            subst_sub_modules=subst(t["uniq"], elem),
            functor=functor,
            nested_types=Attrs({"elemType": elem}))

    t["unique"] = prim("unique", 2, unique)
    own_uniq = "uniq" if lib.features.uniq_own_type else "unique"
    t["uniq"] = prim("uniq", 1, lambda elem: unique(Attrs({"message": ""}), elem, own_uniq))

    # nullOr ------------------------------------------------------------------------------
    def null_or(elem: Any) -> Attrs:
        def merge(loc: Any, defs: list[Def]) -> Any:
            nulls = sum(1 for d in defs if force(d.value) is None)
            if nulls == len(defs):
                return None
            if nulls:
                raise throw(f"The option `{tl.show_option(loc)}` is defined both null and not "
                            f"null, in {tl.show_files_of(defs)}.")
            return tl.merge(elem, loc, defs)

        return tl.make(
            "nullOr",
            description=lazy(lambda: "null or " + tl.phrase(elem, CONJUNCTION)),
            description_class="conjunction",
            check=check_fn(lambda x: force(x) is None or tl.check(elem, x)),
            merge=merge_fn(merge),
            empty_value=Attrs({"value": None}),
            get_sub_options=sub(elem, "getSubOptions"),
            **wrapping("nullOr", elem))

    t["nullOr"] = prim("nullOr", 1, null_or)

    # functionTo ----------------------------------------------------------------------------
    def function_to(elem: Any) -> Attrs:
        def merge(loc: Any, defs: list[Def]) -> Attrs:
            def function_args() -> Attrs:
                zipped_args: dict[str, bool] = {}
                for d in defs:
                    fa = lib.function_args(d.value)
                    for name in fa.vals:
                        zipped_args.setdefault(name, True)
                        zipped_args[name] = zipped_args[name] and force_bool(fa.vals[name])
                return Attrs(zipped_args)

            def call(_self: Any, caller_args: Any) -> Any:
                return Merge(lib, loc_plus(loc, "<function body>"), elem,
                             [Def(d.file, app(state, d.value, caller_args), d.pos)
                              for d in defs]).merged_value()

            if lib.features.function_to_plain_merge:
                return prim("fnArgs", 1, lambda caller_args: call(None, caller_args))
            return Attrs({"__functionArgs": lazy(function_args),
                          "__functor": prim("__functor", 2, call)})

        return tl.make(
            "functionTo",
            description=lazy(lambda: "function that evaluates to a(n) "
                             + tl.phrase(elem, COMPOSITE)),
            description_class="composite",
            check=check_fn(lib.is_function),
            merge=merge_fn(merge),
            get_sub_options=sub_options(elem, "<function body>"),
            **wrapping("functionTo", elem))

    t["functionTo"] = prim("functionTo", 1, function_to)

    # either, oneOf ---------------------------------------------------------------------------
    def either(t1: Any, t2: Any) -> Attrs:
        def description() -> str:
            if select_or(t1, "descriptionClass", None) == "nonRestrictiveClause":
                return (tl.string(select(t1, "description")) + ", or "
                        + tl.phrase(t2, CONJUNCTION))
            return (tl.phrase(t1, CONJUNCTION) + " or "
                    + tl.phrase(t2, ("noun", "conjunction", "composite")))

        def merge(loc: Any, defs: list[Def]) -> Any:
            if all(tl.check(t1, d.value) for d in defs):
                return tl.merge(t1, loc, defs)
            if all(tl.check(t2, d.value) for d in defs):
                return tl.merge(t2, loc, defs)
            return tl.merges.one.native(loc, defs)

        def merge_v2(loc: Any, defs: list[Def]) -> Attrs:
            """The first side whose merge reports no error; else an error, and
            a value that warns before lib's mergeOneOption."""
            for side in (t1, t2):
                merged = tl.checked_by(side, loc, defs)
                if force(select(merged, "headError")) is None:
                    return merged
            message = lazy(lambda: (
                f"The option `{tl.show_option(loc)}` is neither a value of type "
                f"`{tl.string(select(t1, 'description'))}` nor "
                f"`{tl.string(select(t2, 'description'))}`, Definition values: "
                f"{lib.show_defs([d.to_nix() for d in defs])}"))
            error = Attrs({"message": message})
            return checked(error, lazy(lambda: tl.warn(
                "One or more definitions did not pass the type-check of the 'either' type.\n"
                f"{force(message)}\nIf `either`, `oneOf` or similar is used in freeformType, "
                "ensure that it is preceded by an 'attrsOf' such as: `freeformType = "
                "types.attrsOf (types.either t1 t2)`.\nOtherwise consider using the correct type "
                f"for the option `{tl.show_option(loc)}`.  This will be an error in Nixpkgs "
                "26.05.\n", lazy(tl.merges.one.native, loc, defs))),
                Attrs({"headError": error}))

        wraps = tl.wraps("either")
        functor = tl.wrapped_functor("either", [t1, t2]) if wraps else \
            tl.elem_functor("either", Attrs({"elemType": [t1, t2]}), t["either"])

        def type_merge(f2: Any) -> Any:
            if not equal("either", select(f2, "name")):
                return None
            others = force_list(select(f2, "wrapped") if wraps
                                else select(select(f2, "payload"), "elemType"))

            def elem_at(i: int) -> Any:
                if i >= len(others):
                    from ...eval.errors import NixError

                    raise NixError(f"list index {i} is out of bounds")
                return others[i]

            mt1 = tl.call(select(t1, "typeMerge"), select(elem_at(0), "functor"))
            if mt1 is None:
                return None
            mt2 = tl.call(select(t2, "typeMerge"), select(elem_at(1), "functor"))
            if mt2 is None:
                return None
            return tl.call(select(functor, "type"), mt1, mt2)

        return tl.make(
            "either",
            description=lazy(description),
            description_class="conjunction",
            **tl.typed(lambda x: tl.check(t1, x) or tl.check(t2, x), merge_v2, merge),
            type_merge=prim("typeMerge", 1, type_merge),
            functor=functor,
            nested_types=Attrs({"left": t1, "right": t2}))

    t["either"] = prim("either", 2, either)

    def one_of(ts_v: Any) -> Any:
        ts = force_list(ts_v)
        if not ts:
            raise throw("types.oneOf needs to get at least one type in its argument")
        acc = force(ts[0])
        for x in ts[1:]:
            acc = either(acc, x)
        return acc

    t["oneOf"] = prim("oneOf", 1, one_of)

    # coercedTo ----------------------------------------------------------------------------------
    def coerced_to(coerced: Any, coerce: Any, final: Any) -> Attrs:
        if force(select(coerced, "getSubModules")) is not None:
            raise throw("coercedTo: coercedType must not have submodules (it\u2019s a "
                        f"{tl.string(select(coerced, 'description'))})")

        def check(x: Any) -> bool:
            if tl.check(coerced, x) and tl.check(final, app(state, coerce, x)):
                return True
            return tl.check(final, x)

        def coerced_value(v: Any) -> Any:
            return force(state.call(coerce, v)) if tl.check(coerced, v) else force(v)

        def merge(loc: Any, defs: list[Def]) -> Any:
            return tl.merge(final, loc, [d.with_value(lazy(coerced_value, d.value))
                                         for d in defs])

        def coerced_if_valid(d: Def, loc: Any) -> Any:
            """A definition's value, coerced where the coerced type's merge (or
            check) takes it."""
            v2 = v2_of(select(coerced, "merge"))
            if v2 is not None:
                valid = force(select(tl.coherent(loc, coerced, v2, [d]), "headError")) is None
            else:
                valid = tl.check(coerced, d.value)
            return force(state.call(coerce, d.value)) if valid else force(d.value)

        def merge_v2(loc: Any, defs: list[Def]) -> Attrs:
            final_defs = [d.with_value(lazy(coerced_if_valid, d, loc)) for d in defs]
            v2 = v2_of(select(final, "merge"))
            if v2 is not None:
                return tl.coherent(loc, final, v2, final_defs)
            return checked(lazy(tl.defs_error, check, defs),
                           lazy(tl.merge, final, loc, final_defs), EMPTY)

        if tl.wraps("coercedTo"):
            functor = tl.wrapped_functor("coercedTo", final)
        elif tl.unwrapped:
            functor = tl.default_functor("coercedTo")
        else:
            functor = update(
                tl.default_functor("coercedTo"),
                wrappedDeprecationMessage=tl.wrapped_message(Attrs({"elemType": final})))
        if lib.features.coerced_to_binary_type_merge:
            # `t1: t2: null`, which a merge of two declarations gives as their
            # type: the lib's own function, so that its error names it
            type_merge = lazy(lambda: select(tl.call(tl.interpreted.vals["coercedTo"], coerced,
                                                     coerce, final), "typeMerge"))
        else:
            type_merge = prim("typeMerge", 1, lambda _t: None)
        return tl.make(
            "coercedTo",
            description=lazy(lambda: f"{tl.phrase(final, ('noun',))} or "
                             f"{tl.phrase(coerced, ('noun',))} convertible to it"),
            **tl.typed(check, merge_v2, merge),
            empty_value=select(final, "emptyValue"),
            get_sub_options=select(final, "getSubOptions"),
            get_sub_modules=select(final, "getSubModules"),
            subst_sub_modules=prim("substSubModules", 1, lambda m: coerced_to(
                coerced, coerce, lazy(tl.call, select(final, "substSubModules"), m))),
            type_merge=type_merge,
            functor=functor,
            nested_types=Attrs({"coercedType": coerced, "finalType": final}))

    t["coercedTo"] = prim("coercedTo", 3, coerced_to)

    def add_check(elem: Any, check: Any) -> Attrs:
        return tl.with_check(elem, lambda x: force_bool(state.call(check, x)))

    t["addCheck"] = prim("addCheck", 2, add_check)
    return t
