"""A live ``nixeval.api`` session on a real tree: re-lint after a one-line
edit against a cold lint, and many edit-and-requery cycles (answers checked,
resident memory watched).

    python benchmarks/session.py [--tree NAME ...] [--edits K] [--cycles N] [--json]

Trees: ``examples`` (the bundled NixOS-shaped tree, always there);
``nixpkgs-1703`` (NIXEVAL_TREE_NIXPKGS_1703, a server configuration written
here); ``home-manager`` (NIXEVAL_TREE_HOME_MANAGER with the first lib of
NIXEVAL_TREE_LIBS and the stub package set of benchmarks/realtrees, its
``user.nix`` configuration copied here); ``nix-darwin``
(NIXEVAL_TREE_NIX_DARWIN, likewise). A tree whose variables are not set is
skipped, saying so.

Measured, in one process:

- cold lint: a new session's first lint (the parse cache filled by an
  untimed run before, as after any earlier use);
- re-lint: after a one-line edit of the configuration (an overlay, as an
  editor sends it), ``lint()`` in the live session. Two conditions: as the
  session runs by itself (every few evaluations it collects what the dropped
  ones left, and that edit pays for it), and with ``collect()`` called between
  edits (an editor's idle time, as the language server does it). The
  median is the usual edit; the mean (as the session runs by itself) spreads
  its collections over the edits;
- cycles: N times an edit of the configuration and the question of the value
  it sets; each answer must be the value written, and every 100th cycle the
  option's whole answer must equal a cold session's. Resident memory (RSS)
  after each cycle (before the check's cold session): the highest over
  cycles 1-50 against the highest over the last 50 (the issue's bound: at
  most 10% more), and RSS right after a collection at cycle 50 and at the
  end (what the session holds, without the garbage a few dropped
  evaluations leave between collections).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks" / "realtrees"))

from nixeval import api  # noqa: E402

SERVER = """{ config, pkgs, lib, ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/".device = "/dev/sda1";
  networking.hostName = "HOST";
  services.openssh.enable = true;
  services.timesyncd.enable = true;
  networking.firewall.allowedTCPPorts = [ 22 80 ];
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; };
}
"""


@dataclass
class Subject:
    """A system to edit: how to open it, the configuration file, and the
    line to change (``HOST`` stands for the value written) with the option
    it sets."""

    name: str
    open: Callable[[], api.Session]
    config: Path
    text: str  # the configuration, HOST in place of the value
    value: str  # the attribute of config the line sets
    option: str  # the option that holds it


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def subjects(names: list[str], work: Path) -> tuple[list[Subject], list[str]]:
    found, skipped = [], []
    for name in names:
        if name == "examples":
            config = work / "examples.nix"
            text = (ROOT / "examples/configs/fixed.nix").read_text().replace('"web1"',
                                                                            '"HOST"')
            found.append(Subject(name, lambda c=config: api.open_nixos(
                c, nixpkgs=ROOT / "examples"), config, text, "networking.hostName",
                "networking.hostName"))
        elif name == "nixpkgs-1703":
            tree = os.environ.get("NIXEVAL_TREE_NIXPKGS_1703")
            if not tree or not os.path.isdir(tree):
                skipped.append(f"{name}: NIXEVAL_TREE_NIXPKGS_1703 is not set")
                continue
            config = work / "server.nix"
            found.append(Subject(name, lambda c=config, t=tree: api.open_nixos(c, nixpkgs=t),
                                 config, SERVER,
                                 "networking.hostName", "networking.hostName"))
        elif name in MODULE_TREES:
            own = work / name  # each its own base.nix beside its configuration
            own.mkdir(exist_ok=True)
            subject = module_tree(name, own)
            if isinstance(subject, str):
                skipped.append(f"{name}: {subject}")
            else:
                found.append(subject)
        else:
            skipped.append(f"{name}: no such tree")
    return found, skipped


# the module-system trees: their variable, the entry expression (as the
# realtrees workloads call it) and the option the edited line sets
MODULE_TREES = {
    "home-manager": ("NIXEVAL_TREE_HOME_MANAGER",
                     "import {tree}/modules {{ pkgs = import <nixpkgs> "
                     "{{ system = \"x86_64-linux\"; }}; configuration = {config}; }}",
                     "home.sessionVariables"),
    "nix-darwin": ("NIXEVAL_TREE_NIX_DARWIN",
                   "import {tree}/eval-config.nix {{ lib = import <realtrees-lib/lib>; "
                   "modules = [ {config} {{ nixpkgs.source = <nixpkgs>; "
                   "nixpkgs.hostPlatform = \"aarch64-darwin\"; }} ]; "
                   "enableNixpkgsReleaseCheck = false; }}",
                   "environment.variables"),
}


def module_tree(name: str, work: Path) -> Subject | str:
    """A module-system tree with its ``user.nix`` (and ``base.nix``) copied
    to ``work``, the line setting EDITOR the one edited."""
    import realtrees

    variable, entry, option = MODULE_TREES[name]
    tree = os.environ.get(variable)
    libs = realtrees.configured_libs()
    if not tree or not os.path.isdir(tree):
        return f"{variable} is not set"
    if not libs:
        return f"{realtrees.LIBS_VARIABLE} names no nixpkgs lib"
    spec = next(t for t in realtrees.TREES if t.name == name)
    names = realtrees.write_package_names(spec, Path(tree), work)
    lib = next(iter(libs.values()))
    configs = realtrees.CONFIGS / name
    (work / "base.nix").write_text((configs / "base.nix").read_text())
    config = work / "user.nix"
    text = (configs / "user.nix").read_text()
    marker = 'EDITOR = "vim";'
    if marker not in text:
        return "its user.nix no longer sets EDITOR (the line this edits)"
    expr = entry.format(tree=tree, config=config)
    include = [f"realtrees-lib={lib}", f"realtrees-names={names}",
               f"nixpkgs={realtrees.STUB_NIXPKGS}"]
    return Subject(name, lambda: api.open_modules(expr, include=include, base_dir=work,
                                                  tree=tree),
                   config, text.replace(marker, 'EDITOR = "HOST";'), f"{option}.EDITOR", option)


def write(subject: Subject, value: str) -> str:
    return subject.text.replace("HOST", value)


def relint(subject: Subject, edits: int) -> dict[str, float]:
    subject.config.write_text(write(subject, "h0"))
    with subject.open() as warmup:  # fills the parse cache
        warmup.lint()
    with subject.open() as session:
        start = time.perf_counter()
        cold_findings = [f.to_json() for f in session.lint()]
        cold = time.perf_counter() - start
        as_runs, idle = [], []
        for k in range(1, 2 * edits + 1):
            session.set_overlay(subject.config, write(subject, f"h{k}"))
            if k > edits:
                session.collect()  # the editor's idle time between edits
            start = time.perf_counter()
            findings = [f.to_json() for f in session.lint()]
            (as_runs if k <= edits else idle).append(time.perf_counter() - start)
            if findings != cold_findings:
                raise SystemExit(f"{subject.name}: lint after edit {k} differs from the cold "
                                 f"one:\n{json.dumps(findings, indent=1)}\ncold:\n"
                                 f"{json.dumps(cold_findings, indent=1)}")
    return {"cold lint": cold, "re-lint": statistics.median(as_runs),
            "re-lint max": max(as_runs),
            # what an edit costs on average, the session's own collections included
            "re-lint mean": statistics.mean(as_runs),
            "re-lint (collected while idle)": statistics.median(idle)}


def cold_option(name: str, work: str) -> object:
    """The option's answer from a new session (run in a child process)."""
    # the live session's own directory (a module tree's is not made again below it)
    subject = module_tree(name, Path(work)) if name in MODULE_TREES \
        else subjects([name], Path(work))[0][0]
    assert not isinstance(subject, str), subject
    with subject.open() as cold:
        return cold.option(subject.option).to_json()


