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
set's own references. Everything else (``evalModules``, ``closeModules``,
``mergeOptionDecls``, ``fixupOptionType``, types) stays the lib's code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..eval.errors import NixError, ThrownError
from ..eval.ops import coerce_to_string, equal, force_bool, force_list, less_than
from ..eval.values import Attrs, Lambda, PrimOp, force, type_error
from ..syntax.fingerprint import file_fingerprint
from .nix import lazy
from .nix import selected as _get

# the functions replaced; their fingerprint (with all they reach in the file)
# decides whether a lib is one of VARIANTS
NAMES = ("mergeModules'", "evalOptionValue", "mergeDefinitions", "pushDownProperties",
         "dischargeProperties", "filterOverrides")
# where in the file each of the native functions' messages is thrown (the
# position Nix gives the error, and lint shows), found in the file's text
THROWS = {
    "undefined": r"throw\s*\"The option `\$\{showOption loc\}' is used but not defined",
    "read-only": r"throw\s*\"The option `\$\{showOption loc\}' is read-only",
    "type": r"throw\s*\"The option value `\$\{showOption loc\}'",
    "prefix": r"throw\s*\"The option `\$\{showOption loc\}' in `\$\{firstOption",
    "condition": "throw\\s*\"\u2018mkIf\u2019 called with a non-Boolean",
}
# the file's other functions the native ones call, through the set's slots
SIBLINGS = ("fixupOptionType", "mergeOptionDecls", "sortProperties", "mkOptionDefault",
            "mkIf", "mkOverride")


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


VARIANTS: dict[str, Variant] = {
    "9963527fb7e9948873361ad523a4d76fa86c48f74f5e86c7105548591934b74f": Variant(
        "nixpkgs 16.09", "The option value `{}' in `{}' is not a {}.", "name", False),
    "c6a105499f1ec2b5320df5d6feebd3bc0a2966e0880d1711ef5ed13b09597dfe": Variant(
        "nixpkgs 17.03", "The option value `{}' in `{}' is not a {}.", "description", True),
    "583711a67b16597cfe7c35a612484a7ecbab82548b716b86c402c437431c02ad": Variant(
        "nixpkgs 17.09", "The option value `{}' in `{}' is not a {}.", "description", True),
    "34639d1142073ecd89115a37af19d953bd4b123fae2aa09e715d485d3d807563": Variant(
        "nixpkgs 18.03", "The option value `{}' in `{}' is not of type `{}'.", "description",
        True),
}


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
        self._show_option: Any = None
        self.source: Any = None  # the file's Source, for the positions of THROWS
        self._positions: dict[str, Any] = {}

    def install(self, result: Attrs) -> bool:
        anchor = result.vals.get("mergeModules'")
        if type(anchor) is not Lambda:
            return False
        env = anchor.env
        index = {name: i for i, name in enumerate(result.vals)}
        for name in (*NAMES, *SIBLINGS):
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
        }
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

    def show_option(self, loc: Any) -> str:
        """The lib's ``showOption loc`` (from its options.nix)."""
        if self._show_option is None:
            if self.args is not None:
                options = _get(_get(self.args, "lib"), "options")
            else:
                options = force(self.state.import_file(
                    os.path.join(os.path.dirname(self.path), "options.nix")))
            self._show_option = _get(options, "showOption")
        return self.text(self.call(self._show_option, loc))

    def throw(self, kind: str, message: str) -> NixError:
        """The lib's ``throw message`` of this kind, with the frame its call in
        the file gives it."""
        if kind not in self._positions:
            import re

            found = re.search(THROWS[kind], self.source.text) if self.source else None
            self._positions[kind] = (self.source, found.start()) if found else None
        error = ThrownError(message)
        error.add_trace("while calling the 'throw' builtin", self._positions[kind])
        return error

    def text(self, v: Any) -> str:
        """``"${v}"``: Nix's interpolation (a path is copied to the store)."""
        return coerce_to_string(self.state, v)

    # mergeModules' -------------------------------------------------------------
    def merge_modules(self, state: Any, prefix: Any, options: Any, configs: Any) -> Attrs:
        return _Level(self, prefix, options, configs).result()

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

    def result(self) -> Attrs:
        decls = self.decls
        for m in force_list(self.options):
            opts = _get(m, "options")
            if type(opts) is not Attrs:
                raise type_error("a set", opts).with_trace(
                    "while evaluating the argument passed to builtins.attrNames")
            for name in sorted(opts.vals, key=_sort_key):
                decls.setdefault(name, []).append((m, opts.vals[name]))
        vals: dict[str, Any] = {name: lazy(self.value, name) for name in decls}
        vals["_definedNames"] = lazy(self._defined_names)
        return Attrs(vals)

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
        return bound.call(bound.sibling("mergeModules'"), loc, decls,
                          lazy(self._pushed_defs, name))

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
        return sorted(c.vals, key=_sort_key)

    return Attrs({"file": _sel(force(m), "file"), "names": lazy(names)})


def _concat_contents(merge: Any, walk: Callable[[Any], list]) -> list:
    """``concatMap walk merge.contents`` (an ``mkMerge``'s parts, in order)."""
    out: list = []
    for c in force_list(_get(merge, "contents")):
        out.extend(walk(c))
    return out


def _sort_key(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def _non_empty(final: Any) -> bool:
    return len(force_list(final)) != 0


def _optional_value(is_defined: Any, merged: Any) -> Attrs:
    return Attrs({"value": merged}) if force_bool(is_defined) else Attrs({})


def _each(defs: Any, name: str) -> list:
    """``map (def: def.name) defs``."""
    return [_sel(d, name) for d in force_list(defs)]


def _head(xs: Any) -> Any:
    items = force_list(xs)
    if not items:
        raise NixError("'builtins.head' called on an empty list")
    return force(items[0])

