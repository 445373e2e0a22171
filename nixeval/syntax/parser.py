"""Parse Nix source into an AST: our modal lexer, Lark's LALR(1) tables, our driver.

Lark builds the tables from grammar/nix.lark and names each rule's TreeBuilder
callback; the loop that runs them is here. Lark's own loop costs several times
more per token (a Token object with line bookkeeping, a method call per token,
dict lookups keyed by Rule objects), and it is the bulk of the parse time.
The tables are kept as plain data in a keyed cache entry, so that a run
which parses a file Lark is not imported at all (it takes longer to import
than most files take to parse).
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from ..files import read_beside
from . import ast, cache
from .builder import TreeBuilder
from .errors import NixSyntaxError
from .expected import expected_tokens
from .lexer import DISPLAY, Token, tokenize
from .source import Source

_State = dict[str, Any]  # terminal -> next state or reduction; nonterminal -> next state

# the tables as data: (rules, states, start state, accept state); a rule is
# (nonterminal, length, TreeBuilder method or None, rank); a state's actions
# are (symbol, shift?, next state or rule number)
Tables = tuple[list[tuple[str, int, str | None, int]], list[list[tuple[str, bool, int]]], int, int]


def tables_from_lark(grammar: str) -> Tables:
    """Lark's LALR(1) analysis of ``grammar``, with the TreeBuilder method each
    rule's callback calls."""
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import Lexer
    from lark.parse_tree_builder import ExpandSingleChild
    from lark.parsers.lalr_analysis import Shift

    class NoLexer(Lexer):
        """Lark insists on a lexer to build a parser; ours is fed by :func:`tokenize`."""

        def __init__(self, lexer_conf: Any) -> None:
            pass

        def lex(self, lexer_state: Any, parser_state: Any) -> Any:
            raise NotImplementedError

    builder = TreeBuilder()
    lark = Lark(grammar, parser="lalr", lexer=NoLexer, transformer=builder,
                keep_all_tokens=True, maybe_placeholders=False, strict=True)
    lalr = lark.parser.parser.parser
    if not all(isinstance(key, Rule) for key in lalr.callbacks):
        raise TypeError("the driver below calls no callbacks for tokens")
    # bison breaks a tie between default reductions by grammar order
    order = {rule: i for i, rule in enumerate(lark.rules)}
    rules: list[tuple[str, int, str | None, int]] = []
    numbers = {}
    for rule, cb in lalr.callbacks.items():
        size = len(rule.expansion)
        # With every token kept, a rule's children are as many as its
        # expansion: a `?rule` of one child is handed through unchanged (no
        # callback), any other calls its TreeBuilder method.
        if isinstance(cb, ExpandSingleChild):
            method = None if size == 1 else cb.node_builder
        else:
            method = cb
        if method is not None and getattr(method, "__self__", None) is not builder:
            raise TypeError(f"rule {rule} does not call a TreeBuilder method")
        numbers[rule] = len(rules)
        # str(): Lark's names are its own str subclass, whose Python-level
        # __eq__ every dict lookup would call
        rules.append((str(rule.origin.name), size, None if method is None else method.__name__,
                      order.get(rule, len(order))))
    table = lalr.parse_table
    states = [[(str(sym), action is Shift, arg if action is Shift else numbers[arg])
               for sym, (action, arg) in table.states[number].items()]
              for number in range(len(table.states))]
    return rules, states, table.start_states["start"], table.end_states["start"]


class Parser:
    """A reusable parser. Parsing is serialised: the tree builder holds per-parse state."""

    def __init__(self, pipe_operators: bool = False) -> None:
        self._pipe_operators = pipe_operators
        self._builder = TreeBuilder()
        rules, table, start, accept = cache.parser_tables(
            read_beside(__file__, "nix.lark").decode(), tables_from_lark)
        reductions = [(origin, size, None if method is None else getattr(self._builder, method))
                      for origin, size, method, _ in rules]
        self._rule_rank = {id(red): rule[3] for red, rule in zip(reductions, rules, strict=True)}
        # A state is its dict of actions and gotos: terminal -> the next
        # state (shift) or a reduction; nonterminal -> the next state.
        states: list[_State] = [{} for _ in table]
        for state, actions in zip(states, table, strict=True):
            state.update((sym, states[arg] if shift else reductions[arg])
                         for sym, shift, arg in actions)
        self._start = states[start]
        self._accept = states[accept]  # has no actions: see _run
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