def cycles(subject: Subject, n: int) -> dict[str, float]:
    subject.config.write_text(write(subject, "c0"))
    memory: list[float] = []
    times: list[float] = []
    floor_50 = None
    with subject.open() as session:
        session.value(subject.value)
        for k in range(1, n + 1):
            value = f"c{k}"
            session.set_overlay(subject.config, write(subject, value))
            start = time.perf_counter()
            got = session.value(subject.value)
            times.append(time.perf_counter() - start)
            if got != value:
                raise SystemExit(f"{subject.name}: cycle {k} answered {got!r}, not {value!r}")
            memory.append(rss_mb())
            if k == 50:
                session.collect()
                floor_50 = rss_mb()
            if k % 100 == 0:
                subject.config.write_text(write(subject, value))
                # in a process of its own: its memory is not this session's
                context = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(1, mp_context=context) as pool:
                    cold = pool.submit(cold_option, subject.name,
                                       str(subject.config.parent)).result()
                if cold != session.option(subject.option).to_json():
                    raise SystemExit(f"{subject.name}: cycle {k}: the answer differs "
                                     "from a cold session's")
        session.collect()
        floor_end = rss_mb()
    first, last = max(memory[:50]), max(memory[-50:])
    return {"cycles": n, "requery median": statistics.median(times),
            "requery p95": sorted(times)[int(0.95 * (len(times) - 1))],
            "RSS max first 50 (MB)": first, "RSS max last 50 (MB)": last,
            "RSS growth": last / first - 1,
            # what the session holds: RSS right after a collection
            "RSS collected at 50 (MB)": floor_50, "RSS collected at end (MB)": floor_end,
            "RSS growth, collected": floor_end / floor_50 - 1 if floor_50 else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", action="append",
                    help="examples, nixpkgs-1703, home-manager, nix-darwin (default: all)")
    ap.add_argument("--edits", type=int, default=8,
                    help="re-lints per condition (the session collects every 4th evaluation: "
                         "from 4 on, the mean includes what that costs)")
    ap.add_argument("--cycles", type=int, default=1000, help="edit-and-requery cycles")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    names = args.tree or ["examples", "nixpkgs-1703", "home-manager", "nix-darwin"]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="nixeval-session-") as tmp:
        found, skipped = subjects(names, Path(tmp))
        for line in skipped:
            print(f"skipped {line}")
        for subject in found:
            numbers = relint(subject, args.edits)
            if args.cycles:
                numbers.update(cycles(subject, args.cycles))
            numbers["re-lint / cold"] = numbers["re-lint"] / numbers["cold lint"]
            numbers["re-lint mean / cold"] = numbers["re-lint mean"] / numbers["cold lint"]
            numbers["re-lint (idle) / cold"] = \
                numbers["re-lint (collected while idle)"] / numbers["cold lint"]
            results[subject.name] = numbers
            print(tabulate([[k, f"{v:.3f}" if isinstance(v, float) else v]
                            for k, v in numbers.items()],
                           headers=[subject.name, "seconds, MB or ratio"]), flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
