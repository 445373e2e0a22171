"""Parse Nix source into an AST with Lark's LALR(1) parser and our modal lexer."""

from __future__ import annotations

import threading
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from . import ast
from .builder import TreeBuilder
from .errors import NixSyntaxError
from .lexer import DISPLAY, tokenize
from .source import Source

GRAMMAR = Path(__file__).with_name("nix.lark")

# bison lists what it expected only when there are at most four candidates
_MAX_EXPECTED = 4


class _NixLexer(Lexer):
    """Adapts :func:`tokenize` to Lark; the parse input is the Source itself."""

    __future_interface__ = 2
    pipe_operators = False

    def __init__(self, lexer_conf) -> None:
        pass

    def lex(self, lexer_state, parser_state):
        return tokenize(lexer_state.text, self.pipe_operators)


class _PipeLexer(_NixLexer):
    pipe_operators = True


class Parser:
    """A reusable parser. Parsing is serialised: the tree builder holds per-parse state."""

    def __init__(self, pipe_operators: bool = False) -> None:
        self._builder = TreeBuilder()
        self._lark = Lark(
            GRAMMAR.read_text(),
            parser="lalr",
            lexer=_PipeLexer if pipe_operators else _NixLexer,
            transformer=self._builder,
            keep_all_tokens=True,
            maybe_placeholders=False,
            strict=True,
        )
        self._lock = threading.Lock()
        self._order = {name: i for i, name in enumerate(t.name for t in self._lark.terminals)}

    def parse(self, source: Source) -> ast.Node:
        with self._lock:
            self._builder.src = source
            try:
                return self._lark.parse(source)
            except UnexpectedInput as e:
                raise self._syntax_error(source, e) from None
            except NixSyntaxError:
                raise
            except RecursionError:
                raise NixSyntaxError("expression is nested too deeply", source, 0) from None
            except Exception as e:  # lark wraps errors raised inside callbacks
                inner = getattr(e, "orig_exc", None)
                if isinstance(inner, NixSyntaxError):
                    raise inner from None
                raise

    def _syntax_error(self, source: Source, e: UnexpectedInput) -> NixSyntaxError:
        if isinstance(e, UnexpectedToken):
            tok: Token = e.token
            if tok.type == "$END":
                offset = len(source.text)
                what = "end of file"
            else:
                offset = tok.start_pos
                what = DISPLAY.get(tok.type, repr(str(tok)))
            message = f"syntax error, unexpected {what}"
            expected = sorted((x for x in e.expected if x != "INVALID"),
                              key=lambda n: self._order.get(n, -1))
            if 0 < len(expected) <= _MAX_EXPECTED:
                shown = [DISPLAY.get(x, x) for x in expected]
                message += ", expecting " + " or ".join(dict.fromkeys(shown))
            return NixSyntaxError(message, source, offset)
        return NixSyntaxError("syntax error", source, getattr(e, "pos_in_stream", 0) or 0)


_parsers: dict[bool, Parser] = {}


def get_parser(pipe_operators: bool = False) -> Parser:
    parser = _parsers.get(pipe_operators)
    if parser is None:
        parser = _parsers[pipe_operators] = Parser(pipe_operators)
    return parser


def parse_source(source: Source, pipe_operators: bool = False) -> ast.Node:
    return get_parser(pipe_operators).parse(source)
