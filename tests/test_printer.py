"""The printer: ``parse(to_source(tree)) == tree``.

Generated trees are ones the parser can produce (no ``Call`` of a ``Call``
unless through ``x or``, unique attribute and formal names, ``inherit (e)``
sources in clause order); real sources are round-tripped as well.
"""

from __future__ import annotations

import sys

import pytest
from conftest import FIXTURES, NIX_LANG_TESTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixeval.syntax import NixSyntaxError, ast, parse_text
from nixeval.syntax.printer import format_float, quote_attr, quote_string, to_source
from nixeval.syntax.source import Source

SRC = Source("«generated»", "")
KEYWORDS = ["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"]
BINOPS = ["==", "!=", "<", "<=", ">", ">=", "&&", "||", "->", "//", "++", "+", "-", "*", "/"]
PATH_CHARS = "abcxyzABZ0129._-+"


def mk(cls, *fields):
    return cls(SRC, 0, 0, *fields)


def reparse(node: ast.Node) -> ast.Node:
    return parse_text(to_source(node), "«printed»")


def assert_round_trip(node: ast.Node) -> None:
    text = to_source(node)
    try:
        again = parse_text(text, "«printed»")
    except NixSyntaxError as e:
        raise AssertionError(f"printed source does not parse: {text!r}\n{e}") from None
    assert again == node, text
    # printing is a function of the tree alone, so it is stable too
    assert to_source(again) == text


# ---------------------------------------------------------------------------
# strategies


identifiers = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_'\-]{0,6}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS and s != "__curPos")

awkward_chars = st.sampled_from(
    ["$", "{", "}", "${", "$${", "\\", '"', "'", "''", "\n", "\r", "\r\n", "\t", " ",
     "\\${", "''$", "'''", "#", "/*", "é", "λ", "\U0001f600", "\udc80", "\x7f", "a", "1"])
# no NUL: Nix cannot represent it in a string
texts = st.lists(awkward_chars | st.characters(exclude_characters="\x00"),
                 max_size=8).map("".join)

# attribute names: anything, keywords and `or` included
attr_names = st.one_of(identifiers, st.sampled_from([*KEYWORDS, "__curPos", "", "a b", "1"]),
                       texts)

path_segments = st.text(PATH_CHARS, min_size=1, max_size=4)


@st.composite
def path_values(draw):
    segs = draw(st.lists(path_segments, min_size=1, max_size=3))
    prefix = draw(st.sampled_from(["./", "../", "/", "~/", ""]))
    if prefix == "":
        segs = [*segs, draw(path_segments)]  # `a/b` needs a slash
    return prefix + "/".join(segs)


search_paths = st.lists(path_segments, min_size=1, max_size=3).map("/".join)

floats = st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).filter(
    # subnormals are "invalid float" in Nix (strtod reports ERANGE)
    lambda f: f == 0.0 or f >= sys.float_info.min)

leaves = st.one_of(
    st.integers(0, 2**63 - 1).map(lambda v: mk(ast.Int, v)),
    floats.map(lambda v: mk(ast.Float, v)),
    texts.map(lambda v: mk(ast.Str, v)),
    path_values().map(lambda v: mk(ast.Path, v)),
    search_paths.map(lambda v: mk(ast.SearchPath, v)),
    identifiers.map(lambda v: mk(ast.Var, v)),
    st.just(mk(ast.CurPos)),
    st.just(mk(ast.List, ())),
    st.just(mk(ast.Attrs, False, ())),
)


def _not_str(node):
    return not isinstance(node, ast.Str)


