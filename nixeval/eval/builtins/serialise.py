"""serialise builtins (being written)."""
