"""nixpkgs' ``lib/types.nix``, built natively.

A type is still the set Nix code sees (``_type = "option-type"``, ``name``,
``check``, ``merge``, ``functor``…), so lib code and users read, extend
(``//``) and call it as before; its ``check`` and ``merge`` are builtins whose
Python side the module system calls directly with its own definitions.
``catalogue.bind_types`` puts them in place of a lib's interpreted ones.
"""
