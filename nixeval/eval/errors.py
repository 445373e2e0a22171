"""Evaluation errors with Nix's message texts, positions and a trace."""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .. import inputs
from ..syntax.source import Source

Pos = tuple[Source, int] | None

# Nix's text when evaluation nests too deeply (its max-call-depth; nixeval's
# stand-in for most calls is Python's own recursion limit)
STACK_OVERFLOW = "stack overflow; max-call-depth exceeded"
# Nix's text when memory runs out (std::bad_alloc, caught only at the top)
OUT_OF_MEMORY = "out of memory"


class NixError(Exception):
    """An error raised while evaluating Nix code.

    ``message`` is Nix's text; ``pos`` where it happened (None when Nix gives
    none: many type errors carry their position in a trace frame instead);
    ``trace`` the "while evaluating …" frames added as the error travels
    outwards (innermost first); ``suggestions`` the "Did you mean …?" line.
    """

    def __init__(self, message: str, pos: Pos = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.trace: list[tuple[str, Pos]] = []
        # indexes into ``trace`` of frames shown even when the trace is cut
        # short (Nix's TracePrint::Always: addErrorContext, infinite recursion)
        self.always: set[int] = set()
        self._suggest: tuple[Any, str] | None = None

    def at(self, pos: Pos) -> NixError:
        """Give the error a position if it has none yet."""
        if self.pos is None:
            self.pos = pos
        return self

    def add_trace(self, hint: str, pos: Pos = None, always: bool = False) -> None:
        if not hint:
            return  # Nix records it but never shows a frame without text
        if always:
            self.always.add(len(self.trace))
        self.trace.append((hint, pos))

    def suggest(self, candidates: Any, query: str) -> None:
        """Add Nix's "Did you mean …?" (worked out only if the error is shown)."""
        self._suggest = (candidates, query)

    @property
    def suggestions(self) -> str:
        return suggestions(*self._suggest) if self._suggest is not None else ""

    def with_trace(self, hint: str, pos: Pos = None) -> NixError:
        self.add_trace(hint, pos)
        return self

    def __str__(self) -> str:
        return self.message

    def clone(self) -> NixError:
        """A copy whose frames can grow without changing this one's."""
        other = copy.copy(self)
        other.trace = list(self.trace)
        other.always = set(self.always)
        return other

    def render(self, show_trace: bool = False) -> str:
        """Nix's showErrorInfo: the frames outermost first (only the first few
        unless ``show_trace``), then the message, its position and suggestions."""
        out: list[str] = []
        if self.trace:
            count = 0
            truncate = False
            seen: set = set()
            skipped: list[tuple[str, Pos]] = []
            for i in range(len(self.trace) - 1, -1, -1):
                hint, pos = self.trace[i]
                if not hint:
                    continue
                if not show_trace and count > 3:
                    truncate = True
                if truncate and i not in self.always:
                    continue
                key = (_pos_key(pos), hint)
                if key in seen:
                    skipped.append((hint, pos))
                    continue
                seen.add(key)
                count = _flush_skipped(out, count, skipped)
                count += 1
                count = _print_trace(out, count, hint, pos)
            count = _flush_skipped(out, count, skipped)
            if truncate:
                out.append("\n(stack trace truncated; use '--show-trace' to show the full, "
                           "detailed trace)\n")
            out.append("\nerror: ")
        out.append(self.message + "\n")
        _print_pos(out, "", self.pos)
        if self.suggestions:
            out.append(f"Did you mean {self.suggestions}?\n")
        # Nix's indent(): "error: " before the first line, as many spaces before
        # the others, trailing blanks trimmed from each
        lines = "".join(out).rstrip().split("\n")
        text = "\n".join([("error: " + lines[0]).rstrip()]
                         + [("       " + line).rstrip() for line in lines[1:]])
        # terminal escapes in a message (lib's coloured texts) are not shown, as
        # Nix drops them when not writing to a terminal; a colour reset left
        # after a message ending in a newline keeps that last line's indentation
        return strip_escapes(text)


_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\))")


def strip_escapes(text: str) -> str:
    """``text`` without terminal escape sequences (Nix's filterANSIEscapes)."""
    return _ESCAPE.sub("", text)


def _pos_key(pos: Pos) -> tuple:
    if pos is None:
        return ()
    line, col = pos[0].line_col(pos[1])
    return (pos[0].name, line, col)


def _print_trace(out: list[str], count: int, hint: str, pos: Pos) -> int:
    out.append("\n… " + hint + "\n")
    if _print_pos(out, "  ", pos):
        count += 1  # a frame with code counts double towards the cut-off
    return count


def _flush_skipped(out: list[str], count: int, skipped: list[tuple[str, Pos]]) -> int:
    # a few repeated frames are shown as they are; a longer run is summarised
    # (Nix clears its set of seen frames here, but on a copy: no effect)
    if skipped:
        if len(skipped) <= 5:
            for hint, pos in skipped:
                count = _print_trace(out, count, hint, pos)
        else:
            out.append(f"\n({len(skipped)} duplicate frames omitted)\n")
        skipped.clear()
    return count


