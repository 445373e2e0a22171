"""``nixeval deploy [CONFIG|--flake DIR#NAME] --target USER@HOST``: lint the
configuration, build its system with the real ``nix-build`` (``nix build``
for a flake), copy it to a running machine with ``nix-copy-closure``, set the
system profile (for switch and boot) and run its ``switch-to-configuration``,
as ``nixos-rebuild --target-host`` does. ``--vm`` deploys the VM variant (the
configuration with qemu-vm.nix) into a VM started from ``nixeval build-vm``'s
script."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..nixos.deploy import Remote, Result, Step
    from ..nixos.system import System

from .nixos_args import NOT_FOUND, add_nixos_arguments, fail, make_system

# exit statuses; each step that can fail has its own
LINT_FAILED = 1
TOOLS_MISSING = 3
BUILD_FAILED = 4
UNREACHABLE = 5
AUTH_REFUSED = 6
NIX_MISSING_THERE = 7
COPY_FAILED = 8
PROFILE_FAILED = 9
ACTIVATION_FAILED = 10

EPILOG = f"""\
ssh is run with the options in $NIX_SSHOPTS (split on spaces, as Nix does),
then -p PORT; nix-copy-closure gets the same through NIX_SSHOPTS. The target
user must be allowed to set the system profile and activate (root). Arguments
after `--' go to nix-build (nix build) unchanged.

exit status:
  0  deployed (with --dry-run: the commands were printed)
  1  lint found errors (nothing was built), or evaluation failed
  {NOT_FOUND}  nixpkgs or the configuration was not found, or a usage error
  {TOOLS_MISSING}  nix-build (nix with --flake), nix-copy-closure or ssh is not installed here
  {BUILD_FAILED}  nix-build (nix build with --flake) failed
  {UNREACHABLE}  the target could not be reached (refused, timed out, unknown host)
  {AUTH_REFUSED}  the target refused the login, or its host key is not trusted
  {NIX_MISSING_THERE}  the target has no Nix (nix-store not found there)
  {COPY_FAILED}  nix-copy-closure failed otherwise
  {PROFILE_FAILED}  setting the system profile on the target failed
  {ACTIVATION_FAILED}  switch-to-configuration failed on the target
"""


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not between 1 and 65535")
    return port


def main(argv: list[str]) -> int:
    from ..nixos import deploy

    extra: list[str] = []  # everything after `--' belongs to nix-build
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    ap = argparse.ArgumentParser(prog="nixeval deploy", description=__doc__, epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config_file", metavar="CONFIG", nargs="?",
                    help="the configuration (same as --config)")
    ap.add_argument("--target", required=True, metavar="USER@HOST",
                    help="the machine to deploy to, as ssh names it")
    ap.add_argument("--port", type=port_number, metavar="N", help="its ssh port")
    ap.add_argument("--action", choices=deploy.ACTIONS, default="switch",
                    help="what switch-to-configuration does (default: switch; switch and "
                    "boot also set the system profile)")
    ap.add_argument("--profile", default=deploy.SYSTEM_PROFILE, metavar="PATH",
                    help=f"the profile switch and boot set on the target "
                    f"(default: {deploy.SYSTEM_PROFILE})")
    ap.add_argument("--dry-run", action="store_true",
                    help="print the commands a deployment runs, as a shell script, "
                    "and run none of them (lint still runs)")
    ap.add_argument("--no-lint", action="store_true", help="skip nixeval's checks")
    ap.add_argument("--offline", action="store_true",
                    help="use no binary cache (nix-build --option substituters '')")
    add_nixos_arguments(ap)
    args = ap.parse_args(argv)
    if args.config_file is not None:
        if args.config is not None:
            ap.error("give the configuration once: CONFIG or --config")
        args.config = args.config_file
    if (problem := deploy.check_target(args.target)) is not None:
        ap.error(problem)
    flake = args.flake is not None
    if args.override_input and not flake:
        ap.error("--override-input is for --flake")
    if flake and (args.config is not None or args.include):
        ap.error("--flake takes the configuration from the flake: drop CONFIG, --config "
                 "and -I (a flake is evaluated without a search path)")

    if not args.dry_run and (missing := deploy.missing_tools(flake)):
        return fail(deploy.LOCAL_TOOLS_MISSING.format(missing=", ".join(missing)),
                    TOOLS_MISSING)

    from ..eval.errors import NixError
    from ..nixos import build
    from ..nixos.flake import FlakeTarget, parse_flake_arg
    from ..nixos.locate import LocateError, Target, locate

    target: Target | FlakeTarget
    try:
        if args.no_lint and flake:
            target = parse_flake_arg(args.flake, args.override_input)
        elif args.no_lint:
            target = locate(args.include, args.config)
        else:
            system = make_system(args)
            target = system.target
            if lint_first(system):
                return LINT_FAILED
    except LocateError as e:
        return fail(str(e), NOT_FOUND)
    except NixError as e:
        print(e.render(args.show_trace), file=sys.stderr)
        return LINT_FAILED

    remote = deploy.Remote(args.target, args.port, os.environ.get("NIX_SSHOPTS", ""))
    nix = build.find_nix() if flake else None
    steps = deploy.plan(target, remote, args.action, vm=args.vm, offline=args.offline,
                        profile=args.profile, extra=extra,
                        features=nix is None or build.features_needed(nix))
    if args.dry_run:
        print("# nixeval deploy --dry-run: the commands a deployment runs, in order;"
              " $out is the built system")
        for step in steps:
            print(step.shell())
        return 0
    return execute(steps, remote, args.action)


