"""Completion from the snapshot: the next name of an option path wherever a
definition can stand, and values (enum members, Booleans, ``pkgs.``,
``lib.`` and ``builtins.`` names)."""

from __future__ import annotations

import re

from lsprotocol import types

from ..eval.base_env import BASE_NAMES
from ..nixos.query import show_loc
from .context import completing, split_dotted
from .snapshot import Node, OptionData, Snapshot, is_wildcard
from .text import Lines

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*")
BUILTINS = tuple(sorted({n[2:] if n.startswith("__") else n for n in BASE_NAMES}))


def complete(snapshot: Snapshot | None, path: str, text: str,
             position: types.Position) -> types.CompletionList:
    lines = Lines(text)
    offset = lines.offset(position)
    what = completing(path, text, offset)
    parts = split_dotted(what.typed)
    partial = parts[-1]
    replace = lines.range(offset - len(partial), offset)
    items: list[types.CompletionItem] = []
    head = parts[0] if len(parts) > 1 else None
    if head in ("pkgs", "lib", "builtins") and (what.value or what.loc is None):
        items = _names(snapshot, parts, replace)
    elif snapshot is not None and what.value and what.loc is not None:
        items = _values(snapshot, what.loc, replace)
    elif snapshot is not None and not what.value and what.loc is not None:
        node = snapshot.node((*what.loc, *parts[:-1]))
        if node is not None:
            items = _options(node, (*what.loc, *parts[:-1]), replace, partial)
    # filtered by what is typed: asked again as the word changes
    return types.CompletionList(is_incomplete=bool(partial) and not what.value, items=items)


def _options(node: Node, parent: tuple[str, ...], replace: types.Range,
             partial: str) -> list[types.CompletionItem]:
    out = []
    for name, child in sorted(node.children.items()):
        if is_wildcard(name) or (name.startswith("_") and not partial.startswith("_")):
            continue
        if partial and not _fuzzy(partial, name):  # a set can have hundreds of names
            continue
        label = name if _PLAIN.fullmatch(name) else f'"{name}"'
        option = child.option
        if option is not None:  # its description comes with completionItem/resolve
            out.append(types.CompletionItem(
                label, kind=types.CompletionItemKind.Property, detail=option.type,
                text_edit=types.TextEdit(replace, label), data={"option": list(option.loc)}))
        else:
            out.append(types.CompletionItem(
                label, kind=types.CompletionItemKind.Module,
                detail=f"set of options ({show_loc((*parent, name))})",
                text_edit=types.TextEdit(replace, label)))
    return out


def _fuzzy(typed: str, name: str) -> bool:
    """Whether ``typed``'s characters come in ``name`` in order (any case), as
    editors match: what they would show of the full list."""
    rest = iter(name.lower())
    return all(ch in rest for ch in typed.lower())


def resolve(snapshot: Snapshot | None, item: types.CompletionItem) -> types.CompletionItem:
    """An option's item with its documentation: type, description, default
    (sent on demand: a set of options can have hundreds of names)."""
    data = item.data if isinstance(item.data, dict) else {}
    loc = data.get("option")
    node = snapshot.node(tuple(loc)) if snapshot is not None and isinstance(loc, list) else None
    if node is not None and node.option is not None:
        item.documentation = documentation(node.option)
    return item


def documentation(option: OptionData) -> types.MarkupContent:
    parts = [f"**{option.name}** — `{option.type}`"]
    if option.description:
        parts.append(option.description.strip())
    if option.default is not None:
        parts.append(f"*Default:* `{option.default}`")
    return types.MarkupContent(types.MarkupKind.Markdown, "\n\n".join(parts))


def _values(snapshot: Snapshot, loc: tuple[str, ...],
            replace: types.Range) -> list[types.CompletionItem]:
    found = snapshot.option_for(loc)
    if found is None or found[1] or found[0].shape is None:
        return []
    option = found[0]
    shape = option.shape
    assert shape is not None
    texts: list[str] = []
    for m in shape.enum_members():
        if isinstance(m, str):
            texts.append('"' + m.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(m, bool):
            texts.append("true" if m else "false")
        elif isinstance(m, int):
            texts.append(str(m))
    if shape.accepts_bool():
        texts += [t for t in ("true", "false") if t not in texts]
    if shape.name == "nullOr":
        texts.append("null")
    return [types.CompletionItem(t, kind=types.CompletionItemKind.EnumMember,
                                 detail=option.type, filter_text=t.strip('"'),
                                 text_edit=types.TextEdit(replace, t)) for t in texts]


def _names(snapshot: Snapshot | None, parts: list[str],
           replace: types.Range) -> list[types.CompletionItem]:
    head, middle = parts[0], parts[1:-1]
    if head == "builtins" and not middle:
        names: tuple[str, ...] = BUILTINS
    elif snapshot is None:
        names = ()
    elif head == "pkgs" and not middle:
        names = snapshot.pkgs_names
    elif head == "lib" and len(middle) <= 1:
        names = snapshot.lib_names.get(middle[0] if middle else "", ())
    else:
        names = ()
    kind = types.CompletionItemKind.Function if head != "pkgs" else \
        types.CompletionItemKind.Value
    return [types.CompletionItem(n, kind=kind, text_edit=types.TextEdit(replace, n))
            for n in names if _PLAIN.fullmatch(n)]
