"""Option definitions and their merge (nixpkgs' ``mergeDefinitions``).

A ``Def`` is one definition on its way through the merge: the file it came
from, its (lazy) value, and what nixeval keeps besides lib — the position of
the attribute that made it and the priority it was given — so front ends can
show every definition, where it is and whether it won.
"""

from __future__ import annotations

from typing import Any

from ..eval.errors import NixError, Pos
from ..eval.ops import coerce_to_string, equal, force_bool, force_list, force_string
from ..eval.values import Attrs, Kept, PrimOp, force, type_error
from . import properties
from .nix import Lib, formals, lazy, select, throw


class Def:
    __slots__ = ("_prio", "extra", "file", "order", "pos", "status", "value")

    def __init__(self, file: Any, value: Any, pos: Pos = None, extra: Attrs | None = None) -> None:
        self.file = file  # unforced, as lib's `inherit (m) file`
        self.value = value
        self.pos = pos
        # a definition made by mkDefinition (or handed in by Nix code with more
        # attributes): its own set, whose attributes lib keeps
        self.extra = extra
        self._prio: Any = None  # mkOverride priority, once filtered (perhaps unforced)
        self.order: Any = None  # mkOrder priority, once sorted
        # for front ends, once merged: "won", "overridden" or "condition false"
        self.status: str | None = None

    def with_value(self, value: Any) -> Def:
        d = Def(self.file, value, self.pos, self.extra)
        d._prio = self._prio
        d.order = self.order
        d.status = self.status
        return d

    @property
    def prio(self) -> Any:
        """The mkOverride priority (forced: a lib may leave it unforced)."""
        return force(self._prio)

    @prio.setter
    def prio(self, value: Any) -> None:
        self._prio = value

    def to_nix(self) -> Attrs:
        if self.extra is not None:
            vals = dict(self.extra.vals)
            vals["value"] = self.value
        else:
            vals = {"file": self.file, "value": self.value}
        if self.order is not None:
            vals["priority"] = self.order
        return Attrs(vals)

    @staticmethod
    def from_nix(d: Any) -> Def:
        a = force(d)
        if type(a) is not Attrs:
            raise type_error("a set", a)
        # lib's `def // { value = …; }` keeps whatever else the set holds
        return Def(_select(a, "file"), _select(a, "value"), None, a)


def _select(a: Attrs, name: str) -> Any:
    """``a.name``, lazily: a missing attribute is an error only when used."""
    v = a.vals.get(name)
    if v is not None or name in a.vals:
        return v
    return lazy(_raise_missing, a, name)


def _raise_missing(a: Attrs, name: str) -> Any:
    from ..eval.compiler import _missing

    raise _missing(a, name)


