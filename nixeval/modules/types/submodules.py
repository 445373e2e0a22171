"""Types whose values are modules: submodule, submoduleWith, deferredModule,
deferredModuleWith, and optionType (a type as a value)."""

from __future__ import annotations

from typing import Any

from ...eval.errors import NixError
from ...eval.ops import equal, force_list
from ...eval.values import Attrs, force
from ..collect import to_string
from ..declarations import Decl, fixup_option_type, merge_option_decls
from ..definitions import Def
from ..nix import formals, lazy, select, select_or, throw
from .core import TypeLib, check_fn, checked, merge_fn, prim

SUBMODULE_ARGS = ("class", "description", "modules", "shorthandOnlyDefinesConfig", "specialArgs")
NO_CHECK_FILE = "<built-in module that disables checks for the purpose of documentation generation>"


def _value_and_file(d: Def) -> Attrs:
    """A definition matched against lib's ``{ value, file }:`` pattern."""
    a = d.to_nix()
    for name in ("file", "value"):
        if name not in a.vals:
            raise NixError(f"function 'anonymous lambda' called without required argument "
                           f"'{name}'")
    for name in sorted(a.vals):
        if name not in ("file", "value"):
            raise NixError(f"function 'anonymous lambda' called with unexpected argument "
                           f"'{name}'")
    return a


def last(loc: Any) -> Any:
    """``lib.last loc``."""
    items = force_list(loc)
    if not items:
        raise throw("lib.lists.last: list must not be empty!")
    return force(items[-1])


