"""The error every flake failure raises."""

from __future__ import annotations

from ..errors import NixError


class FlakeError(NixError):
    """A flake, its lock or an input cannot be used; the text says what to run."""
