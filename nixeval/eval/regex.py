"""``builtins.match`` and ``builtins.split`` with the semantics real Nix has.

Nix compiles regexes with ``std::regex(re, std::regex::extended)``; Nix 2.8
on Linux uses libstdc++ (GCC 12 on Debian bookworm) and behaves as built with
``__STRICT_ANSI__`` (``-std=c++17``).  That engine differs from both POSIX and Python's
``re`` in ways that show up in real Nix code, so this module ports the
relevant parts of libstdc++ (``bits/regex_scanner.tcc``,
``regex_compiler.tcc``, ``regex_automaton.tcc``, ``regex_executor.tcc``)
rather than guessing.  Behaviours, all checked against ``nix-instantiate``:

* Syntax (scanner, strict-ANSI build): ``\\`` may only escape one of
  ``.[\\()*+?{|^$`` -- ``\\d``, ``\\]``, ``\\}``, ``\\1`` are *invalid*, there are
  no shorthands and no back-references.  ``]`` and ``}`` are literals outside
  brackets, but a lone ``)`` is an error.  ``{`` always opens an interval.
  ``a**`` and ``a*?`` are nested greedy quantifiers (no lazy ones).  A
  quantifier after ``^``/``$`` is an error.  The interval count is evaluated
  in a ``long`` and truncated to ``int`` (so ``a{4294967295}`` means ``a{-1}``,
  i.e. nothing).
* Brackets: backslash is literal, ``]`` first (after an optional ``^``) is
  literal, ``-`` is literal only first or last, ranges compare *signed*
  chars, ``[:name:]`` is looked up case-insensitively among the C-locale
  classes plus ``d``/``w``/``s``, ``[.name.]``/``[=name=]`` take libstdc++'s
  collating-name table (``[.a.]``, ``[.hyphen.]``; ``[.-.]`` is invalid), and
  ``[=x=]`` ignores case.
* ``.`` matches any byte but NUL (newline included); ``^``/``$`` only match at
  the very start/end of the subject.
* Matching is a backtracking DFS.  An alternation tries *both* branches and
  keeps the strictly longer match (first one on ties), but a greedy
  quantifier stops as soon as its "once more" branch found any match.  So
  ``split "a|ab" "abc"`` matches ``ab`` (Python: ``a``) while
  ``split "(a*)(ab)?" "aab"`` matches ``aa`` (true POSIX: ``aab``).  For whole
  string ``match`` only the first solution in DFS order can reach the end,
  which is exactly Python's order.
* Bounded intervals are unrolled into nested optionals and an empty loop
  iteration may be repeated twice at the same position (libstdc++'s guard
  against infinite loops), while sre stops after one empty iteration.  That
  changes captures of quantified bodies that can match empty:
  ``match "(|a){0,2}" "a"`` is ``["a"]`` in Nix, ``[""]`` with Python.
* ``builtins.tryEval`` does not catch the regex errors (they are plain
  evaluation errors, not ``throw``/``assert``).
* The NFA is limited to 100000 states; exceeding it is Nix's "memory limit
  exceeded" error rather than "invalid regular expression".
* Nix strings are byte strings and the engine works on ``char``: ``.``
  matches one *byte*, so ``match "(.)" "é"`` is null and ``match "(..)" "é"``
  captures both bytes.  We therefore run everything on the UTF-8 bytes of the
  subject (``surrogateescape`` so that arbitrary bytes survive, the same
  convention as :mod:`nixeval.eval.values`) and decode the pieces the same
  way; a capture that cuts a UTF-8 sequence comes back as lone surrogates.

Two engines are used.  Where libstdc++'s search order coincides with
sre's (no quantified nullable body, and for ``split`` no ``|``), the pattern
runs as a translated Python ``re`` byte pattern.  Everything else runs on a
port of libstdc++'s NFA and DFS executor (for ``split`` with ``|``, sre still
finds where each match starts).  That DFS takes exponential time on patterns
like ``(a*)*b``; past a budget linear in the states and the subject, the same
answer is computed by a memoised search whose cost is polynomial in the
subject (see the executor's notes).  tests/test_regex.py checks the fast path
against the port and both against real Nix; tests/test_hostile_eval.py the
memoised search against the DFS.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator

from ..syntax.records import record

__all__ = ["RegexError", "compile_posix", "match", "split"]


class RegexError(Exception):
    """A pattern Nix rejects; ``message`` is Nix's text (without position)."""

    def __init__(self, message: str, *, memory: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.memory = memory


class _Invalid(Exception):
    """Any std::regex_error other than error_space."""


class _Space(Exception):
    """std::regex_error(error_space): NFA state limit exceeded."""


_STATE_LIMIT = 100_000  # _GLIBCXX_REGEX_STATE_LIMIT

# --------------------------------------------------------------------------
# Character tables (C locale, as the regex's std::locale is the classic one)

_DIGIT = frozenset(range(0x30, 0x3A))
_UPPER = frozenset(range(0x41, 0x5B))
_LOWER = frozenset(range(0x61, 0x7B))
_ALPHA = _UPPER | _LOWER
_ALNUM = _ALPHA | _DIGIT
_GRAPH = frozenset(range(0x21, 0x7F))
_CLASSES: dict[str, frozenset[int]] = {
    "d": _DIGIT,
    "w": _ALNUM | {0x5F},
    "s": frozenset({9, 10, 11, 12, 13, 32}),
    "alnum": _ALNUM,
    "alpha": _ALPHA,
    "blank": frozenset({9, 32}),
    "cntrl": frozenset(range(32)) | {127},
    "digit": _DIGIT,
    "graph": _GRAPH,
    "lower": _LOWER,
    "print": _GRAPH | {32},
    "punct": _GRAPH - _ALNUM,
    "space": frozenset({9, 10, 11, 12, 13, 32}),
    "upper": _UPPER,
    "xdigit": _DIGIT | frozenset(b"ABCDEFabcdef"),
}

# regex_traits::lookup_collatename: index in this table is the character.
_COLLATE_NAMES = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "alert", "backspace", "tab", "newline",
    "vertical-tab", "form-feed", "carriage-return", "SO", "SI", "DLE", "DC1", "DC2", "DC3",
    "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "IS4", "IS3", "IS2", "IS1", "space",
    "exclamation-mark", "quotation-mark", "number-sign", "dollar-sign", "percent-sign",
    "ampersand", "apostrophe", "left-parenthesis", "right-parenthesis", "asterisk",
    "plus-sign", "comma", "hyphen", "period", "slash", "zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "colon", "semicolon", "less-than-sign",
    "equals-sign", "greater-than-sign", "question-mark", "commercial-at", "A", "B", "C", "D",
    "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V",
    "W", "X", "Y", "Z", "left-square-bracket", "backslash", "right-square-bracket",
    "circumflex", "underscore", "grave-accent", "a", "b", "c", "d", "e", "f", "g", "h", "i",
    "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
    "left-curly-bracket", "vertical-line", "right-curly-bracket", "tilde", "DEL",
]
_COLLATE = {name: i for i, name in enumerate(_COLLATE_NAMES)}
assert len(_COLLATE_NAMES) == 128