def lint_first(system: System) -> bool:
    """Show lint's findings; True when there are errors (deploy nothing)."""
    from ..lint import lint, report

    findings = lint(system)
    if findings:
        print(report.text(findings), file=sys.stderr)
    if any(f.severity == "error" for f in findings):
        print("nixeval: not deploying: fix the errors above (or pass --no-lint)",
              file=sys.stderr)
        return True
    return False


def execute(steps: list[Step], remote: Remote, action: str) -> int:
    """Run the steps in order, each one's output shown as it comes; stop at the
    first failure with its exit status and a message saying what to do."""
    from ..nixos import build, deploy

    out = ""
    where = remote.host + (f" (port {remote.port})" if remote.port else "")
    for step in steps:
        env = "".join(f"{name}={shlex.quote(value)} " for name, value in step.env)
        print(f"nixeval: running {env}{shlex.join(step.resolve(out))}", file=sys.stderr)
        if step.kind == "build":
            status, paths = build.run(step.resolve(out))
            tool = step.program
            if status != 0:
                return fail(f"{tool} failed (exit status {status}); nothing was copied",
                            BUILD_FAILED)
            if step.sets_out:
                if not paths:
                    return fail(f"{tool} printed no store path; nothing was copied",
                                BUILD_FAILED)
                out = paths[-1]
            continue
        result = deploy.run(step, out)
        if result.status == 0:
            continue
        trouble = deploy.ssh_failure(result, direct=step.argv[0] == "ssh")
        if trouble is not None:
            return connection_failure(trouble, where, result)
        if step.kind == "check":
            if deploy.command_missing(result):
                return fail(f"{where} has no Nix: nix-store is not on its PATH there "
                            f"({deploy.reason(result)}). Deploying copies the system "
                            "into the target's Nix store, so the target must run Nix "
                            "(NixOS, or Nix installed).", NIX_MISSING_THERE)
            return fail(f"could not run nix-store on {where}: {deploy.reason(result)}",
                        NIX_MISSING_THERE)
        if step.kind == "copy":
            return fail(f"copying {out} to {where} failed (nix-copy-closure exit status "
                        f"{result.status}): {deploy.reason(result)}", COPY_FAILED)
        if step.kind == "profile":
            return fail(f"setting the system profile on {where} failed (exit status "
                        f"{result.status}): {deploy.reason(result)}; the system is copied "
                        "but not made the default. Does the target user own the profile "
                        "(root)?", PROFILE_FAILED)
        missing = deploy.command_missing(result)
        return fail(f"{out} has no bin/switch-to-configuration on {where} "
                    f"({deploy.reason(result)}): the nixpkgs it was built from makes "
                    "systems that cannot be activated this way" if missing else
                    f"activation failed: switch-to-configuration {action} on {where} "
                    f"exited with status {result.status} (its output is above)"
                    + (f"; {out} is the system profile now (roll back with nix-env -p "
                       "PROFILE --rollback)" if action in deploy.SETS_PROFILE else ""),
                    ACTIVATION_FAILED)
    print(f"nixeval: deployed {out} to {where}: switch-to-configuration {action} succeeded")
    return 0


def connection_failure(trouble: str, where: str, result: Result) -> int:
    from ..nixos import deploy

    said = deploy.reason(result)
    if trouble == "unreachable":
        return fail(f"cannot reach {where} over ssh ({said}). Is the machine up and its "
                    "sshd listening there? For a VM from build-vm: started with its ssh "
                    "port forwarded (QEMU_NET_OPTS=hostfwd=tcp::2221-:22), then "
                    "--target root@localhost --port 2221.", UNREACHABLE)
    if trouble == "host-key":
        return fail(f"ssh does not trust the host key of {where} ({said}). If the machine "
                    "is the one you expect (a rebuilt VM gets a new key), update "
                    "known_hosts: ssh-keygen -R HOST, then log in once by hand.",
                    AUTH_REFUSED)
    return fail(f"{where} refused the login ({said}). Deploying logs in with ssh: "
                "give it a key the target accepts (its "
                "users.users.<name>.openssh.authorizedKeys.keys; NIX_SSHOPTS='-i KEY' for "
                "a key of your own, or an ssh agent).", AUTH_REFUSED)
