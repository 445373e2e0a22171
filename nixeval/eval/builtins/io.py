"""Files, paths and the store."""
