"""Module-system speed of nixeval against nix-instantiate, measured in the same run.

    python benchmarks/modules.py --nixpkgs-lib DIR [--only tree|suite]
        [--suite-gitdir GITDIR --suite-commit ef277d3d]
        [--modules 2000 --options 20000 --definitions 50000] [--seed N]
        [--repeat N] [--timeout S] [--cold-cache] [--nixeval CMD] [--json OUT]

Two measurements, each tool run as a whole process (start-up included):

(a) suite: nixpkgs' module-system suite (lib/tests/modules.sh at --suite-commit,
    taken from --suite-gitdir) run through ../shared/tools/modsuite.sh once with
    nix-instantiate and once with nixeval: wall time of each and the
    "N passed, M failed" line each printed. It runs only when --suite-gitdir is
    given and takes minutes with nixeval; --only tree skips it.

(b) tree: a module tree generated from --seed (--modules files, --options
    declared options counting submodule sub-options, --definitions leaf
    definitions) is written as .nix files in a temporary directory with an
    eval.nix that calls lib.evalModules on it and deepSeqs the whole config
    (so every option value is forced) into a small summary: a hash of the
    config's JSON. Both tools evaluate eval.nix with --eval --strict; their
    outputs must agree (a mismatch or a failure exits 1). Reported: wall time
    (best of --repeat), peak resident memory (ru_maxrss of the process, from
    wait4) and the ratio nixeval / nix-instantiate. When nixeval exceeds
    --timeout, the tree is generated again at a quarter of the size, until a
    ratio is measured.

The generated modules declare options of types bool, int, str, listOf str,
attrsOf int, nullOr int, enum, submodule and attrsOf (submodule ...), and each
defines options declared in other modules: plain values, mkDefault, mkForce,
mkOverride N, mkBefore/mkAfter/mkOrder on lists, mkMerge, and mkIf on the
values of other options (value-level and whole-block), whose conditions and
derived values only read options declared earlier, so the chains never form a
cycle. Definitions of one non-mergeable option never share a priority, so the
configuration is valid.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tabulate import tabulate

MODSUITE = Path(__file__).resolve().parents[2] / "shared" / "tools" / "modsuite.sh"

TYPES = {
    "bool": "lib.types.bool",
    "int": "lib.types.int",
    "str": "lib.types.str",
    "list": "lib.types.listOf lib.types.str",
    "attrs": "lib.types.attrsOf lib.types.int",
    "nullint": "lib.types.nullOr lib.types.int",
    "enum": 'lib.types.enum [ "a" "b" "c" ]',
}
DEFAULTS = {"bool": "false", "int": "0", "str": '""', "list": "[ ]", "attrs": "{ }",
            "nullint": "null", "enum": '"a"', "sub": "{ }", "attrsub": "{ }"}
# Top-level option kinds and their weights; sub-options of submodules are leaves.
KIND_WEIGHTS = {"bool": 20, "int": 15, "str": 12, "list": 12, "attrs": 8, "nullint": 8,
                "enum": 10, "sub": 8, "attrsub": 7}
SUB_KINDS = ["bool", "int", "str", "list"]
# Kinds whose definitions must not conflict: lib merges them with mergeEqualOption.
EQUAL_MERGE = {"bool", "int", "str", "nullint", "enum"}
COND_KINDS = {"bool", "int", "enum", "nullint"}
ATTR_KEYS = [f"k{i}" for i in range(6)]
SUB_KEYS = [f"h{i}" for i in range(4)]
PLAIN, DEFAULT, FORCE = 100, 1000, 50


@dataclass
class Option:
    rank: int  # global declaration order: conditions only read lower ranks
    module: int
    name: str
    kind: str
    subs: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)

    @property
    def ref(self) -> str:
        return f"config.m{self.module}.{self.name}"


@dataclass
class Block:
    cond: str | None
    cond_rank: int
    defs: dict[str, list[str]] = field(default_factory=dict)  # "mJ.oK" -> expressions


def paren(expr: str) -> str:
    return f"({expr})" if " " in expr else expr


def with_prio(prio: int, expr: str) -> str:
    if prio == PLAIN:
        return expr
    if prio == DEFAULT:
        return f"lib.mkDefault {paren(expr)}"
    if prio == FORCE:
        return f"lib.mkForce {paren(expr)}"
    return f"lib.mkOverride {prio} {paren(expr)}"


class TreeGenerator:
    """A deterministic module tree of exactly the requested size."""

    def __init__(self, modules: int, options: int, definitions: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_modules, self.n_options, self.n_defs = modules, options, definitions
        self.options: list[Option] = []
        self.by_module: list[list[Option]] = []
        self.pools: dict[str, tuple[list[int], list[Option]]] = {}
        self.used: dict[tuple, set[tuple[int, ...]]] = {}  # slot -> priority paths
        self.stats: Counter[str] = Counter()
        self.defined = 0  # leaf definitions written

    # -- declarations ----------------------------------------------------
    def declare(self) -> None:
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        for m, budget in enumerate(split(self.n_options, self.n_modules)):
            mine: list[Option] = []
            while budget > 0:
                kind = self.rng.choices(kinds, weights)[0]
                if kind in ("sub", "attrsub") and budget < 2:
                    kind = "bool"
                opt = Option(len(self.options), m, f"o{len(mine)}", kind)
                if kind in ("sub", "attrsub"):
                    n = min(self.rng.randint(1, 4), budget - 1)
                    opt.subs = [(f"s{i}", self.rng.choice(SUB_KINDS)) for i in range(n)]
                budget -= 1 + len(opt.subs)
                self.stats[f"option {kind}"] += 1
                mine.append(opt)
                self.options.append(opt)
            self.by_module.append(mine)
        for kind in ("cond", "int", "str"):
            members = [o for o in self.options
                       if (o.kind in COND_KINDS if kind == "cond" else o.kind == kind)]
            self.pools[kind] = ([o.rank for o in members], members)

    def earlier(self, pool: str, bound: int) -> Option | None:
        """An option of the pool declared before rank `bound`, often a recent one."""
        ranks, members = self.pools[pool]
        n = bisect.bisect_left(ranks, bound)
        if n == 0:
            return None
        lo = max(0, n - 64) if self.rng.random() < 0.5 else 0
        return members[self.rng.randrange(lo, n)]

    def condition(self, bound: int) -> tuple[str, int] | None:
        opt = self.earlier("cond", bound)
        if opt is None:
            return None
        if opt.kind == "bool":
            text = opt.ref if self.rng.random() < 0.7 else f"!{opt.ref}"
        elif opt.kind == "int":
            text = f"{opt.ref} > {self.rng.randint(0, 80)}"
        elif opt.kind == "enum":
            text = f'{opt.ref} == "{self.rng.choice("abc")}"'
        else:
            text = f"{opt.ref} != null"
        return text, opt.rank

    # -- definitions -----------------------------------------------------
    def prio(self, slot: tuple | None, prefix: tuple[int, ...]) -> int:
        """A priority; for a non-mergeable slot, one no other definition of it uses."""
        used = self.used.setdefault(slot, set()) if slot is not None else set()
        for _ in range(8):
            r = self.rng.random()
            p = PLAIN if r < 0.5 else DEFAULT if r < 0.7 else FORCE if r < 0.8 else \
                self.rng.randint(1, 1400)
            if (*prefix, p) not in used:
                break
        else:
            p = self.rng.choice([q for q in range(1, 1500) if (*prefix, q) not in used])
        used.add((*prefix, p))
        name = {PLAIN: "plain", DEFAULT: "mkDefault", FORCE: "mkForce"}.get(p, "mkOverride N")
        self.stats[f"priority: {name}"] += 1
        return p

    def maybe_if(self, expr: str, bound: int, chance: float) -> str:
        cond = self.condition(bound) if self.rng.random() < chance else None
        if cond is None:
            return expr
        self.stats["mkIf (value)"] += 1
        return f"lib.mkIf ({cond[0]}) {paren(expr)}"

    def scalar(self, kind: str, bound: int) -> str:
        r = self.rng.random()
        if kind == "bool":
            return self.rng.choice(["true", "false"])
        if kind in ("int", "nullint"):
            if kind == "nullint" and r < 0.3:
                return "null"
            src = self.earlier("int", bound) if r > 0.9 else None
            if src is not None:
                self.stats["derived value"] += 1
                return f"{src.ref} + {self.rng.randint(1, 9)}"
            return str(self.rng.randint(0, 99))
        if kind == "str":
            src = self.earlier("str", bound) if r > 0.9 else None
            if src is not None:
                self.stats["derived value"] += 1
                return f'"${{{src.ref}}}-{self.rng.randint(0, 9)}"'
            return f'"v{self.rng.randint(0, 999)}"'
        if kind == "enum":
            return f'"{self.rng.choice("abc")}"'
        raise AssertionError(kind)

    def leaf(self, kind: str, slot: tuple, prefix: tuple[int, ...], bound: int) -> str:
        """One definition of a leaf (an option or a sub-option)."""
        if kind == "list":
            items = " ".join(f'"x{self.rng.randint(0, 99)}"'
                             for _ in range(self.rng.randint(1, 3)))
            expr = f"[ {items} ]"
            r = self.rng.random()
            if r < 0.3:
                order = ("mkBefore", "mkAfter", "mkOrder")[int(r * 10)]
                self.stats[order] += 1
                arg = f"{self.rng.randint(100, 2000)} " if order == "mkOrder" else ""
                expr = f"lib.{order} {arg}{expr}"
            expr = with_prio(self.prio(None, prefix), expr)
        else:
            expr = with_prio(self.prio(slot, prefix), self.scalar(kind, bound))
        return self.maybe_if(expr, bound, 0.12)

    def part(self, opt: Option, budget: int) -> tuple[str, int]:
        """One definition of `opt` (several leaves for attrs and submodules)."""
        if opt.kind in EQUAL_MERGE or opt.kind == "list":
            return self.leaf(opt.kind, (opt.rank,), (), opt.rank), 1
        outer = self.prio(None, ())
        entries: list[str] = []
        count = 0
        if opt.kind == "attrs":
            for key in self.rng.sample(ATTR_KEYS, min(self.rng.randint(1, 3), budget)):
                value = with_prio(self.prio((opt.rank, key), (outer,)),
                                  self.scalar("int", opt.rank))
                entries.append(f"{key} = {self.maybe_if(value, opt.rank, 0.08)};")
                count += 1
        else:
            keys = [None] if opt.kind == "sub" else \
                self.rng.sample(SUB_KEYS, self.rng.randint(1, 2))
            for key in keys:
                room = budget - count
                if room == 0:
                    break
                subs = self.rng.sample(opt.subs, self.rng.randint(1, min(len(opt.subs), room)))
                body = " ".join(
                    f"{name} = {self.leaf(kind, (opt.rank, key, name), (outer,), opt.rank)};"
                    for name, kind in subs)
                entries.append(f"{{ {body} }}" if key is None else f"{key} = {{ {body} }};")
                count += len(subs)
        expr = entries[0] if opt.kind == "sub" else f"{{ {' '.join(entries)} }}"
        return self.maybe_if(with_prio(outer, expr), opt.rank, 0.08), count

    def definition(self, opt: Option, budget: int) -> tuple[str, int]:
        """A definition group for `opt` using at most `budget` leaf definitions."""
        if budget >= 2 and self.rng.random() < 0.08:
            self.stats["mkMerge (value)"] += 1
            parts, count = [], 0
            for share in split(budget, min(budget, self.rng.randint(2, 3))):
                expr, n = self.part(opt, share)
                parts.append(paren(expr))
                count += n
            return f"lib.mkMerge [ {' '.join(parts)} ]", count
        return self.part(opt, budget)

    def module_blocks(self, m: int, budget: int) -> list[Block]:
        blocks = [Block(None, -1)]
        others = len(self.options) - len(self.by_module[m])
        first = self.by_module[m][0].rank
        while budget > 0:
            i = self.rng.randrange(others)
            opt = self.options[i if i < first else i + len(self.by_module[m])]
            block = blocks[0]
            if self.rng.random() < 0.2:
                fitting = [b for b in blocks[1:] if b.cond_rank < opt.rank]
                if fitting:
                    block = self.rng.choice(fitting)
                elif len(blocks) < 4 and (cond := self.condition(opt.rank)) is not None:
                    block = Block(*cond)
                    blocks.append(block)
                    self.stats["mkIf (block)"] += 1
            expr, n = self.definition(opt, budget)
            block.defs.setdefault(f"m{opt.module}.{opt.name}", []).append(expr)
            budget -= n
            self.defined += n
        return blocks

    # -- output ----------------------------------------------------------
    def write(self, root: Path, lib: Path) -> None:
        self.declare()
        parents = [-1] + [self.rng.randrange(i) for i in range(1, self.n_modules)]
        children: list[list[int]] = [[] for _ in range(self.n_modules)]
        for child, parent in enumerate(parents[1:], 1):
            children[parent].append(child)
        (root / "modules").mkdir()
        for m, budget in enumerate(split(self.n_defs, self.n_modules)):
            prefix = "./modules/" if m == 0 else "./"
            imports = " ".join(f"{prefix}m{c}.nix" for c in children[m])
            text = render_module(m, self.by_module[m], self.module_blocks(m, budget), imports)
            path = root / "root.nix" if m == 0 else root / "modules" / f"m{m}.nix"
            path.write_text(text)
        (root / "eval.nix").write_text(EVAL_NIX.replace("LIBDIR", str(lib)))


EVAL_NIX = """\
let
  lib = import LIBDIR;
  r = lib.evalModules { modules = [ ./root.nix ]; };
  # _module holds functions (extendModules); every declared option is outside it
  config = removeAttrs r.config [ "_module" ];
  json = builtins.toJSON config;
