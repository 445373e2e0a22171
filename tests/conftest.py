from __future__ import annotations

import os
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
