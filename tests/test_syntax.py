"""Lexer and parser semantics where an implementation can easily drift from Nix.

Expected values are Nix's; where ``nix-instantiate`` is installed, string values
and operator grouping are also checked against it directly (Nix 2.8 prints
``--parse`` output in its own syntax, which ``nix_show`` reproduces for the
operator subset).
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import NIX_LANG_TESTS, needs_nix, nix_instantiate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixeval.syntax import NixSyntaxError, ast, parse_text
from nixeval.syntax.source import Source

SRC = Source("«test»", "")


def mk(cls, *fields):
    return cls(SRC, 0, 0, *fields)


def V(name):
    return mk(ast.Var, name)


def I(value):  # noqa: E743
    return mk(ast.Int, value)


def S(value):
    return mk(ast.Str, value)


def Op(op, lhs, rhs):
    return ast.BinOp(SRC, 0, 0, op, lhs, rhs, 0)


def Call(fn, *args):
    return mk(ast.Call, fn, args)


OR = V("or")


def parse(text: str, name: str = "«string»", **kw) -> ast.Node:
    return parse_text(text, name, **kw)


def syntax_error(text: str, name: str = "«string»", **kw) -> NixSyntaxError:
    with pytest.raises(NixSyntaxError) as info:
        parse_text(text, name, **kw)
    return info.value


def string_value(node: ast.Node) -> str | None:
    """The value of a string literal (interpolating only string literals), else None."""
    if isinstance(node, ast.Str):
        return node.value
    if isinstance(node, ast.StrInterp):
        parts = [string_value(p) for p in node.parts]
        if all(p is not None for p in parts):
            return "".join(parts)
    return None


def our_string(text: str) -> str | None:
    try:
        return string_value(parse_text(text))
    except NixSyntaxError:
        return None


# ---------------------------------------------------------------------------
# real Nix


def _nix(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nix_instantiate, *args], capture_output=True, text=True, timeout=60)


def nix_string(text: str) -> str | None:
    """The string ``text`` evaluates to in Nix, or None (error, or not a string)."""
    return nix_strings([text])[0]


def _bisect(texts: list[str], run_batch) -> list:
    """``run_batch`` over ``texts``; a batch that fails as a whole is split in halves."""
    if not texts:
        return []
    results = run_batch(texts)
    if results is not None:
        return results
    if len(texts) == 1:
        return [None]
    mid = len(texts) // 2
    return _bisect(texts[:mid], run_batch) + _bisect(texts[mid:], run_batch)


def _eval_strings(texts: list[str]) -> list[str | None] | None:
    batch = "[\n" + "\n".join(f"({t}\n)" for t in texts) + "\n]"
    r = _nix(["--eval", "--strict", "--json", "-E", batch])
    if r.returncode != 0:
        return None
    values = json.loads(r.stdout)
    if len(values) != len(texts):  # a text that is not one expression
        return [None] if len(texts) == 1 else None
    return [v if isinstance(v, str) else None for v in values]


def nix_strings(texts: list[str]) -> list[str | None]:
    """``nix_string`` of each text, in as few runs of Nix as possible."""
    return _bisect(texts, _eval_strings)


def assert_strings_like_nix(texts: list[str]) -> None:
    ours = [our_string(t) for t in texts]
    theirs = nix_strings(texts)
    for text, a, b in zip(texts, ours, theirs, strict=True):
        if a != b:  # confirm alone, out of the batch
            assert a == nix_string(text), text


def _parse_show(texts: list[str]) -> list[str | None] | None:
    r = _nix(["--parse", "-E", *("with {}; " + t for t in texts)])
    lines = r.stdout.splitlines()
    if r.returncode == 0 and len(lines) == len(texts):
        return [_strip_with(line) for line in lines]
    return [None] if len(texts) == 1 else None


def nix_parse_show(texts: list[str], expect_ok: list[bool]) -> list[str | None]:
    """Nix 2.8's ``--parse`` rendering of each text, None where it is rejected.

    Texts expected to parse go in batches; the others, one per run, in parallel.
    """
    good = [t for t, ok in zip(texts, expect_ok, strict=True) if ok]
    bad = [t for t, ok in zip(texts, expect_ok, strict=True) if not ok]
    shown = dict(zip(good, _bisect(good, _parse_show), strict=True))
    with ThreadPoolExecutor(8) as pool:
        shown.update(zip(bad, pool.map(lambda t: _parse_show([t])[0], bad), strict=True))
    return [shown[t] for t in texts]


def _strip_with(line: str) -> str:
    assert line.startswith("(with { }; ") and line.endswith(")"), line
    return line[len("(with { }; "):-1]


def nix_show(node: ast.Node) -> str:
    """``node`` as Nix 2.8's ``--parse`` prints it (operators, selects, calls)."""
    if isinstance(node, ast.Var):
        return node.name
    if isinstance(node, ast.Int):
        return str(node.value)
    if isinstance(node, ast.Not):
        return f"(! {nix_show(node.expr)})"
    if isinstance(node, ast.Neg):
        return f"(__sub 0 {nix_show(node.expr)})"
    if isinstance(node, ast.HasAttr):
        return f"(({nix_show(node.expr)}) ? {'.'.join(node.path)})"
    if isinstance(node, ast.Select):
        text = f"({nix_show(node.expr)}).{'.'.join(node.path)}"
        return text + (f" or ({nix_show(node.default)})" if node.default else "")
    if isinstance(node, ast.Call):
        return "(" + " ".join(nix_show(n) for n in (node.fn, *node.args)) + ")"
    if isinstance(node, ast.BinOp):
        a, b = nix_show(node.lhs), nix_show(node.rhs)
        return {
            "-": f"(__sub {a} {b})", "*": f"(__mul {a} {b})", "/": f"(__div {a} {b})",
            "<": f"(__lessThan {a} {b})", ">": f"(__lessThan {b} {a})",
            "<=": f"(! (__lessThan {b} {a}))", ">=": f"(! (__lessThan {a} {b}))",
        }.get(node.op, f"({a} {node.op} {b})")
    raise NotImplementedError(type(node).__name__)


