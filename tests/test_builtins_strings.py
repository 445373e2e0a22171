"""String, context, version and serialisation builtins.

Expected values marked "2.8" were measured with nix-instantiate 2.8; the rest
(behaviour that changed since, mostly JSON output and error texts) follow the
current Nix sources and its language test suite, as noted.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nixeval.eval.builtins.serialise import JsonParser
from nixeval.eval.builtins.toml_reader import format_timestamp
from nixeval.eval.builtins.versions import compare_versions
from nixeval.eval.errors import NixError
from nixeval.eval.printer import json_float, show_value
from nixeval.eval.state import EvalState
from nixeval.eval.values import Attrs
from nixeval.syntax import Source

DRV = "/nix/store/bl3y8ak0yw0dgmbrry4fplngqsfi7w1v-fail.drv"


def ev(text: str, features: frozenset[str] = frozenset()) -> str:
    state = EvalState()
    state.experimental_features = features
    return show_value(state.eval_source(Source("«string»", text), "/tmp"))


def err(text: str) -> str:
    with pytest.raises(NixError) as info:
        ev(text)
    return info.value.message


@pytest.mark.parametrize(("expr", "expected"), [
    # lengths and offsets count UTF-8 bytes (2.8)
    ('builtins.stringLength "héllo"', "6"),
    ('builtins.substring 1 2 "héllo"', '"é"'),
    ('builtins.substring 2 100 "abc"', '"c"'),
    ('builtins.substring 5 1 "abc"', '""'),
    ('builtins.substring 1 (-1) "abc"', '"bc"'),
    ('builtins.stringLength (builtins.substring 0 1 "é")', "1"),
    ('builtins.concatStringsSep ", " [ "a" "b" "c" ]', '"a, b, c"'),
    ('builtins.concatStringsSep "-" [ ]', '""'),
    # replaceStrings: first pattern in order wins; an empty pattern matches
    # between all bytes (2.8)
    ('builtins.replaceStrings [ "oo" "o" ] [ "u" "i" ] "foooo"', '"fuu"'),
    ('builtins.replaceStrings [ "o" "oo" ] [ "i" "u" ] "foooo"', '"fiiii"'),
    ('builtins.replaceStrings [ "" ] [ "-" ] "abc"', '"-a-b-c-"'),
    ('builtins.replaceStrings [ "b" "" ] [ "X" "-" ] "abc"', '"-aX-c-"'),
    ('builtins.replaceStrings [ "" "b" ] [ "-" "X" ] "abc"', '"-a-b-c-"'),
    ('builtins.replaceStrings [ "" ] [ "x" ] ""', '"x"'),
    ('builtins.replaceStrings [ "é" ] [ "e" ] "café é"', '"cafe e"'),
    ('builtins.stringLength (builtins.replaceStrings [ "" ] [ "." ] "é")', "5"),
    # replacements are evaluated only when used (current Nix; 2.8 forced all)
    ('builtins.replaceStrings [ "oo" "XX" ] [ "u" (throw "no") ] "foobar"', '"fubar"'),
    # regexes (2.8)
    ('builtins.match "a(b)?c" "ac"', "[ null ]"),
    ('builtins.match "(.*)\\\\.nix" "foo.nix"', '[ "foo" ]'),
    ('builtins.split "(,)" "a,b,c"', '[ "a" [ "," ] "b" [ "," ] "c" ]'),
    ('builtins.split "x" "abc"', '[ "abc" ]'),
    # base and directory names (2.8 and eval-okay-baseNameOf/builtins-dirOf)
    ('builtins.baseNameOf "/a/b/"', '"b"'),
    ('builtins.baseNameOf "a//"', '""'),
    ('builtins.baseNameOf "/"', '""'),
    ("builtins.baseNameOf /a/b", '"b"'),
    ('builtins.dirOf "a"', '"."'),
    ('builtins.dirOf "/a"', '"/"'),
    ('builtins.dirOf "a/b/"', '"a/b"'),
    ('builtins.dirOf "a///b"', '"a//"'),
    ("builtins.dirOf /a/b", "/a"),
    ("builtins.dirOf /.", "/"),
    # hashes (2.8; convertHash as in Nix's manual)
    ('builtins.hashString "md5" "hello"', '"5d41402abc4b2a76b9719d911017c592"'),
    ('builtins.hashString "sha256" "é"',
     '"4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"'),
    ('builtins.convertHash { hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; '
     'toHashFormat = "nix32"; }', '"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"'),
    ('builtins.convertHash { hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7'
     '852b855"; hashAlgo = "sha256"; toHashFormat = "sri"; }',
     '"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="'),
    # versions (2.8)
    ('builtins.compareVersions "2.3.1" "2.3a"', "1"),
    ('builtins.compareVersions "2.3pre1" "2.3"', "-1"),
    ('builtins.compareVersions "1.0" "1.0.0"', "-1"),
    ('builtins.splitVersion "2.3pre1-rc.a"', '[ "2" "3" "pre" "1" "rc" "a" ]'),
    ('builtins.splitVersion ".-."', "[ ]"),
    ('builtins.parseDrvName "xf86-video-i810-1.7.4"',
     '{ name = "xf86-video-i810"; version = "1.7.4"; }'),
    ('builtins.parseDrvName "a-"', '{ name = "a-"; version = ""; }'),
    # JSON in (2.8): integers that do not fit become floats
    ('builtins.fromJSON \'\'{"x": [1, 2.5, true, null], "y": "\\u00e9\\n"}\'\'',
     '{ x = [ 1 2.5 true null ]; y = "é\\n"; }'),
    ('builtins.fromJSON "18446744073709551616"', "1.84467e+19"),
    ('builtins.fromJSON "-9223372036854775808"', "-9223372036854775808"),
    ("builtins.fromJSON ''{\"a\": 1, \"a\": 2}''", "{ a = 2; }"),
    # JSON out: nlohmann's escapes and floats (current Nix, eval-okay-tojson)
    ('builtins.toJSON { b = [ 1 "x" null true ]; a = "q\\"\\n"; }',
     '"{\\"a\\":\\"q\\\\\\"\\\\n\\",\\"b\\":[1,\\"x\\",null,true]}"'),
    ("builtins.toJSON (builtins.fromJSON ''\"\\u0001\\b\"'')", '"\\"\\\\u0001\\\\b\\""'),
    ("builtins.toJSON [ 1.44 1.0e15 100.0 ]", '"[1.44,1e+15,100.0]"'),
    ('builtins.toJSON { __toString = self: { outPath = "deep"; }; }', '"\\"deep\\""'),
    ("builtins.toJSON { outPath = { a = 1; }; }", '"{\\"a\\":1}"'),
    # TOML
    ('builtins.fromTOML "a = 1\\n[t]\\nc = [1, 2]"', "{ a = 1; t = { c = [ 1 2 ]; }; }"),
    # XML (2.8)
    ("builtins.toXML ({ a, b ? 1, ... }@args: a)",
     '"<?xml version=\'1.0\' encoding=\'utf-8\'?>\\n<expr>\\n  <function>\\n    '
     '<attrspat ellipsis=\\"1\\" name=\\"args\\">\\n      <attr name=\\"a\\" />\\n      '
     '<attr name=\\"b\\" />\\n    </attrspat>\\n  </function>\\n</expr>\\n"'),
    ('builtins.toXML "a<\\n"',
     '"<?xml version=\'1.0\' encoding=\'utf-8\'?>\\n<expr>\\n  '
     '<string value=\\"a&lt;&#xA;\\" />\\n</expr>\\n"'),
    # context
    ('builtins.getContext "plain"', "{ }"),
    (f'builtins.getContext (builtins.appendContext "x" {{ "{DRV}" = '
     '{ outputs = [ "out" "dev" ]; path = true; }; })',
     f'{{ "{DRV}" = {{ outputs = [ "dev" "out" ]; path = true; }}; }}'),
    (f'builtins.getContext (builtins.unsafeDiscardOutputDependency (builtins.appendContext "" '
     f'{{ "{DRV}" = {{ allOutputs = true; }}; }}))', f'{{ "{DRV}" = {{ path = true; }}; }}'),
    (f'builtins.getContext (builtins.addDrvOutputDependencies (builtins.appendContext "" '
     f'{{ "{DRV}" = {{ path = true; }}; }}))', f'{{ "{DRV}" = {{ allOutputs = true; }}; }}'),
    (f'builtins.hasContext (builtins.substring 0 0 (builtins.appendContext "x" '
     f'{{ "{DRV}" = {{ path = true; }}; }}))', "true"),
    (f'builtins.hasContext (builtins.unsafeDiscardStringContext (builtins.appendContext "x" '
     f'{{ "{DRV}" = {{ path = true; }}; }}))', "false"),
])
def test_builtin(expr: str, expected: str) -> None:
    assert ev(expr) == expected


@pytest.mark.parametrize(("expr", "message"), [
    ('builtins.substring (-1) 1 "x"', "negative start position in 'substring'"),
    ('builtins.replaceStrings [ "a" ] [ ] "x"',
     "'from' and 'to' arguments passed to builtins.replaceStrings have different lengths"),
    ('builtins.hashString "foo" "x"',
     "unknown hash algorithm 'foo', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'"),
    ('builtins.match "(" "x"', "invalid regular expression '('"),
    ('builtins.addDrvOutputDependencies ""',
     "context of string '' must have exactly one element, but has 0"),
    ('builtins.appendContext "x" { "/nix/store/abc" = { }; }',
     "context key '/nix/store/abc' is not a store path"),
    # nlohmann's messages, positions and "last read" texts (2.8)
    ('builtins.fromJSON "[tx"', "[json.exception.parse_error.101] parse error at line 1, "
     "column 3: syntax error while parsing value - invalid literal; last read: '[tx'"),
    ('builtins.fromJSON "[1, 2"', "[json.exception.parse_error.101] parse error at line 1, "
     "column 6: syntax error while parsing array - unexpected end of input; expected ']'"),
    ('builtins.fromJSON "{1:2}"', "[json.exception.parse_error.101] parse error at line 1, "
     "column 2: syntax error while parsing object key - unexpected number literal; expected "
     "string literal"),
    ('builtins.fromJSON "\\"a\\nb\\""', "[json.exception.parse_error.101] parse error at line "
     "2, column 0: syntax error while parsing value - invalid string: control character U+000A "
     "(LF) must be escaped to \\u000A or \\n; last read: '\"a<U+000A>'"),
    ('builtins.fromJSON "1e400"', "[json.exception.out_of_range.406] number overflow parsing "
     "'1e400'"),
    # current Nix (eval-fail-fromJSON-*, nlohmann 3.11)
    ('builtins.fromJSON ""', "[json.exception.parse_error.101] parse error at line 1, column 1: "
     "attempting to parse an empty input; check that your input string or stream contains the "
     "expected JSON"),
    ("builtins.fromJSON ''{\"attr\": 18446744073709551615}''",
     "unsigned json number 18446744073709551615 outside of Nix integer range"),
    ("builtins.fromJSON ''\"a\\u0000b\"''",
     "input string 'a␀b' cannot be represented as Nix string because it contains null bytes"),
    # current Nix (eval-fail-toJSON-*)
    ("builtins.toJSON { __toString = self: 42; }",
     "`__toString` should return a string, but got an integer: 42"),
    ("builtins.toJSON { __toString = self: { a = 1; }; }",
     "`__toString` must return a string, but got a set: { a = 1; }"),
    ('builtins.toJSON (builtins.substring 0 1 "é")',
     "JSON serialization error: [json.exception.type_error.316] incomplete UTF-8 string; "
     "last byte: 0xC3"),
    ('builtins.toJSON [ (builtins.substring 1 1 "é") ]',
     "JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index 0: "
     "0xA9"),
    # current Nix (eval-fail-fromTOML-*)
    ('builtins.fromTOML "attr = 9223372036854775808"',
     "while parsing TOML: [error] toml::parse_dec_integer: too large integer: current max "
     "digits = 2^63\n --> fromTOML\n   |\n 1 | attr = 9223372036854775808\n"
     "   |                           ^-- must be < 2^63\n\x1b[0m"),
    ('builtins.fromTOML "d = 1979-05-27"', "while parsing TOML: Dates and times are not supported"),
])
def test_error(expr: str, message: str) -> None:
    assert err(expr) == message


def test_toml_timestamps() -> None:
    # eval-okay-fromTOML-timestamps: kept as text, sub-seconds to 3, 6 or 9 digits
    out = ev('builtins.fromTOML "a = 1979-05-27 07:32:00.1234567+00:00\\nb = 00:32:00"',
             frozenset({"parse-toml-timestamps"}))
    assert out == ('{ a = { _type = "timestamp"; value = "1979-05-27T07:32:00.123456700Z"; }; '
                   'b = { _type = "timestamp"; value = "00:32:00"; }; }')


@pytest.mark.parametrize(("text", "expected"), [
    ("1979-05-27", "1979-05-27"),
    ("1979-05-27t00:32:00.1234", "1979-05-27T00:32:00.123400"),
    ("1979-05-27 00:32:00.1234567891", "1979-05-27T00:32:00.123456789"),
    ("1979-05-27T00:32:00.000-07:00", "1979-05-27T00:32:00-07:00"),
    ("07:32:00.1", "07:32:00.100"),
])
def test_format_timestamp(text: str, expected: str) -> None:
    assert format_timestamp(text) == expected


@pytest.mark.parametrize(("x", "expected"), [
    # nlohmann's dtoa: plain notation for decimal exponents -4..15
    (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (1.44, "1.44"), (100.0, "100.0"),
    (123456789012345.0, "123456789012345.0"), (1e15, "1e+15"), (1e16, "1e+16"),
    (0.0001, "0.0001"), (0.00001, "1e-05"), (1.5e-7, "1.5e-07"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (float("inf"), "null"),
])
def test_json_float(x: float, expected: str) -> None:
    assert json_float(x) == expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("1.0", "2.3", -1), ("2.3", "2.3", 0), ("2.3a", "2.3c", -1), ("2.3pre1", "2.3c", -1),
    # components beyond a C int compare as strings, as Nix's string2Int<int> fails
    ("3000000000", "4000000000", -1), ("9", "3000000000", 1),
])
def test_compare_versions(a: str, b: str, expected: int) -> None:
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected


json_documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(json_documents, st.sampled_from([None, 0, 2]))
def test_json_parser_agrees_with_python(doc: object, indent: int | None) -> None:
    """The character-by-character parser (used for errors and odd input)
    reads valid documents as Python's json module does."""
    text = json.dumps(doc, indent=indent, ensure_ascii=indent == 2)
    if "\\u0000" in text or "\0" in text:
        return  # Nix refuses NUL bytes
    value = JsonParser(text.encode()).parse()
    assert _plain(value) == doc


def _plain(v: object) -> object:
    if isinstance(v, Attrs):
        return {k: _plain(x) for k, x in v.vals.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v
