"""Re-linting after an edit, reusing what the edit cannot have changed.

A lint is a sequence of steps ("units"): each option's value computed and
forced, the ``assertions`` and ``warnings`` rules, each evaluation's check of
undeclared definitions. Run with the evaluator's read log in force, a lint
leaves a ``Trace``: for each unit, the span of the log it read (through
values computed before it too: see ``readlog``), what it reported (findings,
marks, printed text) and the evaluations it made.

The next lint, after module files changed, goes through the same steps. A
unit whose span reads nothing the edit touched gives what it gave before;
the others are computed again. What the edit touched (``Changes``):

- the changed files themselves, read or imported by a unit;
- the options whose definitions the edit changed (``edits``: read from a
  user's module file before and after; in any other module, every option
  it defines, before or after the edit), and every path below one of them
  (a read inside an option's value). A read of a set above options
  (``config.services``) is not touched: its names are the option tree's,
  which must be the same (a configuration with a freeform type, whose names
  come from definitions, is never reused).

This holds only when the edit left the module structure as it was: the same
modules (files and keys) in the same order, none of the changed ones
declaring options, the same option paths, and the same evaluations made at
the same steps. Anything else (or a step that would need what a reused step
made: a submodule's evaluation, an option record) raises ``Stale``, and the
caller lints from a fresh evaluation: the answer is always the cold one.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from ..readlog import IMPURE, Span
from ..syntax import Source

Loc = tuple[str, ...]


class Stale(Exception):
    """The last lint's trace cannot be reused for this evaluation."""


@dataclass
class Unit:
    """One step of a lint: what it read, reported and made."""

    loc: Loc | None  # the option it computed (or whose evaluation it checked)
    reads: Span | None  # what it read (None: nothing was logged)
    events: list[tuple[Any, ...]]  # ("add", key, finding) | ("seen", key) | ("skipped", key)
    # | ("unmodelled",), in order
    printed: str  # what evaluation printed meanwhile (lib.warn, traces)
    made: list[tuple[Loc, bool]]  # evaluations created: (prefix, already done with)


@dataclass
class EvaluationEntry:
    """One evaluation whose options the lint computed."""

    paths: list[Loc] = field(default_factory=list)  # the options it declares
    # option -> whether it was computed (a step of its own), in path order
    candidates: dict[Loc, bool] = field(default_factory=dict)


@dataclass
class Trace:
    """What one lint went through, for the next lint to reuse."""

    every_option: bool
    modules: list[tuple[str, str]]  # the top evaluation's modules: (file, key)
    declaring: set[str]  # files of those modules that declare options
    defined_in: dict[str, set[Loc]] = field(default_factory=dict)  # file -> its options
    order: list[Loc] = field(default_factory=list)  # every evaluation's prefix, in order
    loaded: list[set[str]] = field(default_factory=list)  # and the module files it loaded
    # and its modules (file, key), None if it collected none: two evaluations
    # with one prefix and the same modules are the same evaluation
    signatures: list[tuple[tuple[str, str], ...] | None] = field(default_factory=list)
    texts: dict[str, Source] = field(default_factory=dict)  # the user's module files, as read
    linted: dict[int, EvaluationEntry] = field(default_factory=dict)  # by place in order
    units: dict[tuple[int, Any], Unit] = field(default_factory=dict)  # (place, option or rule)
    reused: int = 0  # how many of the units were the last lint's, given again
    # an evaluation by a lib's own module system: its undeclared definitions,
    # which that lib reports wherever a set of options holding one is read
    undeclared: frozenset[Any] | None = None
    # what ``Changes`` found touched in a log, kept for the next lint (edits
    # in one place change the same options again and again)
    touched: dict[tuple[int, frozenset[Loc], frozenset[str]], tuple[list[Any], list[int]]] = \
        field(default_factory=dict)

    @property
    def check_passed(self) -> bool:
        """Whether the top evaluation's check of undeclared definitions was
        made (and passed) in this lint's steps, for the next to reuse."""
        return (0, "<check>") in self.units

    def keep_touched(self, previous: Trace) -> None:
        """Take ``previous``'s found-touched positions of the logs this
        trace still reads."""
        live = {id(u.reads.log) for u in self.units.values() if u.reads is not None}
        self.touched = {k: v for k, v in previous.touched.items() if k[0] in live}


class Changes:
    """What an edit of ``files`` touched, for deciding which units of a
    trace are clean."""

    def __init__(self, files: frozenset[str], defined: set[Loc],
                 found: dict[Any, tuple[list[Any], list[int]]] | None = None,
                 structural: bool = True) -> None:
        self.files = files
        self.defined = defined  # the options whose definitions changed
        # whether the names the changed files define (above and beside
        # options) may have changed: what decides undeclared definitions
        self.structural = structural
        # per log: the sorted positions of entries that read something touched
        # (``found``: kept from earlier lints, by log and change)
        self._touched = found if found is not None else {}
        self._key = (frozenset(defined), files)

    def touches_path(self, path: Loc) -> bool:
        defined = self.defined  # () among them: a whole configuration changed
        return any(path[:k] in defined for k in range(len(path) + 1))

    def clean(self, unit: Unit) -> bool:
        if unit.loc is not None and self.touches_path(unit.loc):
            return False
        span = unit.reads
        if span is None:
            return True
        touched = self._touched_in(span.log)
        i = bisect.bisect_left(touched, span.start)
        return i == len(touched) or touched[i] >= span.end

    def _touched_in(self, log: list[Any]) -> list[int]:
        """Positions in ``log`` whose entry read something touched, directly
        or through the span it names: one pass, since a span named at a
        position ended before it."""
        key = (id(log), *self._key)
        hit = self._touched.get(key)
        if hit is not None and hit[0] is log:
            return hit[1]
        touched: list[int] = []
        files = self.files
        seen: dict[Loc, bool] = {}  # paths are read again and again
        for i, entry in enumerate(log):
            t = type(entry)
            if t is tuple:
                touches = seen.get(entry)
                if touches is None:
                    touches = seen[entry] = self.touches_path(entry)
                if touches:
                    touched.append(i)
            elif t is Span:
                # touched positions are few: most spans end before the last
                if touched and touched[-1] >= entry.start:
                    j = bisect.bisect_left(touched, entry.start)
                    if touched[j] < entry.end:
                        touched.append(i)
            elif entry == IMPURE or entry in files:
                touched.append(i)
        self._touched[key] = (log, touched)
        return touched
