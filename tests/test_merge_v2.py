"""The v2 merge protocol of newer libs (nixpkgs 2025-08 on: a type's
``merge.v2`` giving ``{ headError, value, valueMeta }``, an option's
``valueMeta``, the refusal of a ``type // { check }`` override), natively
exactly as the lib's own code: each probe evaluated with the module system
bound (``NIXEVAL_MODULES=native``) and with the lib's own code
(``interpreted``), values and error messages the same. Libs without v2 are
probed too: for them nothing may change (no ``valueMeta``, plain functions)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import lib_params, run_nixeval

# our own options: each kind of type that merges by v2, nested and combined
MODULE = """
lib: let
  inherit (lib) types mkOption;
  sub = types.submodule { options.port = mkOption { type = types.int; default = 80; }; };
  adhoc = types.attrsOf types.int // { check = _: true; };
  custom = lib.mkOptionType {
    name = "custom";
    check = { __functor = _: builtins.isInt; isV2MergeCoherent = true; };
    merge = {
      __functor = self: loc: defs: (self.v2 { inherit loc defs; }).value;
      v2 = { loc, defs }: {
        headError = null;
        value = builtins.length defs;
        valueMeta.count = builtins.length defs;
      } // lib.optionalAttrs (builtins.length defs > 2) { extra = true; };
    };
  };
in lib.evalModules { modules = [
  {
    options = {
      list = mkOption { type = types.listOf sub; };
      attrs = mkOption { type = types.attrsOf sub; };
      lazyAttrs = mkOption { type = types.lazyAttrsOf (types.listOf types.str); };
      plain = mkOption { type = types.str; default = "x"; };
      eitherSide = mkOption { type = types.either types.int (types.attrsOf types.int); };
      eitherMixed = mkOption { type = types.either types.int types.str; };
      coerced = mkOption { type = types.coercedTo types.int toString types.str; };
      coercedSet = mkOption {
        type = types.coercedTo (types.listOf types.int) (l: { n = l; })
          (types.attrsOf (types.listOf types.int));
      };
      nonEmpty = mkOption { type = types.nonEmptyListOf types.int; default = [ ]; };
      checked = mkOption { type = types.addCheck (types.attrsOf types.int) (v: v ? must); };
      between = mkOption { type = types.numbers.between 0 10; default = 11; };
      adhocInner = mkOption { type = types.attrsOf adhoc; };
      adhocEither = mkOption { type = types.either types.str adhoc; };
      adhocAdded = mkOption { type = types.addCheck adhoc (v: true); };
      custom = mkOption { type = custom; };
      customThree = mkOption { type = custom; };
    };
  }
  { list = [ { port = 1; } { } ]; attrs.a.port = 2; lazyAttrs.x = [ "y" ]; }
  { eitherSide.k = 1; eitherMixed = 1; coerced = 3; coercedSet = [ 1 ]; checked.no = 1; }
  { eitherMixed = "one"; adhocInner.a.b = 1; adhocEither.c = 2; adhocAdded.d = 3; }
  { custom = 1; customThree = lib.mkMerge [ 1 2 3 ]; }
]; }
"""

# values: one evaluation for them all
VALUES = """
let
  ev = import ./module.nix (import LIB);
  o = ev.options;
  meta = name: if o.${name} ? valueMeta then o.${name}.valueMeta else "none";
  names = v: if builtins.isAttrs v then builtins.attrNames v else v;
