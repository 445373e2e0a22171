"""Definition properties: ``mkMerge``, ``mkIf``, ``mkOverride``, ``mkOrder``.

As nixpkgs lib does it: ``push_down`` moves ``mkIf``/``mkOverride`` from a
config set onto each of its attributes (so a condition may read the whole
configuration without recursion), ``discharge`` evaluates conditions,
``filter_overrides`` keeps the definitions of the best (lowest) priority and
``sort_by_order`` applies ``mkOrder``.
"""

from __future__ import annotations

from typing import Any

from ..eval.errors import NixError
from ..eval.ops import less_than
from ..eval.values import Attrs, force, type_error
from .nix import throw

DEFAULT_OVERRIDE_PRIORITY = 100
DEFAULT_ORDER_PRIORITY = 1000


def _tag(v: Attrs) -> Any:
    t = v.vals.get("_type")
    return None if t is None else force(t)


def _wrap(tag: str, key: str, payload: Any, content: Any) -> Attrs:
    return Attrs({"_type": tag, key: payload, "content": content})


def _map_wrap(tag: str, key: str, payload: Any, cfg: Any, keep_non_sets: bool) -> Any:
    """``mapAttrs (n: v: mkIf c v) cfg`` (or mkOverride), positions kept; a
    value not a set left as it is where the lib does so (its later check then
    says which module defines it)."""
    cfg = force(cfg)
    if type(cfg) is not Attrs and keep_non_sets:
        return cfg
    if type(cfg) is not Attrs:
        raise type_error("a set", cfg).with_trace(
            "while evaluating the second argument passed to builtins.mapAttrs")
    return Attrs({n: _wrap(tag, key, payload, v) for n, v in cfg.vals.items()}, cfg.pos)


def push_down(cfg: Any, keep_non_sets: bool = False) -> list[Any]:
    """nixpkgs' ``pushDownProperties``: a list of config sets without
    properties at their top level (``keep_non_sets``: the lib's
    ``mapAttrsIfAttrs``, since 2026-04)."""
    v = force(cfg)
    if type(v) is Attrs:
        tag = _tag(v)
        if tag == "merge":
            out: list[Any] = []
            for c in _contents(v):
                out.extend(push_down(c, keep_non_sets))
            return out
        if tag == "if":
            cond = v.vals["condition"]
            return [_map_wrap("if", "condition", cond, c, keep_non_sets)
                    for c in push_down(v.vals["content"], keep_non_sets)]
        if tag == "override":
            prio = v.vals["priority"]
            return [_map_wrap("override", "priority", prio, c, keep_non_sets)
                    for c in push_down(v.vals["content"], keep_non_sets)]
    return [cfg]


def _contents(v: Attrs) -> list[Any]:
    contents = force(v.vals["contents"])
    if type(contents) is not list:
        raise type_error("a list", contents).with_trace(
            "while evaluating the second argument passed to builtins.concatMap")
    return contents


def discharge(value: Any) -> list[Any]:
    """nixpkgs' ``dischargeProperties``: expand ``mkMerge``, evaluate ``mkIf``."""
    v = force(value)
    if type(v) is Attrs:
        tag = _tag(v)
        if tag == "merge":
            out: list[Any] = []
            for c in _contents(v):
                out.extend(discharge(c))
            return out
        if tag == "if":
            cond = force(v.vals["condition"])
            if type(cond) is not bool:
                raise throw("‘mkIf’ called with a non-Boolean condition")  # noqa: RUF001
            return discharge(v.vals["content"]) if cond else []
    return [value]


def override_priority(value: Any) -> Any:
    """The ``mkOverride`` priority of a definition value (100 when plain)."""
    v = force(value)
    if type(v) is Attrs and _tag(v) == "override":
        return force(v.vals["priority"])
    return DEFAULT_OVERRIDE_PRIORITY


def strip_override(value: Any) -> Any:
    v = force(value)
    if type(v) is Attrs and _tag(v) == "override":
        return v.vals["content"]
    return value


def order_of(value: Any) -> Any:
    """``(priority, content)`` when ``value`` is an ``mkOrder``, else None."""
    v = force(value)
    if type(v) is Attrs and _tag(v) == "order":
        return v.vals["priority"], v.vals["content"]
    return None


def min_priority(prios: list[Any], start: Any = 9999) -> Any:
    """``foldl' (p: x: min x p) 9999``, with Nix's comparison."""
    best = start
    for p in prios:
        try:
            if less_than(p, best):
                best = p
        except NixError as e:
            e.add_trace("while calling the 'lessThan' builtin")
            raise
    return best