# Matchers are 256-entry tables (libstdc++ caches bracket matchers the same way).
_ANY_TABLE = bytes(c != 0 for c in range(256))  # POSIX `.`: anything but NUL


@functools.cache
def _char_table(ch: int) -> bytes:
    return bytes(c == ch for c in range(256))


def _signed(c: int) -> int:
    """``char`` is signed on x86-64; bracket ranges compare signed values."""
    return c - 256 if c >= 128 else c


def _lower(c: int) -> int:
    return c + 32 if 0x41 <= c <= 0x5A else c


# --------------------------------------------------------------------------
# Scanner (regex_scanner.tcc, POSIX extended, __STRICT_ANSI__)

(_T_EOF, _T_ORD, _T_ANY, _T_BOL, _T_EOL, _T_STAR, _T_PLUS, _T_OPT, _T_OR,
 _T_LPAREN, _T_RPAREN, _T_BRACKET, _T_NBRACKET, _T_BRACKET_END, _T_DASH,
 _T_COLL, _T_EQUIV, _T_CLASS, _T_BRACE, _T_COUNT, _T_COMMA, _T_BRACE_END) = range(22)

_SPEC = b".[\\()*+?{|^$"
_NORMAL_TOKENS = {
    ord("^"): _T_BOL, ord("$"): _T_EOL, ord("."): _T_ANY, ord("*"): _T_STAR,
    ord("+"): _T_PLUS, ord("?"): _T_OPT, ord("|"): _T_OR,
}
_S_NORMAL, _S_BRACKET, _S_BRACE = range(3)


class _Scanner:
    __slots__ = ("at_bracket_start", "p", "pos", "state", "token", "value")

    def __init__(self, p: bytes) -> None:
        self.p = p
        self.pos = 0
        self.state = _S_NORMAL
        self.at_bracket_start = False
        self.token = _T_EOF
        self.value: bytes = b""
        self.advance()

    def advance(self) -> None:
        if self.pos == len(self.p):
            self.token = _T_EOF
        elif self.state == _S_NORMAL:
            self._scan_normal()
        elif self.state == _S_BRACKET:
            self._scan_bracket()
        else:
            self._scan_brace()

    def _scan_normal(self) -> None:
        p = self.p
        c = p[self.pos]
        self.pos += 1
        if c not in _SPEC and c != 0:
            self.token, self.value = _T_ORD, bytes((c,))
            return
        if c == 0x5C:  # backslash: only special characters may be escaped
            if self.pos == len(p):
                raise _Invalid
            c = p[self.pos]
            if c not in _SPEC or c == 0:
                raise _Invalid  # __STRICT_ANSI__: error_escape
            self.pos += 1
            self.token, self.value = _T_ORD, bytes((c,))
        elif c == 0x28:
            self.token = _T_LPAREN
        elif c == 0x29:
            self.token = _T_RPAREN
        elif c == 0x5B:
            self.state = _S_BRACKET
            self.at_bracket_start = True
            if self.pos < len(p) and p[self.pos] == 0x5E:
                self.token = _T_NBRACKET
                self.pos += 1
            else:
                self.token = _T_BRACKET
        elif c == 0x7B:
            self.state = _S_BRACE
            self.token = _T_BRACE
        elif c == 0:
            raise _Invalid  # _S_null
        else:
            self.token = _NORMAL_TOKENS[c]

    def _scan_bracket(self) -> None:
        p = self.p
        c = p[self.pos]
        self.pos += 1
        if c == 0x2D:
            self.token = _T_DASH
        elif c == 0x5B:
            if self.pos == len(p):
                raise _Invalid
            k = p[self.pos]
            if k in b".:=":
                self.pos += 1
                self.token = {0x2E: _T_COLL, 0x3A: _T_CLASS, 0x3D: _T_EQUIV}[k]
                self._eat_class(k)
            else:
                self.token, self.value = _T_ORD, b"["
        elif c == 0x5D and not self.at_bracket_start:
            self.token = _T_BRACKET_END
            self.state = _S_NORMAL
        else:  # backslash is an ordinary character in POSIX brackets
            self.token, self.value = _T_ORD, bytes((c,))
        self.at_bracket_start = False

    def _eat_class(self, k: int) -> None:
        p = self.p
        end = p.find(bytes((k,)), self.pos)
        if end < 0 or end + 1 >= len(p) or p[end + 1] != 0x5D:
            raise _Invalid
        self.value = p[self.pos:end]
        self.pos = end + 2

    def _scan_brace(self) -> None:
        p = self.p
        c = p[self.pos]
        self.pos += 1
        if 0x30 <= c <= 0x39:
            start = self.pos - 1
            while self.pos < len(p) and 0x30 <= p[self.pos] <= 0x39:
                self.pos += 1
            self.token, self.value = _T_COUNT, p[start:self.pos]
        elif c == 0x2C:
            self.token = _T_COMMA
        elif c == 0x7D:
            self.state = _S_NORMAL
            self.token = _T_BRACE_END
        else:
            raise _Invalid


