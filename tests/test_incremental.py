"""A session evaluates again after a change, in the evaluator it kept: what
cannot depend on the changed files is reused, and every answer equals a cold
session's. A property test applies random edit sequences (through overlays
and on disk) to a module tree and compares every answer with a fresh
session's after each edit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixeval import api

ENTRY = """let lib = import <nixeval/lib>; in
lib.evalModules { modules = [ ./options.nix ./a.nix ./b.nix ]; }
"""

OPTIONS = """{ lib, ... }:
let inherit (lib) mkOption types; in {
  options = {
    n = mkOption { type = types.int; default = 1; };
    s = mkOption { type = types.str; default = "none"; };
    mode = mkOption { type = types.enum [ "fast" "slow" ]; default = "slow"; };
    ports = mkOption { type = types.listOf types.port; default = [ ]; };
    users = mkOption {
      default = { };
      type = types.attrsOf (types.submodule {
        options.home = mkOption { type = types.str; default = "/home"; };
      });
    };
  };
}
"""

# Each file's variants: ordinary edits, a syntax error, a type error, a
# conflict, an import of a file that may not exist, the file gone.
VARIANTS: dict[str, list[str | None]] = {
    "a.nix": [
        "{ lib, ... }: let h = import ./helper.nix; in { n = h.double 3; }",
        "{ lib, ... }: let h = import ./helper.nix; in { n = h.double 4; mode = \"fast\"; }",
        "{ lib, ... }: { n = lib.mkDefault 7; imports = [ ./c.nix ]; }",
        "{ lib, ... }: { n = \"seven\"; }",
        "{ lib, ... }: { n = 2; mode = \"medium\"; }",
        "{ lib, ... }: { n = 2 }",
        "{ config, ... }: { s = \"n is ${toString config.n}\"; n = 5; }",
        None,
    ],
    "b.nix": [
        "{ config, ... }: { ports = [ 22 (config.n + 80) ]; }",
        "{ config, ... }: { ports = [ 22 ]; users.alice.home = \"/srv/${config.s}\"; }",
        "{ ... }: { ports = [ 70000 ]; }",
        "{ ... }: { n = 9; }",
        "{ lib, ... }: { s = lib.mkForce \"forced\"; users.bob = { }; }",
        "{ ... }: { typo = 1; }",
    ],
    "helper.nix": [
        "let k = 2; in { double = x: x * k; }",
        "let k = 3; in { double = x: x * k; }",
        "{ double = x: x + x + 1; }",
        "{ double = x: x; ",
        None,
    ],
    "c.nix": [
        "{ ... }: { s = \"from c\"; }",
        "{ config, ... }: { users.carol.home = \"/c/${toString config.n}\"; }",
        None,
    ],
}
INITIAL = {"a.nix": 0, "b.nix": 0, "helper.nix": 0, "c.nix": 0}
OPTION_PATHS = ["n", "s", "mode", "ports", "users", "users.alice.home", "users.carol.home"]


def write_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "default.nix").write_text(ENTRY)
    (root / "options.nix").write_text(OPTIONS)
    for name, index in INITIAL.items():
        put(root / name, VARIANTS[name][index])


def put(path: Path, text: str | None) -> None:
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(text)


def outcome(fn: Any) -> Any:
    """An answer as data, or the error it ends in (its kind and text)."""
    try:
        result = fn()
    except api.ApiError as e:
        return ("error", type(e).__name__, str(e))
    if isinstance(result, list):
        return [r.to_json() if hasattr(r, "to_json") else r for r in result]
    return result.to_json() if hasattr(result, "to_json") else result


def answers(session: api.Session) -> dict[str, Any]:
    out: dict[str, Any] = {"names": outcome(session.option_names)}
    for path in OPTION_PATHS:
        out[f"option {path}"] = outcome(lambda p=path: session.option(p))
        out[f"value {path}"] = outcome(lambda p=path: session.value(p))
    out["lint"] = outcome(session.lint)
    return out


def cold_answers(root: Path, overlays: dict[str, str]) -> dict[str, Any]:
    with api.open_modules(file=root / "default.nix") as cold:
        for path, text in overlays.items():
            cold.set_overlay(path, text)
        return answers(cold)


edits = st.lists(
    st.tuples(st.sampled_from(sorted(VARIANTS)), st.integers(0, 7),
              st.sampled_from(["overlay", "disk", "clear"])),
    min_size=1, max_size=5)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits)
def test_answers_after_random_edits_equal_cold_ones(tmp_path: Path, steps: list) -> None:
    root = tmp_path / f"tree{len(list(tmp_path.iterdir()))}"
    write_tree(root)
    overlays: dict[str, str] = {}
    with api.open_modules(file=root / "default.nix") as live:
        answers(live)  # evaluated once before any edit
        for name, pick, how in steps:
            path = str(root / name)
            text = VARIANTS[name][pick % len(VARIANTS[name])]
            if how == "overlay" and text is not None:
                overlays[path] = text
                live.set_overlay(path, text)
            elif how == "clear" and path in overlays:
                del overlays[path]
                live.clear_overlay(path)
            else:
                put(Path(path), text)
                live.files_changed([path])
            assert answers(live) == cold_answers(root, overlays), (name, pick, how)


# what is kept, and when nothing is evaluated again ------------------------------

def imports_of(session: api.Session) -> dict[str, Any]:
    return dict(session.system.state._imports)


def test_an_edit_reuses_unchanged_functions_and_redoes_the_rest(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        assert session.value("ports") == [22, 86]
        before = imports_of(session)
        a, b, helper = (str(tmp_path / n) for n in ("a.nix", "b.nix", "helper.nix"))
        session.set_overlay(a, VARIANTS["a.nix"][1])
        assert session.value("ports") == [22, 88] and session.value("mode") == "fast"
        after = imports_of(session)
        assert session.evaluations == 2
        # b.nix is a function of nothing but its argument: the same value
        assert after[b] is before[b]
        # the edited file, and a set (which might hold values of changed files), anew
        assert after[a] is not before[a] and after[helper] is not before[helper]


def test_no_evaluation_when_nothing_read_changed(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        assert session.value("n") == 6
        a = tmp_path / "a.nix"
        session.set_overlay(a, a.read_text())  # the same text as on disk
        (tmp_path / "unrelated.nix").write_text("{ }")
        session.files_changed([tmp_path / "unrelated.nix"])  # never read
        assert session.value("n") == 6 and session.evaluations == 1
        assert session.refresh() == []
        assert session.evaluations == 1


def test_refresh_finds_files_changed_on_disk(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        assert session.value("n") == 6
        put(tmp_path / "helper.nix", VARIANTS["helper.nix"][1])
        assert session.refresh() == [str(tmp_path / "helper.nix")]
        assert session.value("n") == 9 and session.evaluations == 2


def test_a_file_appearing_starts_afresh(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        a = str(tmp_path / "a.nix")
        session.set_overlay(a, VARIANTS["a.nix"][2])  # imports ./c.nix
        (tmp_path / "c.nix").unlink()
        session.files_changed([tmp_path / "c.nix"])
        with pytest.raises(api.EvalError, match=r"c\.nix"):
            session.value("s")
        state = session.system.state
        put(tmp_path / "c.nix", VARIANTS["c.nix"][0])
        session.files_changed([tmp_path / "c.nix"])
        assert session.value("s") == "from c"
        assert session.system.state is not state  # a new evaluator: its looks were stale


def test_a_syntax_error_and_its_fix(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        a = str(tmp_path / "a.nix")
        session.set_overlay(a, VARIANTS["a.nix"][5])
        with pytest.raises(api.EvalError) as e:
            session.value("n")
        assert e.value.position is not None and e.value.position.file == a
        session.set_overlay(a, VARIANTS["a.nix"][0].replace("3", "5"))
        assert session.value("n") == 10


def test_nixos_example_edit_in_a_live_session(tmp_path: Path):
    """The example NixOS tree: an edit of the configuration, answered as a
    fresh session answers it, the tree's module files kept."""
    config = tmp_path / "configuration.nix"
    shutil.copy(ROOT / "examples" / "configs" / "fixed.nix", config)
    text = config.read_text()
    assert '"web1"' in text
    with api.open_nixos(config, nixpkgs=ROOT / "examples") as live:
        assert live.value("networking.hostName") == "web1"
        kept = {p: v for p, v in imports_of(live).items() if p.endswith("sshd.nix")}
        live.set_overlay(config, text.replace('"web1"', '"web2"'))
        edited = live.lint()
        assert live.value("networking.hostName") == "web2"
        assert all(imports_of(live).get(p) is v for p, v in kept.items()) and kept
        config.write_text(text.replace('"web1"', '"web2"'))
        with api.open_nixos(config, nixpkgs=ROOT / "examples") as cold:
            assert [f.to_json() for f in edited] == [f.to_json() for f in cold.lint()]
            assert live.option("networking.hostName").to_json() == \
                cold.option("networking.hostName").to_json()


