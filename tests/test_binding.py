"""Binding a lib's module system to the native implementation: a lib is
recognised by what its files compute, bound only where the native code is
proven for it, and any other lib (or a project's own files that share the
names) runs its own code, as Nix would run it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, needs_nix, nix_instantiate, run_nixeval

from nixeval.modules import binding
from nixeval.modules.parts import PARTS
from nixeval.syntax import parse_text
from nixeval.syntax.fingerprint import fingerprint

EMBEDDED = ROOT / "nixeval" / "lib"


def both(expr: str, cwd: Path, env: dict[str, str] | None = None) -> tuple:
    """nixeval's and Nix's (status, stdout, last error line) for ``expr``."""
    args = ["--eval", "--strict", "-E", expr]
    ours = run_nixeval("instantiate", *args, cwd=cwd, env=env)
    nix = subprocess.run([nix_instantiate, *args], capture_output=True, text=True, cwd=cwd,
                         timeout=120)

    def outcome(p: subprocess.CompletedProcess[str]) -> tuple:
        errors = [line.strip() for line in p.stderr.splitlines() if "error:" in line]
        return p.returncode, p.stdout.strip(), errors[-1:]

    return outcome(ours), outcome(nix)


def copy_lib(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    shutil.copytree(EMBEDDED, lib)
    return lib


# fingerprints --------------------------------------------------------------
MODULES = """{ lib }:
let
  helper = x: x + 1;   # used by evalModules
  other = y: y;
