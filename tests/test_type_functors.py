"""Type functors and type merging, natively exactly as each lib's own
``types.nix`` builds them: ``functor`` (its names, ``wrapped``, ``payload``),
``typeMerge`` of two declarations of one option, descriptions, and the
warnings and errors on the way. Libs up to 2024 give compound types
``wrapped = elemType`` and no payload, libs of 2025 move them one by one to
``payload.elemType`` (``wrapped`` then warns), and libs of 2026 drop
``wrapped``; each probe is evaluated with the module system bound
(``NIXEVAL_MODULES=native``) and with the lib's own code (``interpreted``),
and status, value, warnings and error message must be the same, on the
embedded lib and on every nixpkgs lib of NIXEVAL_TREE_LIBS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import lib_params, run_nixeval

from nixeval.modules import features

# our own helpers: a type or functor shown as data (functions as "<fn>")
HELPERS = """
lib: let
  inherit (lib) types mkOption;
  t = types;
  show = depth: x:
    if builtins.isFunction x then "<fn>"
    else if builtins.isList x then map (show depth) x
    else if builtins.isAttrs x then
      (if x ? _type && x._type == "option-type" then "type ${x.name}: ${x.description}"
       else if depth == 0 then builtins.attrNames x
       else builtins.mapAttrs (_: show (depth - 1)) x)
    else x;
  functorOf = ty: show 2 (builtins.removeAttrs ty.functor [ "wrapped" ]);
  wrappedOf = ty: if ty.functor ? wrapped then show 1 ty.functor.wrapped else "absent";
  merged = a: b: let m = a.typeMerge b.functor; in if m == null then null else show 1 m;
  declared = types: defs: lib.evalModules {
    modules = map (ty: { options.o = mkOption { type = ty; }; }) types
      ++ map (d: { o = d; }) defs;
  };
  twice = a: b: defs: let ev = declared [ a b ] defs; in
    { type = show 1 ev.options.o.type; value = ev.config.o; };
  once = ty: defs: let
    ev = lib.evalModules { modules = [ { options.o = mkOption { type = ty; }; } ]
      ++ map (d: { o = d; }) defs; };
  in { type = show 1 ev.options.o.type; value = ev.config.o; };
  sub = name: t.submodule { options.${name} = mkOption { type = t.int; default = 1; }; };
  has = name: builtins.hasAttr name t;
