"""What newer libs' module systems do that older ones did not, natively
exactly as each lib's own code does it (``modules/features.py``): each probe
is evaluated with the module system bound (``NIXEVAL_MODULES=native``) and
with the lib's own code (``interpreted``); values and error messages must be
the same, on the embedded lib and on every nixpkgs lib of NIXEVAL_TREE_LIBS
(an old one keeps its behaviour, a new one has the feature)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import lib_params, run_nixeval

from nixeval.modules import features

# our own modules, one evaluation per probe
MODULE = """
lib: extra: let
  inherit (lib) types mkOption;
in lib.evalModules { modules = [
  {
    options = {
      services.web.enable = mkOption { type = types.bool; default = false; };
      services.web.port = mkOption { type = types.int; default = 80; };
      services.web.ports = mkOption { type = types.listOf types.int; default = [ ]; };
      list = mkOption { type = types.listOf types.int; };
      null = mkOption { type = types.nullOr types.int; };
      sub = mkOption { type = types.submodule { options.x = mkOption { default = 3; }; }; };
      free = mkOption { type = types.submodule { freeformType = types.attrsOf types.str; }; };
      closed = mkOption { type = types.submodule { }; default = { }; };
      any = mkOption { type = types.anything; };
      int = mkOption { type = types.int; };
    };
  }
  ./imported.nix
] ++ extra; }
"""
IMPORTED = "{ imports = [ { } ({ ... }: { }) ]; }"

PROBES = [
    # an option with no definition and no default: its type's emptyValue, or an error
    "ev.config.list",
    "ev.config.null",
    "ev.config.sub.x",
    # a submodule with a freeform type, described
    "ev.options.free.type.description",
    '(lib.types.separatedString "").description',
    # type functors with or without `wrapped`
    "ev.options.services.web.ports.type.functor ? wrapped",
    "ev.options.list.type.functor ? wrappedDeprecationMessage",
    # the modules collected, as they nest
    'map (g: { inherit (g) key disabled; n = builtins.length g.imports; }) (ev.graph or [ ])',
    # an undeclared option, with the declared ones nearest its name
    "(ev' [ { services.web.enabel = true; } ]).config.services.web.port",
    "(ev' [ { servic.web = { }; } ]).config.list",
    # a config that is not a set under mkIf
    "(ev' [ { config = lib.mkIf true true; } ]).config.list",
    # the `_prefix` module argument of a submodule
    "(ev' [ { closed = { _prefix, ... }: { }; } ]).config.closed",
    # a configuration imported as a module, in a submodule
    "(ev' [ { closed = { ... }: { imports = [ (lib.evalModules { modules = [ ]; }) ]; }; } ])"
    ".config.closed",
    # a value of another _type, a module of another class
    '(ev\' [ { imports = [ { _type = "flake"; } ]; } ]).config.list',
    '(lib.evalModules { class = "nixos"; modules = [ { _class = "darwin"; } ]; }).config',
    # an undefined option without an empty value; `anything` given lists
    "ev.config.int",
    "(ev' [ { any = [ 1 ]; } { any = [ 2 ]; } ]).config.any",
    "(ev' [ { any = [ 1 ]; } ]).config.any",
    # a configuration printed where a definition is shown
    "(ev' [ { closed = { imports = [ (lib.evalModules { modules = [ ]; }) ]; }; } ])"
    ".config.closed",
]

HINT = "if you get an infinite recursion here"
# where an error is, and the lines of code shown there
POSITION = re.compile(r"at .*:\d+:\d+:$|\d*\|")


def run(tmp_path: Path, lib: Path, probe: str, mode: str) -> tuple[int, str, str, bool]:
    """Exit status, printed value, error message (trace frames left out: lib's
    own code makes frames the native code does not) and whether the trace has
    lib's hint about recursions through ``config``."""
    (tmp_path / "module.nix").write_text(MODULE)
    (tmp_path / "imported.nix").write_text(IMPORTED)
    expr = (f"let lib = import {lib}; ev' = import ./module.nix lib; ev = ev' [ ]; in {probe}")
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E", expr, cwd=tmp_path,
                    env={"NIXEVAL_MODULES": mode})
    error = r.stderr[r.stderr.rfind("error: "):] if "error: " in r.stderr else r.stderr
    lines = [line.strip() for line in error.splitlines()]
    message = "\n".join(line for line in lines if not POSITION.match(line)).strip()
    return r.returncode, r.stdout, message.replace(str(tmp_path), "TMP"), HINT in r.stderr