def extend(e):
    """Compound nodes over the child strategy ``e``."""
    # a dynamic attribute name: `${"a"}` would be the static name `a` in Nix
    dyn_names = e.filter(_not_str)
    path_names = st.one_of(attr_names, dyn_names)
    attr_paths = st.lists(path_names, min_size=1, max_size=3).map(tuple)

    str_parts = st.lists(st.one_of(texts.map(lambda v: mk(ast.Str, v)), e),
                         min_size=1, max_size=4).map(tuple)

    @st.composite
    def path_interps(draw):
        base = draw(st.sampled_from(["./a", "./a/", "/", "a/", "~/", "~/x", "/x/y", "a/b/"]))
        parts: list[ast.Node] = [mk(ast.Path, base)]
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["expr", "fragment", "text"]))
            if kind == "expr":
                parts.append(draw(e))
            elif kind == "fragment":
                frag = draw(st.from_regex(r"[a-z.+-]{0,2}(/[a-z0-9]{1,2}){0,2}/?", fullmatch=True)
                            .filter(bool))
                parts.append(mk(ast.Str, frag))
            else:
                parts.append(mk(ast.Str, draw(texts)))
        return mk(ast.PathInterp, tuple(parts))

    @st.composite
    def calls(draw):
        if draw(st.booleans()):
            # `x or` (the "cursed or"), optionally applied further: `(x or) b`
            fn = draw(e)
            rest = draw(st.lists(e, max_size=2))
            return mk(ast.Call, fn, (mk(ast.Var, "or"), *rest))
        fn = draw(e.filter(lambda n: not isinstance(n, ast.Call)))
        return mk(ast.Call, fn, tuple(draw(st.lists(e, min_size=1, max_size=3))))

    @st.composite
    def lambdas(draw):
        body = draw(e)
        if draw(st.booleans()):
            return mk(ast.Lambda, draw(identifiers), None, body)
        names = draw(st.lists(identifiers, max_size=4, unique=True))
        arg = draw(st.none() | identifiers.filter(lambda n: n not in names))
        formals = tuple(mk(ast.Formal, n, draw(st.none() | e)) for n in names)
        return mk(ast.Lambda, arg, mk(ast.Formals, formals, draw(st.booleans())), body)

    @st.composite
    def bindings(draw, recursive: bool, dynamic: bool):
        """An attribute set built clause by clause, as the parser builds it."""
        attrs: dict[str, ast.AttrDef] = {}
        sources: list[ast.Node] = []
        names = st.one_of(attr_names, st.just("or")).filter(lambda n: n not in attrs)
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["plain", "plain", "inherit", "inherit_from"]))
            if kind == "plain":
                name = draw(names)
                attrs[name] = mk(ast.AttrDef, name, draw(e))
            elif kind == "inherit":
                for name in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
                    attrs[name] = mk(ast.AttrDef, name, mk(ast.Var, name),
                                     ast.AttrKind.INHERITED)
            else:
                sources.append(draw(e))
                index = len(sources) - 1
                for name in draw(st.lists(names, max_size=3, unique=True)):
                    value = mk(ast.Select, mk(ast.InheritFrom, index), (name,), None)
                    attrs[name] = mk(ast.AttrDef, name, value, ast.AttrKind.INHERITED_FROM)
        dyn = ()
        if dynamic:
            dyn = tuple(mk(ast.DynAttr, n, v)
                        for n, v in draw(st.lists(st.tuples(dyn_names, e), max_size=2)))
        return mk(ast.Attrs, recursive, tuple(attrs.values()), dyn, tuple(sources))

    attr_sets = st.booleans().flatmap(lambda rec: bindings(rec, True))

    return st.one_of(
        str_parts.map(lambda ps: mk(ast.StrInterp, ps)),
        path_interps(),
        st.tuples(e, attr_paths, st.none() | e).map(lambda t: mk(ast.Select, *t)),
        st.tuples(e, attr_paths).map(lambda t: mk(ast.HasAttr, *t)),
        calls(),
        lambdas(),
        st.tuples(bindings(False, False), e).map(lambda t: mk(ast.Let, *t)),
        st.tuples(e, e).map(lambda t: mk(ast.With, *t)),
        st.tuples(e, e).map(lambda t: mk(ast.Assert, *t)),
        st.tuples(e, e, e).map(lambda t: mk(ast.If, *t)),
        e.map(lambda x: mk(ast.Not, x)),
        e.map(lambda x: mk(ast.Neg, x)),
        st.tuples(st.sampled_from(BINOPS), e, e).map(
            lambda t: ast.BinOp(SRC, 0, 0, *t, 0)),
        st.lists(e, max_size=4).map(lambda xs: mk(ast.List, tuple(xs))),
        attr_sets,
    )


trees = st.recursive(leaves, extend, max_leaves=25)


# ---------------------------------------------------------------------------
# properties


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_generated_trees_round_trip(tree):
    assert_round_trip(tree)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_strings_round_trip(value):
    assert reparse(mk(ast.Str, value)) == mk(ast.Str, value)


