"""The package set as a lazy placeholder.

Evaluating nixpkgs' package set in Python is slow, and no question about
options needs it: every ``pkgs.NAME`` (at any depth, called or not) is a
placeholder derivation shown as ``«derivation pkgs.NAME»``, while ``lib``,
``system`` and ``stdenv.hostPlatform`` are real.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from ..eval.builtins import current_system
from ..eval.values import Attrs, PrimOp, force

MARK = "__nixevalPlaceholder"  # attribute naming the placeholder (e.g. "pkgs.vim")
_BASE32 = "0123456789abcdfghijklmnpqrsvwxyz"


class _AnyName(dict):
    """Attributes made on first lookup: every name exists, but for the ones
    Nix gives a meaning (``__toString``, ``__functor``…), which exist only
    where set: a placeholder is not a string or a function by accident."""

    __slots__ = ("make",)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if name.startswith("__") and not dict.__contains__(self, name):
            return default
        return self[name]

    def __getitem__(self, name: str) -> Any:
        if not dict.__contains__(self, name):
            if name.startswith("__"):
                raise KeyError(name)
            dict.__setitem__(self, name, self.make(name))
        return dict.__getitem__(self, name)

    def __contains__(self, name: object) -> bool:
        return not (isinstance(name, str) and name.startswith("__")) or \
            dict.__contains__(self, name)


def _fake_hash(path: str) -> str:
    digest = hashlib.sha256(path.encode()).digest()
    return "".join(_BASE32[b % 32] for b in digest[:32])


def placeholder(path: str) -> Attrs:
    """A placeholder derivation for ``path`` (e.g. ``pkgs.vim``)."""
    name = path.rsplit(".", 1)[-1]
    out = f"/nix/store/{_fake_hash(path)}-{name}"
    vals = _AnyName({
        "type": "derivation", MARK: path, "name": name, "pname": name, "version": "",
        "outPath": out, "drvPath": f"/nix/store/{_fake_hash(path + '.drv')}-{name}.drv",
        "outputs": ["out"], "outputName": "out", "system": current_system(),
        "meta": Attrs({"description": f"placeholder for {path}", "mainProgram": name}),
        "__functor": PrimOp("placeholder", 2, lambda state, _self, _arg: placeholder(
            path + "(…)")),
    })
    vals.make = lambda attr: placeholder(f"{path}.{attr}")
    attrs = Attrs(vals)
    dict.__setitem__(vals, "out", attrs)
    return attrs


def placeholder_pkgs(state: Any, nixpkgs: str) -> Attrs:
    """``pkgs`` for a nixpkgs tree: placeholders, with the real ``lib``."""
    lib = state.import_file(os.path.join(nixpkgs, "lib"))
    system = current_system()

    def host_platform() -> Any:
        elaborate = force(force(force(lib).vals["systems"]).vals["elaborate"])
        return force(state.call(elaborate, system))

    from ..modules.nix import lazy

    platform = lazy(host_platform)
    vals = _AnyName({
        "lib": lib, "system": system, "config": Attrs({}), "path": nixpkgs,
        "stdenv": Attrs(_stdenv(platform)), "pkgs": None,
    })
    vals.make = lambda attr: placeholder(f"pkgs.{attr}")
    pkgs = Attrs(vals)
    dict.__setitem__(vals, "pkgs", pkgs)
    return pkgs


def _stdenv(platform: Any) -> _AnyName:
    vals = _AnyName({"hostPlatform": platform, "buildPlatform": platform,
                     "targetPlatform": platform, "isLinux": True, "isDarwin": False})
    vals.make = lambda attr: placeholder(f"pkgs.stdenv.{attr}")
    return vals
