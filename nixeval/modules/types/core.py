"""What every native type shares: the set ``mkOptionType`` makes, functors and
type merging (``defaultTypeMerge``), description phrases, and calling a
type's ``check`` and ``merge`` natively where they are native."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...eval.errors import AssertionFailed
from ...eval.ops import coerce_to_string, equal, force_list
from ...eval.values import Attrs, PrimOp, force, type_error
from ..definitions import (
    V2_FUNCTOR,
    Def,
    call_check,
    call_merge,
    coherent_v2,
    defs_from_nix,
    v2_of,
)
from ..nix import Lib, formals, has, lazy, select, select_or
from .merges import Merges

Check = Callable[[Any], bool]
Merge = Callable[[Any, list[Def]], Any]
# a v2 merge: loc and definitions to `{ headError, value, valueMeta }`
V2 = Callable[[Any, list[Def]], Attrs]

EMPTY = Attrs({})


class _Stateless:
    """A builtin's implementation that ignores the evaluation state: smaller
    than a closure around ``fn``, and types make tens of thousands of them."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, state: Any, *args: Any) -> Any:
        return self.fn(*args)


def prim(name: str, arity: int, fn: Callable[..., Any]) -> PrimOp:
    """A lib function, native: ``fn`` takes the arguments without the state."""
    return PrimOp(name, arity, _Stateless(fn), lambda_like=True)


def check_fn(fn: Check) -> PrimOp:
    """A type's ``check``, callable natively."""
    return PrimOp("check", 1, lambda state, v: fn(v), fn, lambda_like=True)


def merge_fn(fn: Merge) -> PrimOp:
    """A type's ``merge``, callable natively with the module system's definitions."""
    return PrimOp("merge", 2, lambda state, loc, defs: fn(loc, defs_from_nix(defs)), fn,
                  lambda_like=True)


def coherent_check(fn: Check) -> Attrs:
    """A v2 type's ``check``: ``{ __functor = _self: fn; isV2MergeCoherent = true; }``
    (``call_check`` calls the functor natively)."""
    return Attrs({"__functor": PrimOp("__functor", 2, lambda state, _self, v: fn(v), fn,
                                      lambda_like=True),
                  "isV2MergeCoherent": True})


def v2_merge(fn: V2) -> Attrs:
    """A v2 type's ``merge``: ``{ __functor = self: loc: defs: (self.v2 { inherit
    loc defs; }).value; v2 = { loc, defs }: …; }``."""
    def v2(state: Any, args: Any) -> Attrs:
        a = formals(args, "v2", ("defs", "loc"), ("defs", "loc")).vals
        return fn(a["loc"], defs_from_nix(a["defs"]))

    return Attrs({"__functor": V2_FUNCTOR, "v2": PrimOp("v2", 1, v2, fn, lambda_like=True)})


def checked(head_error: Any, value: Any, value_meta: Any) -> Attrs:
    """What a v2 merge gives: ``{ headError, value, valueMeta }``."""
    return Attrs({"headError": head_error, "value": value, "valueMeta": value_meta})


ALWAYS = check_fn(lambda v: True)
NO_SUB_OPTIONS = prim("getSubOptions", 1, lambda prefix: EMPTY)
NO_SUBST = prim("substSubModules", 1, lambda m: None)
NULL_BIN_OP = prim("binOp", 2, lambda a, b: None)


