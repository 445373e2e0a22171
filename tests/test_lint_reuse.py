"""Re-linting in a live session reuses the steps of the last lint that the
edit cannot have changed (``nixeval.lint.incremental``): every lint after an
edit must equal a cold session's, whatever was reused. The edits here keep
the modules' structure (the case reuse is for) and change values that other
modules read: directly, through a value shared by two definitions (a
``let``), through the option tree (``options.<x>.isDefined``, a priority
that a condition decides, computed for another option first), inside a
submodule, and into type errors, conflicts, failed assertions and warnings;
and definitions of options that do not exist, written or made by a value."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixeval import api, readlog
from nixeval.eval.errors import NixError
from nixeval.eval.values import Thunk, tracking
from nixeval.lint.edits import changed_paths
from nixeval.lint.incremental import Changes, Unit
from nixeval.readlog import Span
from nixeval.syntax import Source

# `config' asked for before the result is given, as home-manager and NixOS
# do: lib's check of undeclared definitions is made with the evaluation
ENTRY = """let
  lib = import <nixeval/lib>;
  result = lib.evalModules { modules = [ ./options.nix ./a.nix ./b.nix ./c.nix ./d.nix ]; };
in builtins.seq result.config result
"""

OPTIONS = """{ lib, ... }:
let inherit (lib) mkOption types; in {
  options = {
    n = mkOption { type = types.int; default = 1; };
    s = mkOption { type = types.str; default = "none"; };
    flag = mkOption { type = types.bool; default = false; };
    mode = mkOption { type = types.enum [ "fast" "slow" ]; default = "slow"; };
    ports = mkOption { type = types.listOf types.port; default = [ ]; };
    derived = mkOption { type = types.str; };
    twice = mkOption { type = types.int; };
    big = mkOption { type = types.str; default = "no"; };
    homes = mkOption { type = types.listOf types.str; };
    w = mkOption { type = types.int; default = 0; };
    z = mkOption { type = types.listOf types.int; default = [ ]; };
    ids = mkOption { type = types.listOf types.int; };
    count = mkOption { type = types.int; };
    users = mkOption {
      default = { };
      type = types.attrsOf (types.submodule ({ config, ... }: {
        options.uid = mkOption { type = types.int; default = 1000; };
        options.home = mkOption { type = types.str; default = "/home/${toString config.uid}"; };
      }));
    };
    srv.port = mkOption { type = types.int; default = 0; };
    srv.name = mkOption { type = types.str; default = "srv"; };
    assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
  };
}
"""

# each file with slots, and what may fill each (some make findings)
TEMPLATES = {
    "a.nix": ("{ config, lib, ... }:\n{\n  n = {N};\n  s = {S};\n"
              "  users.alice.uid = {UID};\n  {EXTRA}\n}\n"),
    "b.nix": ("{ config, options, ... }:\n{\n  ports = [ 22 (config.n + {K}) ];\n"
              "  mode = {MODE};\n"
              "  assertions = [ { assertion = config.n < {M}; message = \"n is too big\"; } ];\n"
              "  warnings = if config.s == \"warn\" then [ \"s says warn\" ] else [ ];\n"
              "  flag = options.s.isDefined && {FLAG};\n"
              "  count = if options.big.highestPrio < 1000 then \"many\" else 1;\n"
              "  homes = map (u: u.home) (builtins.attrValues config.users);\n"
              "  ids = map (u: u.uid + config.n) (builtins.attrValues config.users);\n}\n"),
    "c.nix": ("{ config, lib, ... }:\nlet shared = config.n * {F}; in\n{\n"
              "  twice = shared;\n  derived = \"${toString shared}-{D}\";\n"
              "  users.bob.uid = {BOB};\n  big = lib.mkIf (config.n > 4) \"yes\";\n"
              # a set above options whose names a value decides
              "  srv = lib.optionalAttrs (config.n > {P}) { {SRV} };\n}\n"),
    # a let every definition sees, and the whole config under a condition
    "d.nix": ("{ config, lib, ... }:\nlet k = {KL}; in\n{\n  config = lib.mkIf ({COND}) {\n"
              "    w = k + {WV};\n    {ZDEF}\n  };\n}\n"),
}
SLOTS = {
    "N": ["3", "5", "60000", "lib.mkForce 4", "\"seven\""],
    "S": ["\"x\"", "\"warn\"", "lib.mkDefault \"y\"", "1"],
    "UID": ["1", "2", "config.n", "\"uid\""],
    "K": ["10", "80", "65600"],
    "MODE": ["\"fast\"", "\"slow\"", "\"medium\""],
    "M": ["100", "4"],
    "FLAG": ["true", "false"],
    "F": ["2", "3"],
    "D": ["a", "b"],
    "KL": ["1", "2", "config.n"],
    "COND": ["true", "config.flag", "config.n > 4"],
    "WV": ["1", "\"w\""],
    "ZDEF": ["", "z = [ 1 ];", "z = [ \"z\" ];", "twice = 3;"],
    "BOB": ["7", "config.n", "lib.mkForce 8"],
    # undeclared definitions, or not
    "EXTRA": ["", "nn = 1;", "users.carol.uid = 3;", "srv.nmae = \"typo\";"],
    "P": ["4", "100"],
    "SRV": ["port = 1;", "prot = 1;", "name = \"x\";"],
}
FILE_OF = {slot: name for name, text in TEMPLATES.items() for slot in SLOTS
           if "{" + slot + "}" in text}
FIRST = {slot: values[0] for slot, values in SLOTS.items()}


def render(name: str, filled: dict[str, str]) -> str:
    text = TEMPLATES[name]
    for slot, value in filled.items():
        text = text.replace("{" + slot + "}", value)
    return text


def write_tree(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "default.nix").write_text(ENTRY)
    (root / "options.nix").write_text(OPTIONS)
    for name in TEMPLATES:
        (root / name).write_text(render(name, FIRST))


def findings(session: api.Session) -> list:
    return [f.to_json() for f in session.lint()]


def cold_findings(root: Path, overlays: dict[str, str]) -> list:
    with api.open_modules(file=root / "default.nix") as cold:
        for path, text in overlays.items():
            cold.set_overlay(path, text)
        return findings(cold)


edits = st.lists(st.tuples(st.sampled_from(sorted(SLOTS)), st.integers(0, 4)),
                 min_size=1, max_size=6)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits)
def test_lint_after_value_edits_equals_cold_lint(tmp_path: Path, steps: list) -> None:
    root = tmp_path / f"tree{len(list(tmp_path.iterdir()))}"
    write_tree(root)
    filled = dict(FIRST)
    overlays: dict[str, str] = {}
    with api.open_modules(file=root / "default.nix") as live:
        findings(live)
        for slot, pick in steps:
            filled[slot] = SLOTS[slot][pick % len(SLOTS[slot])]
            name = FILE_OF[slot]
            overlays[str(root / name)] = render(name, filled)
            live.set_overlay(root / name, overlays[str(root / name)])
            assert findings(live) == cold_findings(root, overlays), (slot, filled[slot])


def test_a_value_edit_reuses_the_steps_it_cannot_change(tmp_path: Path):
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as live:
        assert findings(live) == []
        assert live.lint_steps_reused == 0  # nothing to reuse in the first
        filled = dict(FIRST, BOB="\"bob\"")
        c = tmp_path / "c.nix"
        live.set_overlay(c, render("c.nix", filled))
        found = findings(live)
        assert [f["option"] for f in found] == ["users.bob.uid"]
        assert found == cold_findings(tmp_path, {str(c): render("c.nix", filled)})
        # `n', `s', `mode', `ports', the rules, … were not computed again
        assert live.lint_steps_reused >= 5
        # an edit of what everything in c.nix sees (its let) reuses none of c's
        live.set_overlay(c, render("c.nix", dict(filled, F="3")))
        assert findings(live) == cold_findings(tmp_path, {str(c): render("c.nix",
                                                                          dict(filled, F="3"))})


def test_what_a_merge_kept_is_read_by_each_of_its_users(tmp_path: Path):
    """`big''s merge (its condition reads `n') is computed for `big' first;
    `count' reads its priority later, from what the merge kept: an edit of
    `n' must compute `count' again."""
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as live:
        assert findings(live) == []
        a = tmp_path / "a.nix"
        text = render("a.nix", dict(FIRST, N="5"))
        live.set_overlay(a, text)
        found = findings(live)
        assert [f["option"] for f in found] == ["count"]
        assert found == cold_findings(tmp_path, {str(a): text})
        assert live.lint_steps_reused > 0


def test_a_submodule_made_by_a_reused_step_is_the_one_a_computed_step_makes(tmp_path: Path):
    """`homes' (first) and `ids' read `users': the submodules of `users' are
    made by `homes' in a cold lint. After an edit of `n', `homes' is reused
    and `ids' (which reads `n') is computed, making them: they take the
    places `homes' made them at, and the lint goes on reusing."""
    write_tree(tmp_path)
    with api.open_modules(file=tmp_path / "default.nix") as live:
        assert findings(live) == []
        evaluations = live.evaluations
        a = tmp_path / "a.nix"
        text = render("a.nix", dict(FIRST, N="4"))
        live.set_overlay(a, text)
        assert findings(live) == cold_findings(tmp_path, {str(a): text})
        assert live.evaluations == evaluations + 1  # no second evaluation: reused
        assert live.lint_steps_reused > 0


def test_the_check_of_undeclared_definitions_is_the_last_one_while_names_stay(
        tmp_path: Path):
    """lib's check of undeclared definitions: a value edit gives the last
    lint's verdict; an edit defining a name no option has, or one changing
    a value the names defined depend on, makes it again (and finds them)."""
    write_tree(tmp_path)
    a, c = tmp_path / "a.nix", tmp_path / "c.nix"
    with api.open_modules(file=tmp_path / "default.nix") as live:
        assert findings(live) == []
        first = live._lint_trace.units[(0, "<check>")]
        text = render("a.nix", dict(FIRST, S="\"y\""))  # `s': no name depends on it
        live.set_overlay(a, text)
        assert findings(live) == cold_findings(tmp_path, {str(a): text})
        assert live._lint_trace.units[(0, "<check>")] is first  # reused
        # a name no option has
        typo = render("a.nix", dict(FIRST, S="\"y\"", EXTRA="srv.nmae = \"typo\";"))
        live.set_overlay(a, typo)
        found = findings(live)
        assert [f["option"] for f in found] == ["srv.nmae"]
        assert found == cold_findings(tmp_path, {str(a): typo})
        live.set_overlay(a, text)
        assert findings(live) == cold_findings(tmp_path, {str(a): text})
        # `srv''s names depend on `n': an edit of `n' alone makes one undeclared
        wrong = render("c.nix", dict(FIRST, SRV="prot = 1;"))
        live.set_overlay(c, wrong)
        overlays = {str(a): text, str(c): wrong}
        assert findings(live) == cold_findings(tmp_path, overlays) == []
        text = render("a.nix", dict(FIRST, N="5"))
        live.set_overlay(a, text)
        overlays[str(a)] = text
        found = findings(live)
        assert "srv.prot" in [f["option"] for f in found]
        assert found == cold_findings(tmp_path, overlays)