class Merge:
    """``mergeDefinitions loc type defs``, each part computed when asked for.

    ``dropped`` keeps, for front ends, the definitions that a condition or a
    better priority removed."""

    def __init__(self, lib: Lib, loc: Any, type_: Any, defs: list[Def] | None,
                 nix_defs: Any = None) -> None:
        self.lib = lib
        self.loc = loc
        self.type = type_
        # Defs, or else lib's list of {file, value} sets, read when needed
        self._defs = defs
        self._nix_defs = nix_defs
        self._kept = Kept()  # the filtered and the sorted definitions, the checked merge
        self.highest_prio: Any = None
        self.discharged: list[Def] = []  # each with its priority and status
        self.dropped: list[Def] = []  # definitions a false mkIf removed

    def _filter(self) -> list[Def]:
        """``defsFinal'``'s first steps: conditions discharged, overrides
        filtered; the priority is known from here, before anything reads the
        values (lib's ``highestPrio`` does not sort by ``mkOrder``)."""
        return self._kept.get_or_compute("filtered", self._filtering)

    def _filtering(self) -> list[Def]:
        discharged: list[Def] = []
        if self._defs is None:
            self._defs = defs_from_nix(self._nix_defs)
        for m in self._defs:
            try:
                values = properties.discharge(m.value)
            except NixError as e:
                file = _file_text(self.lib, m.file)
                e.add_trace(f"while evaluating definitions from `{file}':", None, True)
                raise
            if not values:
                m.status = "condition false"
                self.dropped.append(m)
            for value in values:
                v = force(value)
                if type(v) is Attrs and "_type" in v.vals \
                        and force(v.vals["_type"]) == "definition":
                    d = Def(v.vals.get("file"), v.vals.get("value"), m.pos, v)
                else:
                    d = Def(m.file, value, m.pos)
                discharged.append(d)
        kept, best = filter_overrides(
            discharged, self.lib.features.singleton_overrides_lazy)
        self.discharged = discharged
        self.highest_prio = best
        return kept

    @property
    def final(self) -> list[Def]:
        """``defsFinal``: conditions discharged, overrides filtered, sorted."""
        return self._kept.get_or_compute("final", self._sorted)

    def _sorted(self) -> list[Def]:
        kept = self._filter()
        if any(properties.order_of(d.value) is not None for d in kept):
            kept = sort_by_order(kept)
        return kept

    @property
    def is_defined(self) -> bool:
        return bool(self.final)

    def merged_value(self) -> Any:
        final = self.final
        lib = self.lib
        if not final:
            empty = force(force(self.type).vals.get("emptyValue", Attrs({})))
            if lib.features.empty_value_default and type(empty) is Attrs \
                    and "value" in empty.vals:
                return force(empty.vals["value"])
            if lib.features.used_but_not_defined_message:
                raise throw(f"The option `{lib.show_option(self.loc)}' is used but not defined.")
            raise throw(f"The option `{lib.show_option(self.loc)}' was accessed but has no "
                        "value defined. Try setting the option.")
        t = force(self.type)
        if lib.merge_v2 and v2_of(select(t, "merge")) is not None:
            return self._v2_value(t)
        check = force(t.vals["check"])
        if all(call_check(lib.state, check, d.value) for d in final):
            return call_merge(lib.state, t.vals["merge"], self.loc, final)
        invalid = [d.to_nix() for d in final if not call_check(lib.state, check, d.value)]
        desc = force_string(force(self.type).vals["description"])
        raise throw(f"A definition for option `{lib.show_option(self.loc)}' is not of type "
                    f"`{desc}'. Definition values:{lib.show_defs(invalid)}")

    def _v2_value(self, t: Attrs) -> Any:
        """``mergedValue`` of a type with a v2 merge: its value, unless the
        merge reports an error."""
        checked = self.checked_and_merged()
        error = force(checked.vals["headError"])
        if error is not None:
            state = self.lib.state
            raise throw(f"A definition for option `{self.lib.show_option(self.loc)}' is not of "
                        f"type `{coerce_to_string(state, select(t, 'description'))}'. "
                        f"TypeError: {coerce_to_string(state, select(error, 'message'))}")
        return force(checked.vals["value"])

    def checked_and_merged(self) -> Attrs:
        """lib's ``checkedAndMerged`` (libs with v2 merges): the type's v2
        merge of the definitions (its ``valueMeta`` with ``_internal.type``),
        or for a type without one the merged value, no error, no metadata."""
        return self._kept.get_or_compute("checked", self._checking)

    def _checking(self) -> Attrs:
        t = force(self.type)
        v2 = v2_of(select(t, "merge"))
        if v2 is None:
            return Attrs({"headError": None, "value": lazy(self.merged_value),
                          "valueMeta": Attrs({})})
        r = coherent_v2(self.lib, self.loc, t, v2, self.final, MIXED_VERSIONS_NOTE)
        if type(r) is not Attrs:
            raise type_error("a set", r)
        vals = dict(r.vals)
        vals["valueMeta"] = lazy(_with_internal_type, select(r, "valueMeta"), self.type)
        return formals(Attrs(vals), "anonymous lambda", V2_RESULT, V2_RESULT)

    def value_meta(self) -> Any:
        """``checkedAndMerged.valueMeta`` (forced)."""
        return force(self.checked_and_merged().vals["valueMeta"])

    def to_nix(self) -> Attrs:
        """The set lib's ``mergeDefinitions`` returns."""
        merged = lazy(self.merged_value)
        final = lazy(lambda: [d.to_nix() for d in self.final])
        vals = {
            "defsFinal'": lazy(lambda: Attrs({"values": final, "highestPrio": self._highest()})),
            "defsFinal": final,
            "mergedValue": merged,
            "isDefined": lazy(lambda: self.is_defined),
            "optionalValue": lazy(lambda: Attrs({"value": merged}) if self.is_defined
                                  else Attrs({})),
        }
        if self.lib.merge_v2:
            vals["checkedAndMerged"] = lazy(self.checked_and_merged)
        return Attrs(vals)

    def _highest(self) -> Any:
        self._filter()
        return self.highest_prio