in
builtins.deepSeq config {
  namespaces = builtins.length (builtins.attrNames config);
  jsonBytes = builtins.stringLength json;
  sha256 = builtins.hashString "sha256" json;
}
"""


def split(total: int, parts: int) -> list[int]:
    """`total` spread over `parts` as evenly as integers allow."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def render_option(opt: Option) -> str:
    if opt.kind in ("sub", "attrsub"):
        subs = " ".join(
            f"{name} = lib.mkOption {{ type = {TYPES[kind]}; default = "
            f"{'name' if kind == 'str' and opt.kind == 'attrsub' else DEFAULTS[kind]}; }};"
            for name, kind in opt.subs)
        if opt.kind == "sub":
            typ = f"lib.types.submodule {{ options = {{ {subs} }}; }}"
        else:
            typ = f"lib.types.attrsOf (lib.types.submodule ({{ name, ... }}: " \
                  f"{{ options = {{ {subs} }}; }}))"
    else:
        typ = TYPES[opt.kind]
    return (f"    {opt.name} = lib.mkOption {{\n      type = {typ};\n"
            f"      default = {DEFAULTS[opt.kind]};\n"
            f'      description = "Option {opt.name} of module {opt.module}.";\n    }};\n')


def merged(exprs: list[str]) -> str:
    return exprs[0] if len(exprs) == 1 else f"lib.mkMerge [ {' '.join(map(paren, exprs))} ]"


