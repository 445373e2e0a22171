"""``nixeval option PATH``: an option's value, type, default, description,
declarations, and every definition with its place, priority and whether it
won (``nixos-option``, and more)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api import Option, Position
    from ..nixos.query import OptionInfo, Place

from .nixos_args import (
    NOT_FOUND,
    add_module_system_arguments,
    add_nixos_arguments,
    fail,
    make_session,
    relative,
)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nixeval option", description=__doc__)
    ap.add_argument("path", metavar="PATH", help="an option path, e.g. services.openssh.enable")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    add_nixos_arguments(ap)
    add_module_system_arguments(ap)
    args = ap.parse_args(argv)

    from ..api import EvalError, NotFound, OptionNotFound
    from ..nixos.query import show_loc

    loc = tuple(split_path(args.path))
    try:
        info = make_session(args).option(loc)
    except OptionNotFound as e:
        if e.children:
            return _print_children(args, loc, e.children)
        more = "; did you mean " + ", ".join(f"`{h}'" for h in e.suggestions) + "?" \
            if e.suggestions else ""
        return fail(f"no option `{show_loc(loc)}'{more}")
    except NotFound as e:
        return fail(str(e), NOT_FOUND)
    except EvalError as e:
        print(e.render(args.show_trace), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(info.to_json(), indent=2))
    else:
        print(format_info(info))
    return 0 if info.error is None else 1


def split_path(path: str) -> list[str]:
    """``a.b."c.d"`` → ["a", "b", "c.d"]."""
    from ..api import split_path as api_split_path

    return list(api_split_path(path)) if path else [""]


def _print_children(args: argparse.Namespace, loc: tuple, children: list[str]) -> int:
    from ..nixos.query import show_loc

    if args.json:
        print(json.dumps({"name": show_loc(loc), "children": children}, indent=2))
    else:
        print(f"`{show_loc(loc)}' is a set of options:")
        for c in children:
            print(f"  {show_loc((*loc, c))}")
    return 0


def format_info(info: Option | OptionInfo) -> str:
    lines = [info.name]
    value = info.value_text if info.error is None else f"error: {info.error}"
    rows = [("Value", value), ("Type", info.type)]
    if info.default is not None:
        rows.append(("Default", info.default))
    if info.example is not None:
        rows.append(("Example", info.example))
    if info.description:
        rows.append(("Description", info.description.strip()))
    for label, text in rows:
        first, *rest = str(text).splitlines() or [""]
        lines.append(f"  {label + ':':<13}{first}")
        lines.extend(f"  {'':13}{r}" for r in rest)
    for i, place in enumerate(info.declarations):
        label = "Declared in:" if i == 0 else ""
        lines.append(f"  {label:<13}{place_text(place)}")
    if not info.native:
        lines.append(f"  {'Evaluated:':<13}by the lib's own module system (nixeval's native "
                     "one is not proven for this lib version): only the definitions that won "
                     "are known, their lines read from the files")
    table = definitions_table(info)
    if table:
        lines.append("  Definitions:")
        lines.extend("    " + row for row in table)
    else:
        lines.append("  Definitions:  none")
    return "\n".join(lines)


def definitions_table(info: Option | OptionInfo) -> list[str]:
    """The rows of the definitions table (none when there are none): where,
    priority, value (first line), and whether it won."""
    from tabulate import tabulate

    from ..nixos.query import priority_name

    rows = []
    for d in info.definitions:
        where = place_text(d.place) + (" (option default)" if d.is_default else "")
        status = {"condition false": "mkIf condition false"}.get(d.status, d.status)
        value = d.value_text.splitlines()[0] if d.value_text else ""
        if "\n" in d.value_text:
            value += " …"
        rows.append([where, priority_name(d.priority) if d.priority is not None else "-",
                     value, status])
    if not rows:
        return []
    return tabulate(rows, headers=["defined at", "priority", "value", "result"],
                    disable_numparse=True).splitlines()


def place_text(place: Position | Place) -> str:
    text = relative(place.file)
    return text if place.line is None else f"{text}:{place.line}:{place.column}"