def filter_overrides(defs: list[Def], lazy_singleton: bool = False) -> tuple[list[Def], Any]:
    """lib's ``filterOverrides'``: the definitions of the best priority,
    unwrapped, and that priority (each definition's own is kept in ``prio``).
    ``lazy_singleton``: a lone definition wins without its priority being
    read (libs from 2026-05 on)."""
    if lazy_singleton and len(defs) == 1:
        d = defs[0]
        d.prio = lazy(properties.override_priority, d.value)
        d.status = "won"
        return [d.with_value(properties.strip_override(d.value))], d._prio
    for d in defs:
        d.prio = properties.override_priority(d.value)
    best = properties.min_priority([d.prio for d in defs])
    for d in defs:
        d.status = "won" if _equal(d.prio, best) else "overridden"
    kept = [d.with_value(properties.strip_override(d.value)) for d in defs if _equal(d.prio, best)]
    return kept, best


def _truthy(v: Any) -> bool:
    v = force(v)
    if type(v) is not bool:
        raise type_error("a Boolean", v).with_trace(
            "while evaluating the return value of the function passed to builtins.all")
    return v


def _equal(a: Any, b: Any) -> bool:
    return equal(a, b)


def sort_by_order(defs: list[Def]) -> list[Def]:
    stripped = []
    for d in defs:
        order = properties.order_of(d.value)
        if order is not None:
            d = d.with_value(order[1])
            d.order = order[0]
        stripped.append(d)
    if len(stripped) < 2:  # builtins.sort compares nothing: no priority is forced
        return stripped
    return sorted(stripped, key=lambda d: properties.DEFAULT_ORDER_PRIORITY
                  if d.order is None else force(d.order))


def _file_text(lib: Lib, file: Any) -> str:
    return coerce_to_string(lib.state, file)


def defs_from_nix(defs: Any) -> list[Def]:
    return [Def.from_nix(d) for d in force_list(defs)]


def make_merge_definitions(lib: Lib) -> Any:
    """The native ``mergeDefinitions`` for Nix code (types.nix calls it)."""
    def merge_definitions(state: Any, loc: Any, type_: Any, defs: Any) -> Attrs:
        return Merge(lib, loc, type_, None, defs).to_nix()

    return PrimOp("mergeDefinitions", 3, merge_definitions, lambda_like=True)


def call_check(state: Any, check: Any, v: Any) -> bool:
    """``check v`` as a Boolean (lib asks for one through ``builtins.all``),
    natively where the check is native (also a v2 type's, a set whose
    ``__functor`` is native: ``types/core.py``'s ``coherent_check``)."""
    c = force(check)
    if type(c) is PrimOp and c.native is not None and c.arity == 1:
        return c.native(v)
    if type(c) is Attrs:
        f = c.vals.get("__functor")
        if type(f) is PrimOp and f.native is not None and f.arity == 2:
            return f.native(v)
    return _truthy(state.call(c, v))


