"""Serialisation builtins: ``toJSON``/``fromJSON``, ``fromTOML`` and ``toXML``.

``fromJSON`` follows the parser Nix uses (nlohmann/json, driven through a SAX
interface in Nix's json-to-value.cc) including its error messages; valid
documents take a fast path through Python's ``json`` module.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import STACK_OVERFLOW, NixError, Pos
from ..ops import force_string_no_context
from ..printer import show_float, to_json, utf8_tails
from ..values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    force,
    is_app,
    make_string,
)
from . import primop

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
UINT_MAX = 2**64 - 1


@primop("__toJSON", 1)
def to_json_(state, v: Any) -> str:
    state.call_depth += 1  # this builtin's own call, which Nix counts towards max-call-depth
    try:
        return to_json(state, v)
    finally:
        state.call_depth -= 1


# --------------------------------------------------------------------------
# fromJSON


class _NotJsonSyntax(NixError):
    """An error fromJSON reports without its "while decoding" frame."""


def no_null_byte(s: str) -> str:
    """Nix's forceNoNullByte."""
    if "\0" in s:
        shown = s.replace("\0", "␀")
        raise _NotJsonSyntax(f"input string '{shown}' cannot be represented as Nix string "
                             "because it contains null bytes")
    return s


class _Slow(Exception):
    """The fast path cannot decide: let the faithful parser run."""


# Digits of the longest 64-bit integer (2^64 - 1): a longer decimal text is
# out of range, and is never handed to int(), which refuses thousands of digits.
_MAX_DIGITS = 20


def _int_or_slow(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise _Slow
    n = int(text)
    if not INT_MIN <= n <= INT_MAX:
        raise _Slow
    return n


def _float_or_slow(text: str) -> float:
    x = float(text)
    if x in (float("inf"), float("-inf")):
        raise _Slow
    return x


def _reject_constant(text: str) -> Any:
    raise _Slow


_SURROGATE_OR_NUL = re.compile(r"[\x00\ud800-\udfff]")


def _to_nix(v: Any) -> Any:
    """Python's JSON value as a Nix value; strings Nix would treat differently
    (NUL bytes, invalid UTF-8, lone surrogates) send us down the slow path."""
    t = type(v)
    if t is str:
        if _SURROGATE_OR_NUL.search(v):
            raise _Slow
        return v
    if t is list:
        return [_to_nix(x) for x in v]
    if t is dict:
        vals = {}
        for k, x in v.items():
            if _SURROGATE_OR_NUL.search(k):
                raise _Slow
            vals[k] = _to_nix(x)
        return Attrs(vals)
    return v


@primop("__fromJSON", 1)
def from_json(state, s: Any) -> Any:
    text = force_string_no_context(
        s, None, "while evaluating the first argument passed to builtins.fromJSON")
    try:
        if _SURROGATE_OR_NUL.search(text):
            raise _Slow
        import json  # loaded at the first fromJSON: start-up does not need it

        return _to_nix(json.loads(text, parse_int=_int_or_slow, parse_float=_float_or_slow,
                                  parse_constant=_reject_constant))
    except (_Slow, ValueError, RecursionError):
        pass
    try:
        return JsonParser(text.encode("utf-8", "surrogateescape")).parse()
    except NixError as e:
        if type(e) is not _NotJsonSyntax:  # only the parser's own errors get the frame
            e.add_trace("while decoding a JSON string", None)
        raise


EOF = -1
_WS = frozenset(b" \t\n\r")
_DIGITS = frozenset(b"0123456789")
# token types, named as nlohmann's error messages name them
T_TRUE, T_FALSE, T_NULL = "true literal", "false literal", "null literal"
T_STRING, T_NUMBER = "string literal", "number literal"
T_BEGIN_ARRAY, T_BEGIN_OBJECT, T_END_ARRAY, T_END_OBJECT = "'['", "'{'", "']'", "'}'"
T_NAME_SEP, T_VALUE_SEP = "':'", "','"
T_ERROR, T_END, T_VALUE = "<parse error>", "end of input", "'[', '{', or a literal"
_STRUCTURAL = {ord("["): T_BEGIN_ARRAY, ord("]"): T_END_ARRAY, ord("{"): T_BEGIN_OBJECT,
               ord("}"): T_END_OBJECT, ord(":"): T_NAME_SEP, ord(","): T_VALUE_SEP}
_LITERALS = {ord("t"): (b"true", T_TRUE, True), ord("f"): (b"false", T_FALSE, False),
             ord("n"): (b"null", T_NULL, None)}
_ESCAPES = {ord('"'): 0x22, ord("\\"): 0x5C, ord("/"): 0x2F, ord("b"): 0x08, ord("f"): 0x0C,
            ord("n"): 0x0A, ord("r"): 0x0D, ord("t"): 0x09}
_CONTROL_NAMES = ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF",
                  "VT", "FF", "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN",
                  "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US")
