"""Flakes without fetching: ``flake.lock`` read, each input found in the
store (or overridden) by the store path its ``narHash`` gives, ``self``
copied as Nix copies it, and the outputs called as Nix calls them."""
