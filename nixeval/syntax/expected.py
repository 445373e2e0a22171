"""What a syntax error says was expected, as bison would say it.

Bison performs a state's default reduction without looking at the next token,
so it notices an error later than Lark's canonical LALR tables do: for
``let a = 1 in a`` it has already reduced ``1`` to a whole binding value and
can say "expecting ';'". This replays that: from the state where Lark stopped,
take the most common reduction while one exists, then list the tokens the
final state can shift — at most four, as bison does, in bison's order
(single-character tokens by character code, then the named tokens in the order
Nix's parser.y declares them).
"""

from __future__ import annotations

from collections import Counter

from lark.parsers.lalr_analysis import Reduce

from .lexer import DISPLAY

MAX_EXPECTED = 4

# the named tokens of Nix's parser.y, in declaration order
_NAMED_ORDER = [
    "ID", "STR", "IND_STR", "INT", "FLOAT", "PATH", "HPATH", "SPATH", "PATH_END", "URI",
    "IF", "THEN", "ELSE", "ASSERT", "WITH", "LET", "IN", "REC", "INHERIT", "EQ", "NEQ",
    "LEQ", "GEQ", "UPDATE", "CONCAT", "AND", "OR", "IMPL", "OR_KW", "PIPE_FROM",
    "PIPE_INTO", "DOLLAR_CURLY", "IND_OPEN", "IND_CLOSE", "ELLIPSIS",
]
_CHAR_TOKENS = {
    "NOT": "!", "DQUOTE": '"', "LPAR": "(", "RPAR": ")", "STAR": "*", "PLUS": "+",
    "COMMA": ",", "MINUS": "-", "DOT": ".", "SLASH": "/", "COLON": ":", "SEMI": ";",
    "LT": "<", "ASSIGN": "=", "GT": ">", "QMARK": "?", "AT": "@", "LBRACK": "[",
    "RBRACK": "]", "LBRACE": "{", "RBRACE": "}",
}
# IND_STR_LIT is our split of bison's IND_STR: the same token to a reader
_ALIASES = {"IND_STR_LIT": "IND_STR"}


def _rank(name: str) -> tuple[int, int]:
    if name == "$END":
        return (0, 0)
    if name in _CHAR_TOKENS:
        return (1, ord(_CHAR_TOKENS[name]))
    return (2, _NAMED_ORDER.index(name) if name in _NAMED_ORDER else len(_NAMED_ORDER))


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
    return [DISPLAY.get(n, n) for n in sorted(names, key=_rank)]
