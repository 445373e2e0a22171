"""Deploying a NixOS system to a running machine over ssh, the steps
``nixos-rebuild --target-host`` takes: build it with the real ``nix-build``,
copy its closure with ``nix-copy-closure``, set the system profile (for
``switch`` and ``boot``), and run its ``bin/switch-to-configuration``.

Nothing here evaluates. A run is planned first, as a list of commands, so
that ``--dry-run`` prints exactly what a run executes. The built system's
store path is not known until ``nix-build`` has printed it: commands hold an
``Out`` in its place (printed as ``"$out"``, the shell variable the printed
build command sets).
"""

from __future__ import annotations

import codecs
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from ..eval.search_path import parse_entry
from . import build
from .flake import FlakeTarget
from .locate import Target

ACTIONS = ("switch", "boot", "test", "dry-activate")
SETS_PROFILE = ("switch", "boot")  # as nixos-rebuild: the others leave the boot default
SYSTEM_PROFILE = "/nix/var/nix/profiles/system"
LOCAL_TOOLS = ("nix-build", "nix-copy-closure", "ssh")
FLAKE_TOOLS = ("nix", "nix-copy-closure", "ssh")  # `nix build` for a flake

# The VM-variant system: the configuration with qemu-vm.nix, as nixpkgs'
# nixos/default.nix evaluates it for `-A vm`, but its toplevel rather than the
# VM script, so it can be activated inside a VM built by build-vm.
VM_SYSTEM_EXPR = ("import <nixpkgs/nixos/lib/eval-config.nix> { modules = "
                  "[ <nixos-config> <nixpkgs/nixos/modules/virtualisation/qemu-vm.nix> ]; }")

LOCAL_TOOLS_MISSING = """\
deploying needs {missing} on PATH (nix-build and nix-copy-closure come with
Nix, ssh with OpenSSH's client). Install them, then run this again:
  Debian/Ubuntu:  sudo apt-get install nix-bin openssh-client
  other systems:  https://nixos.org/download"""

# ssh's own texts (exit status 255) for a machine it could not talk to, and
# for one that would not let it in
_UNREACHABLE = re.compile(r"Connection refused|Connection timed out|timed out during banner|"
                          r"No route to host|Network is unreachable|Could not resolve hostname|"
                          r"Name or service not known|Connection closed by|"
                          r"Connection reset by|kex_exchange_identification")
_AUTH = re.compile(r"Permission denied|Too many authentication failures|"
                   r"Authentication failed|no matching host key type")
_HOST_KEY = re.compile(r"Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED")
_NOT_FOUND = re.compile(r"command not found|No such file or directory|not found")


@dataclass(frozen=True)
class Out:
    """The built system's store path, with ``suffix`` appended."""

    suffix: str = ""


Word = str | Out


@dataclass(frozen=True)
class Step:
    """One command of a deployment. ``env`` is what it gets on top of ours."""

    kind: str  # "check", "build", "copy", "profile" or "activate"
    argv: tuple[Word, ...]
    env: tuple[tuple[str, str], ...] = ()
    sets_out: bool = False  # its standard output is the built system's path

    def shell(self) -> str:
        """The command as shell text: every word quoted; ``out=$(…)`` around
        the one that prints the built system."""
        words = [*(f"{name}={shlex.quote(value)}" for name, value in self.env),
                 *(_shell_word(w) for w in self.argv)]
        text = " ".join(words)
        return f"out=$({text})" if self.sets_out else text

    @property
    def program(self) -> str:
        """How messages name it: ``nix-build``, ``nix build``, ``nix path-info``…"""
        verb = next((w for w in self.argv[1:] if w in ("build", "path-info")), None)
        return f"nix {verb}" if self.argv[0] == "nix" and verb else str(self.argv[0])

    def resolve(self, out: str) -> list[str]:
        return [w if isinstance(w, str) else out + w.suffix for w in self.argv]


def _shell_word(word: Word) -> str:
    if isinstance(word, str):
        return shlex.quote(word)
    return '"$out"' + (shlex.quote(word.suffix) if word.suffix else "")


@dataclass(frozen=True)
class Remote:
    """The machine deployed to, and how ssh reaches it."""

    host: str  # [USER@]HOST
    port: int | None = None
    sshopts: str = ""  # $NIX_SSHOPTS as the user set it

    def ssh_options(self) -> list[str]:
        """``$NIX_SSHOPTS`` split on whitespace, as Nix splits it, then the port."""
        return [*self.sshopts.split(), *(["-p", str(self.port)] if self.port else [])]

    def ssh(self, kind: str, *command: Word) -> Step:
        """``ssh OPTIONS -- HOST COMMAND``: ssh hands the words to the remote
        shell joined by spaces, so each is quoted for it (store paths need no
        quoting); ``--`` keeps a host name from being read as an option."""
        remote = [shlex.quote(w) if isinstance(w, str) else w for w in command]
        return Step(kind, ("ssh", *self.ssh_options(), "--", self.host, *remote))


def check_target(host: str) -> str | None:
    """Why ``host`` cannot be an ssh destination, or None."""
    if not host:
        return "the target is empty: give USER@HOST"
    if host.startswith("-"):
        return f"the target '{host}' starts with '-': give USER@HOST"
    if any(c.isspace() or not c.isprintable() for c in host):
        return f"the target {host!r} contains spaces or control characters: give USER@HOST"
    if host.endswith("@") or host.startswith("@"):
        return f"the target '{host}' lacks a user or a host: give USER@HOST"
    return None