# ---------------------------------------------------------------------------
# strings


@pytest.mark.parametrize(("source", "value"), [
    (r'"a\nb"', "a\nb"),
    (r'"\t\r\n"', "\t\r\n"),
    (r'"\$"', "$"),
    (r'"\${x}"', "${x}"),
    (r'"$${x}"', "$${x}"),
    (r'"$\{x}"', "${x}"),
    (r'"\\${"x"}"', "\\x"),
    (r'"$"', "$"),
    (r'"a$"', "a$"),
    (r'"$$"', "$$"),
    (r'"\a\q\'"', "aq'"),
    (r'"\""', '"'),
    (r'"\\"', "\\"),
    ('"a\\\nb"', "a\nb"),  # backslash-newline is an escaped newline
    ('"{}"', "{}"),
    ('"${"a"}${"b"}"', "ab"),
    ('"λ\\λ"', "λλ"),
])
def test_string_escapes(source, value):
    assert string_value(parse(source)) == value


def test_dollar_dollar_brace_is_not_interpolation():
    assert parse('"$${x}"') == S("$${x}")
    assert parse("''$${x}''") == S("$${x}")
    assert parse('"$${x}${y}"') == mk(ast.StrInterp, (S("$${x}"), V("y")))


def test_interpolation_parts():
    assert parse('"a${b}c"') == mk(ast.StrInterp, (S("a"), V("b"), S("c")))
    assert parse('"${b}"') == mk(ast.StrInterp, (V("b"),))
    assert parse('""') == S("")
    assert parse("''''") == S("")


