"""Laws of option merging, checked on the native module system, and the same
module sets compared with real ``nix-instantiate`` interpreting a lib in Nix.

Every case declares one option ``l`` (a list of integers, default ``[ 99 ]``)
and defines it in several modules with generated nestings of ``mkMerge``,
``mkIf``, ``mkOverride`` (and its named forms) and ``mkOrder``. Laws:

- only the definitions of the minimal (best) priority survive;
- ``mkIf c (mkMerge xs)`` is ``mkMerge (map (mkIf c) xs)``;
- nested ``mkMerge`` flattens;
- ``mkOrder`` is a stable sort;
- list definitions concatenate in lib's module order, which is the reverse of
  the order modules are collected in (lib merges ``reverseList collected``).

The libs: the embedded lib (``nixeval/lib``) (always), and nixpkgs' lib when
``NIXPKGS_LIB`` names one (both are bound to the native module system).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, needs_nix, nix_instantiate, run_nixeval
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LIBS = [ROOT / "nixeval" / "lib"]
if os.environ.get("NIXPKGS_LIB"):
    LIBS.append(Path(os.environ["NIXPKGS_LIB"]))

PRIOS = {"mkForce": 50, "mkVMOverride": 10, "mkDefault": 1000, "mkImageMediaOverride": 60}
ORDERS = {"mkBefore": 500, "mkAfter": 1500}


# -- definitions: a tree, its Nix text, and lib's meaning ----------------------
@dataclass(frozen=True)
class Leaf:
    ints: tuple[int, ...]
    prio: int | None = None  # mkOverride
    prio_name: str | None = None  # written as mkForce / mkDefault / … instead
    order: int | None = None  # mkOrder
    order_name: str | None = None


@dataclass(frozen=True)
class If:
    cond: bool
    body: object


@dataclass(frozen=True)
class Merge:
    items: tuple


def nix(d: object) -> str:
    if isinstance(d, Leaf):
        text = "[ " + " ".join(map(str, d.ints)) + " ]"
        if d.order_name:
            text = f"(lib.{d.order_name} {text})"
        elif d.order is not None:
            text = f"(lib.mkOrder {d.order} {text})"
        if d.prio_name:
            text = f"(lib.{d.prio_name} {text})"
        elif d.prio is not None:
            text = f"(lib.mkOverride {d.prio} {text})"
        return text
    if isinstance(d, If):
        return f"(lib.mkIf {'true' if d.cond else 'false'} {nix(d.body)})"
    assert isinstance(d, Merge)
    return "(lib.mkMerge [ " + " ".join(nix(x) for x in d.items) + " ])"


def pieces(d: object) -> list[tuple[int, int, tuple[int, ...]]]:
    """(override priority, order priority, integers) of each definition left
    once conditions are discharged."""
    if isinstance(d, Leaf):
        prio = PRIOS[d.prio_name] if d.prio_name else (100 if d.prio is None else d.prio)
        order = ORDERS[d.order_name] if d.order_name else (1000 if d.order is None else d.order)
        return [(prio, order, d.ints)]
    if isinstance(d, If):
        return pieces(d.body) if d.cond else []
    return [p for x in d.items for p in pieces(x)]


def model(modules: list[object]) -> list[int]:
    """lib's result for option `l`, defined by ``modules`` in this order."""
    defs = [(1500, 1000, (99,))]  # the option's default, as mkOptionDefault
    for m in reversed(modules):
        defs.extend(pieces(m))
    best = min(p for p, _, _ in defs)
    kept = [d for d in defs if d[0] == best]
    kept.sort(key=lambda d: d[1])  # stable, as builtins.sort
    return [i for _, _, ints in kept for i in ints]


ints = st.lists(st.integers(0, 50), max_size=3).map(tuple)
leaves = st.builds(
    Leaf, ints,
    prio=st.one_of(st.none(), st.sampled_from([5, 50, 100, 700, 1000, 1499])),
    prio_name=st.one_of(st.none(), st.sampled_from(sorted(PRIOS))),
    order=st.one_of(st.none(), st.sampled_from([100, 500, 1000, 1500, 2000])),
    order_name=st.one_of(st.none(), st.sampled_from(sorted(ORDERS))))
definitions = st.recursive(
    leaves,
    lambda inner: st.one_of(st.builds(If, st.booleans(), inner),
                            st.lists(inner, max_size=3).map(lambda xs: Merge(tuple(xs)))),
    max_leaves=6)
module_lists = st.lists(definitions, min_size=1, max_size=5)


def program(cases: list[list[str]], lib: Path) -> str:
    """A Nix list: each case's value of `l` (each module defines `l` by one
    definition text)."""
    parts = []
    for modules in cases:
        mods = " ".join(f"{{ l = {m}; }}" for m in modules)
        parts.append(
            "(lib.evalModules { modules = [ { options.l = lib.mkOption { type = "
            "lib.types.listOf lib.types.int; default = [ 99 ]; }; } " + mods + " ]; }).config.l")
    return f"let lib = import {lib}; in [ " + " ".join(parts) + " ]"


def evaluate_ours(expr: str) -> list:
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E", expr)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def evaluate_nix(expr: str) -> list:
    r = subprocess.run([nix_instantiate, "--eval", "--strict", "--json", "-E", expr],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("lib", LIBS, ids=lambda p: p.parent.name)
@SETTINGS
@given(st.lists(module_lists, min_size=1, max_size=8))
def test_merge_follows_lib_priorities_and_order(lib: Path, cases: list[list[object]]) -> None:
    got = evaluate_ours(program([[nix(m) for m in c] for c in cases], lib))
    assert got == [model(c) for c in cases]


@pytest.mark.parametrize("lib", LIBS, ids=lambda p: p.parent.name)
@SETTINGS
@given(st.lists(st.tuples(st.booleans(), st.lists(definitions, max_size=3), module_lists),
                min_size=1, max_size=6))
def test_mkif_distributes_over_mkmerge(lib: Path, cases: list) -> None:
    left, right = [], []
    for cond, xs, others in cases:
        c = "true" if cond else "false"
        inner = " ".join(nix(x) for x in xs)
        ms = [nix(m) for m in others]
        left.append([f"(lib.mkIf {c} (lib.mkMerge [ {inner} ]))", *ms])
        right.append([f"(lib.mkMerge (map (lib.mkIf {c}) [ {inner} ]))", *ms])
    assert evaluate_ours(program(left, lib)) == evaluate_ours(program(right, lib))


@pytest.mark.parametrize("lib", LIBS, ids=lambda p: p.parent.name)
@SETTINGS
@given(st.lists(st.tuples(definitions, definitions, definitions), min_size=1, max_size=6))
def test_nested_mkmerge_flattens(lib: Path, cases: list) -> None:
    nested = [[f"(lib.mkMerge [ {nix(a)} (lib.mkMerge [ {nix(b)} {nix(c)} ]) ])"]
              for a, b, c in cases]
    flat = [[f"(lib.mkMerge [ {nix(a)} {nix(b)} {nix(c)} ])"] for a, b, c in cases]
    got = evaluate_ours(program(nested, lib))
    assert got == evaluate_ours(program(flat, lib))
    assert got == [model([Merge((a, b, c))]) for a, b, c in cases]


@needs_nix
@pytest.mark.parametrize("lib", LIBS, ids=lambda p: p.parent.name)
@SETTINGS
@given(st.lists(module_lists, min_size=1, max_size=10))
def test_same_merge_as_nix(lib: Path, cases: list[list[object]]) -> None:
    expr = program([[nix(m) for m in c] for c in cases], lib)
    assert evaluate_ours(expr) == evaluate_nix(expr)
