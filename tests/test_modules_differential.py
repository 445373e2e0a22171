"""The native module system against real ``nix-instantiate``, on module sets
covering the module system's features and error texts (``fixtures/modules``:
each file is a function of ``lib``). Both evaluate the same lib in Nix — the
embedded lib (``nixeval/lib``) always, nixpkgs' lib too when ``NIXPKGS_LIB`` names
one — nixeval binding its ``modules.nix`` to native code. Compared: exit
status, the value (JSON), the final error line, the ``trace:`` lines and lib's warnings."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, needs_nix, nix_instantiate, run_nixeval

CASES = sorted((FIXTURES / "modules").glob("*.nix"))
LIBS = [ROOT / "nixeval" / "lib"]
if os.environ.get("NIXPKGS_LIB"):
    LIBS.append(Path(os.environ["NIXPKGS_LIB"]))


def outcome(returncode: int, stdout: str, stderr: str) -> tuple:
    errors = [re.sub(r"^\s*error: ", "", line) for line in stderr.splitlines()
              if re.match(r"^\s*error: ", line)]
    # lib's warnings: Nix 2.8 prints them through `trace`, current Nix (and
    # nixeval) with `builtins.warn`; the text is what must agree
    traces = [line.removeprefix("trace: ") for line in stderr.splitlines()
              if line.startswith(("trace:", "evaluation warning:"))]
    return returncode, stdout.strip() if returncode == 0 else "", errors[-1:], traces


@needs_nix
@pytest.mark.parametrize("lib", LIBS, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_same_as_nix(case: Path, lib: Path) -> None:
    as_json = [] if "NOJSON" in case.read_text().splitlines()[0] else ["--json"]
    args = ["--eval", "--strict", *as_json, "-E", f"import {case} (import {lib})"]
    nix = subprocess.run([nix_instantiate, *args], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    ours = run_nixeval("instantiate", *args)
    assert outcome(ours.returncode, ours.stdout, ours.stderr) == \
        outcome(nix.returncode, nix.stdout, nix.stderr)
