"""Re-linting after an edit on real trees (home-manager, nix-darwin, with the
first lib of NIXEVAL_TREE_LIBS and the stub package set of
benchmarks/realtrees, opened as benchmarks/session.py opens them; whole
nixpkgs releases 16.09, 17.03 and 18.03, whose libs' own module systems run
with native inner functions, with benchmarks/session.py's server
configuration, plain and as its VM variant): after each edit of the
configuration, the live session's lint equals a cold session's (whatever was
reused: after a type error, say, the lint may start afresh), and the first
edit, of one value, reuses most of the last lint. Skipped, saying why, where
the trees are not there (benchmarks/realtrees/README.md)."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import session as bench

# what each edit writes in place of the EDITOR line: other values, a type
# error, one more definition
EDITS = {
    "home-manager": ['EDITOR = "nano";', 'EDITOR = "emacs";', "EDITOR = 3;",
                     'EDITOR = "vim"; PAGERX = "more";'],
    "nix-darwin": ['EDITOR = "nano";', 'EDITOR = "emacs";', "EDITOR = [ 3 ];",
                   'EDITOR = "vim"; LESS = "-R";'],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EDITS))
def test_relint_after_edits_equals_cold_lint_on_a_real_tree(tmp_path: Path, name: str):
    subject = bench.module_tree(name, tmp_path)
    if isinstance(subject, str):
        pytest.skip(f"{name}: {subject} (benchmarks/realtrees/README.md)")
    edits = EDITS[name]

    def findings(s: bench.api.Session) -> list:
        return [f.to_json() for f in s.lint()]

    subject.config.write_text(subject.text.replace('EDITOR = "HOST";', 'EDITOR = "vim";'))
    rng = random.Random(0)
    with subject.open() as live:
        findings(live)
        for n, edit in enumerate([edits[0], *rng.sample(edits, len(edits)), edits[0]]):
            edited = subject.text.replace('EDITOR = "HOST";', edit)
            live.set_overlay(subject.config, edited)
            found = findings(live)
            with subject.open() as cold:
                cold.set_overlay(subject.config, edited)
                assert found == findings(cold), edit
            if n == 0:  # a value edited in place: most steps are reused
                assert live.lint_steps_reused > 100


# nixpkgs releases: the line setting the host name, edited: other values, a
# priority, a type error, a definition more, a name no option declares, the
# same attribute twice (a syntax error), a definition qemu-vm.nix makes too
NIXPKGS_TREES = {"nixpkgs-1609": "NIXEVAL_TREE_NIXPKGS_1609",
                 "nixpkgs-1703": "NIXEVAL_TREE_NIXPKGS_1703",
                 "nixpkgs-1803": "NIXEVAL_TREE_NIXPKGS_1803"}
HOST_LINE = 'networking.hostName = "HOST";'
NIXPKGS_EDITS = ['networking.hostName = "web2";', 'networking.hostName = lib.mkForce "web3";',
                 "networking.hostName = 5;",
                 'networking.hostName = "web4"; services.nginx.enable = true;',
                 'networking.hostName = "web5"; services.nosuch.enable = true;',
                 'networking.hostName = "web6"; services.openssh.enable = false;',
                 'networking.hostName = "web7"; virtualisation.memorySize = 2048;']


@pytest.mark.slow
@pytest.mark.parametrize("vm", [False, True], ids=["system", "vm"])
@pytest.mark.parametrize("name", sorted(NIXPKGS_TREES))
def test_relint_after_edits_equals_cold_lint_on_a_nixpkgs_release(tmp_path: Path, name: str,
                                                                    vm: bool):
    tree = os.environ.get(NIXPKGS_TREES[name])
    if not tree or not os.path.isdir(tree):
        pytest.skip(f"{name}: {NIXPKGS_TREES[name]} is not set (benchmarks/realtrees/README.md)")
    config = tmp_path / "server.nix"
    assert HOST_LINE in bench.SERVER
    config.write_text(bench.SERVER.replace("HOST", "web1"))

    def findings(s: bench.api.Session) -> list:
        return [f.to_json() for f in s.lint()]

    rng = random.Random(0)
    with bench.api.open_nixos(config, nixpkgs=tree, vm=vm) as live:
        findings(live)
        for n, edit in enumerate([NIXPKGS_EDITS[0], *rng.sample(NIXPKGS_EDITS, 4),
                                  NIXPKGS_EDITS[0]]):
            edited = bench.SERVER.replace(HOST_LINE, edit)
            live.set_overlay(config, edited)
            found = findings(live)
            with bench.api.open_nixos(config, nixpkgs=tree, vm=vm) as cold:
                cold.set_overlay(config, edited)
                assert found == findings(cold), edit
            if n == 0:  # a value edited in place: most steps are reused
                assert live.lint_steps_reused > 5