in {
  listPorts = map (m: m.configuration.config.port) (meta "list").list or [ ];
  attrsPort = (meta "attrs").attrs.a.configuration.options.port.value or null;
  lazyAttrs = names ((meta "lazyAttrs").attrs.x or null);
  plain = meta "plain";
  internal = (meta "attrs")._internal.type.description or null;
  eitherSide = names (meta "eitherSide");
  eitherMixed = (meta "eitherMixed").headError.message or null;
  checked = names (meta "checked");
  coerced = [ ev.config.coerced (names (meta "coerced")) ];
  coercedSet = [ ev.config.coercedSet (names (meta "coercedSet")) ];
  custom = [ ev.config.custom (names (meta "custom")) ];
  listMerge = builtins.isAttrs (lib.types.listOf lib.types.int).merge;
  checkIsSet = builtins.isAttrs (lib.types.attrsOf lib.types.int).check;
  callV2 = (((lib.types.listOf lib.types.int).merge.v2 or (_: { value = "no v2"; })) {
    loc = [ "here" ]; defs = [ { file = "f"; value = [ 1 2 ]; } ];
  }).value;
  callMerge = (lib.types.attrsOf lib.types.int).merge [ "here" ]
    [ { file = "f"; value.a = 1; } { file = "g"; value.b = 2; } ];
}
""".replace("lib.types", "(import LIB).types")

# what fails, each its own evaluation
ERRORS = [
    "ev.config.eitherMixed",
    "ev.config.checked",
    "ev.config.between",
    "ev.config.nonEmpty",
    "ev.config.adhocInner.a",
    "ev.config.adhocEither",
    "ev.config.adhocAdded",
    "ev.config.customThree",
    "let m = (lib.types.listOf lib.types.int).merge; in "
    'if builtins.isAttrs m then m.v2 { loc = [ ]; } else throw "no v2"',
]


# where an error is, and the lines of code shown there
POSITION = re.compile(r"at .*:\d+:\d+:$|\d*\|")


def has_v2(lib: Path) -> bool:
    return "isV2MergeCoherent" in (lib / "types.nix").read_text()


def outcome(tmp_path: Path, lib: Path, expr: str, mode: str) -> tuple[int, str, str]:
    """Exit status, printed value and error message (trace frames left out:
    lib's own code makes frames and positions the native code does not)."""
    (tmp_path / "module.nix").write_text(MODULE)
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E",
                    expr.replace("LIB", str(lib)), cwd=tmp_path,
                    env={"NIXEVAL_MODULES": mode})
    error = r.stderr[r.stderr.rfind("error: "):] if "error: " in r.stderr else r.stderr
    lines = [line.strip() for line in error.splitlines()]
    message = [line for line in lines if not POSITION.match(line)]
    return r.returncode, r.stdout, "\n".join(message).strip()


@pytest.mark.parametrize("lib", lib_params())
def test_values_and_value_meta_as_the_libs_own_code(tmp_path: Path, lib: Path) -> None:
    native = outcome(tmp_path, lib, VALUES, "native")
    assert native == outcome(tmp_path, lib, VALUES, "interpreted")
    assert native[0] == 0, native


@pytest.mark.parametrize("lib", lib_params())
@pytest.mark.parametrize("probe", ERRORS)
def test_errors_as_the_libs_own_code(tmp_path: Path, lib: Path, probe: str) -> None:
    expr = ("let lib = import LIB; ev = import ./module.nix lib; in "
            + probe.replace("lib.types", "(import LIB).types"))
    native = outcome(tmp_path, lib, expr, "native")
    assert native == outcome(tmp_path, lib, expr, "interpreted")
    assert native[0] != 0 or not has_v2(lib), native


V2_LIBS = [p for p in lib_params() if has_v2(p.values[0])] or [pytest.param(
    None, marks=pytest.mark.skip(
    reason="no lib with v2 merges in NIXEVAL_TREE_LIBS (nixpkgs from 2025-08 on, such as "
           "/work/trees/lib-de42; benchmarks/realtrees/README.md)"))]


@pytest.mark.parametrize("lib", V2_LIBS)
def test_a_v2_lib_is_probed(tmp_path: Path, lib: Path) -> None:
    # the comparisons above say something about v2 only where the lib has it
    status, out, _ = outcome(tmp_path, lib, VALUES, "native")
    assert status == 0
    assert '"listPorts":[1,80]' in out and '"plain":{}' in out, out
    _, _, error = outcome(tmp_path, lib, "let ev = import ./module.nix (import LIB); in "
                          "ev.config.adhocInner.a", "native")
    assert "uses\nan ad-hoc `type // { check = ...; }' override" in error, error
