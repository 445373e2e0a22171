"""What ``nix-instantiate`` does with its command line: build the state,
evaluate each input, select ``-A`` paths (auto-calling functions with
``--arg``/``--argstr``), then print the value (``--eval``) or the derivations
it holds, as their ``drvPath``s (Nix's ``getDerivations``)."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..syntax import Source
from . import store
from .derivations import split_store_path
from .errors import NixError, TypeMismatch
from .ops import coerce_to_string, force_bool, force_deep, force_string_no_context
from .printer import show_value, to_json
from .search_path import split_nix_path
from .state import EvalState
from .values import Attrs, Lambda, Thunk, force, show_type


def make_state(include: list[str], features: set[str],
               literal_lints: dict[str, str] | None = None) -> EvalState:
    search = list(include) + split_nix_path(os.environ.get("NIX_PATH", ""))
    return EvalState(search, experimental_features=frozenset(features),
                     literal_lints=literal_lints)


def cli_state(args: argparse.Namespace, features: set[str]) -> EvalState:
    """The state for a command line: search path, literal lints, --show-trace,
    max-call-depth, abort-on-warn."""
    lints = {name: getattr(args, f"lint_{name}_literals", "ignore") or "ignore"
             for name in ("absolute", "short", "url")}
    state = make_state(args.include, features,
                       {k: v for k, v in lints.items() if v != "ignore"})
    state.show_trace = bool(getattr(args, "show_trace", False))
    depth = getattr(args, "max_call_depth", None)
    for name, value in getattr(args, "option", []):
        if name == "max-call-depth":
            depth = int(value)
        elif name == "abort-on-warn":
            state.abort_on_warn = value == "true"
    if depth is not None:
        state.count_calls(depth)
    return state


def auto_args(state: EvalState, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, expr in args.arg:
        source = Source("«string»", expr)
        out[name] = Thunk(lambda env, s=source: state.eval_source(s, os.getcwd()), None)
    for name, value in args.argstr:
        out[name] = value
    return out


_MISSING_ARGUMENT = """\
cannot evaluate a function that has an argument without a value ('{}')
Nix attempted to evaluate a function as a top level expression; in
this case it must have its arguments supplied either by default
values, or passed explicitly with '--arg' or '--argstr'. See
https://nix.dev/manual/nix/stable/language/syntax.html#functions."""


def auto_call(state: EvalState, v: Any, given: dict[str, Any]) -> Any:
    """Nix's autoCallFunction: a function taking a set of formals is called with
    the matching ``--arg``s (and its defaults for the rest)."""
    v = force(v)
    if type(v) is Attrs and "__functor" in v.vals:
        return auto_call(state, state.call(v.vals["__functor"], v), given)
    if type(v) is not Lambda or v.fn.formals is None:
        return v
    fc = v.fn
    if fc.ellipsis:
        chosen = dict(given)
    else:
        chosen = {}
        for name, _ in fc.formals:
            if name in given:
                chosen[name] = given[name]
            elif name not in fc.defaults:
                raise NixError(_MISSING_ARGUMENT.format(name), fc.formal_pos.get(name))
    return force(state.call(v, Attrs(chosen)))


def parse_attr_path(path: str) -> list[str]:
    """Nix's parseAttrPath: split at dots outside double quotes."""
    parts: list[str] = []
    current = ""
    i = 0
    while i < len(path):
        c = path[i]
        if c == ".":
            parts.append(current)
            current = ""
        elif c == '"':
            end = path.find('"', i + 1)
            if end < 0:
                raise NixError(f"missing closing quote in selection path '{path}'")
            current += path[i + 1:end]
            i = end
        else:
            current += c
        i += 1
    if current:
        parts.append(current)
    return parts


# a component that Nix reads as a list index (string2Int<unsigned int>)
_INDEX = re.compile(r"[0-9]+")


def select_attr_path(state: EvalState, v: Any, path: str, given: dict[str, Any]) -> Any:
    """Nix's findAlongAttrPath: each step auto-calls what it selects from."""
    for part in parse_attr_path(path):
        v = auto_call(state, v, given)
        if _INDEX.fullmatch(part) and int(part) < 2**32:
            if type(v) is not list:
                raise TypeMismatch(f"the expression selected by the selection path '{path}' "
                                   f"should be a list but is {show_type(v)}")
            index = int(part)
            if index >= len(v):
                raise NixError(f"list index {index} in selection path '{path}' is out of range")
            v = force(v[index])
            continue
        if type(v) is not Attrs:
            raise TypeMismatch(f"the expression selected by the selection path '{path}' "
                               f"should be a set but is {show_type(v)}")
        if part == "":
            raise NixError(f"empty attribute name in selection path '{path}'")
        if part not in v.vals:
            err = NixError(f"attribute '{part}' in selection path '{path}' not found")
            err.suggest(v.vals, part)
            raise err
        v = v.get(part)
    return force(v)


def selected_values(state: EvalState, args: argparse.Namespace, sources: Iterable[Source],
                    given: dict[str, Any]) -> Iterator[Any]:
    """Each input's value at each ``-A`` path, in command-line order."""
    for source in sources:
        base = os.getcwd() if source.name.startswith("«") else os.path.dirname(source.name)
        try:
            value = state.eval_source(source, base)
            for path in args.attr or [""]:
                yield select_attr_path(state, value, path, given)
        except RecursionError:
            raise NixError("stack overflow; max-call-depth exceeded") from None


