"""``nixeval eval EXPR|FILE``: evaluate and print, strictly by default.

The friendly front for ``nixeval instantiate --eval --strict``: an argument
naming an existing file (or directory with default.nix) is evaluated as that
file, anything else as an expression.
"""

from __future__ import annotations

import argparse
import os
import sys

from .help_format import raw_description


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nixeval eval", description=__doc__,
                                 formatter_class=raw_description)
    ap.add_argument("target", metavar="EXPR|FILE")
    ap.add_argument("--json", action="store_true", help="print the value as JSON")
    ap.add_argument("--lazy", action="store_true",
                    help="print nested values only as far as already evaluated")
    ap.add_argument("-A", "--attr", action="append", default=[], metavar="ATTRPATH")
    ap.add_argument("--arg", nargs=2, action="append", default=[], metavar=("NAME", "EXPR"))
    ap.add_argument("--argstr", nargs=2, action="append", default=[],
                    metavar=("NAME", "VALUE"))
    ap.add_argument("-I", "--include", action="append", default=[], metavar="PATH")
    ap.add_argument("--show-trace", action="store_true")
    ap.add_argument("--extra-experimental-features", action="append", default=[])
    args = ap.parse_args(argv)

    from ..eval.errors import NixError
    from ..eval.session import evaluate_for_cli
    from ..syntax import Source, read_source

    target = args.target
    if os.path.isdir(target) and os.path.exists(os.path.join(target, "default.nix")):
        target = os.path.join(target, "default.nix")
    try:
        if os.path.isfile(target):
            source = read_source(os.path.abspath(target))
        else:
            source = Source("«string»", args.target)
    except OSError as e:
        print(f"error: opening file '{target}': {e.strerror}", file=sys.stderr)
        return 1
    args.strict = not args.lazy
    features = {f for value in args.extra_experimental_features for f in value.split()}
    try:
        for text in evaluate_for_cli(args, [source], features):
            print(text)
    except NixError as e:
        print(e.render(args.show_trace), file=sys.stderr)
        return 1
    return 0
