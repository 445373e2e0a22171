"""nixeval against nix-instantiate on real module trees (benchmarks/realtrees).

One test per tree, lib, workload and nixeval module-system mode ("auto": as
users run nixeval, its own module system where proven for the lib, the lib's
code elsewhere; "interpreted": the lib's code always): nixeval must give Nix's
value, or Nix's final error message, for the same command line. Forcing the
native module system on a lib it is not proven for ("native") is what proving
a lib version means, not a promise: benchmarks/realtrees/run.py reports it. The trees are public
repositories extracted outside the project and found through NIXEVAL_TREE_*
variables (benchmarks/realtrees/README.md); without them, or without
nix-instantiate, each tree's test skips saying which.
Whole NixOS systems are marked `slow` (deselect with `-m "not slow"`).
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks" / "realtrees"))
import realtrees

TIMEOUT = 1800  # seconds per evaluation: a NixOS system takes nixeval tens of seconds
TESTED_MODES = ("auto", "interpreted")


def workload_params() -> list:
    if not realtrees.nix_available():
        return [pytest.param(None, None, id="realtrees", marks=pytest.mark.skip(
            reason="nix-instantiate not installed (apt-get install nix-bin)"))]
    found, skipped = realtrees.configured_trees()
    params = [pytest.param(None, None, id=line.split(":")[0], marks=pytest.mark.skip(reason=line))
              for line in skipped]
    if not realtrees.configured_libs():
        params += [pytest.param(None, None, id=tree.name, marks=pytest.mark.skip(
            reason=f"{tree.name}: skipped ({realtrees.LIBS_VARIABLE} is not set)"))
            for tree in found if tree.kind != "nixos"]
    if not found:
        return params
    work = Path(tempfile.mkdtemp(prefix="nixeval-realtrees-"))  # the stub's package names
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    for _, _, workload in realtrees.iter_workloads(work):
        params += [pytest.param(workload, mode, id=f"{workload.id}/{mode}",
                                marks=[pytest.mark.slow] if workload.slow else [])
                   for mode in TESTED_MODES]
    return params


@pytest.mark.parametrize(("workload", "mode"), workload_params())
def test_same_as_nix(workload: realtrees.Workload, mode: str) -> None:
    nix = realtrees.run_workload(workload, "nix", TIMEOUT)
    ours = realtrees.run_workload(workload, mode, TIMEOUT)
    verdict = realtrees.compare(nix, ours)
    assert verdict.same, "\n".join([f"{workload.id} ({mode}): {verdict.note}", *verdict.details,
                                    f"command: nix-instantiate {' '.join(workload.args)}"])


def test_final_error_drops_trace_frames() -> None:
    """Nix 2.8's one-block error and current Nix's framed one give the same message."""
    nix28 = ("error: attribute 'x' missing\n\n       at /a.nix:1:16:\n\n"
             "            1| let a = {}; in a.x\n             |                ^\n"
             "       Did you mean y?\n"
             "(use '--show-trace' to show detailed location information)\n")
    current = ("error:\n       … while evaluating the attribute 'x'\n         at /a.nix:1:16:\n"
               "            1| let a = {}; in a.x\n             |                ^\n\n"
               "       error: attribute 'x' missing\n       Did you mean y?\n")
    assert realtrees.final_error(nix28) == realtrees.final_error(current) == (
        "attribute 'x' missing\nDid you mean y?")


def test_comparison() -> None:
    """Floats agree to Nix 2.8's six digits, in values and in text; anything else differs."""
    def run(status: int, stdout: str = "", stderr: str = "") -> realtrees.Run:
        return realtrees.Run(status, stdout, stderr, 1.0, 1.0, 1.0)

    assert realtrees.compare(run(0, '{"a": 1.23457e+08}'), run(0, '{"a": 123456789.0}\n')).same
    assert realtrees.compare(run(0, '["0.3 x 5"]'), run(0, '["0.30000000000000004 x 5.0"]')).same
    assert not realtrees.compare(run(0, '{"a": [1, 2]}'), run(0, '{"a": [1, 3]}')).same
    assert not realtrees.compare(run(0, '{"a": 1}'), run(0, '{"a": "1"}')).same
    assert not realtrees.compare(run(0, "1"), run(1, stderr="error: boom")).same
    assert not realtrees.compare(run(1, stderr="error: a"), run(1, stderr="error: b")).same


def test_package_names(tmp_path: Path) -> None:
    """The stub's names: attribute paths read from pkgs, written as a Nix set."""
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "tool.nix").write_text(
        'pkgs.git pkgs.python3Packages.requests (mkPackageOption pkgs "jq" { })\n'
        'inherit (pkgs) curl wget; with pkgs; [ htop ]\n')
    names = realtrees.package_names(tmp_path)
    assert names == {"mod": {}, "tool": {}, "git": {}, "python3Packages": {"requests": {}},
                     "jq": {}, "curl": {}, "wget": {}, "htop": {}}
    assert realtrees.nix_attrset({"a": {"b": {}}}) == '{ "a" = { "b" = { }; }; }'
