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
