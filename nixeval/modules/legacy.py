"""The inner functions of 2016-2018 libs' module systems, native.

Libs of nixpkgs 16.09 to 18.03 have a module system unlike the one
``evaluation.py`` implements (option sets carry ``_definedNames``, config is
checked level by level, other texts), so their ``evalModules`` runs as the
lib's own code. Most of its time goes to a few inner functions, which are
quadratic as Nix code: ``mergeModules'`` asks every module, for every option
name, whether it declares or defines it. Where a lib's definitions of those
functions are ones this file was written from (``VARIANTS``, by fingerprint),
they are replaced by native ones that compute the same values with the same
laziness: ``mergeModules'`` indexes a level's declarations and definitions by
name once, the others are transliterations. The lib's file is a ``rec`` set,
so they are replaced as Nix's ``__overrides`` would: in the set and in the
set's own references. ``mergeOptionDecls`` and ``fixupOptionType`` are
replaced too where they are the 2017 ones (not in older 16.09 libs, which
compare types by name), ``closeModules`` (with what it calls:
``unifyModuleSyntax``, ``applyIfFunction``, ``unpackSubmodule``), whose
loading of a module file is then the module system's, not a read of the code
that made the evaluation (``readlog.loading_module``), and ``evalModules``
(its internal module, ``yieldConfig``). Everything else (``mergeModules``,
``filterModules``, types, options.nix) stays the lib's code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import readlog
from ..eval import values
from ..eval.compiler import merge_updates
from ..eval.errors import NixError, ThrownError
from ..eval.ops import coerce_to_string, concat_strings, equal, force_bool, force_list, less_than
from ..eval.values import Attrs, Lambda, NixPath, PrimOp, PrimOpApp, Thunk, force, type_error
from ..syntax.fingerprint import file_fingerprint
from .nix import lazy
from .nix import selected as _get

# the functions replaced; their fingerprint (with all they reach in the file)
# decides whether a lib is one of VARIANTS
NAMES = ("mergeModules'", "evalOptionValue", "mergeDefinitions", "pushDownProperties",
         "dischargeProperties", "filterOverrides", "mergeOptionDecls", "fixupOptionType",
         "closeModules", "evalModules")
# where in the file each of the native functions' messages is thrown (the
# position Nix gives the error, and lint shows), found in the file's text
THROWS = {
    "undefined": r"throw\s*\"The option `\$\{showOption loc\}' is used but not defined",
    "read-only": r"throw\s*\"The option `\$\{showOption loc\}' is read-only",
    "type": r"throw\s*\"The option value `\$\{showOption loc\}'",
    "prefix": r"throw\s*\"The option `\$\{showOption loc\}' in `\$\{firstOption",
    "condition": "throw\\s*\"\u2018mkIf\u2019 called with a non-Boolean",
    "declared": r"throw\s*\"The option `\$\{showOption loc\}' in `\$\{opt\.file\}' is already",
    "wrapping": r"throw\s*\"The option \$\{showOption loc\} uses submodules without a wrapping",
    "unsupported": r"throw\s*\"Module `\$\{key\}' has an unsupported attribute",
    "undeclared": r"throw\s*\"The option `\$\{showOption \(prefix \+\+ \[name\]\)\}' defined",
}
# evalModules' function of its arguments (where a call with others fails)
EVAL_MODULES = r"(?<=evalModules = )\{"
# applyIfFunction's function of the modules' arguments (where a call without
# one of them fails)
ARGUMENTS = r"(?<=applyIfFunction = key: f: )args@"
# fixupOptionType's message for an optionSet without options names ``loc'``,
# which nothing binds: forcing it is that variable's error, at its place
UNBOUND = r"(?<=showOption )loc'"
# an evaluator's extensions: the modules the first closeModules closed, with
# the `options` of the evaluation it closed them for (``closed_modules``), and
# the module files loaded, by path (``module_sources``)
CLOSURES = "legacy-closures"
SOURCES = "legacy-sources"
TOP_LEVEL = "legacy-top-level"  # the first mergeModules' made: (its set, its _Level)
# the file's other functions the native ones call, through the set's slots
SIBLINGS = ("sortProperties", "mkOptionDefault", "mkIf", "mkOverride", "packSubmodule",
            "mkMerge", "mergeModules", "filterModules")


@dataclass(frozen=True)
class Variant:
    """Where the libs' versions of these functions differ."""

    source: str
    # mergeDefinitions' text for a definition its type rejects, given the
    # option, the file and the type (its `name` or `description`)
    type_error: str
    type_attr: str
    # dischargeProperties rejects an mkIf condition that is not a Boolean
    bool_condition: bool
    # the file's isFunction (and applyIfFunction's functionArgs) are lib's (a
    # set with __functor is a function), not builtins'
    functor_functions: bool = False
    # mergeOptionDecls and fixupOptionType are older than the native ones
    # (types compared by name, no typeMerge): the lib's own stay
    own_declarations: bool = False
    # modules may disable others (``disabledModules``, 17.09)
    disabled_modules: bool = False


