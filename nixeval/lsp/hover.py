"""Hover from the snapshot: an option's type, default, description, current
value, and every definition with its priority and how it fared."""

from __future__ import annotations

import os
from collections.abc import Iterator

from lsprotocol import types

from ..nixos.query import priority_name, show_loc
from .context import loc_at
from .snapshot import Node, OptionData, Snapshot
from .text import Lines


def hover(snapshot: Snapshot | None, path: str, text: str,
          position: types.Position) -> types.Hover | None:
    if snapshot is None:
        return None
    loc = loc_at(path, text, Lines(text).offset(position))
    if not loc:
        return None
    found = snapshot.option_for(loc)
    if found is None:
        node = snapshot.node(loc)
        if node is None or not node.children:
            return None
        count = sum(1 for _ in _options_below(node))
        return _markdown(f"**{show_loc(loc)}** — a set of {count} options")
    option, rest = found
    # an instance's own path (accounts.alice.uid), not its declaration's (<name>)
    body = describe(option, show_loc(loc[:len(loc) - len(rest)]))
    if rest:
        body = f"`{show_loc(rest)}` in the value of:\n\n" + body
    return _markdown(body)


def _options_below(node: Node) -> Iterator[OptionData]:
    if node.option is not None:
        yield node.option
    for child in node.children.values():
        yield from _options_below(child)


def describe(option: OptionData, name: str) -> str:
    parts = [f"**{name}** — `{option.type}`" + (" (read-only)" if option.read_only else "")]
    if option.description:
        parts.append(option.description.strip())
    if option.default is not None:
        parts.append(_block("Default", option.default))
    if option.value_text is not None:
        parts.append(_block("Value", option.value_text))
    defs = [d for d in option.definitions if not d.is_default]
    if defs:
        rows = []
        for d in defs:
            where = _short(d.position.file) + (f":{d.position.line}:{d.position.column}"
                                               if d.position.line else "")
            prio = priority_name(d.priority) if d.priority is not None else "priority unknown"
            mark = "**won**" if d.won else d.status
            rows.append(f"- `{where}` — {prio} — {mark}: `{_one_line(d.value_text)}`")
        parts.append("*Definitions:*\n" + "\n".join(rows))
    if option.declarations:
        parts.append("*Declared in:* " + ", ".join(
            f"`{_short(p.file)}" + (f":{p.line}`" if p.line else "`")
            for p in option.declarations))
    return "\n\n".join(parts)


def _block(title: str, text: str) -> str:
    if "\n" not in text and len(text) < 80:
        return f"*{title}:* `{text}`"
    return f"*{title}:*\n```nix\n{text}\n```"


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 60 else flat[:57] + "…"


def _short(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _markdown(text: str) -> types.Hover:
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))
