"""Go to an option's declaration, find every place that defines it, and the
options a file defines (document symbols), from the snapshot."""

from __future__ import annotations

import re
from collections.abc import Callable

from lsprotocol import types

from ..api.results import Position
from ..nixos.query import show_loc
from ..syntax import ast
from .context import loc_at
from .diagnostics import uri_of
from .sites import leaves, module_sites, parse_buffer
from .snapshot import OptionData, Snapshot
from .text import Lines

TextOf = Callable[[str], str]  # a file's text: its open buffer, else the disk


def definition(snapshot: Snapshot | None, path: str, text: str, position: types.Position,
               text_of: TextOf) -> list[types.Location]:
    found = _option_at(snapshot, path, text, position)
    if found is None:
        return []
    return [_location(p, text_of, found[-1]) for p in found[0].declarations]


def references(snapshot: Snapshot | None, path: str, text: str, position: types.Position,
               text_of: TextOf, declarations: bool) -> list[types.Location]:
    found = _option_at(snapshot, path, text, position)
    if found is None:
        return []
    option = found[0]
    out = [_location(d.position, text_of, found[-1]) for d in option.definitions
           if not d.is_default and d.position.line is not None]
    if declarations:
        out += [_location(p, text_of, found[-1]) for p in option.declarations]
    return out


def _option_at(snapshot: Snapshot | None, path: str, text: str,
               position: types.Position) -> tuple[OptionData, str] | None:
    """The option under the cursor and its last name (to find an old lib's
    declaration by)."""
    if snapshot is None:
        return None
    loc = loc_at(path, text, Lines(text).offset(position))
    found = snapshot.option_for(loc) if loc else None
    if found is None:
        return None
    return found[0], found[0].loc[-1]


def _location(p: Position, text_of: TextOf, name: str) -> types.Location:
    lines = Lines(text_of(p.file))
    if p.line is not None:
        return types.Location(uri_of(p.file), lines.word_range(p))
    # libs before declarationPositions name the file only: find the declaration in it
    m = re.search(rf"(?<![\w'-]){re.escape(name)}\s*=\s*(?:lib\.)?mkOption\b", lines.text) \
        or re.search(rf"(?<![\w'-]){re.escape(name)}(?![\w'-])", lines.text)
    start = m.start() if m else 0
    return types.Location(uri_of(p.file), lines.range(start, start + (len(name) if m else 0)))


def symbols(snapshot: Snapshot | None, path: str, text: str) -> list[types.DocumentSymbol]:
    """The options the file defines: with the snapshot, each site that is an
    option; without one yet, each written value's path."""
    root = parse_buffer(path, text)
    if not isinstance(root, ast.Node):
        return []
    lines = Lines(text)
    sites = module_sites(root)
    out = []
    for site in sites if snapshot is not None else leaves(sites):
        detail = None
        if snapshot is not None:
            found = snapshot.option_for(site.loc)
            if found is None or found[1]:
                continue
            detail = found[0].type
        out.append(types.DocumentSymbol(
            show_loc(site.loc), types.SymbolKind.Property,
            lines.range(site.node.start, max(site.node.end, site.node.value.end)),
            lines.range(site.node.start, site.node.end), detail=detail))
    return out
