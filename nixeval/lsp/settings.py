"""The client's settings (``initializationOptions`` and
``workspace/didChangeConfiguration``, under ``nixeval``) and the session
they name: a NixOS configuration found as the command line finds it, a
flake's, or any ``evalModules`` expression (home-manager, nix-darwin)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from .. import api


@dataclass(frozen=True)
class Settings:
    include: tuple[str, ...] = ()  # -I entries: nixpkgs=PATH, nixos-config=FILE
    config: str | None = None  # the configuration file (--config)
    flake: str | None = None  # DIR#NAME
    expr: str | None = None  # an evalModules expression
    home_manager: str | None = None  # a home-manager configuration (home.nix)
    darwin: str | None = None  # a nix-darwin configuration
    vm: bool = False
    pkgs: str = "auto"
    root: str = field(default_factory=os.getcwd)  # relative paths are from here

    @staticmethod
    def of(data: Any, root: str) -> Settings:
        """Settings from the client's JSON: ``{"nixeval": {…}}`` or the inner set."""
        if isinstance(data, dict) and isinstance(data.get("nixeval"), dict):
            data = data["nixeval"]
        if not isinstance(data, dict):
            data = {}
        include = data.get("include") or ()
        if isinstance(include, str):
            include = (include,)

        def text(key: str) -> str | None:
            v = data.get(key)
            return v if isinstance(v, str) and v else None

        pkgs = text("pkgs") or "auto"
        return Settings(tuple(str(i) for i in include), text("config"), text("flake"),
                        text("expr"), text("homeManager"), text("darwin"),
                        data.get("vm") is True,
                        pkgs if pkgs in ("auto", "placeholder", "real") else "auto", root)

    def _path(self, p: str) -> str:
        return p if os.path.isabs(p) or "://" in p else os.path.join(self.root, p)

    def _entry(self, entry: str) -> str:
        """``NAME=PATH`` or ``PATH``, its path taken from the workspace root."""
        name, eq, value = entry.partition("=")
        if eq:
            return f"{name}={self._path(value)}"
        return self._path(entry)

    def open(self) -> api.Session:
        """The session; ``ApiError`` (``NotFound``) when the system is not there."""
        include = [self._entry(e) for e in self.include]
        if self.expr is not None:
            return api.open_modules(self.expr, include=include, base_dir=self.root)
        if self.home_manager is not None:
            return api.open_home_manager(self._path(self.home_manager), include=include)
        if self.darwin is not None:
            return api.open_darwin(self._path(self.darwin), include=include)
        if self.flake is not None:
            # DIR#NAME with DIR from the workspace root; #NAME: the root's flake
            ref = self.root + self.flake if self.flake.startswith("#") else \
                self.flake if ":" in self.flake.partition("#")[0] else self._path(self.flake)
            return api.open_flake(ref, vm=self.vm)
        config = self._path(self.config) if self.config else None
        return api.open_nixos(config, include=include, vm=self.vm, pkgs=self.pkgs)
