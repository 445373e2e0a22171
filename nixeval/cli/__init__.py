"""Command-line front ends; each subcommand module imports what it needs lazily."""
