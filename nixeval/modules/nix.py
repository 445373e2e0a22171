"""Reading and building Nix values from the native module system.

The module system works on the evaluator's own values (``eval/values.py``);
these helpers keep the Python side short: delayed computations, ``x.a or d``
lookups, lib's notion of a function, and calls into the bound ``lib``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..eval.errors import NixError, ThrownError
from ..eval.values import Attrs, Lambda, PrimOp, PrimOpApp, Thunk, force, ready, type_error
from .features import Features

_MISSING = object()


def _run(env: tuple) -> Any:
    return env[0](*env[1])


def _call(fn: Callable[[], Any]) -> Any:
    return fn()


def lazy(fn: Callable[..., Any], *args: Any) -> Thunk:
    """A thunk that computes ``fn(*args)`` when forced (once); without
    arguments ``fn`` is the thunk's environment itself (one tuple fewer)."""
    return Thunk(_run, (fn, args)) if args else Thunk(_call, fn)


def has(v: Any, name: str) -> bool:
    """``v ? name`` (false for a value that is not a set, as in Nix)."""
    v = force(v)
    return type(v) is Attrs and name in v.vals


def selected(v: Any, name: str) -> Any:
    """``v.name`` (forced)."""
    a = force(v)
    if type(a) is not Attrs:
        raise type_error("a set", a)
    if name not in a.vals:
        from ..eval.compiler import _missing

        raise _missing(a, name)
    return force(a.vals[name])


def select(v: Any, name: str) -> Any:
    """``v.name`` without forcing it: the set is forced when the result is."""
    return lazy(selected, v, name)


def select_or(v: Any, name: str, default: Any) -> Any:
    """``v.name or default`` (forced)."""
    a = force(v)
    if type(a) is Attrs and name in a.vals:
        return force(a.vals[name])
    return default


def formals(v: Any, fname: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> Attrs:
    """Check a set argument as a function with these formals (no ``...``) would."""
    a = force(v)
    if type(a) is not Attrs:
        raise type_error("a set", a)
    for name in required:
        if name not in a.vals:
            raise NixError(f"function '{fname}' called without required argument '{name}'")
    for name in sorted(a.vals):
        if name not in allowed:
            err = NixError(f"function '{fname}' called with unexpected argument '{name}'")
            err.suggest(allowed, name)
            raise err
    return a


def throw(message: str) -> NixError:
    """Nix's ``throw message`` (catchable by ``tryEval``)."""
    return ThrownError(message)


class Lib:
    """The ``lib`` that a bound ``modules.nix`` was called with: lookups are
    cached; every message and helper that only error paths need is lib's own,
    so texts match the lib in use exactly."""

    def __init__(self, state: Any, lib: Any) -> None:
        from .graph import Graph

        self.state = state
        self.value = lib  # the `lib` argument, unforced
        self._cache: dict[tuple[str, ...], Any] = {}
        # the lib's own `internalModule` (see lib_source.py), set by the binding
        self.internal_module: Any = None
        # what this lib version's module system does beyond the oldest proven
        self.features = Features()
        # one graph per evaluator: a configuration's submodules and its VM
        # variant's extendModules read and record into the same one
        self.graph = state.extensions.setdefault("module-graph", Graph())
        # whether the lib merges by the v2 protocol (a type's `merge.v2`, an
        # option's `valueMeta`; nixpkgs 2025-08): false, or a thunk the binding
        # sets that asks the lib's own code
        self.v2_test: Any = False

    def get(self, *path: str) -> Any:
        """``lib.a.b`` (forced)."""
        hit = self._cache.get(path, _MISSING)
        if hit is _MISSING:
            v = self.value
            for name in path:
                v = force(v).vals[name]
            hit = self._cache[path] = force(v)
        return hit

    def call(self, path: tuple[str, ...], *args: Any) -> Any:
        """``lib.path arg1 arg2 …`` (forced)."""
        fn = self.get(*path)
        call = self.state.call
        for arg in args:
            fn = force(call(fn, arg))
        return fn

    def show_option(self, loc: Any) -> str:
        return self.call(("options", "showOption"), loc)

    def show_files(self, files: Any) -> str:
        return self.call(("options", "showFiles"), files)

    def show_defs(self, defs: Any) -> str:
        return self.call(("options", "showDefs"), defs)

    def is_function(self, v: Any) -> bool:
        """lib's ``isFunction``: a function, or a set with ``__functor``."""
        v = force(v)
        t = type(v)
        if t is Lambda or t is PrimOp or t is PrimOpApp:
            return True
        if t is Attrs and "__functor" in v.vals:
            return bool(self.call(("trivial", "isFunction"), ready(v)))
        return False

    def function_args(self, v: Any) -> Attrs:
        return self.call(("trivial", "functionArgs"), v)

    def warn(self, message: str) -> None:
        """lib's ``warn message null`` (it prints, or aborts under NIX_ABORT_ON_WARN)."""
        self.call(("trivial", "warn"), message, None)

    @property
    def merge_v2(self) -> bool:
        """Whether this lib's types merge by the v2 protocol."""
        return force(self.v2_test) is True