def _print_pos(out: list[str], indent: str, pos: Pos) -> bool:
    """``at file:line:col:`` and up to three lines of code with a caret."""
    if pos is None:
        return False
    source, offset = pos
    line, col = source.line_col(offset)
    out.append(f"{indent}at {source.name}:{line}:{col}:")
    prev = source.line_text(line - 1) if line > 1 else None
    if prev is not None:
        out.append(f"\n {line - 1:5d}| {prev}")
    cur = source.line_text(line)
    if cur is not None:
        out.append(f"\n {line:5d}| {cur}")
        out.append("\n      |" + " " * col + "^")
    nxt = source.line_text(line + 1)
    if nxt is not None:
        out.append(f"\n {line + 1:5d}| {nxt}")
    out.append("\n")
    return True


class CatchableError(NixError):
    """Errors ``builtins.tryEval`` turns into ``{ success = false; }``."""


class ThrownError(CatchableError):
    """``throw``."""


class AssertionFailed(CatchableError):
    """A failed ``assert``."""


class AbortError(NixError):
    """``abort``: not catchable."""


class InfiniteRecursion(NixError):
    """``thunk`` is the value found under evaluation, so the frame where it was
    first forced can be marked "entering the infinite recursion"."""

    def __init__(self, pos: Pos = None, thunk: object = None) -> None:
        super().__init__("infinite recursion encountered", pos)
        self.thunk = thunk


class OutOfMemory(NixError):
    """Memory ran out: Nix's std::bad_alloc, which only its top level catches
    ("error: out of memory"), so it has neither position nor trace frames, and
    ``builtins.tryEval`` does not catch it."""

    def __init__(self) -> None:
        super().__init__(OUT_OF_MEMORY)

    def at(self, pos: Pos) -> NixError:
        return self

    def add_trace(self, hint: str, pos: Pos = None, always: bool = False) -> None:
        return None


def reserve(nbytes: int) -> None:
    """Raise OutOfMemory at once when ``nbytes`` more could never fit: more
    than the process may map (its address-space or data limit) or than the
    machine has (memory and swap). Nix fails so on its first allocation;
    Python would first fill the memory there is, one object at a time."""
    if nbytes > _memory_bound():
        raise OutOfMemory()


_bound: list[int] = []


def _memory_bound() -> int:
    if not _bound:
        bound = 1 << 62
        try:
            import os

            bound = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
            with open("/proc/meminfo", encoding="ascii") as f:
                for line in f:
                    if line.startswith("SwapTotal:"):
                        bound += int(line.split()[1]) * 1024
        except (OSError, ValueError, AttributeError):
            pass
        _bound.append(bound)
    bound = _bound[0]
    try:
        import resource
    except ImportError:
        return bound
    for limit in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
        soft = resource.getrlimit(limit)[0]
        if soft != resource.RLIM_INFINITY:
            bound = min(bound, soft)
    return bound


def limit_error(e: BaseException) -> NixError | None:
    """Nix's error for Python running out of stack (RecursionError: Nix's
    max-call-depth) or memory (MemoryError) while evaluating; None for any
    other exception."""
    if isinstance(e, RecursionError):
        return NixError(STACK_OVERFLOW)
    if isinstance(e, MemoryError):
        inputs.impure("out of memory")  # a matter of the machine, not of the inputs
        return OutOfMemory()
    return None


def is_limit_error(e: NixError) -> bool:
    """Whether ``e`` says evaluation ran out of stack or memory."""
    return type(e) is OutOfMemory or e.message == STACK_OVERFLOW


@contextmanager
def evaluation_limits() -> Iterator[None]:
    """Python's RecursionError or MemoryError in the block becomes Nix's
    error (``limit_error``), a NixError that a command reports as it reports
    any evaluation error. The evaluation it interrupts is dropped: the
    traceback that would keep its frames (and their memory) alive is cut."""
    try:
        yield
    except (RecursionError, MemoryError) as e:
        e.__traceback__ = None
        error = limit_error(e)
    else:
        return
    raise error from None  # type: ignore[misc]


def run_within_limits(run: Callable[..., int], *args: Any) -> int:
    """Run a command (``run(*args)``, an exit status): where Python runs out of
    stack or memory, Nix's error is printed as Nix's top level prints it, and
    the status is 1."""
    try:
        return run(*args)
    except (RecursionError, MemoryError) as e:
        e.__traceback__ = None
        error = limit_error(e)
    assert error is not None
    sys.stderr.write(error.render() + "\n")
    return 1


class UsageError(NixError):
    """Nix's UsageError (an unknown hash algorithm name, …): the command line
    adds a hint to see --help."""


class TypeMismatch(NixError):
    """A value of the wrong type ("expected a set but found an integer")."""


def suggestions(candidates, query: str) -> str:
    """Nix's Suggestions::bestMatches(…).trim(): the (at most five) names within
    edit distance 2 of ``query``, nearest first, as "x" or "one of x, y or z"."""
    ranked = sorted((levenshtein(query, c), c.encode("utf-8", "surrogateescape"), c)
                    for c in candidates)
    best = [c for d, _, c in ranked[:5] if d <= 2]
    if not best:
        return ""
    if len(best) == 1:
        return best[0]
    return "one of " + ", ".join(best[:-1]) + " or " + best[-1]


def levenshtein(a: str | bytes, b: str | bytes) -> int:
    """The edit distance of two strings (of their bytes, as lib.strings.levenshtein, when bytes)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a):
        cur = [i + 1]
        for j, cb in enumerate(b):
            cur.append(min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (ca != cb)))
        prev = cur
    return prev[-1]
