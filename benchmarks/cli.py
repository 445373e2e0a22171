"""Start-up and one-option query time of the ``nixeval`` command, whole
process, against its targets and against ``nix-instantiate``.

    python benchmarks/cli.py [--repeat N] [--nixeval CMD] [--json]

Commands (run from the repository root, on the example tree):

    nixeval --version
    nixeval option services.timesyncd.enable -I nixpkgs=examples
        --config examples/configs/fixed.nix
    nix-instantiate --eval '<nixpkgs/nixos>' -A config.services.timesyncd.enable
        -I nixpkgs=examples -I nixos-config=examples/configs/fixed.nix   (when installed)

Conditions, each the best wall time of --repeat runs:

- cold: a fresh, empty NIXEVAL_CACHE_DIR for every run (no parse cache, no
  cached parser tables), Python bytecode present. This machine sets
  PYTHONDONTWRITEBYTECODE=1, which would make every run compile nixeval's
  modules again; it is unset here, as for any installed package, and one
  untimed run writes the bytecode first.
- warm: the same NIXEVAL_CACHE_DIR for every run, filled by one untimed run,
  the answer cache off (NIXEVAL_NO_CACHE=1): parsing cached, evaluation done.
- answered: the same, the answer cache on: the question was asked before and
  nothing it read changed (the issue's target: 0.1 s, while Nix's own
  evaluation of the value takes 0.2 s or more).
- no bytecode: cold, and Python's bytecode cache pointed at a fresh empty
  directory (PYTHONPYCACHEPREFIX) every run: what a first run costs when
  nothing was ever compiled. Shown for information; no target.

With --nixpkgs DIR --config FILE (a real nixpkgs tree, e.g. 17.03, and a
configuration) the option query and nix-instantiate run on that tree too.
With --home-manager FILE (and -I entries finding <home-manager> and
<nixpkgs>), ``nixeval option home.username --home-manager FILE`` and
nix-instantiate's evaluation of the same value.

The default nixeval command is the console script beside this Python (not a
shell shim in front of it), else ``python -m nixeval``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
OPTION = ["option", "services.timesyncd.enable", "-I", "nixpkgs=examples",
          "--config", "examples/configs/fixed.nix"]
NIX = ["--eval", "<nixpkgs/nixos>", "-A", "config.services.timesyncd.enable",
       "-I", "nixpkgs=examples", "-I", "nixos-config=examples/configs/fixed.nix"]
TARGETS = {"--version": 0.15, "option": 0.5, "answered": 0.1}  # seconds


def default_nixeval() -> list[str]:
    script = Path(sys.executable).parent / "nixeval"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "nixeval"]


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module docstring
    env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def run_once(argv: list[str], env: dict[str, str], expect: str | None) -> float:
    start = time.perf_counter()
    r = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if r.returncode != 0 or (expect is not None and expect not in r.stdout):
        raise SystemExit(f"{' '.join(argv)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return elapsed


def best(repeat: int, once: Callable[[], float]) -> float:
    return min(once() for _ in range(repeat))


def fresh(env: dict[str, str], **dirs: str) -> dict[str, str]:
    """``env`` with each named variable set to a new empty directory."""
    out = dict(env)
    for var, prefix in dirs.items():
        out[var] = tempfile.mkdtemp(prefix=prefix)
    return out


def measure(argv: list[str], repeat: int, expect: str | None,
            cold_runs: bool = True, answers: bool = True) -> dict[str, float]:
    env = base_env()
    run_once(argv, fresh(env, NIXEVAL_CACHE_DIR="nixeval-bench-"), expect)  # writes bytecode
    warm = fresh(env, NIXEVAL_CACHE_DIR="nixeval-bench-")
    run_once(argv, warm, expect)  # fills the parse cache and keeps the answer
    no_answers = {**warm, "NIXEVAL_NO_CACHE": "1"}
    tmp: list[str] = []

    def cold(no_bytecode: bool = False) -> float:
        e = fresh(env, NIXEVAL_CACHE_DIR="nixeval-bench-", **(
            {"PYTHONPYCACHEPREFIX": "nixeval-pyc-"} if no_bytecode else {}))
        tmp.extend(v for k, v in e.items() if k in ("NIXEVAL_CACHE_DIR", "PYTHONPYCACHEPREFIX"))
        return run_once(argv, e, expect)

    try:
        out = {"answered": best(repeat, lambda: run_once(argv, warm, expect))} if answers \
            else {}
        if cold_runs:
            out["cold"] = best(repeat, cold)
            out["warm"] = best(repeat, lambda: run_once(argv, no_answers, expect))
            out["no bytecode"] = best(repeat, lambda: cold(True))
        return out
    finally:
        for d in [*tmp, warm["NIXEVAL_CACHE_DIR"]]:
            shutil.rmtree(d, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (best counts)")
    ap.add_argument("--nixeval", help="the nixeval command (default: %(default)s)",
                    default=" ".join(default_nixeval()))
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    ap.add_argument("--nixpkgs", metavar="DIR", help="a real nixpkgs tree to query too")
    ap.add_argument("--config", metavar="FILE", help="the configuration for --nixpkgs")
    ap.add_argument("--home-manager", metavar="FILE", help="a home-manager configuration")
    ap.add_argument("-I", dest="include", action="append", default=[], metavar="ENTRY",
                    help="search path entries for --home-manager")
    args = ap.parse_args()
    nixeval = args.nixeval.split()

    results: dict[str, dict[str, float]] = {
        "nixeval --version": measure([*nixeval, "--version"], args.repeat, "nixeval",
                                     answers=False),
        "nixeval option": measure([*nixeval, *OPTION], args.repeat, "Value:       true"),
    }
    real: list[str] = []
    if args.nixpkgs and args.config:
        real = ["-I", f"nixpkgs={os.path.abspath(args.nixpkgs)}"]
        config = os.path.abspath(args.config)
        results["nixeval option (real tree)"] = measure(
            [*nixeval, *OPTION[:2], *real, "--config", config], args.repeat, "Value:",
            cold_runs=False)
        real.extend(["-I", f"nixos-config={config}"])
    home: list[str] = []
    if args.home_manager:
        home = [a for entry in args.include for a in ("-I", entry)]
        results["nixeval option (home-manager)"] = measure(
            [*nixeval, "option", "home.username", "--home-manager",
             os.path.abspath(args.home_manager), *home], args.repeat, "Value:",
            cold_runs=False)
    rows = []
    for name, times in results.items():
        for cond, t in times.items():
            target = TARGETS["--version" if "--version" in name else
                             "answered" if cond == "answered" else "option"]
            verdict = "-" if cond == "no bytecode" or (
                ("real" in name or "home" in name) and cond != "answered") \
                else ("ok" if t <= target else "MISSED")
            rows.append([name, cond, f"{t:.3f}", f"{target:.2f}" if verdict != "-" else "",
                         verdict])
    nix = shutil.which("nix-instantiate")
    if nix:
        t = best(args.repeat, lambda: run_once([nix, *NIX], dict(os.environ), "true"))
        results["nix-instantiate --eval"] = {"wall": t}
        rows.append(["nix-instantiate --eval", "", f"{t:.3f}", "", ""])
        if real:
            t = best(args.repeat, lambda: run_once([nix, *NIX[:4], *real], dict(os.environ),
                                                   None))
            results["nix-instantiate --eval (real tree)"] = {"wall": t}
            rows.append(["nix-instantiate --eval (real tree)", "", f"{t:.3f}", "", ""])
        if home:
            expr = (f"(import <home-manager/modules> {{ configuration = "
                    f"{os.path.abspath(args.home_manager)}; pkgs = import <nixpkgs> {{ }}; }})"
                    ".config.home.username")
            t = best(args.repeat, lambda: run_once([nix, "--eval", "-E", expr, *home],
                                                   dict(os.environ), None))
            results["nix-instantiate --eval (home-manager)"] = {"wall": t}
            rows.append(["nix-instantiate --eval (home-manager)", "", f"{t:.3f}", "", ""])
    print(f"best of {args.repeat}, wall seconds, whole process ({' '.join(nixeval)})")
    print(tabulate(rows, headers=["command", "condition", "seconds", "target", ""],
                   disable_numparse=True))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
