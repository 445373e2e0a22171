"""Deferred compilation (eval/compile_facts.py): a file seen before has its
large parts compiled when first evaluated, and evaluates exactly as when it
was compiled whole: same values, same errors, same symbol order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    evaluate_as_cli,
    lang_case,
    lang_eval_files,
    needs_lang_tests,
    needs_nix,
    nix_instantiate,
)

from nixeval.eval import compile_facts
from nixeval.eval.compiler import Compiler
from nixeval.eval.printer import show_value
from nixeval.eval.state import EvalState
from nixeval.syntax import Source

PADDING = '"' + "." * 300 + '"'

# the names of `unused`'s body are met first, so Nix forces `zz` before `aa`
SYMBOL_ORDER = f"""let
  unused = x: {{ zz = x; aa = x; padding = [ {PADDING} ]; }};
in builtins.deepSeq {{ aa = builtins.trace "aa" 1; zz = builtins.trace "zz" 2; }} null
"""


def run(path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nixeval", "instantiate", "--eval", "--strict",
                           str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NIXEVAL_CACHE_DIR": str(cache)})


def test_symbol_order_kept(tmp_path: Path) -> None:
    path = tmp_path / "order.nix"
    path.write_text(SYMBOL_ORDER)
    first, second = run(path, tmp_path / "cache"), run(path, tmp_path / "cache")
    assert first.stderr == second.stderr == "trace: zz\ntrace: aa\n"
    assert any((tmp_path / "cache" / "compile").rglob("*")), "no compile facts were kept"


@needs_nix
def test_symbol_order_as_nix(tmp_path: Path) -> None:
    path = tmp_path / "order.nix"
    path.write_text(SYMBOL_ORDER)
    nix = subprocess.run([nix_instantiate, "--eval", "--strict", str(path)], capture_output=True,
                         text=True, timeout=120)
    run(path, tmp_path / "cache")
    assert run(path, tmp_path / "cache").stderr == nix.stderr


def test_undefined_variable_in_a_part_never_run(tmp_path: Path) -> None:
    """Nix reports it when the file is parsed, wherever it is."""
    path = tmp_path / "undefined.nix"
    path.write_text(f"let f = x: {{ a = [ {PADDING} ]; b = notDefined; }}; in 1\n")
    for _ in range(2):
        result = run(path, tmp_path / "cache")
        assert result.returncode == 1
        assert "undefined variable 'notDefined'" in result.stderr


def whole_then_deferred(text: str, monkeypatch: pytest.MonkeyPatch, expect_deferred: bool = True,
                        **kw: object) -> tuple[str, ...]:
    """The outcome compiled whole (no facts kept yet), then deferred (the facts
    that evaluation kept), which must be the same."""
    compilers: list[Compiler] = []
    init = Compiler.__init__

    def spy(self: Compiler, *a: object, **k: object) -> None:
        init(self, *a, **k)  # type: ignore[arg-type]
        compilers.append(self)

    monkeypatch.setattr(Compiler, "__init__", spy)
    with monkeypatch.context() as m:
        m.setattr(compile_facts, "load", lambda key, length: None)
        whole = evaluate_as_cli(text, **kw)  # type: ignore[arg-type]
    assert not any(c.deferred for c in compilers)
    compilers.clear()
    deferred = evaluate_as_cli(text, **kw)  # type: ignore[arg-type]
    if expect_deferred:
        assert compilers and compilers[0].deferred, "the second evaluation did not defer"
    assert deferred == whole
    return whole


CASES = [
    SYMBOL_ORDER,
    f"let f = x: {{ a = [ {PADDING} ]; b = x + 1; }}; in [ (f 1).b (f 2).a ]",
    f"let f = x: {{ a = [ {PADDING} ]; b = x + 1; }}; in (f \"q\").b",
    f"let f = x: with {{ y = x; }}; [ {PADDING} y zz ]; in builtins.elemAt (f 1) 1",
    f"let f = x: with {{ y = x; }}; [ {PADDING} y zz ]; in builtins.elemAt (f 1) 2",
    f"rec {{ a = [ {PADDING} b ]; b = builtins.length a; }}",
    f"let a = {{ x = [ {PADDING} ]; }}; in builtins.attrNames a // {{ }}",
]


# a package set's shape: more bindings than the compiler compiles before they
# are used, each short (`callPackage ./p { }`), some failing, some traced
MANY = 80
PACKAGES = ("{ " + " ".join(f"p{i} = f {i} {{ n = {i}; }};" for i in range(MANY)) + " }")
CASES += [
    f"let f = i: a: a // {{ inherit i; }}; s = {PACKAGES}; in [ s.p7.i s.p70.n ]",
    f"let f = i: a: a // {{ inherit i; }}; in builtins.attrNames (rec {PACKAGES})",
    f"let f = i: a: if i == 3 then throw \"p{{toString i}}\" else a; in (rec {PACKAGES}).p3",
    f"let f = i: a: builtins.trace i a; in builtins.deepSeq {PACKAGES} null",
    "let f = i: a: a.n; " + " ".join(f"q{i} = f {i} {{ n = q{i + 1}; }};" for i in range(MANY))
    + f" q{MANY} = 0; in q0",
    "let f = i: a: a.n; " + " ".join(f"q{i} = f {i} {{ n = q{(i + 1) % MANY}; }};"
                                     for i in range(MANY)) + " in q0",
]


@pytest.mark.parametrize("text", CASES)
def test_cases(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole_then_deferred(text, monkeypatch)


def compiles_whole_then_deferred(text: str, monkeypatch: pytest.MonkeyPatch,
                                 value: str) -> tuple[int, int]:
    """How many nodes evaluating ``text`` (to ``value``) compiles: whole (no
    facts kept yet), then deferred."""
    compiled: list[object] = []
    compile_ = Compiler.compile

    def counting(self: Compiler, node: object, scope: object) -> object:
        compiled.append(node)
        return compile_(self, node, scope)  # type: ignore[arg-type]

    monkeypatch.setattr(Compiler, "compile", counting)
    counts = []
    for _ in range(2):
        compiled.clear()
        assert show_value(EvalState().eval_source(Source("«string»", text), "/"),
                          strict=True) == value
        counts.append(len(compiled))
    return counts[0], counts[1]


def test_only_what_runs_is_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (f"let used = x: [ {PADDING} x ]; "
            f"unused = x: [ {PADDING} (x + 1) (x * 2) (if x then 1 else 2) ]; in used 1")
    whole, deferred = compiles_whole_then_deferred(text, monkeypatch, f"[ {PADDING} 1 ]")
    # `unused`'s body (a list, two operators and an `if`, with their operands)
    # is never compiled the second time
    assert deferred <= whole - 4


def test_many_short_bindings_compiled_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """nixpkgs' package sets: thousands of short bindings, few evaluated."""
    text = f"let f = i: a: a // {{ inherit i; }}; in ({PACKAGES}).p5.i"
    whole, deferred = compiles_whole_then_deferred(text, monkeypatch, "5")
    # each binding's call and argument set are compiled once the set is;
    # deferred, only p5's are
    assert whole >= 3 * MANY and deferred <= whole - 2 * (MANY - 1)


def test_damaged_facts_are_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "order.nix"
    path.write_text(SYMBOL_ORDER)
    cache = tmp_path / "cache"
    run(path, cache)
    entries = [p for p in (cache / "compile").rglob("*") if p.is_file()]
    assert entries
    for entry in entries:
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0xFF
        entry.write_bytes(bytes(data))
    damaged = {entry: entry.read_bytes() for entry in entries}
    assert run(path, cache).stderr == "trace: zz\ntrace: aa\n"
    # compiled whole again, and the facts written anew
    assert all(entry.read_bytes() != data for entry, data in damaged.items())


@needs_lang_tests
@pytest.mark.parametrize("path", lang_eval_files(), ids=lambda p: p.name)
def test_nix_language_suite(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = lang_case(path, monkeypatch)
    whole_then_deferred(case.pop("text"), monkeypatch, False, **case)
