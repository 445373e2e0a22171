"""``nixeval why PATH``: why an option has its value: its definitions (place,
priority, won or overridden), the options its value reads, and the options
whose values read it."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..modules.graph import Loc
    from ..nixos.query import OptionInfo
    from ..nixos.system import System

from .nixos_args import (
    NOT_FOUND,
    add_module_system_arguments,
    add_nixos_arguments,
    fail,
    make_system,
)
from .option_cmd import definitions_table, split_path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nixeval why", description=__doc__)
    ap.add_argument("path", metavar="PATH", help="an option path, e.g. services.openssh.ports")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    add_nixos_arguments(ap)
    add_module_system_arguments(ap)
    args = ap.parse_args(argv)

    from ..eval.errors import NixError, evaluation_limits
    from ..nixos.locate import LocateError
    from ..nixos.query import describe, show_loc
    from .options_cmd import did_you_mean

    loc: Loc = tuple(split_path(args.path))
    try:
        with evaluation_limits():  # out of stack or memory: Nix's error, reported below
            system = make_system(args)
            record = system.option(loc)
            if record is None:
                children = system.children(loc)
                if children:
                    names = ", ".join(f"`{show_loc((*loc, c))}'" for c in children[:8])
                    return fail(f"`{show_loc(loc)}' is a set of options, not one option; "
                                f"did you mean {names}?")
                return fail(f"no option `{show_loc(loc)}'{did_you_mean(system, loc)}")
            info = describe(system, record)  # forces the value: its reads are recorded
            # reads are recorded by the native module system only
            reads = sorted(edges_from(system, loc), key=show_loc) if system.native else None
            readers = sorted(readers_of(system, loc), key=show_loc) if system.native \
                else None
    except LocateError as e:
        return fail(str(e), NOT_FOUND)
    except NixError as e:
        print(e.render(args.show_trace), file=sys.stderr)
        return 1
    if args.json:
        data = info.to_json()
        print(json.dumps({"name": data["name"], "loc": data["loc"], "value": data["value"],
                          "error": data["error"], "definitions": data["definitions"],
                          "reads": None if reads is None else [show_loc(r) for r in reads],
                          "readBy": None if readers is None else [show_loc(r) for r in readers]},
                         indent=2))
    else:
        print(format_why(info, reads, readers))
    return 0 if info.error is None else 1


def edges_from(system: System, loc: Loc) -> set[Loc]:
    """Options read while ``loc``'s value was computed (sets on the way to an
    option are reads too, but not options: left out)."""
    graph = system.graph
    return {read for reader, read in graph.edges
            if reader == loc and read != loc and read in graph.records}


def readers_of(system: System, loc: Loc) -> set[Loc]:
    """Options whose values read ``loc``. A read is recorded only when the
    reader's value is computed, so every top-level option is computed first."""
    from ..eval.errors import NixError

    # Reading every option is this query's doing, not the user's: an alias's
    # "trace: Obsolete option …" printed now would only be noise.
    with contextlib.redirect_stderr(io.StringIO()):
        for record in system.options():
            with contextlib.suppress(NixError):
                system.value(record.loc)
    graph = system.graph
    return {reader for reader, read in graph.edges
            if read == loc and reader != loc and reader in graph.records}


def format_why(info: OptionInfo, reads: list[Loc] | None, readers: list[Loc] | None) -> str:
    from ..nixos.query import show_loc

    value = info.value_text if info.error is None else f"error: {info.error}"
    first, *rest = (value or "").splitlines() or [""]
    lines = [f"{info.name} = {first}", *(f"  {r}" for r in rest), "", "definitions:"]
    table = definitions_table(info)
    lines.extend(["  " + r for r in table] or ["  none"])
    for title, locs in (("reads:", reads), ("read by:", readers)):
        if locs is None:
            lines += ["", title, "  not known: the lib's own module system ran (nixeval's native "
                      "one, which records reads, is not proven for this lib version)"]
            continue
        lines += ["", title, *(f"  {show_loc(r)}" for r in locs)]
        if not locs:
            lines.append("  no option")
    return "\n".join(lines)
