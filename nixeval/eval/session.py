"""What ``nix-instantiate --eval`` does with its command line: build the state,
evaluate each input, auto-call functions with ``--arg``/``--argstr``, select
``-A`` paths and print."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from typing import Any

from ..syntax import Source
from .errors import NixError
from .ops import force_deep
from .printer import show_value, to_json
from .search_path import split_nix_path
from .state import EvalState
from .values import Attrs, Lambda, Thunk, force


def make_state(include: list[str], features: set[str],
               literal_lints: dict[str, str] | None = None) -> EvalState:
    search = list(include) + split_nix_path(os.environ.get("NIX_PATH", ""))
    return EvalState(search, experimental_features=frozenset(features),
                     literal_lints=literal_lints)


def auto_args(state: EvalState, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, expr in args.arg:
        source = Source("«string»", expr)
        out[name] = Thunk(lambda env, s=source: state.eval_source(s, os.getcwd()), None)
    for name, value in args.argstr:
        out[name] = value
    return out


def auto_call(state: EvalState, v: Any, given: dict[str, Any]) -> Any:
    """Nix's autoCallFunction: a function taking a set of formals is called with
    the matching ``--arg``s (and its defaults for the rest)."""
    v = force(v)
    if type(v) is Lambda and v.fn.formals is not None:
        if v.fn.ellipsis:
            chosen = dict(given)
        else:
            chosen = {k: a for k, a in given.items() if k in v.fn.formal_names}
        return force(state.call(v, Attrs(chosen)))
    if type(v) is Attrs and "__functor" in v.vals:
        return auto_call(state, state.call(v.vals["__functor"], v), given)
    return v


def select_attr_path(state: EvalState, v: Any, path: str, given: dict[str, Any]) -> Any:
    for part in [p for p in path.split(".") if p != ""]:
        v = auto_call(state, v, given)
        if type(v) is list and part.isdigit():
            index = int(part)
            if index >= len(v):
                raise NixError(f"list index {index} in selection path '{path}' is out of range")
            v = force(v[index])
        elif type(v) is Attrs:
            if part not in v.vals:
                raise NixError(f"attribute '{part}' in selection path '{path}' not found")
            v = v.get(part)
        else:
            raise NixError(f"the expression selected by the selection path '{path}' should "
                           f"be a set but is {type(v).__name__}")
    return v


def evaluate_for_cli(args: argparse.Namespace, sources: list[Source],
                     features: set[str]) -> Iterator[str]:
    lints = {name: getattr(args, f"lint_{name}_literals", "ignore") or "ignore"
             for name in ("absolute", "short", "url")}
    state = make_state(args.include, features,
                       {k: v for k, v in lints.items() if v != "ignore"})
    state.show_trace = bool(getattr(args, "show_trace", False))
    depth = getattr(args, "max_call_depth", None)
    for name, value in getattr(args, "option", []):
        if name == "max-call-depth":
            depth = int(value)
    if depth is not None:
        state.count_calls(depth)
    given = auto_args(state, args)
    for source in sources:
        base = os.getcwd() if source.name.startswith("«") else os.path.dirname(source.name)
        try:
            value = state.eval_source(source, base)
            for path in args.attr or [""]:
                v = auto_call(state, select_attr_path(state, value, path, given), given)
                if getattr(args, "whnf_only", False):
                    continue
                if args.json:
                    yield to_json(state, v)
                else:
                    if args.strict:
                        force_deep(state, v)
                    yield show_value(v, strict=args.strict)
        except RecursionError:
            raise NixError("stack overflow; max-call-depth exceeded") from None