# --------------------------------------------------------------------------
# NFA (regex_automaton.h) and compiler (regex_compiler.tcc)

(_OP_REPEAT, _OP_SUB_BEGIN, _OP_SUB_END, _OP_BOL, _OP_EOL, _OP_MATCH,
 _OP_ACCEPT, _OP_ALT, _OP_DUMMY) = range(9)
_HAS_ALT = (_OP_REPEAT, _OP_ALT)

# AST used for the Python translation and the fast-path analysis:
#   ("set", table) ("bol",) ("eol",) ("group", idx, node) ("cat", [nodes])
#   ("alt", left, right) ("rep", node, min, max_or_None)
_Node = tuple


class _Compiler:
    """_Compiler: libstdc++'s NFA (same states in the same order) plus an AST."""

    def __init__(self, p: bytes) -> None:
        self.value = b""  # _M_value: text of the token last matched
        self.op: list[int] = []
        self.nxt: list[int] = []
        self.alt: list[int] = []
        self.data: list[object] = []
        self.nsub = 0
        self.paren_stack: list[int] = []
        self.sc = _Scanner(p)
        # _Compiler::_Compiler
        start = self._insert_sub_begin()
        r_end = start
        s, e, ast = self._disjunction()
        if not self._match(_T_EOF):
            raise _Invalid
        self.nxt[r_end] = s
        r_end = e
        se = self._insert_sub_end()
        self.nxt[r_end] = se
        self.nxt[se] = self._insert(_OP_ACCEPT)
        self.ast = ast
        self._eliminate_dummy()

    # -- states
    def _insert(self, op: int, nxt: int = -1, alt: int = -1, data: object = None) -> int:
        self.op.append(op)
        self.nxt.append(nxt)
        self.alt.append(alt)
        self.data.append(data)
        if len(self.op) > _STATE_LIMIT:
            raise _Space
        return len(self.op) - 1

    def _insert_sub_begin(self) -> int:
        idx = self.nsub
        self.nsub += 1
        self.paren_stack.append(idx)
        return self._insert(_OP_SUB_BEGIN, data=idx)

    def _insert_sub_end(self) -> int:
        return self._insert(_OP_SUB_END, data=self.paren_stack.pop())

    def _clone(self, start: int, end: int) -> tuple[int, int]:
        """_StateSeq::_M_clone, duplicates included (they count towards the limit)."""
        m: dict[int, int] = {}
        stack = [start]
        op, nxt, alt, data = self.op, self.nxt, self.alt, self.data
        while stack:
            u = stack.pop()
            m[u] = self._insert(op[u], nxt[u], alt[u], data[u])
            if op[u] in _HAS_ALT and alt[u] != -1 and alt[u] not in m:
                stack.append(alt[u])
            if u == end:
                continue
            if nxt[u] != -1 and nxt[u] not in m:
                stack.append(nxt[u])
        for v in m.values():
            if nxt[v] != -1:
                nxt[v] = m.get(nxt[v], nxt[v])
            if op[v] in _HAS_ALT and alt[v] != -1:
                alt[v] = m.get(alt[v], alt[v])
        return m[start], m[end]

    def _eliminate_dummy(self) -> None:
        op, nxt, alt = self.op, self.nxt, self.alt
        for i in range(len(op)):
            while nxt[i] >= 0 and op[nxt[i]] == _OP_DUMMY:
                nxt[i] = nxt[nxt[i]]
            if op[i] in _HAS_ALT:
                while alt[i] >= 0 and op[alt[i]] == _OP_DUMMY:
                    alt[i] = nxt[alt[i]]

    # -- tokens
    def _match(self, token: int) -> bool:
        sc = self.sc
        if sc.token == token:
            self.value = sc.value
            sc.advance()
            return True
        return False

    def _int_value(self) -> int:
        """_M_cur_int_value(10): accumulate in a long, return an int."""
        v = 0
        for c in self.value:
            v = (v * 10 + c - 0x30) & 0xFFFFFFFFFFFFFFFF
        v &= 0xFFFFFFFF
        return v - (1 << 32) if v >= 1 << 31 else v

    # -- grammar
    def _disjunction(self) -> tuple[int, int, _Node]:
        s1, e1, a1 = self._alternative()
        while self._match(_T_OR):
            s2, e2, a2 = self._alternative()
            end = self._insert(_OP_DUMMY)
            self.nxt[e1] = end
            self.nxt[e2] = end
            s1 = self._insert(_OP_ALT, nxt=s2, alt=s1)
            e1 = end
            a1 = ("alt", a1, a2)
        return s1, e1, a1

    def _alternative(self) -> tuple[int, int, _Node]:
        # libstdc++ recurses once per term; a loop links the same states.
        seqs: list[tuple[int, int]] = []
        nodes: list[_Node] = []
        while True:
            t = self._term()
            if t is None:
                break
            seqs.append(t[:2])
            nodes.append(t[2])
        seqs.append((d := self._insert(_OP_DUMMY), d))
        for (_, e), (s, _) in itertools.pairwise(seqs):
            self.nxt[e] = s
        return seqs[0][0], seqs[-1][1], nodes[0] if len(nodes) == 1 else ("cat", nodes)

    def _term(self) -> tuple[int, int, _Node] | None:
        if self._match(_T_BOL):
            i = self._insert(_OP_BOL)
            return i, i, ("bol",)
        if self._match(_T_EOL):
            i = self._insert(_OP_EOL)
            return i, i, ("eol",)
        t = self._atom()
        if t is None:
            return None
        while True:
            q = self._quantifier(t)
            if q is None:
                return t
            t = q

    def _atom(self) -> tuple[int, int, _Node] | None:
        if self._match(_T_ANY):
            i = self._insert(_OP_MATCH, data=_ANY_TABLE)
            return i, i, ("set", _ANY_TABLE)
        if self._match(_T_ORD):
            table = _char_table(self.value[0])
            i = self._insert(_OP_MATCH, data=table)
            return i, i, ("set", table)
        if self._match(_T_LPAREN):
            b = self._insert_sub_begin()
            idx = self.data[b]
            s, e, ast = self._disjunction()
            if not self._match(_T_RPAREN):
                raise _Invalid
            self.nxt[b] = s
            se = self._insert_sub_end()
            self.nxt[e] = se
            return b, se, ("group", idx, ast)
        neg = self._match(_T_NBRACKET)
        if not (neg or self._match(_T_BRACKET)):
            return None
        table = self._bracket(neg)
        i = self._insert(_OP_MATCH, data=table)
        return i, i, ("set", table)

    def _quantifier(self, t: tuple[int, int, _Node]) -> tuple[int, int, _Node] | None:
        s, e, ast = t
        if self._match(_T_STAR):
            r = self._insert(_OP_REPEAT, nxt=-1, alt=s)
            self.nxt[e] = r
            return r, r, ("rep", ast, 0, None)
        if self._match(_T_PLUS):
            r = self._insert(_OP_REPEAT, nxt=-1, alt=s)
            self.nxt[e] = r
            return s, r, ("rep", ast, 1, None)
        if self._match(_T_OPT):
            end = self._insert(_OP_DUMMY)
            r = self._insert(_OP_REPEAT, nxt=-1, alt=s)
            self.nxt[e] = end
            self.nxt[r] = end
            return r, end, ("rep", ast, 0, 1)
        if not self._match(_T_BRACE):
            return None
        if not self._match(_T_COUNT):
            raise _Invalid
        es = ee = self._insert(_OP_DUMMY)
        min_rep = self._int_value()
        infinite = False
        n = 0
        if self._match(_T_COMMA):
            if self._match(_T_COUNT):
                n = self._int_value() - min_rep
            else:
                infinite = True
        if not self._match(_T_BRACE_END):
            raise _Invalid
        for _ in range(min_rep):
            cs, ce = self._clone(s, e)
            self.nxt[ee] = cs
            ee = ce
        lo = max(min_rep, 0)
        if infinite:
            cs, ce = self._clone(s, e)
            r = self._insert(_OP_REPEAT, nxt=-1, alt=cs)
            self.nxt[ce] = r
            self.nxt[ee] = r
            return es, r, ("rep", ast, lo, None)
        if n < 0:
            raise _Invalid
        end = self._insert(_OP_DUMMY)
        for _ in range(n):
            cs, ce = self._clone(s, e)
            # Inserted as repeat(next=clone, alt=end), then next/alt swapped.
            r = self._insert(_OP_REPEAT, nxt=end, alt=cs)
            self.nxt[ee] = r
            ee = ce
        self.nxt[ee] = end
        return es, end, ("rep", ast, lo, lo + n)

    def _bracket(self, neg: bool) -> bytes:
        """_M_insert_bracket_matcher + _M_expression_term; returns the 256-byte cache."""
        chars: list[int] = []
        ranges: list[tuple[int, int]] = []
        classes: set[int] = set()
        equiv: list[int] = []
        last: int | None = None  # cached char (_BracketState::_Char)
        last_is_class = False

        def push_char(c: int) -> None:
            nonlocal last, last_is_class
            if last is not None:
                chars.append(last)
            last, last_is_class = c, False

        def push_class() -> None:
            nonlocal last, last_is_class
            if last is not None:
                chars.append(last)
            last, last_is_class = None, True

        def lookup_collate() -> int:
            c = _COLLATE.get(self.value.decode("latin-1"))
            if c is None:
                raise _Invalid
            return c

        if self._match(_T_ORD):
            last = self.value[0]
        elif self._match(_T_DASH):
            last = 0x2D
        while not self._match(_T_BRACKET_END):
            if self._match(_T_COLL):
                push_char(lookup_collate())
            elif self._match(_T_EQUIV):
                push_class()
                equiv.append(_lower(lookup_collate()))
            elif self._match(_T_CLASS):
                push_class()
                cls = _CLASSES.get(self.value.decode("latin-1").lower())
                if cls is None:
                    raise _Invalid
                classes |= cls
            elif self._match(_T_ORD):
                push_char(self.value[0])
            elif self._match(_T_DASH):
                if self._match(_T_BRACKET_END):
                    push_char(0x2D)
                    break
                if last_is_class or last is None:
                    raise _Invalid  # "[[:a:]-z]" or a dash after a range
                if self._match(_T_ORD):
                    hi = self.value[0]
                elif self._match(_T_DASH):
                    hi = 0x2D
                else:
                    raise _Invalid
                if _signed(last) > _signed(hi):
                    raise _Invalid
                ranges.append((_signed(last), _signed(hi)))
                last, last_is_class = None, False
            else:
                raise _Invalid
        if last is not None:
            chars.append(last)
        cs = set(chars)
        eq = set(equiv)
        return bytes(
            ((c in cs or c in classes or _lower(c) in eq
              or any(lo <= _signed(c) <= hi for lo, hi in ranges)) != neg)
            for c in range(256))


