"""Parse throughput of nixeval, cold and from a warm cache, next to tree-sitter-nix.

    python benchmarks/parse.py DIR [DIR...] [--repeat N] [--clock cpu|wall] [--json]

Every ``*.nix`` file below each DIR is read into memory first, so the timings
are of parsing (and, warm, of the cache lookup and load), not of walking the
tree or reading the sources. Cold runs a parser built beforehand (its
construction is timed apart); warm first fills a cache in a temporary
NIXEVAL_CACHE_DIR. Files nixeval rejects are left out of every measurement.
Each pass runs ``--repeat`` times and the fastest counts. Time is the
process's CPU time by default, which other load on the machine disturbs far
less than wall-clock time (``--clock wall``); the work is single-threaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tabulate import tabulate

from nixeval.syntax import NixSyntaxError, Source, parse
from nixeval.syntax.parser import Parser

MB = 1e6
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def find_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.nix") if p.is_file())


def best_time(run: Callable[[], object], repeat: int, clock: Callable[[], float]) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        run()
        best = min(best, clock() - t0)
    return best


def tree_sitter_parser() -> Callable[[bytes], object] | None:
    try:
        import tree_sitter
        import tree_sitter_nix
    except ImportError:
        return None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_nix.language())).parse


def bench_dir(root: Path, parser: Parser, ts_parse: Callable[[bytes], object] | None,
              repeat: int, clock: Callable[[], float]) -> dict:
    sources: list[Source] = []
    blobs: list[bytes] = []
    rejected = 0
    for path in find_files(root):
        data = path.read_bytes()
        source = Source(str(path), data.decode("utf-8", "surrogateescape"))
        try:
            parser.parse(source)
        except NixSyntaxError:
            rejected += 1
            continue
        sources.append(source)
        blobs.append(data)
    size = sum(map(len, blobs)) / MB

    def cold() -> None:
        for s in sources:
            parser.parse(s)

    def warm() -> None:
        for s in sources:
            parse(s)

    warm()  # fills the cache
    result = {
        "dir": str(root),
        "files": len(sources),
        "rejected": rejected,
        "mb": size,
        "cold_mb_s": size / best_time(cold, repeat, clock),
        "warm_mb_s": size / best_time(warm, repeat, clock),
        "tree_sitter_mb_s": None,
    }
    if ts_parse is not None:
        result["tree_sitter_mb_s"] = size / best_time(
            lambda: [ts_parse(b) for b in blobs], repeat, clock)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    ap.add_argument("--repeat", type=int, default=3, help="passes per measurement (best kept)")
    ap.add_argument("--clock", choices=CLOCKS, default="cpu",
                    help="CPU time of this process (default) or wall-clock time")
    ap.add_argument("--json", action="store_true", help="print results as JSON")
    args = ap.parse_args(argv)
    clock = CLOCKS[args.clock]

    t0 = clock()
    parser = Parser()
    construction = clock() - t0

    ts_parse = tree_sitter_parser()
    if ts_parse is None:
        print("tree-sitter / tree-sitter-nix not installed (pip install '.[bench]'): "
              "skipping the comparison", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="nixeval-bench-") as tmp:
        os.environ["NIXEVAL_CACHE_DIR"] = tmp
        os.environ.pop("NIXEVAL_NO_PARSE_CACHE", None)
        results = [bench_dir(d, parser, ts_parse, args.repeat, clock) for d in args.dirs]

    if args.json:
        print(json.dumps({"clock": args.clock, "parser_construction_s": construction,
                          "corpora": results}, indent=2))
        return 0

    def ratio(r: dict, key: str) -> float | None:
        ts = r["tree_sitter_mb_s"]
        return None if ts is None else r[key] / ts

    rows = [[r["dir"], r["files"], r["mb"], r["cold_mb_s"], r["warm_mb_s"],
             r["tree_sitter_mb_s"], ratio(r, "cold_mb_s"), ratio(r, "warm_mb_s")]
            for r in results]
    print(tabulate(rows, headers=["corpus", "files", "MB", "cold MB/s", "warm MB/s",
                                  "tree-sitter MB/s", "cold / ts", "warm / ts"],
                   floatfmt=("", "", ".2f", ".2f", ".2f", ".2f", ".3f", ".3f"),
                   missingval="-"))
    print(f"\nparser construction: {construction * 1000:.0f} ms; {args.clock} time, "
          f"best of {args.repeat}")
    for r in results:
        if r["rejected"]:
            print(f"{r['dir']}: {r['rejected']} rejected file(s) left out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
