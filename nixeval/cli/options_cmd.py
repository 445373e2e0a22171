"""``nixeval options [PREFIX]``: a table of the options under PREFIX with
their type, value (short) and where the winning definitions are."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..modules.graph import Loc
    from ..modules.interpreted import Record
    from ..nixos.query import OptionInfo
    from ..nixos.system import System

from .nixos_args import NOT_FOUND, add_nixos_arguments, fail, make_system, relative
from .option_cmd import split_path

VALUE_WIDTH = 40  # the value column is cut here so one option stays one line
TYPE_WIDTH = 50
MAX_PLACES = 2  # winning definitions named in "set at"; `nixeval option` lists them all


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nixeval options", description=__doc__)
    ap.add_argument("prefix", metavar="PREFIX", nargs="?", default="",
                    help="an option path or a set of options, e.g. services.openssh "
                    "(default: every option)")
    ap.add_argument("--json", action="store_true",
                    help="print a JSON list of objects, as 'nixeval option --json' prints one")
    ap.add_argument("--all", action="store_true",
                    help="include internal and invisible options")
    add_nixos_arguments(ap)
    args = ap.parse_args(argv)

    from ..eval.errors import NixError, evaluation_limits
    from ..nixos.locate import LocateError
    from ..nixos.query import describe, show_loc

    loc: Loc = tuple(split_path(args.prefix)) if args.prefix else ()
    try:
        with evaluation_limits():  # out of stack or memory: Nix's error, reported below
            system = make_system(args)
            records = list(system.options(loc))
            if not records and loc:
                one = system.option(loc)  # an option inside a submodule instance
                if one is None:
                    return fail(f"no option or set of options `{show_loc(loc)}'"
                                f"{did_you_mean(system, loc)}")
                records = [one]
            shown = [r for r in records if args.all or not hidden(r)]
            infos = [describe(system, r) for r in shown]
    except LocateError as e:
        return fail(str(e), NOT_FOUND)
    except NixError as e:  # evaluating the module tree itself failed
        print(e.render(args.show_trace), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([i.to_json() for i in infos], indent=2))
    elif infos:
        print(table(infos))
    if len(shown) < len(records):
        print(f"({len(records) - len(shown)} internal or invisible options not shown; "
              "--all shows them)", file=sys.stderr)
    return 0


def hidden(record: Record) -> bool:
    """``internal = true`` or ``visible = false`` (or "transparent": only its
    sub-options are documented), as the NixOS manual leaves them out."""
    from ..eval.errors import NixError
    from ..eval.values import force

    vals = record.decl.vals
    try:
        internal = force(vals["internal"]) if "internal" in vals else False
        visible = force(vals["visible"]) if "visible" in vals else True
    except NixError:
        return False
    return internal is True or visible is False or visible == "transparent"


def did_you_mean(system: System, loc: Loc, limit: int = 5) -> str:
    """"; did you mean …?" over option paths and the sets holding them."""
    import difflib

    from ..nixos.query import show_loc

    names: set[str] = set()
    for path in system.all_option_paths():
        names.update(show_loc(path[:i]) for i in range(1, len(path) + 1))
    hint = difflib.get_close_matches(show_loc(loc), sorted(names), n=limit, cutoff=0.6)
    return "; did you mean " + ", ".join(f"`{h}'" for h in hint) + "?" if hint else ""


def short(text: str, width: int) -> str:
    """One line of at most ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[:width - 1] + "…"


def where_set(info: OptionInfo) -> str:
    """The winning definitions' places (the first few), or "default" when only
    the option's default won ("" when nothing defines it)."""
    won = [d for d in info.definitions if d.status == "won"]
    if won and all(d.is_default for d in won):
        return "default"
    places = list(dict.fromkeys(relative(d.place.file) + (f":{d.place.line}" if d.place.line
                                                          else "")
                                for d in won if not d.is_default))
    more = f", +{len(places) - MAX_PLACES} more" if len(places) > MAX_PLACES else ""
    return ", ".join(places[:MAX_PLACES]) + more


def row(info: OptionInfo) -> list[Any]:
    if info.error is None:
        value = info.value_text or ""
    else:  # its first line, without "The option `x'": the row already names x
        first = info.error.strip().splitlines()[0].rstrip(":")
        value = "error: " + first.replace(f"The option `{info.name}' ", "", 1)
    return [info.name, short(info.type, TYPE_WIDTH), short(value, VALUE_WIDTH),
            where_set(info)]


def table(infos: list[OptionInfo]) -> str:
    from tabulate import tabulate

    return tabulate([row(i) for i in infos], headers=["option", "type", "value", "set at"],
                    disable_numparse=True)