# --------------------------------------------------------------------------
# Python translation and fast-path analysis


def _nullable(n: _Node) -> bool:
    kind = n[0]
    if kind == "set":
        return False
    if kind in ("bol", "eol"):
        return True
    if kind == "group":
        return _nullable(n[2])
    if kind == "cat":
        return all(_nullable(c) for c in n[1])
    if kind == "alt":
        return _nullable(n[1]) or _nullable(n[2])
    return n[2] == 0 or _nullable(n[1])


def _walk(n: _Node) -> Iterator[_Node]:
    yield n
    kind = n[0]
    if kind == "group":
        yield from _walk(n[2])
    elif kind == "cat":
        for c in n[1]:
            yield from _walk(c)
    elif kind == "alt":
        yield from _walk(n[1])
        yield from _walk(n[2])
    elif kind == "rep":
        yield from _walk(n[1])


def _lit(c: int) -> str:
    ch = chr(c)
    return ch if ch.isascii() and (ch.isalnum() or ch == "_") else f"\\x{c:02x}"


def _set_to_py(table: bytes) -> tuple[str, bool]:
    members = [c for c in range(256) if table[c]]
    if not members:
        return "(?!)", False
    if len(members) == 1:
        return _lit(members[0]), True
    parts = []
    i = 0
    while i < len(members):
        j = i
        while j + 1 < len(members) and members[j + 1] == members[j] + 1:
            j += 1
        lo, hi = members[i], members[j]
        parts.append(_lit(lo) if lo == hi else f"{_lit(lo)}-{_lit(hi)}")
        i = j + 1
    return "[" + "".join(parts) + "]", True


