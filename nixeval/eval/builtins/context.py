"""String-context builtins.

A context element is a string: a plain store path ``/nix/store/…`` (a path
the string refers to), ``=/nix/store/….drv`` (a derivation with all its
outputs, as ``drvPath`` gives) or ``!OUT!/nix/store/….drv`` (output ``OUT``
of a derivation, as ``outPath`` gives).
"""

from __future__ import annotations

from typing import Any

from .. import store
from ..errors import NixError
from ..ops import (
    coerce_to_string,
    force_attrs,
    force_bool,
    force_list,
    force_string,
    force_string_no_context,
)
from ..values import Attrs, context_of, make_string, sort_key
from . import primop


def parse_element(elem: str) -> tuple[str, str, str]:
    """(kind, store path, output): kind is "path", "allOutputs" or "output"."""
    if elem.startswith("="):
        return "allOutputs", elem[1:], ""
    if elem.startswith("!"):
        output, _, path = elem[1:].partition("!")
        return "output", path, output
    return "path", elem, ""


def is_store_path(state, s: str) -> bool:
    """Nix's isStorePath: directly in the store, a valid hash and a valid name."""
    directory, _, base = s.rpartition("/")
    if directory != state.store_dir or len(base) < 34 or base[32] != "-":
        return False
    if any(c not in store.BASE32_CHARS for c in base[:32]):
        return False
    try:
        store.check_name(base, base[33:])
    except store.BadStorePath:
        return False
    return True


@primop("__unsafeDiscardStringContext", 1)
def unsafe_discard_string_context(state, s: Any) -> str:
    return str(coerce_to_string(state, s, None))


@primop("__hasContext", 1)
def has_context(state, s: Any) -> bool:
    return bool(context_of(force_string(s, None)))


@primop("__unsafeDiscardOutputDependency", 1)
def unsafe_discard_output_dependency(state, s: Any) -> str:
    text = coerce_to_string(state, s, None)
    context = frozenset(e[1:] if e.startswith("=") else e for e in context_of(text))
    return make_string(str(text), context)


@primop("__addDrvOutputDependencies", 1)
def add_drv_output_dependencies(state, s: Any) -> str:
    text = coerce_to_string(state, s, None)
    context = context_of(text)
    if len(context) != 1:
        raise NixError(f"context of string '{text}' must have exactly one element, but has "
                       f"{len(context)}")
    kind, path, output = parse_element(next(iter(context)))
    if kind == "output":
        raise NixError("`addDrvOutputDependencies` can only act on derivations, not on a "
                       f"derivation output such as '{output}'")
    if not path.endswith(store.DRV_EXTENSION):
        raise NixError(f"path '{path}' is not a derivation")
    return make_string(str(text), frozenset(["=" + path]))


@primop("__getContext", 1)
def get_context(state, s: Any) -> Attrs:
    infos: dict[str, dict[str, Any]] = {}
    for elem in context_of(force_string(s, None)):
        kind, path, output = parse_element(elem)
        info = infos.setdefault(path, {})
        if kind == "output":
            info.setdefault("outputs", []).append(output)
        else:
            info[kind] = True
    for info in infos.values():
        if "outputs" in info:
            info["outputs"].sort(key=sort_key)  # Nix's context is an ordered set
    return Attrs({path: Attrs(info) for path, info in infos.items()})


@primop("__appendContext", 2)
def append_context(state, s: Any, ctx: Any) -> str:
    orig = force_string(s, None)
    context = set(context_of(orig))
    attrs = force_attrs(ctx, None)
    for name in attrs.names():
        pos = (attrs.pos or {}).get(name)  # as Nix: errors point at the context key
        if not is_store_path(state, name):
            raise NixError(f"context key '{name}' is not a store path", pos)
        info = force_attrs(attrs.vals[name], None)
        if "path" in info.vals and force_bool(info.vals["path"], None):
            context.add(name)
        if "allOutputs" in info.vals and force_bool(info.vals["allOutputs"], None):
            if not name.endswith(store.DRV_EXTENSION):
                raise NixError(f"tried to add all-outputs context of {name}, which is not a "
                               "derivation, to a string", pos)
            context.add("=" + name)
        if "outputs" in info.vals:
            outputs = force_list(info.vals["outputs"], None)
            if outputs and not name.endswith(store.DRV_EXTENSION):
                raise NixError(f"tried to add derivation output context of {name}, which is "
                               "not a derivation, to a string", pos)
            for out in outputs:
                context.add(f"!{force_string_no_context(out, None)}!{name}")
    return make_string(str(orig), frozenset(context))