VARIANTS: dict[str, Variant] = {
    "baffc7e55eb7fdb4e9c520610ebd728d2d0028c81966f042346fa7a5dd69a69d": Variant(
        "nixpkgs 16.09 (computecanada-16.09)", "The option value `{}' in `{}' is not a {}.",
        "name", False, own_declarations=True),
    "ab4c1bfadfc53bb38987a7350caed8e22ee17c788d954567f009e773aa1dcbf8": Variant(
        "nixpkgs 16.09", "The option value `{}' in `{}' is not a {}.", "name", True),
    "f4c1c2fc206fd85dd468b952522fd2d8a229a43c0c5695d87c0a01ba030b815f": Variant(
        "nixpkgs 17.03", "The option value `{}' in `{}' is not a {}.", "description", True),
    "7ea5b9d638f1e59058e3d64cad03d87d37e6114054d972a40034237541d7cc9d": Variant(
        "nixpkgs 17.09", "The option value `{}' in `{}' is not a {}.", "description", True,
        disabled_modules=True),
    "4c9530315905707ec5d54abce65dfd8ae788b73ccc988dd9931b8dd7e436b6c6": Variant(
        "nixpkgs 18.03", "The option value `{}' in `{}' is not of type `{}'.", "description",
        True, True, disabled_modules=True),
}


def closed_modules(state: Any, options: Attrs) -> list | None:
    """The modules the native ``closeModules`` closed for the outermost
    evaluation, if its ``options`` are ``options`` (None: it did not run for
    that evaluation)."""
    hit = state.extensions.get(CLOSURES)
    return hit[1] if hit is not None and _if_forced(hit[0]) is options else None


def undeclared(state: Any, options: Attrs, loc: tuple[str, ...]) -> frozenset | None:
    """For the outermost evaluation, if its ``options`` are ``options``: the
    names modules define where no option set declares them, with the set's
    path and the module's file (``(path, None, file)`` for a module whose
    definitions there are not a set); None if it is not known."""
    hit = state.extensions.get(TOP_LEVEL)
    if hit is None or hit[0] is not options:
        return None
    out: set = set()
    hit[1].undeclared(loc, out)
    return frozenset(out)


def module_sources(state: Any) -> dict[str, Any]:
    """The texts of the module files the native ``closeModules`` loaded."""
    return state.extensions.get(SOURCES, {})


def variant_of(path: str) -> Variant | None:
    """The variant of the lib whose ``modules.nix`` is ``path`` (None: not one
    these functions were written from)."""
    try:
        return VARIANTS.get(file_fingerprint(path, NAMES))
    except (OSError, NixError, RecursionError):
        return None


def bind(state: Any, path: str, value: Any, variant: Variant) -> Any:
    """The file's value with the native functions in place (``value`` as it
    is when its shape is not the expected one)."""
    fn = force(value)
    if type(fn) is Attrs:  # `with import ./lists.nix; …; rec { … }` (before 2018)
        _Bound(state, path, variant, None).install(fn)
        return value
    if type(fn) is Lambda:  # `{ lib }: with lib.lists; …; rec { … }`
        def called(state: Any, args: Any) -> Any:
            result = force(state.call(fn, args))
            if type(result) is Attrs:
                _Bound(state, path, variant, args).install(result)
            return result

        return PrimOp("modules.nix", 1, called, lambda_like=True, formals=fn)
    return value


def _type_tag(v: Any) -> Any:
    """``v._type or ""`` (forced)."""
    v = force(v)
    if type(v) is Attrs and "_type" in v.vals:
        return force(v.vals["_type"])
    return ""


def _sel(v: Any, name: str) -> Any:
    """``v.name``, unforced: the value itself where ``v`` is a set that has
    it, else a thunk that selects (and fails) when forced."""
    if type(v) is Attrs and name in v.vals:
        return v.vals[name]
    return lazy(_get, v, name)


