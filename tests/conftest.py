from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
NIX_LANG_TESTS = Path(os.environ.get("NIX_LANG_TESTS", "/work/ext/nix/tests/functional/lang"))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own parse cache so no run sees another's entries."""
    monkeypatch.setenv("NIXEVAL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def run_nixeval(*args: str, stdin: bytes | None = None, cwd: Path | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed command line exactly as a user would."""
    return subprocess.run([sys.executable, "-m", "nixeval", *args], input=stdin,
                          capture_output=True, cwd=cwd or ROOT,
                          env={**os.environ, **(env or {})}, timeout=120,
                          text=stdin is None)


nix_instantiate = shutil.which("nix-instantiate")
needs_nix = pytest.mark.skipif(nix_instantiate is None,
                               reason="nix-instantiate not installed (apt-get install nix-bin)")


# bytes of address space for a hostile-input child (its 512 MiB stack included)
CHILD_MEMORY = 2 << 30


def limit_child_memory() -> None:
    """preexec_fn for a child that must not take the machine down."""
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def run_limited(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """The command line as run_nixeval runs it, memory-limited and timed; a
    hostile input must still end well: no internal error, no traceback."""
    r = subprocess.run([sys.executable, "-m", "nixeval", *args], capture_output=True,
                       text=True, cwd=ROOT, timeout=timeout, preexec_fn=limit_child_memory)
    for stream in (r.stdout, r.stderr):
        assert "internal error" not in stream
        assert "Traceback" not in stream
    return r


def lib_params() -> list:
    """The embedded lib and each nixpkgs lib of NIXEVAL_TREE_LIBS (directories
    holding lib/), as test parameters named after their directories."""
    out = [pytest.param(ROOT / "nixeval" / "lib", id="embedded")]
    for p in os.environ.get("NIXEVAL_TREE_LIBS", "").split(":"):
        if p:
            out.append(pytest.param(Path(p) / "lib", id=Path(p).name))
    return out


def evaluate_as_cli(text: str, name: str = "«string»", base: str = "/",
                    search_path: list[str] | None = None) -> tuple[str, ...]:
    """A text's value as ``--eval --strict`` prints it, or its error's text,
    without and with --show-trace, each in a fresh state, evaluated as the
    command line runs an evaluation (a thread with a large stack, a high
    recursion limit)."""
    import threading

    from nixeval.eval.errors import NixError, evaluation_limits
    from nixeval.eval.printer import show_value
    from nixeval.eval.state import EvalState
    from nixeval.syntax import Source

    results: list[str] = []

    def body() -> None:
        for show_trace in (False, True):
            state = EvalState(search_path or [])
            state.show_trace = show_trace
            try:
                with evaluation_limits():
                    v = state.eval_source(Source(name, text), base)
                    results.append("value: " + show_value(v, strict=True))
            except NixError as e:
                results.append("error: " + e.render(show_trace))

    limit, size = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(100_000)
    threading.stack_size(512 * 1024 * 1024)
    try:
        worker = threading.Thread(target=body)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(size)
        sys.setrecursionlimit(limit)
    assert len(results) == 2, "the evaluation raised something other than a Nix error"
    return tuple(results)


def lang_eval_files() -> list[Path]:
    """Nix's language suite's eval-okay and eval-fail files that take no flags."""
    if not NIX_LANG_TESTS.is_dir():
        return []
    return [p for p in sorted(NIX_LANG_TESTS.glob("eval-*.nix"))
            if not p.with_suffix(".flags").exists()]


needs_lang_tests = pytest.mark.skipif(
    not NIX_LANG_TESTS.is_dir(),
    reason=f"Nix's language tests not found at {NIX_LANG_TESTS} (NIX_LANG_TESTS)")


def lang_case(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A language-suite file set up as Nix's lang.sh runs it: its text and
    ``evaluate_as_cli``'s other arguments."""
    monkeypatch.chdir(NIX_LANG_TESTS.parent)
    monkeypatch.setenv("TEST_VAR", "foo")
    monkeypatch.setenv("HOME", "/fake-home")
    return {"text": path.read_bytes().decode("utf-8", "surrogateescape"), "name": str(path),
            "base": str(path.parent),
            "search_path": [os.fspath(NIX_LANG_TESTS / d) for d in ("dir3", "dir4")]}