in {
  evalModules = args: helper args;
  unrelated = other;
}
"""


def fp(text: str) -> str:
    return fingerprint(parse_text(text, "/lib/modules.nix"), ["evalModules"])


def test_fingerprint_ignores_layout_comments_and_unrelated_definitions() -> None:
    base = fp(MODULES)
    assert fp(MODULES.replace("  # used by evalModules", "")) == base
    assert fp(MODULES.replace("helper args", "helper\n      args")) == base
    assert fp(MODULES.replace("other = y: y;", "other = y: [ y ];")) == base
    assert fp(MODULES + "\n# a comment at the end\n") == base


def test_fingerprint_follows_what_the_definitions_use() -> None:
    base = fp(MODULES)
    assert fp(MODULES.replace("x + 1", "x + 2")) != base  # a helper it calls
    assert fp(MODULES.replace("helper args", "helper (helper args)")) != base
    # the same text in another scope means something else
    assert fp(MODULES.replace("helper = x:", "helper' = x:").replace(
        "helper args", "lib.helper args")) != base


def test_fingerprint_of_an_inherited_name_follows_its_source() -> None:
    text = "{ lib }: let s = { evalModules = 1; }; in { inherit (s) evalModules; }"
    assert fp(text) != fp(text.replace("evalModules = 1", "evalModules = 2"))


def test_embedded_lib_is_proven() -> None:
    fps = binding.lib_fingerprints(str(EMBEDDED))
    assert fps in binding.proven(), (
        "the embedded lib's module system changed: run the module tests and record its "
        "fingerprints in nixeval/modules/proven.json")


def test_fingerprints_cover_every_part() -> None:
    assert set(PARTS) == {"modules.nix", "options.nix", "types.nix"}
    assert len(binding.lib_fingerprints(str(EMBEDDED)) or ()) == 3


# which code runs -------------------------------------------------------------
def show(lib: Path, env: dict[str, str] | None = None) -> str:
    out = run_nixeval("instantiate", "--eval", "-E", f"(import {lib}).types.str.name",
                      env={"NIXEVAL_SHOW_MODULES": "1", **(env or {})})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '"str"'
    return out.stderr


def test_show_modules_says_which_ran(tmp_path: Path) -> None:
    assert f"module system of {EMBEDDED}: native (proven with" in show(EMBEDDED)
    assert ": interpreted (NIXEVAL_MODULES=interpreted)" in show(
        EMBEDDED, {"NIXEVAL_MODULES": "interpreted"})
    lib = copy_lib(tmp_path)
    modules = lib / "modules.nix"
    modules.write_text(modules.read_text().replace(
        "was accessed but has no value defined", "has no value, says this lib"))
    assert f"module system of {lib}: interpreted (the native implementation is not " \
        "proven" in show(lib)
    assert f"module system of {lib}: native (NIXEVAL_MODULES=native)" in show(
        lib, {"NIXEVAL_MODULES": "native"})


@needs_nix
def test_an_unproven_lib_runs_its_own_code(tmp_path: Path) -> None:
    lib = copy_lib(tmp_path)
    modules = lib / "modules.nix"
    text = modules.read_text()
    assert "was accessed but has no value defined" in text
    modules.write_text(text.replace("was accessed but has no value defined",
                                    "has no value, says this lib"))
    expr = ("let lib = import ./lib; in (lib.evalModules { modules = [ "
            "{ options.a = lib.mkOption { type = lib.types.int; }; } ]; }).config.a")
    ours, nix = both(expr, tmp_path)
    assert ours == nix
    assert "has no value, says this lib" in ours[2][0]


@needs_nix
def test_a_projects_own_files_are_not_taken_for_a_lib(tmp_path: Path) -> None:
    mylib = tmp_path / "mylib"
    mylib.mkdir()
    (mylib / "modules.nix").write_text("{ lib, self ? null }: { }\n")
    (mylib / "options.nix").write_text("{ lib }: { }\n")
    (mylib / "types.nix").write_text("{ lib }: { }\n")
    ours, nix = both("builtins.functionArgs (import ./mylib/modules.nix)", tmp_path)
    assert ours == nix
    ours, nix = both("import ./mylib/modules.nix { lib = {}; }", tmp_path)
    assert ours == nix


@needs_nix
@pytest.mark.parametrize("mode", ["auto", "native", "interpreted"])
def test_function_args_of_a_bound_file(mode: str) -> None:
    ours, nix = both(f"builtins.functionArgs (import {EMBEDDED}/modules.nix)", ROOT,
                     {"NIXEVAL_MODULES": mode})
    assert ours == nix


# what the native code gives, next to the lib's own ------------------------
LAZY_OPTION = ("let lib = import {lib}; ev = lib.evalModules {{ modules = [ {{ options.a = "
               "lib.mkOption {{ type = lib.types.str; default = throw \"boom\"; }}; }} ]; }}; "
               "in {expr}")


@needs_nix
@pytest.mark.parametrize("expr", [
    "ev.options.a.highestPrio",
    "builtins.tryEval ev.options.a.isDefined",
    "builtins.length ev.options.a.definitionsWithLocations",
    "builtins.tryEval ev.options.a.files",
    "builtins.tryEval ev.config.a",
])
def test_option_attributes_are_as_lazy_as_lib(expr: str) -> None:
    ours, nix = both(LAZY_OPTION.format(lib=EMBEDDED, expr=expr), ROOT,
                     {"NIXEVAL_MODULES": "native"})
    assert ours == nix


@needs_nix
@pytest.mark.parametrize("expr", [
    "(lib.evalModules { modules = []; }).options._module.args.description",
    "(lib.evalModules { modules = []; prefix = [ \"p\" ]; }).options._module.args.internal",
    "(lib.evalModules { modules = []; }).options._module.check.declarationPositions",
    "builtins.attrNames (lib.evalModules { modules = []; }).options._module",
])
def test_internal_module_is_the_libs_own(expr: str) -> None:
    ours, nix = both(f"let lib = import {EMBEDDED}; in {expr}", ROOT,
                     {"NIXEVAL_MODULES": "native"})
    assert ours == nix


# the same on nixpkgs' own libs, where given ------------------------------------
def real_libs() -> list:
    """The nixpkgs libs of NIXEVAL_TREE_LIBS (directories holding lib/)."""
    import os

    value = os.environ.get("NIXEVAL_TREE_LIBS", "")
    libs = [Path(p) / "lib" for p in value.split(":") if p]
    if not libs:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason="NIXEVAL_TREE_LIBS is not set (nixpkgs libs: benchmarks/realtrees/README.md)"))]
    return [pytest.param(lib, id=lib.parent.name) for lib in libs]


@needs_nix
@pytest.mark.parametrize("lib", real_libs())
@pytest.mark.parametrize("expr", [
    "(import LIB).types.str.name",
    "(import LIB).types.types.attrsOf.name or null",
    LAZY_OPTION.format(lib="LIB", expr="ev.options.a.highestPrio"),
    "((import LIB).evalModules { modules = []; }).options._module.args.description",
    "builtins.functionArgs (import LIB/modules.nix)",
])
def test_nixpkgs_libs_as_nix(lib: Path, expr: str) -> None:
    ours, nix = both(expr.replace("LIB", str(lib)), ROOT)
    assert ours == nix


@needs_nix
def test_native_asked_for_a_lib_lacking_what_it_calls_runs_the_libs_code(tmp_path: Path) -> None:
    # a lib from before options.showDefs existed (nixpkgs 18.03, say): named otherwise here
    lib = copy_lib(tmp_path)
    for f in lib.glob("*.nix"):
        f.write_text(f.read_text().replace("showDefs", "showDefinitions"))
    expr = ("let lib = import ./lib; in (lib.evalModules { modules = [ "
            "{ options.a = lib.mkOption { default = 1; }; } ]; }).config.a")
    env = {"NIXEVAL_MODULES": "native", "NIXEVAL_SHOW_MODULES": "1"}
    ours = run_nixeval("instantiate", "--eval", "--strict", "-E", expr, cwd=tmp_path, env=env)
    assert "lacks options.showDefs, which nixeval's module system calls; its own code runs" \
        in ours.stderr, ours.stderr
    assert both(expr, tmp_path, env)[0] == both(expr, tmp_path)[1] == (0, "1", [])