INDENTED = [
    ("''\n  a\n    b\n  ''", "a\n  b\n"),
    # tabs are not indentation
    ("''\n\ta\n  b\n''", "\ta\n  b\n"),
    ("''\n  a\n\t  b\n''", "  a\n\t  b\n"),
    # whitespace-only lines do not count towards the indentation
    ("''\n    a\n  \n    b\n''", "a\n\nb\n"),
    ("''\n    a\n\n    b\n''", "a\n\nb\n"),
    # the last line is dropped when it holds only spaces
    ("''\n  a\n  ''", "a\n"),
    ("''\n  a\n   ''", "a\n"),
    ("''\n  a\n  b''", "a\nb"),
    ("''  a\n  b''", "a\nb"),
    ("''  a  ''", "a  "),
    ("''\n''", ""),
    ("''\n  ''", ""),
    # escapes: they end the indentation but are not stripped themselves
    ("''''$''", "$"),
    ("'''''''", "''"),
    ("''''\\n''", "\n"),
    ("''''\\t''", "\t"),
    ("''''\\\\''", "\\"),
    ("''''\\x''", "x"),
    ("''\n  ''$x\n   a''", "$x\n a"),
    ("''\n  ''\\ a\n  b\n''", " a\nb\n"),
    ("''\n  a\n  ''\\n''", "a\n\n"),
    ("''\n  a\n  ''\\ ''", "a\n "),
    ("''\n  a'b'''c\n''", "a'b''c\n"),
    ("''\n  $a\n''", "$a\n"),
    ("''$''", "$"),
    ("''a'''b''", "a''b"),
    ("''\\n''", "\\n"),
    ("''\"''", '"'),
    # an interpolation at the start of a line ends its indentation
    ("''\n  ${\"x\"}\n    a\n  ''", "x\n  a\n"),
    ("''\n    ${\"x\"}\n  a\n''", "  x\na\n"),
    ("''\n  a ${\"x\"} b\n    c\n''", "a x b\n  c\n"),
]


@pytest.mark.parametrize(("source", "value"), INDENTED)
def test_indented_strings(source, value):
    assert string_value(parse(source)) == value


def test_indented_string_parts_are_merged():
    # `''$` and `'''` are separate tokens in Nix; the tree joins adjacent literals
    assert parse("''a''$b'''c''") == S("a$b''c")
    node = parse("''\n  a\n  ${x}\n  b\n''")
    assert node == mk(ast.StrInterp, (S("a\n"), V("x"), S("\nb\n")))


def test_crlf_in_strings():
    assert parse('"a\r\nb"') == S("a\nb")
    assert parse('"a\rb"') == S("a\nb")
    assert parse('"a\n\rb"') == S("a\n\nb")
    assert parse('"a\\r\\nb"') == S("a\r\nb")  # escapes are not normalised
    # indented strings keep CRs (so CRLF lines are never indented)
    assert parse("''\r\n  a\r\n  b\r\n''") == S("\r\n  a\r\n  b\r\n")


@pytest.mark.parametrize(("source", "value"), [
    ('"a\\\r\nb"', "a\r\nb"),
    ('"a\\\rb"', "a\rb"),
    ("''a''\\\r\nb''", "a\r\nb"),
])
def test_backslash_cr(source, value):
    assert string_value(parse(source)) == value


@pytest.mark.parametrize("source", ['"a\x00b"', "''a\x00b''", '"a\\\x00b"'])
def test_nul_in_string_is_an_error(source):
    e = syntax_error(source)
    assert "contains null bytes" in e.message


STRING_CASES = [
    r'"a\nb"', r'"\$"', r'"\${x}"', r'"$${x}"', r'"$\{x}"', r'"a$"', r'"$$"', r'"\a\q"',
    r'"\""', r'"\\"', '"a\\\nb"', '"a\r\nb"', '"a\rb"', '"a\\r\\nb"', '"λ"',
    "''\r\n  a\r\n  b\r\n''", "''\n  a\n\r  b\n''",
]


@needs_nix
def test_strings_like_nix():
    assert_strings_like_nix(STRING_CASES + [source for source, _ in INDENTED])


DQ_CHUNKS = ["a", " ", "\\n", "\\t", "\\r", "\\\\", '\\"', "\\$", "$", "{", "}", '${"x"}',
             "\\${", "$\\{", "\n", "\t", "\r", "\r\n", "'", "''", "λ", "\\a", "\\\n", "#"]
