"""Finding nixpkgs and the configuration, as ``nixos-rebuild`` and
``nix-build '<nixpkgs/nixos>'`` do: ``-I``, ``NIX_PATH``, ``NIXOS_CONFIG``,
the root channel, ``/etc/nixos/configuration.nix``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .. import inputs
from ..eval.search_path import parse_entry, split_nix_path

ROOT_CHANNELS = "/nix/var/nix/profiles/per-user/root/channels"
DEFAULT_CONFIG = "/etc/nixos/configuration.nix"
QEMU_VM_MODULE = "nixos/modules/virtualisation/qemu-vm.nix"


class LocateError(Exception):
    """nixpkgs or the configuration could not be found; the text says how to
    point nixeval at them."""


@dataclass(frozen=True)
class Target:
    nixpkgs: str  # a nixpkgs tree: has nixos/lib/eval-config.nix
    config: str  # the configuration file
    search_path: tuple[str, ...]  # as given (-I first, then NIX_PATH), for nix-build too

    @property
    def eval_config(self) -> str:
        return os.path.join(self.nixpkgs, "nixos", "lib", "eval-config.nix")

    @property
    def qemu_vm_module(self) -> str:
        return os.path.join(self.nixpkgs, QEMU_VM_MODULE)


def search_path(include: list[str]) -> list[str]:
    """-I entries, then ``NIX_PATH`` (or Nix's default when it is unset)."""
    env = inputs.env("NIX_PATH")
    if env is None:
        env = f"nixpkgs={ROOT_CHANNELS}/nixos:{ROOT_CHANNELS}"
    return list(include) + split_nix_path(env)


def _lookup(entries: list[str], name: str) -> str | None:
    """``<name>`` on the search path, as Nix looks it up."""
    for entry in entries:
        prefix, path = parse_entry(entry)
        if "://" in path:
            continue
        candidate = path if prefix == name else (
            os.path.join(path, name) if not prefix else None)
        if candidate and inputs.exists(candidate):
            return os.path.realpath(candidate) if prefix == name else candidate
    return None


def locate(include: list[str], config: str | None = None) -> Target:
    entries = search_path(include)
    nixpkgs = _lookup(entries, "nixpkgs")
    if nixpkgs is None:
        raise LocateError("cannot find nixpkgs: pass -I nixpkgs=PATH, or set NIX_PATH "
                          "(for example NIX_PATH=nixpkgs=/path/to/nixpkgs)")
    if not inputs.isfile(os.path.join(nixpkgs, "nixos", "lib", "eval-config.nix")):
        raise LocateError(f"'{nixpkgs}' is not a nixpkgs tree: it has no "
                          "nixos/lib/eval-config.nix")
    if config is None:
        config = _lookup(entries, "nixos-config") or inputs.env("NIXOS_CONFIG") \
            or DEFAULT_CONFIG
    config = os.path.abspath(config)
    if inputs.isdir(config):
        config = os.path.join(config, "default.nix")
    if not inputs.isfile(config):
        raise LocateError(f"configuration file '{config}' does not exist: pass --config FILE, "
                          "-I nixos-config=FILE, or set NIXOS_CONFIG")
    return Target(nixpkgs, config, tuple(include))
