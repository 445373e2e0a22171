"""``nixeval instantiate``: nix-instantiate's command line.

Flags that mean nothing here (``--timeout``, ``--read-write-mode``,
``--add-root``, ``--option NAME VALUE``…) are accepted and ignored so that
scripts and test suites written for nix-instantiate run unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..syntax import NixSyntaxError, Source, parse, read_source
from .help_format import raw_description

if TYPE_CHECKING:
    from ..eval.state import EvalState

DESCRIPTION = """\
Parse, evaluate or instantiate Nix expressions, as nix-instantiate does.

Each FILE is a path (a directory means its default.nix), <name/path> looked up
in the search path (-I, NIX_PATH), or - for standard input; with -E each
argument is an expression; the default is ./default.nix.

Without --eval or --parse, each value (at each -A path) must be a derivation,
a list of them or a set of them (nested sets only with recurseForDerivations =
true; functions are called with --arg/--argstr), and each derivation's .drv
path is printed, as nix-instantiate prints it. nixeval computes these paths
exactly as Nix does but writes no store: no .drv file is written and no GC
root made (--add-root and --indirect are accepted; the .drv path is printed
either way, and every run is in effect a --dry-run).
"""


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    ap = argparse.ArgumentParser(prog="nixeval instantiate", add_help=True,
                                 description=DESCRIPTION,
                                 formatter_class=raw_description)
    ap.add_argument("--version", action="version",
                    version=f"nixeval instantiate (nixeval) {__version__}")
    ap.add_argument("inputs", nargs="*", metavar="FILE|EXPR")
    ap.add_argument("-E", "--expr", action="store_true", help="arguments are expressions")
    ap.add_argument("--parse", "--parse-only", dest="parse", action="store_true",
                    help="print the parsed expression")
    ap.add_argument("--eval", "--eval-only", dest="eval", action="store_true",
                    help="print the value instead of instantiating derivations")
    ap.add_argument("--find-file", action="store_true",
                    help="print where each argument is found in the search path")
    ap.add_argument("--strict", action="store_true", help="with --eval: evaluate deeply")
    ap.add_argument("--json", action="store_true", help="with --eval: print JSON")
    ap.add_argument("--xml", action="store_true")
    ap.add_argument("-A", "--attr", action="append", default=[], metavar="ATTRPATH")
    ap.add_argument("--arg", nargs=2, action="append", default=[], metavar=("NAME", "EXPR"))
    ap.add_argument("--argstr", nargs=2, action="append", default=[],
                    metavar=("NAME", "VALUE"))
    ap.add_argument("-I", "--include", action="append", default=[], metavar="PATH")
    ap.add_argument("--show-trace", action="store_true", default=None)
    ap.add_argument("--no-show-trace", dest="show_trace", action="store_false", default=None)
    ap.add_argument("--option", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ap.add_argument("--extra-experimental-features", action="append", default=[])
    ap.add_argument("--experimental-features", action="append", default=[])
    for lint in ("absolute-path", "short-path", "url"):
        ap.add_argument(f"--lint-{lint}-literals", choices=("ignore", "warn", "fatal"),
                        dest=f"lint_{lint.split('-')[0]}_literals", default="ignore")
    ap.add_argument("--add-root", metavar="PATH",
                    help="accepted; no GC root is made (nothing is written)")
    ap.add_argument("--dry-run", action="store_true",
                    help="accepted; nothing is ever written")
    for ignored in ("--read-write-mode", "--readonly-mode", "--no-gc-warning", "--impure",
                    "--indirect"):
        ap.add_argument(ignored, action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--max-call-depth", type=int, metavar="N")
    return ap


def features(args: argparse.Namespace) -> set[str]:
    enabled: set[str] = set()
    for value in args.extra_experimental_features + args.experimental_features:
        enabled.update(value.split())
    for name, value in args.option:
        if name in ("experimental-features", "extra-experimental-features"):
            enabled.update(value.split())
    return enabled


def show_trace(args: argparse.Namespace) -> bool:
    """Nix's show-trace setting: the flags, then ``--option``, then NIX_CONFIG
    (where Nix's own test suite sets it)."""
    if args.show_trace is not None:
        return args.show_trace
    for name, value in reversed(args.option):
        if name == "show-trace":
            return value == "true"
    setting = False
    for line in os.environ.get("NIX_CONFIG", "").splitlines():
        name, eq, value = line.partition("=")
        if eq and name.strip() == "show-trace":
            setting = value.split("#")[0].strip() == "true"
    return setting


def read_inputs(args: argparse.Namespace, state: EvalState) -> Iterator[Source]:
    """The sources named on the command line, one at a time and in
    nix-instantiate's order: standard input first (``-``), then the rest."""
    from ..eval.errors import NixError
    from ..eval.search_path import lookup_file_arg, resolve_expr_path

    if "-" in args.inputs:
        data = sys.stdin.buffer.read()
        yield Source("«stdin»", data.decode("utf-8", "surrogateescape"))
    others = [name for name in args.inputs if name != "-"]
    if args.expr:
        for text in others:
            yield Source("«string»", text)
        return
    if not args.inputs:
        others = ["./default.nix"]
    for name in others:
        path = resolve_expr_path(lookup_file_arg(state, name))
        try:
            yield read_source(path)
        except OSError as e:
            raise NixError(f"opening file '{path}': {e.strerror}") from None


def main(argv: list[str]) -> int:
    args = build_parser().parse_intermixed_args(argv)
    from ..eval.errors import NixError, UsageError
    from ..eval.search_path import find_file, nix_path_value
    from ..eval.session import cli_state, evaluate_for_cli, instantiate_for_cli

    args.show_trace = show_trace(args)
    enabled = features(args)
    try:
        state = cli_state(args, enabled)
        if args.find_file:
            for name in args.inputs:
                sys.stdout.write(find_file(state, nix_path_value(state), name).path + "\n")
            return 0
        sources = read_inputs(args, state)
        if args.parse:
            return _print_parses(sources, enabled)
        if args.eval:
            lines = evaluate_for_cli(args, sources, enabled, state)
        else:
            lines = instantiate_for_cli(args, sources, state)
        for text in lines:
            sys.stdout.write(text + "\n")
    except NixError as e:
        text = e.render(args.show_trace)
        if isinstance(e, UsageError):
            text += "\nTry 'nix-instantiate --help' for more information."
        # the bytes of the sources as they are, even where they are not UTF-8
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stderr.buffer.write((text + "\n").encode("utf-8", "surrogateescape"))
        sys.stderr.buffer.flush()
        return 1
    return 0


def _print_parses(sources: Iterator[Source], enabled: set[str]) -> int:
    from ..eval.base_env import BASE_NAMES
    from ..syntax.printer import to_source
    from ..syntax.scope import check_scopes

    pipes = "pipe-operators" in enabled
    for source in sources:
        try:
            tree = parse(source, pipe_operators=pipes)
            check_scopes(tree, BASE_NAMES)
        except NixSyntaxError as e:
            print(e.render_nix(), file=sys.stderr)
            return 1
        print(to_source(tree))
    return 0