class _Bound:
    """One lib's native functions, with the set's slots they call through."""

    def __init__(self, state: Any, path: str, variant: Variant, args: Any) -> None:
        self.state = state
        self.path = path
        self.variant = variant
        self.args = args  # the file's `{ lib }` argument, for a lib of that shape
        self.slots: list[Any] = []
        self.index: dict[str, int] = {}
        self._parts: dict[str, Any] = {}
        self.merge_modules_prim: PrimOp | None = None  # the native mergeModules', once bound
        self.source: Any = None  # the file's Source, for the positions of THROWS
        self._positions: dict[str, Any] = {}

    def install(self, result: Attrs) -> bool:
        anchor = result.vals.get("mergeModules'")
        if type(anchor) is not Lambda:
            return False
        env = anchor.env
        index = {name: i for i, name in enumerate(result.vals)}
        siblings = SIBLINGS if self.variant.disabled_modules else \
            tuple(n for n in SIBLINGS if n != "filterModules")
        for name in (*NAMES, *siblings):
            i = index.get(name)
            if i is None or i >= len(env.vals) or env.vals[i] is not result.vals[name]:
                return False  # not the set its functions see: leave the lib's code
        self.slots, self.index = env.vals, index
        self.source = anchor.fn.pos[0] if anchor.fn.pos else None
        natives = {
            "mergeModules'": PrimOp("mergeModules'", 3, self.merge_modules, lambda_like=True),
            "evalOptionValue": PrimOp("evalOptionValue", 3, self.eval_option_value,
                                      lambda_like=True),
            "mergeDefinitions": PrimOp("mergeDefinitions", 3, self.merge_definitions,
                                       lambda_like=True),
            "pushDownProperties": PrimOp("pushDownProperties", 1,
                                         lambda _s, cfg: self.push_down(cfg), lambda_like=True),
            "dischargeProperties": PrimOp("dischargeProperties", 1,
                                          lambda _s, d: self.discharge(d), lambda_like=True),
            "filterOverrides": PrimOp("filterOverrides", 1,
                                      lambda _s, defs: self.filter_overrides(defs),
                                      lambda_like=True),
            "mergeOptionDecls": PrimOp("mergeOptionDecls", 2, self.merge_option_decls,
                                       lambda_like=True),
            "fixupOptionType": PrimOp("fixupOptionType", 2, self.fixup_option_type,
                                      lambda_like=True),
            "closeModules": PrimOp("closeModules", 2, self.close_modules, lambda_like=True),
            "evalModules": PrimOp("evalModules", 1, self.eval_modules, lambda_like=True),
        }
        if self.variant.own_declarations:
            del natives["mergeOptionDecls"], natives["fixupOptionType"]
        self.merge_modules_prim = natives["mergeModules'"]
        for name, prim in natives.items():
            env.vals[index[name]] = prim
            result.vals[name] = prim
        return True

    # helpers -----------------------------------------------------------------
    def sibling(self, name: str) -> Any:
        return self.slots[self.index[name]]

    def call(self, fn: Any, *args: Any) -> Any:
        call = self.state.call
        for a in args:
            fn = call(fn, a)
        return force(fn)

    def lib_part(self, name: str) -> Any:
        """``lib.<name>`` (its file ``<name>.nix`` where the lib's files are
        not functions of lib)."""
        if name not in self._parts:
            if self.args is not None:
                self._parts[name] = _get(_get(self.args, "lib"), name)
            else:
                self._parts[name] = force(self.state.import_file(
                    os.path.join(os.path.dirname(self.path), f"{name}.nix")))
        return self._parts[name]

    def show_option(self, loc: Any) -> str:
        """The lib's ``showOption loc`` (from its options.nix)."""
        return self.text(self.call(_get(self.lib_part("options"), "showOption"), loc))

    def show_files(self, files: Any) -> str:
        """The lib's ``showFiles files``."""
        return self.text(self.call(_get(self.lib_part("options"), "showFiles"), files))

    def types(self) -> Any:
        """The file's ``types`` (``types.nix``'s, or ``lib.types``)."""
        return _get(self.lib_part("types"), "types") if self.args is None \
            else self.lib_part("types")

    def is_function(self, v: Any) -> bool:
        """The file's ``isFunction``."""
        f = force(v)
        if type(f) in (Lambda, PrimOp, PrimOpApp):
            return True
        if self.variant.functor_functions and type(f) is Attrs and "__functor" in f.vals:
            return force_bool(self.call(_get(self.lib_part("trivial"), "isFunction"), f))
        return False

    def position(self, kind: str, pattern: str) -> Any:
        """Where ``pattern`` first matches in the file's text (None: nowhere)."""
        if kind not in self._positions:
            import re

            found = re.search(pattern, self.source.text) if self.source else None
            self._positions[kind] = (self.source, found.start()) if found else None
        return self._positions[kind]

    def throw(self, kind: str, message: str) -> NixError:
        """The lib's ``throw message`` of this kind, with the frame its call in
        the file gives it."""
        error = ThrownError(message)
        error.add_trace("while calling the 'throw' builtin", self.position(kind, THROWS[kind]))
        return error

    def text(self, v: Any) -> str:
        """``"${v}"``: Nix's interpolation (a path is copied to the store)."""
        return coerce_to_string(self.state, v)

    # mergeModules' -------------------------------------------------------------
    def merge_modules(self, state: Any, prefix: Any, options: Any, configs: Any) -> Attrs:
        level = _Level(self, prefix, options, configs)
        attrs = level.result()
        # the first is the outermost evaluation's top (its sets below are made
        # by its levels, see _Level.value)
        state.extensions.setdefault(TOP_LEVEL, (attrs, level))
        return attrs

    # pushDownProperties, dischargeProperties ----------------------------------------
    def push_down(self, cfg: Any) -> list:
        if equal(_type_tag(cfg), "merge"):
            return _concat_contents(cfg, self.push_down)
        for kind, attr, wrapper in (("if", "condition", "mkIf"),
                                    ("override", "priority", "mkOverride")):
            if equal(_type_tag(cfg), kind):
                c = force(cfg)
                prop = _sel(c, attr)
                wrap = self.sibling(wrapper)
                return [lazy(self._wrap_each, wrap, prop, inner)
                        for inner in self.push_down(_sel(c, "content"))]
        return [cfg]

    def _wrap_each(self, wrap: Any, prop: Any, inner: Any) -> Attrs:
        """``mapAttrs (n: v: wrap prop v) inner``."""
        a = force(inner)
        if type(a) is not Attrs:
            raise type_error("a set", a).with_trace(
                "while evaluating the second argument passed to builtins.mapAttrs")
        return Attrs({n: lazy(self.call, wrap, prop, v) for n, v in a.vals.items()})

    def discharge(self, d: Any) -> list:
        if equal(_type_tag(d), "merge"):
            return _concat_contents(d, self.discharge)
        if equal(_type_tag(d), "if"):
            cond = _get(d, "condition")
            if self.variant.bool_condition and type(cond) is not bool:
                raise self.throw("condition", "\u2018mkIf\u2019 called with a non-Boolean "
                                 "condition")
            if force_bool(cond, None, "while evaluating a branch condition"):
                return self.discharge(_sel(force(d), "content"))
            return []
        return [d]

    # filterOverrides ---------------------------------------------------------------
    def filter_overrides(self, defs: Any) -> list:
        ds = force_list(defs)
        if not ds:
            return []
        prios = [lazy(self._prio, d) for d in ds]
        highest: Any = None
        out = []
        for i, d in enumerate(ds):
            p = force(prios[i])
            if highest is None:
                # foldl' (prio: def: min (getPrio def) prio) 9999 defs
                highest = 9999
                for q in prios:
                    x = force(q)
                    highest = x if less_than(x, highest) else highest
            if equal(p, highest):
                out.append(lazy(self._strip, d))
        return out

    def _prio(self, d: Any) -> Any:
        v = _get(d, "value")
        return _get(v, "priority") if equal(_type_tag(v), "override") else 100

    def _strip(self, d: Any) -> Any:
        v = _get(d, "value")
        if not equal(_type_tag(v), "override"):
            return force(d)
        a = force(d)
        vals = dict(a.vals)
        vals["value"] = _sel(force(v), "content")
        return Attrs(vals, a.pos)

    # mergeDefinitions --------------------------------------------------------------
    def merge_definitions(self, state: Any, loc: Any, type_: Any, defs: Any) -> Attrs:
        final = lazy(self._defs_final, defs)
        merged = lazy(self._merged_value, loc, type_, final)
        is_defined = lazy(_non_empty, final)
        optional = lazy(_optional_value, is_defined, merged)
        return Attrs({"defsFinal": final, "mergedValue": merged, "isDefined": is_defined,
                      "optionalValue": optional})

    def _defs_final(self, defs: Any) -> list:
        discharged = []
        for m in force_list(defs):
            file = _sel(m, "file")
            discharged.extend(Attrs({"file": file, "value": value})
                              for value in self.discharge(_sel(m, "value")))
        kept = force_list(self.call(self.sibling("filterOverrides"), discharged))
        for d in kept:
            if equal(_type_tag(_get(d, "value")), "order"):
                return force_list(self.call(self.sibling("sortProperties"), kept))
        return kept

    def _merged_value(self, loc: Any, type_: Any, final: Any) -> Any:
        defs = force_list(final)
        merge = lazy(lambda: self.call(_get(type_, "merge"), loc, final))
        if not defs:
            return force(merge)
        value: Any = None
        for i, d in enumerate(defs):
            ok = self.call(_get(type_, "check"), _sel(force(d), "value"))
            if type(ok) is not bool:
                raise type_error("a Boolean", ok).with_trace("while evaluating a branch condition")
            if not ok:
                v = self.variant
                raise self.throw("type", v.type_error.format(
                    self.show_option(loc), self.text(_get(d, "file")),
                    self.text(_get(type_, v.type_attr))))
            if i == 0:
                value = force(merge)
        return value

    # evalModules -------------------------------------------------------------------
    _EVAL_ARGS = ("args", "check", "modules", "prefix", "specialArgs")

    def eval_modules(self, state: Any, given: Any) -> Attrs:
        a = force(given)
        where = self.position("evalModules", EVAL_MODULES)
        if type(a) is not Attrs:
            raise type_error("a set", a).with_trace(
                "while evaluating the value passed for the lambda argument", where)
        if "modules" not in a.vals:
            raise NixError("function 'evalModules' called without required argument "
                           "'modules'", where)
        for name in values.sorted_names(a.vals):
            if name not in self._EVAL_ARGS:
                error = NixError(f"function 'evalModules' called with unexpected argument "
                                 f"'{name}'", where)
                error.suggest(self._EVAL_ARGS, name)
                raise error
        v = a.vals
        prefix = v.get("prefix", [])
        special = v.get("specialArgs", Attrs({}))
        internal = self._internal_module(v.get("check", True), v.get("args", Attrs({})))
        parts: dict[str, Any] = {}
        options = lazy(self._options, prefix, special, parts)
        config = lazy(self._yield_config, prefix, options, options)
        directory = os.path.dirname(self.path)
        module_args = lazy(self._module_args, special, Attrs({
            "config": config, "options": options,
            "lib": lazy(self.call, self.builtin("import"), NixPath(directory))}))
        parts["closed"] = lazy(self.call, self.sibling("closeModules"),
                               lazy(_concat, v["modules"], [internal]), module_args)
        return Attrs({"options": options, "config": config})

    def _internal_module(self, check: Any, args: Any) -> Attrs:
        """The module declaring ``_module.args`` and ``_module.check``."""
        file = NixPath(self.path)
        mk_option = _get(self.lib_part("options"), "mkOption")
        types = lazy(self.types)
        arguments = lazy(self.call, mk_option, Attrs({
            "type": lazy(lambda: self.call(_get(types, "attrsOf"), _sel(force(types),
                                                                        "unspecified"))),
            "internal": True, "description": "Arguments passed to each module."}))
        checked = lazy(self.call, mk_option, Attrs({
            "type": lazy(_get, types, "bool"), "internal": True, "default": check,
            "description": "Whether to check whether all option definitions have matching "
                           "declarations."}))
        return Attrs({"_file": file, "key": file,
                      "options": Attrs({"_module": Attrs({"args": arguments, "check": checked})}),
                      "config": Attrs({"_module": Attrs({"args": args})})})

    def _module_args(self, special: Any, base: Attrs) -> Attrs:
        """``{ inherit config options; lib = import ./.; } // specialArgs``."""
        s = force(special)
        if type(s) is not Attrs:
            raise type_error("a set", s).with_trace(
                "in the right operand of the update (//) operator")
        return merge_updates([s, base])

    def _options(self, prefix: Any, special: Any, parts: dict[str, Any]) -> Any:
        """``mergeModules prefix (reverseList closed)``, the disabled modules
        left out where the lib has them."""
        listed = parts["closed"]
        if self.variant.disabled_modules:
            s = force(special)
            path = s.vals["modulesPath"] if type(s) is Attrs and "modulesPath" in s.vals else ""
            listed = lazy(self.call, self.sibling("filterModules"), path, listed)
        return self.call(self.sibling("mergeModules"), prefix,
                         lazy(lambda: force_list(listed)[::-1]))

    def _yield_config(self, prefix: Any, node: Any, options: Any) -> Attrs:
        """``yieldConfig prefix set``: the options' values; where modules
        define names the set does not declare, the first is an error."""
        check = _get(_get(_get(options, "_module"), "check"), "value")
        checked = force_bool(check, None, "in the left operand of the AND (&&) operator")
        s = force(node)
        if checked and type(s) is Attrs and "_definedNames" in s.vals:
            for m in force_list(s.vals["_definedNames"]):
                for name in force_list(_get(m, "names")):
                    if force(name) not in s.vals:
                        loc = [*force_list(prefix), name]
                        raise self.throw("undeclared", f"The option `{self.show_option(loc)}' "
                                         f"defined in `{self.text(_get(m, 'file'))}' does not "
                                         "exist.")
        if type(s) is not Attrs:
            raise type_error("a set", s).with_trace(
                "while evaluating the second argument passed to builtins.mapAttrs")
        return Attrs({n: lazy(self._config_entry, prefix, n, v, options)
                      for n, v in s.vals.items() if n != "_definedNames"})

    def _config_entry(self, prefix: Any, name: str, v: Any, options: Any) -> Any:
        """``if isOption v then v.value else yieldConfig (prefix ++ [n]) v``."""
        if equal(_type_tag(v), "option"):
            return _get(v, "value")
        return self._yield_config(lazy(lambda: [*force_list(prefix), name]), v, options)

    # closeModules --------------------------------------------------------------------
    def close_modules(self, state: Any, modules: Any, args: Any) -> Any:
        """``builtins.genericClosure`` over the modules and their imports, each
        loaded (applied to ``args``) and brought to one shape."""
        unknown = lazy(_get, self.lib_part("options"), "unknownModule")
        operator = PrimOp("operator", 1, lambda _s, m: self._closure_list(
            _sel(force(m), "file"), _sel(force(m), "key"), _sel(force(m), "imports"), args),
            lambda_like=True)
        start = lazy(self._closure_list, unknown, "", modules, args)
        # the first begun is the outermost evaluation's (any other is made
        # while it closes its modules or later)
        first = CLOSURES not in self.state.extensions
        if first:
            self.state.extensions[CLOSURES] = None
        closed = self.call(self.builtin("__genericClosure"),
                           Attrs({"startSet": start, "operator": operator}))
        a = _if_forced(args)  # (forced by loading any module)
        if first and type(a) is Attrs and "options" in a.vals:
            self.state.extensions[CLOSURES] = (a.vals["options"], closed)
        return closed

    def builtin(self, name: str) -> Any:
        return self.state.base_env[name]

    def _closure_list(self, file: Any, parent_key: Any, items: Any, args: Any) -> list:
        """``toClosureList file parentKey items``: each item loaded, lazily."""
        return [lazy(self._load, file, parent_key, n, x, args)
                for n, x in enumerate(force_list(items), 1)]

    def _load(self, file: Any, parent_key: Any, n: int, x: Any, args: Any) -> Attrs:
        v = force(x)
        if type(v) is Attrs or self.is_function(v):
            key = lazy(lambda: concat_strings([self.text(parent_key), ":anon-", str(n)]))
            return self._unify(file, key, lazy(self._unpacked, key, v, args))
        path = lazy(self.call, self.builtin("toString"), v)
        return self._unify(path, path, lazy(
            self._apply_if_function, path, lazy(self._import_module, v), args))

    def _import_module(self, path: Any) -> Any:
        """``import x``: a module file loaded, which is not a read of whatever
        made the evaluation (see ``readlog.loading_module``)."""
        name = self.text(self.call(self.builtin("toString"), path))
        before = readlog.loading_module(name)
        try:
            value = self.call(self.builtin("import"), path)
        finally:
            readlog.loaded(before)
        source = _source_of(value)
        if source is not None and source.name == name:
            self.state.extensions.setdefault(SOURCES, {})[name] = source
        return value

    def _unpacked(self, key: Any, m: Any, args: Any) -> Any:
        """``unpackSubmodule (applyIfFunction key) m args``."""
        if equal(_type_tag(m), "submodule"):
            inner = force(self._apply_if_function(key, _sel(m, "submodule"), args))
            if type(inner) is not Attrs:
                raise type_error("a set", inner).with_trace(
                    "in the right operand of the update (//) operator")
            return merge_updates([inner, Attrs({"_file": _sel(m, "file")})])
        return self._apply_if_function(key, m, args)

    def _apply_if_function(self, key: Any, f: Any, args: Any) -> Any:
        a = force(args)  # `args@{ config, options, lib, ... }`
        if type(a) is not Attrs:
            raise type_error("a set", a)
        for name in ("config", "lib", "options"):
            if name not in a.vals:
                raise NixError("function 'applyIfFunction' called without required "
                               f"argument '{name}'", self.position("arguments", ARGUMENTS))
        if not self.is_function(f):
            return force(f)
        function_args = _get(self.lib_part("trivial"), "functionArgs") \
            if self.variant.functor_functions else self.builtin("__functionArgs")
        context = self.builtin("__addErrorContext")
        extra = {}
        for name in values.sorted_names(self.call(function_args, f).vals):
            message = lazy(lambda name=name: "while evaluating the module argument "
                           f"`{name}' in \"{self.text(key)}\":")
            extra[name] = lazy(self.call, context, message, lazy(_module_argument, a, name))
        return self.call(f, merge_updates([Attrs(extra), a]))

    def _unify(self, file: Any, key: Any, m: Any) -> Attrs:
        """``unifyModuleSyntax file key m``."""
        v = force(m)
        is_set = type(v) is Attrs
        has = v.vals if is_set else {}
        meta = lazy(_meta_set, v)
        own_key = lazy(self._module_key, v, key)
        extra = {"disabledModules": has.get("disabledModules", [])} \
            if self.variant.disabled_modules else {}
        merge = self.sibling("mkMerge")
        if "config" in has or "options" in has:
            allowed = ("_file", "key", "disabledModules", "imports", "options", "config",
                       "meta") if self.variant.disabled_modules else (
                "imports", "options", "config", "key", "_file", "meta")
            bad = values.sorted_names(n for n in has if n not in allowed)
            if bad:
                raise self.throw("unsupported", f"Module `{self.text(key)}' has an unsupported "
                                 f"attribute `{bad[0]}'. This is caused by assignments to the "
                                 "top-level attributes `config' or `options'.")
            return Attrs({
                "file": has.get("_file", file), "key": own_key,
                **extra,
                "imports": has.get("imports", []),
                "options": has.get("options", Attrs({})),
                "config": lazy(self.call, merge, [has.get("config", Attrs({})), meta])})
        removed = ["_file", "key", "disabledModules", "require", "imports"] \
            if self.variant.disabled_modules else ["key", "_file", "require", "imports"]
        rest = lazy(self.call, self.builtin("removeAttrs"), v, removed)
        return Attrs({
            "file": has.get("_file", file), "key": own_key,
            **extra,
            "imports": lazy(_concat, has.get("require", []), has.get("imports", [])),
            "options": Attrs({}),
            "config": lazy(self.call, merge, [rest, meta])})

    def _module_key(self, m: Any, key: Any) -> Any:
        """``toString m.key or key``."""
        own = m.vals["key"] if type(m) is Attrs and "key" in m.vals else key
        return self.call(self.builtin("toString"), own)

    # mergeOptionDecls --------------------------------------------------------------
    def merge_option_decls(self, state: Any, loc: Any, opts: Any) -> Attrs:
        res = Attrs({"loc": loc, "declarations": [], "options": []})
        for opt in force_list(opts):  # foldl': each step's set is made at once
            res = self._merge_decl(loc, res, opt)
        return res

    def _merge_decl(self, loc: Any, res: Attrs, opt: Any) -> Attrs:
        options = lazy(_get, opt, "options")
        merged: list[Any] = []  # `t.typeMerge t'.functor`, once computed

        def both_have(k: str) -> bool:
            o = force(options)
            return type(o) is Attrs and k in o.vals and k in res.vals

        def mergeable() -> bool:
            if not merged:
                functor = lazy(_get, lazy(_get, options, "type"), "functor")
                merged.append(self.call(_get(_get(res, "type"), "typeMerge"), functor))
            return merged[0] is not None

        if both_have("default") or both_have("example") or both_have("description") \
                or both_have("apply") or (both_have("type") and not mergeable()):
            raise self.throw("declared", f"The option `{self.show_option(loc)}' in "
                             f"`{self.text(_get(opt, 'file'))}' is already declared in "
                             f"{self.show_files(_sel(res, 'declarations'))}.")
        o = force(options)
        if type(o) is not Attrs:
            raise type_error("a set", o).with_trace(
                "in the left operand of the update (//) operator")
        file = _sel(force(opt), "file")
        parts = [Attrs({"declarations": lazy(_appended, res, file),
                        "options": lazy(self._submodules, o, file, res)}), res, o]
        if both_have("type") and mergeable():
            parts.insert(0, Attrs({"type": merged[0]}))
        return merge_updates(parts)

    def _submodules(self, o: Attrs, file: Any, res: Attrs) -> list:
        """The declaration's submodules, then those declared before."""
        get_sub = None  # `opt.options.type.getSubModules or null`
        if "type" in o.vals:
            t = force(o.vals["type"])
            if type(t) is Attrs and "getSubModules" in t.vals:
                get_sub = force(t.vals["getSubModules"])
        pack = self.sibling("packSubmodule")
        if get_sub is not None:
            head = [lazy(self.call, pack, file, m) for m in force_list(get_sub)]
        elif "options" in o.vals:
            given = force(o.vals["options"])  # toList
            head = [lazy(self._coerce_option, pack, file, m)
                    for m in (given if type(given) is list else [o.vals["options"]])]
        else:
            return force_list(_get(res, "options"))
        return head + force_list(_get(res, "options"))

    def _coerce_option(self, pack: Any, file: Any, m: Any) -> Any:
        if self.is_function(m):
            return self.call(pack, file, m)
        return self.call(pack, file, Attrs({"options": m}))

    # fixupOptionType ----------------------------------------------------------------
    def fixup_option_type(self, state: Any, loc: Any, opt: Any) -> Attrs:
        o = force(opt)
        get_sub = None  # `opt.type.getSubModules or null`
        if type(o) is Attrs and "type" in o.vals:
            t = force(o.vals["type"])
            if type(t) is Attrs and "getSubModules" in t.vals:
                get_sub = force(t.vals["getSubModules"])
        if type(o) is not Attrs:
            raise type_error("a set", o).with_trace(
                "in the left operand of the update (//) operator")
        if get_sub is None:
            return merge_updates([Attrs({"type": lazy(self._fixed_type, loc, o)}), o])
        return merge_updates([Attrs({"type": lazy(self._substituted, o), "options": []}), o])

    def _substituted(self, o: Attrs) -> Any:
        """``opt.type.substSubModules opt.options``."""
        return self.call(_get(_get(o, "type"), "substSubModules"), _sel(o, "options"))

    def _fixed_type(self, loc: Any, o: Attrs) -> Any:
        """``f (opt.type or types.unspecified)``: an optionSet wrapped in a
        type becomes a submodule."""
        tp = force(o.vals["type"]) if "type" in o.vals else _get(self.types(), "unspecified")
        if equal(_get(tp, "name"), "option set") or equal(_get(tp, "name"), "submodule"):
            raise self.throw("wrapping", f"The option {self.show_option(loc)} uses submodules "
                             "without a wrapping type, in "
                             f"{self.show_files(_sel(o, 'declarations'))}.")
        for wrapper in ("attrsOf", "loaOf", "listOf", "nullOr"):
            if equal(_get(tp, "name"), wrapper) and equal(
                    _get(_get(_get(tp, "functor"), "wrapped"), "name"), "optionSet"):
                types = self.types()
                options = o.vals["options"] if "options" in o.vals else lazy(self._unbound)
                return self.call(_get(types, wrapper),
                                 lazy(self.call, _get(types, "submodule"), options))
        return tp

    def _unbound(self) -> Any:
        raise NixError("undefined variable 'loc''", self.position("unbound", UNBOUND))

    # evalOptionValue -----------------------------------------------------------------
    def eval_option_value(self, state: Any, loc: Any, opt: Any, defs: Any) -> Attrs:
        o = force(opt)
        if type(o) is not Attrs:
            raise type_error("a set", o).with_trace(
                "in the left operand of the update (//) operator")
        all_defs = lazy(self._with_default, o, defs)
        res = lazy(self._res, loc, o, all_defs)
        final = lazy(_get, res, "defsFinal")
        vals = dict(o.vals)
        vals["value"] = lazy(self._option_value, loc, o, res)
        vals["definitions"] = lazy(_each, final, "value")
        vals["files"] = lazy(_each, final, "file")
        vals["isDefined"] = lazy(_get, res, "isDefined")
        return Attrs(vals, o.pos)

    def _with_default(self, o: Attrs, defs: Any) -> list:
        out = []
        if "default" in o.vals:
            declarations = o.vals["declarations"] if "declarations" in o.vals else \
                lazy(_get, o, "declarations")
            out.append(Attrs({
                "file": lazy(_head, declarations),
                "value": lazy(self.call, self.sibling("mkOptionDefault"), o.vals["default"])}))
        return out + force_list(defs)

    def _res(self, loc: Any, o: Attrs, all_defs: Any) -> Any:
        if readlog.LOG is not None:
            # all that tells of the option's definitions (its value, `files',
            # `isDefined', …) comes through here: a read of them (see readlog)
            readlog.note(tuple(map(force, force_list(loc))))
        read_only = force_bool(o.vals["readOnly"], None, "in the left operand of the AND (&&) "
                               "operator") if "readOnly" in o.vals else False
        if read_only and len(force_list(all_defs)) > 1:
            raise self.throw("read-only", f"The option `{self.show_option(loc)}' is read-only, "
                             "but it's set "
                        "multiple times.")
        return self.call(self.sibling("mergeDefinitions"), loc, _sel(o, "type"), all_defs)

    def _option_value(self, loc: Any, o: Attrs, res: Any) -> Any:
        try:
            defined = force_bool(_get(res, "isDefined"), None, "in the argument of the not "
                                 "operator")
            if not defined:
                raise self.throw("undefined", f"The option `{self.show_option(loc)}' is used "
                                 "but not defined.")
            merged = lazy(_get, res, "mergedValue")
            if "apply" in o.vals:
                return self.call(o.vals["apply"], merged)
            return force(merged)
        except NixError as e:
            e.add_trace(f"while evaluating the option `{self.show_option(loc)}':", None, True)
            raise


