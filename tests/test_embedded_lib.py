"""The embedded lib (``nixeval/lib``), reachable from Nix code as
``<nixeval/lib>`` without nixpkgs: module sets evaluate with nothing else
installed, through the native module system."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_nixeval

MODULES = """
let lib = import <nixeval/lib>; in
(lib.evalModules { modules = [
  { options.xs = lib.mkOption { type = lib.types.listOf lib.types.int; };
    options.port = lib.mkOption { type = lib.types.port; default = 80; };
    config.xs = lib.mkMerge [ [ 1 ] (lib.mkBefore [ 0 ]) ]; }
  { xs = lib.mkAfter [ 2 ]; port = lib.mkForce 8080; }
]; }).config
"""


def test_found_without_nixpkgs(tmp_path: Path) -> None:
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E", MODULES,
                    cwd=tmp_path, env={"NIX_PATH": ""})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"xs": [0, 1, 2], "port": 8080}


def test_type_errors_are_lib_texts(tmp_path: Path) -> None:
    expr = MODULES.replace("lib.mkForce 8080", "lib.mkForce 70000")
    r = run_nixeval("instantiate", "--eval", "--strict", "-E", expr, cwd=tmp_path,
                    env={"NIX_PATH": ""})
    assert r.returncode == 1
    assert "A definition for option `port' is not of type `16 bit unsigned integer; " \
        "between 0 and 65535 (both inclusive)'." in r.stderr


def test_search_path_comes_first(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "default.nix").write_text('"mine"')
    r = run_nixeval("instantiate", "--eval", "-E", "import <nixeval/lib>",
                    "-I", f"nixeval={tmp_path}", cwd=tmp_path, env={"NIX_PATH": ""})
    assert (r.returncode, r.stdout.strip()) == (0, '"mine"')


def test_only_the_lib_is_exposed(tmp_path: Path) -> None:
    r = run_nixeval("instantiate", "--eval", "-E", "<nixeval/cli>", cwd=tmp_path,
                    env={"NIX_PATH": ""})
    assert r.returncode == 1
    assert "file 'nixeval/cli' was not found in the Nix search path" in r.stderr


BAD_TYPE_USES = [
    'types.singleLineStr.merge ["x"] [ { file = "f"; value = 5; } ]',
    '(types.either types.int types.str).typeMerge { name = "either"; payload.elemType = [ ]; }',
    "(types.listOf 5).description",
    "(types.enum 5).description",
    'types.ints.between "a" 1',
    "types.oneOf 5",
    "(types.attrsWith 5).name",
    '(types.strMatching 5).check "x"',
    'types.str.merge [ "a" ] [ 5 ]',
    'types.anything.merge [ "a" ] [ ]',
    "mkOptionType { name = 1; foo = 2; }",
    "types.mergeTypes 1 2",
    "(types.deferredModuleWith { foo = 1; })",
    "(types.pathWith { inStore = 1; absolute = false; }).name",
    'types.attrs.merge [ "x" ] [ { file = "f"; value = 1; } ]',
    '(types.submoduleWith { modules = 5; }).merge [ "x" ] [ { file = "f"; value = { }; } ]',
]


def test_bad_uses_of_native_types_are_nix_errors(tmp_path: Path) -> None:
    # the native types meet whatever Nix code hands them: an error, as lib's
    # own code would give, never an internal one
    for expr in BAD_TYPE_USES:
        r = run_nixeval("instantiate", "--eval", "--strict", "-E",
                        f"with import <nixeval/lib>; {expr}", cwd=tmp_path, env={"NIX_PATH": ""})
        assert r.returncode == 1, expr
        assert "error: " in r.stderr and "internal error" not in r.stderr, (expr, r.stderr)