def _unit(log: list, start: int) -> Unit:
    return Unit(None, Span(log, start, len(log)) if len(log) > start else None, [], "", [])


def test_a_read_through_a_value_computed_before_is_not_missed():
    """A value shared by two computations (a module's ``let``) is computed
    by the first; the second uses it computed, and must still count what
    computing it read (and what a failure of it read)."""
    log: list = []
    with tracking(log):
        shared = Thunk(lambda env: (readlog.note(("n",)), 2)[1], None)
        failing = Thunk(lambda env: (readlog.note(("m",)), _raise())[1], None)
        first = Thunk(lambda env: shared.force() * 2, None)
        second = Thunk(lambda env: shared.force() + 1, None)
        assert first.force() == 4
        start = len(log)
        assert second.force() == 3
        second_unit = _unit(log, start)
        start = len(log)
        for _ in range(2):  # failed once, then the same failure: both read `m'
            with pytest.raises(NixError):
                failing.force()
            assert _unit(log, start).reads is not None
        again = _unit(log, start)
    assert shared.force() == 2 and second.force() == 3  # plain forcing after
    assert not Changes(frozenset(), {("n",)}).clean(second_unit)
    assert Changes(frozenset(), {("m",)}).clean(second_unit)
    # below a changed option is changed; beside or above it is not
    assert not Changes(frozenset(), {("n",)}).clean(_unit([("n", "x")], 0))
    assert Changes(frozenset(), {("n", "x")}).clean(_unit([("n",)], 0))
    assert not Changes(frozenset(), {("m",)}).clean(again)
    # a changed file read, or anything impure, is a change
    assert not Changes(frozenset({"/f.nix"}), set()).clean(_unit(["/f.nix"], 0))
    assert not Changes(frozenset(), set()).clean(_unit([readlog.IMPURE], 0))


