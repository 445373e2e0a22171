"""context builtins (being written)."""
