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

from lark.parsers.lalr_analysis import Reduce

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


def expected_tokens(parse_table, state_stack: list, terminals: set[str]) -> list[str]:
    """Display names of what bison would list, or [] when it would list nothing."""
    states = parse_table.states
    stack = list(state_stack)
    for _ in range(10_000):  # each step pops at least as much as it pushes
        actions = states[stack[-1]]
        reductions = Counter(arg for action, arg in actions.values() if action is Reduce)
        if not reductions:
            break
        rule = reductions.most_common(1)[0][0]
        if rule.expansion:
            del stack[-len(rule.expansion):]
        if not stack:
            break
        stack.append(states[stack[-1]][rule.origin.name][1])
    names = {_ALIASES.get(t, t) for t in states[stack[-1]] if t in terminals}
    names.discard("INVALID")
    if not names or len(names) > MAX_EXPECTED:
        return []
    return [DISPLAY.get(n, n) for n in sorted(names, key=lambda n: _RANK.get(n, len(_RANK)))]
