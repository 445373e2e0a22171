"""`nixeval eval` and `nixeval instantiate --eval` driven as a user would."""

from __future__ import annotations

import pytest
from conftest import run_nixeval


def test_eval_expression_strict_by_default():
    r = run_nixeval("eval", "{ a = 1 + 1; b = [ \"x\" ]; }")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "{ a = 2; b = [ \"x\" ]; }\n"


def test_eval_file_and_attr(tmp_path):
    f = tmp_path / "conf.nix"
    f.write_text("{ pkgs ? null }: { services.x.enable = true; port = 22 + 1; }\n")
    r = run_nixeval("eval", str(f), "-A", "port")
    assert (r.returncode, r.stdout) == (0, "23\n"), r.stderr


def test_eval_json():
    r = run_nixeval("eval", "--json", "{ a = [ 1 2.5 \"x\" null ]; }")
    assert r.stdout == '{"a":[1,2.5,"x",null]}\n'


def test_eval_syntax_error_is_reported_not_raised():
    r = run_nixeval("eval", "1 +")
    assert r.returncode == 1
    assert r.stderr.startswith(
        "error: syntax error, unexpected end of file\n       at «string»:1:4:")
    assert "Traceback" not in r.stderr


def test_instantiate_eval_args_and_autocall(tmp_path):
    f = tmp_path / "f.nix"
    f.write_text("{ a, b ? 2, c }: a + b + builtins.stringLength c\n")
    r = run_nixeval("instantiate", "--eval", str(f), "--arg", "a", "40", "--argstr", "c", "xyz")
    assert (r.returncode, r.stdout) == (0, "45\n"), r.stderr


def test_instantiate_missing_file():
    r = run_nixeval("instantiate", "--eval", "/nonexistent/x.nix")
    assert r.returncode == 1
    assert "error: opening file '/nonexistent/x.nix': No such file or directory" in r.stderr


def test_undefined_variable_in_eval():
    r = run_nixeval("instantiate", "--eval", "-E", "x: y")
    assert r.returncode == 1
    assert r.stderr.startswith("error: undefined variable 'y'\n       at «string»:1:4:")


def test_abort_on_warn_ends_the_evaluation_uncatchably():
    expr = 'builtins.tryEval (builtins.warn "careful" 1)'
    r = run_nixeval("instantiate", "--eval", "--option", "abort-on-warn", "true", "-E", expr)
    assert r.returncode == 1
    assert "evaluation warning: careful" in r.stderr
    assert "error: aborting to reveal stack trace of warning, as abort-on-warn is set" in r.stderr
    r = run_nixeval("instantiate", "--eval", "-E", expr)
    assert (r.returncode, r.stdout.strip()) == (0, "{ success = true; value = 1; }")


@pytest.mark.parametrize("value, aborts", [("1", True), ("yes", True), ("true", True),
                                           ("0", False), ("", False)])
def test_nix_abort_on_warn_in_the_environment_is_abort_on_warn(value: str, aborts: bool):
    # as Nix's EvalSettings reads it (lib's warn, since Nix 2.23 builtins.warn, relies on it)
    r = run_nixeval("instantiate", "--eval", "-E", 'builtins.warn "careful" 1',
                    env={"NIX_ABORT_ON_WARN": value})
    assert "evaluation warning: careful" in r.stderr
    assert (r.returncode == 1) == aborts, r.stderr
    assert ("abort-on-warn is set" in r.stderr) == aborts
