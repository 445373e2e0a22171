"""Real module trees, evaluated by nix-instantiate and by nixeval, side by side.

    python benchmarks/realtrees/run.py [--tree NAME] [--lib NAME] [--workload NAME]
        [--mode native|interpreted] [--timeout S] [--cpu-time] [--cold-cache] [--nixeval CMD]
        [--work DIR] [--json OUT] [--print-commands]

Trees come from NIXEVAL_TREE_NIXPKGS_1703, NIXEVAL_TREE_NIXPKGS_1609,
NIXEVAL_TREE_NIXPKGS_1803, NIXEVAL_TREE_HOME_MANAGER, NIXEVAL_TREE_NIX_DARWIN and
NIXEVAL_TREE_FLAKE_PARTS; the libs evaluated with the module trees from
NIXEVAL_TREE_LIBS (directories holding a nixpkgs lib/, colon-separated, named by
their basename; a nixpkgs tree's lib is "own"). A tree whose variable is unset
is skipped, saying so. --tree, --lib and --workload may be repeated.

Every workload (realtrees.py) runs with nix-instantiate and with nixeval in each
module-system mode: "native" (NIXEVAL_MODULES=native: nixeval's own module
system bound to the lib, whatever its version) and "interpreted"
(NIXEVAL_INTERPRETED_MODULES=1: the lib's module system runs as Nix code).
Where only the native column differs from Nix, the bug is in nixeval's module
system; where both do, in the evaluator. Left alone, nixeval binds natively only
the libs it is proven for, and libs from before 2017 always run their own code;
each table says, per lib, what ran in each mode and why.
Each tree gets a markdown table: whether each column agrees with Nix (JSON
compared structurally, errors by their final message), wall time (--cpu-time:
CPU time) and peak memory of each run, and nixeval's time as a multiple of
Nix's. Disagreements are listed in full after each table. Before a tree is
timed, nixeval parses its files once, so the times do not include a cold parse
cache (--cold-cache keeps it cold). Exit status 1 when a column disagrees.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from realtrees import (
    MODES,
    NIX_DIR,
    NIXEVAL,
    Run,
    Tree,
    Verdict,
    Workload,
    compare,
    configured_libs,
    configured_trees,
    evaluator_commands,
    iter_workloads,
    module_system,
    nix_available,
    outcome_label,
    run_workload,
    warm_parse_cache,
)


def cell(verdict: Verdict) -> str:
    if verdict.same:
        return "same" + (f" ({verdict.note})" if verdict.note else "")
    return "**DIFF**: " + verdict.note.replace("|", "\\|").replace("\n", " ")[:120]


def seconds(run: Run, cpu: bool) -> str:
    return "timeout" if run.status is None else f"{run.cpu if cpu else run.wall:.1f}"


def ratio(run: Run, nix: Run, cpu: bool) -> str:
    ours, theirs = (run.cpu, nix.cpu) if cpu else (run.wall, nix.wall)
    return f"{ours / theirs:.1f}x" if run.status is not None and theirs else "-"


def nix_outcome(row: dict) -> str:
    """Nix's outcome, flagged where it is not what the workload is for (an error or a value)."""
    nix = row["runs"]["nix"]
    expected = (nix.status is not None and not nix.ok) == row["workload"].expect_error
    return outcome_label(nix) + ("" if expected else " (!)")


def megabytes(run: Run) -> str:
    return "-" if run.peak_mb is None else f"{run.peak_mb:.0f}"


