"""Fused code (nixeval/eval/fusion.py) does what the closures it replaces do.

Every comparison evaluates the same text twice in fresh states: once with
every function fused at its first call, once with fusion off, and asks for
identical values, or identical error texts with and without --show-trace.
Nix's language suite (its eval-okay and eval-fail files), generated
expressions and hand-written cases for each construct the generator knows are
compared this way; other tests check that fusion happens and where it does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import evaluate_as_cli, lang_case, lang_eval_files, needs_lang_tests
from hypothesis import HealthCheck, given, settings
from test_eval_differential import expressions

from nixeval.eval import fusion
from nixeval.eval.state import EvalState
from nixeval.syntax import Source


def outcome(text: str, fuse: bool, **kw: object) -> tuple[str, ...]:
    """``evaluate_as_cli``'s answer with every function fused at its first
    call, or with fusion off."""
    saved = fusion.FUSE_AFTER
    fusion.FUSE_AFTER = 0 if fuse else None
    try:
        return evaluate_as_cli(text, **kw)  # type: ignore[arg-type]
    finally:
        fusion.FUSE_AFTER = saved


def assert_same(text: str, **kw: object) -> tuple[str, ...]:
    fused = outcome(text, True, **kw)
    assert fused == outcome(text, False, **kw)
    return fused


CASES = [
    # each construct the generator writes, its values and its errors
    "let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 15",
    "let f = x: { a = x; b = x.c or 3; d = x ? c; e = x ? c.d; h = x ? ${\"c\"}; "
    "i = x.${\"c\"}.d; j = x.${\"q\"} or 5; k = x ? ${\"c\"}.${\"d\"}; } // { z = x.q.r or 1; "
    "inherit (x) c; }; in f { c = { d = 1; }; }",
    "let f = {a, b ? 2}: with {q = a;}; with {r = 5;}; q + b + r + (if a >= 1 then 10 else 20);"
    " in [ (f {a = 1;}) (f {a = 0; b = 3;}) ]",
    "let f = x: let inherit (x) a; b = a + 1; in with x; b + a + c + zz; in f { a = 1; c = 2;}",
    "let f = x: let inherit (x) a; b = a + 1; in with x; b + a + c + zz; "
    "in f { a = 1; c = 2; zz = 3; }",
    "let f = x: x.${x.n}; in f { n = 1; }",
    "let f = x: x ? ${x.n}.q; in f { n = 1; }",
    "let f = x: with x; y; in f 1",
    "let f = x: x.a.b.c or (throw \"no\"); in f { a.b = 1; }",
    "let f = x: x.a.b.c; in f { a.b = 1; }",
    "let f = x: x.a.b.c; in f { a.b = {}; }",
    "let f = x: x.a; in f 1",
    "let f = x: x.a; in f {}",
    "let f = x: x.a or x.b; in f {}",
    "let f = x: let a = a; in a; in f 1",
    "let f = x: rec { a = b; b = a; }.a; in f 1",
    "let f = x: x.a; in f (rec { a = f 1; })",
    "let f = x: !x; in [ (f true) (f 1) ]",
    "let f = x: x && throw \"a\"; in f true",
    "let f = x: x && 1; in f false",
    "let f = x: x -> 1; in [ (f false) (f true) ]",
    "let f = x: x || 1; in [ (f true) (f false) ]",
    "let f = x: [ (x < 2) (x > 2) (x <= 2) (x >= 2) ]; in [ (f 1) (f 3) (f 2.5) (f \"a\") ]",
    "let f = x: x <= 1; in f \"a\"",
    "let f = x: x - \"a\"; in f 1",
    "let f = x: x - 1; in [ (f 1) (f 1.5) (f (-9223372036854775807)) ]",
    "let f = x: [ (x * 2) (x / 2) (2 / x) (x * x) ]; in map f [ 3 2.5 (-7) ]",
    "let f = x: x / 0; in f 1",
    "let f = x: x * \"a\"; in f 1",
    "let f = x: x * 2; in f 4611686018427387904",
    "let f = x: [ (x * x) (x * (-x)) (x * 3) ]; in map f [ 2147483647 2147483648 (-2147483648) ]",
    "let f = x: x * x; in f 3037000500",
    "let f = x: x * true; in f 1",
    "let f = x: \"a${x}b${toString x}\"; in map f [ \"q\" ]",
    "let f = x: \"${x} and ${x.y or \"z\"}\"; in f 1",
    "let f = x: \"a${x}\"; in map f [ ./fusion.nix { outPath = \"o\"; } "
    "{ __toString = s: \"t\"; } (builtins.toFile \"a\" \"\") ]",
    "let f = x: \"a${throw x}b${abort \"no\"}\"; in f \"first\"",
    "let f = x: \"${x.a}${x.b}\"; in f { a = \"1\"; b = {}; }",
    "let f = x: builtins.getContext \"${x}${x}\"; in f (builtins.toFile \"a\" \"\")",
    "let f = x: x + \"a\"; in f 1",
    "let f = x: x + 1; in f \"a\"",
    "let f = x: x + 1; in f 9223372036854775807",
    "let f = x: x + /b; in f /a",
    "let f = x: \"${x}\" + x; in f \"q\"",
    "let f = x: x // 1; in f {}",
    "let f = x: 1 // x; in f {}",
    "let f = x: { a = 1; } // x // { b = 2; } // {}; in f { a = 3; c = 4; }",
    "let f = x: x == throw \"q\"; in f 1",
    "let f = x: [ (x == 1) (x != 1) (x == [ 1 ]) ]; in [ (f 1) (f 1.0) (f [ 1 ]) ]",
    "let f = x: [ (x == null) (null != x) (x == true) (false == x) (x == \"a\") (\"a\" != x) ]; "
    "in map f [ null true false \"a\" \"b\" 1 1.0 [] {} \"${builtins.toFile \"a\" \"\"}\" ]",
    "let f = x: let null = 1; true = 2; in [ (x == null) (x == true) ]; in map f [ 1 2 null ]",
    "let f = x: with { null = 1; }; x == null; in map f [ 1 null ]",
    "let f = x: if x then 1 else 2; in f 3",
    "let f = x: x 1; in f 2",
    "let f = x: x 1 2; in f (a: b: c: a)",
    "let f = x: x 1 2; in f (a: { b }: a)",
    "let f = x: (x.g or (y: y)) 5; in [ (f {}) (f { g = z: z + 1; }) ]",
    "let f = {a}: a; in f { b = 1; }",
    "let f = x: map (y: y.n) x; in f [ { n = 1; } { m = 2; } ]",
    "let f = x: let g = y: y + x; in g (g 1); in f 2",
    "let f = x: with builtins; length (attrNames x) + add 1 2; in f { a = 1; }",
    "let f = x: assert x > 1; x; in f 1",
    "let f = x: [ x [ x ] { inherit x; } ]; in f 4",
    "let f = x: __curPos; in f 1",
    "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 200",
]


@pytest.mark.parametrize("text", CASES)
def test_cases(text: str) -> None:
    assert_same(text)


def test_fusion_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    build = fusion._Generator.build
    monkeypatch.setattr(fusion._Generator, "build",
                        lambda self, body, scope: built.append(body) or build(self, body, scope))
    monkeypatch.setattr(fusion, "FUSE_AFTER", 3)
    state = EvalState()
    text = "let f = x: x + 1; in builtins.foldl' (a: b: f a) 0 (builtins.genList (x: x) 10)"
    assert state.eval_source(Source("«string»", text), "/") == 10
    # the two functions called ten times are fused after their third call, once each
    assert sorted(type(b).__name__ for b in built) == ["BinOp", "Call"]


def test_rewritten_trees_keep_their_closures(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tree that is not its file's text (a rewritten one) cannot be parsed
    again, so it is never fused."""
    from nixeval.syntax import parse

    monkeypatch.setattr(fusion, "FUSE_AFTER", 0)
    monkeypatch.setattr(fusion._Generator, "build", lambda *a: pytest.fail("fused"))
    tree = parse(Source("«string»", "let f = x: x * 2; in f (f 3)"))
    assert EvalState().eval_tree(tree, "/") == 12


