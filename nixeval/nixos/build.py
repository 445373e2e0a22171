"""The hand-off to the real ``nix-build`` for the QEMU VM, as
``nixos-rebuild build-vm`` does it, and what to tell the user afterwards.

nixeval evaluates; only Nix builds. Nothing here evaluates the configuration
except ``vm_facts``, which reads a few options of an evaluation already made
to word the instructions.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..eval.errors import NixError
from ..eval.search_path import parse_entry
from ..eval.values import Attrs, force
from .flake import FlakeTarget
from .locate import Target
from .system import System

NIX_BUILD = "nix-build"

NIX_MISSING = """\
building the VM needs Nix's nix-build, which is not on PATH
(nixeval only evaluates; everything but this step works without Nix).
Install Nix, then run this again:
  Debian/Ubuntu:  sudo apt-get install nix-bin
  other systems:  https://nixos.org/download"""

SSH_HOST_PORT = 2222  # the host port the instructions forward to the guest's sshd


def find_nix_build() -> str | None:
    return shutil.which(NIX_BUILD)


def command(target: Target, offline: bool = False, extra: Sequence[str] = (),
            nix_build: str = NIX_BUILD) -> list[str]:
    """``nix-build '<nixpkgs/nixos>' -A vm`` for ``target``: our nixpkgs and
    configuration first (Nix takes the first match on its search path), then
    the user's own ``-I`` entries for whatever else the configuration looks up."""
    argv = [nix_build, "<nixpkgs/nixos>", "-A", "vm",
            "-I", f"nixpkgs={target.nixpkgs}", "-I", f"nixos-config={target.config}"]
    for entry in target.search_path:
        if parse_entry(entry)[0] not in ("nixpkgs", "nixos-config"):  # ours win anyway
            argv += ["-I", entry]
    if offline:  # no binary cache: build everything here, fail fast without a network
        argv += ["--option", "substituters", ""]
    return [*argv, *extra]


FLAKE_FEATURES = ("nix-command", "flakes")


def find_nix() -> str | None:
    return shutil.which("nix")


def features_needed(nix: str) -> bool:
    """Whether ``nix`` needs ``--extra-experimental-features 'nix-command flakes'``:
    unless its configuration enables both, ``nix show-config`` itself fails or
    does not list them."""
    try:
        done = subprocess.run([nix, "show-config"], capture_output=True, text=True,
                              check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return True
    if done.returncode != 0:
        return True
    for line in done.stdout.splitlines():
        name, _, value = line.partition(" = ")
        if name.strip() == "experimental-features":
            return not set(FLAKE_FEATURES) <= set(value.split())
    return True


def flake_command(target: FlakeTarget, offline: bool = False, extra: Sequence[str] = (),
                  nix: str = "nix", features: bool = True) -> list[str]:
    """``nix build DIR#nixosConfigurations.NAME.config.system.build.vm``, as
    ``nixos-rebuild build-vm --flake`` runs it, with the same input overrides."""
    argv = [nix]
    if features:
        argv += ["--extra-experimental-features", " ".join(FLAKE_FEATURES)]
    # no --print-out-paths (Nix 2.8 lacks it): the VM is found through the out link
    argv += ["build", f"{target.installable}.config.system.build.vm"]
    for name, path in target.overrides.items():
        prefix = "path:" if path.startswith("path:") else ""
        argv += ["--override-input", name, prefix + os.path.abspath(path.removeprefix("path:"))]
    if offline:
        argv += ["--option", "substituters", ""]
    return [*argv, *extra]


def run(argv: Sequence[str], cwd: str | None = None) -> tuple[int, list[str]]:
    """Run nix-build: its log (stderr) goes straight to ours; its stdout, the
    built paths, is echoed line by line and returned too, so the VM is found
    even with ``--no-out-link`` or ``-o``. Returns (exit status, out paths)."""
    sys.stdout.flush()
    sys.stderr.flush()
    paths = []
    with subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            paths.append(line.strip())
    status = proc.returncode
    return (128 - status if status < 0 else status), [p for p in paths if p]


def vm_scripts(out_paths: Sequence[str], cwd: str = ".", link: str = "result") -> list[str]:
    """The ``bin/run-*-vm`` scripts built: under the out link ``link`` when it
    points at a built path (shown as ``./result/bin/…``), else in the store."""
    link_path = os.path.join(cwd, link)
    if os.path.islink(link_path) and (not out_paths or
                                      os.path.realpath(link_path) in map(os.path.realpath,
                                                                         out_paths)):
        found = sorted(glob.glob(os.path.join(glob.escape(link_path), "bin", "run-*-vm")))
        shown = link if os.path.isabs(link) else os.path.join(".", link)
        return [os.path.join(shown, "bin", os.path.basename(f)) for f in found]
    return sorted(f for p in out_paths
                  for f in glob.glob(os.path.join(glob.escape(p), "bin", "run-*-vm")))


@dataclass
class VmFacts:
    """What the instructions mention, when an evaluation can tell."""

    user: str | None = None  # the first normal user
    ssh: bool | None = None  # services.openssh.enable
    forwarded: int | None = None  # a host port virtualisation.forwardPorts sends to sshd


def vm_facts(system: System) -> VmFacts:
    facts = VmFacts()

    def get(*loc: str) -> Any:
        try:
            return system.value(loc) if system.option(loc) is not None else None
        except NixError:
            return None

    users = get("users", "users")
    if type(users) is Attrs:
        for name in users.names():
            try:
                if force(force(users.vals[name]).vals["isNormalUser"]) is True:
                    facts.user = name
                    break
            except (NixError, KeyError, AttributeError):
                continue
    enabled = get("services", "openssh", "enable")
    facts.ssh = enabled if type(enabled) is bool else None
    ports = get("services", "openssh", "ports")
    try:
        ssh_port = force(ports[0]) if type(ports) is list and ports else 22
        for rule in get("virtualisation", "forwardPorts") or []:
            rule = force(rule)
            if force(rule.vals["from"]) == "host" and \
                    force(force(rule.vals["guest"]).vals["port"]) == ssh_port:
                facts.forwarded = force(force(rule.vals["host"]).vals["port"])
                break
    except (NixError, KeyError, AttributeError, TypeError):
        pass
    return facts


def instructions(script: str, facts: VmFacts) -> str:
    """How to start the VM, reach it over ssh, and use its serial console."""
    q = shlex.quote(script)
    user = facts.user or "USER"
    lines = ["The VM is built. Start it with:", f"  {q}", ""]
    if facts.ssh is not False:
        if facts.forwarded is not None:
            lines += [f"Its sshd is forwarded to host port {facts.forwarded} already; "
                      "once it has booted:",
                      f"  ssh -p {facts.forwarded} {user}@localhost"]
        else:
            lines += ["To reach its sshd, forward a host port and log in once it has booted:",
                      f"  QEMU_NET_OPTS=hostfwd=tcp::{SSH_HOST_PORT}-:22 {q}",
                      f"  ssh -p {SSH_HOST_PORT} {user}@localhost"]
        lines.append("")
    lines += ["For a serial console in this terminal instead of a window:",
              f"  QEMU_KERNEL_PARAMS=console=ttyS0 {q} -nographic"]
    return "\n".join(lines)
