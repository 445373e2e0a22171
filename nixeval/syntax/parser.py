"""Parse Nix source into an AST: our modal lexer, Lark's LALR(1) tables, our driver.

Lark builds the tables from grammar/nix.lark and binds each rule to its
TreeBuilder callback; the loop that runs them is here. Lark's own loop costs
several times more per token (a Token object with line bookkeeping, a method
call per token, dict lookups keyed by Rule objects), and it is the bulk of
the parse time.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

from lark.grammar import Rule
from lark.lexer import Lexer
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Shift

from ..files import read_beside
from . import ast, cache
from .builder import TreeBuilder
from .errors import NixSyntaxError
from .expected import expected_tokens
from .lexer import DISPLAY, Token, tokenize
from .source import Source

_Reduction = tuple[str, int, Callable[[list], object] | None]
_State = dict[str, "_State | _Reduction"]


class _NoLexer(Lexer):
    """Lark insists on a lexer to build a parser; ours is fed by :func:`tokenize`."""

    def __init__(self, lexer_conf) -> None:
        pass

    def lex(self, lexer_state, parser_state):
        raise NotImplementedError


class Parser:
    """A reusable parser. Parsing is serialised: the tree builder holds per-parse state."""

    def __init__(self, pipe_operators: bool = False) -> None:
        self._pipe_operators = pipe_operators
        self._builder = TreeBuilder()
        # Lark's analysis of the grammar, cached beside the parse cache
        self._lark = cache.lark_parser(
            read_beside(__file__, "nix.lark").decode(),
            parser="lalr",
            lexer=_NoLexer,
            transformer=self._builder,
            keep_all_tokens=True,
            maybe_placeholders=False,
            strict=True,
        )
        lalr = self._lark.parser.parser.parser
        if not all(isinstance(key, Rule) for key in lalr.callbacks):
            raise TypeError("the driver below calls no callbacks for tokens")
        # (nonterminal, length, callback); no callback for a `?rule` of one
        # child, which Lark's ExpandSingleChild would hand through unchanged.
        # str(): Lark's names are its own str subclass, whose Python-level
        # __eq__ every dict lookup would call.
        reductions = {
            rule: (str(rule.origin.name), len(rule.expansion),
                   None if isinstance(cb, ExpandSingleChild) and len(rule.expansion) == 1
                   else cb)
            for rule, cb in lalr.callbacks.items()
        }
        # bison breaks a tie between default reductions by grammar order
        order = {rule: i for i, rule in enumerate(self._lark.rules)}
        self._rule_rank = {id(red): order.get(rule, len(order))
                           for rule, red in reductions.items()}
        # A state is its dict of actions and gotos: terminal -> the next
        # state (shift) or a reduction; nonterminal -> the next state.
        table = lalr.parse_table
        states: list[_State] = [{} for _ in table.states]
        for number, actions in table.states.items():
            states[number].update(
                (str(sym), states[arg] if action is Shift else reductions[arg])
                for sym, (action, arg) in actions.items())
        self._start = states[table.start_states["start"]]
        self._accept = states[table.end_states["start"]]  # has no actions: see _run
        self._lock = threading.Lock()

    def parse(self, source: Source) -> ast.Node:
        # Parsing makes no reference cycles, only many young objects (tokens,
        # nodes) that collections would traverse again and again: a quarter
        # of the time, if left on.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            with self._lock:
                self._builder.begin(source)
                return self._builder.finish(self._run(source))
        finally:
            if gc_was_enabled:
                gc.enable()

    def _run(self, source: Source) -> ast.Node:
        tokens, lex_error = tokenize(source, self._pipe_operators)
        if lex_error is None:
            end = len(source.text)
            tokens.append(Token("$END", "", end, end))
        stack = [self._start]  # states
        values: list = []
        for tok in tokens:
            kind = tok.type
            while True:
                act = stack[-1].get(kind)
                if act.__class__ is tuple:  # reduce
                    lhs, size, build = act
                    if size == 1:  # the commonest case, done in place
                        if build is not None:
                            values[-1] = build(values[-1:])
                        stack[-1] = stack[-2][lhs]
                    elif size:
                        children = values[-size:]
                        del stack[-size:], values[-size:]
                        values.append(build(children))
                        stack.append(stack[-1][lhs])
                    else:
                        values.append(build([]))
                        stack.append(stack[-1][lhs])
                elif act is not None:  # shift
                    stack.append(act)
                    values.append(tok)
                    break
                elif stack[-1] is self._accept:  # reached by reducing on $END only
                    return values[-1]
                else:
                    raise self._syntax_error(source, tok, stack)
        # every token up to the lexical error was fine, so that is the error
        raise lex_error

    def _syntax_error(self, source: Source, tok: Token, stack: list[_State]) -> NixSyntaxError:
        message = f"syntax error, unexpected {DISPLAY.get(tok.type, repr(str(tok.value)))}"
        expected = expected_tokens(stack, self._rule_rank)
        if expected:
            message += ", expecting " + " or ".join(expected)
        return NixSyntaxError(message, source, tok.start_pos)


_parsers: dict[bool, Parser] = {}


def get_parser(pipe_operators: bool = False) -> Parser:
    parser = _parsers.get(pipe_operators)
    if parser is None:
        parser = _parsers[pipe_operators] = Parser(pipe_operators)
    return parser


def parse_source(source: Source, pipe_operators: bool = False) -> ast.Node:
    return get_parser(pipe_operators).parse(source)
