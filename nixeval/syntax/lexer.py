"""A modal lexer for Nix, feeding Lark's LALR parser.

It follows Nix's flex lexer (src/libexpr/lexer.l): a stack of modes —
default, string, indented string, and the two path modes — where ``{`` and
``${`` push the default mode and ``}`` pops it, so interpolations nest to
any depth. Flex picks the longest match; the regular expressions below are
ordered so that Python's first-match alternation picks the same token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lark import Token

from .errors import NixSyntaxError
from .source import Source

_PC = r"[a-zA-Z0-9._\-+]"  # PATH_CHAR
_PATH = rf"{_PC}*+(?:/{_PC}++)++/?"
_PATH_RE = re.compile(_PATH)
_PATH_SEG_DOLLAR_RE = re.compile(rf"{_PC}*+/(?=\$\{{)")
_PC_RUN_RE = re.compile(rf"{_PC}*+")
_URI_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+\-.]*+:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']++")
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+")

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

# Default mode, after paths and URIs have been ruled out (see _lex_default).
_DEFAULT_RE = re.compile(
    r"""
    (?P<WS>[ \t\r\n]++)
  | (?P<COMMENT>\#[^\r\n]*+|/\*(?:[^*]|\*++[^*/])*+\*++/)
  | (?P<FLOAT>(?:[1-9][0-9]*+\.[0-9]*+|0?\.[0-9]++)(?:[Ee][+-]?[0-9]++)?)
  | (?P<INT>[0-9]++)
  | (?P<ID>[a-zA-Z_][a-zA-Z0-9_'\-]*+)
  | (?P<IND_OPEN>''(?:\ *\n)?)
  | (?P<SPATH><[a-zA-Z0-9._\-+]++(?:/[a-zA-Z0-9._\-+]++)*+>)
  | (?P<HPATH>~(?:/[a-zA-Z0-9._\-+]++)++/?|~/(?=\$\{))
  | (?P<OP>\.\.\.|==|!=|<=|>=|&&|\|\||->|//|\+\+|<\||\|>|\$\{|[{}()\[\]:;@,.=?!\-+*/<>"])
    """,
    re.VERBOSE,
)
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


def unescape(text: str) -> str:
    """Nix's unescapeStr: ``\\n``, ``\\r``, ``\\t``, ``\\x`` → x; CR and CRLF become LF."""
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
            out.append({"n": "\n", "r": "\r", "t": "\t"}.get(c, "\n" if c == "\r" else c))
            if c == "\r" and i < n and text[i] == "\n":
                i += 1
        elif c == "\r":
            out.append("\n")
            if i < n and text[i] == "\n":
                i += 1
        else:
            out.append(c)
    return "".join(out)


def tokenize(source: Source, pipe_operators: bool = False) -> Iterator[Token]:
    """Yield Lark tokens for ``source``; ``start_pos``/``end_pos`` are character offsets.

    Lexical errors (trailing slash, integer overflow) raise NixSyntaxError.
    """
    text = source.text
    n = len(text)
    pos = 0
    stack = [DEFAULT]  # the bottom DEFAULT plays flex's INITIAL: `}` never pops it
    no_path_until = -1  # a path cannot start before this offset (see _path_at)
    while True:
        mode = stack[-1]
        if mode == DEFAULT:
            if pos >= n:
                return
            c = text[pos]
            if (c in _PATH_CHARS or c == "/") and pos >= no_path_until:
                tok, end, no_path_until = _path_at(text, pos, no_path_until)
                if tok is not None:
                    yield Token(tok, text[pos:end], pos, end_pos=end)
                    if tok == "URI":
                        pos = end
                        continue
                    stack.append(INPATH_SLASH if text[end - 1] == "/" else INPATH)
                    pos = end
                    continue
            m = _DEFAULT_RE.match(text, pos)
            if m is None:
                yield Token("INVALID", c, pos, end_pos=pos + 1)
                pos += 1
                continue
            kind = m.lastgroup
            end = m.end()
            value = m.group()
            if kind == "OP":
                kind = _OPERATORS[value]
                if kind == "LBRACE" or kind == "DOLLAR_CURLY":
                    stack.append(DEFAULT)
                elif kind == "RBRACE":
                    if len(stack) > 1:
                        stack.pop()
                elif kind == "DQUOTE":
                    stack.append(STRING)
                elif (kind == "PIPE_FROM" or kind == "PIPE_INTO") and not pipe_operators:
                    raise NixSyntaxError(
                        "experimental Nix feature 'pipe-operators' is disabled; add "
                        "'--extra-experimental-features pipe-operators' to enable it",
                        source, pos)
                yield Token(kind, value, pos, end_pos=end)
            elif kind == "ID":
                yield Token(KEYWORDS.get(value, "ID"), value, pos, end_pos=end)
            elif kind == "WS" or kind == "COMMENT":
                pass
            elif kind == "INT":
                number = int(value)
                if number > _MAX_INT:
                    raise NixSyntaxError(f"invalid integer '{value}'", source, pos)
                yield Token("INT", number, pos, end_pos=end)
            elif kind == "FLOAT":
                yield Token("FLOAT", float(value), pos, end_pos=end)
            elif kind == "IND_OPEN":
                stack.append(IND_STRING)
                yield Token("IND_OPEN", value, pos, end_pos=end)
            elif kind == "HPATH":
                yield Token("HPATH", value, pos, end_pos=end)
                stack.append(INPATH_SLASH if value[-1] == "/" else INPATH)
            else:  # SPATH
                yield Token(kind, value, pos, end_pos=end)
            pos = end
        elif mode == STRING:
            m = _STRING_RE.match(text, pos)
            if m is None:  # end of input inside a string
                return
            kind = m.lastgroup
            end = m.end()
            if kind == "STR":
                yield Token("STR", unescape(m.group()), pos, end_pos=end)
            elif kind == "DOLLAR_CURLY":
                stack.append(DEFAULT)
                yield Token(kind, "${", pos, end_pos=end)
            else:
                stack.pop()
                yield Token("DQUOTE", '"', pos, end_pos=end)
            pos = end
        elif mode == IND_STRING:
            m = _IND_RE.match(text, pos)
            if m is None:
                return
            kind = m.lastgroup
            end = m.end()
            if kind == "IND_STR":
                yield Token("IND_STR", m.group(), pos, end_pos=end)
            elif kind == "DOLLAR_CURLY":
                stack.append(DEFAULT)
                yield Token(kind, "${", pos, end_pos=end)
            elif kind == "IND_CLOSE":
                stack.pop()
                yield Token(kind, "''", pos, end_pos=end)
            else:
                value = {"TRIPLE": "''", "DOLLAR": "$", "QUOTE": "'", "LONE_DOLLAR": "$"}.get(kind)
                if value is None:  # ''\x
                    value = unescape("\\" + text[pos + 3:end])
                yield Token("IND_STR_LIT", value, pos, end_pos=end)
            pos = end
        else:  # INPATH or INPATH_SLASH
            m = _INPATH_RE.match(text, pos)
            if m is None:
                if mode == INPATH_SLASH:
                    raise NixSyntaxError("path has a trailing slash", source, pos)
                stack.pop()
                yield Token("PATH_END", "", pos, end_pos=pos)
                continue
            end = m.end()
            stack.pop()
            if m.lastgroup == "DOLLAR_CURLY":
                stack.append(INPATH)
                stack.append(DEFAULT)
                yield Token("DOLLAR_CURLY", "${", pos, end_pos=end)
            else:
                value = m.group()
                stack.append(INPATH_SLASH if value[-1] == "/" else INPATH)
                yield Token("STR", value, pos, end_pos=end)
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
