"""The read log: what an evaluation read, in order, so that a later one can
tell which of its results cannot have changed.

While a log is in force (the evaluator's ``tracking``), every read that may
differ between evaluations is appended to it: an option path of a
configuration (a ``tuple`` of names), a file or directory (its path, a
``str``), or ``IMPURE`` (the clock, the network: never the same). A thunk whose
evaluation appended entries keeps them as a ``Span`` of the log, and whoever
uses its value later appends that span: so the entries reachable from a
stretch of the log are everything the computation of that stretch read,
through values computed before it as well."""

from __future__ import annotations

from typing import Any


class Span:
    """The entries ``log[start:end]``, read while one thunk was evaluated.

    It stands as the thunk's code (the thunk's env holding its value), so
    that the evaluator's usual ``force`` returns the value without a test
    more: the evaluation ends with the code called once, giving the value.

    ``last`` is where it was last logged again: a use at or after ``opened``
    (the start of the innermost evaluation under way, or of the step the
    log's reader marked) is already inside every stretch now open, and is
    not logged again."""

    __slots__ = ("end", "last", "log", "start")

    def __init__(self, log: list[Any], start: int, end: int) -> None:
        self.log = log
        self.start = start
        self.end = end
        self.last = -1

    def __call__(self, value: Any) -> Any:
        return value


IMPURE = "<impure>"

# the log in force, if any (the evaluator sets it, with its tracking force)
LOG: list[Any] | None = None
# where the innermost stretch of the log under way began (see ``Span.last``)
opened = 0
# a module file the module system is loading (and its default.nix): the load
# is the module system's to account for (by the evaluations' lists of
# modules), not a read of whatever code made the evaluation
loading: tuple[str, ...] = ()


def loading_module(path: str) -> tuple[str, ...]:
    """The module system loads module file ``path``: the reads of the load
    itself are not logged; returns what to restore after."""
    global loading
    before = loading
    if LOG is not None:
        loading = (path, path.rstrip("/") + "/default.nix")
    return before


def loaded(before: tuple[str, ...]) -> None:
    global loading
    loading = before


def open_stretch() -> None:
    """A reader of the log begins a stretch of its own here (a step whose
    reads it will look at): uses of spans logged before are logged again."""
    global opened
    if LOG is not None:
        opened = len(LOG)


def note(entry: Any) -> None:
    if LOG is not None:
        LOG.append(entry)


def note_file(path: str) -> None:
    if LOG is not None and path not in loading:
        LOG.append(path)
