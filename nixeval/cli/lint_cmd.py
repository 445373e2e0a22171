"""``nixeval lint [CONFIG]``: check a NixOS configuration before building it:
conflicting definitions, type errors, undeclared options, renamed and removed
options, failed assertions, warnings and infinite recursion, each with its
place and a fix. With --vm, the VM variant is checked, as
'nixos-rebuild build-vm' evaluates it.

A NixOS VM test (a file with nodes and a testScript: a test module, or
pkgs.testers.runNixOSTest / nixosTest / import ./make-test-python.nix of one)
is checked as the test driver would build it: every node's configuration
with qemu-vm.nix, and the testScript with pyflakes (the driver's globals and
the machines' names known), at the test file's lines.

Exit status (as ESLint's): 0 when nothing or only warnings were found, 1 when
an error was (or more warnings than --max-warnings), 2 on usage errors
(nixpkgs or the configuration not found)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..eval.errors import NixError
    from ..lint.rules import Finding

from .nixos_args import (
    NOT_FOUND,
    add_module_system_arguments,
    add_nixos_arguments,
    fail,
    make_system,
    take_config_argument,
)

FORMATS = ("text", "json", "sarif")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nixeval lint", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", metavar="CONFIG",
                    help="the configuration (the same as --config FILE)")
    ap.add_argument("--format", choices=FORMATS, default="text", help="output format")
    ap.add_argument("--max-warnings", type=int, default=-1, metavar="N",
                    help="fail (exit 1) when more than N warnings are found (default: no limit)")
    ap.add_argument("--every-option", action="store_true",
                    help="compute every option's value, not only those the configuration "
                         "defines (also finds errors in modules that are not in use)")
    add_nixos_arguments(ap)
    add_module_system_arguments(ap)
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:  # argparse's usage error (2) or --help (0), as a status
        return e.code if isinstance(e.code, int) else NOT_FOUND
    status = take_config_argument(args)
    if status is not None:
        return status

    from ..eval.errors import NixError, evaluation_limits, is_limit_error
    from ..lint import lint, report
    from ..lint.nixos_test import is_nixos_test, lint_test
    from ..nixos.locate import LocateError, locate

    test = args.file is not None and is_nixos_test(args.file)
    if test and getattr(args, "flake", None) is not None:
        return fail("a NixOS test file is linted with nixpkgs from -I nixpkgs=PATH or "
                    "NIX_PATH, not --flake", NOT_FOUND)
    config = None
    try:
        if test:  # its nodes as the test driver builds them, and its testScript
            config = locate(args.include, args.file).config
            with evaluation_limits():
                findings = lint_test(locate(args.include, args.file), args.file,
                                     pkgs=args.pkgs, show_trace=args.show_trace,
                                     every_option=args.every_option)
        else:
            system = make_system(args)
            config = system.target.config
            with evaluation_limits():  # out of stack or memory: Nix's error, a finding below
                findings = lint(system, show_trace=args.show_trace,
                                every_option=args.every_option)
    except LocateError as e:
        return fail(str(e), NOT_FOUND)
    except NixError as e:  # lint turns the configuration's errors into findings; not this
        if config is None or not is_limit_error(e):
            print(e.render(args.show_trace), file=sys.stderr)
            return 1
        findings = [limit_finding(e, config)]
    render = {"text": report.text, "json": report.json_report, "sarif": report.sarif}
    print(render[args.format](findings))
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    return 1 if errors or 0 <= args.max_warnings < warnings else 0


def limit_finding(e: NixError, config: str) -> Finding:
    """Evaluation ran out of stack or memory: what lint could compute is lost
    (Nix stops there too), so it is one finding, at the configuration."""
    from ..eval.errors import OutOfMemory
    from ..lint.rules import Finding
    from ..nixos.query import Place

    if type(e) is OutOfMemory:
        fix = ("Look for a value built far larger than meant: a list or string of "
               "millions of elements (builtins.genList with a huge count, a file read whole).")
    else:
        fix = ("Look for a function that calls itself without end (or nests values "
               "thousands deep), or a file that imports itself: `imports = [ ./this.nix ];` "
               "or `import ./this.nix` inside this.nix.")
    return Finding("eval-error", "error", e.message, Place(config), fix=fix)
