"""A modal lexer for Nix, feeding the LALR parser in parser.py.

It follows Nix's flex lexer (src/libexpr/lexer.l): a stack of modes —
default, string, indented string, and the two path modes — where ``{`` and
``${`` push the default mode and ``}`` pops it, so interpolations nest to
any depth. Flex picks the longest match; the regular expressions below are
ordered so that Python's first-match alternation picks the same token.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from .errors import NixSyntaxError
from .source import Source


class Token(NamedTuple):
    """A token: its terminal name, value and character span."""

    type: str
    value: Any  # the text; an int for INT, a float for FLOAT, unescaped for STR
    start_pos: int
    end_pos: int


# tuple.__new__ builds the token in C; calling Token(...) runs a Python-level __new__
_new = tuple.__new__

_PC = r"[a-zA-Z0-9._\-+]"  # PATH_CHAR
_PATH = rf"{_PC}*+(?:/{_PC}++)++/?"
_PATH_RE = re.compile(_PATH)
_PATH_SEG_DOLLAR_RE = re.compile(rf"{_PC}*+/(?=\$\{{)")
_PC_RUN_RE = re.compile(rf"{_PC}*+")
_URI_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+\-.]*+:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']++")
# where a path or URI may start: a PATH_CHAR or a slash
_PATH_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/")
# what must follow an identifier at the start of a path or URI (see tokenize)
_PATH_FOLLOW = _PATH_START | {":"}

KEYWORDS = {
    "if": "IF", "then": "THEN", "else": "ELSE", "assert": "ASSERT", "with": "WITH",
    "let": "LET", "in": "IN", "rec": "REC", "inherit": "INHERIT", "or": "OR_KW",
}

_OPERATORS = {
    "...": "ELLIPSIS", "==": "EQ", "!=": "NEQ", "<=": "LEQ", ">=": "GEQ", "&&": "AND",
    "||": "OR", "->": "IMPL", "//": "UPDATE", "++": "CONCAT", "<|": "PIPE_FROM",
    "|>": "PIPE_INTO", "${": "DOLLAR_CURLY",
    "{": "LBRACE", "}": "RBRACE", "(": "LPAR", ")": "RPAR", "[": "LBRACK", "]": "RBRACK",
    ":": "COLON", ";": "SEMI", "@": "AT", ",": "COMMA", ".": "DOT", "=": "ASSIGN",
    "?": "QMARK", "!": "NOT", "-": "MINUS", "+": "PLUS", "*": "STAR", "/": "SLASH",
    "<": "LT", ">": "GT", '"': "DQUOTE",
}

# How bison names each token in "unexpected X, expecting Y".
DISPLAY = {
    "ID": "identifier", "STR": "string", "IND_STR": "indented string",
    "IND_STR_LIT": "indented string", "INT": "integer", "FLOAT": "floating-point literal",
    "PATH": "path", "HPATH": "'~/…' path", "SPATH": "'<…>' path", "PATH_END": "end of path",
    "URI": "URI", "IND_OPEN": "start of an indented string",
    "IND_CLOSE": "end of an indented string", "INVALID": "invalid token",
    "$END": "end of file",
}
DISPLAY.update({name: f"'{word}'" for word, name in KEYWORDS.items()})
DISPLAY.update({name: f"'{op}'" for op, name in _OPERATORS.items()})

# Default mode. The commonest tokens are told apart by their first character
# (see tokenize); the rest, once paths and URIs have been ruled out (see
# _path_at), by this alternation. Anything else is an INVALID character.
_SKIP_RE = re.compile(r"(?:[ \t\r\n]++|\#[^\r\n]*+|/\*(?:[^*]|\*++[^*/])*+\*++/)++")
_ID_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_'\-]*+")
_DEFAULT_RE = re.compile(
    r"""
    (?P<FLOAT>(?:[1-9][0-9]*+\.[0-9]*+|0?\.[0-9]++)(?:[Ee][+-]?[0-9]++)?)
  | (?P<INT>[0-9]++)
  | (?P<IND_OPEN>''(?:\ *\n)?)
  | (?P<SPATH><[a-zA-Z0-9._\-+]++(?:/[a-zA-Z0-9._\-+]++)*+>)
  | (?P<HPATH>~(?:/[a-zA-Z0-9._\-+]++)++/?|~/(?=\$\{))
  | (?P<OP>\.\.\.|==|!=|<=|>=|&&|\|\||->|//|\+\+|<\||\|>|\$\{|[{}()\[\]:;@,.=?!\-+*/<>"])
  | (?P<INVALID>[\s\S])
    """,
    re.VERBOSE,
)
_SKIP_START = frozenset(" \t\r\n#/")
_ID_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS = frozenset("0123456789")
# characters that are a whole token whatever follows them
_SINGLE = {c: _OPERATORS[c] for c in ";()[],@:?*"}
_STRING_RE = re.compile(
    r"""(?P<STR>(?:[^$"\\]|\$[^{"\\]|\\[\s\S]|\$\\[\s\S])++(?:\$(?="))?|\$(?="))
      | (?P<DOLLAR_CURLY>\$\{) | (?P<DQUOTE>") """,
    re.VERBOSE,
)
_IND_RE = re.compile(
    r"""(?P<TRIPLE>''') | (?P<ESC>''\\[\s\S]) | (?P<DOLLAR>''\$) | (?P<IND_CLOSE>'')
      | (?P<DOLLAR_CURLY>\$\{) | (?P<IND_STR>(?:[^$']|\$[^{']|'[^'$])++)
      | (?P<QUOTE>') | (?P<LONE_DOLLAR>\$)""",
    re.VERBOSE,
)
_INPATH_RE = re.compile(rf"(?P<DOLLAR_CURLY>\$\{{)|(?P<STR>{_PATH}|{_PC}*+/|{_PC}++)")

DEFAULT, STRING, IND_STRING, INPATH, INPATH_SLASH = range(5)

_MAX_INT = 2**63 - 1
_MAX_INT_DIGITS = len(str(_MAX_INT))


def _int_literal(text: str) -> int | None:
    """The value of an INT token, or None where it does not fit in 64 bits.

    Leading zeros are allowed, as in Nix; the digits are counted first, so
    int() never sees thousands of them (Python refuses over 4,300 digits).
    """
    if len(text) > _MAX_INT_DIGITS:
        text = text.lstrip("0") or "0"
        if len(text) > _MAX_INT_DIGITS:
            return None
    number = int(text)
    return number if number <= _MAX_INT else None


def unescape(text: str) -> str:
    """Nix's unescapeStr: ``\\n``, ``\\r``, ``\\t``, ``\\x`` → x (an escaped CR stays a
    CR); an unescaped CR or CRLF becomes LF."""
    if "\\" not in text and "\r" not in text:
        return text
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if c == "\\" and i < n:
            c = text[i]
            i += 1
            out.append(_ESCAPES.get(c, c))
        elif c == "\r":
            out.append("\n")
            if i < n and text[i] == "\n":
                i += 1
        else:
            out.append(c)
    return "".join(out)


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}
_SMALLEST_NORMAL = 2.2250738585072014e-308


def _nul_error(value: str, source: Source, pos: int) -> NixSyntaxError:
    shown = value.replace("\0", "\u2400")
    return NixSyntaxError(f"input string '{shown}' cannot be represented as Nix string "
                          "because it contains null bytes", source, pos)


def _float_out_of_range(text: str, value: float) -> bool:
    """What makes C's strtod report ERANGE: overflow, or an underflow below the
    smallest normal double (Nix then says "invalid float")."""
    if math.isinf(value):
        return True
    if value != 0.0:
        return abs(value) < _SMALLEST_NORMAL
    mantissa = text.lower().partition("e")[0]
    return any(ch in "123456789" for ch in mantissa)


def tokenize(source: Source,
             pipe_operators: bool = False) -> tuple[list[Token], NixSyntaxError | None]:
    """Lex ``source``: its tokens (``start_pos``/``end_pos`` are character offsets)
    and the lexical error (trailing slash, integer overflow, …) that cut them short.

    Tokens before a lexical error are still returned: the parser reports a
    syntax error among them first, as Nix, whose lexer runs on demand, would.
    """
    text = source.text
    n = len(text)
    tokens: list[Token] = []
    push = tokens.append
    pos = 0
    stack = [DEFAULT]  # the bottom DEFAULT plays flex's INITIAL: `}` never pops it
    no_path_until = -1  # a path cannot start before this offset (see _path_at)
    while True:
        mode = stack[-1]
        if mode == DEFAULT:
            # token by token until one leaves the default mode
            while True:
                if pos >= n:
                    return tokens, None
                c = text[pos]
                if c in _SKIP_START and (c != "/" or text.startswith("/*", pos)):
                    m = _SKIP_RE.match(text, pos)
                    if m is not None:
                        pos = m.end()
                        continue
                # a path or URI takes precedence (flex: it is longer); an
                # identifier not followed by a path character, '/' or ':'
                # cannot begin one, which spares most identifiers the test
                tok = None
                if c in _ID_START:
                    end = _ID_RE.match(text, pos).end()
                    if pos >= no_path_until and text[end:end + 1] in _PATH_FOLLOW:
                        tok, path_end, no_path_until = _path_at(text, pos, no_path_until)
                    if tok is None:
                        value = text[pos:end]
                        push(_new(Token, (KEYWORDS.get(value, "ID"), value, pos, end)))
                        pos = end
                        continue
                elif c in _PATH_START and pos >= no_path_until:
                    tok, path_end, no_path_until = _path_at(text, pos, no_path_until)
                if tok is not None:
                    push(_new(Token, (tok, text[pos:path_end], pos, path_end)))
                    pos = path_end
                    if tok == "PATH":
                        stack.append(INPATH_SLASH if text[path_end - 1] == "/" else INPATH)
                        break
                    continue
                kind = _SINGLE.get(c)
                if kind is not None:
                    push(_new(Token, (kind, c, pos, pos + 1)))
                    pos += 1
                    continue
                if c == "=":
                    if text.startswith("==", pos):
                        push(_new(Token, ("EQ", "==", pos, pos + 2)))
                        pos += 2
                    else:
                        push(_new(Token, ("ASSIGN", c, pos, pos + 1)))
                        pos += 1
                    continue
                if c == "." and text[pos + 1:pos + 2] not in _DIGITS:  # not a float
                    if text.startswith("...", pos):
                        push(_new(Token, ("ELLIPSIS", "...", pos, pos + 3)))
                        pos += 3
                    else:
                        push(_new(Token, ("DOT", c, pos, pos + 1)))
                        pos += 1
                    continue
                if c == "{":
                    push(_new(Token, ("LBRACE", c, pos, pos + 1)))
                    pos += 1
                    stack.append(DEFAULT)
                    continue
                if c == "}":
                    push(_new(Token, ("RBRACE", c, pos, pos + 1)))
                    pos += 1
                    if len(stack) > 1:
                        stack.pop()
                        if stack[-1] != DEFAULT:
                            break
                    continue
                if c == '"':
                    push(_new(Token, ("DQUOTE", c, pos, pos + 1)))
                    pos += 1
                    stack.append(STRING)
                    break
                m = _DEFAULT_RE.match(text, pos)
                kind = m.lastgroup
                end = m.end()
                value = text[pos:end]
                if kind == "OP":
                    kind = _OPERATORS[value]
                    if kind == "DOLLAR_CURLY":
                        stack.append(DEFAULT)
                    elif (kind == "PIPE_FROM" or kind == "PIPE_INTO") and not pipe_operators:
                        return tokens, NixSyntaxError(
                            "experimental Nix feature 'pipe-operators' is disabled; add "
                            "'--extra-experimental-features pipe-operators' to enable it",
                            source, pos)
                    push(_new(Token, (kind, value, pos, end)))
                elif kind == "INT":
                    number = _int_literal(value)
                    if number is None:
                        return tokens, NixSyntaxError(f"invalid integer '{value}'", source, pos)
                    push(_new(Token, ("INT", number, pos, end)))
                elif kind == "FLOAT":
                    number = float(value)
                    if _float_out_of_range(value, number):
                        return tokens, NixSyntaxError(f"invalid float '{value}'", source, pos)
                    push(_new(Token, ("FLOAT", number, pos, end)))
                elif kind == "IND_OPEN":
                    push(_new(Token, ("IND_OPEN", value, pos, end)))
                    stack.append(IND_STRING)
                    pos = end
                    break
                elif kind == "HPATH":
                    push(_new(Token, ("HPATH", value, pos, end)))
                    stack.append(INPATH_SLASH if value[-1] == "/" else INPATH)
                    pos = end
                    break
                else:  # SPATH, INVALID
                    push(_new(Token, (kind, value, pos, end)))
                pos = end
        elif mode == STRING:
            m = _STRING_RE.match(text, pos)
            if m is None:  # end of input inside a string
                return tokens, None
            kind = m.lastgroup
            end = m.end()
            if kind == "STR":
                value = unescape(m.group())
                if "\0" in value:
                    return tokens, _nul_error(value, source, pos)
                push(_new(Token, ("STR", value, pos, end)))
            elif kind == "DOLLAR_CURLY":
                stack.append(DEFAULT)
                push(_new(Token, (kind, "${", pos, end)))
            else:
                stack.pop()
                push(_new(Token, ("DQUOTE", '"', pos, end)))
            pos = end
        elif mode == IND_STRING:
            m = _IND_RE.match(text, pos)
            if m is None:
                return tokens, None
            kind = m.lastgroup
            end = m.end()
            if kind == "IND_STR":
                value = m.group()
                if "\0" in value:
                    return tokens, _nul_error(value, source, pos)
                push(_new(Token, ("IND_STR", value, pos, end)))
            elif kind == "DOLLAR_CURLY":
                stack.append(DEFAULT)
                push(_new(Token, (kind, "${", pos, end)))
            elif kind == "IND_CLOSE":
                stack.pop()
                push(_new(Token, (kind, "''", pos, end)))
            else:
                value = {"TRIPLE": "''", "DOLLAR": "$", "QUOTE": "'", "LONE_DOLLAR": "$"}.get(kind)
                if value is None:  # ''\x
                    value = unescape("\\" + text[pos + 3:end])
                    if "\0" in value:
                        return tokens, _nul_error(value, source, pos)
                push(_new(Token, ("IND_STR_LIT", value, pos, end)))
            pos = end
        else:  # INPATH or INPATH_SLASH
            m = _INPATH_RE.match(text, pos)
            if m is None:
                if mode == INPATH_SLASH:
                    return tokens, NixSyntaxError("path has a trailing slash", source, pos)
                stack.pop()
                push(_new(Token, ("PATH_END", "", pos, pos)))
                continue
            end = m.end()
            stack.pop()
            if m.lastgroup == "DOLLAR_CURLY":
                stack.append(INPATH)
                stack.append(DEFAULT)
                push(_new(Token, ("DOLLAR_CURLY", "${", pos, end)))
            else:
                value = m.group()
                stack.append(INPATH_SLASH if value[-1] == "/" else INPATH)
                push(_new(Token, ("STR", value, pos, end)))
            pos = end


def _path_at(text: str, pos: int, no_path_until: int) -> tuple[str | None, int, int]:
    """Try a path or URI at ``pos`` (flex would prefer them: they are longer).

    A path needs a ``/`` right after a run of path characters, a URI a ``:``;
    when the run ends in neither, no path can start anywhere in it, which is
    remembered so that long dotted runs (``a.b.c…``) stay linear.
    """
    if text[pos] == "/":
        if text.startswith("/*", pos):
            return None, pos, no_path_until
        run_end = pos
    else:
        run_end = _PC_RUN_RE.match(text, pos).end()
    follow = text[run_end:run_end + 1]
    if follow == "/":
        m = _PATH_RE.match(text, pos) or _PATH_SEG_DOLLAR_RE.match(text, pos)
        if m is not None:
            return "PATH", m.end(), no_path_until
        return None, pos, run_end
    if follow == ":":
        m = _URI_RE.match(text, pos)
        if m is not None:
            return "URI", m.end(), no_path_until
        return None, pos, no_path_until
    return None, pos, run_end
