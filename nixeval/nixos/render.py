"""Option values for people and for JSON: Nix syntax (as ``nixos-option``
shows them) or plain data. Derivations are named, not evaluated:
``«derivation pkgs.vim»`` for a placeholder, ``«derivation vim-9.1»`` for a
real one; functions are ``«lambda»``. Very large values are cut short."""

from __future__ import annotations

from typing import Any

from ..eval.printer import show_attr_name, show_float, show_string
from ..eval.values import Attrs, ContextStr, Lambda, NixPath, PrimOp, PrimOpApp, force
from .placeholder import MARK

MAX_ITEMS = 200  # per list or set; the rest is shown as "…"
MAX_DEPTH = 12


def derivation_name(v: Attrs) -> str | None:
    """The name to show for a derivation, or None when ``v`` is not one."""
    t = v.vals.get("type")
    if t is None or force(t) != "derivation":
        return None
    if MARK in v.vals:
        return force(v.vals[MARK])
    name = v.vals.get("name")
    n = force(name) if name is not None else None
    return n if isinstance(n, str) else "?"


def to_text(v: Any, indent: str = "", depth: int = 0) -> str:
    v = force(v)
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if v is None:
        return "null"
    if t is int:
        return str(v)
    if t is float:
        return show_float(v)
    if t is str or t is ContextStr:
        return show_string(v)
    if t is NixPath:
        return v.path
    if t in (Lambda, PrimOp, PrimOpApp):
        return "«lambda»"
    if depth >= MAX_DEPTH:
        return "…"
    inner = indent + "  "
    if t is list:
        if not v:
            return "[ ]"
        items = [to_text(x, inner, depth + 1) for x in v[:MAX_ITEMS]]
        if len(v) > MAX_ITEMS:
            items.append(f"… ({len(v) - MAX_ITEMS} more)")
        if all("\n" not in i for i in items) and sum(map(len, items)) < 60:
            return "[ " + " ".join(items) + " ]"
        return "[\n" + "".join(f"{inner}{i}\n" for i in items) + indent + "]"
    if t is Attrs:
        name = derivation_name(v)
        if name is not None:
            return f"«derivation {name}»"
        names = v.names()
        if not names:
            return "{ }"
        lines = [f"{inner}{show_attr_name(n)} = {to_text(v.vals[n], inner, depth + 1)};\n"
                 for n in names[:MAX_ITEMS]]
        if len(names) > MAX_ITEMS:
            lines.append(f"{inner}# … ({len(names) - MAX_ITEMS} more)\n")
        return "{\n" + "".join(lines) + indent + "}"
    return repr(v)


def to_data(v: Any, depth: int = 0) -> Any:
    """JSON-ready data."""
    v = force(v)
    t = type(v)
    if t in (bool, int, float) or v is None:
        return v
    if t is str or t is ContextStr:
        return str(v)
    if t is NixPath:
        return v.path
    if t in (Lambda, PrimOp, PrimOpApp):
        return "«lambda»"
    if depth >= MAX_DEPTH:
        return "…"
    if t is list:
        return [to_data(x, depth + 1) for x in v[:MAX_ITEMS]]
    if t is Attrs:
        name = derivation_name(v)
        if name is not None:
            return f"«derivation {name}»"
        return {n: to_data(v.vals[n], depth + 1) for n in v.names()[:MAX_ITEMS]}
    return repr(v)