def missing_tools(flake: bool = False) -> list[str]:
    return [tool for tool in (FLAKE_TOOLS if flake else LOCAL_TOOLS)
            if shutil.which(tool) is None]


def build_step(target: Target, vm: bool, offline: bool, extra: Sequence[str] = ()) -> Step:
    """``nix-build`` of the system (``-A system``, as nixos-rebuild builds it) or,
    for ``vm``, of the VM variant's toplevel, with our nixpkgs and configuration
    first on the search path (Nix takes the first match), then the user's other
    ``-I`` entries. No out link: the path is copied away at once."""
    what = (["-E", VM_SYSTEM_EXPR, "-A", "config.system.build.toplevel"] if vm
            else ["<nixpkgs/nixos>", "-A", "system"])
    argv = [build.NIX_BUILD, *what,
            "-I", f"nixpkgs={target.nixpkgs}", "-I", f"nixos-config={target.config}"]
    for entry in target.search_path:
        if parse_entry(entry)[0] not in ("nixpkgs", "nixos-config"):
            argv += ["-I", entry]
    if offline:
        argv += ["--option", "substituters", ""]
    return Step("build", (*argv, "--no-out-link", *extra), sets_out=True)


def flake_build_steps(target: FlakeTarget, vm: bool, offline: bool,
                      extra: Sequence[str] = (), features: bool = True) -> list[Step]:
    """``nix build`` of ``nixosConfigurations.NAME``'s toplevel, as
    ``nixos-rebuild --flake`` builds it (for ``vm``, that of its
    ``virtualisation.vmVariant``, the system ``build-vm --flake``'s VM runs),
    then ``nix path-info`` of it for its path: Nix 2.8's ``nix build`` prints none."""
    attr = (f"{target.installable}."
            + ("config.virtualisation.vmVariant." if vm else "config.")
            + "system.build.toplevel")
    nix = ["nix", *(["--extra-experimental-features", " ".join(build.FLAKE_FEATURES)]
                    if features else [])]
    inputs: list[str] = []
    for name, path in target.overrides.items():
        prefix = "path:" if path.startswith("path:") else ""
        inputs += ["--override-input", name,
                   prefix + os.path.abspath(path.removeprefix("path:"))]
    if offline:
        inputs += ["--option", "substituters", ""]
    return [Step("build", (*nix, "build", attr, "--no-link", *inputs, *extra)),
            Step("build", (*nix, "path-info", attr, *inputs), sets_out=True)]


def plan(target: Target | FlakeTarget, remote: Remote, action: str, *, vm: bool = False,
         offline: bool = False, profile: str = SYSTEM_PROFILE,
         extra: Sequence[str] = (), features: bool = True) -> list[Step]:
    """The commands of a deployment, in order. The first asks the target for its
    Nix, so an unreachable machine, a refused login or a target without Nix is
    reported before anything is built."""
    sshopts = " ".join(remote.ssh_options())
    steps = [remote.ssh("check", "nix-store", "--version"),
             *(flake_build_steps(target, vm, offline, extra, features)
               if isinstance(target, FlakeTarget) else [build_step(target, vm, offline, extra)]),
             Step("copy", ("nix-copy-closure", "--to", remote.host, "--gzip", Out()),
                  (("NIX_SSHOPTS", sshopts),) if sshopts else ())]
    if action in SETS_PROFILE:
        steps.append(remote.ssh("profile", "nix-env", "-p", profile, "--set", Out()))
    steps.append(remote.ssh("activate", Out("/bin/switch-to-configuration"), action))
    return steps


@dataclass
class Result:
    status: int
    stderr: str  # the end of what the command wrote there (it was shown as it came)


def run(step: Step, out: str) -> Result:
    """Run ``step``: its standard output straight to ours, its standard error
    passed on as it comes and kept (the end of it) to tell why it failed."""
    sys.stdout.flush()
    sys.stderr.flush()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    kept = ""
    env = {**os.environ, **dict(step.env)}
    with subprocess.Popen(step.resolve(out), stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stderr is not None
        fd = proc.stderr.fileno()
        while chunk := os.read(fd, 65536):
            text = decoder.decode(chunk)
            sys.stderr.write(text)
            sys.stderr.flush()
            kept = (kept + text)[-16384:]
    status = proc.returncode
    return Result(128 - status if status < 0 else status, kept)


def ssh_failure(result: Result, direct: bool = True) -> str | None:
    """Why ssh could not run a command: "unreachable", "auth" or "host-key";
    None when it could (whatever the command's status). ``direct``: the step is
    ssh itself, whose own failures are status 255 (nix-copy-closure fails with 1)."""
    if result.status == 0 or (direct and result.status != 255):
        return None
    for kind, pattern in (("host-key", _HOST_KEY), ("auth", _AUTH),
                          ("unreachable", _UNREACHABLE)):
        if pattern.search(result.stderr):
            return kind
    return None


def command_missing(result: Result) -> bool:
    """The remote shell found no such command (status 127, as POSIX shells say)."""
    return result.status == 127 and bool(_NOT_FOUND.search(result.stderr))


def reason(result: Result) -> str:
    """ssh's own words for a failure (else the last line written), to quote."""
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    for pattern in (_HOST_KEY, _AUTH, _UNREACHABLE, _NOT_FOUND):
        for line in lines:
            if pattern.search(line):
                return line
    return lines[-1] if lines else f"exit status {result.status}"
