"""Arguments every NixOS command shares, and turning them into a ``System``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..nixos.system import System

# exit status when nixpkgs or the configuration cannot be found
NOT_FOUND = 2


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


def make_system(args: argparse.Namespace) -> System:
    """Raises LocateError with a message saying what to pass."""
    from ..nixos.locate import locate
    from ..nixos.system import System

    return System(locate(args.include, args.config), vm=args.vm, pkgs=args.pkgs)


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