IND_CHUNKS = ["a", " ", "  ", "    ", "\n", "\t", "''$", "'''", "''\\n", "''\\t", "''\\ ",
              "''\\\\", "$", "{", "}", "'", '${"x"}', "\\", '"', "\r\n", "\r", "\\n", "λ", "#"]

string_sources = st.one_of(
    st.lists(st.sampled_from(DQ_CHUNKS), max_size=10).map(lambda cs: '"' + "".join(cs) + '"'),
    st.lists(st.sampled_from(IND_CHUNKS), max_size=14).map(lambda cs: "''" + "".join(cs) + "''"),
).filter(lambda s: "\\\r" not in s)  # the backslash-CR bug is tested above


@needs_nix
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(string_sources, min_size=1, max_size=12))
def test_generated_strings_like_nix(sources):
    assert_strings_like_nix(sources)


# ---------------------------------------------------------------------------
# paths


@pytest.mark.parametrize(("source", "parts"), [
    ("./a/${b}", (mk(ast.Path, "./a/"), V("b"))),
    ("./a/${b}c", (mk(ast.Path, "./a/"), V("b"), S("c"))),
    ("./a/${b}/c", (mk(ast.Path, "./a/"), V("b"), S("/c"))),
    ("./a${b}c/d.e", (mk(ast.Path, "./a"), V("b"), S("c/d.e"))),
    ("~/${b}", (mk(ast.Path, "~/"), V("b"))),
    ("/${b}", (mk(ast.Path, "/"), V("b"))),
    ("a/${b}", (mk(ast.Path, "a/"), V("b"))),
    ("./${b}${c}", (mk(ast.Path, "./"), V("b"), V("c"))),
    ('./a/${"b"}', (mk(ast.Path, "./a/"), S("b"))),
])
def test_path_interpolation(source, parts):
    assert parse(source) == mk(ast.PathInterp, parts)


@pytest.mark.parametrize(("source", "value"), [
    ("./a", "./a"), ("../a/b", "../a/b"), ("/a/b", "/a/b"), ("~/a", "~/a"), ("a/b", "a/b"),
    ("a/b.nix", "a/b.nix"), ("./.", "./."), ("1/2", "1/2"), ("a+b/c-d_e", "a+b/c-d_e"),
])
def test_paths(source, value):
    assert parse(source) == mk(ast.Path, value)


def test_path_ends_at_non_path_character():
    assert parse("[ ./a ./b ]") == mk(ast.List, (mk(ast.Path, "./a"), mk(ast.Path, "./b")))
    assert parse("./a+./b") == mk(ast.Path, "./a+./b")
    assert parse("./a + ./b") == Op("+", mk(ast.Path, "./a"), mk(ast.Path, "./b"))


@pytest.mark.parametrize("source", ["./a/", "/a/b/", "a/b/", "~/a/", "./a/${b}/", "./a/ "])
def test_trailing_slash(source):
    assert syntax_error(source).message == "path has a trailing slash"


def test_search_paths_and_uris():
    assert parse("<nixpkgs/lib>") == mk(ast.SearchPath, "nixpkgs/lib")
    assert parse("http://x.org/a?b=c&d") == S("http://x.org/a?b=c&d")
    assert parse("x:y") == S("x:y")  # a URI, not a lambda
    assert parse("x: y") == mk(ast.Lambda, "x", None, V("y"))


# ---------------------------------------------------------------------------
# select, `or`, calls


def sel(expr, *path, default=None):
    return mk(ast.Select, expr, path, default)


