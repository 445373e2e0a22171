"""``nixeval repl [CONFIG|--flake DIR#NAME]``: explore a NixOS configuration interactively, as
``nixos-rebuild repl`` does: ``config``, ``options``, ``pkgs`` and ``lib`` are in
scope; expressions are evaluated and printed as ``nix repl`` prints them.
Commands: ``:p EXPR`` (print all of it), ``:t EXPR`` (its type), ``:doc
OPTION`` (the option as 'nixeval option' shows it), ``:a EXPR`` (add a set's
attributes to the scope), ``:r`` (evaluate the configuration again), ``:q``.

At a terminal: line editing, history (in the user's data directory), tab
completion of attribute paths and option names, highlighting. Off a terminal
(``echo 'config.networking.hostName' | nixeval repl CONFIG``) lines are read
plainly and only values are printed; the exit status is then 1 if any input
failed. Errors never end the session; Ctrl-C interrupts an evaluation."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from .nixos_args import (
    NOT_FOUND,
    add_nixos_arguments,
    fail,
    make_system,
    relative,
    take_config_argument,
)

if TYPE_CHECKING:
    from ..nixos.system import System


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nixeval repl", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", metavar="CONFIG",
                    help="the configuration (the same as --config FILE)")
    add_nixos_arguments(ap)
    args = ap.parse_args(argv)
    status = take_config_argument(args)
    if status is not None:
        return status

    from .. import __version__
    from ..eval.errors import NixError
    from ..nixos.locate import LocateError
    from ..repl.session import ReplSession
    from ..repl.terminal import run_lines, run_terminal
    from . import main as cli

    try:
        first = make_system(args)
    except LocateError as e:
        return fail(str(e), NOT_FOUND)
    systems = [first]

    def next_system() -> System:
        """The first, then a fresh one for each reload (files read again)."""
        if systems:
            return systems.pop()
        try:
            return make_system(args)
        except LocateError as e:  # the configuration went away: said, and the session goes on
            raise NixError(str(e)) from None

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    what = (f"flake '{args.flake}'" if getattr(args, "flake", None) else
            f"configuration '{relative(first.target.config)}'") + (
        " (VM variant)" if args.vm else "")
    session = ReplSession(next_system, what, sys.stdout, sys.stderr,
                          colors=interactive and os.environ.get("NO_COLOR") is None,
                          show_trace=args.show_trace, blank_lines=interactive)
    cli.INTERRUPT_HOOKS.append(session.interrupts.deliver)
    try:
        if interactive:
            session.note(f"nixeval {__version__}\nType :? for help.\n")
        session.load()
        return run_terminal(session) if interactive else run_lines(session, sys.stdin)
    finally:
        cli.INTERRUPT_HOOKS.remove(session.interrupts.deliver)
