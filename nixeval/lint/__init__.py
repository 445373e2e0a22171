"""Lint a NixOS configuration before building it: rules over one evaluation
(conflicts, type errors, unknown, renamed and removed options, assertions,
warnings, infinite recursion), reported as text, JSON or SARIF."""

from .rules import Finding, lint

__all__ = ["Finding", "lint"]