def _to_py(n: _Node) -> tuple[str, bool]:
    """Render as Python regex source; the flag says "safe to quantify directly"."""
    kind = n[0]
    if kind == "set":
        return _set_to_py(n[1])
    if kind == "bol":
        return r"\A", False
    if kind == "eol":
        return r"\Z", False
    if kind == "group":
        return "(" + _to_py(n[2])[0] + ")", True
    if kind == "cat":
        return "".join(_to_py(c)[0] for c in n[1]), False
    if kind == "alt":
        return _to_py(n[1])[0] + "|" + _to_py(n[2])[0], False
    body, atomic = _to_py(n[1])
    if not atomic:
        body = "(?:" + body + ")"
    lo, hi = n[2], n[3]
    if hi is None:
        q = "*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}"
    elif (lo, hi) == (0, 1):
        q = "?"
    else:
        q = f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"
    return body + q, False


@record
class _Program:
    py: re.Pattern[bytes]
    op: tuple[int, ...]
    nxt: tuple[int, ...]
    alt: tuple[int, ...]
    data: tuple[object, ...]
    nsub: int  # including group 0, the whole match
    rep_bit: tuple[int, ...]  # per state: a repeat's place in the executor's guard bits
    guard_mask: tuple[int, ...]  # per state: the guard bits that can matter there
    match_fast: bool  # Python's fullmatch agrees with libstdc++'s regex_match
    split_fast: bool  # Python's finditer agrees with libstdc++'s regex_iterator


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> _Program:
    """Nix keeps every compiled regex in a cache (RegexCache); so do we."""
    p = pattern.encode("utf-8", "surrogateescape")
    try:
        c = _Compiler(p)
    except _Space:
        raise RegexError(f"memory limit exceeded by regular expression '{pattern}'",
                         memory=True) from None
    except _Invalid:
        raise RegexError(f"invalid regular expression '{pattern}'") from None
    nodes = list(_walk(c.ast))
    # libstdc++ counts empty loop iterations differently from Python's sre.
    nullable_loop = any(n[0] == "rep" and _nullable(n[1]) for n in nodes)
    has_alt = any(n[0] == "alt" for n in nodes)
    src = _to_py(c.ast)[0].encode("latin-1")
    repeats = itertools.count(0, 2)
    rep_bit = tuple(next(repeats) if o == _OP_REPEAT else -1 for o in c.op)
    return _Program(re.compile(src), tuple(c.op), tuple(c.nxt), tuple(c.alt),
                    tuple(c.data), c.nsub, rep_bit, _guard_masks(c, rep_bit),
                    not nullable_loop, not nullable_loop and not has_alt)


