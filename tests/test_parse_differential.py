"""Does nixeval accept exactly what real Nix accepts?

Token soups are generated from Nix's token alphabet and given to both parsers
(`nix-instantiate --parse`). A `with builtins;` prefix keeps Nix's static
undefined-variable check out of the way, so the syntax alone is compared.
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import needs_nix, nix_instantiate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixeval.eval.base_env import BASE_NAMES
from nixeval.syntax import NixSyntaxError, parse_text
from nixeval.syntax.scope import check_scopes

PREFIX = "with builtins;\n"

FRAGMENTS = [
    "{", "}", "${", "(", ")", "[", "]", '"', "''", "'", ";", ":", "=", ".", ",", "@", "?",
    "...", "!", "-", "+", "*", "/", "//", "++", "==", "!=", "<", "<=", ">", ">=", "&&",
    "||", "->", "if", "then", "else", "let", "in", "rec", "with", "assert", "inherit", "or",
    "a", "b", "x", "__curPos", "1", "0", "2.5", ".5", "1.", "./p", "/abs", "~/h", "a/b",
    "<np>", "http://e.org", "$", "\\", "#c\n", "/*c*/", "\n", " ", "''$", "'''", "''\\n",
    "$${", "\\${",
]

soup = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map(" ".join)
tight_soup = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10).map("".join)

# hand-picked corners where a lexer or grammar can easily drift from Nix's
CORNERS = [
    "a: a", "x:x", "{}: 1", "{ }: { }", "{ a, }: a", "{ a, ... }: a", "{ ... }: 1",
    "{ a ? 1, b ? a }: b", "a@{ b }: b", "{ b }@a: b", "{ a ... }: a", "{ , a }: a",
    "a.b.c", "a.b or c", "a or b", "[ a or ]", "a.or", "{ or = 1; }.or", "a.\"b\".${c}",
    "!a + b", "- a ? b", "a ? b ? c", "a == b == c", "a < b < c", "a == b < c", "-a.b",
    "a ++ b ++ c", "a // b // c", "a -> b -> c", "1 - -1", "a - -a", "!!a", "--1",
    "./a/${b}/c", "./a${b}", "a/${b}", "./${b}", "~/${b}", "/${b}", "./a/", "./a/ ",
    "a/b/", "<a/b>", "< a>", "<a>/b", "http://a.b/c?d=e&f", "x:x:x", "1.5/2", "a.5",
    "''\n  a\n ''", "''a''$b'''c''\\nd''", "''${a}''", "'''", "\"$\"", "\"$${a}\"",
    "\"\\\"\"", "\"${\"${a}\"}\"", "{ a.b = 1; a.c = 2; }", "{ a.b = 1; a = 2; }",
    "{ a = { b = 1; }; a.c = 2; }", "{ a = 1; a = 2; }", "{ ${a} = 1; }", "{ \"a\" = 1; }",
    "let a = 1; in a", "let { body = 1; }", "let in 1", "let ${a} = 1; in 1",
    "{ inherit a; inherit (b) c; }", "{ inherit ${a}; }", "{ inherit \"a\"; }",
    "rec { a = 1; }", "assert a; b", "with a; b", "if a then b else c", "if a then b",
    "f a b c", "(f a) b", "a b.c d", "[ 1 2 3 ]", "[ f x ]", "[ -1 ]", "[ !a ]",
    "1e3", "1.e3", "01", "9223372036854775807", "9223372036854775808", "0x10",
    "a.b.c = 1", "__curPos", "{ a = 1 }", "f (x", "\"abc", "''abc", "/* unterminated",
    "# only a comment", "", "a; b", "a /* c */ b", "a#c\n", "{ a = 1; } ? a.b",
]


def nix_accepts(text: str) -> bool:
    r = subprocess.run([nix_instantiate, "--parse", "-"], input=text.encode(),
                       capture_output=True, timeout=30)
    return r.returncode == 0


def we_accept(text: str) -> bool:
    try:
        check_scopes(parse_text(text), BASE_NAMES)
    except NixSyntaxError:
        return False
    return True


@needs_nix
@pytest.mark.parametrize("snippet", CORNERS)
def test_corner_cases_accepted_like_nix(snippet):
    text = PREFIX + snippet
    assert we_accept(text) == nix_accepts(text), text


@needs_nix
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(soup, tight_soup))
def test_generated_soups_accepted_like_nix(text):
    text = PREFIX + text
    assert we_accept(text) == nix_accepts(text), text