in { inherit t show functorOf wrappedOf merged declared twice once sub has lib; }
"""

COMPOUND = [
    "t.listOf t.int", "t.attrsOf t.int", "t.lazyAttrsOf t.int", "t.nullOr t.int",
    "t.functionTo t.int", "t.uniq t.int", "t.unique { message = \"m\"; } t.int",
    "t.either t.int t.str", "t.oneOf [ t.int t.str t.bool ]", "t.coercedTo t.int toString t.str",
    "t.nonEmptyListOf t.int", "t.listOf (sub \"a\")", "t.attrsOf (t.listOf t.int)",
    "t.enum [ \"a\" 1 ]", "t.separatedString \",\"", "t.ints.between 0 3", "t.int", "t.str",
    "sub \"a\"", "t.deferredModule", "t.strMatching \"a.*\"", "t.addCheck t.int (x: x > 0)",
    "t.path", "t.pathInStore", "t.lines", "t.bool", "t.attrs",
]

PROBES = [p for ty in COMPOUND for p in (
    f"functorOf ({ty})",
    f"wrappedOf ({ty})",
    f"show 0 ({ty})",
    f"merged ({ty}) ({ty})",
)] + [
    # two declarations of one option, with wrapped types
    'twice (t.listOf (sub "a")) (t.listOf (sub "b")) [ [ { a = 2; } ] [ { b = 3; } ] ]',
    'twice (t.attrsOf (sub "a")) (t.attrsOf (sub "b")) [ { x.a = 2; } { x.b = 3; } ]',
    'twice (t.lazyAttrsOf (sub "a")) (t.lazyAttrsOf (sub "b")) [ { x.a = 2; } { y.b = 3; } ]',
    'twice (t.nullOr (sub "a")) (t.nullOr (sub "b")) [ { a = 2; } { b = 3; } ]',
    'twice (t.either (sub "a") t.int) (t.either (sub "b") t.int) [ { a = 2; } { b = 3; } ]',
    'twice (t.uniq (t.listOf t.int)) (t.uniq (t.listOf t.int)) [ [ 1 ] ]',
    'twice (t.functionTo (sub "a")) (t.functionTo (sub "b")) [ (x: { a = x; }) ]',
    'twice (t.listOf (t.attrsOf (sub "a"))) (t.listOf (t.attrsOf (sub "b"))) '
    '[ [ { x.a = 2; } ] [ { y.b = 3; } ] ]',
    'twice (t.coercedTo t.int toString t.str) (t.coercedTo t.int toString t.str) [ 1 ]',
    'twice (t.listOf t.int) (t.listOf t.str) [ ]',
    'twice (t.listOf t.int) (t.attrsOf t.int) [ ]',
    'twice (t.nullOr t.int) (t.nullOr t.int) [ 1 ]',
    'twice (t.enum [ "a" ]) (t.enum [ "b" ]) [ "b" ]',
    'twice (t.separatedString ",") (t.separatedString ",") [ "a" "b" ]',
    'twice (t.listOf t.int) (t.listOf t.int) [ [ 1 ] ]',
    'twice t.int t.int [ 1 ]',
    # an option's type's `wrapped`, as mergeOptionDecls leaves it
    'wrappedOf (declared [ (t.listOf (sub "a")) (t.listOf (sub "b")) ] [ ]).options.o.type',
    'wrappedOf (declared [ (t.attrsOf t.int) ] [ ]).options.o.type',
    'wrappedOf (declared [ (t.nullOr t.int) (t.nullOr t.int) ] [ ]).options.o.type',
    'wrappedOf (declared [ (t.coercedTo t.int toString t.str) ] [ ]).options.o.type',
    'wrappedOf (declared [ (t.either t.int t.str) ] [ ]).options.o.type',
    'functorOf (declared [ (t.listOf t.int) (t.listOf t.int) ] [ ]).options.o.type',
    'builtins.attrNames ((t.attrsOf (sub "a")).getSubOptions [ "p" ])',
    'if has "attrsWith" then functorOf (t.attrsWith { elemType = sub "a"; placeholder = "n"; })'
    ' else null',
    'if has "attrsWith" then twice (t.attrsWith { elemType = sub "a"; placeholder = "n"; }) '
    '(t.attrsOf (sub "b")) [ { x.a = 2; } ] else null',
    'if has "attrsWith" then twice (t.attrsWith { elemType = t.int; placeholder = "n"; }) '
    '(t.attrsWith { elemType = t.int; placeholder = "m"; }) [ ] else null',
    'if has "pathWith" then functorOf (t.pathWith { absolute = false; }) else null',
    'if has "pathWith" then twice (t.pathWith { absolute = true; }) t.path [ "/a" ] else null',
    # a functor's `wrapped` read as code that predates payloads does
    "(t.listOf t.int).functor.wrapped.description",
    "(t.attrsOf t.int).functor.wrapped.name",
    "map (x: x.description) (t.either t.int t.str).functor.wrapped",
    "builtins.length (t.either t.int t.str).functor.wrapped",
    "(t.coercedTo t.int toString t.str).functor.wrapped.name",
    # a functor assembled as old code does, merged with a native type
    'merged (t.listOf t.int) (lib.mkOptionType { name = "listOf"; '
    'functor = lib.types.defaultFunctor "listOf" // { wrapped = t.int; }; })',
    'merged (t.listOf t.int) (lib.mkOptionType { name = "listOf"; '
    'functor = lib.types.defaultFunctor "listOf" // { payload = { elemType = t.int; }; }; })',
    'merged (lib.mkOptionType { name = "listOf"; functor = lib.types.defaultFunctor "listOf" '
    '// { wrapped = t.int; }; }) (t.listOf t.int)',
    'show 0 (lib.types.defaultTypeMerge (t.listOf t.int).functor (t.listOf t.int).functor)',
    "show 1 (lib.types.defaultFunctor \"x\")",
    '(lib.types.mergeTypes (t.listOf t.int) (t.listOf t.int)).description',
    '(t.listOf t.int).nestedTypes.elemType.description',
    # types with sub-modules are substituted (fixupOptionType), merged types used
    'once (t.nonEmptyListOf (sub "a")) [ [ { a = 2; } ] ]',
    'once (t.nonEmptyListOf (sub "a")) [ [ ] ]',
    'show 1 ((t.nonEmptyListOf (sub "a")).substSubModules [ ])',
    'show 1 ((t.uniq (sub "a")).substSubModules [ ])',
    'once (t.uniq t.int) [ 1 2 ]',
    'once (t.uniq (t.listOf t.int)) [ [ 1 ] ]',
    'once (t.unique { message = "only one"; } (t.listOf t.int)) [ [ 1 ] [ 2 ] ]',
    'once (t.unique { message = "only one"; } (t.listOf t.int)) [ [ 1 ] ]',
    'lib.mergeUniqueOption { message = "m"; merge = loc: defs: 1; } [ "o" ] '
    '[ { file = "f"; value = 2; } ]',
    'once (t.functionTo t.int) [ (x: 1) ] // { type = null; value = null; }',
    'let o = (once (t.functionTo t.int) [ ({ a, b ? 1 }: a) ]).value; '
    'in [ (lib.functionArgs o) (o { a = 2; }) ]',
    'let o = (once (t.functionTo (t.listOf t.int)) [ (x: [ 1 ]) (x: [ x ]) ]).value; in o 2',
    'once (t.attrsOf (sub "a")) [ { x = { }; } ]',
    'once (t.lazyAttrsOf (t.nullOr (sub "a"))) [ { x = null; } ]',
    'once (t.either (t.enum [ "a" ]) t.int) [ "a" ]',
    'once (t.either (t.enum [ "a" ]) t.int) [ true ]',
    'once (t.coercedTo t.int toString (t.listOf t.str)) [ [ "a" ] ]',
    'once t.path [ "/a" ]',
    'once t.path [ "a" ]',
    'once (t.strMatching "a.*") [ "b" ]',
    'twice (t.strMatching "a.*") (t.strMatching "a.*") [ "a" ]',
    'twice t.path t.path [ "/a" ]',
    'twice (t.separatedString ",") (t.separatedString ";") [ "a" ]',
    'twice (t.enum [ "a" ]) (t.enum [ "a" "b" ]) [ "b" ]',
    'twice (t.either t.int t.str) (t.either t.int t.bool) [ 1 ]',
    'twice (t.either t.int t.str) (t.int) [ 1 ]',
    'twice (t.functionTo t.int) (t.functionTo t.str) [ ]',
    'twice (t.unique { message = "a"; } t.int) (t.unique { message = "b"; } t.int) [ 1 ]',
    'twice (t.attrsOf t.int) (t.lazyAttrsOf t.int) [ ]',
    'twice (sub "a") (sub "b") [ { a = 2; b = 3; } ]',
    'twice t.deferredModule t.deferredModule [ { } ]',
]

# where an error is, and the lines of code shown there
POSITION = re.compile(r"at .*:\d+:\d+:$|\d*\|")


def run(tmp_path: Path, lib: Path, probe: str, mode: str) -> tuple[int, str, str, str]:
    """Exit status, printed value, warnings and error message (trace frames
    left out: lib's own code makes frames the native code does not)."""
    (tmp_path / "helpers.nix").write_text(HELPERS)
    expr = (f"let h = import ./helpers.nix (import {lib}); in with h; {probe}")
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E", expr, cwd=tmp_path,
                    env={"NIXEVAL_MODULES": mode})
    # what is printed before the error: traces and warnings
    first = re.search(r"^error:", r.stderr, re.M)
    before = r.stderr[:first.start()] if first else r.stderr
    warnings = [line for line in before.splitlines() if line.strip()]
    error = r.stderr[r.stderr.rfind("error: "):] if "error: " in r.stderr else ""
    lines = [line.strip() for line in error.splitlines()]
    message = "\n".join(line for line in lines if not POSITION.match(line)).strip()
    return (r.returncode, r.stdout, "\n".join(warnings),
            message.replace(str(tmp_path), "TMP"))


