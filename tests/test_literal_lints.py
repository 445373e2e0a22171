"""--lint-{absolute-path,short-path,url}-literals, as current Nix implements them."""

from __future__ import annotations

from conftest import run_nixeval


def test_url_literal_warns_with_nix_text():
    r = run_nixeval("instantiate", "--lint-url-literals", "warn", "--eval", "-E",
                    "http://example.com")
    assert (r.returncode, r.stdout) == (0, '"http://example.com"\n')
    assert r.stderr.startswith(
        'warning: URL literals are discouraged. Consider using a string literal '
        '"http://example.com" instead (lint-url-literals)\n         at «string»:1:1:')


def test_url_literal_fatal_but_quoted_url_fine():
    r = run_nixeval("instantiate", "--lint-url-literals", "fatal", "--eval", "-E",
                    "[ http://example.com ]")
    assert r.returncode == 1
    assert r.stderr.startswith('error: URL literals are disallowed. Consider using a string '
                               'literal "http://example.com" instead')
    r = run_nixeval("instantiate", "--lint-url-literals", "fatal", "--eval", "-E",
                    '"http://example.com"')
    assert r.returncode == 0


def test_short_and_absolute_path_literals():
    r = run_nixeval("instantiate", "--lint-short-path-literals", "fatal", "--eval", "-E",
                    "builtins.isPath foo/bar")
    assert r.returncode == 1
    assert "relative path literal 'foo/bar' should be prefixed with '.' for clarity: " \
           "'./foo/bar'" in r.stderr
    r = run_nixeval("instantiate", "--lint-absolute-path-literals", "fatal", "--eval", "-E",
                    "builtins.isPath ./foo")
    assert (r.returncode, r.stdout) == (0, "true\n")
    r = run_nixeval("instantiate", "--lint-absolute-path-literals", "fatal", "--eval", "-E",
                    "builtins.isPath /etc")
    assert r.returncode == 1
    assert "absolute path literals are not portable" in r.stderr


def test_lints_off_by_default():
    r = run_nixeval("instantiate", "--eval", "-E", "[ http://example.com foo/bar /etc ]")
    assert r.returncode == 0
    assert r.stderr == ""
