"""Differential workloads on real module trees: nixeval against nix-instantiate.

The trees (full nixpkgs releases, home-manager, nix-darwin, flake-parts) and
the nixpkgs libs paired with the module trees are found through environment
variables (`TREES`, `LIBS_VARIABLE`); the workloads are Nix entry files under
nix/ evaluated with `--eval --strict --json`, each with a configuration of
nix/configs/. Nix and nixeval (in each module-system mode, MODES) get the same
command line and environment. This module builds the workloads, runs them and
compares the outcomes; run.py prints the tables and test_realtrees.py asserts
on them.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NIX_DIR = HERE / "nix"
CONFIGS = NIX_DIR / "configs"
STUB_NIXPKGS = NIX_DIR / "nixpkgs"
LIBS_VARIABLE = "NIXEVAL_TREE_LIBS"
# nixeval's module system, per evaluation: "native" binds nixeval's own to the
# lib's modules.nix on every lib; "interpreted" runs the lib's code. By default
# nixeval binds only the libs it is proven for (default_mode says which ran).
# "auto" is nixeval as users run it: native where proven for the lib, the
# lib's own code elsewhere; "native" forces nixeval's module system on any lib
# (a diagnostic: where only it differs, nixeval's module system is at fault)
MODES = {"auto": {}, "native": {"NIXEVAL_MODULES": "native"},
         "interpreted": {"NIXEVAL_INTERPRETED_MODULES": "1"}}
MODE_VARIABLES = ("NIXEVAL_MODULES", "NIXEVAL_INTERPRETED_MODULES", "NIXEVAL_SHOW_MODULES")


@dataclass(frozen=True)
class Tree:
    name: str
    variable: str
    kind: str  # "nixos", or the entry file under nix/ of a module tree
    # NixOS: the configuration whose clock service qemu-vm.nix turns off.
    clock: str = "timesyncd"


TREES = (
    Tree("nixpkgs-1703", "NIXEVAL_TREE_NIXPKGS_1703", "nixos"),
    Tree("nixpkgs-1609", "NIXEVAL_TREE_NIXPKGS_1609", "nixos", clock="ntp"),
    Tree("nixpkgs-1803", "NIXEVAL_TREE_NIXPKGS_1803", "nixos"),
    Tree("home-manager", "NIXEVAL_TREE_HOME_MANAGER", "home-manager"),
    Tree("nix-darwin", "NIXEVAL_TREE_NIX_DARWIN", "nix-darwin"),
    Tree("flake-parts", "NIXEVAL_TREE_FLAKE_PARTS", "flake-parts"),
)

# Module trees: (workload, attribute of the entry file, configuration, error expected).
MODULE_WORKLOADS = (
    ("option-names", "optionNames", "base", False),
    ("docs", "docs", "base", False),
    ("config", "config", "user", False),
    ("conflict", "read", "conflict", True),
    ("type-error", "read", "type-error", True),
    ("undeclared", "read", "undeclared", True),
)
# What the error workloads read, per module tree: the option (or flake output)
# its configuration breaks.
READS = {
    "home-manager": {"conflict": "home.username", "type-error": "programs.bash.historySize",
                     "undeclared": "home.username"},
    "nix-darwin": {"conflict": "networking.hostName", "type-error": "system.defaults.dock.tilesize",
                   "undeclared": "system.defaults.dock.autohide"},
    "flake-parts": {"conflict": "packages.x86_64-linux.default",
                    "type-error": "packages.x86_64-linux", "undeclared": "packages.x86_64-linux"},
}
# NixOS trees: (workload, attribute of nixos.nix, configuration, error expected);
# "CLOCK" is the tree's clock configuration.
NIXOS_WORKLOADS = (
    ("option-names", "optionNames", "CLOCK", False),
    ("docs", "docs", "CLOCK", False),
    ("values", "values", "CLOCK", False),
    ("system", "system", "CLOCK", False),
    ("vm", "vm", "CLOCK-fixed", False),
    # 16.09's ntp option has no type, so its definitions are or-ed and the VM
    # builds: Nix decides, the expectation only labels the table.
    ("vm-conflict", "vm", "CLOCK", True),
    ("type-error", "system", "type-error", True),
    ("undeclared", "system", "undeclared", True),
)


@dataclass(frozen=True)
class Workload:
    tree: str
    lib: str  # the lib's name, or "own" for a nixpkgs tree
    name: str
    args: tuple[str, ...]  # nix-instantiate's arguments
    nix_path: str  # NIX_PATH: the same entries as the -I arguments
    expect_error: bool
    slow: bool  # a whole NixOS system
    sources: tuple[Path, ...]  # the directories it reads: the tree, the lib
    lib_dir: Path  # the lib/ whose module system runs

    @property
    def id(self) -> str:
        return f"{self.tree}/{self.lib}/{self.name}"


def configured_trees(environ: dict[str, str] | None = None) -> tuple[dict[Tree, Path], list[str]]:
    """The trees whose variables are set, and a line for each one skipped."""
    environ = os.environ if environ is None else environ
    found: dict[Tree, Path] = {}
    skipped = []
    for tree in TREES:
        value = environ.get(tree.variable)
        if not value:
            skipped.append(f"{tree.name}: skipped ({tree.variable} is not set)")
        elif not Path(value).is_dir():
            skipped.append(f"{tree.name}: skipped ({tree.variable}={value} is not a directory)")
        else:
            found[tree] = Path(value).resolve()
    return found, skipped


def configured_libs(environ: dict[str, str] | None = None) -> dict[str, Path]:
    """The libs of NIXEVAL_TREE_LIBS by name (the directory's basename), each holding lib/."""
    environ = os.environ if environ is None else environ
    libs = {}
    for entry in environ.get(LIBS_VARIABLE, "").split(":"):
        if entry:
            path = Path(entry).resolve()
            libs[path.name] = path
    return libs


# --- The stub package set's names ------------------------------------------

ATTR = r"[A-Za-z_][A-Za-z0-9_'-]*"
PKGS_PATH = re.compile(rf"\bpkgs\.({ATTR}(?:\.{ATTR}){{0,2}})")
PACKAGE_OPTION = re.compile(rf'mkPackageOption\s+pkgs\s+(?:"({ATTR})"|\[([^\]]*)\])')
INHERIT_FROM_PKGS = re.compile(rf"inherit\s*\(pkgs((?:\.{ATTR})*)\)([^;]*);")
WITH_PKGS_LIST = re.compile(r"with pkgs;\s*\[([^\]]*)\]")


def package_names(*dirs: Path) -> dict[str, Any]:
    """The attribute paths a tree reads from `pkgs`, as a tree of names.

    Found by reading the sources: `pkgs.a.b`, `mkPackageOption pkgs "a"`,
    `inherit (pkgs) a b;`, `with pkgs; [ a b ]`; and, for names computed at
    run time (`pkgs.${name}`), the names of the tree's files and directories,
    which module trees name after the package.
    """
    names: dict[str, Any] = {}

    def add(path: list[str]) -> None:
        node = names
        for part in path:
            node = node.setdefault(part, {})

    for root in dirs:
        for file in sorted(root.rglob("*.nix")):
            for part in file.relative_to(root).with_suffix("").parts:
                if re.fullmatch(ATTR, part):
                    add([part])
            text = file.read_text(errors="replace")
            for m in PKGS_PATH.finditer(text):
                add(m.group(1).split("."))
            for m in PACKAGE_OPTION.finditer(text):
                add([m.group(1)] if m.group(1) else re.findall(r'"([^"]+)"', m.group(2)))
            for m in INHERIT_FROM_PKGS.finditer(text):
                prefix = [p for p in m.group(1).split(".") if p]
                for name in re.findall(ATTR, m.group(2)):
                    add([*prefix, name])
            for m in WITH_PKGS_LIST.finditer(text):
                for name in re.findall(rf"(?<![.\w]){ATTR}", m.group(1)):
                    add([name])
    return names


def nix_attrset(names: dict[str, Any]) -> str:
    """The name tree as a Nix expression (names quoted: JSON strings are Nix strings here)."""
    body = " ".join(f"{json.dumps(k)} = {nix_attrset(v)};" for k, v in sorted(names.items()))
    return "{ " + body + " }" if body else "{ }"


def write_package_names(tree: Tree, path: Path, work: Path) -> Path:
    """The names file the stub reads as <realtrees-names>, for this tree and its configurations."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"names-{tree.name}.nix"
    out.write_text(nix_attrset(package_names(path, CONFIGS / tree.kind)) + "\n")
    return out


# --- Workloads ----------------------------------------------------------------

def search_path(entries: list[tuple[str, Path]]) -> tuple[list[str], str]:
    """-I arguments and the NIX_PATH holding the same entries."""
    args = [a for name, path in entries for a in ("-I", f"{name}={path}")]
    return args, ":".join(f"{name}={path}" for name, path in entries)


COMMON_ARGS = ("--readonly-mode", "--eval", "--strict", "--json")


def tree_workloads(tree: Tree, path: Path, libs: dict[str, Path], work: Path) -> list[Workload]:
    """Every workload of one tree (module trees: one set per lib)."""
    if tree.kind == "nixos":
        includes, nix_path = search_path([("nixpkgs", path)])
        workloads = []
        for name, attr, config, expect_error in NIXOS_WORKLOADS:
            configuration = CONFIGS / "nixos" / f"{config.replace('CLOCK', tree.clock)}.nix"
            args = (*COMMON_ARGS, *includes, str(NIX_DIR / "nixos.nix"),
                    "--argstr", "configuration", str(configuration), "-A", attr)
            workloads.append(Workload(tree.name, "own", name, args, nix_path, expect_error,
                                      slow=True, sources=(path,), lib_dir=path / "lib"))
        return workloads
    names = write_package_names(tree, path, work)
    workloads = []
    for lib_name, lib_path in libs.items():
        includes, nix_path = search_path([("realtrees-lib", lib_path), ("realtrees-names", names),
                                          ("nixpkgs", STUB_NIXPKGS)])
        for name, attr, config, expect_error in MODULE_WORKLOADS:
            read = READS[tree.kind].get(name)
            args = (*COMMON_ARGS, *includes, str(NIX_DIR / f"{tree.kind}.nix"),
                    "--argstr", "tree", str(path),
                    "--argstr", "configuration", str(CONFIGS / tree.kind / f"{config}.nix"),
                    "-A", attr, *(("--argstr", "read", read) if read else ()))
            workloads.append(Workload(tree.name, lib_name, name, args, nix_path, expect_error,
                                      slow=False, sources=(path, lib_path),
                                      lib_dir=lib_path / "lib"))
    return workloads


# --- Running ------------------------------------------------------------------

@dataclass
class Run:
    status: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    wall: float  # seconds
    cpu: float  # seconds, user + system
    peak_mb: float | None  # maximum resident set (None without GNU time)

    @property
    def ok(self) -> bool:
        return self.status == 0


NIXEVAL = (sys.executable, "-m", "nixeval")


def evaluator_commands(nixeval: tuple[str, ...] = NIXEVAL,
                       ) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Nix, and nixeval in each module-system mode: program and extra environment."""
    instantiate = [*nixeval, "instantiate"]
    return {"nix": (["nix-instantiate"], {}),
            **{mode: (instantiate, env) for mode, env in MODES.items()}}


def module_system(lib_dir: Path, mode: str | None = None,
                  nixeval: tuple[str, ...] = NIXEVAL) -> str:
    """What nixeval runs for this lib's module system in a mode (None: left alone), and why.

    A mode is a request: libs whose files are not functions of the lib (before
    2017) keep their own code even when native is asked for.
    """
    env = {k: v for k, v in os.environ.items() if k not in MODE_VARIABLES}
    env.update(MODES.get(mode or "", {}), NIXEVAL_SHOW_MODULES="1")
    expr = f"(import {lib_dir}).evalModules {{ modules = [ ]; }} ? config"
    done = subprocess.run([*nixeval, "instantiate", "--eval", "-E", expr], capture_output=True,
                          text=True, env=env, check=False)
    said = re.search(r"module system of .*?: (.*)", done.stderr)
    return said.group(1) if said else "unknown (nixeval did not say)"


# A child's ru_maxrss starts at its parent's size (fork copies the parent, exec
# keeps the high-water mark), so peak memory is measured by GNU time, whose own
# child is forked from a small process.
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


def execute(command: list[str], env: dict[str, str], timeout: float) -> Run:
    """Run one evaluation: its output, wall time, CPU time and peak memory."""
    with (tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err,
          tempfile.NamedTemporaryFile("r") as measured):
        prefix = [GNU_TIME, "-f", "%M", "-o", measured.name] if GNU_TIME else []
        start = time.monotonic()
        proc = subprocess.Popen([*prefix, *command], stdout=out, stderr=err, env=env,
                                start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what it started

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        peak = measured.read().split()
        return Run(None if timed_out.is_set() else proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                   wall, usage.ru_utime + usage.ru_stime,
                   int(peak[-1]) / 1024 if peak and peak[-1].isdigit() else None)


def run_workload(workload: Workload, evaluator: str, timeout: float,
                 commands: dict[str, tuple[list[str], dict[str, str]]] | None = None) -> Run:
    program, extra_env = (commands or evaluator_commands())[evaluator]
    env = {k: v for k, v in os.environ.items() if k not in MODE_VARIABLES}
    env.update(NIX_PATH=workload.nix_path, **extra_env)
    return execute([*program, *workload.args], env, timeout)


def warm_parse_cache(dirs: list[Path] | tuple[Path, ...], nixeval: tuple[str, ...] = NIXEVAL,
                     ) -> None:
    """Parse every file once so timings do not include nixeval's first, cold parse."""
    subprocess.run([*nixeval, "parse", "-q", *map(str, dirs)], capture_output=True, check=False)


# --- Comparing ----------------------------------------------------------------

ERROR_LINE = re.compile(r"^\s*error: ?")
POSITION_LINE = re.compile(r"^at .+:\d+:\d+:$")
SOURCE_LINE = re.compile(r"^\d*\|")  # "306|     // (lib.genAttrs' …" and its caret line
# A number in text, as Nix prints floats: 5, 5.0, 0.30000000000000004, 1.23457e+08.
FLOAT_TEXT = re.compile(r"(?<![\w.])(\d+\.\d+(?:e[+-]?\d+)?|\d+e[+-]?\d+)(?![\w.])")


def final_error(stderr: str) -> str:
    """The message of the last `error:` block, without trace frames or source excerpts.

    Nix 2.8 prints `error: message`, then the failing expression's position and
    source lines and a --show-trace hint; current Nix (which nixeval follows)
    prints `error:`, `… while evaluating` frames (the position among them), then
    the message as a second `error:` block. Compared: the message's lines.
    """
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if ERROR_LINE.match(line)]
    if not starts:
        return stderr.strip()
    block = []
    for line in lines[starts[-1]:]:
        if line.startswith("(use '--show-trace'"):
            break
        text = line.strip()
        if text and not POSITION_LINE.match(text) and not SOURCE_LINE.match(text):
            block.append(text)
    return "\n".join([ERROR_LINE.sub("", block[0]), *block[1:]]).strip()


def float_text(value: Any) -> Any:
    """Numbers in strings as Nix 2.8 prints floats (`%g`): `5.0` and `5` alike."""
    if isinstance(value, str):
        return FLOAT_TEXT.sub(lambda m: format(float(m.group(1)), "g"), value)
    if isinstance(value, list):
        return [float_text(v) for v in value]
    if isinstance(value, dict):
        return {k: float_text(v) for k, v in value.items()}
    return value


def short(value: Any, width: int = 70) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two JSON values first differ (floats compared numerically), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            only = sorted(a.keys() - b.keys())[:3], sorted(b.keys() - a.keys())[:3]
            return f"{path or '.'}: keys only in Nix {only[0]}, only in nixeval {only[1]}"
        for key in a:
            found = difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path or '.'}: {len(a)} elements in Nix, {len(b)} in nixeval"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    numbers = (int, float)
    if (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool)
            and not isinstance(b, bool) and (isinstance(a, float) or isinstance(b, float))):
        # Nix 2.8 prints floats with six significant digits.
        return None if math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-12) else (
            f"{path or '.'}: Nix {a!r}, nixeval {b!r}")
    if a == b and type(a) is type(b):
        return None
    return f"{path or '.'}: Nix {short(a)}, nixeval {short(b)}"


