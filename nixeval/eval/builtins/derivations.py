"""derivations builtins (being written)."""