class _Level:
    """``mergeModules' prefix options configs``: each module's declarations
    and definitions indexed by name once, rather than searched per name."""

    def __init__(self, bound: _Bound, prefix: Any, options: Any, configs: Any) -> None:
        self.bound = bound
        self.prefix = prefix
        self.configs = configs
        self.decls: dict[str, list[tuple[Any, Any]]] = {}
        self.options = options
        # `m.config ? name` for every module, first needed by any name's definitions
        self.defined = lazy(self._definitions)
        self.attrs: Attrs | None = None  # what result() made
        self.children: dict[str, _Level] = {}  # the levels below, as made

    def result(self) -> Attrs:
        decls = self.decls
        for m in force_list(self.options):
            opts = _get(m, "options")
            if type(opts) is not Attrs:
                raise type_error("a set", opts).with_trace(
                    "while evaluating the argument passed to builtins.attrNames")
            for name in values.sorted_names(opts.vals):
                decls.setdefault(name, []).append((m, opts.vals[name]))
        vals: dict[str, Any] = {name: lazy(self.value, name) for name in decls}
        vals["_definedNames"] = lazy(self._defined_names)
        self.attrs = Attrs(vals)
        return self.attrs

    def undeclared(self, loc: tuple[str, ...], out: set) -> None:
        """Add to ``out`` the names defined here and below that nothing
        declares (see ``undeclared``), making the sets of options below but
        not the options."""
        for m in force_list(self.configs):
            c = _get(m, "config")
            if type(c) is not Attrs:
                out.add((loc, None, _path_text(_get(m, "file"))))
                continue
            for name in c.vals:
                if name not in self.decls:
                    out.add((loc, name, _path_text(_get(m, "file"))))
        for name, decls in self.decls.items():
            if not any(equal(_type_tag(o), "option") for _, o in decls):
                force(self.attrs.vals[name])  # makes the level below (see value)
                self.children[name].undeclared((*loc, name), out)

    def _defined_names(self) -> list:
        return [lazy(_defined_names_of, m) for m in force_list(self.configs)]

    def _definitions(self) -> dict[str, list[tuple[Any, Any]]]:
        by: dict[str, list[tuple[Any, Any]]] = {}
        for m in force_list(self.configs):
            c = _get(m, "config")
            if type(c) is Attrs:
                for name, v in c.vals.items():
                    by.setdefault(name, []).append((m, v))
        return by

    def value(self, name: str) -> Any:
        bound = self.bound
        loc = lazy(lambda: [*force_list(self.prefix), name])
        decls = [Attrs({"file": _sel(force(m), "file"), "options": o})
                 for m, o in self.decls[name]]
        options = sum(1 for d in decls if equal(_type_tag(d.vals["options"]), "option"))
        if options == len(decls):
            merged = lazy(bound.call, bound.sibling("mergeOptionDecls"), loc, decls)
            opt = lazy(bound.call, bound.sibling("fixupOptionType"), loc, merged)
            return bound.call(bound.sibling("evalOptionValue"), loc, opt,
                              lazy(self._option_defs, name))
        if options != 0:
            first = next(d for d in decls if equal(_type_tag(d.vals["options"]), "option"))
            other = next(d for d in decls if not equal(_type_tag(d.vals["options"]), "option"))
            raise bound.throw("prefix", f"The option `{bound.show_option(loc)}' in "
                        f"`{bound.text(first.vals['file'])}' is a prefix of options in "
                        f"`{bound.text(other.vals['file'])}'.")
        merge = bound.sibling("mergeModules'")
        if merge is bound.merge_modules_prim:  # this file's own
            level = self.children[name] = _Level(bound, loc, decls, lazy(self._pushed_defs, name))
            return level.result()
        return bound.call(merge, loc, decls, lazy(self._pushed_defs, name))

    def _option_defs(self, name: str) -> list:
        return [Attrs({"file": _sel(force(m), "file"), "value": v})
                for m, v in force(self.defined).get(name, ())]

    def _pushed_defs(self, name: str) -> list:
        out = []
        for m, v in force(self.defined).get(name, ()):
            file = _sel(force(m), "file")
            out.extend(Attrs({"file": file, "config": c}) for c in self.bound.push_down(v))
        return out


