"""Binding a lib's module system to the native implementation.

nixpkgs' lib (and nixeval's embedded one) defines the module system in three
files beside each other: ``modules.nix``, ``options.nix`` and ``types.nix``.
A lib is recognised by what those files compute, not by their names: the
fingerprint (``syntax/fingerprint.py``) of the definitions the native code
replaces in each file. Where the three fingerprints are ones the native
implementation has been proven against (``proven.json``: lib versions whose
module-system suite native nixeval passes exactly as ``nix-instantiate``
does), the files are still interpreted, but the functions that do the work
are replaced by native ones. Any other lib (an older or newer nixpkgs, a
project's own files that share the names) runs its own code, so nixeval never
fails where the lib itself works.

Environment: ``NIXEVAL_MODULES=interpreted`` (or the older
``NIXEVAL_INTERPRETED_MODULES=1``) never binds; ``NIXEVAL_MODULES=native``
binds every lib whose files have the shape, proven or not (how a new lib
version is tried); ``NIXEVAL_SHOW_MODULES=1`` says on stderr, once per lib,
which ran and why.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from .. import inputs
from ..eval.values import Attrs, Lambda, PrimOp, force, type_error
from ..files import read_bytes
from ..syntax.fingerprint import file_fingerprint
from . import features
from .nix import Lib, lazy
from .parts import CALLED, PARTS

_PROVEN_FILE = os.path.join(os.path.dirname(__file__), "proven.json")


@dataclass(frozen=True)
class Decision:
    """How one lib directory's module system runs."""

    folder: str
    native: bool
    reason: str
    fingerprints: tuple[str, ...] | None = None

    def describe(self) -> str:
        mode = "native" if self.native else "interpreted"
        return f"module system of {self.folder}: {mode} ({self.reason})"


_decisions: dict[str, Decision] = {}
_shown: set[str] = set()
_proven: dict[tuple[str, ...], str] | None = None


def mode() -> str:
    """``auto``, ``native`` or ``interpreted``, from the environment."""
    if os.environ.get("NIXEVAL_INTERPRETED_MODULES", "") not in ("", "0"):
        return "interpreted"
    value = os.environ.get("NIXEVAL_MODULES", "auto")
    return value if value in ("native", "interpreted") else "auto"


def proven() -> dict[tuple[str, ...], str]:
    """The fingerprint triples the native implementation is proven for, each
    with the lib version that proved it."""
    global _proven
    if _proven is None:
        with open(_PROVEN_FILE, encoding="utf-8") as f:
            table = json.load(f)
        _proven = {tuple(entry["fingerprints"]): entry["source"] for entry in table["libs"]}
    return _proven


def lib_fingerprints(folder: str) -> tuple[str, ...] | None:
    """The fingerprints of a lib directory's three files (``None`` when one
    of them is not a regular file)."""
    paths = [os.path.join(folder, part) for part in PARTS]
    if not all(inputs.isfile(p) for p in paths):
        return None
    return tuple(file_fingerprint(p, names) for p, names in zip(paths, PARTS.values(),
                                                                  strict=True))


def _lacking(folder: str) -> list[str]:
    """The functions of ``CALLED`` that the lib in ``folder`` does not have: a
    name that its file never mentions is not defined there (a read of the
    text, as a lib's files are never other than their contents)."""
    import re

    out = []
    for part, names in CALLED.items():
        try:
            text = read_bytes(os.path.join(folder, part)).decode("utf-8", "replace")
        except OSError:
            text = ""
        out.extend(f"{part[:-4]}.{n}" for n in names if not re.search(rf"\b{n}\b", text))
    return out


def decide(folder: str) -> Decision:
    """Whether the lib in ``folder`` is bound (decided once per process)."""
    hit = _decisions.get(folder)
    if hit is not None:
        return hit
    chosen = mode()
    if chosen == "interpreted":
        decision = Decision(folder, False, "NIXEVAL_MODULES=interpreted")
    else:
        fps = lib_fingerprints(folder)
        source = proven().get(fps) if fps is not None else None
        if fps is None:
            decision = Decision(folder, False, "not a lib: it lacks one of " + ", ".join(PARTS))
        elif chosen == "native":
            lacking = _lacking(folder)
            decision = Decision(folder, True, "NIXEVAL_MODULES=native", fps) if not lacking \
                else Decision(folder, False, "NIXEVAL_MODULES=native, but this lib lacks "
                              + ", ".join(lacking) + ", which nixeval's module system calls; "
                              "its own code runs", fps)
        elif source is not None:
            decision = Decision(folder, True, f"proven with {source}", fps)
        else:
            decision = Decision(folder, False, "the native implementation is not proven for "
                                "this lib version; its own code runs", fps)
    _decisions[folder] = decision
    return decision