@settings(max_examples=300, deadline=None)
@given(attr_names)
def test_attribute_names_round_trip(name):
    node = mk(ast.Attrs, False, (mk(ast.AttrDef, name, mk(ast.Int, 1)),))
    assert_round_trip(node)
    assert_round_trip(mk(ast.Select, mk(ast.Var, "x"), (name,), None))


@settings(max_examples=300, deadline=None)
@given(floats)
def test_floats_round_trip(value):
    text = format_float(value)
    assert "." in text.partition("e")[0]
    assert reparse(mk(ast.Float, value)) == mk(ast.Float, value)


# ---------------------------------------------------------------------------
# examples


@pytest.mark.parametrize(("value", "text"), [
    (1e16, "1.0e+16"), (1.5, "1.5"), (0.0, "0.0"), (2.5e-07, "2.5e-07"), (1e300, "1.0e+300"),
    (123.0, "123.0"),
])
def test_float_format(value, text):
    assert format_float(value) == text


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_non_finite_floats_are_refused(value):
    with pytest.raises(ValueError):
        to_source(mk(ast.Float, value))


@pytest.mark.parametrize(("value", "text"), [
    ("", '""'), ("a\"b", '"a\\"b"'), ("a\\b", '"a\\\\b"'), ("${x}", '"\\${x}"'),
    ("$x", '"$x"'), ("$", '"$"'), ("a\nb\tc\rd", '"a\\nb\\tc\\rd"'), ("λ", '"λ"'),
])
def test_string_escapes(value, text):
    assert quote_string(value) == text


@pytest.mark.parametrize(("name", "text"), [
    ("a", "a"), ("or", "or"), ("a'-_b", "a'-_b"), ("if", '"if"'), ("inherit", '"inherit"'),
    ("a b", '"a b"'), ("", '""'), ("1a", '"1a"'), ("${", '"\\${"'),
])
def test_attribute_name_quoting(name, text):
    assert quote_attr(name) == text


@pytest.mark.parametrize(("source", "printed"), [
    ("1 + 2", "(1 + 2)"),
    ("x: x", "(x: x)"),
    ("let a = 1; in a", "(let a = 1; in a)"),
    ("{ a.b = 1; }", "{ a = { b = 1; }; }"),
    ("f a b", "(f a b)"),
    ("a.b or c", "(a.b or c)"),
    ("x or", "(x or)"),
    ("(x or) y", "((x or) y)"),
    ("1.0e16", "1.0e+16"),
    ("./a/${b}c", "./a/${b}c"),
    ("<nixpkgs/lib>", "<nixpkgs/lib>"),
    ("{ inherit a; inherit (b) c d; }", "{ inherit a; inherit (b) c d; }"),
    ("{ a, b ? 1, ... }@x: a", "({ a, b ? 1, ... } @ x: a)"),
    ('"a${"b"}"', '"a${"b"}"'),
    ('"${"a"}"', '"${"a"}"'),
    ("- ./a", "(- ./a)"),
    ("(1).a", "((1).a)"),
    ("http://example.org/x", '"http://example.org/x"'),
])
def test_printed_forms(source, printed):
    assert to_source(parse_text(source)) == printed


def test_bare_inherit_from_is_refused():
    with pytest.raises(ValueError):
        to_source(mk(ast.InheritFrom, 0))