def call_merge(state: Any, merge: Any, loc: Any, defs: list[Def]) -> Any:
    """``merge loc defs`` (forced), natively where the merge is native."""
    m = force(merge)
    if type(m) is PrimOp and m.native is not None and m.arity == 2:
        return m.native(loc, defs)
    if type(m) is Attrs and m.vals.get("__functor") is V2_FUNCTOR:
        return force(select(call_v2(state, select(m, "v2"), loc, defs), "value"))
    call = state.call
    return force(call(call(m, loc), [d.to_nix() for d in defs]))


# The v2 merge protocol (nixpkgs 2025-08): a type's `merge` is also a set whose
# `v2 { loc, defs }` gives `{ headError, value, valueMeta }`, its `check` a set
# that says it agrees with that merge (`isV2MergeCoherent`).

V2_RESULT = ("headError", "value", "valueMeta")
# modules.nix's checkV2MergeCoherence says this too; types.nix's does not
MIXED_VERSIONS_NOTE = (
    "\nAlternatively, this message may also occur as false positive when mixing Nixpkgs\n"
    "versions, if one Nixpkgs is between 83fed2e6..58696117 (Aug 28 - Oct 28 2025)\n")


def _merge_by_v2(state: Any, self_: Any, loc: Any, defs: Any) -> Any:
    """lib's ``__functor = self: loc: defs: (self.v2 { inherit loc defs; }).value``."""
    result = state.call(select(self_, "v2"), Attrs({"loc": loc, "defs": defs}))
    return force(select(result, "value"))


V2_FUNCTOR = PrimOp("__functor", 3, _merge_by_v2, lambda_like=True)


def v2_of(merge: Any) -> Any:
    """``merge.v2`` where ``merge ? v2``, else None."""
    m = force(merge)
    return m.vals["v2"] if type(m) is Attrs and "v2" in m.vals else None


def call_v2(state: Any, v2: Any, loc: Any, defs: list[Def]) -> Attrs:
    """``v2 { inherit loc defs; }`` (forced), natively where it is native."""
    f = force(v2)
    if type(f) is PrimOp and f.native is not None:
        return f.native(loc, defs)
    return force(state.call(f, Attrs({"loc": loc, "defs": [d.to_nix() for d in defs]})))


def coherent_v2(lib: Lib, loc: Any, t: Any, v2: Any, defs: list[Def], note: str = "") -> Attrs:
    """``checkV2MergeCoherence loc t (v2 { inherit loc defs; })``: a type
    whose check is not the one its v2 merge was made with (``t // { check }``)
    is refused."""
    c = force(select(t, "check"))
    ok = c.vals["isV2MergeCoherent"] if type(c) is Attrs and "isV2MergeCoherent" in c.vals \
        else False
    if not force_bool(ok):
        state = lib.state
        raise throw(
            f"The option `{lib.show_option(loc)}' has a type "
            f"`{coerce_to_string(state, select(t, 'description'))}' that uses\n"
            "an ad-hoc `type // { check = ...; }' override, which is incompatible with\n"
            "the v2 merge mechanism.\n\n"
            "Please use `lib.types.addCheck` instead of `type // { check }' to add\n"
            "custom validation. For example:\n\n"
            "  lib.types.addCheck baseType (value: /* your check */)\n\n"
            "instead of:\n\n"
            "  baseType // { check = value: /* your check */; }\n" + note)
    return call_v2(lib.state, v2, loc, defs)


def _with_internal_type(meta: Any, t: Any) -> Attrs:
    """``meta // { _internal = { inherit type; }; }``."""
    m = force(meta)
    if type(m) is not Attrs:
        raise type_error("a set", m)
    vals = dict(m.vals)
    vals["_internal"] = Attrs({"type": t})
    return Attrs(vals, m.pos)
