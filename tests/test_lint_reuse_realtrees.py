"""Re-linting after an edit on real trees (home-manager, nix-darwin, with the
first lib of NIXEVAL_TREE_LIBS and the stub package set of
benchmarks/realtrees): after each edit of the configuration, the live
session's lint equals a cold session's (whatever was reused: after a type
error, say, the lint may start afresh), and the first edit, of one value,
reuses most of the last lint. Skipped, saying why, where the trees are not
there (benchmarks/realtrees/README.md)."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks" / "realtrees"))
import realtrees

from nixeval import api

# each tree's variable, the line of its user.nix that is edited, and what
# each edit writes there: other values, a type error, one more definition
TREES = {
    "home-manager": ("NIXEVAL_TREE_HOME_MANAGER", 'EDITOR = "vim";',
                     ['EDITOR = "nano";', 'EDITOR = "emacs";', "EDITOR = 3;",
                      'EDITOR = "vim"; PAGERX = "more";']),
    "nix-darwin": ("NIXEVAL_TREE_NIX_DARWIN", 'EDITOR = "vim";',
                   ['EDITOR = "nano";', 'EDITOR = "emacs";', "EDITOR = [ 3 ];",
                    'EDITOR = "vim"; LESS = "-R";']),
}


def entry(name: str, tree: Path, config: Path) -> str:
    if name == "home-manager":
        return (f"import {tree}/modules {{ pkgs = import <nixpkgs> {{ system = "
                f"\"x86_64-linux\"; }}; configuration = {config}; }}")
    return (f"import {tree}/eval-config.nix {{ lib = import <realtrees-lib/lib>; "
            f"modules = [ {config} {{ nixpkgs.source = <nixpkgs>; "
            "nixpkgs.hostPlatform = \"aarch64-darwin\"; } ]; "
            "enableNixpkgsReleaseCheck = false; }")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TREES))
def test_relint_after_edits_equals_cold_lint_on_a_real_tree(tmp_path: Path, name: str):
    variable, line, edits = TREES[name]
    tree = os.environ.get(variable)
    if not tree or not os.path.isdir(tree):
        pytest.skip(f"{variable} is not set (benchmarks/realtrees/README.md)")
    libs = realtrees.configured_libs()
    if not libs:
        pytest.skip(f"{realtrees.LIBS_VARIABLE} names no nixpkgs lib")
    spec = next(t for t in realtrees.TREES if t.name == name)
    names = realtrees.write_package_names(spec, Path(tree), tmp_path)
    configs = realtrees.CONFIGS / name
    (tmp_path / "base.nix").write_text((configs / "base.nix").read_text())
    text = (configs / "user.nix").read_text()
    assert line in text
    config = tmp_path / "user.nix"
    config.write_text(text)
    include = [f"realtrees-lib={next(iter(libs.values()))}", f"realtrees-names={names}",
               f"nixpkgs={realtrees.STUB_NIXPKGS}"]

    def session() -> api.Session:
        return api.open_modules(entry(name, Path(tree), config), include=include,
                                base_dir=tmp_path, tree=tree)

    def findings(s: api.Session) -> list:
        return [f.to_json() for f in s.lint()]

    rng = random.Random(0)
    with session() as live:
        findings(live)
        for n, edit in enumerate([edits[0], *rng.sample(edits, len(edits)), edits[0]]):
            edited = text.replace(line, edit)
            live.set_overlay(config, edited)
            found = findings(live)
            with session() as cold:
                cold.set_overlay(config, edited)
                assert found == findings(cold), edit
            if n == 0:  # a value edited in place: most steps are reused
                assert live.lint_steps_reused > 100
