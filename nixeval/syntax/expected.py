"""What a syntax error says was expected, as bison would say it.

Bison performs a state's default reduction without looking at the next token,
so it notices an error later than Lark's canonical LALR tables do: for
``let a = 1 in a`` it has already reduced ``1`` to a whole binding value and
can say "expecting ';'". This replays that: from the state where Lark stopped,
take the most common reduction while one exists, then list the tokens the
final state can shift — at most four, as bison does, in bison's order
(see _BISON_ORDER).
"""

from __future__ import annotations

from collections import Counter

from .lexer import DISPLAY

MAX_EXPECTED = 4

# Bison numbers tokens in order of first appearance in Nix's parser.y: the
# %token declarations, then the characters of the precedence declarations,
# then the characters as the rules first use them.
_BISON_ORDER = [
    "$END", "INVALID",
    "ID", "STR", "IND_STR", "INT", "FLOAT", "PATH", "HPATH", "SPATH", "PATH_END", "URI",
    "IF", "THEN", "ELSE", "ASSERT", "WITH", "LET", "IN", "REC", "INHERIT", "EQ", "NEQ",
    "LEQ", "GEQ", "UPDATE", "CONCAT", "AND", "OR", "IMPL", "OR_KW", "PIPE_FROM",
    "PIPE_INTO", "DOLLAR_CURLY", "IND_OPEN", "IND_CLOSE", "ELLIPSIS",
    "LT", "GT", "PLUS", "MINUS", "STAR", "SLASH", "QMARK",
    "COLON", "AT", "SEMI", "NOT", "DOT", "DQUOTE", "LPAR", "RPAR", "LBRACE", "RBRACE",
    "LBRACK", "RBRACK", "ASSIGN", "COMMA",
]
_RANK = {name: i for i, name in enumerate(_BISON_ORDER)}
# IND_STR_LIT is our split of bison's IND_STR: the same token to a reader
_ALIASES = {"IND_STR_LIT": "IND_STR"}


def expected_tokens(stack: list[dict], rank: dict[int, int]) -> list[str]:
    """Display names of what bison would list, or [] when it would list nothing.

    ``stack`` is the parser's stack of states at the error; a state maps each
    terminal (upper case) and nonterminal to the next state (a dict) or, for a
    terminal, a reduction ``(nonterminal, length, callback)``; ``rank`` orders
    reductions (by ``id``) as their rules stand in the grammar.
    """
    stack = list(stack)
    defaults: dict[int, tuple | None] = {}  # a deep stack repeats a few states
    # A step shrinks the stack, or is one of a short chain of unit or empty
    # reductions; the bound is only a guard, and grows with the stack, which
    # bison may unwind entirely (`x: x: … 1 ]`).
    for _ in range(10_000 + 10 * len(stack)):
        state = stack[-1]
        if id(state) not in defaults:
            defaults[id(state)] = _default_reduction(state, rank)
        reduction = defaults[id(state)]
        if reduction is None:
            break
        lhs, size, _ = reduction
        if lhs == "start":  # bison's next state shifts only its end marker
            return [DISPLAY["$END"]]
        if size:
            del stack[-size:]
        if not stack:
            break
        stack.append(stack[-1][lhs])
    names = {_ALIASES.get(t, t) for t in stack[-1] if t.isupper()}
    names.discard("INVALID")
    if not names or len(names) > MAX_EXPECTED:
        return []
    return [DISPLAY.get(n, n) for n in sorted(names, key=lambda n: _RANK.get(n, len(_RANK)))]


def _default_reduction(state: dict, rank: dict[int, int]) -> tuple | None:
    """Bison's default reduction in ``state``: the one for the most lookaheads
    (on a tie, the earliest rule), or None where the state reduces nothing."""
    reductions = Counter(act for sym, act in state.items()
                         if act.__class__ is tuple and sym.isupper())
    if not reductions:
        return None
    return min(reductions, key=lambda r: (-reductions[r], rank.get(id(r), 0)))