_SHORT_ESCAPES = {0x08: "b", 0x09: "t", 0x0A: "n", 0x0C: "f", 0x0D: "r"}


def _control_message(c: int) -> str:
    msg = (f"invalid string: control character U+{c:04X} ({_CONTROL_NAMES[c]}) must be "
           f"escaped to \\u{c:04X}")
    return msg + (f" or \\{_SHORT_ESCAPES[c]}" if c in _SHORT_ESCAPES else "")


class JsonParser:
    """nlohmann/json's lexer and SAX parser (v3.11), character by character so
    that error positions and "last read" texts come out as Nix shows them."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.index = 0
        self.current = EOF
        self.next_unget = False
        self.chars_read_total = 0
        self.chars_read_current_line = 0
        self.lines_read = 0
        self.token_string = bytearray()
        self.token_buffer = bytearray()
        self.error_message = ""
        self.number: int | float = 0
        self.last_token = ""

    # input ----------------------------------------------------------------
    def get(self) -> int:
        self.chars_read_total += 1
        self.chars_read_current_line += 1
        if self.next_unget:
            self.next_unget = False
        elif self.index < len(self.data):
            self.current = self.data[self.index]
            self.index += 1
        else:
            self.current = EOF
        if self.current != EOF:
            self.token_string.append(self.current)
        if self.current == 0x0A:
            self.lines_read += 1
            self.chars_read_current_line = 0
        return self.current

    def unget(self) -> None:
        self.next_unget = True
        self.chars_read_total -= 1
        if self.chars_read_current_line == 0:
            if self.lines_read > 0:
                self.lines_read -= 1
        else:
            self.chars_read_current_line -= 1
        if self.current != EOF:
            self.token_string.pop()

    def reset(self) -> None:
        self.token_buffer.clear()
        self.token_string = bytearray([self.current])

    # lexer -----------------------------------------------------------------
    def fail(self, message: str) -> str:
        self.error_message = message
        return T_ERROR

    def scan(self) -> str:
        if self.chars_read_total == 0 and not self.skip_bom():
            return self.fail("invalid BOM; must be 0xEF 0xBB 0xBF if given")
        while self.get() in _WS:
            pass
        c = self.current
        if c in _STRUCTURAL:
            return _STRUCTURAL[c]
        if c in _LITERALS:
            text, token, _ = _LITERALS[c]
            for expected in text[1:]:
                if self.get() != expected:
                    return self.fail("invalid literal")
            return token
        if c == 0x22:
            return self.scan_string()
        if c == 0x2D or c in _DIGITS:
            return self.scan_number()
        if c in (0, EOF):
            return T_END
        return self.fail("invalid literal")

    def skip_bom(self) -> bool:
        if self.get() == 0xEF:
            return self.get() == 0xBB and self.get() == 0xBF
        self.unget()
        return True

    def codepoint(self) -> int:
        n = 0
        for _ in range(4):
            c = self.get()
            if 0x30 <= c <= 0x39:
                n = n * 16 + c - 0x30
            elif 0x41 <= c <= 0x46:
                n = n * 16 + c - 0x37
            elif 0x61 <= c <= 0x66:
                n = n * 16 + c - 0x57
            else:
                return -1
        return n

    def scan_string(self) -> str:
        self.reset()
        buf = self.token_buffer
        while True:
            c = self.get()
            if c == EOF:
                return self.fail("invalid string: missing closing quote")
            if c == 0x22:
                return T_STRING
            if c == 0x5C:
                e = self.get()
                if e in _ESCAPES:
                    buf.append(_ESCAPES[e])
                elif e == 0x75:
                    cp = self.unicode_escape()
                    if cp < 0:
                        return T_ERROR
                    buf += chr(cp).encode("utf-8")
                else:
                    return self.fail("invalid string: forbidden character after backslash")
            elif c < 0x20:
                return self.fail(_control_message(c))
            elif c < 0x80:
                buf.append(c)
            else:
                ranges = utf8_tails(c)
                if ranges is None:
                    return self.fail("invalid string: ill-formed UTF-8 byte")
                buf.append(c)
                for lo, hi in ranges:
                    if not lo <= self.get() <= hi:
                        return self.fail("invalid string: ill-formed UTF-8 byte")
                    buf.append(self.current)

    def unicode_escape(self) -> int:
        """After ``\\u``: the code point, or -1 with an error message set."""
        bad_hex = "invalid string: '\\u' must be followed by 4 hex digits"
        bad_pair = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"
        cp = self.codepoint()
        if cp < 0:
            self.error_message = bad_hex
            return -1
        if 0xD800 <= cp <= 0xDBFF:
            if not (self.get() == 0x5C and self.get() == 0x75):
                self.error_message = bad_pair
                return -1
            low = self.codepoint()
            if low < 0:
                self.error_message = bad_hex
                return -1
            if not 0xDC00 <= low <= 0xDFFF:
                self.error_message = bad_pair
                return -1
            return ((cp - 0xD800) << 10) + (low - 0xDC00) + 0x10000
        if 0xDC00 <= cp <= 0xDFFF:
            self.error_message = ("invalid string: surrogate U+DC00..U+DFFF must follow "
                                  "U+D800..U+DBFF")
            return -1
        return cp

    def digits(self) -> None:
        while self.get() in _DIGITS:
            self.token_buffer.append(self.current)

    def scan_number(self) -> str:
        """RFC 8259 numbers; integers that do not fit become floats, as nlohmann's do."""
        self.reset()
        buf = self.token_buffer
        buf.append(self.current)
        is_float = False
        if self.current == 0x2D:
            if self.get() not in _DIGITS:
                return self.fail("invalid number; expected digit after '-'")
            buf.append(self.current)
        if self.current != 0x30:
            self.digits()
        else:
            self.get()
        if self.current == 0x2E:
            is_float = True
            buf.append(self.current)
            if self.get() not in _DIGITS:
                return self.fail("invalid number; expected digit after '.'")
            buf.append(self.current)
            self.digits()
        if self.current in (0x45, 0x65):  # e E
            is_float = True
            buf.append(self.current)
            if self.get() in (0x2B, 0x2D):  # + -
                buf.append(self.current)
                if self.get() not in _DIGITS:
                    return self.fail("invalid number; expected digit after exponent sign")
            elif self.current not in _DIGITS:
                return self.fail("invalid number; expected '+', '-', or digit after exponent")
            buf.append(self.current)
            self.digits()
        self.unget()
        text = buf.decode()
        if not is_float and len(text.lstrip("-")) <= _MAX_DIGITS:
            n = int(text)
            # strtoull for unsigned, strtoll for negative numbers
            if n <= UINT_MAX if text[0] != "-" else n >= INT_MIN:
                self.number = n
                return T_NUMBER
        self.number = float(text)
        return T_NUMBER

    def token_text(self) -> str:
        """The text read for the current token, control characters as <U+XXXX>."""
        out = bytearray()
        for c in self.token_string:
            out += f"<U+{c:04X}>".encode() if c <= 0x1F else bytes([c])
        return out.decode("utf-8", "surrogateescape")

    # parser ----------------------------------------------------------------
    def next_token(self) -> str:
        self.last_token = self.scan()
        return self.last_token

    def syntax_error(self, expected: str | None, context: str) -> NixError:
        msg = f"syntax error while parsing {context} - "
        if self.last_token == T_ERROR:
            msg += f"{self.error_message}; last read: '{self.token_text()}'"
        else:
            msg += f"unexpected {self.last_token}"
        if expected is not None:
            msg += f"; expected {expected}"
        return self.parse_error(msg)

    def parse_error(self, msg: str) -> NixError:
        return NixError(f"[json.exception.parse_error.101] parse error at line "
                        f"{self.lines_read + 1}, column {self.chars_read_current_line}: {msg}")

    def key(self) -> str:
        return no_null_byte(self.token_buffer.decode("utf-8", "surrogateescape"))

    def parse(self) -> Any:
        """nlohmann's sax_parse_internal, with Nix's SAX actions building values."""
        # each open container: (list being built, None) or (dict, pending key)
        stack: list[list[Any]] = []
        self.next_token()
        while True:
            token = self.last_token
            done = True
            if token == T_BEGIN_OBJECT:
                if self.next_token() == T_END_OBJECT:
                    value: Any = Attrs({})
                else:
                    if self.last_token != T_STRING:
                        raise self.syntax_error(T_STRING, "object key")
                    stack.append([{}, self.key()])
                    if self.next_token() != T_NAME_SEP:
                        raise self.syntax_error(T_NAME_SEP, "object separator")
                    self.next_token()
                    continue
            elif token == T_BEGIN_ARRAY:
                if self.next_token() == T_END_ARRAY:
                    value = []
                else:
                    stack.append([[], None])
                    continue
            elif token == T_NUMBER:
                value = self.number
                if type(value) is float and value in (float("inf"), float("-inf")):
                    raise NixError("[json.exception.out_of_range.406] number overflow parsing "
                                   f"'{self.token_text()}'")
                if type(value) is int and value > INT_MAX:
                    raise _NotJsonSyntax(f"unsigned json number {value} outside of Nix integer "
                                         "range")
            elif token in (T_TRUE, T_FALSE, T_NULL):
                value = _LITERALS[ord(token[0])][2]
            elif token == T_STRING:
                value = no_null_byte(self.token_buffer.decode("utf-8", "surrogateescape"))
            elif token == T_ERROR:
                raise self.syntax_error(None, "value")
            elif token == T_END and self.chars_read_total == 1:
                raise self.parse_error("attempting to parse an empty input; check that your "
                                       "input string or stream contains the expected JSON")
            else:
                raise self.syntax_error(T_VALUE, "value")
            # a value is complete: store it, then close every container it completes
            while done:
                if not stack:
                    if self.next_token() != T_END:
                        raise self.syntax_error(T_END, "value")
                    return value
                top = stack[-1]
                if type(top[0]) is list:
                    top[0].append(value)
                    if self.next_token() == T_VALUE_SEP:
                        self.next_token()
                        done = False
                    elif self.last_token == T_END_ARRAY:
                        stack.pop()
                        value = top[0]
                    else:
                        raise self.syntax_error(T_END_ARRAY, "array")
                else:
                    top[0][top[1]] = value
                    if self.next_token() == T_VALUE_SEP:
                        if self.next_token() != T_STRING:
                            raise self.syntax_error(T_STRING, "object key")
                        top[1] = self.key()
                        if self.next_token() != T_NAME_SEP:
                            raise self.syntax_error(T_NAME_SEP, "object separator")
                        self.next_token()
                        done = False
                    elif self.last_token == T_END_OBJECT:
                        stack.pop()
                        value = Attrs(top[0])
                    else:
                        raise self.syntax_error(T_END_OBJECT, "object")