class TypeLib:
    """The lib a native types set belongs to: the messages and helpers only
    error paths need are lib's own, so texts match the lib in use."""

    def __init__(self, lib: Lib, interpreted: Attrs) -> None:
        self.lib = lib
        self.state = lib.state
        self.interpreted = interpreted  # the file's own result, for what is not native
        self.types: dict[str, Any] = {}  # the catalogue, native entries in place
        self.merges = Merges(lib)
        # functors carry no `wrapped` (lib removed it, nixpkgs 2026-04)
        self.unwrapped = lib.features.functor_without_wrapped

    @property
    def v2(self) -> bool:
        """Whether this lib's types merge by the v2 protocol."""
        return self.lib.merge_v2

    # calling a type's parts ----------------------------------------------------
    def check(self, t: Any, v: Any) -> bool:
        """``t.check v`` as a Boolean."""
        return call_check(self.state, select(t, "check"), v)

    def merge(self, t: Any, loc: Any, defs: list[Def]) -> Any:
        """``t.merge loc defs`` (forced)."""
        return call_merge(self.state, select(t, "merge"), loc, defs)

    def call(self, fn: Any, *args: Any) -> Any:
        call = self.state.call
        v = force(fn)
        for a in args:
            v = force(call(v, a))
        return v

    # texts ---------------------------------------------------------------------
    def string(self, v: Any) -> str:
        """``"${v}"``."""
        return coerce_to_string(self.state, v)

    def phrase(self, t: Any, classes: tuple[str, ...]) -> str:
        """``optionDescriptionPhrase (class: class ∈ classes) t``."""
        cls = select_or(t, "descriptionClass", None)
        desc = self.string(select(t, "description"))
        return desc if isinstance(cls, str) and cls in classes else f"({desc})"

    def show_option(self, loc: Any) -> str:
        return self.lib.show_option(loc)

    def show_files_of(self, defs: list[Def]) -> str:
        return self.lib.show_files([d.file for d in defs])

    def warn(self, message: str, value: Any) -> Any:
        """``lib.warn message value``."""
        return self.lib.call(("trivial", "warn"), message, value)

    # functors and type merging -------------------------------------------------
    def default_functor(self, name: str) -> Attrs:
        """``defaultFunctor name``."""
        functor = {"name": name, "type": lazy(lambda: force(self.types.get(name))),
                   "wrapped": None, "payload": None, "binOp": NULL_BIN_OP}
        if self.unwrapped:
            del functor["wrapped"]
        return Attrs(functor)

    def elem_functor(self, name: str, payload: Attrs, type_fn: Any,
                     bin_op: Any = None) -> Attrs:
        """``elemTypeFunctor name payload // { type = type_fn; }`` (and ``binOp``)."""
        if bin_op is None:
            def elem_bin_op(a: Any, b: Any) -> Any:
                merged = self.call(select(select(a, "elemType"), "typeMerge"),
                                   select(select(b, "elemType"), "functor"))
                return None if merged is None else Attrs({"elemType": merged})

            bin_op = prim("binOp", 2, elem_bin_op)
        functor = {"name": name, "payload": payload, "type": type_fn, "binOp": bin_op}
        if not self.unwrapped:
            functor["wrappedDeprecationMessage"] = self.wrapped_message(payload)
        return Attrs(functor)

    def wrapped_functor(self, name: str, wrapped: Any) -> Attrs:
        """``defaultFunctor name // { wrapped = …; }``: a compound type's functor
        in libs before 2025 (``features.wrapped_functors``)."""
        return update(self.default_functor(name), wrapped=wrapped)

    def wraps(self, name: str) -> bool:
        """Whether the lib's ``name`` type has a functor with ``wrapped``."""
        return name in self.lib.features.wrapped_functors

    def wrapped_message(self, payload: Any) -> PrimOp:
        """``makeWrappedDeprecationMessage payload``: ``{ loc }: warn … payload.elemType``."""
        names_option = self.lib.features.wrapped_message_names_option

        def message(args: Any) -> Any:
            loc = force(formals(args, "anonymous lambda", ("loc",), ("loc",)).vals["loc"])
            if names_option:
                return self.warn("The deprecated `type.functor.wrapped` attribute of the option "
                                 f"`{self.show_option(loc)}` is accessed, use "
                                 "`type.nestedTypes.elemType` instead.\n",
                                 select(payload, "elemType"))
            prefix = "" if loc is None else "type."
            where = "" if loc is None else f"of the option `{self.show_option(loc)}` "
            return self.warn(f"The deprecated `{prefix}functor.wrapped` attribute {where}"
                             f"is accessed, use `{prefix}nestedTypes.elemType` instead.\n",
                             select(payload, "elemType"))

        return prim("wrappedDeprecationMessage", 1, message)

    def _unasserted_type_merge(self, f: Attrs, f2: Attrs) -> Any:
        """``defaultTypeMerge`` of libs before 2024-11: no assertions, a merge
        that fails is null."""
        def null(x: Attrs, k: str) -> bool:
            return force(select(x, k)) is None

        if not equal(select(f, "name"), select(f2, "name")):
            return None
        if null(f, "wrapped") and null(f2, "wrapped") and null(f, "payload") \
                and null(f2, "payload"):
            return force(select(f, "type"))
        if not null(f, "wrapped") and not null(f2, "wrapped"):
            merged = self.call(select(select(f, "wrapped"), "typeMerge"),
                               select(select(f2, "wrapped"), "functor"))
            if merged is not None:
                return self.call(select(f, "type"), merged)
        if not null(f, "payload") and not null(f2, "payload"):
            merged = self.call(select(f, "binOp"), select(f, "payload"), select(f2, "payload"))
            if merged is not None:
                return self.call(select(f, "type"), merged)
        return None

    def _payload_first_type_merge(self, f: Attrs, f2: Attrs) -> Any:
        """``defaultTypeMerge`` of nixeval's embedded lib: no assertions, a
        payload first, then a wrapped type."""
        if not equal(select(f, "name"), select(f2, "name")):
            return None
        payload = force(select(f, "payload"))
        if payload is not None:
            if not has(f, "wrappedDeprecationMessage") and force(select(f, "wrapped")) is not None:
                from ..nix import throw

                name = self.string(select(f, "name"))
                raise throw(f"Type {name} defines both `functor.payload` and `functor.wrapped` "
                            "at the same time, which is not supported.\nUse either "
                            "`functor.payload` or `functor.wrapped` but not both.\nIf your "
                            "code worked before remove either `functor.wrapped` or "
                            "`functor.payload` from the type definition.\n")
            merged = self.call(select(f, "binOp"), payload, select(f2, "payload"))
            return None if merged is None else self.call(select(f, "type"), merged)
        wrapped = force(select(f, "wrapped"))
        if wrapped is not None:
            merged = self.call(select(wrapped, "typeMerge"),
                               select(select(f2, "wrapped"), "functor"))
            return None if merged is None else self.call(select(f, "type"), merged)
        return force(select(f, "type"))

    def default_type_merge(self, f_v: Any, f2_v: Any) -> Any:
        """``defaultTypeMerge f f'``."""
        f, f2 = force(f_v), force(f2_v)
        features = self.lib.features
        if features.type_merge_unasserted:
            return self._unasserted_type_merge(f, f2)
        if features.type_merge_payload_first:
            return self._payload_first_type_merge(f, f2)
        if not equal(select(f, "name"), select(f2, "name")):
            return None
        payload = force(select(f, "payload"))
        _assert_same(force(select(f2, "payload")) is not None, payload is not None)

        def has_wrapped() -> bool:
            if self.unwrapped:
                return False
            if features.type_merge_wrapped_optional:
                def non_null(x: Any) -> bool:
                    return has(x, "wrapped") and force(select(x, "wrapped")) is not None

                _assert_same(non_null(f2), non_null(f))
                return non_null(f)
            wrapped = force(select(f, "wrapped"))
            _assert_same(force(select(f2, "wrapped")) is not None, wrapped is not None)
            return wrapped is not None

        if payload is not None:
            # the lib of 2024-11 reads no wrappedDeprecationMessage
            old = features.type_merge_remove_payload_message
            if (old or not has(f, "wrappedDeprecationMessage")) and has_wrapped():
                from ..nix import throw

                name = self.string(select(f, "name"))
                remove = "`functor.payload`" if old else \
                    "either `functor.wrapped` or `functor.payload`"
                raise throw(f"Type {name} defines both `functor.payload` and `functor.wrapped` "
                            "at the same time, which is not supported.\n\nUse either "
                            "`functor.payload` or `functor.wrapped` but not both.\n\nIf your "
                            f"code worked before remove {remove} from the type definition.\n")
            merged = self.call(select(f, "binOp"), payload, select(f2, "payload"))
            return None if merged is None else self.call(select(f, "type"), merged)
        if has_wrapped():
            wrapped = select(f, "wrapped")
            merged = self.call(select(wrapped, "typeMerge"),
                               select(select(f2, "wrapped"), "functor"))
            return None if merged is None else self.call(select(f, "type"), merged)
        return force(select(f, "type"))

    def type_merge_of(self, functor: Any) -> PrimOp:
        return prim("typeMerge", 1, lambda f2: self.default_type_merge(functor, f2))

    # the set mkOptionType makes ---------------------------------------------------
    def make(self, name: Any, *, description: Any = None, description_class: Any = None,
             check: Any = None, merge: Any = None, empty_value: Any = None,
             get_sub_options: Any = None, get_sub_modules: Any = None,
             subst_sub_modules: Any = None, type_merge: Any = None, functor: Any = None,
             deprecation_message: Any = None, nested_types: Any = None) -> Attrs:
        """``mkOptionType { … }`` for arguments that are not null (a Python
        ``None`` stands for an argument left out)."""
        if functor is None:
            functor = lazy(lambda: self.default_functor(force(name)))
        return Attrs({
            "_type": "option-type",
            "name": name,
            "check": ALWAYS if check is None else check,
            "merge": self.merges.default if merge is None else merge,
            "emptyValue": EMPTY if empty_value is None else empty_value,
            "getSubOptions": NO_SUB_OPTIONS if get_sub_options is None else get_sub_options,
            "getSubModules": get_sub_modules,
            "substSubModules": NO_SUBST if subst_sub_modules is None else subst_sub_modules,
            "typeMerge": self.type_merge_of(functor) if type_merge is None else type_merge,
            "deprecationMessage": deprecation_message,
            "nestedTypes": EMPTY if nested_types is None else nested_types,
            "descriptionClass": description_class,
            "functor": lazy(self._output_functor, functor),
            "description": name if description is None else description,
        })

    def _output_functor(self, functor: Any) -> Attrs:
        f = force(functor)
        # before 2025-02, mkOptionType gives the functor as it is
        if not self.lib.features.functor_wrapped_warns or not has(f, "wrappedDeprecationMessage"):
            return f
        vals = dict(f.vals)
        vals["wrapped"] = lazy(self.call, f.vals["wrappedDeprecationMessage"],
                               Attrs({"loc": None}))
        return Attrs(vals, f.pos)

    def with_check(self, t: Any, extra: Check) -> Attrs:
        """``addCheck t extra``: ``t // { check = x: t.check x && extra x; }``,
        and for a type with a v2 merge one that reports what ``extra`` refuses."""
        base = force(t)
        if type(base) is not Attrs:
            raise type_error("a set", base)
        vals = dict(base.vals)
        v2 = v2_of(select(base, "merge")) if self.v2 else None
        if v2 is None:
            vals["check"] = check_fn(lambda x: self.check(base, x) and extra(x))
            return Attrs(vals, base.pos)

        def merge(loc: Any, defs: list[Def]) -> Attrs:
            orig = self.coherent(loc, base, v2, defs)
            if type(orig) is not Attrs:
                raise type_error("a set", orig)

            def head_error() -> Any:
                error = force(select(orig, "headError"))
                return error if error is not None else self.defs_error(extra, defs)

            return update(orig, headError=lazy(head_error))

        vals["check"] = coherent_check(lambda x: self.check(base, x) and extra(x))
        vals["merge"] = v2_merge(merge)
        return Attrs(vals, base.pos)

    # the v2 merge protocol -----------------------------------------------------
    def typed(self, check: Check, v2: V2, v1: Merge | None = None) -> dict[str, Any]:
        """A type's ``check`` and ``merge`` (``make``'s arguments): lib's v2
        sets where the lib merges by v2; before, plain functions (``v1``, or
        the value of ``v2``)."""
        if self.v2:
            return {"check": coherent_check(check), "merge": v2_merge(v2)}
        def value_of_v2(loc: Any, defs: list[Def]) -> Any:
            return force(v2(loc, defs).vals["value"])

        return {"check": check_fn(check), "merge": merge_fn(v1 or value_of_v2)}

    def defs_error(self, check: Check, defs: list[Def]) -> Any:
        """lib's ``checkDefsForError check loc defs``: null, or ``{ message }``
        naming the definitions ``check`` refuses."""
        if all(check(d.value) for d in defs):
            return None
        return Attrs({"message": lazy(lambda: "Definition values: " + self.lib.show_defs(
            [d.to_nix() for d in defs if not check(d.value)]))})

    def coherent(self, loc: Any, t: Any, v2: Any, defs: list[Def]) -> Attrs:
        """types.nix's ``checkV2MergeCoherence loc t (t.merge.v2 { inherit loc defs; })``."""
        return coherent_v2(self.lib, loc, t, v2, defs)

    def checked_by(self, t: Any, loc: Any, defs: list[Def]) -> Attrs:
        """``t``'s v2 merge of ``defs``, or for a type without one its merged
        value with its check's error (either's ``t1CheckedAndMerged``)."""
        v2 = v2_of(select(t, "merge"))
        if v2 is not None:
            return self.coherent(loc, t, v2, defs)
        return checked(lazy(self.defs_error, lambda v: self.check(t, v), defs),
                       lazy(self.merge, t, loc, defs), EMPTY)


def _assert_same(lhs: bool, rhs: bool) -> None:
    """lib's ``assert lhs == rhs`` on two Booleans: the evaluator's error
    says how they differ."""
    if lhs != rhs:
        raise AssertionFailed(f"boolean '{str(lhs).lower()}' is not equal to boolean "
                              f"'{str(rhs).lower()}'")


def loc_plus(loc: Any, name: str) -> list[Any]:
    """``loc ++ [ name ]``."""
    return [*force_list(loc), name]


def update(t: Attrs, **vals: Any) -> Attrs:
    """``t // { … }``."""
    out = dict(t.vals)
    out.update(vals)
    return Attrs(out, t.pos)

