"""``nixeval options [PREFIX]``: a table of the options under PREFIX with
their type, value (short) and where the winning definitions are."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..api import Option
    from ..modules.graph import Loc
    from ..nixos.system import System

from .nixos_args import (
    NOT_FOUND,
    add_module_system_arguments,
    add_nixos_arguments,
    fail,
    make_session,
    relative,
)
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
    add_module_system_arguments(ap)
    args = ap.parse_args(argv)

    from ..api import EvalError, NotFound, OptionNotFound
    from ..nixos.query import show_loc

    loc: Loc = tuple(split_path(args.prefix)) if args.prefix else ()
    session = make_session(args)
    try:
        infos = session.options(loc, include_hidden=args.all)
        left_out = 0 if args.all else session.hidden_count(loc)
    except OptionNotFound as e:
        near = "; did you mean " + ", ".join(f"`{h}'" for h in e.suggestions) + "?" \
            if e.suggestions else ""
        return fail(f"no option or set of options `{show_loc(loc)}'{near}")
    except NotFound as e:
        return fail(str(e), NOT_FOUND)
    except EvalError as e:  # evaluating the module tree itself failed
        print(e.render(args.show_trace), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([i.to_json() for i in infos], indent=2))
    elif infos:
        print(table(infos))
    if left_out:
        print(f"({left_out} internal or invisible options not shown; "
              "--all shows them)", file=sys.stderr)
    return 0


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


def where_set(info: Option) -> str:
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


def row(info: Option) -> list[Any]:
    if info.error is None:
        value = info.value_text or ""
    else:  # its first line, without "The option `x'": the row already names x
        first = info.error.strip().splitlines()[0].rstrip(":")
        value = "error: " + first.replace(f"The option `{info.name}' ", "", 1)
    return [info.name, short(info.type, TYPE_WIDTH), short(value, VALUE_WIDTH),
            where_set(info)]


def table(infos: list[Option]) -> str:
    from tabulate import tabulate

    return tabulate([row(i) for i in infos], headers=["option", "type", "value", "set at"],
                    disable_numparse=True)
