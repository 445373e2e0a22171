"""Option declarations: merging several declarations of one option
(nixpkgs' ``mergeOptionDecls``) and settling its type (``fixupOptionType``)."""

from __future__ import annotations

from typing import Any

from ..eval.ops import force_list
from ..eval.values import Attrs, Thunk, force, pos_attrs
from .nix import Lib, has, lazy, throw


class Decl:
    """One module's declaration under a name: its file, the attribute's
    position, and the value (an option, or a set of further declarations)."""

    __slots__ = ("file", "options", "pos")

    def __init__(self, file: Any, pos: Any, options: Any) -> None:
        self.file = file
        self.pos = pos  # lib's { file, line, column } set, or None
        self.options = options

    @staticmethod
    def of(file: Any, subtree: Attrs, name: str) -> Decl:
        return Decl(file, pos_attrs((subtree.pos or {}).get(name)), subtree.vals[name])


def _already_declared(lib: Lib, loc: Any, file: Any, declarations: Any) -> Exception:
    from .collect import to_string

    return throw(f"The option `{lib.show_option(loc)}' in `{to_string(lib.state, file)}' is "
                 f"already declared in {lib.show_files(declarations)}.")


def _add_deprecated_wrapped(lib: Lib, loc: Any, t: Attrs) -> Attrs:
    """Give ``functor.wrapped`` the deprecation message lib attaches to it."""
    def functor() -> Attrs:
        f = force(t.vals["functor"])
        vals = dict(f.vals)
        vals["wrapped"] = lazy(lambda: force(lib.state.call(
            f.vals["wrappedDeprecationMessage"], Attrs({"loc": loc}))))
        return Attrs(vals, f.pos)

    vals = dict(t.vals)
    vals["functor"] = lazy(functor)
    return Attrs(vals, t.pos)


def _has_wrapped_message(t: Any) -> bool:
    """``t ? functor.wrappedDeprecationMessage``."""
    t = force(t)
    if type(t) is not Attrs or "functor" not in t.vals:
        return False
    return has(t.vals["functor"], "wrappedDeprecationMessage")


def merge_option_decls(lib: Lib, loc: Any, decls: list[Decl]) -> Attrs:
    """``mergeOptionDecls loc opts`` (a strict left fold, as lib's ``foldl'``)."""
    state = lib.state
    # libs before 2024-12 give types no deprecated `wrapped` here
    wraps = not lib.features.decls_without_deprecated_wrapped
    res = Attrs({"loc": loc, "declarations": [], "declarationPositions": [], "options": []})
    for opt in decls:
        o = force(opt.options)
        if type(o) is not Attrs:
            from ..eval.values import type_error

            raise type_error("a set", o)
        ov = o.vals
        for k in ("default", "example", "description", "apply"):
            if k in ov and k in res.vals:
                raise _already_declared(lib, loc, opt.file, res.vals["declarations"])
        type_set: dict[str, Any] = {}
        if "type" in ov:
            if "type" in res.vals:
                t = force(res.vals["type"])
                t2 = force(ov["type"])
                merged = force(state.call(force(t.vals["typeMerge"]), t2.vals["functor"]))
                if merged is None:
                    raise _already_declared(lib, loc, opt.file, res.vals["declarations"])
                type_set["type"] = (_add_deprecated_wrapped(lib, loc, merged)
                                    if wraps and _has_wrapped_message(merged) else merged)
            elif wraps and _has_wrapped_message(ov["type"]):
                type_set["type"] = _add_deprecated_wrapped(lib, loc, force(ov["type"]))
        prev = res.vals
        step = _Step(ov, prev, opt)
        vals = dict(ov)
        vals.update(prev)
        vals["declarations"] = Thunk(_declarations, step)
        vals["declarationPositions"] = Thunk(_positions, step)
        vals["options"] = Thunk(_submodules, step)
        vals.update(type_set)
        res = Attrs(vals, o.pos)
    return res


class _Step:
    """One declaration folded in: what its lazy attributes read (one object,
    the environment of all three thunks, rather than a closure each)."""

    __slots__ = ("opt", "ov", "prev")

    def __init__(self, ov: dict[str, Any], prev: dict[str, Any], opt: Decl) -> None:
        self.ov = ov
        self.prev = prev
        self.opt = opt


def _declarations(step: _Step) -> list:
    return [*force_list(step.prev["declarations"]), step.opt.file]


def _positions(step: _Step) -> list:
    opt = step.opt
    here = opt.pos if opt.pos is not None else Attrs(
        {"file": opt.file, "line": None, "column": None})
    return [*force_list(step.prev["declarationPositions"]), here]


def _submodules(step: _Step) -> list:
    get_sub = _sub_modules_of(step.ov)
    rest = force_list(step.prev["options"])
    if get_sub is None:
        return rest
    return [Attrs({"_file": step.opt.file, "imports": [m]}) for m in force_list(get_sub)] + rest


def _sub_modules_of(ov: dict) -> Any:
    """``opt.options.type.getSubModules or null`` (unforced list, or None)."""
    if "type" not in ov:
        return None
    t = force(ov["type"])
    if type(t) is not Attrs or "getSubModules" not in t.vals:
        return None
    sub = force(t.vals["getSubModules"])
    return sub


def fixup_option_type(lib: Lib, loc: Any, opt: Attrs) -> Attrs:
    """``fixupOptionType loc opt``."""
    vals = dict(opt.vals)
    sub = _sub_modules_of(opt.vals)
    if sub is None:
        if "type" not in vals:
            vals["type"] = lazy(lambda: lib.get("types", "unspecified"))
        return Attrs(vals, opt.pos)
    t = force(opt.vals["type"])
    subst = t.vals["substSubModules"]
    vals["type"] = lazy(lambda: force(lib.state.call(subst, opt.vals["options"])))
    vals["options"] = []
    return Attrs(vals, opt.pos)
