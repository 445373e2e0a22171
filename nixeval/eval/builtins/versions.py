"""versions builtins (being written)."""