def forget(folders: set[str]) -> None:
    """Decide again for libs in ``folders``, whose files changed."""
    for folder in folders:
        _decisions.pop(folder, None)
    features.forget(folders)


def _settle(decision: Decision) -> Decision:
    """The decision as it stands, said once per lib (NIXEVAL_SHOW_MODULES)."""
    _decisions[decision.folder] = decision
    if decision.folder not in _shown and \
            os.environ.get("NIXEVAL_SHOW_MODULES", "") not in ("", "0"):
        _shown.add(decision.folder)
        sys.stderr.write(f"nixeval: {decision.describe()}\n")
    return decision


def bind(state: Any, path: str, value: Any) -> Any:
    """The value of an imported file, with the native functions in place when
    it is a part of a lib bound to the native module system."""
    part = os.path.basename(path)
    if part not in PARTS:
        return value
    decision = decide(os.path.dirname(path))
    if not decision.native:
        if part == "modules.nix" and decision.fingerprints is not None \
                and mode() != "interpreted":
            from . import legacy

            variant = legacy.variant_of(path)
            if variant is not None:
                _settle(Decision(decision.folder, False, decision.reason + "; its inner "
                                 f"functions native, as written from {variant.source}",
                                 decision.fingerprints))
                return legacy.bind(state, path, value, variant)
        _settle(decision)
        return value
    fn = force(value)
    if type(fn) is not Lambda:  # a lib of another shape (before 2017): its own code runs
        _settle(Decision(decision.folder, False, f"its {part} is not a function of the "
                         "lib; its own code runs", decision.fingerprints))
        return value
    _settle(decision)
    from .types.catalogue import native_options, native_types

    natives = {"modules.nix": native_functions, "options.nix": native_options,
               "types.nix": native_types}[part]

    def bound(state: Any, args: Any) -> Attrs:
        interpreted = force(state.call(fn, args))
        if type(interpreted) is not Attrs:
            raise type_error("a set", interpreted)
        a = force(args)
        lib = Lib(state, a.vals["lib"] if type(a) is Attrs and "lib" in a.vals else args)
        lib.features = features.of(decision.folder)
        if part == "modules.nix":
            lib.internal_module = lazy(_internal_module, state, path, args)
        vals = dict(interpreted.vals)
        # only what the lib itself has: a lib without a function keeps not having it
        vals.update((k, v) for k, v in natives(lib, interpreted).items() if k in vals)
        return Attrs(vals, interpreted.pos)

    return PrimOp(part, 1, bound, lambda_like=True, formals=fn)


def _internal_module(state: Any, path: str, args: Any) -> Any:
    from ..eval.errors import NixError
    from .lib_source import internal_module_fn

    fn = internal_module_fn(state, path, args)
    if fn is None:
        raise NixError(f"nixeval: '{path}' has no internalModule in evalModules to bind; "
                       "set NIXEVAL_MODULES=auto to run this lib's own code")
    return force(fn)


def native_functions(lib: Lib, interpreted: Attrs) -> dict[str, Any]:
    """The functions of a lib's ``modules.nix`` that evaluate modules, native."""
    from ..eval.ops import force_list
    from .declarations import Decl, fixup_option_type, merge_option_decls
    from .definitions import defs_from_nix, filter_overrides, make_merge_definitions, sort_by_order
    from .evaluation import Evaluation, eval_modules

    lib.v2_test = lazy(_checks_and_merges, lib.state, interpreted)

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


def _checks_and_merges(state: Any, interpreted: Attrs) -> bool:
    """Whether the lib's own ``mergeDefinitions`` gives ``checkedAndMerged``:
    the lib merges by the v2 protocol."""
    fn = interpreted.vals.get("mergeDefinitions")
    if fn is None:
        return False
    for arg in ([], Attrs({}), []):
        fn = force(state.call(fn, arg))
    return type(fn) is Attrs and "checkedAndMerged" in fn.vals
