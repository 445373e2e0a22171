"""Evaluation errors with Nix's message texts, positions and a trace."""

from __future__ import annotations

from ..syntax.errors import nix_context
from ..syntax.source import Source

Pos = tuple[Source, int] | None


class NixError(Exception):
    """An error raised while evaluating Nix code.

    ``message`` is Nix's text; ``pos`` where it happened; ``trace`` the
    "while evaluating …" frames added as the error travels outwards
    (innermost first), shown with ``--show-trace``.
    """

    def __init__(self, message: str, pos: Pos = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.trace: list[tuple[str, Pos]] = []

    def at(self, pos: Pos) -> NixError:
        """Give the error a position if it has none yet."""
        if self.pos is None:
            self.pos = pos
        return self

    def add_trace(self, hint: str, pos: Pos) -> None:
        self.trace.append((hint, pos))

    def __str__(self) -> str:
        return self.message

    def render(self, show_trace: bool = False) -> str:
        out = []
        if show_trace and self.trace:
            out.append("error:")
            for hint, pos in reversed(self.trace):
                out.append(f"       … {hint}")
                if pos is not None:
                    out.append(nix_context(pos[0], pos[1]).replace("       at", "         at", 1))
                out.append("")
            out.append(f"       error: {self.message}")
        else:
            out.append(f"error: {self.message}")
        if self.pos is not None:
            out.append(nix_context(*self.pos))
        return "\n".join(out)


class CatchableError(NixError):
    """Errors ``builtins.tryEval`` turns into ``{ success = false; }``."""


class ThrownError(CatchableError):
    """``throw``."""


class AssertionFailed(CatchableError):
    """A failed ``assert``."""


class AbortError(NixError):
    """``abort``: not catchable."""


class InfiniteRecursion(NixError):
    def __init__(self, pos: Pos = None) -> None:
        super().__init__("infinite recursion encountered", pos)


class TypeMismatch(NixError):
    """A value of the wrong type ("expected a set but found an integer")."""