@pytest.mark.parametrize(("source", "tree"), [
    ("a.b or c", sel(V("a"), "b", default=V("c"))),
    ("a.b.c or d", sel(V("a"), "b", "c", default=V("d"))),
    ("a.b or c.d or e", sel(V("a"), "b", default=sel(V("c"), "d", default=V("e")))),
    ("f a.b or c", Call(V("f"), sel(V("a"), "b", default=V("c")))),
    ("a.b or c d", Call(sel(V("a"), "b", default=V("c")), V("d"))),
    # the "cursed or": `x or` is x applied to a variable named `or`
    ("x or", Call(V("x"), OR)),
    ("f x or y", Call(V("f"), Call(V("x"), OR), V("y"))),
    ("(f a) or", Call(Call(V("f"), V("a")), OR)),
    ("(x or) b", Call(V("x"), OR, V("b"))),
    ("a.or", sel(V("a"), "or")),
    ("{ or = 1; }.or", sel(mk(ast.Attrs, False, (mk(ast.AttrDef, "or", I(1)),)), "or")),
    ("f a b c", Call(V("f"), V("a"), V("b"), V("c"))),
    ("(f a) b", Call(V("f"), V("a"), V("b"))),
    ("((f a) b) c", Call(V("f"), V("a"), V("b"), V("c"))),
    ("f (g a) b", Call(V("f"), Call(V("g"), V("a")), V("b"))),
    ("a.b c", Call(sel(V("a"), "b"), V("c"))),
    ('a."b c".${d}', sel(V("a"), "b c", V("d"))),
    ('a."${b}c"', sel(V("a"), mk(ast.StrInterp, (V("b"), S("c"))))),
    ('a."b"', sel(V("a"), "b")),
    ("let { body = 1; }",
     sel(mk(ast.Attrs, True, (mk(ast.AttrDef, "body", I(1)),)), "body")),
    ("__curPos", mk(ast.CurPos)),
])
def test_select_or_and_calls(source, tree):
    assert parse(source) == tree


@pytest.mark.parametrize(("source", "tree"), [
    ("a |> f", Call(V("f"), V("a"))),
    ("a |> f b", Call(V("f"), V("b"), V("a"))),
    ("a |> f |> g", Call(V("g"), Call(V("f"), V("a")))),
    ("f <| a", Call(V("f"), V("a"))),
    ("f <| g <| a", Call(V("f"), Call(V("g"), V("a")))),
])
def test_pipe_operators(source, tree):
    assert parse(source, pipe_operators=True) == tree
    assert "pipe-operators" in syntax_error(source).message


# ---------------------------------------------------------------------------
# operators


@pytest.mark.parametrize(("source", "tree"), [
    ("!a + b", mk(ast.Not, Op("+", V("a"), V("b")))),
    ("!a == b", Op("==", mk(ast.Not, V("a")), V("b"))),
    ("a + !b + c", Op("+", V("a"), mk(ast.Not, Op("+", V("b"), V("c"))))),
    ("-a ? b", mk(ast.HasAttr, mk(ast.Neg, V("a")), ("b",))),
    ("!a ? b", mk(ast.Not, mk(ast.HasAttr, V("a"), ("b",)))),
    ("-a.b", mk(ast.Neg, sel(V("a"), "b"))),
    ("- -a", mk(ast.Neg, mk(ast.Neg, V("a")))),
    ("a ++ b ++ c", Op("++", V("a"), Op("++", V("b"), V("c")))),
    ("a // b // c", Op("//", V("a"), Op("//", V("b"), V("c")))),
    ("a - b - c", Op("-", Op("-", V("a"), V("b")), V("c"))),
    ("a / b / c", Op("/", Op("/", V("a"), V("b")), V("c"))),
    ("a -> b -> c", Op("->", V("a"), Op("->", V("b"), V("c")))),
    ("a || b && c", Op("||", V("a"), Op("&&", V("b"), V("c")))),
    ("a ? b ? c", mk(ast.HasAttr, mk(ast.HasAttr, V("a"), ("b",)), ("c",))),
    ("a + b ? c", Op("+", V("a"), mk(ast.HasAttr, V("b"), ("c",)))),
    ("a ? b.c", mk(ast.HasAttr, V("a"), ("b", "c"))),
    ("a + b * c", Op("+", V("a"), Op("*", V("b"), V("c")))),
    ("a * b ++ c", Op("*", V("a"), Op("++", V("b"), V("c")))),
    ("a == b < c", Op("==", V("a"), Op("<", V("b"), V("c")))),
    ("a < b // c", Op("<", V("a"), Op("//", V("b"), V("c")))),
    ("f -1", Op("-", V("f"), I(1))),
    ("1 - -1", Op("-", I(1), mk(ast.Neg, I(1)))),
    ("a-b", V("a-b")),
])
def test_precedence(source, tree):
    assert parse(source) == tree