@pytest.mark.parametrize("lib", lib_params())
@pytest.mark.parametrize("probe", PROBES)
def test_as_the_libs_own_code(tmp_path: Path, lib: Path, probe: str) -> None:
    assert run(tmp_path, lib, probe, "native") == run(tmp_path, lib, probe, "interpreted")


@pytest.mark.parametrize("lib", lib_params())
def test_a_wrapped_functor_where_the_lib_has_one(tmp_path: Path, lib: Path) -> None:
    # the comparison above says something about 2024's shapes where the lib has them
    wraps = "listOf" in features.of(str(lib)).wrapped_functors
    status, out, _, _ = run(tmp_path, lib, "functorOf (t.listOf t.int)", "native")
    assert status == 0 and ('"payload":null' in out) == wraps, out
    status, out, _, _ = run(tmp_path, lib, "wrappedOf (t.listOf t.int)", "native")
    assert status == 0 and (out == '"type int: signed integer"\n') == (
        wraps or features.of(str(lib)).functor_wrapped_warns), out


def test_wrapped_functors_are_read_from_the_types_definitions(tmp_path: Path) -> None:
    (tmp_path / "types.nix").write_text(
        "{ lib }: rec {\n"
        "  types = {\n"
        "    listOf = elemType: mkOptionType rec {\n"
        "      name = \"listOf\";\n"
        "      functor = (defaultFunctor name) // { wrapped = elemType; };\n"
        "    };\n"
        "    nullOr = elemType: mkOptionType rec {\n"
        "      functor = elemTypeFunctor name { inherit elemType; };\n"
        "    };\n"
        "    unique = { message }: type: mkOptionType rec {\n"
        "      functor = (defaultFunctor name) // {\n"
        "        wrapped = type;\n"
        "      };\n"
        "    };\n"
        "    strMatching = pattern: mkOptionType {\n"
        "      name = \"strMatching ${escapeNixString pattern}\";\n"
        "    };\n"
        "  };\n"
        "}\n")
    found = features.of(str(tmp_path))
    assert found.wrapped_functors == {"listOf", "nonEmptyListOf", "unique", "uniq"}
    assert found.str_matching_default_functor and not found.paths_without_path_with
    assert found.non_empty_list_of_list_subst is False  # the lib has no nonEmptyListOf