def _raise() -> None:
    raise NixError("no", None)


# which definitions an edit changed, from the text alone ---------------------------

def _changed(before: str, after: str) -> set | None:
    # options a.b, a.c, d and e.f.g: () and a, e, e.f are above options
    prefixes = {(), ("a",), ("e",), ("e", "f")}
    return changed_paths(Source("/m.nix", before), Source("/m.nix", after), prefixes)


def test_an_edit_in_place_changes_that_definition_only():
    before = "{ lib, ... }:\n{\n  a.b = 1;\n  a.c = 2;\n  d = [ 1 ];\n}\n"
    assert _changed(before, before) == set()
    assert _changed(before, before.replace("a.c = 2", "a.c = 3")) == {("a", "c")}
    assert _changed(before, before.replace("[ 1 ]", "[ 2 ]")) == {("d",)}
    # a set written whole at an option path is that option's one definition
    nested = "{ ... }: {\n  a = { b = 1; c = 2; };\n  e.f = { g = { x = 1; }; };\n}\n"
    assert _changed(nested, nested.replace("c = 2", "c = 5")) == {("a", "c")}
    assert _changed(nested, nested.replace("x = 1", "x = 9")) == {("e", "f", "g")}


def test_what_moves_or_what_every_definition_sees_changes_more():
    before = "{ lib, ... }:\n{\n  a.b = 1;\n  a.c = 2;\n  d = 3;\n}\n"
    # a line more: every definition below it moved (its positions are others)
    moved = _changed(before, before.replace("a.b = 1;\n", "a.b = 1;\n  e.f.g = 0;\n"))
    assert moved == {("a", "c"), ("d",), ("e", "f", "g")}
    # the same line, later columns: that definition moved too
    line = "{ ... }: { a.b = 1; d = 3; }"
    assert _changed(line, line.replace("a.b = 1", "a.b = 10")) == {("a", "b"), ("d",)}
    # the function's arguments, a let, imports: what every definition sees
    assert _changed(before, before.replace("{ lib, ... }", "{ lib, pkgs, ... }")) is None
    with_let = "{ ... }: let x = 1; in { d = x; }"
    assert _changed(with_let, with_let.replace("x = 1", "x = 2")) is None
    imports = "{ ... }: { imports = [ ./a.nix ]; d = 1; }"
    assert _changed(imports, imports.replace("./a.nix", "./b.nix")) is None
    # a wrapper above options is one value for all below it
    wrapped = "{ lib, ... }: { config = lib.mkIf true { d = 1; a.b = 2; }; }"
    assert _changed(wrapped, wrapped.replace("d = 1", "d = 4")) == {()}
    # text that does not parse is not read
    assert _changed(before, before.replace("d = 3;", "d = 3")) is None