# --------------------------------------------------------------------------
# fromTOML (the reader is toml_reader.py)


@primop("fromTOML", 1)
def from_toml(state, s: Any) -> Any:
    text = force_string_no_context(s, None,
                                   "while evaluating the argument passed to builtins.fromTOML")
    from .toml_reader import parse_toml

    return parse_toml(text, "parse-toml-timestamps" in state.experimental_features)


# --------------------------------------------------------------------------
# toXML


def _escaped(value: str) -> str:
    """An attribute value as Nix's XMLWriter escapes it."""
    if "&" in value or '"' in value or "<" in value or ">" in value or "\n" in value:
        for ch, entity in (("&", "&amp;"), ('"', "&quot;"), ("<", "&lt;"), (">", "&gt;"),
                           ("\n", "&#xA;")):
            value = value.replace(ch, entity)
    return value


def _xml_attrs(attrs: dict[str, str]) -> str:
    # an XMLAttrs is a std::map
    return "".join([f' {name}="{_escaped(attrs[name])}"' for name in sorted(attrs)])


class _XmlWriter:
    """Nix's printValueAsXML with an indenting XMLWriter."""

    def __init__(self, state) -> None:
        self.state = state
        self.lines = ["<?xml version='1.0' encoding='utf-8'?>"]
        self.depth = 0
        self.context: set[str] = set()
        self.drvs_seen: set[str] = set()

    def empty(self, name: str, attrs: dict[str, str] | None = None) -> None:
        self.lines.append("  " * self.depth + f"<{name}{_xml_attrs(attrs or {})} />")

    def leaf(self, name: str, escaped_value: str) -> None:
        """``empty`` with one ``value`` attribute, written at once (no attribute
        map to sort): most of a large document."""
        self.lines.append(f'{"  " * self.depth}<{name} value="{escaped_value}" />')

    # an element is opened and closed by hand rather than by a context manager:
    # a manual's options make tens of thousands of them
    def open(self, name: str, attrs: dict[str, str] | None = None) -> None:
        self.lines.append("  " * self.depth + f"<{name}{_xml_attrs(attrs or {})}>")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.lines.append("  " * self.depth + f"</{name}>")

    def value(self, v: Any, pos: Pos = None) -> None:
        # each level counts towards max-call-depth, as in Nix (which also
        # keeps 10,000 levels of indentation from taking gigabytes)
        state = self.state
        depth = state.call_depth
        if depth > state.max_call_depth:
            raise NixError(STACK_OVERFLOW, pos)
        state.call_depth = depth + 1
        try:
            self._value(v, pos)
        finally:
            state.call_depth = depth

    def _value(self, v: Any, pos: Pos) -> None:
        if type(v) is Thunk and is_app(v) and self.state.call_depth > self.state.max_call_depth:
            raise NixError(STACK_OVERFLOW, pos)  # forcing it is a call, one level deeper
        v = force(v)
        t = type(v)
        if t is str:
            self.leaf("string", _escaped(v))
        elif t is ContextStr:
            self.context.update(v.context)
            self.leaf("string", _escaped(v))
        elif t is int:
            self.leaf("int", str(v))
        elif t is bool:
            self.leaf("bool", "true" if v else "false")
        elif t is NixPath:
            self.leaf("path", _escaped(v.path))
        elif v is None:
            self.empty("null")
        elif t is Attrs:
            self.attrs(v)
        elif t is list:
            self.open("list")
            for x in v:
                self.value(x, pos)
            self.close("list")
        elif t is Lambda:
            self.function(v)
        elif t is float:
            self.empty("float", {"value": show_float(v)})
        elif t in (PrimOp, PrimOpApp):
            self.empty("unevaluated")

    def attrs(self, v: Attrs) -> None:
        kind = force(v.vals["type"]) if "type" in v.vals else None
        if not (isinstance(kind, str) and kind == "derivation"):
            self.open("attrs")
            self.attr_list(v)
            self.close("attrs")
            return
        attrs: dict[str, str] = {}
        drv_path = ""
        for name in ("drvPath", "outPath"):
            if name in v.vals:
                s = force(v.vals[name])
                if isinstance(s, str):
                    attrs[name] = s
                    if name == "drvPath":
                        drv_path = s
        self.open("derivation", attrs)
        if drv_path and drv_path not in self.drvs_seen:
            self.drvs_seen.add(drv_path)
            self.attr_list(v)
        else:
            self.empty("repeated")
        self.close("derivation")

    def attr_list(self, v: Attrs) -> None:
        lines = self.lines
        vals = v.vals
        positions = v.pos
        indent = "  " * self.depth
        for name in v.names():
            lines.append(f'{indent}<attr name="{_escaped(name)}">')
            self.depth += 1
            self.value(vals[name], positions.get(name) if positions else None)
            self.depth -= 1
            lines.append(f"{indent}</attr>")

    def function(self, f: Lambda) -> None:
        fc = f.fn
        self.open("function")
        if fc.formals is None:
            self.empty("varpat", {"name": fc.arg})
        else:
            attrs = {"ellipsis": "1"} if fc.ellipsis else {}
            if fc.arg is not None:
                attrs["name"] = fc.arg
            self.open("attrspat", attrs)
            for name in sorted((n for n, _ in fc.formals),
                               key=lambda n: n.encode("utf-8", "surrogateescape")):
                self.empty("attr", {"name": name})
            self.close("attrspat")
        self.close("function")


def to_xml(state, v: Any) -> str:
    """``builtins.toXML``: the XML text, with the context of the strings in it."""
    w = _XmlWriter(state)
    w.open("expr")
    w.value(v)
    w.close("expr")
    return make_string("\n".join(w.lines) + "\n", frozenset(w.context))


@primop("__toXML", 1)
def to_xml_(state, v: Any) -> str:
    state.call_depth += 1  # this builtin's own call, which Nix counts towards max-call-depth
    try:
        return to_xml(state, v)
    finally:
        state.call_depth -= 1