@pytest.mark.parametrize("lib", lib_params())
@pytest.mark.parametrize("probe", PROBES)
def test_as_the_libs_own_code(tmp_path: Path, lib: Path, probe: str) -> None:
    native = run(tmp_path, lib, probe, "native")
    assert native == run(tmp_path, lib, probe, "interpreted")


RECURSION = ("(ev' [ ({ config, ... }: { imports = if config.services.web.enable "
             "then [ ] else [ ]; }) ]).config.list")


@pytest.mark.parametrize("lib", lib_params())
def test_a_recursion_through_config_hinted_as_the_lib_does(tmp_path: Path, lib: Path) -> None:
    native = run(tmp_path, lib, RECURSION, "native")
    assert native == run(tmp_path, lib, RECURSION, "interpreted")
    assert "infinite recursion encountered" in native[2], native
    assert native[3] == features.of(str(lib)).config_argument_hint


NEW = [p for p in lib_params()
       if features.of(str(p.values[0])).option_suggestions] or [pytest.param(
    None, marks=pytest.mark.skip(reason="no lib from 2026 in NIXEVAL_TREE_LIBS (such as "
                                 "/work/trees/lib-de42; benchmarks/realtrees/README.md)"))]


@pytest.mark.parametrize("lib", NEW)
def test_a_new_lib_has_the_features(tmp_path: Path, lib: Path) -> None:
    # the comparisons above say something about the features where the lib has them
    # what older libs did, and a step on the way to functors without `wrapped`
    not_in_newest = {"used_but_not_defined_message", "class_mismatch_plain_message",
                     "could_not_load_message", "anything_single_list",
                     "type_merge_wrapped_optional", "type_merge_payload_first",
                     "wrapped_functors", "type_merge_unasserted",
                     "type_merge_remove_payload_message", "functor_wrapped_warns",
                     "wrapped_message_names_option", "decls_without_deprecated_wrapped",
                     "bare_value_payloads", "str_matching_default_functor",
                     "paths_without_path_with", "coerced_to_binary_type_merge",
                     "function_to_plain_merge", "attrs_with_default_functor", "uniq_own_type",
                     "non_empty_list_of_list_subst"}
    found = features.of(str(lib))
    assert {name for name, on in vars(found).items() if on} \
        == set(features.Features.__dataclass_fields__) - not_in_newest
    assert run(tmp_path, lib, "ev.config.sub.x", "native")[:2] == (0, "3\n")
    error = run(tmp_path, lib, PROBES[8], "native")[2]
    assert "Did you mean `services.web.enable', `services.web.port' or " \
        "`services.web.ports'?" in error, error
    graph = run(tmp_path, lib, PROBES[7], "native")[1]
    assert '"n":2' in graph and graph.count('"key"') == 2, graph


def test_features_are_read_from_the_libs_files(tmp_path: Path) -> None:
    (tmp_path / "modules.nix").write_text("{ lib }: { x = filter (levenshteinAtMost 2 "
                                          "invalidOptionName) c; y = { _prefix = prefix; }; }")
    (tmp_path / "types.nix").write_text('{ lib }: { d = "Concatenated string"; }')
    found = features.of(str(tmp_path))
    assert found.option_suggestions and found.prefix_module_argument
    assert not found.empty_value_default and not found.module_graph
    assert not found.plain_separated_string_description  # a marker whose absence is the feature
    assert found.functor_without_wrapped  # its types.nix assigns no `wrapped`
    (tmp_path / "types.nix").write_text("{ lib }: { }")
    assert features.of(str(tmp_path)) == found  # read once per lib
    features.forget({str(tmp_path)})
    assert features.of(str(tmp_path)).plain_separated_string_description