@pytest.mark.parametrize("source", ["a == b == c", "a != b == c", "a < b < c", "a <= b > c",
                                    "a >= b >= c", "a == !b == c"])
def test_non_associative_operators(source):
    assert syntax_error(source).message.startswith("syntax error, unexpected")


BINARY = ["==", "!=", "<", "<=", ">", ">=", "&&", "||", "->", "//", "++", "+", "-", "*", "/"]
TEMPLATES = ["a {} b {} c", "!a {} b {} c", "-a {} b {} c", "a {} !b {} c", "a {} -b {} c",
             "a {} b {} -c"]


def _operator_sources() -> list[str]:
    ops = [*BINARY, "?"]
    return [t.format(o1, o2) for t in TEMPLATES for o1 in ops for o2 in ops]


@needs_nix
def test_operator_grouping_like_nix():
    """Every pair of operators, with prefixes in each place, grouped as Nix groups them."""
    sources = _operator_sources()
    ours: list[str | None] = []
    for source in sources:
        try:
            ours.append(nix_show(parse(source)))
        except NixSyntaxError:
            ours.append(None)
    theirs = nix_parse_show(sources, [a is not None for a in ours])
    wrong = [(s, a, b) for s, a, b in zip(sources, ours, theirs, strict=True) if a != b]
    assert not wrong, wrong[:10]


# ---------------------------------------------------------------------------
# attribute sets, formals and their errors


def test_nested_attrs_are_merged():
    tree = parse("{ a.b = 1; a.c = 2; d = 3; }")
    inner = mk(ast.Attrs, False, (mk(ast.AttrDef, "b", I(1)), mk(ast.AttrDef, "c", I(2))))
    assert tree == mk(ast.Attrs, False, (mk(ast.AttrDef, "a", inner), mk(ast.AttrDef, "d", I(3))))
    assert parse("{ a = { b = 1; }; a.c = 2; d = 3; }") == tree
    assert parse("{ a.b = 1; a = { c = 2; }; d = 3; }") == tree


def test_inherit():
    tree = parse("{ inherit a; inherit (x) b c; inherit (y) d; }")
    assert tree.attrs == (
        mk(ast.AttrDef, "a", V("a"), ast.AttrKind.INHERITED),
        mk(ast.AttrDef, "b", sel(mk(ast.InheritFrom, 0), "b"), ast.AttrKind.INHERITED_FROM),
        mk(ast.AttrDef, "c", sel(mk(ast.InheritFrom, 0), "c"), ast.AttrKind.INHERITED_FROM),
        mk(ast.AttrDef, "d", sel(mk(ast.InheritFrom, 1), "d"), ast.AttrKind.INHERITED_FROM),
    )
    assert tree.inherit_from == (V("x"), V("y"))


def test_merged_inherit_from_indices_shift():
    tree = parse("{ a = { inherit (x) b; }; a = { inherit (y) c; }; }")
    inner = tree.attrs[0].value
    assert inner.inherit_from == (V("x"), V("y"))
    assert [d.value.expr.index for d in inner.attrs] == [0, 1]


