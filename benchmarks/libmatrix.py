"""nixpkgs' module-system suite across lib versions: nix-instantiate and nixeval.

    python benchmarks/libmatrix.py [--gitdir GITDIR] [--commits C1,C2,...]
        [--from-year 2017] [--until de42d442] [--jobs N] [--timeout 1800]
        [--nix CMD] [--nixeval CMD] [--only nix,native,interp,auto] [--json OUT]
    python benchmarks/libmatrix.py --from-json OUT [--gitdir GITDIR]
    python benchmarks/libmatrix.py --commits C1,... --only nix,native --record

--record proves lib versions: a commit whose suite native nixeval passes with
no check failing that Nix passes gets its lib's fingerprints added to
nixeval/modules/proven.json, so that plain nixeval binds its native module
system to that lib (and any lib whose module system is the same, whatever
else differs).

GITDIR (default: $NIXEVAL_LIB_GITDIR) is a git directory of nixpkgs or of its
lib-only mirror nix-community/nixpkgs.lib. Without --commits, the commits are
the last commit touching lib/ (by commit date) before July 1st of each year
from --from-year to the year of --until, plus ef277d3d (the conformance pin)
and --until itself (default de42d442, the newest lib the installed Nix 2.8 is
known to run). Each commit's lib/tests/modules.sh is run three times:

    nix       nix-instantiate
    native    NIXEVAL_MODULES=native nixeval instantiate         (native module system)
    interp    NIXEVAL_INTERPRETED_MODULES=1 nixeval instantiate  (the lib's own code)

and, with --only ...,auto, as users run it: plain `nixeval instantiate`, which
binds the native module system only to libs listed in nixeval's proven.json
and runs any other lib's own code. The `default` column says which of the two
a plain nixeval picks for the commit's lib (NIXEVAL_SHOW_MODULES).

--jobs suite runs at a time (a suite is 40 to 400 checks, a process each;
nixeval takes minutes a run, Nix 5 to 90 s). A markdown table goes to stdout:
passed/failed and wall seconds for each, and the checks native nixeval fails
where Nix passes them; after it, those checks grouped by nixeval's error.
--json OUT keeps everything (each run's whole output and failed checks) for later
comparison; --from-json OUT prints its table again, the failures parsed anew
from the outputs when GITDIR is at hand.

A run follows ../shared/tools/modsuite.sh step by step (extract lib/ at the
commit, rewrite the suite's one `    nix-instantiate --timeout 1 ` call to the
command, `bash lib/tests/modules.sh` under a timeout, read its `N Pass` and
`N Fail`), done here rather than through the script because the runner keeps
only the summary and the failing checks' names are needed. One difference:
suites before nixpkgs 6b8f0cc1 (April 2020) `cd ./modules` and so only run
from lib/tests; they are run from there, and their row says so. A commit
without lib/tests/modules.sh, or whose suite cannot be patched, aborts or times
out, is a row that says why.

Failed checks are named from the suite's output: since 2024 a failure ends
with `TEST FAILED at modules.sh:LINE` (the check is that line of the suite);
before, it starts `error: Expected ..., while evaluating` followed by the
`$ nix-instantiate -E '...' -A 'ATTR'` line (the check is its attribute,
modules and expectation, and the suite's line: the call whose arguments,
`"$@"` expanded as the last `set --` left it, are those).

Exit status: 0 when every run of every commit ran, 1 otherwise, 2 when GITDIR,
nix-instantiate or nixeval is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

PIN = "ef277d3d"  # the conformance pin (../shared/CONFORMANCE.md)
NEWEST = "de42d442"  # newest lib the installed Nix 2.8 is known to run
SUITE = "lib/tests/modules.sh"
CALL = "    nix-instantiate --timeout 1 "  # the line modsuite.sh patches
EVALUATORS = ("nix", "native", "interp", "auto")

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
NEW_END = re.compile(r"^TEST FAILED at (\S+):(\d+)\s*$")
OLD_START = re.compile(r"^error: (Expected .*), while evaluating$")
INVOCATION = re.compile(r"^\$ nix-instantiate -E '(.*)' -A '([^']*)'")
MODULES = re.compile(r"modules = \[ (.*) \];\}$")
MIDLINE = re.compile(r"(?<=[^\n])(EXPECTED: |error: Expected .*, while evaluating$"
                     r"|====== module tests ======$)", re.M)
SUMMARY = re.compile(r"^====== module tests ======$")


@dataclass
class Failure:
    """One failed check as the suite reported it."""

    key: str  # identifies the check across evaluators of one commit
    name: str  # what a reader sees: the suite's line, or the attribute and modules
    short: str  # the line and attribute, for the table
    expected: str
    output: list[str]  # what the evaluator printed for it (trimmed)


@dataclass
class Run:
    evaluator: str
    command: str
    passed: int | None = None
    failed: int | None = None
    seconds: float | None = None
    problem: str | None = None  # why there is no score
    failures: list[Failure] = field(default_factory=list)
    output: str = ""  # the suite's whole output, so --from-json can parse it again


@dataclass
class Row:
    commit: str
    date: str
    default: str = ""  # what plain nixeval does with this lib: native or interpreted
    note: str = ""
    runs: dict[str, Run] = field(default_factory=dict)
    regressions: list[Failure] = field(default_factory=list)  # native fails, Nix passes


def git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def yearly_commits(gitdir: str, first: int, until: str) -> list[str]:
    """The last commit touching lib/ before July 1st of each year, walking back from until."""
    last = int(git(gitdir, "log", "-1", "--format=%cd", "--date=format:%Y", until))
    picks = []
    for year in range(first, last + 1):
        sha = git(gitdir, "log", "-1", "--format=%H", f"--before={year}-07-01T00:00:00Z",
                  until, "--", "lib")
        if sha and sha not in picks:
            picks.append(sha)
    return picks


def logical_lines(text: str) -> dict[int, str]:
    """Line number -> the command starting there, backslash continuations joined."""
    out: dict[int, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start, parts = i + 1, [lines[i]]
        while parts[-1].endswith("\\") and i + 1 < len(lines):
            parts[-1] = parts[-1][:-1]
            i += 1
            parts.append(lines[i])
        out[start] = " ".join(p.strip() for p in parts)
        i += 1
    return out


def trim(lines: list[str], keep: int = 40) -> list[str]:
    """The first lines of an output, and any later `error:` line (Nix's message comes last)."""
    lines = [ln for ln in lines if ln.strip()]
    if len(lines) <= keep:
        return lines
    errors = [ln for ln in lines[keep:] if "error:" in ln]
    return [*lines[:keep], f"... ({len(lines) - keep - len(errors)} lines left out)", *errors]


def parse_failures(out: str, suite: str) -> list[Failure]:
    """The failed checks in a suite's output, in either of its two report formats."""
    # Nix 2.8 ends --json output without a newline: the suite's next line joins it
    text = MIDLINE.sub(r"\n\1", ANSI.sub("", out))
    lines = text.splitlines()
    source = logical_lines(suite)
    if any(NEW_END.match(ln) for ln in lines):
        return _parse_new(lines, source)
    return _parse_old(lines, source)


def _parse_new(lines: list[str], source: dict[int, str]) -> list[Failure]:
    failures, block = [], []
    for ln in lines:
        m = NEW_END.match(ln)
        if not m:
            block.append(ln)
            continue
        lineno = int(m.group(2))
        # the block runs from the last dashed separator to this marker
        starts = [i for i, b in enumerate(block) if b.startswith("-----")]
        body = block[starts[-1] + 1:] if starts else block
        expected = next((b for b in reversed(body) if b.startswith("EXPECTED:")
                         or b == "GLOBAL ERROR LOG CHECK FAILED"), "")
        output = [b for b in body if b not in (expected, "ACTUAL:", "LOG:")
                  and not b.startswith("ACTUAL: exit code 0")]
        text = source.get(lineno, "?")
        inv = next((INVOCATION.match(b) for b in body if INVOCATION.match(b)), None)
        failures.append(Failure(key=f"L{lineno}", name=f"L{lineno}: {text}",
                                short=f"L{lineno} {inv.group(2) if inv else text}",
                                expected=expected.removeprefix("EXPECTED: "),
                                output=trim(output)))
        block = []
    return failures


def _parse_old(lines: list[str], source: dict[int, str]) -> list[Failure]:
    failures: list[Failure] = []
    current: tuple[str, list[str]] | None = None
    checks = expanded_checks(source)

    def close() -> None:
        if current is None:
            return
        expected, body = current
        inv = next((INVOCATION.match(b) for b in body if INVOCATION.match(b)), None)
        script, attr = (inv.group(1), inv.group(2)) if inv else ("", "?")
        mods = MODULES.search(script)
        modules = mods.group(1).strip() if mods else script
        lineno = _find_line(checks, expected, attr, modules.split())
        where = f"L{lineno} " if lineno else ""
        failures.append(Failure(key=f"{attr} {modules} {expected}",
                                name=f"{where}{attr} {modules} ({expected})",
                                short=f"{where}{attr}" if lineno else f"{attr} {modules}",
                                expected=expected,
                                output=trim([b for b in body if not INVOCATION.match(b)])))

    for ln in lines:
        m = OLD_START.match(ln)
        if m or SUMMARY.match(ln):
            close()
            current = (m.group(1), []) if m else None
        elif current is not None:
            current[1].append(ln)
    close()
    return failures


def expanded_checks(source: dict[int, str]) -> list[tuple[int, list[str]]]:
    """Each top-level check call of an old suite with "$@" expanded as `set --` left it."""
    out: list[tuple[int, list[str]]] = []
    params: list[str] = []
    for lineno, text in source.items():
        try:
            words = shlex.split(text, comments=True)
        except ValueError:
            continue
        if words[:2] == ["set", "--"]:
            params = words[2:]
        elif words and words[0] in ("checkConfigOutput", "checkConfigError"):
            args = [a for w in words for a in (params if w == "$@" else [w])]
            out.append((lineno, args))
    return out


def _find_line(checks: list[tuple[int, list[str]]], expected: str, attr: str,
               mods: list[str]) -> int | None:
    """The suite line of an old-format check: the first call with its arguments."""
    m = re.search(r"(result|error) matching '(.*)'$", expected)
    for lineno, (fn, *args) in checks:
        if args[1:] != [attr, *mods]:
            continue
        if m is None and fn == "checkConfigError":  # "got exit code 0": no pattern shown
            return lineno
        # shlex keeps the backslash bash drops before a backquote inside double quotes
        pattern = args[0].replace("\\`", "`")
        if m and pattern == m.group(2) and (fn == "checkConfigOutput") == (m.group(1) == "result"):
            return lineno
    return None


def extract(gitdir: str, commit: str, work: str) -> None:
    """lib/ at commit into work, as modsuite.sh does."""
    archive = subprocess.run(["git", f"--git-dir={gitdir}", "archive", commit, "lib"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", work], input=archive, check=True)


def run_suite(gitdir: str, commit: str, evaluator: str, command: str, timeout: float) -> Run:
    """One suite run, as ../shared/tools/modsuite.sh does it, keeping the whole output."""
    run = Run(evaluator=evaluator, command=command)
    with tempfile.TemporaryDirectory(prefix="libmatrix-") as work:
        extract(gitdir, commit, work)
        path = Path(work, SUITE)
        if not path.exists():
            run.problem = f"no {SUITE}"
            return run
        suite = path.read_text()
        patched = "\n".join(f"    {command}{ln[len('    nix-instantiate'):]}"
                            if ln.startswith(CALL) else ln for ln in suite.split("\n"))
        if f"{command} --timeout 1" not in patched:
            run.problem = "the runner cannot patch modules.sh"
            return run
        path.write_text(patched)
        # suites before April 2020 `cd ./modules`: they only run from lib/tests
        legacy = re.search(r"^cd \./modules\s*$", suite, re.M) is not None
        cwd, script = (Path(work, "lib/tests"), "modules.sh") if legacy else (Path(work), SUITE)
        start = time.monotonic()
        proc = subprocess.Popen(["bash", script], cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            raw, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            run.seconds = round(time.monotonic() - start, 1)
            run.problem = f"timed out after {timeout:g} s"
            return run
        run.seconds = round(time.monotonic() - start, 1)
    out = raw.decode(errors="replace")
    passed = re.search(r"^(\d+) Pass$", out, re.M)
    failed = re.search(r"^(\d+) Fail$", out, re.M)
    if not (passed and failed):
        tail = " / ".join(ANSI.sub("", out).strip().splitlines()[-2:])
        run.problem = f"suite aborted (exit {proc.returncode}): {tail[:200]}"
    else:
        run.passed, run.failed = int(passed.group(1)), int(failed.group(1))
    run.output = ANSI.sub("", out)
    run.failures = parse_failures(run.output, suite)
    return run


def suite_text(gitdir: str, commit: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", "show", f"{commit}:{SUITE}"],
                          capture_output=True, text=True).stdout


def load_rows(path: Path, gitdir: str | None) -> list[Row]:
    """Rows from a --json file, failures parsed again from each run's output."""
    rows = []
    for r in json.loads(path.read_text())["rows"]:
        row = Row(commit=r["commit"], date=r["date"], default=r["default"], note=r["note"])
        suite = suite_text(gitdir, row.commit) if gitdir else ""
        for ev, run in r["runs"].items():
            kept = [Failure(**f) for f in run.pop("failures")]
            row.runs[ev] = Run(**run)
            row.runs[ev].failures = parse_failures(run["output"], suite) if suite else kept
        rows.append(row)
    return rows


def regressions(row: Row) -> list[Failure]:
    """Checks native nixeval fails more often than Nix (a check can report twice)."""
    nix, native = row.runs.get("nix"), row.runs.get("native")
    if not nix or not native or nix.passed is None or native.passed is None:
        return []
    budget = Counter(f.key for f in nix.failures)
    out = []
    for f in native.failures:
        if budget[f.key]:
            budget[f.key] -= 1
        else:
            out.append(f)
    return out


def md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def score(run: Run | None) -> str:
    if run is None:
        return ""
    if run.passed is None:
        return "—"
    return f"{run.passed}/{run.failed}"


def table(rows: list[Row], evaluators: list[str]) -> str:
    head = ["commit", "date", "default",
            *(f"{e} pass/fail" for e in evaluators), *(f"{e} s" for e in evaluators),
            "native fails where Nix passes", "note"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        secs = [f"{r.runs[e].seconds:.0f}" if e in r.runs and r.runs[e].seconds is not None
                else "" for e in evaluators]
        names = ", ".join(f"`{md(f.short)}`" for f in r.regressions)
        cells = [r.commit[:8], r.date, r.default, *(score(r.runs.get(e)) for e in evaluators),
                 *secs, names, md(r.note)]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def default_mode(gitdir: str, commit: str, nixeval: str) -> str:
    """Whether plain nixeval binds this commit's lib natively (NIXEVAL_SHOW_MODULES says)."""
    with tempfile.TemporaryDirectory(prefix="libmatrix-") as work:
        extract(gitdir, commit, work)
        env = {k: v for k, v in os.environ.items()
               if k not in ("NIXEVAL_MODULES", "NIXEVAL_INTERPRETED_MODULES")}
        env["NIXEVAL_SHOW_MODULES"] = "1"
        proc = subprocess.run([*shlex.split(nixeval), "--eval", "-E",
                               f"builtins.seq (import {work}/lib).evalModules 1"],
                              capture_output=True, text=True, env=env)
    m = re.search(r"module system of \S+: (\w+)", proc.stderr)
    return m.group(1) if m else "?"


def message(output: list[str]) -> str:
    """An evaluator's error in a failure report: its last `error: ...` line, else its output."""
    errors = [ln.strip() for ln in output if re.search(r"error: \S", ln)]
    if errors:
        return re.sub(r"/tmp/libmatrix-[^/]+/", "…/", errors[-1])
    rest = [ln.strip() for ln in output if not ln.startswith(("$ ", "trace:", "warning:"))]
    return "no error, output: " + " ".join(rest)[:200]


def details(rows: list[Row]) -> str:
    """The checks native nixeval fails where Nix passes, grouped by nixeval's error."""
    out = []
    for r in rows:
        if not r.regressions:
            continue
        out.append(f"\n### {r.commit[:8]} ({r.date}): {len(r.regressions)} checks")
        interp = r.runs.get("interp")
        also = Counter(f.key for f in interp.failures) if interp else Counter()
        # one group per message, option names (lib quotes them `so') aside
        groups: dict[str, list[tuple[str, Failure]]] = {}
        for f in r.regressions:
            msg = message(f.output)
            groups.setdefault(re.sub(r"`[^`']*'", "`…'", msg), []).append((msg, f))
        for group in sorted(groups.values(), key=len, reverse=True):
            out.append(f"\n- nixeval: `{md(group[0][0])}` ({len(group)})")
            fs = [f for _, f in group]
            for f in fs:
                tag = "" if not interp else ("; interp fails too" if also[f.key] else "")
                out.append(f"  - `{md(f.name)}`{tag}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gitdir", default=os.environ.get("NIXEVAL_LIB_GITDIR"),
                    help="nixpkgs or nixpkgs.lib git directory (default $NIXEVAL_LIB_GITDIR)")
    ap.add_argument("--commits", help="comma-separated commits instead of the yearly ones")
    ap.add_argument("--from-year", type=int, default=2017)
    ap.add_argument("--until", default=NEWEST, help="newest commit to pick (default %(default)s)")
    ap.add_argument("--jobs", type=int, default=1, help="suite runs at a time")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per suite run")
    ap.add_argument("--nix", default="nix-instantiate")
    ap.add_argument("--nixeval", default="nixeval instantiate")
    ap.add_argument("--only", help="comma-separated evaluators of " + ",".join(EVALUATORS))
    ap.add_argument("--json", type=Path, help="write every run's results here")
    ap.add_argument("--from-json", type=Path, help="print the table of an earlier --json run")
    ap.add_argument("--record", action="store_true",
                    help="add the libs native nixeval passes as Nix does to proven.json")
    args = ap.parse_args(argv)

    if args.from_json:
        rows = load_rows(args.from_json, args.gitdir)
        for row in rows:
            row.regressions = regressions(row)
        print(table(rows, [e for e in EVALUATORS if any(e in r.runs for r in rows)]))
        print(details(rows))
        return 0

    missing = []
    if not args.gitdir:
        missing.append("a nixpkgs git directory (--gitdir or NIXEVAL_LIB_GITDIR)")
    elif subprocess.run(["git", f"--git-dir={args.gitdir}", "rev-parse", "HEAD"],
                        capture_output=True).returncode:
        missing.append(f"a git directory at {args.gitdir}")
    for cmd in (args.nix, args.nixeval):
        if not shutil.which(shlex.split(cmd)[0]):
            missing.append(f"{shlex.split(cmd)[0]} on PATH")
    if missing:
        print("libmatrix: missing " + "; ".join(missing), file=sys.stderr)
        return 2

    commands = {"nix": args.nix, "native": f"NIXEVAL_MODULES=native {args.nixeval}",
                "interp": f"NIXEVAL_INTERPRETED_MODULES=1 {args.nixeval}", "auto": args.nixeval}
    wanted = args.only.split(",") if args.only else ["nix", "native", "interp"]
    if set(wanted) - set(EVALUATORS):
        ap.error(f"--only: evaluators are {', '.join(EVALUATORS)}")
    if args.commits:
        refs = [c.strip() for c in args.commits.split(",") if c.strip()]
    else:
        refs = [*yearly_commits(args.gitdir, args.from_year, args.until), PIN, args.until]
    rows: list[Row] = []
    for ref in refs:
        sha, date = git(args.gitdir, "log", "-1", "--format=%H %cs", ref).split()
        if sha not in (r.commit for r in rows):
            rows.append(Row(commit=sha, date=date))
    rows.sort(key=lambda r: r.date)

    lock = threading.Lock()

    def task(row: Row, ev: str) -> None:
        run = run_suite(args.gitdir, row.commit, ev, commands[ev], args.timeout)
        with lock:
            row.runs[ev] = run
            print(f"libmatrix: {row.commit[:8]} {ev}: {score(run)} "
                  f"{run.seconds or 0:.0f}s {run.problem or ''}", file=sys.stderr)

    # nixeval runs are the long ones: start them first so the pool ends together
    order = sorted(((r, e) for r in rows for e in wanted), key=lambda t: t[1] == "nix")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for fut in [pool.submit(task, r, e) for r, e in order]:
            fut.result()

    for row in rows:
        problems = {r.problem for r in row.runs.values() if r.problem}
        nix = row.runs.get("nix")
        notes = sorted(problems)
        if nix and nix.passed == 0:
            notes.append("Nix passes nothing: suite not runnable here")
        if re.search(r"^cd \./modules\s*$", suite_text(args.gitdir, row.commit), re.M):
            notes.append("suite needs cwd lib/tests (pre-6b8f0cc1): run from there")
        row.note = "; ".join(notes)
        row.default = default_mode(args.gitdir, row.commit, args.nixeval)
        row.regressions = regressions(row)

    print(table(rows, wanted))
    print(details(rows))
    if args.json:
        meta = {"nix": subprocess.run([*shlex.split(args.nix), "--version"], capture_output=True,
                                      text=True).stdout.strip(),
                "nixeval": subprocess.run([shlex.split(args.nixeval)[0], "--version"],
                                          capture_output=True, text=True).stdout.strip(),
                "checkout": subprocess.run(["git", "-C", str(Path(__file__).parent), "rev-parse",
                                            "HEAD"], capture_output=True, text=True).stdout.strip(),
                "gitdir": args.gitdir, "jobs": args.jobs, "commands": commands,
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        args.json.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]},
                                        indent=1) + "\n")
    if args.record:
        for row in rows:
            record_proof(args.gitdir, row)
    ran = all(r.problem is None for row in rows for r in row.runs.values())
    return 0 if ran else 1


PROVEN = Path(__file__).resolve().parent.parent / "nixeval" / "modules" / "proven.json"


def record_proof(gitdir: str, row: Row) -> None:
    """Add ``row``'s lib to proven.json when native nixeval passed its suite
    as Nix did (every check Nix passes, native passes too)."""
    native, nix = row.runs.get("native"), row.runs.get("nix")
    if native is None or nix is None or native.problem or nix.problem or row.regressions \
            or not native.passed:
        return
    sys.path.insert(0, str(PROVEN.parents[2]))
    from nixeval.modules.binding import lib_fingerprints

    with tempfile.TemporaryDirectory() as work:
        extract(gitdir, row.commit, work)
        fps = lib_fingerprints(os.path.join(work, "lib"))
    if fps is None:
        return
    table = json.loads(PROVEN.read_text())
    if any(tuple(e["fingerprints"]) == fps for e in table["libs"]):
        return
    total = native.passed + (native.failed or 0)
    table["libs"].append({"source": f"nixpkgs lib {row.commit[:8]} ({row.date}; module-system "
                                    f"suite {native.passed}/{total}, as nix-instantiate)",
                          "fingerprints": list(fps)})
    PROVEN.write_text(json.dumps(table, indent=1) + "\n")
    print(f"libmatrix: proven {row.commit[:8]}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
