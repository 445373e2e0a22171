"""Flake reference builtins (being written)."""