def table(rows: list[dict], modes: list[str], cpu: bool) -> str:
    head = ["workload", "lib", "Nix", "Nix s", "Nix MB"]
    for mode in modes:
        head += [mode, "s", "MB", "x"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        nix = row["runs"]["nix"]
        cells = [row["workload"].name, row["workload"].lib, nix_outcome(row), seconds(nix, cpu),
                 megabytes(nix)]
        for mode in modes:
            run = row["runs"][mode]
            cells += [cell(row["verdicts"][mode]), seconds(run, cpu), megabytes(run),
                      ratio(run, nix, cpu)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def disagreements(rows: list[dict]) -> list[str]:
    out = []
    for row in rows:
        for column, verdict in row["verdicts"].items():
            if not verdict.same:
                out.append(f"- {row['workload'].id} ({column}): {verdict.note}")
                out.extend(f"    {line}" for d in verdict.details for line in d.splitlines())
    return out


def command_line(workload: Workload) -> str:
    return f"NIX_PATH={shlex.quote(workload.nix_path)} nix-instantiate " + shlex.join(workload.args)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", action="append", help="only this tree (repeatable)")
    ap.add_argument("--lib", action="append", help="only this lib; 'own' for nixpkgs trees")
    ap.add_argument("--workload", action="append", help="only this workload (repeatable)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run (default 1800)")
    ap.add_argument("--mode", action="append", choices=list(MODES),
                    help="only this nixeval module-system mode (repeatable; default: both)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="show user+system CPU seconds instead of wall time (busy machines)")
    ap.add_argument("--cold-cache", action="store_true", help="do not parse the trees first")
    ap.add_argument("--nixeval", default=shlex.join(NIXEVAL),
                    help="the nixeval command (default: this Python's -m nixeval)")
    ap.add_argument("--work", type=Path, help="where to write the stub's package names")
    ap.add_argument("--json", type=Path, help="write every run and verdict here")
    ap.add_argument("--print-commands", action="store_true",
                    help="print each workload's command line and do not run it")
    args = ap.parse_args(argv)

    found, skipped = configured_trees()
    for line in skipped:
        print(line)
    if not configured_libs() and any(t.kind != "nixos" for t in found):
        print("module trees: skipped (NIXEVAL_TREE_LIBS is not set)")
    if not nix_available() and not args.print_commands:
        print("nix-instantiate is not installed (apt-get install nix-bin)", file=sys.stderr)
        return 2
    nixeval = tuple(shlex.split(args.nixeval))
    commands = evaluator_commands(nixeval)
    modes = args.mode or list(MODES)
    work = args.work or Path(tempfile.mkdtemp(prefix="nixeval-realtrees-"))

    rows_by_tree: dict[Tree, list[dict]] = {}
    systems: dict[Tree, dict[str, list[str]]] = {}
    warmed: set[Path] = set()
    for tree, _, workload in iter_workloads(work, args.tree, args.lib, args.workload):
        if args.print_commands:
            print(f"# {workload.id}\n{command_line(workload)}")
            continue
        unparsed = [d for d in (*workload.sources, NIX_DIR) if d not in warmed]
        if not args.cold_cache and unparsed:
            warm_parse_cache(unparsed, nixeval)
            warmed.update(unparsed)
        said = systems.setdefault(tree, {})
        if workload.lib not in said:
            said[workload.lib] = [
                f"{mode or 'left alone'}: {module_system(workload.lib_dir, mode, nixeval)}"
                for mode in (None, *modes)]
        runs = {c: run_workload(workload, c, args.timeout, commands) for c in ["nix", *modes]}
        verdicts = {mode: compare(runs["nix"], runs[mode]) for mode in modes}
        row = {"workload": workload, "runs": runs, "verdicts": verdicts}
        rows_by_tree.setdefault(tree, []).append(row)
        marks = " ".join(f"{c}={'same' if v.same else 'DIFF'}" for c, v in verdicts.items())
        print(f"{workload.id}: {marks}", file=sys.stderr, flush=True)

    failed = False
    for tree, rows in rows_by_tree.items():
        print(f"\n## {tree.name}\n")
        print(table(rows, modes, args.cpu_time))
        print("\nWhat nixeval runs for each lib's module system:\n")
        for lib, lines in systems[tree].items():
            print(f"- {lib}: " + "; ".join(lines))
        unexpected = [row["workload"].id for row in rows if nix_outcome(row).endswith("(!)")]
        if unexpected:
            print("\n(!) Nix's outcome is not the one the workload is written for: "
                  + ", ".join(unexpected))
        listed = disagreements(rows)
        failed = failed or bool(listed)
        if listed:
            print("\nDisagreements:\n")
            print("\n".join(listed))
    if args.json:
        dump = [{"id": row["workload"].id, "command": command_line(row["workload"]),
                 "runs": {c: asdict(r) for c, r in row["runs"].items()},
                 "verdicts": {c: asdict(v) for c, v in row["verdicts"].items()}}
                for rows in rows_by_tree.values() for row in rows]
        args.json.write_text(json.dumps(dump, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
