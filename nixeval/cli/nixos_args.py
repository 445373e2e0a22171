"""Arguments every NixOS command shares, and turning them into a ``System``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api import Session
    from ..nixos.system import System

# exit status when nixpkgs or the configuration cannot be found
NOT_FOUND = 2


def take_config_argument(args: argparse.Namespace) -> int | None:
    """A command's CONFIG argument (``args.file``) as ``--config``: the exit
    status of a failure when both are given and name different files."""
    if args.file is not None:
        if args.config is not None and os.path.abspath(args.config) != os.path.abspath(
                args.file):
            return fail("give the configuration once: as CONFIG or as --config FILE",
                        NOT_FOUND)
        args.config = args.file
    return None


def add_nixos_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("-I", "--include", action="append", default=[], metavar="PATH",
                    help="add to the search path, as nix-build does (nixpkgs=PATH, "
                    "nixos-config=FILE)")
    ap.add_argument("--config", metavar="FILE",
                    help="the configuration (default: <nixos-config>, $NIXOS_CONFIG, "
                    "/etc/nixos/configuration.nix)")
    ap.add_argument("--vm", action="store_true",
                    help="the VM variant: with virtualisation/qemu-vm.nix, as "
                    "'nixos-rebuild build-vm' evaluates it")
    ap.add_argument("--pkgs", choices=("auto", "placeholder", "real"), default="auto",
                    help="nixpkgs' package set: placeholders (fast; the default for a full "
                    "nixpkgs tree) or evaluated for real")
    ap.add_argument("--show-trace", action="store_true", help="show Nix's full error trace")
    ap.add_argument("--flake", metavar="DIR#NAME",
                    help="the configuration nixosConfigurations.NAME of the flake in DIR "
                    "(NAME: the host name by default), its inputs as flake.lock locks them")
    ap.add_argument("--override-input", nargs=2, action="append", default=[],
                    metavar=("NAME", "PATH"),
                    help="with --flake: use the directory PATH for input NAME (a/b for an "
                    "input of an input); path:PATH takes every file, not git's")


def make_system(args: argparse.Namespace) -> System:
    """Raises LocateError with a message saying what to pass."""
    from ..nixos.locate import LocateError, locate
    from ..nixos.system import System

    if args.flake is None:
        if args.override_input:
            raise LocateError("--override-input is for --flake")
        return System(locate(args.include, args.config), vm=args.vm, pkgs=args.pkgs)
    from ..nixos.flake import parse_flake_arg

    if args.config is not None or args.include:
        raise LocateError("--flake takes the configuration from the flake: drop --config "
                          "and -I (a flake is evaluated without a search path)")
    return System(parse_flake_arg(args.flake, args.override_input), vm=args.vm,
                  pkgs=args.pkgs)


def make_session(args: argparse.Namespace) -> Session:
    """An API session over the system the arguments name (evaluated when
    first asked; a LocateError then is the API's NotFound)."""
    from ..api import Session

    return Session(lambda _state: make_system(args))  # one evaluation per run


def relative(path: str) -> str:
    """``path`` relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def fail(message: str, status: int = 1) -> int:
    sys.stderr.write(f"nixeval: {message}\n")
    return status
