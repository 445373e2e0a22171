"""``--flake DIR#NAME``: the configuration ``nixosConfigurations.NAME`` of a
local flake, as ``nixos-rebuild --flake`` finds it (NAME defaults to the
host name), its inputs taken from ``flake.lock`` without fetching."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any

from ..eval.builtins.io import locate
from ..eval.errors import NixError
from ..eval.flake.call import Flake
from ..eval.flake.errors import FlakeError
from ..eval.printer import show_attr_name
from ..eval.state import EvalState
from ..eval.values import Attrs, force
from .locate import QEMU_VM_MODULE, LocateError

OUTPUT = "nixosConfigurations"
# other outputs of evalModules results the commands read (home-manager,
# nix-darwin), named in full: DIR#homeConfigurations.alice
OTHER_OUTPUTS = ("homeConfigurations", "darwinConfigurations")
EVAL_CONFIG = os.path.join("nixos", "lib", "eval-config.nix")


@dataclass
class FlakeTarget:
    """A configuration in a flake. ``nixpkgs`` (the tree of the input named
    ``nixpkgs``, where NixOS' own modules come from) is known once loaded."""

    directory: str
    name: str
    overrides: dict[str, str] = field(default_factory=dict)
    nixpkgs: str = ""
    search_path: tuple[str, ...] = ()  # a flake is evaluated purely: no search path
    named: bool = True  # False: NAME is the host name, as none was given
    output: str = OUTPUT
    as_path: bool = False  # path:DIR: every file, even in a git work tree

    @property
    def config(self) -> str:
        return os.path.join(self.directory, "flake.nix")

    @property
    def qemu_vm_module(self) -> str:
        return os.path.join(self.nixpkgs, QEMU_VM_MODULE)

    @property
    def installable(self) -> str:
        """What ``nix build`` is given for the configuration."""
        where = ("path:" if self.as_path else "") + self.directory
        return f"{where}#{self.output}.{show_attr_name(self.name)}"


def host_name() -> str:
    """The name ``nixos-rebuild`` picks: the kernel's host name, else "default"."""
    try:
        with open("/proc/sys/kernel/hostname", encoding="utf-8") as f:
            name = f.read().strip()
    except OSError:
        name = socket.gethostname()
    return name or "default"


def parse_flake_arg(ref: str, overrides: list[list[str]] | None = None) -> FlakeTarget:
    """``DIR#NAME`` (``path:DIR``, ``git+file://DIR``; NAME optional, or
    ``homeConfigurations.NAME``…) → a target."""
    where, _, name = ref.partition("#")
    as_path = where.startswith("path:")
    where = where.removeprefix("path:").removeprefix("git+file://") or "."
    if "://" in where or (":" in where and not os.path.exists(where)):
        raise LocateError(f"--flake '{ref}': nixeval reads local flakes only (a directory "
                          "with flake.nix and flake.lock); clone it and pass its directory")
    directory = os.path.realpath(where)
    if not os.path.isfile(os.path.join(directory, "flake.nix")):
        raise LocateError(f"--flake '{ref}': '{directory}' has no flake.nix")
    output = OUTPUT
    for known in (OUTPUT, *OTHER_OUTPUTS):
        if name.startswith(known + "."):
            output, name = known, name[len(known) + 1:]
    if len(name) > 1 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return FlakeTarget(directory, name or host_name(), {n: p for n, p in (overrides or [])},
                       named=bool(name), output=output, as_path=as_path)


def load(state: EvalState, target: FlakeTarget) -> Attrs:
    """The flake's value; fills in ``target.nixpkgs``: the input named
    ``nixpkgs``, else the first that is a NixOS tree (inputs that cannot be
    had are passed over: Nix fetches only those the configuration uses)."""
    flake = force(Flake.local(state, target.directory, target.overrides,
                              target.as_path).value())
    inputs = force(flake.vals["inputs"])
    if type(inputs) is Attrs:
        for name in sorted(inputs.vals, key=lambda n: n != "nixpkgs"):
            try:
                path = str(force(force(inputs.vals[name]).vals["outPath"]))
            except NixError:
                continue
            found = locate(state, os.path.join(path, EVAL_CONFIG))
            if found is not None and os.path.isfile(found.fs):
                target.nixpkgs = path
                break
    return flake


def configuration(flake: Attrs, target: FlakeTarget) -> Any:
    """``nixosConfigurations.NAME`` (or another output's): an ``evalModules`` result."""
    if target.output not in flake.vals:
        outputs = force(flake.vals["outputs"]).names()
        raise FlakeError(f"flake '{target.directory}' has no '{target.output}' output (its "
                         f"outputs: {', '.join(outputs) or 'none'})")
    configs = force(flake.vals[target.output])
    if type(configs) is not Attrs:
        raise FlakeError(f"'{target.output}' of flake '{target.directory}' is not a set")
    if target.name not in configs.vals:
        names = configs.names()
        have = ("it has " + ", ".join(names)) if names else f"its {target.output} is empty"
        which = "" if target.named else ", this machine's host name"
        raise FlakeError(f"flake '{target.directory}' has no configuration "
                         f"'{target.output}.{show_attr_name(target.name)}'{which} ({have}); "
                         f"pass --flake '{target.directory}#NAME'")
    return force(configs.vals[target.name])
