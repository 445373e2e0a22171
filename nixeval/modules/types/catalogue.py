"""The native types set that replaces a lib's interpreted ``types.nix`` result:
the catalogue of types and the functions beside it (``mkOptionType``,
``isType``, ``setType``, ``defaultFunctor``, ``defaultTypeMerge``,
``isOptionType``, ``optionDescriptionPhrase``, ``mergeTypes``). What the
catalogue leaves out (``attrTag``, ``luaInline``, ``passwdEntry``, ``loaOf``,
``pkgs``, ``string``) stays the lib's own code."""

from __future__ import annotations

from typing import Any

from ...eval.errors import AssertionFailed
from ...eval.ops import equal, force_bool, force_string
from ...eval.values import Attrs, force, type_error
from ..nix import Lib, formals, lazy, select, select_or
from .compound import compound_types
from .core import TypeLib, prim
from .scalars import scalar_types
from .submodules import submodule_types

MK_OPTION_TYPE_ARGS = ("check", "deprecationMessage", "description", "descriptionClass",
                       "emptyValue", "functor", "getSubModules", "getSubOptions", "merge",
                       "name", "nestedTypes", "substSubModules", "typeMerge")


def native_types(lib: Lib, interpreted: Attrs) -> dict[str, Any]:
    """The entries of a lib's ``types.nix`` result to put in place of its own."""
    tl = TypeLib(lib, interpreted)
    lib.v2_test = lazy(_merges_by_v2, tl, interpreted)
    natives = {**scalar_types(tl), **compound_types(tl), **submodule_types(tl)}
    # The catalogue is at the top of the file's result in every lib bound
    # (its nested `types` set is read only when used: in newer libs it is
    # `lib.types`, this very result). Only what the lib itself has is
    # replaced: a lib without a type keeps not having it.
    tl.types.update(interpreted.vals)
    tl.types.update((k, v) for k, v in natives.items() if k in interpreted.vals)

    def nested_types() -> Attrs:
        own = force(interpreted.vals["types"])
        return Attrs({k: tl.types.get(k, v) for k, v in own.vals.items()}, own.pos)

    def is_type(name: Any, x: Any) -> bool:
        return equal(select_or(x, "_type", ""), name)

    def set_type(name: Any, value: Any) -> Attrs:
        v = force(value)
        if type(v) is not Attrs:
            raise type_error("a set", v)
        vals = dict(v.vals)
        vals["_type"] = name
        return Attrs(vals, v.pos)

    def mk_option_type(args: Any) -> Attrs:
        a = formals(args, "mkOptionType", MK_OPTION_TYPE_ARGS, ("name",)).vals
        name = a["name"]
        functor = a.get("functor")
        if functor is None:
            functor = lazy(lambda: tl.default_functor(force_string(name)))
        description = a.get("description")
        return tl.make(
            name,
            description=lazy(lambda: force(name) if description is None
                             or force(description) is None else force(description)),
            description_class=a.get("descriptionClass"), check=a.get("check"),
            merge=a.get("merge"), empty_value=a.get("emptyValue"),
            get_sub_options=a.get("getSubOptions"), get_sub_modules=a.get("getSubModules"),
            subst_sub_modules=a.get("substSubModules"), type_merge=a.get("typeMerge"),
            functor=functor, deprecation_message=a.get("deprecationMessage"),
            nested_types=a.get("nestedTypes"))

    def phrase(unparenthesize: Any, t: Any) -> str:
        if force_bool(tl.state.call(unparenthesize, select_or(t, "descriptionClass", None))):
            return force(select(t, "description"))
        return f"({tl.string(select(t, 'description'))})"

    def merge_types(a: Any, b: Any) -> Any:
        if not (is_type("option-type", a) and is_type("option-type", b)):
            raise AssertionFailed("assertion '((isOptionType a) && (isOptionType b))' failed")
        merged = tl.call(select(a, "typeMerge"), select(b, "functor"))
        if merged is None:
            return Attrs({"error": "Cannot merge types", "_type": "merge-error"})
        return merged

    return {
        **natives,
        "types": lazy(nested_types),
        "isType": prim("isType", 2, is_type),
        "setType": prim("setType", 2, set_type),
        "defaultTypeMerge": prim("defaultTypeMerge", 2, tl.default_type_merge),
        "defaultFunctor": prim("defaultFunctor", 1,
                               lambda name: tl.default_functor(force_string(name))),
        "isOptionType": prim("isOptionType", 1, lambda x: is_type("option-type", x)),
        "mkOptionType": prim("mkOptionType", 1, mk_option_type),
        "optionDescriptionPhrase": prim("optionDescriptionPhrase", 2, phrase),
        "mergeTypes": prim("mergeTypes", 2, merge_types),
    }


def _merges_by_v2(tl: TypeLib, interpreted: Attrs) -> bool:
    """Whether the lib's own ``listOf``'s merge is a set with ``v2``: the lib
    merges by the v2 protocol."""
    list_of, raw = interpreted.vals.get("listOf"), interpreted.vals.get("raw")
    if list_of is None or raw is None:
        return False
    merge = force(select(tl.call(list_of, raw), "merge"))
    return type(merge) is Attrs and "v2" in merge.vals


def native_options(lib: Lib, interpreted: Attrs) -> dict[str, Any]:
    """The merge functions of a lib's ``options.nix``, native."""
    from .merges import Merges

    tl_merges = Merges(lib)
    return {
        "mergeEqualOption": tl_merges.equal,
        "mergeOneOption": tl_merges.one,
        "mergeDefaultOption": tl_merges.default,
        "mergeUniqueOption": prim("mergeUniqueOption", 1, tl_merges.unique_nix),
    }
