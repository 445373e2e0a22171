"""``nixeval build-vm [CONFIG]``: lint the configuration's VM variant, then
build the VM with the real ``nix-build '<nixpkgs/nixos>' -A vm`` (as
``nixos-rebuild build-vm`` does; with ``--flake DIR#NAME``, ``nix build
DIR#nixosConfigurations.NAME.config.system.build.vm``) and say how to start it."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..nixos.system import System

from .nixos_args import NOT_FOUND, add_nixos_arguments, fail, make_system

# exit statuses besides nix-build's own
LINT_FAILED = 1
NIX_MISSING = 3

EPILOG = f"""\
Arguments after `--' go to nix-build (nix build with --flake) unchanged,
e.g. `-- --show-trace'.

exit status:
  0  the VM was built
  1  lint found errors (nothing was built), or evaluation failed
  {NOT_FOUND}  nixpkgs or the configuration was not found
  {NIX_MISSING}  Nix's nix-build is not installed
  N  nix-build failed with status N
"""


def main(argv: list[str]) -> int:
    # everything after `--' belongs to nix-build
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    ap = argparse.ArgumentParser(prog="nixeval build-vm", description=__doc__, epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config_file", metavar="CONFIG", nargs="?",
                    help="the configuration (same as --config)")
    ap.add_argument("--no-lint", action="store_true",
                    help="skip nixeval's checks and hand over to nix-build at once")
    ap.add_argument("--offline", action="store_true",
                    help="use no binary cache (nix-build --option substituters '')")
    add_nixos_arguments(ap)
    for action in ap._actions:  # --vm is implied: the VM variant is what gets built
        if action.dest == "vm":
            action.help = argparse.SUPPRESS
    args = ap.parse_args(argv)
    if args.config_file is not None:
        if args.config is not None:
            ap.error("give the configuration once: CONFIG or --config")
        args.config = args.config_file
    args.vm = True  # what gets built is the VM variant, so that is what lint checks

    from ..eval.errors import NixError
    from ..nixos import build
    from ..nixos.flake import FlakeTarget, parse_flake_arg
    from ..nixos.locate import LocateError, Target, locate

    facts = build.VmFacts()
    target: Target | FlakeTarget
    try:
        if args.no_lint and args.flake is not None:
            target = parse_flake_arg(args.flake, args.override_input)
        elif args.no_lint:
            target = locate(args.include, args.config)
        else:
            system = make_system(args)
            target = system.target
            status = lint_first(system)
            if status:
                return status
            facts = build.vm_facts(system)
    except LocateError as e:
        return fail(str(e), NOT_FOUND)
    except NixError as e:
        print(e.render(args.show_trace), file=sys.stderr)
        return LINT_FAILED

    if isinstance(target, FlakeTarget):
        nix = build.find_nix()
        if nix is None:
            return fail(build.NIX_MISSING.replace("nix-build", "nix"), NIX_MISSING)
        cmd = build.flake_command(target, offline=args.offline, extra=extra, nix=nix,
                                  features=build.features_needed(nix))
    else:
        nix_build = build.find_nix_build()
        if nix_build is None:
            return fail(build.NIX_MISSING, NIX_MISSING)
        cmd = build.command(target, offline=args.offline, extra=extra, nix_build=nix_build)
    tool = os.path.basename(cmd[0])
    print(f"nixeval: running {shlex.join([tool, *cmd[1:]])}", file=sys.stderr)
    status, out_paths = build.run(cmd)
    if status != 0:
        return fail(f"{tool} {'build ' if tool == 'nix' else ''}failed (exit status {status})",
                    status)
    scripts = build.vm_scripts(out_paths, link=out_link(extra))
    if not scripts:
        return fail("nix-build succeeded but built no bin/run-*-vm script", 1)
    print(build.instructions(scripts[0], facts))
    return 0


def lint_first(system: System) -> int:
    """Lint's report when it found errors (and LINT_FAILED), warnings shown
    and 0 otherwise: Nix would stop on the same errors, later and less clearly."""
    from ..lint import lint, report

    findings = lint(system)
    if not findings:
        return 0
    print(report.text(findings), file=sys.stderr)
    if any(f.severity == "error" for f in findings):
        print("nixeval: not building the VM: fix the errors above "
              "(or pass --no-lint to let nix-build try)", file=sys.stderr)
        return LINT_FAILED
    return 0


def out_link(extra: list[str]) -> str:
    """The out link nix-build makes: ``-o``/``--out-link`` among its arguments,
    else ``result``."""
    for i, arg in enumerate(extra[:-1]):
        if arg in ("-o", "--out-link"):
            return extra[i + 1]
    return "result"