def _defined_names_of(m: Any) -> Attrs:
    """``{ inherit (m) file; names = attrNames m.config; }``."""
    def names() -> list:
        c = _get(m, "config")
        if type(c) is not Attrs:
            raise type_error("a set", c).with_trace(
                "while evaluating the argument passed to builtins.attrNames")
        return values.sorted_names(c.vals)

    return Attrs({"file": _sel(force(m), "file"), "names": lazy(names)})


def _concat_contents(merge: Any, walk: Callable[[Any], list]) -> list:
    """``concatMap walk merge.contents`` (an ``mkMerge``'s parts, in order)."""
    out: list = []
    for c in force_list(_get(merge, "contents")):
        out.extend(walk(c))
    return out


def _non_empty(final: Any) -> bool:
    return len(force_list(final)) != 0


def _optional_value(is_defined: Any, merged: Any) -> Attrs:
    return Attrs({"value": merged}) if force_bool(is_defined) else Attrs({})


def _each(defs: Any, name: str) -> list:
    """``map (def: def.name) defs``."""
    return [_sel(d, name) for d in force_list(defs)]


def _path_text(v: Any) -> str:
    """A module's file as text (a path as it is, not copied to the store)."""
    return v.path if type(v) is NixPath else str(v)


def _if_forced(v: Any) -> Any:
    """``v``'s value if it has one already, else None (nothing is forced)."""
    if type(v) is not Thunk:
        return v
    return v.value if v.code is None or type(v.code) is readlog.Span else None