def _guard_masks(c: _Compiler, rep_bit: tuple[int, ...]) -> tuple[int, ...]:
    """For each state, the guard bits of the repeats on a cycle through it that
    consumes nothing (its strongly connected component among the edges that
    do not consume a character; Tarjan's algorithm, iteratively). Only those
    repeats can have been entered at the current position *and* be entered
    again before a character is consumed, so only their guards can steer the
    search from that state."""
    op, nxt, alt = c.op, c.nxt, c.alt
    size = len(op)

    def edges(u: int) -> list[int]:
        if op[u] in (_OP_MATCH, _OP_ACCEPT):
            return []
        out = [nxt[u]] if nxt[u] >= 0 else []
        if op[u] in _HAS_ALT and alt[u] >= 0:
            out.append(alt[u])
        return out

    index = [-1] * size
    low = [0] * size
    on_stack = [False] * size
    component = [-1] * size
    stack: list[int] = []
    masks: list[int] = []
    counter = 0
    for root in range(size):
        if index[root] >= 0:
            continue
        work = [(root, iter(edges(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            u, it = work[-1]
            for v in it:
                if index[v] < 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack[v] = True
                    work.append((v, iter(edges(v))))
                    break
                if on_stack[v]:
                    low[u] = min(low[u], index[v])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[u])
                if low[u] == index[u]:
                    mask = 0
                    members = []
                    while True:
                        v = stack.pop()
                        on_stack[v] = False
                        members.append(v)
                        if rep_bit[v] >= 0:
                            mask |= 3 << rep_bit[v]
                        if v == u:
                            break
                    for v in members:
                        component[v] = len(masks)
                    masks.append(mask)
    return tuple(masks[component[u]] for u in range(size))


def compile_posix(pattern: str) -> re.Pattern[bytes]:
    """Python ``re`` byte pattern equivalent to Nix's regex (cached).

    Raises :class:`RegexError` with Nix's message for patterns Nix rejects.
    The pattern must be applied to the UTF-8 bytes of the subject.  It agrees
    with Nix for ``fullmatch`` unless a quantifier applies to something that
    can match empty, and for searching only when there is also no ``|``;
    :func:`match` and :func:`split` take care of those cases.
    """
    return _compile(pattern).py


# --------------------------------------------------------------------------
# Executor (regex_executor.tcc, DFS mode, POSIX)
#
# libstdc++'s DFS explores every path: ``(a*)*b`` against n a's takes 2^n
# steps.  It runs as it is (``_dfs``) while it stays within a budget linear in
# the states and the positions (ordinary patterns and subjects stay well within
# it); past that the same answer is computed by a memoised search (``_summary``):
#
# What one step of the DFS does depends only on the state, the position and
# the loop guards of the repeats entered at that very position (a repeat
# entered at an earlier position is entered afresh, as the guard compares
# positions; only repeats on a cycle through the state that consumes nothing
# can have been entered here and be entered again, ``_guard_masks``).  The
# captures and the solution found so far never steer it: there are no
# back-references, and a search only goes on past a solution through the
# second branch of an alternative, which starts it afresh.  So the search from
# (state, position, guards) has one outcome, a *summary*: nothing (no
# accepting path), or the end of the longest accepting path and the captures
# set along the first path (in DFS order) that reaches it, which is what
# libstdc++ records from that subtree (a strictly longer end replaces the
# solution, an equal one does not).  Summaries combine as the DFS does: an
# alternative keeps its left branch unless the right one ends strictly later;
# a greedy repeat's body, when it found anything, hides the way out.  Each is
# computed once, at the states where paths branch and meet (alternatives and
# repeats), so the search costs O(states x positions x guard sets), the last
# factor at most 3 to the number of nested nullable repeats, whatever the
# subject.

_Span = tuple[int, int] | None
# a summary: None, or (end, chain); a chain is None or (slot, position, chain):
# the captures set along the path, in order (slot 2k: group k begins, 2k + 1:
# it ends)
_Summary = tuple[int, object] | None
_NEED = object()  # a summary that is not computed yet was needed
_MISSING = object()
_TOO_LONG = object()  # the DFS ran out of budget
# DFS steps before memoising: a constant, and so many per (state, position)
_BUDGET = 1000
_BUDGET_PER_STATE = 1


def _run(prog: _Program, s: bytes, begin: int, exact: bool, not_null: bool,
         prev_avail: bool, memo: dict[int, _Summary] | None = None) -> list[_Span] | None:
    """_M_main_dispatch(__dfs) from ``begin``: the captures of the solution
    libstdc++ records, or None.  ``memo`` may be shared by runs whose outcome
    does not depend on ``begin`` (``prev_avail`` and not ``not_null``)."""
    budget = _BUDGET + _BUDGET_PER_STATE * len(prog.op) * (len(s) - begin + 1)
    found = _dfs(prog, s, begin, exact, not_null, prev_avail, budget)
    if found is not _TOO_LONG:
        return found  # type: ignore[return-value]
    summary = _summary(prog, s, begin, exact, not_null, prev_avail,
                       {} if memo is None else memo)
    if summary is None:
        return None
    nsub = prog.nsub
    first = [-1] * nsub
    second = [-1] * nsub
    matched = [False] * nsub
    chain = summary[1]
    while chain is not None:
        slot, at, chain = chain  # type: ignore[misc]
        if slot & 1:
            second[slot >> 1] = at
            matched[slot >> 1] = True
        else:
            first[slot >> 1] = at
    return [(first[k], second[k]) if matched[k] else None for k in range(nsub)]


(_F_VISIT, _F_RESTORE_FIRST, _F_RESTORE_END, _F_RESTORE_REP, _F_REP_DEC,
 _F_REP_EXIT, _F_ALT_SECOND, _F_OR_SOL) = range(8)

def _dfs(prog: _Program, s: bytes, begin: int, exact: bool, not_null: bool,
         prev_avail: bool, budget: int) -> list[_Span] | object | None:
    """_M_main_dispatch(__dfs) from ``begin``; libstdc++ recurses, we use a
    stack.  _TOO_LONG once more than ``budget`` states were visited."""
    op, nxt, alt, data = prog.op, prog.nxt, prog.alt, prog.data
    n = len(s)
    nsub = prog.nsub
    first: list[int] = [-1] * nsub
    second: list[int] = [-1] * nsub
    matched = [False] * nsub
    rep_pos = [-1] * len(op)
    rep_cnt = [0] * len(op)
    has_sol = False
    sol_pos = -1
    results: list[_Span] | None = None
    stack: list[tuple[int, int, object]] = [(_F_VISIT, 0, begin)]
    push = stack.append
    pop = stack.pop
    while stack:
        kind, i, arg = pop()
        if kind == _F_VISIT:
            budget -= 1
            if budget < 0:
                return _TOO_LONG
            pos: int = arg  # type: ignore[assignment]
            o = op[i]
            if o == _OP_MATCH:
                if pos < n and data[i][s[pos]]:  # type: ignore[index]
                    push((_F_VISIT, nxt[i], pos + 1))
            elif o == _OP_REPEAT:
                # Greedy: once more, then leave only if that found nothing.
                push((_F_REP_EXIT, i, pos))
                if rep_cnt[i] == 0 or rep_pos[i] != pos:
                    push((_F_RESTORE_REP, i, (rep_pos[i], rep_cnt[i])))
                    rep_pos[i], rep_cnt[i] = pos, 1
                    push((_F_VISIT, alt[i], pos))
                elif rep_cnt[i] < 2:
                    rep_cnt[i] += 1
                    push((_F_REP_DEC, i, None))
                    push((_F_VISIT, alt[i], pos))
            elif o == _OP_SUB_BEGIN:
                idx: int = data[i]  # type: ignore[assignment]
                push((_F_RESTORE_FIRST, idx, first[idx]))
                first[idx] = pos
                push((_F_VISIT, nxt[i], pos))
            elif o == _OP_SUB_END:
                idx = data[i]  # type: ignore[assignment]
                push((_F_RESTORE_END, idx, (second[idx], matched[idx])))
                second[idx] = pos
                matched[idx] = True
                push((_F_VISIT, nxt[i], pos))
            elif o == _OP_ALT:
                push((_F_ALT_SECOND, i, pos))
                push((_F_VISIT, alt[i], pos))
            elif o == _OP_BOL:
                if pos == begin and not prev_avail:
                    push((_F_VISIT, nxt[i], pos))
            elif o == _OP_EOL:
                if pos == n:
                    push((_F_VISIT, nxt[i], pos))
            elif o == _OP_ACCEPT:
                has_sol = pos == n if exact else True
                if pos == begin and not_null:
                    has_sol = False
                # POSIX: keep the strictly longest solution seen so far.
                if has_sol and (sol_pos < 0 or sol_pos < pos):
                    sol_pos = pos
                    results = [(first[k], second[k]) if matched[k] else None
                               for k in range(nsub)]
            elif o == _OP_DUMMY and nxt[i] >= 0:
                push((_F_VISIT, nxt[i], pos))
        elif kind == _F_RESTORE_FIRST:
            first[i] = arg  # type: ignore[assignment]
        elif kind == _F_RESTORE_END:
            second[i], matched[i] = arg  # type: ignore[misc]
        elif kind == _F_RESTORE_REP:
            rep_pos[i], rep_cnt[i] = arg  # type: ignore[misc]
        elif kind == _F_REP_DEC:
            rep_cnt[i] -= 1
        elif kind == _F_REP_EXIT:
            if not has_sol:
                push((_F_VISIT, nxt[i], arg))
        elif kind == _F_ALT_SECOND:
            # POSIX alternation: try the right branch too, and OR the results.
            push((_F_OR_SOL, i, has_sol))
            has_sol = False
            push((_F_VISIT, nxt[i], arg))
        else:  # _F_OR_SOL
            has_sol = has_sol or bool(arg)
    return results if has_sol else None


def _summary(prog: _Program, s: bytes, begin: int, exact: bool, not_null: bool,
             prev_avail: bool, memo: dict[int, _Summary]) -> _Summary:
    op, nxt, alt, data = prog.op, prog.nxt, prog.alt, prog.data
    rep_bit, guard_mask = prog.rep_bit, prog.guard_mask
    n = len(s)
    width = len(op)
    span = n + 1
    # what the last walk that returned _NEED needs: key, state, position,
    # guards, and the captures it set on its way there
    needed: list = [0, 0, 0, 0, None]

    def walk(i: int, pos: int, guards: int) -> object:
        """Follow the states that do not branch from ``i`` to a summary, or
        _NEED (``needed`` says which) when one is not computed yet.
        ``guards`` holds 2 bits per repeat: how often it was entered at
        ``pos`` (libstdc++'s _M_rep_count where _M_rep_pos is ``pos``)."""
        assigns: list[tuple[int, int]] | None = None
        while True:
            o = op[i]
            if o == _OP_MATCH:
                if pos < n and data[i][s[pos]]:  # type: ignore[index]
                    i = nxt[i]
                    pos += 1
                    guards = 0
                    continue
                return None
            if o in (_OP_SUB_BEGIN, _OP_SUB_END):
                slot = 2 * data[i] + (o == _OP_SUB_END)  # type: ignore[operator]
                if assigns is None:
                    assigns = [(slot, pos)]
                else:
                    assigns.append((slot, pos))
                i = nxt[i]
                continue
            if o == _OP_DUMMY:
                i = nxt[i]
                if i < 0:
                    return None
                continue
            if o == _OP_BOL:
                if pos != begin or prev_avail:
                    return None
                i = nxt[i]
                continue
            if o == _OP_EOL:
                if pos != n:
                    return None
                i = nxt[i]
                continue
            if o == _OP_ACCEPT:
                if (exact and pos != n) or (not_null and pos == begin):
                    return None
                result: object = (pos, None)
                break
            # a repeat or an alternative: where paths branch and meet
            guards &= guard_mask[i]
            key = (guards * span + pos) * width + i
            result = memo.get(key, _MISSING)
            if result is _MISSING:
                needed[:] = key, i, pos, guards, assigns
                return _NEED
            break
        if result is None or assigns is None:
            return result
        return _prepend(assigns, result)  # type: ignore[arg-type]

    def solve() -> None:
        """Compute the summary ``needed`` names and every one it needs."""
        # frames: key, state, position, guards, stage (0: the left branch or
        # the repeat's body, 1: the right branch or the way out), the first
        # stage's summary, and the child being computed with the captures
        # the walk to it set
        stack = [[*needed[:4], 0, None, None, None]]
        active = {needed[0]}
        while stack:
            frame = stack[-1]
            key, i, pos, guards, stage, left, assigns, child = frame
            is_alt = op[i] == _OP_ALT
            if child is not None:
                r = memo[child]
                if r is not None and assigns is not None:
                    r = _prepend(assigns, r)
                frame[7] = None
            elif stage == 0:
                if is_alt:
                    r = walk(alt[i], pos, guards)
                else:  # greedy: once more first, if entered fewer than twice here
                    bit = rep_bit[i]
                    r = walk(alt[i], pos, guards + (1 << bit)) if (guards >> bit) & 3 < 2 \
                        else None
            else:
                r = walk(nxt[i], pos, guards) if nxt[i] >= 0 else None
            if r is _NEED:
                if needed[0] in active:  # libstdc++'s guards make this impossible
                    raise AssertionError("regex executor: a cycle without progress")
                frame[6] = needed[4]
                frame[7] = needed[0]
                stack.append([*needed[:4], 0, None, None, None])
                active.add(needed[0])
                continue
            if stage == 0:
                # POSIX alternation tries both branches (unless nothing can
                # end later); a repeat leaves only if its body found nothing
                if r is None if not is_alt else r is None or r[0] != n:  # type: ignore[index]
                    frame[4] = 1
                    frame[5] = r
                    continue
            elif is_alt and (r is None or (left is not None
                                           and r[0] <= left[0])):  # type: ignore[index]
                r = left  # the strictly longer wins; the first on ties
            memo[key] = r  # type: ignore[assignment]
            stack.pop()
            active.discard(key)

    result = walk(0, begin, 0)
    if result is _NEED:
        key, assigns = needed[0], needed[4]
        solve()
        result = memo[key]
        if result is not None and assigns is not None:
            result = _prepend(assigns, result)
    return result  # type: ignore[return-value]


def _prepend(assigns: list[tuple[int, int]], summary: tuple[int, object]) -> _Summary:
    end, chain = summary
    for slot, at in reversed(assigns):
        chain = (slot, at, chain)
    return (end, chain)


def _search(prog: _Program, s: bytes, start: int, *, not_null: bool = False,
            continuous: bool = False, prev_avail: bool = False,
            memo: dict[int, _Summary] | None = None) -> list[_Span] | None:
    """_Executor::_M_search: try each start position in turn.  ``memo`` holds
    the summaries of runs that do not depend on where they start (a character
    before them, no match_not_null), shared by every such run over ``s``."""
    if memo is None:
        memo = {}
    if continuous:
        return _run(prog, s, start, False, not_null, prev_avail,
                    memo if prev_avail and not not_null else None)
    if prog.match_fast:
        # Without nullable loops both engines explore every path, so whether
        # *some* match starts at a position is engine-independent: let sre
        # find the leftmost start and run the port only there.
        m = prog.py.search(s, start)
        while m is not None:
            p = m.start()
            avail = prev_avail or p != start
            r = _run(prog, s, p, False, False, avail, memo if avail else None)
            if r is not None:
                return r
            m = prog.py.search(s, p + 1)  # not expected; stay correct anyway
        return None
    r = _run(prog, s, start, False, not_null, prev_avail,
             memo if prev_avail and not not_null else None)
    if r is not None:
        return r
    shared = None if not_null else memo
    while start != len(s):
        start += 1
        r = _run(prog, s, start, False, not_null, True, shared)
        if r is not None:
            return r
    return None


def _nfa_matches(prog: _Program, s: bytes) -> list[list[_Span]]:
    """The sequence std::regex_iterator produces (regex.tcc operator++)."""
    out: list[list[_Span]] = []
    memo: dict[int, _Summary] = {}  # runs with a character before them
    m = _search(prog, s, 0, memo=memo)
    prev_avail = False
    while m is not None:
        out.append(m)
        start, end = m[0]  # type: ignore[misc]
        if start == end:
            if end == len(s):
                break
            m = _search(prog, s, end, not_null=True, continuous=True, prev_avail=prev_avail)
            if m is not None:
                continue
            end += 1
        prev_avail = True
        m = _search(prog, s, end, prev_avail=True, memo=memo)
    return out


# --------------------------------------------------------------------------
# Public API


def _enc(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _dec(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


# lib asks the same questions again and again (``showOption`` matches each
# part of every option's path against ``<(.*)>``, an identifier pattern too):
# answers are kept, lists being values that are never mutated, and plain
# strings (a capture has no context); only short subjects, so what is kept
# stays small in a long-lived process
_MATCHED: dict[tuple[str, str], list[str | None] | None] = {}
_MATCHED_MAX = 8192
_MATCHED_LONGEST = 200


def match(pattern: str, s: str) -> list[str | None] | None:
    """``builtins.match``: capture groups if ``pattern`` matches all of ``s``."""
    key = (pattern, str(s))
    found = _MATCHED.get(key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    prog = _compile(pattern)
    b = _enc(s)
    result: list[str | None] | None
    if prog.match_fast:
        m = prog.py.fullmatch(b)
        result = None if m is None else [None if g is None else _dec(g) for g in m.groups()]
    else:
        r = _run(prog, b, 0, True, False, False)
        result = None if r is None else [None if sp is None else _dec(b[sp[0]:sp[1]])
                                         for sp in r[1:]]
    if len(s) <= _MATCHED_LONGEST:
        if len(_MATCHED) >= _MATCHED_MAX:
            _MATCHED.clear()
        _MATCHED[key] = result
    return result


def split(pattern: str, s: str) -> list[str | list[str | None]]:
    """``builtins.split``: non-matched text alternating with group lists."""
    prog = _compile(pattern)
    b = _enc(s)
    spans: list[list[_Span]]
    if prog.split_fast:
        # Python >= 3.7 finditer handles empty matches like regex_iterator.
        spans = [[m.span(k) if m.start(k) >= 0 else None for k in range(prog.nsub)]
                 for m in prog.py.finditer(b)]
    else:
        spans = _nfa_matches(prog, b)
    if not spans:
        return [s]
    out: list[str | list[str | None]] = []
    last = 0
    for m in spans:
        start, end = m[0]  # type: ignore[misc]
        out.append(_dec(b[last:start]))
        out.append([None if sp is None else _dec(b[sp[0]:sp[1]]) for sp in m[1:]])
        last = end
    out.append(_dec(b[last:]))
    return out
