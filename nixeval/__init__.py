"""nixeval: a pure-Python evaluator for Nix and NixOS-style module configurations."""

__version__ = "0.1.0"
