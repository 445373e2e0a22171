"""Nix's builtins, one module per family, all registered with ``@primop``.

A primop's implementation receives the ``EvalState`` and its arguments
unforced (so ``seq``, ``tryEval`` and friends can be lazy); errors it raises
without a position get the call site's.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..values import Attrs, PrimOp, Thunk, intern

if TYPE_CHECKING:
    from ..state import EvalState

# (name as registered, arity, implementation); a name starting with "__" is
# reachable as builtins.NAME-without-underscores and at top level as given
_REGISTRY: list[tuple[str, int, Callable[..., Any]]] = []

_FAMILIES = ("core", "arith", "lists", "attrsets", "strings", "context", "versions",
             "serialise", "io", "derivations", "flakes")


def primop(name: str, arity: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY.append((name, arity, impl))
        return impl

    return register


_MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}


def current_system() -> str:
    uname = os.uname()  # as platform.machine()/system(), without importing platform
    machine = uname.machine.lower()
    return f"{_MACHINES.get(machine, machine)}-{uname.sysname.lower()}"


def make_base_env(state: EvalState) -> dict[str, Any]:
    for family in _FAMILIES:
        importlib.import_module(f"{__name__}.{family}")
    base: dict[str, Any] = {}
    builtins: dict[str, Any] = {}
    for name in ("builtins", "true", "false", "null", "__currentSystem", "__nixVersion",
                 "__storeDir", "__langVersion"):
        intern(name)
    for name, arity, impl in _REGISTRY:
        short = name[2:] if name.startswith("__") else name
        intern(name)
        intern(short)
        value: Any = PrimOp(short, arity, impl) if arity else Thunk(
            lambda env, impl=impl: impl(state), None)
        base[name] = value
        builtins[short] = value
    constants = {
        "true": True, "false": False, "null": None,
        "__currentSystem": os.environ.get("NIXEVAL_SYSTEM", current_system()),
        "__nixVersion": "2.31.0", "__langVersion": 6, "__storeDir": state.store_dir,
    }
    for name, value in constants.items():
        base[name] = value
        builtins[name[2:] if name.startswith("__") else name] = value
    if state.pure:  # as Nix in pure mode (flakes): no builtins.currentSystem or currentTime
        del builtins["currentSystem"], builtins["currentTime"]
    builtins_set = Attrs(builtins)
    builtins["builtins"] = builtins_set
    base["builtins"] = builtins_set
    return base
