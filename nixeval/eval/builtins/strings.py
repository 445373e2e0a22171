"""String builtins."""