def test_collect_keeps_the_session_answering(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        for k in range(6):  # past the collection every few evaluations
            session.set_overlay(tmp_path / "a.nix", f"{{ ... }}: {{ n = {k}; }}")
            assert session.value("n") == k
        session.collect()
        assert session.value("n") == 5 and session.evaluations == 6
        assert os.path.exists(tmp_path / "a.nix")


def test_lint_again_with_nothing_changed_is_not_evaluated_again(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        session.set_overlay(tmp_path / "b.nix", VARIANTS["b.nix"][2])  # port 70000
        first = [f.to_json() for f in session.lint()]
        assert any("70000" in f["message"] for f in first)
        made = session.evaluations
        assert [f.to_json() for f in session.lint()] == first
        assert session.evaluations == made
        session.set_overlay(tmp_path / "b.nix", VARIANTS["b.nix"][0])
        assert [f.to_json() for f in session.lint()] == []
        assert session.evaluations == made + 1


def test_a_buffer_for_a_new_file_nothing_looked_at_changes_nothing(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as session:
        assert session.value("n") == 6
        session.set_overlay(tmp_path / "new.nix", "{ ... }: { n = 1; }")  # not on disk
        assert session.value("n") == 6 and session.evaluations == 1
        # once a module imports it, the buffer is what it reads
        session.set_overlay(tmp_path / "a.nix", "{ ... }: { imports = [ ./new.nix ]; }")
        assert session.value("n") == 1 and session.evaluations == 2
        session.clear_overlay(tmp_path / "new.nix")  # gone: evaluated again from nothing
        with pytest.raises(api.EvalError, match=r"new\.nix"):
            session.value("n")