def evaluate_for_cli(args: argparse.Namespace, sources: Iterable[Source],
                     features: set[str], state: EvalState | None = None) -> Iterator[str]:
    """``nix-instantiate --eval``: each selected value as printed text."""
    state = state or cli_state(args, features)
    given = auto_args(state, args)
    for v in selected_values(state, args, sources, given):
        try:
            # as Nix: a selected function is called only when arguments were given
            if given:
                v = auto_call(state, v, given)
            if args.json:
                yield to_json(state, v)
            else:
                if args.strict:
                    force_deep(state, v)
                yield show_value(v, strict=args.strict)
        except RecursionError:
            raise NixError("stack overflow; max-call-depth exceeded") from None


def instantiate_for_cli(args: argparse.Namespace, sources: Iterable[Source],
                        state: EvalState) -> Iterator[str]:
    """``nix-instantiate`` without ``--eval``: the derivations each selected
    value holds, as ``drvPath`` (``!output`` when not ``out``)."""
    given = auto_args(state, args)
    for v in selected_values(state, args, sources, given):
        try:
            for drv in get_derivations(state, v, given):
                drv_path = require_drv_path(state, drv)
                output = output_name(drv)
                if output == "":
                    raise NixError(f"derivation '{drv_path}' lacks an 'outputName' attribute")
                yield drv_path if output == "out" else f"{drv_path}!{output}"
        except RecursionError:
            raise NixError("stack overflow; max-call-depth exceeded") from None


# Nix's getDerivations (get-drvs.cc) --------------------------------------------------

def is_derivation(v: Any) -> bool:
    """Nix's EvalState::isDerivation: a set whose ``type`` is "derivation"."""
    if type(v) is not Attrs or "type" not in v.vals:
        return False
    kind = v.get("type")
    return isinstance(kind, str) and kind == "derivation"


def get_derivations(state: EvalState, v: Any, given: dict[str, Any]) -> list[Attrs]:
    """The derivations in ``v``: ``v`` itself, the elements of a list, the
    attributes of a set (in name order), recursing into nested sets only where
    ``recurseForDerivations = true``; each set once."""
    found: list[Attrs] = []
    # Nix drops a set it has taken already (`rec { x = derivation …; y = x; }`)
    # by identity; every set in `done` is kept alive in `found`, so ids are stable
    done: set[int] = set()
    _collect(state, v, given, found, done)
    return found


def _take(v: Any, found: list[Attrs], done: set[int]) -> bool:
    """Nix's getDerivation: record ``v`` if it is a derivation; True when it is
    not one (the caller may then look inside it)."""
    v = force(v)
    if not is_derivation(v):
        return True
    if id(v) not in done:
        done.add(id(v))
        if "name" not in v.vals:
            raise TypeMismatch("derivation name missing")
        force_string_no_context(v.vals["name"], None,
                                "while evaluating the 'name' attribute of a derivation")
        found.append(v)
    return False


# what nix-env can use as an attribute path component: [A-Za-z_][A-Za-z0-9_+-]*
_PATH_COMPONENT = re.compile(r"[A-Za-z_][A-Za-z0-9_+-]*")


def _collect(state: EvalState, v: Any, given: dict[str, Any], found: list[Attrs],
             done: set[int]) -> None:
    v = auto_call(state, v, given)
    if not _take(v, found, done):
        return
    if type(v) is Attrs:
        # nix-env's way of combining channels: every attribute is searched
        combine = "_combineChannels" in v.vals
        for name in v.names():
            if not _PATH_COMPONENT.fullmatch(name):
                continue
            pos = v.pos.get(name) if v.pos else None
            try:
                value = v.vals[name]
                if combine:
                    _collect(state, value, given, found, done)
                elif _take(value, found, done):
                    inner = force(value)
                    if type(inner) is Attrs and "recurseForDerivations" in inner.vals and \
                            force_bool(inner.vals["recurseForDerivations"],
                                       inner.pos.get("recurseForDerivations") if inner.pos
                                       else None,
                                       "while evaluating the attribute `recurseForDerivations`"):
                        _collect(state, inner, given, found, done)
            except NixError as e:
                e.add_trace(f"while evaluating the attribute '{name}'", pos)
                raise
    elif type(v) is list:
        for item in v:
            if _take(item, found, done):
                _collect(state, item, given, found, done)
    else:
        raise TypeMismatch("expression does not evaluate to a derivation "
                           "(or a set or list of those)")


def require_drv_path(state: EvalState, drv: Attrs) -> str:
    """The derivation's ``drvPath``: a store path ending in ``.drv``."""
    if "drvPath" not in drv.vals:
        raise NixError("derivation does not contain a 'drvPath' attribute")
    pos = drv.pos.get("drvPath") if drv.pos else None
    ctx = "while evaluating the 'drvPath' attribute of a derivation"
    path = str(coerce_to_string(state, drv.vals["drvPath"], pos, ctx, copy_to_store=False))
    if not _is_store_path(state, path):
        raise NixError(f"path '{path}' is not in the Nix store").with_trace(ctx, pos)
    if not path.endswith(store.DRV_EXTENSION):
        raise NixError(f"store path '{os.path.basename(path)}' is not a valid "
                       "derivation path").with_trace(ctx, pos)
    return path


def _is_store_path(state: EvalState, path: str) -> bool:
    """Nix's maybeParseStorePath: directly in the store, with a valid hash and name."""
    split = split_store_path(state, path)
    if split is None or split[1]:
        return False
    base = os.path.basename(split[0])
    if len(base) < 33 or base[32] != "-" or any(c not in store.BASE32_CHARS for c in base[:32]):
        return False
    try:
        store.check_name(base, base[33:])
    except store.BadStorePath:
        return False
    return True


def output_name(drv: Attrs) -> str:
    """Nix's queryOutputName: the ``outputName`` attribute, "" without one."""
    if "outputName" not in drv.vals:
        return ""
    return force_string_no_context(drv.vals["outputName"], None,
                                   "while evaluating the output name of a derivation")
