"""Error output as current Nix prints it: trace frames outermost first, the
cut-off without --show-trace, repeated frames folded, suggestions last.
Expectations follow Nix's own suite (tests/functional/lang)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_nixeval

from nixeval.eval.errors import NixError
from nixeval.eval.state import EvalState
from nixeval.syntax import Source


def error_of(expr: str, show_trace: bool = False) -> NixError:
    state = EvalState()
    state.show_trace = show_trace
    with pytest.raises(NixError) as info:
        state.eval_source(Source("«string»", expr), "/")
    return info.value


def test_builtin_frames() -> None:
    assert error_of("builtins.length 1").render() == """\
error:
       … while calling the 'length' builtin
         at «string»:1:1:
            1| builtins.length 1
             | ^

       … while evaluating the first argument passed to builtins.length

       error: expected a list but found an integer: 1"""


def test_message_with_position_and_suggestion() -> None:
    text = error_of("({ x, z }: x + z) {\n  x = 1;\n  y = 2;\n  z = 3;\n}").render()
    assert text == """\
error:
       … from call site
         at «string»:1:1:
            1| ({ x, z }: x + z) {
             | ^
            2|   x = 1;

       error: function 'anonymous lambda' called with unexpected argument 'y'
       at «string»:1:2:
            1| ({ x, z }: x + z) {
             |  ^
            2|   x = 1;
       Did you mean one of x or z?"""


def test_call_frames_only_with_show_trace() -> None:
    expr = "let f = x: x + \"a\"; in f 1"
    assert "while calling 'f'" not in error_of(expr).render(True)
    traced = error_of(expr, show_trace=True).render(True)
    assert "… while calling 'f'\n         at «string»:1:9:" in traced
    assert "… from call site\n         at «string»:1:24:" in traced


def test_cut_short_without_show_trace() -> None:
    expr = ("let f = n: if n == 0 then throw \"x\" else "
            "builtins.addErrorContext \"at ${toString n}\" (f (n - 1)); in f 6")
    short = error_of(expr).render()
    assert "(stack trace truncated; use '--show-trace' to show the full, detailed trace)" in short
    # addErrorContext's frames are shown all the same
    assert all(f"… at {n}" in short for n in range(1, 7))
    assert "stack trace truncated" not in error_of(expr).render(True)


def test_repeated_frames_folded() -> None:
    expr = "let f = n: if n == 0 then throw \"x\" else f (n - 1); in f 10"
    text = error_of(expr, show_trace=True).render(True)
    assert "duplicate frames omitted)" in text


def test_infinite_recursion_marked() -> None:
    # y's value is x's thunk (a variable is not wrapped in a thunk of its own),
    # so the recursion is met where that thunk's code reads `y`
    text = error_of("let x = y; y = x; in x").render()
    assert text == ("error:\n"
                    "       … entering the infinite recursion\n\n"
                    "       error: infinite recursion encountered\n"
                    "       at «string»:1:9:\n"
                    "            1| let x = y; y = x; in x\n"
                    "             |         ^")


def test_failed_thunk_remembers_its_frames() -> None:
    # eval-fail-memoised-error-trace-not-mutated: a copy of the first error,
    # with the context it gathered then, and not the later ones
    err = error_of('let a = throw "nope"; b = builtins.addErrorContext "forcing b" a;\n'
                   'c = builtins.addErrorContext "forcing c" a; in\n'
                   "builtins.seq (builtins.tryEval b) (builtins.seq (builtins.tryEval c) a)")
    hints = [hint for hint, _ in err.trace]
    assert "forcing b" in hints and "forcing c" not in hints


def test_show_trace_from_nix_config(tmp_path: Path) -> None:
    source = tmp_path / "f.nix"
    source.write_text("let f = x: x + \"a\"; in f 1\n")
    plain = run_nixeval("instantiate", "--eval", str(source))
    assert "while calling 'f'" not in plain.stderr
    configured = run_nixeval("instantiate", "--eval", str(source),
                             env={"NIX_CONFIG": "show-trace = true"})
    assert "while calling 'f'" in configured.stderr
    overridden = run_nixeval("instantiate", "--eval", "--no-show-trace", str(source),
                             env={"NIX_CONFIG": "show-trace = true"})
    assert "while calling 'f'" not in overridden.stderr


def test_max_call_depth() -> None:
    r = run_nixeval("instantiate", "--eval", "--max-call-depth", "50", "-E",
                    "(x: x x) (x: x x)")
    assert r.returncode == 1
    assert r.stderr.endswith("error: stack overflow; max-call-depth exceeded\n"
                             "       at «string»:1:14:\n"
                             "            1| (x: x x) (x: x x)\n"
                             "             |              ^\n")