@dataclass
class Verdict:
    same: bool
    note: str = ""  # what differs, or why equal outcomes are not identical texts
    details: list[str] = field(default_factory=list)


def compare(nix: Run, other: Run) -> Verdict:
    """Compare an evaluator's run with Nix's: values as JSON, errors by their final message."""
    if nix.status is None:
        return Verdict(False, "Nix timed out")
    if other.status is None:
        return Verdict(False, "timed out")
    if nix.ok != other.ok:
        if nix.ok:
            return Verdict(False, f"Nix succeeds; error: {final_error(other.stderr)}")
        return Verdict(False, f"succeeds; Nix's error: {final_error(nix.stderr)}")
    if not nix.ok:
        a, b = final_error(nix.stderr), final_error(other.stderr)
        if a == b:
            return Verdict(True)
        if float_text(a) == float_text(b):
            return Verdict(True, "equal up to Nix 2.8's float printing")
        return Verdict(False, "another error", [f"Nix:     {a}", f"nixeval: {b}"])
    try:
        a, b = json.loads(nix.stdout), json.loads(other.stdout)
    except json.JSONDecodeError as e:
        return Verdict(nix.stdout.strip() == other.stdout.strip(), f"not JSON: {e}")
    found = difference(a, b)
    if found is None:
        return Verdict(True)
    if difference(float_text(a), float_text(b)) is None:
        return Verdict(True, "equal up to Nix 2.8's float printing")
    return Verdict(False, found)


def outcome_label(run: Run) -> str:
    if run.status is None:
        return "timeout"
    return "ok" if run.ok else "error"


def iter_workloads(work: Path, trees: list[str] | None = None, libs: list[str] | None = None,
                   names: list[str] | None = None,
                   environ: dict[str, str] | None = None) -> Iterator[tuple[Tree, Path, Workload]]:
    """The configured workloads, filtered by tree, lib ("own" for nixpkgs trees) and workload."""
    found, _ = configured_trees(environ)
    all_libs = configured_libs(environ)
    chosen_libs = {n: p for n, p in all_libs.items() if not libs or n in libs}
    for tree, path in found.items():
        if trees and tree.name not in trees:
            continue
        for workload in tree_workloads(tree, path, chosen_libs, work):
            if (not names or workload.name in names) and (not libs or workload.lib in libs):
                yield tree, path, workload


def nix_available() -> bool:
    return shutil.which("nix-instantiate") is not None
