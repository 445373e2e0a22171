"""Binding a lib's module system to the native implementation.

When Nix code imports a lib directory's ``modules.nix``, ``options.nix`` or
``types.nix`` (in a directory that has all three, as nixpkgs' ``lib/`` and the
bundled example's have), the file is still interpreted, but the functions
that do the work are replaced by native ones: evaluating modules, merging
definitions and declarations, the option merge functions, and the types.
Everything else in that lib stays the lib's own code.
``NIXEVAL_INTERPRETED_MODULES=1`` turns the binding off.
"""

from __future__ import annotations

import os
from typing import Any

from ..eval.values import Attrs, Lambda, PrimOp, force, type_error
from .nix import Lib

LIB_PARTS = ("modules.nix", "options.nix", "types.nix")


def lib_part(path: str) -> str | None:
    """Which part of a lib ``path`` is, if it is one to bind."""
    name = os.path.basename(path)
    if name not in LIB_PARTS or os.environ.get("NIXEVAL_INTERPRETED_MODULES"):
        return None
    folder = os.path.dirname(path)
    if all(os.path.isfile(os.path.join(folder, f)) for f in LIB_PARTS):
        return name
    return None


def bind(state: Any, path: str, value: Any) -> Any:
    """The value of an imported file, with the native functions in place when
    it is a part of a lib."""
    part = lib_part(path)
    if part is None:
        return value
    fn = force(value)
    if type(fn) is not Lambda:
        return value
    from .types.catalogue import native_options, native_types

    natives = {"modules.nix": native_functions, "options.nix": native_options,
               "types.nix": native_types}[part]

    def bound(state: Any, args: Any) -> Attrs:
        interpreted = force(state.call(fn, args))
        if type(interpreted) is not Attrs:
            raise type_error("a set", interpreted)
        a = force(args)
        lib = Lib(state, a.vals["lib"] if type(a) is Attrs and "lib" in a.vals else args)
        vals = dict(interpreted.vals)
        # only what the lib itself has: a lib without a function keeps not having it
        vals.update((k, v) for k, v in natives(lib, interpreted).items() if k in vals)
        return Attrs(vals, interpreted.pos)

    return PrimOp(part, 1, bound, lambda_like=True)


def native_functions(lib: Lib, interpreted: Attrs) -> dict[str, Any]:
    """The functions of a lib's ``modules.nix`` that evaluate modules, native."""
    from ..eval.ops import force_list
    from .declarations import Decl, fixup_option_type, merge_option_decls
    from .definitions import defs_from_nix, filter_overrides, make_merge_definitions, sort_by_order
    from .evaluation import Evaluation, eval_modules

    def eval_option_value(state: Any, loc: Any, opt: Any, defs: Any) -> Attrs:
        o = force(opt)
        if type(o) is not Attrs:
            raise type_error("a set", o)
        ev = Evaluation(lib, Attrs({"modules": []}), lib.graph)
        return ev.option_value(loc, None, o, defs_from_nix(defs))

    def merge_decls(state: Any, loc: Any, opts: Any) -> Attrs:
        decls = []
        for o in force_list(opts):
            d = force(o)
            decls.append(Decl(d.vals.get("_file"), d.vals.get("pos"), d.vals["options"]))
        return merge_option_decls(lib, loc, decls)

    def fixup(state: Any, loc: Any, opt: Any) -> Attrs:
        return fixup_option_type(lib, loc, force(opt))

    def filter_overrides_prime(state: Any, defs: Any) -> Attrs:
        kept, best = filter_overrides(defs_from_nix(defs))
        return Attrs({"values": [d.to_nix() for d in kept], "highestPrio": best})

    def filter_overrides_values(state: Any, defs: Any) -> list:
        return [d.to_nix() for d in filter_overrides(defs_from_nix(defs))[0]]

    def sort_properties(state: Any, defs: Any) -> list:
        return [d.to_nix() for d in sort_by_order(defs_from_nix(defs))]

    return {
        "evalModules": PrimOp("evalModules", 1, lambda state, args: eval_modules(lib, args),
                              lambda_like=True),
        "evalOptionValue": PrimOp("evalOptionValue", 3, eval_option_value, lambda_like=True),
        "mergeDefinitions": make_merge_definitions(lib),
        "mergeOptionDecls": PrimOp("mergeOptionDecls", 2, merge_decls, lambda_like=True),
        "fixupOptionType": PrimOp("fixupOptionType", 2, fixup, lambda_like=True),
        "filterOverrides": PrimOp("filterOverrides", 1, filter_overrides_values, lambda_like=True),
        "filterOverrides'": PrimOp("filterOverrides'", 1, filter_overrides_prime, lambda_like=True),
        "sortProperties": PrimOp("sortProperties", 1, sort_properties, lambda_like=True),
    }