def _source_of(value: Any) -> Any:
    """The text a module file's value was read from (its function's, or a
    set's first attribute's), if known."""
    v = _if_forced(value)
    if type(v) is Lambda and v.fn.pos:
        return v.fn.pos[0]
    if type(v) is Attrs and v.pos:
        first = next(iter(v.pos.values()), None)
        return first[0] if first else None
    return None


def _module_argument(args: Attrs, name: str) -> Any:
    """``args.${name} or config._module.args.${name}``."""
    if name in args.vals:
        return force(args.vals[name])
    return _get(_get(_get(_get(args, "config"), "_module"), "args"), name)


def _meta_set(m: Any) -> Attrs:
    """``if m ? meta then { meta = m.meta; } else {}``."""
    return Attrs({"meta": m.vals["meta"]}) if type(m) is Attrs and "meta" in m.vals \
        else Attrs({})


def _concat(a: Any, b: Any) -> list:
    """``a ++ b``."""
    left, right = force(a), force(b)
    for v in (left, right):
        if type(v) is not list:
            raise type_error("a list", v)
    return left + right


def _appended(res: Attrs, file: Any) -> list:
    """``res.declarations ++ [opt.file]``."""
    return [*force_list(_get(res, "declarations")), file]


def _head(xs: Any) -> Any:
    items = force_list(xs)
    if not items:
        raise NixError("'builtins.head' called on an empty list")
    return force(items[0])