def test_deep_bodies_split_into_functions() -> None:
    """Python allows 20 nested blocks in a function: a deeper body continues
    in functions of its own."""
    depth = 60
    body = "".join(f"if x > {i} then 1 + (" for i in range(depth)) + "0" + ") else 0" * depth
    fused = assert_same(f"let f = x: {body}; in [ (f 100) (f 7) ]")
    assert fused[0] == "value: [ 60 7 ]"


def test_large_bodies_stay_closures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fusion._Generator, "build", lambda *a: pytest.fail("fused"))
    items = " ".join(f"(x + {i})" for i in range(fusion._MAX_CHARS // 8))
    assert_same(f"let f = x: [ {items} ]; in builtins.length (f 1)")


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(expressions())
def test_generated_expressions(expr: str) -> None:
    # the expression as a function's body, called twice
    assert_same(f"let f = _: ({expr}); in builtins.tryEval (builtins.deepSeq [ (f 0) (f 1) ] 0)")


@needs_lang_tests
@pytest.mark.parametrize("path", lang_eval_files(), ids=lambda p: p.name)
def test_nix_language_suite(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = lang_case(path, monkeypatch)
    assert_same(case.pop("text"), **case)


def test_a_fault_in_generating_keeps_the_closure(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the generator costs speed, never the evaluation."""
    def broken(self: object, *a: object) -> None:
        raise KeyError("an emitter's bug")

    monkeypatch.setattr(fusion._Generator, "e_If", broken)
    monkeypatch.delenv("NIXEVAL_DEBUG", raising=False)
    assert outcome("let f = x: if x then 1 else 2; in [ (f true) (f false) ]", True)[0] \
        == "value: [ 1 2 ]"
    monkeypatch.setenv("NIXEVAL_DEBUG", "1")
    monkeypatch.setattr(fusion, "FUSE_AFTER", 0)
    with pytest.raises(KeyError):
        EvalState().eval_source(Source("«string»", "let f = x: if x then 1 else 2; in f true"),
                                "/")


def test_fused_code_is_kept_in_a_cache_entry_and_a_damaged_one_is_rebuilt(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Python's compiler runs once per fused function: the next run loads
    its code object from a keyed entry; a damaged entry is a miss and is
    written again."""
    monkeypatch.setenv("NIXEVAL_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fusion, "FUSE_AFTER", 3)
    compiled: list[str] = []
    real_compile = compile
    monkeypatch.setattr(fusion, "compile", lambda source, name, mode: compiled.append(name)
                        or real_compile(source, name, mode), raising=False)
    text = "let f = x: x * 2; in builtins.foldl' (a: b: f a) 1 (builtins.genList (x: x) 10)"

    def run() -> int:
        return EvalState().eval_source(Source("/t.nix", text), "/")

    assert run() == 1024 and len(compiled) == 2  # f's body and the folded lambda's
    entries = sorted((tmp_path / "fused").rglob("*"))
    entries = [e for e in entries if e.is_file()]
    assert len(entries) == 2
    assert run() == 1024 and len(compiled) == 2  # from the entries: no compile
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
    assert run() == 1024 and len(compiled) == 4  # damaged: compiled again
    assert run() == 1024 and len(compiled) == 4  # and rewritten whole
    monkeypatch.setenv("NIXEVAL_NO_PARSE_CACHE", "1")
    assert run() == 1024 and len(compiled) == 6  # off with the parse cache