SNIPPETS = [
    "1", "0", "9223372036854775807", "1.5", ".5", "1.", "1.0e-5", "1.5E3", "0.0",
    '""', '"a"', '"\\n\\t\\r\\\\\\"\\$"', '"$${x}"', '"\\${x}"', '"$"', '"a$"', '"${x}$"',
    '"$$"', '"a${b}c${d}"', '"${a}${b}"', '"${"a"}b"', '"a${"b"}${""}"', '"λ é \\u"',
    "''\n  a\n    b\n  ''", "''\n\ta\n  ''", "''a''$b'''c''\\nd''", "''${a}''", "''''",
    "''  ${a}\n  b''", "''\n  a\n  ''\\ \n''", "''$''", "''\n  $\n''",
    "x", "__curPos", "a'", "a-b", "a_'-", "./a", "../a/b", "/abs", "~/x", "a/b", "a/b.c",
    "./a/${b}", "./a/${b}/c", "./a${b}c", "~/${x}", "/${x}", "a/${b}", "./${b}c/d",
    "<a>", "<a/b.c>", "http://x.org/a?b=c", "mirror://gnu/hello.tar.gz",
    "a.b.c", "a.b or c", "a.b.c or d.e or f", 'a."b c".${d}', 'a."${b}c"', "a.${b}.c",
    "a.or", "(a.b).c", "{}.a", "[].a or 1", '"s".a', "(1).a", "(./a).b", "(<a>).b",
    "a ? b", "a ? b.c", 'a ? "b c"', "a ? ${b}", "a ? b ? c", "-a ? b",
    "f a", "f a b", "(f a) b", "f (g a) b", "f a.b or c", "f x or y", "x or", "(f a) or",
    "(x or) b", "(x or) b c", "f a or", "map or [ ]",
    "x: x", "x: y: x", "{ }: 1", "{ ... }: 1", "{ a, }: a", "{ a, b ? a, ... }: b",
    "a@{ b }: b", "{ b }@a: b", "{ b ? c: c }: b",
    "let a = 1; in a", "let in 1", "let a.b = 1; a.c = 2; in a", "let inherit a; in a",
    "let inherit (x) a b; inherit (y); in a", "let { body = 1; }", "let { a = 1; body = a; }",
    "with a; b", "assert a; b", "if a then b else c", "if a then if b then c else d else e",
    "!a", "!a + b", "!!a", "-a", "- -a", "--1", "-1", "1 - -1", "a-b", "a - b", "a -b",
    "a + b * c", "(a + b) * c", "a ++ b ++ c", "(a ++ b) ++ c", "a - b - c", "a - (b - c)",
    "a -> b -> c", "(a -> b) -> c", "a // b // c", "a || b && c", "a == b && c != d",
    "a < b || a > b || a <= b || a >= b", "a / b", "a/ b", "a * b / c", "1/2",
    "[ ]", "[ 1 2 3 ]", "[ (f a) b ]", "[ a.b or c ]", "[ (-1) ]", "[ ./a ./b ]",
    "{ }", "{ a = 1; }", "rec { a = 1; b = a; }", "{ a.b.c = 1; a.b.d = 2; a.e = 3; }",
    "{ a = { b = 1; }; a.c = 2; }", "{ a.b = 1; a = { c = 2; }; }",
    "{ a = rec { b = 1; }; a.c = b; }",
    "{ ${a} = 1; }", '{ "${a}b" = 1; }', '{ "a b" = 1; "" = 2; }', "{ or = 1; }",
    "{ a.${b}.c = 1; }", "{ ${a}.b = 1; ${a}.c = 2; }", '{ "if" = 1; "in" = 2; }',
    "{ inherit a b; inherit (c) d; e = 1; inherit (f) g h; }", "{ inherit (c); }",
    '{ inherit "a b" or; }', "{ inherit (a) or; }",
    "{ a = { inherit (x) y; }; a = { inherit (z) w; }; }",
    "{ a.b = 1; a = { inherit (x) c; }; a = { inherit (y) d; }; }",
    "a: { inherit a; b = a; }", "let a = { inherit (x) a; }; in a",
    "builtins.map (x: x + 1) [ 1 2 3 ]",
    "{ pkgs ? import <nixpkgs> { }, ... }: pkgs.hello",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_snippets_round_trip(text):
    assert_round_trip(parse_text(text))


def _files():
    found = sorted(FIXTURES.glob("accepted/*.nix"))
    if NIX_LANG_TESTS.is_dir():
        found += sorted(NIX_LANG_TESTS.glob("parse-okay-*.nix"))
        found += sorted(NIX_LANG_TESTS.glob("eval-okay-*.nix"))
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_files_round_trip(path):
    """Every file real Nix parses parses here and survives printing."""
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    assert_round_trip(parse_text(text, str(path)))


def test_nix_lang_tests_present():
    if not NIX_LANG_TESTS.is_dir():
        pytest.skip(f"{NIX_LANG_TESTS} not found: only fixtures and inline snippets ran")
    assert any(NIX_LANG_TESTS.glob("parse-okay-*.nix"))
