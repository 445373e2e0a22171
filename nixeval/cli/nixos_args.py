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


def add_module_system_arguments(ap: argparse.ArgumentParser) -> None:
    """Other module systems than NixOS, for the commands that read any."""
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--home-manager", metavar="FILE",
                      help="a home-manager configuration (home.nix), evaluated as "
                      "home-manager does: <home-manager/modules> with <nixpkgs>'s packages")
    what.add_argument("--darwin", metavar="FILE",
                      help="a nix-darwin configuration, evaluated as darwin-rebuild does "
                      "(<darwin> on the search path)")
    what.add_argument("--modules", metavar="EXPR",
                      help="any evalModules call: a Nix expression whose value is its result "
                      "(relative paths from the working directory)")


def make_system(args: argparse.Namespace) -> System:
    """Raises LocateError with a message saying what to pass."""
    from ..nixos.locate import LocateError, locate
    from ..nixos.system import System

    other = [(flag, value) for flag, value in (
        ("--home-manager", getattr(args, "home_manager", None)),
        ("--darwin", getattr(args, "darwin", None)),
        ("--modules", getattr(args, "modules", None))) if value is not None]
    if other:
        flag, value = other[0]
        clashing = [f for f, on in (("--config", args.config is not None),
                                    ("--flake", args.flake is not None), ("--vm", args.vm),
                                    ("--override-input", bool(args.override_input))) if on]
        if clashing:
            raise LocateError(f"{flag} names the configuration: drop {', '.join(clashing)}")
        from ..nixos.modules_system import (
            ModulesSystem,
            darwin_target,
            expression_target,
            home_manager_target,
        )

        target = home_manager_target(value, args.include) if flag == "--home-manager" else \
            darwin_target(value, args.include) if flag == "--darwin" else \
            expression_target(value, None, args.include, None, None)
        return ModulesSystem(target)
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