def render_module(m: int, options: list[Option], blocks: list[Block], imports: str) -> str:
    out = ["{ lib, config, ... }:\n{\n"]
    if imports:
        out.append(f"  imports = [ {imports} ];\n")
    out.append(f"  options.m{m} = {{\n")
    out.extend(render_option(o) for o in options)
    out.append("  };\n  config = lib.mkMerge [\n")
    for block in blocks:
        body = "".join(f"      {path} = {merged(exprs)};\n" for path, exprs in block.defs.items())
        if block.cond is None:
            out.append(f"    {{\n{body}    }}\n")
        else:
            out.append(f"    (lib.mkIf ({block.cond}) {{\n{body}    }})\n")
    out.append("  ];\n}\n")
    return "".join(out)


# -- running the tools ------------------------------------------------------
@dataclass
class Run:
    seconds: float
    max_rss_mib: float
    status: str  # "ok", "timeout" or "exit N"
    stdout: str
    stderr: str


def measure(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` to its end: wall time, and its peak RSS from wait4 (this child only)."""
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        code = proc.returncode
        return Run(seconds, usage.ru_maxrss / 1024,
                   "timeout" if killed.is_set() else "ok" if code == 0 else f"exit {code}",
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def best_of(cmd: list[str], cwd: Path, repeat: int, timeout: float, fresh_cache: bool) -> Run:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="nixeval-cache-") as cache:
            env = {**os.environ, "NIXEVAL_CACHE_DIR": cache} if fresh_cache else None
            run = measure(cmd, cwd, timeout, env)
        runs.append(run)
        if run.status != "ok":
            return run
    return min(runs, key=lambda r: r.seconds)


def ratio(ours: float, nix: float, valid: bool) -> float | None:
    return ours / nix if valid else None


def shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def bench_tree(args: argparse.Namespace, lib: Path, nixeval: list[str],
               size: tuple[int, int, int]) -> tuple[dict, bool]:
    gen = TreeGenerator(*size, args.seed)
    with tempfile.TemporaryDirectory(prefix="modules-bench-") as tmp:
        root = Path(tmp)
        gen.write(root, lib)
        n_sub = sum(len(o.subs) for o in gen.options)
        counts = {"modules": size[0], "options": len(gen.options) + n_sub,
                  "top-level options": len(gen.options), "submodule sub-options": n_sub,
                  "definitions (leaf values)": gen.defined,
                  "source bytes": sum(p.stat().st_size for p in root.rglob("*.nix"))}
        print(f"generated tree (seed {args.seed}) in {root}:")
        print(tabulate(counts.items(), headers=["size", "count"]))
        print()
        print(tabulate(sorted(gen.stats.items()), headers=["construct", "count"]))
        cmd = ["--eval", "--strict", "eval.nix"]
        runs = {"nix-instantiate": best_of(["nix-instantiate", *cmd], root, args.repeat,
                                           args.timeout, False),
                "nixeval": best_of([*nixeval, *cmd], root, args.repeat, args.timeout,
                                   args.cold_cache)}
    ours, nix = runs["nixeval"], runs["nix-instantiate"]
    agree = ours.status == nix.status == "ok" and ours.stdout == nix.stdout
    time_ratio = ratio(ours.seconds, nix.seconds, agree)
    rss_ratio = ratio(ours.max_rss_mib, nix.max_rss_mib, agree)
    print()
    print(tabulate(
        [[name, r.status, f"{r.seconds:.2f}", f"{r.max_rss_mib:.0f}"] for name, r in runs.items()]
        + [["ratio nixeval / nix", "", shown(time_ratio), shown(rss_ratio)]],
        headers=["tree", "status", f"wall s (best of {args.repeat})", "peak RSS MiB"]))
    ok = True
    for name, r in runs.items():
        if r.status not in ("ok", "timeout"):
            ok = False
            print(f"\n{name} FAILED ({r.status}):\n{r.stderr.strip()[-2000:]}", file=sys.stderr)
    if agree:
        print(f"\noutputs agree: {nix.stdout.strip()}")
    elif ours.status == nix.status == "ok":
        ok = False
        print(f"\nOUTPUT MISMATCH\n  nix-instantiate: {nix.stdout.strip()}\n"
              f"  nixeval:         {ours.stdout.strip()}", file=sys.stderr)
    result = {"seed": args.seed, "counts": counts, "constructs": dict(gen.stats),
              "runs": {k: {f: v for f, v in asdict(r).items() if f != "stderr"}
                       for k, r in runs.items()},
              "outputs_agree": agree, "time_ratio": time_ratio, "rss_ratio": rss_ratio}
    return result, ok


def bench_suite(args: argparse.Namespace, nixeval: list[str]) -> dict:
    runs: dict[str, tuple[Run, str]] = {}
    for name, cmd in (("nix-instantiate", "nix-instantiate"), ("nixeval", shlex.join(nixeval))):
        print(f"running the module suite with {cmd} ...", flush=True)
        run = measure(["bash", str(args.modsuite), args.suite_gitdir, args.suite_commit, cmd],
                      Path.cwd(), args.timeout)
        lines = run.stdout.strip().splitlines()
        runs[name] = (run, lines[-1] if lines else "(no output)")
    ours, nix = runs["nixeval"][0], runs["nix-instantiate"][0]
    time_ratio = ratio(ours.seconds, nix.seconds, ours.status == nix.status == "ok")
    print()
    print(tabulate(
        [[name, r.status, f"{r.seconds:.1f}", f"{r.max_rss_mib:.0f}", line]
         for name, (r, line) in runs.items()]
        + [["ratio nixeval / nix", "", shown(time_ratio), "", ""]],
        headers=[f"module suite @ {args.suite_commit}", "status", "wall s",
                 "peak RSS MiB (largest process)", "result"]))
    return {"time_ratio": time_ratio,
            **{name: {"seconds": r.seconds, "status": r.status, "max_rss_mib": r.max_rss_mib,
                      "result": line} for name, (r, line) in runs.items()}}


def lib_dir(path: str) -> Path:
    p = Path(path).resolve()
    for cand in (p / "lib", p):
        if (cand / "default.nix").is_file() and (cand / "modules.nix").is_file():
            return cand
    raise SystemExit(f"{path}: neither it nor its lib/ is nixpkgs' lib (no modules.nix)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nixpkgs-lib", metavar="DIR",
                    help="nixpkgs' lib directory, or a checkout holding it as lib/ "
                         "(needed by the tree)")
    ap.add_argument("--only", choices=["tree", "suite"],
                    help="run one measurement (tree skips the minutes-long suite run)")
    ap.add_argument("--suite-gitdir", metavar="GITDIR",
                    help="git dir of nixpkgs or nix-community/nixpkgs.lib; the suite runs "
                         "only when given")
    ap.add_argument("--suite-commit", default="ef277d3d", help="(default: %(default)s)")
    ap.add_argument("--modsuite", type=Path, default=MODSUITE,
                    help="the suite's runner (default: %(default)s)")
    ap.add_argument("--modules", type=int, default=2000,
                    help="module files in the tree (default: %(default)s)")
    ap.add_argument("--options", type=int, default=20000,
                    help="options declared, sub-options included (default: %(default)s)")
    ap.add_argument("--definitions", type=int, default=50000,
                    help="leaf values defined (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1, help="(default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="tree runs per tool, the fastest counts (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=1800,
                    help="seconds allowed to each process (default: %(default)s)")
    ap.add_argument("--cold-cache", action="store_true",
                    help="give each nixeval tree run an empty parse cache")
    ap.add_argument("--nixeval", default="nixeval instantiate", metavar="CMD",
                    help="nixeval's nix-instantiate command line (default: %(default)s)")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = ap.parse_args()

    if shutil.which("nix-instantiate") is None:
        print("nix-instantiate is not installed: no ratio can be measured "
              "(apt-get install nix-bin)", file=sys.stderr)
        return 2
    nixeval = shlex.split(args.nixeval)
    results: dict = {"nixeval": args.nixeval}
    ok = True
    if args.only != "suite":
        if args.nixpkgs_lib is None:
            ap.error("the tree needs --nixpkgs-lib (or use --only suite)")
        if args.modules < 2 or args.options < args.modules or args.definitions < 0:
            ap.error("the tree needs --modules >= 2, --options >= --modules, --definitions >= 0")
        results["lib"] = str(lib_dir(args.nixpkgs_lib))
        results["tree"] = []
        size = (args.modules, args.options, args.definitions)
        while True:
            tree, tree_ok = bench_tree(args, Path(results["lib"]), nixeval, size)
            results["tree"].append(tree)
            ok = ok and tree_ok
            if tree["runs"]["nixeval"]["status"] != "timeout" or size[0] == 2:
                break
            modules = max(2, size[0] // 4)
            size = (modules, max(modules, size[1] // 4), size[2] // 4)
            print(f"\nnixeval timed out: again at a quarter of the size, {size}\n")
    if args.only != "tree":
        if args.suite_gitdir is None:
            print("\n(no --suite-gitdir: module suite not run)")
        else:
            print()
            results["suite"] = bench_suite(args, nixeval)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
