"""The inner functions of 2016-2018 libs' module systems, native
(``modules/legacy.py``), exactly as each lib's own code computes them: each
probe is evaluated as users run nixeval (the lib's functions replaced where
its definitions are known ones) and with the lib's own code
(``NIXEVAL_MODULES=interpreted``); values and error messages must be the
same. The libs are those of the whole nixpkgs trees of
benchmarks/realtrees/README.md (16.09, 17.03, 17.09, 18.03); without them the tests
skip, saying which variable is unset."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import run_nixeval

# (17.09 is not among the real trees' workloads; its tree, or only its lib/, is
# found through its own variable)
TREES = {"nixpkgs-1609": "NIXEVAL_TREE_NIXPKGS_1609", "nixpkgs-1703": "NIXEVAL_TREE_NIXPKGS_1703",
         "nixpkgs-1709": "NIXEVAL_TREE_NIXPKGS_1709", "nixpkgs-1803": "NIXEVAL_TREE_NIXPKGS_1803"}


def lib_params() -> list:
    out = []
    for name, variable in TREES.items():
        tree = os.environ.get(variable)
        if tree and (Path(tree) / "lib" / "modules.nix").is_file():
            out.append(pytest.param(Path(tree) / "lib", id=name))
        else:
            out.append(pytest.param(None, id=name, marks=pytest.mark.skip(
                reason=f"{variable} is not set to a nixpkgs tree "
                "(benchmarks/realtrees/README.md)")))
    return out


MODULE = """
lib: extra: let
  inherit (lib) types mkOption;
