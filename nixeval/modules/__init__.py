"""The NixOS module system, native: ``evalModules`` and its parts, bound to
a lib's ``modules.nix`` when Nix code imports one (see ``binding.py``)."""
