"""The native module system is exactly as lazy as lib's: for each attribute of
an evaluated option, and definitions that throw in each place a definition
can, whether forcing the attribute (to weak head normal form, and deeply)
throws must be what real Nix says for the same lib. Configurations read
options this way (nix-darwin reads `options.system.highestPrio`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import lib_params, needs_nix, nix_instantiate, run_nixeval

ATTRIBUTES = ("value", "highestPrio", "isDefined", "files", "definitions",
              "definitionsWithLocations", "type", "declarations", "default")

BOOM = '(throw "boom")'
# option declaration arguments, and the definitions of `a`
SCENARIOS = {
    "default-throws": ("default = BOOM;", []),
    "default-throws-defined": ("default = BOOM;", ['"x"']),
    "value-throws": ("", ["BOOM"]),
    "condition-throws": ("", ['lib.mkIf BOOM "x"']),
    "content-throws": ("", ["lib.mkIf true BOOM"]),
    "condition-false": ("default = BOOM;", ['lib.mkIf false "x"']),
    "priority-throws": ("", ['lib.mkOverride BOOM "x"']),
    "order-throws": ("", ['lib.mkOrder BOOM "x"']),
    "ordered-content-throws": ("", ["lib.mkBefore BOOM"]),
    "two-ordered-one-throws": ("type = lib.types.listOf lib.types.str;",
                               ['lib.mkOrder BOOM [ "x" ]', 'lib.mkBefore [ "y" ]']),
    "merge-throws": ("", ["lib.mkMerge BOOM"]),
    "merge-content-throws": ("", ["lib.mkMerge [ BOOM ]"]),
    "one-of-two-throws": ("", ['"x"', "BOOM"]),
    "overridden-throws": ("", ["lib.mkDefault BOOM", '"x"']),
    "apply-throws": ("apply = x: BOOM;", ['"x"']),
    "check-throws": ("type = lib.types.addCheck lib.types.str (x: BOOM);", ['"x"']),
}


def expression(lib: Path, scenario: str) -> str:
    decl, defs = SCENARIOS[scenario]
    if "type =" not in decl:
        decl = "type = lib.types.str; " + decl
    modules = [f"{{ options.a = lib.mkOption {{ {decl} }}; }}"]
    modules += [f"{{ config.a = {d}; }}" for d in defs]
    probes = " ".join(
        f"{a} = if o ? {a} then [ (builtins.tryEval (builtins.seq o.{a} true)).success "
        f"(builtins.tryEval (builtins.deepSeq o.{a} true)).success ] else null;"
        for a in ATTRIBUTES)
    return (f"let lib = import {lib}; o = (lib.evalModules {{ modules = [ "
            f"{' '.join(modules)} ]; }}).options.a; in {{ {probes} }}").replace("BOOM", BOOM)


@needs_nix
@pytest.mark.parametrize("lib", lib_params())
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_option_attributes_force_what_lib_forces(lib: Path, scenario: str) -> None:
    args = ["--eval", "--strict", "--json", "-E", expression(lib, scenario)]
    nix = subprocess.run([nix_instantiate, *args], capture_output=True, text=True,
                         timeout=120)
    assert nix.returncode == 0, nix.stderr
    ours = run_nixeval("instantiate", *args)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.strip() == nix.stdout.strip()