in lib.evalModules { modules = [
  {
    options = {
      web.enable = mkOption { type = types.bool; default = false; };
      web.port = mkOption { type = types.int; default = 80; };
      web.ports = mkOption { type = types.listOf types.int; default = [ ]; };
      list = mkOption { type = types.listOf types.int; };
      name = mkOption { type = types.str; };
      one = mkOption { type = types.uniq types.int; };
      ro = mkOption { type = types.int; readOnly = true; default = 1; };
      applied = mkOption { type = types.int; default = 2; apply = x: x * 10; };
      lines = mkOption { type = types.lines; default = ""; };
      any = mkOption { type = types.unspecified; };
      users = mkOption {
        default = { };
        type = types.attrsOf (types.submodule ({ name, ... }: {
          options.uid = mkOption { type = types.int; };
          options.home = mkOption { type = types.str; default = "/home/${name}"; };
        }));
      };
    };
  }
] ++ extra; }
"""

PROBES = [
    "ev.config.web",
    "(ev' [ { web.enable = true; web.port = lib.mkForce 8080; } { web.port = 81; } ]).config.web",
    "(ev' [ { list = [ 1 ]; } { list = lib.mkBefore [ 0 ]; } { list = lib.mkAfter [ 9 ]; } ])"
    ".config.list",
    "(ev' [ { list = lib.mkMerge [ [ 1 ] (lib.mkIf false [ 2 ]) (lib.mkIf true [ 3 ]) ]; } ])"
    ".config.list",
    '(ev\' [ { config = lib.mkIf true { name = "x"; }; } ]).config.name',
    "(ev' [ { config = lib.mkIf false { web.port = 1; }; } ]).config.web.port",
    '(ev\' [ { web.port = "x"; } ]).config.web.port',
    "(ev' [ { one = 1; } { one = 2; } ]).config.one",
    "(ev' [ { web.enabel = true; } ]).config.web.port",
    "(ev' [ { nope = 1; } ]).config.web.port",
    "ev.config.list",
    "(ev' [ { ro = 2; } ]).config.ro",
    "(ev' [ { applied = 3; } ]).config.applied",
    "ev.config.applied",
    "with (ev' [ { web.port = lib.mkDefault 1; } { web.port = 2; } ]).options.web.port; "
    "{ inherit isDefined definitions files; }",
    "with (ev' [ { web.port = lib.mkDefault 1; } ]).options.web.port; "
    "{ inherit isDefined definitions files; }",
    "builtins.attrNames ev.options",
    "map (x: x.names) (ev' [ { web.port = 1; } { list = [ ]; } ]).options._definedNames",
    "map (x: x.names) (ev' [ { web.port = 1; } ]).options.web._definedNames",
    "(ev' [ { users.alice.uid = 1; } { users.bob = { uid = 2; home = \"/b\"; }; } ]).config.users",
    '(ev\' [ { users.alice.uid = "x"; } ]).config.users.alice.uid',
    "(ev' [ { users = lib.mkIf true { carol.uid = 3; }; } ]).config.users.carol",
    "(ev' [ { users.dave = lib.mkIf true { uid = 4; }; } ]).config.users.dave",
    '(ev\' [ { name = lib.mkIf "yes" "x"; } ]).config.name',
    '(ev\' [ { any = throw "never"; list = [ 1 ]; } ]).config.list',
    '(ev\' [ { list = [ (throw "elem") ]; } ]).options.list.isDefined',
    '(ev\' [ { list = lib.mkIf (throw "cond") [ ]; } ]).options.list.files',
    "(ev' [ { options.web.port.sub = lib.mkOption { }; } ]).config.web.port",
    "(ev' [ { config = lib.mkIf true 5; } ]).config.list",
    '(ev\' [ { name = lib.mkOverride "a" "x"; } { name = "y"; } ]).config.name',
    "(ev' [ { web.ports = lib.mkDefault [ 1 ]; } { web.ports = lib.mkOptionDefault [ 2 ]; } ])"
    ".config.web.ports",
    "(ev' [ ({ config, ... }: { name = config.name; }) ]).config.name",
    "(ev' [ ({ config, ... }: { web.port = if config.web.enable then 443 else 80; "
    "web.enable = true; }) ]).config.web.port",
    '(ev\' [ ({ options, ... }: { name = lib.mkIf options.web.port.isDefined "d"; }) ])'
    ".config.name",
    "(ev' [ { config = lib.mkIf true (lib.mkMerge [ { web.enable = true; } { web.port = 1; } ]); }"
    " ]).config.web",
    "(ev' [ { config = lib.mkForce { web.port = 5; }; } { web.port = 6; } ]).config.web.port",
    '(ev\' [ { lines = "a"; } { lines = lib.mkBefore "b"; } ]).config.lines',
    "(ev' [ ({ nosuch, ... }: { }) ]).config.web.port",
    "(ev' [ { web = 5; } ]).config.web.port",
    "(ev' [ { web = 5; } ]).config.list",
    "(ev' [ { web.port = lib.mkMerge 5; } ]).config.web.port",
    "(ev' [ { web.port = lib.mkOrder 1 2; } { web.port = 3; } ]).config.web.port",
    "ev.options.web.port.type.name",
    "(ev' [ { list = lib.mkIf true (lib.mkForce [ 7 ]); } { list = [ 8 ]; } ]).config.list",
    "(ev' [ { config.web.port = lib.mkIf true (lib.mkIf false 1); } ]).config.web.port",
    "builtins.length (ev' [ { users.a.uid = 1; } ]).options.users.definitions",
    # declarations merged (mergeOptionDecls) and old-style option sets (fixupOptionType)
    "(ev' [ { options.web.port = lib.mkOption { default = 1; }; } ]).config.web.port",
    "(ev' [ { options.name = lib.mkOption { type = lib.types.int; }; } ]).config.name",
    "(ev' [ { options.name = lib.mkOption { example = \"e\"; }; } { name = \"n\"; } ])"
    ".options.name.example",
    "builtins.length (ev' [ { options.name = lib.mkOption { }; } ]).options.name.declarations",
    "(ev' [ { options.users = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule "
    "{ options.shell = lib.mkOption { default = \"sh\"; }; }); }; } { users.x.uid = 1; } ])"
    ".config.users",
    "(ev' [ { options.users = lib.mkOption { type = lib.types.attrsOf lib.types.int; }; } ])"
    ".config.users",
    "ev.options.users.type.description",
    "(ev' [ { options.opts = lib.mkOption { default = { }; type = lib.types.attrsOf "
    "lib.types.optionSet; options = { a = lib.mkOption { default = 1; }; }; }; } "
    "{ options.opts = lib.mkOption { options = [ { b = lib.mkOption { default = 2; }; } "
    "({ name, ... }: { options.c = lib.mkOption { default = name; }; }) ]; }; } "
    "{ opts.x = { a = 3; }; opts.y = { }; } ]).config.opts",
    "(ev' [ { options.bad = lib.mkOption { type = lib.types.optionSet; }; } ]).config.bad",
    "(ev' [ { options.noopts = lib.mkOption { type = lib.types.attrsOf lib.types.optionSet; }; }"
    " { noopts.x = { }; } ]).config.noopts",
    "(ev' [ { options.sub = lib.mkOption { type = lib.types.nullOr lib.types.optionSet; "
    "options.v = lib.mkOption { default = 0; }; }; } { sub.v = 5; } ]).config.sub",
    # modules closed under imports (closeModules)
    "(ev' [ { imports = [ { web.port = 3; } ]; } ]).config.web.port",
    "(ev' [ { key = \"k\"; web.port = 1; } { key = \"k\"; web.port = 2; } ]).config.web.port",
    "(ev' [ { config.web.port = 1; foo = 2; } ]).config.web.port",
    "(ev' [ { require = [ { web.port = 4; } ]; } ]).config.web.port",
    "(ev' [ { _file = \"f.nix\"; web.port = \"x\"; } ]).config.web.port",
    "(ev' [ (builtins.toFile \"m.nix\" \"{ config, ... }: { web.port = 7; }\") ]).config.web.port",
    "(ev' [ { meta.x = 1; web.port = 2; } ]).config.web.port",
    "(ev' [ ({ foo, ... }: { web.port = foo; }) { _module.args.foo = 9; } ]).config.web.port",
    "(ev' [ { disabledModules = [ ]; web.port = 5; } ]).config.web.port",
    "(ev' [ { users.a = { imports = [ { uid = 5; } ]; }; } ]).config.users.a.uid",
    "(ev' [ 5 ]).config.web.port",
    "(ev' [ { imports = [ ({ lib, ... }: { key = \"x\"; web.enable = lib.mkForce true; }) ]; } ])"
    ".config.web.enable",
    "lib.closeModules [ ({ config, ... }: { }) ] { }",
    # evalModules' own arguments
    "(lib.evalModules { modules = [ { options.a = lib.mkOption { }; a = 1; } ]; "
    "prefix = [ \"p\" ]; }).config.a",
    "(lib.evalModules { modules = [ { options.a = lib.mkOption { }; b.c = 1; } ]; "
    "prefix = [ \"p\" ]; }).config.a",
    "(lib.evalModules { modules = [ { options.a = lib.mkOption { }; a = 1; b = 2; } ]; "
    "check = false; }).config",
    "(lib.evalModules { modules = [ { options.a = lib.mkOption { }; a = 1; b = 2; } "
    "{ _module.check = false; } ]; }).config.a",
    "(lib.evalModules { modules = [ ({ x, ... }: { options.a = lib.mkOption { default = x; }; })"
    " ]; specialArgs.x = 3; }).config.a",
    "(lib.evalModules { modules = [ ({ y, ... }: { options.a = lib.mkOption { default = y; }; })"
    " ]; args.y = 4; }).config.a",
    "lib.evalModules { modules = [ ]; nope = 1; }",
    "(lib.evalModules { }).config",
    "with (lib.evalModules { modules = [ ]; }).options._module; "
    "[ (map toString check.declarations) check.description args.internal check.value ]",
    "builtins.attrNames (lib.evalModules { modules = [ ]; }).config._module",
]

POSITION = re.compile(r"at .*:\d+:\d+:$|\d*\|")


def run(tmp_path: Path, lib: Path, probe: str, mode: str | None) -> tuple[int, str, str]:
    """Exit status, printed value, and the final error message with the
    place of the innermost ``throw`` (the trace's other frames left out: the
    native functions make fewer frames than lib's code)."""
    (tmp_path / "module.nix").write_text(MODULE)
    expr = f"let lib = import {lib}; ev' = import ./module.nix lib; ev = ev' [ ]; in {probe}"
    env = {"NIXEVAL_MODULES": mode} if mode else {}
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "--show-trace", "-E", expr,
                    cwd=tmp_path, env=env)
    error = r.stderr[r.stderr.rfind("error: "):] if "error: " in r.stderr else ""
    lines = [line.strip() for line in error.splitlines()]
    message = "\n".join(line for line in lines if not POSITION.match(line)).strip()
    if r.stderr.count("\u2026 while calling the 'throw' builtin"):  # where the lib throws
        frame = r.stderr[r.stderr.rfind("\u2026 while calling the 'throw' builtin"):]
        message += "\n" + frame.splitlines()[1].strip()
    return r.returncode, r.stdout, message.replace(str(tmp_path), "TMP")


