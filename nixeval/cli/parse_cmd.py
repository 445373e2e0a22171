"""``nixeval parse FILE|DIR...``: does each file parse? All files in one process."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator


def _nix_files(paths: list[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".nix"):
                        yield os.path.join(root, name)
        else:
            yield path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="nixeval parse",
                                 description="Check that Nix files parse, as Nix would.")
    ap.add_argument("paths", nargs="+", metavar="FILE|DIR")
    ap.add_argument("--print", action="store_true", help="print each file back as Nix source")
    ap.add_argument("--no-cache", action="store_true", help="do not use the parse cache")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    args = ap.parse_args(argv)

    from ..eval.base_env import BASE_NAMES
    from ..syntax import NixSyntaxError, parse_file
    from ..syntax.scope import check_scopes

    total = rejected = 0
    for path in _nix_files(args.paths):
        total += 1
        try:
            tree = parse_file(path, use_cache=not args.no_cache)
            check_scopes(tree, BASE_NAMES)
        except NixSyntaxError as e:
            rejected += 1
            print(e.render(), file=sys.stderr)
            continue
        except OSError as e:
            rejected += 1
            print(f"{path}: error: {e.strerror or e}", file=sys.stderr)
            continue
        if args.print:
            from ..syntax.printer import to_source

            print(to_source(tree))
    if not args.quiet and total != 1:
        print(f"{total} files, {total - rejected} parsed, {rejected} rejected", file=sys.stderr)
    return 1 if rejected else 0
