"""Evaluation speed of nixeval against nix-instantiate, measured in the same run.

    python benchmarks/eval.py [--repeat N] [--nixpkgs-lib DIR] [--json FILE]

Each workload is evaluated with ``--eval --strict`` by both tools (whole
process, start-up included, best of N); the outputs must agree. Reports each
time and the ratio nixeval / nix-instantiate, then the median and maximum ratio.
Workloads using nixpkgs' lib run when a lib directory is given (or found at
$NIXPKGS_LIB).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

WORKLOADS: dict[str, str] = {
    "fib 22": "let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 22",
    "foldl' 100k": "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x * 2) 100000)",
    "// and mapAttrs": """
      let
        base = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) 2000);
        step = s: i: s // { "a${toString i}" = i * 2; } // builtins.mapAttrs (n: v: v + 1) { x = i; };
      in builtins.length (builtins.attrNames (builtins.foldl' step base (builtins.genList (x: x) 300)))
    """,
    "mapAttrs 20k": """
      let s = builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) 20000);
      in builtins.foldl' (a: b: a + b) 0 (builtins.attrValues (builtins.mapAttrs (n: v: v * 3) s))
    """,
    "string building": """
      builtins.stringLength (builtins.concatStringsSep "," (builtins.genList (i: "item-${toString i}") 50000))
    """,
    "string interpolation loop": """
      builtins.stringLength (builtins.foldl' (acc: i: "${acc}${toString i}") "" (builtins.genList (x: x) 3000))
    """,
}

LIB_WORKLOADS: dict[str, str] = {
    "lib: range/filter/unique": """
      let lib = import LIB; in builtins.length (lib.unique (map (x: lib.mod x 500) (lib.range 1 3000)))
    """,
    "lib: recursiveUpdate": """
      let lib = import LIB;
          mk = i: { a.b.${toString i} = i; c = { d = i; }; };
      in builtins.length (builtins.attrNames (lib.foldl' lib.recursiveUpdate { } (map mk (lib.range 1 2000))).a.b)
    """,
    "lib: splitString/concatMapStrings": """
      let lib = import LIB;
          text = lib.concatMapStrings (i: "line ${toString i}\\n") (lib.range 1 5000);
      in builtins.length (lib.splitString "\\n" text)
    """,
}


def run(cmd: list[str], expr: str) -> tuple[float, str]:
    start = time.perf_counter()
    p = subprocess.run([*cmd, "--eval", "--strict", "-E", expr], capture_output=True,
                       text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        return elapsed, "ERROR: " + p.stderr.strip().splitlines()[0] if p.stderr else "ERROR"
    return elapsed, p.stdout.strip()


def best(cmd: list[str], expr: str, repeat: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeat):
        t, out = run(cmd, expr)
        times.append(t)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nixpkgs-lib", default=os.environ.get("NIXPKGS_LIB"))
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()

    nix = shutil.which("nix-instantiate")
    if nix is None:
        print("nix-instantiate is not installed: no ratio can be measured "
              "(apt-get install nix-bin)", file=sys.stderr)
        return 2
    ours = [sys.executable, "-m", "nixeval", "instantiate"]
    workloads = dict(WORKLOADS)
    if args.nixpkgs_lib:
        lib = os.path.abspath(args.nixpkgs_lib)
        workloads.update({k: v.replace("LIB", lib) for k, v in LIB_WORKLOADS.items()})
    else:
        print("(no --nixpkgs-lib / $NIXPKGS_LIB: skipping the nixpkgs lib workloads)")

    rows, results = [], []
    for name, expr in workloads.items():
        t_ours, out_ours = best(ours, expr, args.repeat)
        t_nix, out_nix = best([nix], expr, args.repeat)
        ratio = t_ours / t_nix
        agree = out_ours == out_nix
        rows.append([name, f"{t_ours:.3f}", f"{t_nix:.3f}", f"{ratio:.1f}",
                     "yes" if agree else f"NO: {out_ours[:40]!r} vs {out_nix[:40]!r}"])
        results.append({"workload": name, "nixeval_s": t_ours, "nix_s": t_nix,
                        "ratio": ratio, "outputs_agree": agree})

    from tabulate import tabulate

    print(tabulate(rows, headers=["workload", "nixeval s", "nix-instantiate s", "ratio",
                                  "same output"]))
    ratios = [r["ratio"] for r in results]
    print(f"\nmedian ratio {statistics.median(ratios):.1f}, max ratio {max(ratios):.1f} "
          f"(best of {args.repeat}, whole process including start-up)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if all(r["outputs_agree"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
