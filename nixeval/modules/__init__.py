"""The NixOS module system, native: ``evalModules`` and its parts, bound to
a lib's module system when Nix code imports one (see ``binding.py``).
Importing this package registers the binding with the evaluator."""

from .binding import register

register()
