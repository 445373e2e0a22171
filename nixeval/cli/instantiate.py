"""``nixeval instantiate``: nix-instantiate's command line.

Flags that mean nothing here (``--timeout``, ``--eval-only``,
``--read-write-mode``, ``--option NAME VALUE``…) are accepted and ignored so
that scripts and test suites written for nix-instantiate run unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..syntax import NixSyntaxError, Source, parse, read_source


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="nixeval instantiate", add_help=True,
                                 description="Parse or evaluate Nix expressions, "
                                             "as nix-instantiate does.")
    ap.add_argument("inputs", nargs="*", metavar="FILE|EXPR")
    ap.add_argument("-E", "--expr", action="store_true", help="arguments are expressions")
    ap.add_argument("--parse", action="store_true", help="print the parsed expression")
    ap.add_argument("--eval", "--eval-only", dest="eval", action="store_true")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--xml", action="store_true")
    ap.add_argument("-A", "--attr", action="append", default=[])
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
    for ignored in ("--read-write-mode", "--readonly-mode", "--no-gc-warning", "--impure",
                    "--add-root", "--indirect"):
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


def read_inputs(args: argparse.Namespace) -> list[Source]:
    """The sources named on the command line, as nix-instantiate would read them."""
    if args.expr:
        return [Source("«string»", text) for text in args.inputs]
    sources = []
    for name in args.inputs or ["./default.nix"]:
        if name == "-":
            data = sys.stdin.buffer.read()
            sources.append(Source("«stdin»", data.decode("utf-8", "surrogateescape")))
        else:
            path = os.path.abspath(name)
            if os.path.isdir(path):
                path = os.path.join(path, "default.nix")
            sources.append(read_source(path))
    return sources


def main(argv: list[str]) -> int:
    args = build_parser().parse_intermixed_args(argv)
    try:
        sources = read_inputs(args)
    except OSError as e:
        print(f"error: opening file '{e.filename}': {e.strerror}", file=sys.stderr)
        return 1
    if args.parse:
        return _print_parses(args, sources)
    from ..eval.errors import NixError, UsageError
    from ..eval.session import evaluate_for_cli

    args.show_trace = show_trace(args)
    # without --eval the expression is still evaluated (its errors are Nix's
    # errors too); only writing the derivations it yields is not done here
    args.whnf_only = not args.eval
    try:
        for text in evaluate_for_cli(args, sources, features(args)):
            sys.stdout.write(text + "\n")
    except NixError as e:
        text = e.render(args.show_trace)
        if isinstance(e, UsageError):
            text += "\nTry 'nix-instantiate --help' for more information."
        # the bytes of the sources as they are, even where they are not UTF-8
        sys.stderr.flush()
        sys.stderr.buffer.write((text + "\n").encode("utf-8", "surrogateescape"))
        sys.stderr.buffer.flush()
        return 1
    if not args.eval:
        print("error: nixeval instantiate does not write derivations to a store; "
              "use --eval (or --parse)", file=sys.stderr)
        return 1
    return 0


def _print_parses(args: argparse.Namespace, sources: list[Source]) -> int:
    from ..eval.base_env import BASE_NAMES
    from ..syntax.printer import to_source
    from ..syntax.scope import check_scopes

    pipes = "pipe-operators" in features(args)
    for source in sources:
        try:
            tree = parse(source, pipe_operators=pipes)
            check_scopes(tree, BASE_NAMES)
        except NixSyntaxError as e:
            print(e.render_nix(), file=sys.stderr)
            return 1
        print(to_source(tree))
    return 0