@pytest.mark.parametrize(("source", "message", "position"), [
    ("{ a = 1; a = 2; }", "attribute 'a' already defined at /f.nix:1:3", (1, 10)),
    ("{ a.b = 1; a.b = 2; }", "attribute 'a.b' already defined at /f.nix:1:3", (1, 12)),
    ("{\n  a.b = 1;\n  a.b.c = 2;\n}", "attribute 'a.b' already defined at /f.nix:2:3", (3, 3)),
    ("{ a = 1; a.b = 2; }", "attribute 'a' already defined at /f.nix:1:3", (1, 10)),
    ("{ a.b = 1; a = 2; }", "attribute 'a' already defined at /f.nix:1:3", (1, 12)),
    ("{ a = { b = 1; }; a = { b = 2; }; }", "attribute 'a.b' already defined at /f.nix:1:9",
     (1, 25)),
    ("{ inherit a; a = 1; }", "attribute 'a' already defined at /f.nix:1:11", (1, 14)),
    ("{ a = 1; inherit a; }", "attribute 'a' already defined at /f.nix:1:3", (1, 18)),
    ("{ inherit a a; }", "attribute 'a' already defined at /f.nix:1:11", (1, 13)),
    ("{ inherit (x) a; inherit (y) a; }", "attribute 'a' already defined at /f.nix:1:15",
     (1, 30)),
    ('{ a = 1; "a" = 2; }', "attribute 'a' already defined at /f.nix:1:3", (1, 10)),
    ("let a = 1; a = 2; in a", "attribute 'a' already defined at /f.nix:1:5", (1, 12)),
    ("rec { a = 1; a = 2; }", "attribute 'a' already defined at /f.nix:1:7", (1, 14)),
    ("{ x, x }: x", "duplicate formal function argument 'x'", (1, 6)),
    ("{ x, y, x }: x", "duplicate formal function argument 'x'", (1, 9)),
    ("x@{ x }: x", "duplicate formal function argument 'x'", (1, 1)),
    ("{ x }@x: x", "duplicate formal function argument 'x'", (1, 1)),
    ("let ${a} = 1; in 1", "dynamic attributes not allowed in let", (1, 1)),
    ('let "${a}" = 1; in 1', "dynamic attributes not allowed in let", (1, 1)),
    ('{ inherit (x) "${a}"; }', "dynamic attributes not allowed in inherit", (1, 15)),
    ("9223372036854775808", "invalid integer '9223372036854775808'", (1, 1)),
    ("[ 1 99999999999999999999 ]", "invalid integer '99999999999999999999'", (1, 5)),
    ("x: 01234567890123456789012", "invalid integer '01234567890123456789012'", (1, 4)),
])
def test_error_messages(source, message, position):
    e = syntax_error(source, "/f.nix")
    assert e.message == message
    assert e.source.line_col(e.offset) == position


@pytest.mark.parametrize("source", ["{ inherit ${a}; }", "{ inherit (x) ${a}; }"])
def test_dynamic_inherit_position(source):
    e = syntax_error(source)
    assert e.message == "dynamic attributes not allowed in inherit"
    assert e.offset == source.index("${")


def test_largest_integer():
    assert parse("9223372036854775807") == I(2**63 - 1)
    assert parse("00009") == I(9)


@pytest.mark.parametrize("name", [
    "parse-fail-dup-attrs-1", "parse-fail-dup-attrs-2", "parse-fail-dup-attrs-3",
    "parse-fail-dup-attrs-4", "parse-fail-dup-attrs-7", "parse-fail-dup-formals",
    "parse-fail-mixed-nested-attrs1", "parse-fail-mixed-nested-attrs2", "parse-fail-patterns-1",
])
def test_nix_duplicate_errors(name):
    """Nix's own test files: message and position of the error, to the column."""
    path = NIX_LANG_TESTS / f"{name}.nix"
    if not path.exists():
        pytest.skip(f"{NIX_LANG_TESTS} not found")
    expected = (NIX_LANG_TESTS / f"{name}.err.exp").read_text().splitlines()
    e = syntax_error(path.read_text(), "«stdin»")
    assert [f"error: {e.message}", f"       at {e.position}:"] == expected[:2]


@pytest.mark.parametrize(("source", "value"), [
    ("1.5", 1.5), (".5", 0.5), ("0.5", 0.5), ("1.", 1.0), ("1.0e3", 1000.0), ("1.5E-3", 0.0015),
    ("2.e+2", 200.0), ("1.7976931348623157e308", 1.7976931348623157e308),
])
def test_floats(source, value):
    assert parse(source) == mk(ast.Float, value)


