"""`nixeval parse` and `nixeval instantiate --parse` driven as a user would."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, NIX_LANG_TESTS, run_nixeval

from nixeval.syntax import NixSyntaxError, parse_text


def test_version():
    r = run_nixeval("--version")
    assert r.returncode == 0
    assert re.fullmatch(r"nixeval \d+\.\d+\.\d+\n", r.stdout)


def test_accepted_fixtures_parse():
    r = run_nixeval("parse", str(FIXTURES / "accepted"))
    assert r.returncode == 0, r.stderr
    assert "3 files, 3 parsed, 0 rejected" in r.stderr


def test_every_rejection_is_reported_with_position_and_caret():
    r = run_nixeval("parse", str(FIXTURES / "rejected"), str(FIXTURES / "accepted"))
    assert r.returncode == 1
    err = r.stderr
    assert "Traceback" not in err
    assert re.search(r"missing-semicolon\.nix:3:23: error: syntax error, unexpected '='", err)
    assert re.search(r"duplicate-attr\.nix:3:3: error: attribute 'services\.ssh\.port' "
                     r"already defined at .*duplicate-attr\.nix:2:3", err)
    assert re.search(r"undefined-variable\.nix:3:25: error: undefined variable 'hostname'", err)
    # the offending line is quoted and a caret stands under the column
    lines = err.splitlines()
    i = next(i for i, line in enumerate(lines) if "undefined variable" in line)
    assert lines[i + 1].strip() == "networking.hostName = hostname;"
    assert lines[i + 2].index("^") == lines[i + 1].index("hostname")
    assert "6 files, 3 parsed, 3 rejected" in err


def test_missing_file_is_a_clear_error():
    r = run_nixeval("parse", "/nonexistent/file.nix")
    assert r.returncode == 1
    assert "/nonexistent/file.nix: error: No such file or directory" in r.stderr
    assert "Traceback" not in r.stderr


def test_binary_garbage_is_a_parse_error(tmp_path):
    f = tmp_path / "garbage.nix"
    f.write_bytes(bytes(range(256)) * 4)
    r = run_nixeval("parse", str(f))
    assert r.returncode == 1
    assert "garbage.nix:1:1: error: syntax error, unexpected invalid token" in r.stderr
    assert "Traceback" not in r.stderr


def test_deep_nesting_does_not_crash(tmp_path):
    f = tmp_path / "deep.nix"
    f.write_text("[" * 20000 + "]" * 20000)
    r = run_nixeval("parse", str(f))
    assert "Traceback" not in r.stderr
    assert r.returncode in (0, 1)


def test_instantiate_parse_stdin_error_in_nix_layout():
    r = run_nixeval("instantiate", "--parse", "-", stdin=b"1 != != 2\n")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert err.startswith("error: syntax error, unexpected '!='\n       at «stdin»:1:6:\n")
    assert "            1| 1 != != 2\n             |      ^\n" in err


def test_instantiate_parse_file_not_found():
    r = run_nixeval("instantiate", "--parse", "/nonexistent.nix")
    assert r.returncode == 1
    assert "error: opening file '/nonexistent.nix': No such file or directory" in r.stderr


def test_unknown_command_is_a_usage_error():
    r = run_nixeval("frobnicate")
    assert r.returncode == 2
    assert "unknown command 'frobnicate'" in r.stderr


# Nix's own texts for these (bison's "expecting" after its default reductions)
@pytest.mark.parametrize(("text", "message"), [
    ("let a = 1 in a", "syntax error, unexpected 'in', expecting ';'"),
    ("{ a ... }", "syntax error, unexpected '...', expecting '.' or '='"),
    ("123 é 4", "syntax error, unexpected invalid token, expecting end of file"),
    ("{ a = 1 }", "syntax error, unexpected '}', expecting ';'"),
    ("f (x", "syntax error, unexpected end of file, expecting ')'"),
    ("if a then b", "syntax error, unexpected end of file, expecting 'else'"),
    ("{ a, b }", "syntax error, unexpected end of file, expecting ':' or '@'"),
    ("a.if", "syntax error, unexpected 'if', expecting identifier or 'or' or '${' or '\"'"),
    ("{ 1 = x; }", "syntax error, unexpected integer, expecting 'inherit'"),
    ("./p//x", "syntax error, unexpected end of path, expecting '${'"),
])
def test_syntax_error_texts_match_nix(text, message):
    with pytest.raises(NixSyntaxError) as info:
        parse_text(text)
    assert info.value.message == message


@pytest.mark.skipif(not NIX_LANG_TESTS.is_dir(), reason=f"Nix's language tests not at "
                    f"{NIX_LANG_TESTS} (set NIX_LANG_TESTS)")
def test_parse_fail_stderr_identical_to_nix():
    """Every parse-fail case of Nix's suite: the whole stderr, byte for byte."""
    mismatches = []
    cases = sorted(NIX_LANG_TESTS.glob("parse-fail-*.nix"))
    for case in cases:
        r = run_nixeval("instantiate", "--parse", "-", stdin=case.read_bytes())
        expected = case.with_suffix(".err.exp").read_bytes()
        if r.returncode != 1 or r.stderr.rstrip(b"\n") != expected.rstrip(b"\n"):
            mismatches.append(case.name)
    assert cases and not mismatches
