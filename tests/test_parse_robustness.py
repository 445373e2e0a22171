"""Whatever the input, parsing yields a tree or a NixSyntaxError, nothing else.

The error must also be renderable (both layouts) and point inside the text.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixeval.syntax import NixSyntaxError, ast, parse_text

FRAGMENTS = [
    "{", "}", "${", "$", "''", "'", '"', "\\", "(", ")", "[", "]", "./a", "./a/", "a/b",
    "/abs", "~/x", "~/", "../", "let", "in", "rec", "inherit", "if", "then", "else",
    "assert", "with", "=", ";", ":", "@", ",", ".", "...", "?", "or", "<x>", "<x/y>", "#",
    "/*", "*/", "\n", "\r", "\r\n", "\t", " ", "  ", "0", "1", "9223372036854775807",
    "9223372036854775808", "1.5", ".5", "1.", "1e5", "1.0e5", "a", "b", "x", "f", "__curPos",
    "a'", "a-b", "http://e.org/p", "!", "-", "+", "*", "/", "//", "++", "==", "!=", "<",
    "<=", ">", ">=", "&&", "||", "->", "|>", "<|", "''$", "'''", "''\\", "$${", "\\${",
    "true", "null", "λ", "\x00", "\udc80",
]

token_soup = st.lists(st.sampled_from(FRAGMENTS), max_size=30)
texts = st.one_of(
    st.text(),
    token_soup.map("".join),
    token_soup.map(" ".join),
    # arbitrary bytes, read as nixeval reads files
    st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")),
)


def parse_or_error(text: str, pipe_operators: bool = False) -> ast.Node | NixSyntaxError:
    try:
        return parse_text(text, "/robust.nix", pipe_operators=pipe_operators)
    except NixSyntaxError as e:
        # the error is usable: it renders, and its offset lies inside the text
        assert 0 <= e.offset <= len(text)
        assert e.message
        assert e.render().startswith("/robust.nix:")
        assert e.render_nix().startswith("error: ")
        assert e.position.startswith("/robust.nix:")
        return e


def check_tree(node: ast.Node, text: str) -> None:
    assert isinstance(node, ast.Node)
    assert 0 <= node.start <= node.end <= len(text)
    node.span  # noqa: B018  (positions resolve to lines and columns)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.booleans())
def test_any_text_parses_or_raises_syntax_error(text, pipes):
    result = parse_or_error(text, pipes)
    if isinstance(result, ast.Node):
        check_tree(result, text)


@settings(max_examples=300, deadline=None)
@given(token_soup.map("".join))
def test_interpolated_soup(text):
    # inside a string and an indented string the lexer's other modes are exercised
    for wrapped in (f'"{text}"', f"''{text}''", f'"${{{text}}}"', f"./p/${{{text}}}",
                    f"{{ {text} = 1; }}", f"let {text}; in 1"):
        result = parse_or_error(wrapped)
        if isinstance(result, ast.Node):
            check_tree(result, wrapped)


N = 5000

DEEP = {
    "parens": "(" * N + "1" + ")" * N,
    "lists": "[" * N + "]" * N,
    "attrs": "{ a = " * N + "1" + "; }" * N,
    "rec-attrs": "rec { a = " * N + "1" + "; }" * N,
    "attr-path": "{ " + ".".join(["a"] * N) + " = 1; }",
    "lets": "let a = 1; in " * N + "a",
    "legacy-lets": "let { body = " * N + "1" + "; }" * N,
    "lambdas": "x: " * N + "x",
    "formal-defaults": "{ a ? " * N + "1" + " }: a" * N,
    "with": "with a; " * N + "b",
    "assert": "assert a; " * N + "b",
    "if": "if a then " * N + "b" + " else c" * N,
    "neg": "- " * N + "1",
    "not": "! " * N + "true",
    "plus": " + ".join(["1"] * N),
    "minus-parens": "(" * N + "1" + " - 1)" * N,
    "concat": " ++ ".join(["[ ]"] * N),
    "implication": " -> ".join(["a"] * N),
    "update": " // ".join(["a"] * N),
    "hasattr": "a" + " ? b" * N,
    "select": "a" + ".b" * N,
    "select-or": "a.b or " * N + "c",
    "calls": "f" + " a" * N,
    "call-parens": "(" * N + "f" + " a)" * N,
    "call-args": "f" + " (f" * N + ")" * N,
    "cursed-or": "(" * N + "x" + " or)" * N,
    "strings": '"${' * N + "1" + '}"' * N,
    "indented-strings": "''${" * N + "1" + "}''" * N,
    "paths": "./a${" * N + "b" + "}" * N,
    "dynamic-attrs": "{ ${" * N + "a" + "} = 1; }" * N,
    "inherit-from": "{ inherit (" * N + "a" + ") b; }" * N,
    "unclosed-parens": "(" * N,
    "unclosed-strings": '"${' * N,
    "unclosed-braces": "{ a = " * N,
    "long-string": '"' + "a\\n$" * N + '"',
    "long-comment": "/*" + "*" * N + " 1",
    "many-bindings": "{ " + " ".join(f"a{i} = {i};" for i in range(N)) + " }",
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_parses_or_raises_syntax_error(text):
    result = parse_or_error(text)
    if isinstance(result, ast.Node):
        assert result.end <= len(text)


@pytest.mark.parametrize("pipes", [False, True])
def test_pipe_operators(pipes):
    result = parse_or_error("a |> f", pipes)
    assert isinstance(result, ast.Node) == pipes
