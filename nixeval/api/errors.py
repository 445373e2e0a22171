"""The API's exceptions: every failure a caller can meet is an ``ApiError``
(never a raw traceback from bad Nix input), with the place when one is known."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..eval.errors import NixError
    from .results import Position


class ApiError(Exception):
    """Something the caller asked for could not be answered. ``message`` is
    the text alone; ``position`` the file, line and column it concerns
    (None when unknown); ``str()`` is ``file:line:col: message``."""

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.position}: {self.message}" if self.position is not None \
            else self.message

    def to_json(self) -> dict[str, Any]:
        where = self.position.to_json() if self.position is not None else \
            {"file": None, "line": None, "column": None}
        return {"error": type(self).__name__, "message": self.message, **where}


class NotFound(ApiError):
    """nixpkgs, the configuration, the flake or a file could not be found."""


class EvalError(ApiError):
    """Evaluating the Nix code failed (a syntax error in a file or overlay
    is one too). ``render()`` gives Nix's own text, with its trace."""

    def __init__(self, error: NixError) -> None:
        from .results import Position

        super().__init__(error.message, Position.of_pos(error.pos))
        self._error = error

    def render(self, show_trace: bool = False) -> str:
        """The error as Nix prints it (``--show-trace``: every frame)."""
        return self._error.render(show_trace)


class OptionNotFound(ApiError):
    """No option at the path asked for. ``children``: the names under it
    when it is a set of options; ``suggestions``: option paths close to it."""

    def __init__(self, message: str, children: list[str], suggestions: list[str]) -> None:
        super().__init__(message)
        self.children = children
        self.suggestions = suggestions