@pytest.mark.parametrize("lib", lib_params())
@pytest.mark.parametrize("probe", PROBES)
def test_as_the_libs_own_code(tmp_path: Path, lib: Path, probe: str) -> None:
    ours = run(tmp_path, lib, probe, None)
    assert ours == run(tmp_path, lib, probe, "interpreted")


@pytest.mark.parametrize("lib", lib_params())
def test_bound_only_where_the_definitions_are_known(tmp_path: Path, lib: Path) -> None:
    probe = "(ev' [ { web.port = 1; } ]).config.web.port"
    shown = run_nixeval("instantiate", "--eval", "-E", f"(import {lib}).mkIf true 1",
                        env={"NIXEVAL_SHOW_MODULES": "1"})
    assert "its inner functions native" in shown.stderr, shown.stderr
    # the same lib with mergeDefinitions' text changed: its own code runs
    copy = tmp_path / "lib"
    shutil.copytree(lib, copy)
    modules = copy / "modules.nix"
    text = modules.read_text()
    assert "The option value `" in text
    modules.write_text(text.replace("The option value `", "The value of option `"))
    shown = run_nixeval("instantiate", "--eval", "-E", f"(import {copy}).mkIf true 1",
                        env={"NIXEVAL_SHOW_MODULES": "1"})
    assert "its inner functions native" not in shown.stderr, shown.stderr
    assert run(tmp_path, copy, probe, None)[:2] == (0, "1\n")
    error = run(tmp_path, copy, '(ev\' [ { web.port = "x"; } ]).config.web.port', None)[2]
    assert "The value of option `web.port'" in error, error