def submodule_types(tl: TypeLib) -> dict[str, Any]:
    lib = tl.lib
    types = tl.types
    t: dict[str, Any] = {}
    no_check = lazy(lambda: Attrs({
        "config": Attrs({"_module": Attrs({"check": lib.call(("modules", "mkForce"), False)})}),
        "_file": NO_CHECK_FILE}))

    def is_module(x: Any) -> bool:
        v = force(x)
        return type(v) is Attrs or lib.is_function(v) or tl.check(types["path"], x)

    def extend(base: Any, **vals: Any) -> Attrs:
        return tl.call(select(base, "extendModules"), Attrs(vals))

    def submodule_with(args: Any) -> Attrs:
        a = formals(args, "submoduleWith", SUBMODULE_ARGS, ("modules",))
        modules = a.vals["modules"]
        special = a.vals.get("specialArgs", Attrs({}))
        shorthand = a.vals.get("shorthandOnlyDefinesConfig", False)
        description = a.vals.get("description")
        cls = a.vals.get("class")
        name_default = Attrs({"_module": Attrs({"args": Attrs({"name": lazy(
            lib.call, ("modules", "mkOptionDefault"), "\u2039name\u203a")})})})
        base = lazy(lib.call, ("modules", "evalModules"), Attrs({
            "class": cls, "specialArgs": special,
            "modules": lazy(lambda: [name_default, *force_list(modules)])}))
        freeform = lazy(lambda: force(select(select(base, "_module"), "freeformType")))

        def all_modules(defs: list[Def]) -> list[Attrs]:
            out = []
            for d in defs:
                vf = _value_and_file(d)
                value, file = vf.vals["value"], vf.vals["file"]
                if type(force(value)) is Attrs and force(shorthand):
                    out.append(Attrs({"_file": file, "config": value}))
                else:
                    out.append(Attrs({"_file": file, "imports": [value]}))
            return out

        def merge(loc: Any, defs: list[Def]) -> Attrs:
            name = Attrs({"_module": Attrs({"args": Attrs({"name": lazy(last, loc)})})})
            configuration = lazy(lambda: extend(
                base, modules=lazy(lambda: [name, *all_modules(defs)]), prefix=loc))
            return checked(lazy(tl.defs_error, is_module, defs), select(configuration, "config"),
                           Attrs({"configuration": configuration}))

        def describe() -> Any:
            d = force(description)
            if d is not None:
                return d
            docs = extend(base, modules=[no_check])
            ff = force(select(select(docs, "_module"), "freeformType"))
            if not lib.features.open_submodule_description:
                return select_or(ff, "description", "submodule")
            if type(ff) is Attrs and "description" in ff.vals:
                return f"open submodule of {tl.phrase(ff, ('noun', 'composite'))}"
            return "submodule"

        def sub_options(prefix: Any) -> Attrs:
            docs = extend(base, prefix=prefix, modules=[no_check])
            ff = force(select(select(docs, "_module"), "freeformType"))
            options = force(select(docs, "options"))
            if ff is None:
                return options
            vals = dict(options.vals)
            vals["_freeformOptions"] = lazy(tl.call, select(ff, "getSubOptions"), prefix)
            return Attrs(vals, options.pos)

        def substituted(m: Any) -> Attrs:
            vals = dict(a.vals)
            vals["modules"] = m
            return submodule_with(Attrs(vals))

        payload = Attrs({"modules": modules, "class": cls, "specialArgs": special,
                         "shorthandOnlyDefinesConfig": shorthand, "description": description})
        functor_vals = {"name": "submodule", "type": t["submoduleWith"], "wrapped": None,
                        "payload": payload, "binOp": prim("binOp", 2, submodule_bin_op)}
        if tl.unwrapped:  # defaultFunctor has no `wrapped`
            del functor_vals["wrapped"]
        functor = Attrs(functor_vals)
        return tl.make(
            "submodule",
            description=lazy(describe),
            **tl.typed(is_module, merge),
            empty_value=Attrs({"value": select(base, "config")
                               if lib.features.submodule_empty_value_config else Attrs({})}),
            get_sub_options=prim("getSubOptions", 1, sub_options),
            get_sub_modules=modules,
            subst_sub_modules=prim("substSubModules", 1, substituted),
            nested_types=lazy(lambda: Attrs({}) if force(freeform) is None
                              else Attrs({"freeformType": freeform})),
            functor=functor)

    def submodule_bin_op(lhs: Any, rhs: Any) -> Attrs:
        def pick(name: str, message: str) -> Any:
            a, b = select(lhs, name), select(rhs, name)
            if force(a) is None:
                return force(b)
            if force(b) is None or equal(a, b):
                return force(a)
            raise throw(message)

        def cls() -> Any:
            a, b = select_or(lhs, "class", None), select_or(rhs, "class", None)
            if a is None:
                return b
            if b is None or equal(a, b):
                return a
            raise throw("A submoduleWith option is declared multiple times with conflicting "
                        f"class values \"{to_string(tl.state, a)}\" and "
                        f"\"{to_string(tl.state, b)}\".")

        def special() -> Attrs:
            a, b = force(select(lhs, "specialArgs")), force(select(rhs, "specialArgs"))
            shared = sorted(n for n in a.vals if n in b.vals)
            if shared:
                raise throw("A submoduleWith option is declared multiple times with the same "
                            f"specialArgs \"{' '.join(shared)}\"")
            vals = dict(a.vals)
            vals.update(b.vals)
            return Attrs(vals)

        return Attrs({
            "class": lazy(cls),
            "modules": lazy(lambda: [*force_list(select(lhs, "modules")),
                                     *force_list(select(rhs, "modules"))]),
            "specialArgs": lazy(special),
            "shorthandOnlyDefinesConfig": lazy(
                pick, "shorthandOnlyDefinesConfig", "A submoduleWith option is declared "
                "multiple times with conflicting shorthandOnlyDefinesConfig values"),
            "description": lazy(pick, "description", "A submoduleWith option is declared "
                                "multiple times with conflicting descriptions"),
        })

    t["submoduleWith"] = prim("submoduleWith", 1, submodule_with)

    def submodule(modules: Any) -> Attrs:
        def as_list() -> list[Any]:
            m = force(modules)
            return m if type(m) is list else [modules]

        return submodule_with(Attrs({"shorthandOnlyDefinesConfig": True,
                                     "modules": lazy(as_list)}))

    t["submodule"] = prim("submodule", 1, submodule)

    # deferredModule ----------------------------------------------------------------------
    def deferred_module_with(args: Any) -> Attrs:
        a = formals(args, "deferredModuleWith", ("staticModules",), ())
        static = a.vals.get("staticModules", [])
        docs_type = lazy(submodule_with, Attrs({"modules": static}))

        def merge(loc: Any, defs: list[Def]) -> Attrs:
            where = lib.show_option(loc)
            located = [Attrs({"_file": lazy(lambda d=d: f"{to_string(tl.state, d.file)}, via "
                                            f"option {where}"),
                              "imports": [d.value]}) for d in defs]
            return Attrs({"imports": [*force_list(static), *located]})

        def substituted(m: Any) -> Attrs:
            vals = dict(a.vals)
            vals["staticModules"] = m
            return deferred_module_with(Attrs(vals))

        def bin_op(lhs: Any, rhs: Any) -> Attrs:
            return Attrs({"staticModules": lazy(lambda: [
                *force_list(select(lhs, "staticModules")),
                *force_list(select(rhs, "staticModules"))])})

        functor_vals = {"name": "deferredModuleWith", "type": t["deferredModuleWith"],
                        "wrapped": None, "payload": Attrs({"staticModules": static}),
                        "binOp": prim("binOp", 2, bin_op)}
        if tl.unwrapped:
            del functor_vals["wrapped"]
        functor = Attrs(functor_vals)
        return tl.make(
            "deferredModule", description="module", description_class="noun",
            check=check_fn(is_module), merge=merge_fn(merge),
            get_sub_options=select(docs_type, "getSubOptions"),
            get_sub_modules=select(docs_type, "getSubModules"),
            subst_sub_modules=prim("substSubModules", 1, substituted), functor=functor)

    t["deferredModuleWith"] = prim("deferredModuleWith", 1, deferred_module_with)
    t["deferredModule"] = lazy(deferred_module_with, Attrs({}))

    # optionType ----------------------------------------------------------------------------
    def merge_types(loc: Any, defs: list[Def]) -> Any:
        if len(defs) == 1:
            return force(defs[0].value)
        decls = []
        for d in defs:
            vf = _value_and_file(d)
            decls.append(Decl(vf.vals["file"], None,
                              Attrs({"_type": "option", "type": vf.vals["value"]})))
        return force(fixup_option_type(lib, loc, merge_option_decls(lib, loc, decls))
                     .vals["type"])

    t["optionType"] = lazy(lambda: tl.make(
        "optionType", description="optionType", description_class="noun",
        check=check_fn(lambda v: select_or(v, "_type", None) == "option-type"),
        merge=merge_fn(merge_types)))
    return t