def test_a_definition_added_inside_a_wrapper_is_linted(tmp_path: Path):
    """A module's whole `config' under `mkIf': an edit inside it may define
    an option it did not define before."""
    (tmp_path / "default.nix").write_text(
        "let lib = import <nixeval/lib>; in\n"
        "lib.evalModules { modules = [ ./options.nix ./m.nix ./r.nix ]; }\n")
    (tmp_path / "options.nix").write_text(
        "{ lib, ... }: { options.q = lib.mkOption { type = lib.types.int; default = 1; };\n"
        "  options.p = lib.mkOption { type = lib.types.str; };\n"
        "  options.s = lib.mkOption { type = lib.types.str; }; }\n")
    m = tmp_path / "m.nix"
    m.write_text("{ lib, ... }: { config = lib.mkIf true { s = \"x\"; }; }\n")
    (tmp_path / "r.nix").write_text("{ config, ... }: { p = toString config.q; }\n")
    with api.open_modules(file=tmp_path / "default.nix") as live:
        assert findings(live) == []
        text = "{ lib, ... }: { config = lib.mkIf true { s = \"x\"; q = \"bad\"; }; }\n"
        live.set_overlay(m, text)
        found = findings(live)
        assert {f["option"] for f in found} == {"q"}
        assert found == cold_findings(tmp_path, {str(m): text})
