"""Re-linting after an edit on real trees (home-manager, nix-darwin, with the
first lib of NIXEVAL_TREE_LIBS and the stub package set of
benchmarks/realtrees, opened as benchmarks/session.py opens them): after
each edit of the configuration, the live session's lint equals a cold
session's (whatever was reused: after a type error, say, the lint may start
afresh), and the first edit, of one value, reuses most of the last lint.
Skipped, saying why, where the trees are not there
(benchmarks/realtrees/README.md)."""

from __future__ import annotations

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