def test_number_lexing_corners():
    assert parse("00.5") == Call(I(0), mk(ast.Float, 0.5))  # `0` then `0.5`
    assert parse("1e5") == Call(I(1), V("e5"))  # a float needs its dot
    assert syntax_error("0.").message.startswith("syntax error")


@pytest.mark.parametrize("source", ["1.0e400", "1.0e-400", "5.0e-324", "2.0e-308"])
def test_out_of_range_floats(source):
    assert syntax_error(source).message == f"invalid float '{source}'"


@pytest.mark.parametrize(("source", "expected"), [
    ('{ ${"a"} = 1; }', "{ a = 1; }"),
    ("{ ${''a''} = 1; }", "{ a = 1; }"),
    ('{ a.${"b"}.c = 1; a.b.d = 2; }', "{ a.b.c = 1; a.b.d = 2; }"),
    ('let ${"a"} = 1; in a', "let a = 1; in a"),
    ('{ inherit ${"a"}; }', "{ inherit a; }"),
    ('{ inherit (x) ${"a"}; }', "{ inherit (x) a; }"),
    ('x.${"a"}', "x.a"),
    ('x ? ${"a"}', "x ? a"),
])
def test_plain_string_interpolation_is_a_static_name(source, expected):
    assert parse(source) == parse(expected)


def test_plain_string_interpolation_duplicates():
    e = syntax_error('{ ${"a"} = 1; a = 2; }', "/f.nix")
    assert e.message == "attribute 'a' already defined at /f.nix:1:3"


@pytest.mark.parametrize("source", ['{ "${"a"}" = 1; }', '{ ${"a" + ""} = 1; }'])
def test_dynamic_names_stay_dynamic(source):
    tree = parse(source)
    assert tree.attrs == () and len(tree.dynamic) == 1


# ---------------------------------------------------------------------------
# positions


def test_spans():
    text = "let\n  a = 1;\nin a + b.c"
    tree = parse(text, "/f.nix")
    span = tree.span
    assert (span.file, span.line, span.column) == ("/f.nix", 1, 1)
    assert (span.end_line, span.end_column) == (3, 11)
    a = tree.bindings.attrs[0]
    assert (a.span.line, a.span.column) == (2, 3)
    assert (a.value.span.line, a.value.span.column) == (2, 7)
    body = tree.body
    assert (body.span.line, body.span.column) == (3, 4)
    assert tree.src.line_col(body.op_start) == (3, 6)
    select = body.rhs
    assert (select.span.line, select.span.column, select.span.end_column) == (3, 8, 11)
    assert str(select.span) == "/f.nix:3:8"


def test_spans_of_compound_nodes():
    text = "f (x: x) { a.b = 1; } [ 1 ]"
    tree = parse(text)
    assert (tree.start, tree.end) == (0, len(text))
    lam, attrs, lst = tree.args
    assert text[lam.start:lam.end] == "x: x"
    assert text[attrs.start:attrs.end] == "{ a.b = 1; }"
    assert text[attrs.attrs[0].start:attrs.attrs[0].end] == "a.b"
    assert text[lst.start:lst.end] == "[ 1 ]"


def test_span_byte_offsets():
    tree = parse('"λ" + x')
    x = tree.rhs
    assert (x.span.start_byte, x.span.end_byte) == (7, 8)
    assert x.start == 6


def test_crlf_positions():
    tree = parse("let a = 1;\r\n  in\r\n   b")
    assert (tree.body.span.line, tree.body.span.column) == (3, 4)


def test_lone_cr_positions():
    tree = parse("let a = 1;\r  in\r   b")
    assert (tree.body.span.line, tree.body.span.column) == (3, 4)


def test_error_positions():
    e = syntax_error("{\n  a = 1;\n  b = ;\n}", "/f.nix")
    assert e.position == "/f.nix:3:7"
    assert e.message == "syntax error, unexpected ';'"
    assert e.render().splitlines() == ["/f.nix:3:7: error: syntax error, unexpected ';'",
                                       "    b = ;", "        ^"]
