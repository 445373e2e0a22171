"""The merge functions of nixpkgs' ``lib/options.nix`` (``mergeEqualOption``,
``mergeOneOption``, ``mergeUniqueOption``, ``mergeDefaultOption``), natively,
with lib's error texts."""

from __future__ import annotations

from typing import Any

from ...eval.errors import AbortError, AssertionFailed
from ...eval.ops import concat_strings, equal
from ...eval.values import Attrs, PrimOp, force
from ..definitions import Def, call_merge, defs_from_nix
from ..nix import Lib, formals, throw

PRIORITY_SUGGESTION = ("Use `lib.mkForce value` or `lib.mkDefault value` to change the "
                       "priority on any of these definitions.\n")


def _merge_prim(name: str, fn: Any) -> PrimOp:
    return PrimOp(name, 2, lambda state, loc, defs: fn(loc, defs_from_nix(defs)), fn,
                  lambda_like=True)


class Merges:
    def __init__(self, lib: Lib) -> None:
        self.lib = lib
        self.equal = _merge_prim("mergeEqualOption", self.merge_equal)
        self.one = self.unique("", None)
        self.default = _merge_prim("mergeDefaultOption", self.merge_default)

    def merge_equal(self, loc: Any, defs: list[Def]) -> Any:
        """``mergeEqualOption``: every definition the same value."""
        if not defs:
            raise AbortError("evaluation aborted with the following error message: "
                             "'This case should never happen.'")
        first = defs[0]
        for d in defs[1:]:
            if not equal(d.value, first.value):
                raise throw(f"The option `{self.lib.show_option(loc)}' has conflicting "
                            "definition values:"
                            f"{self.lib.show_defs([first.to_nix(), d.to_nix()])}\n"
                            f"{PRIORITY_SUGGESTION}")
        return force(first.value)

    def unique(self, message: Any, merge: Any) -> PrimOp:
        """``mergeUniqueOption { message; merge; }`` (``merge`` None: the one value)."""
        def merge_unique(loc: Any, defs: list[Def]) -> Any:
            if len(defs) == 1:
                if merge is None:
                    return force(defs[0].value)
                return call_merge(self.lib.state, merge, loc, defs)
            if len(defs) <= 1:
                raise AssertionFailed("assertion '(length defs > 1)' failed")
            from ..collect import to_string

            raise throw(f"The option `{self.lib.show_option(loc)}' is defined multiple times "
                        f"while it's expected to be unique.\n{to_string(self.lib.state, message)}"
                        f"\nDefinition values:{self.lib.show_defs([d.to_nix() for d in defs])}"
                        f"\n{PRIORITY_SUGGESTION}")

        return _merge_prim("mergeUniqueOption", merge_unique)

    def unique_nix(self, args: Any) -> PrimOp:
        """``mergeUniqueOption`` as Nix code calls it."""
        # libs before 2024-02 take no `merge`
        allowed = ("message",) if self.lib.features.uniq_own_type else ("merge", "message")
        a = formals(args, "mergeUniqueOption", allowed, ("message",))
        return self.unique(a.vals["message"], a.vals.get("merge"))

    def merge_default(self, loc: Any, defs: list[Def]) -> Any:
        """``mergeDefaultOption``: functions, lists, sets, Booleans and strings
        combine; otherwise equal integers."""
        lib = self.lib
        values = [d.value for d in defs]
        if len(values) == 1:
            return force(values[0])
        if all(lib.is_function(v) for v in values):
            state = lib.state

            def merged(x: Any) -> Any:
                from ...eval.values import app

                applied = [app(state, f, x) for f in values]
                return self.merge_default(loc, defs_from_nix(applied))

            return PrimOp("mergeDefaultOption", 1, lambda state, x: merged(x), lambda_like=True)
        if all(type(force(v)) is list for v in values):
            return [x for v in values for x in force(v)]
        if all(type(force(v)) is Attrs for v in values):
            out: dict[str, Any] = {}
            for v in values:
                out.update(force(v).vals)
            return Attrs(out)
        if all(type(force(v)) is bool for v in values):
            return any(force(v) for v in values)
        if all(isinstance(force(v), str) for v in values):
            return concat_strings([force(v) for v in values])
        if all(type(force(v)) is int for v in values) and \
                all(equal(v, values[0]) for v in values):
            return force(values[0])
        raise throw(f"Cannot merge definitions of `{lib.show_option(loc)}'. Definition "
                    f"values:{lib.show_defs([d.to_nix() for d in defs])}")


