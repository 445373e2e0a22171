"""Module systems other than a NixOS configuration: any ``evalModules`` call
given as an expression, a home-manager configuration (``home.nix`` through
``<home-manager/modules>``), a nix-darwin one (through ``<darwin>``). Each is
a ``System`` whose evaluation is that call's result, so the queries and lint
read it as they read NixOS'."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from .. import inputs
from ..eval.errors import NixError
from ..eval.state import EvalState
from ..eval.values import Attrs, force
from ..syntax import Source
from .locate import LocateError, _lookup, search_path
from .system import System


@dataclass(frozen=True)
class ModulesTarget:
    """What lint and the queries read of a target, for an ``evalModules``
    expression: ``config`` is the file it came from (or the user's
    configuration it evaluates), ``own`` the directories whose files are the
    module system's, not the user's."""

    expr: str | None  # None: the file ``config`` holds it
    config: str
    nixpkgs: str  # the tree the evaluation comes from
    search_path: tuple[str, ...]
    base_dir: str
    own: tuple[str, ...] = ()  # default: nixos/, lib/, pkgs/ of ``nixpkgs``
    qemu_vm_module: str = ""


class ModulesSystem(System):
    """A ``System`` whose evaluation is any ``evalModules`` result: a
    home-manager or nix-darwin configuration, or a plain module set."""

    def __init__(self, target: ModulesTarget, state: EvalState | None = None) -> None:
        self.target = target  # type: ignore[assignment]
        self.vm = False
        self.state = state if state is not None else EvalState(list(target.search_path))
        self.pkgs_mode = "real"
        self._evaluation = None
        self.result = None

    def _result(self, target: Any) -> Attrs:
        if target.expr is None:  # read now: an overlay of the file counts
            result = force(self.state.eval_file(target.config))
        else:
            result = force(self.state.eval_source(Source(target.config, target.expr),
                                                  target.base_dir))
        if type(result) is not Attrs or "config" not in result.vals or \
                "options" not in result.vals:
            raise NixError(f"the expression in '{target.config}' is not an evalModules result "
                           "(a set with config and options)")
        return result


def _nix_path(path: str) -> str:
    """An absolute path as a Nix expression (any characters)."""
    return "(/. + " + json.dumps(path).replace("$", "\\$") + ")"


def _configuration(config: str, what: str) -> str:
    config = os.path.abspath(config)
    if not inputs.isfile(config):
        raise LocateError(f"{what} configuration file '{config}' does not exist")
    return config


def _tree(entries: list[str], name: str, flag: str, entry: str) -> str:
    found = _lookup(entries, name)
    if found is None or not inputs.exists(os.path.join(found, entry)):
        raise LocateError(f"{flag} needs <{name}> on the search path (with {entry}): pass "
                          f"-I {name}=PATH or set NIX_PATH")
    return found


def home_manager_target(config: str, include: list[str]) -> ModulesTarget:
    """``home.nix`` as home-manager evaluates it: ``<home-manager/modules>``
    with ``pkgs`` from ``<nixpkgs>``."""
    config = _configuration(config, "the home-manager")
    entries = search_path(include)
    tree = _tree(entries, "home-manager", "--home-manager", "modules/default.nix")
    nixpkgs = _tree(entries, "nixpkgs", "--home-manager", "default.nix")
    expr = (f"import {_nix_path(os.path.join(tree, 'modules'))} {{ configuration = "
            f"{_nix_path(config)}; pkgs = import <nixpkgs> {{ }}; }}")
    return ModulesTarget(expr, config, tree, tuple(entries), os.path.dirname(config),
                         own=(tree + os.sep, nixpkgs + os.sep))


def darwin_target(config: str, include: list[str]) -> ModulesTarget:
    """A nix-darwin configuration as ``darwin-rebuild`` evaluates it:
    ``<darwin>`` (its ``default.nix``) with ``configuration``."""
    config = _configuration(config, "the nix-darwin")
    entries = search_path(include)
    tree = _tree(entries, "darwin", "--darwin", "eval-config.nix")
    nixpkgs = _lookup(entries, "nixpkgs")
    expr = f"import {_nix_path(tree)} {{ configuration = {_nix_path(config)}; }}"
    return ModulesTarget(expr, config, tree, tuple(entries), os.path.dirname(config),
                         own=(tree + os.sep, *((nixpkgs + os.sep,) if nixpkgs else ())))


def expression_target(expr: str | None, file: str | None, include: list[str] | tuple[str, ...],
                      base_dir: str | None, tree: str | None) -> ModulesTarget:
    """Any ``evalModules`` call: ``expr``, or the file ``file`` holding one."""
    if file is not None:
        name = os.path.abspath(file)
        where = os.path.dirname(name)
    else:
        where = os.path.abspath(base_dir or os.getcwd())
        name = os.path.join(where, "«expression»")
    return ModulesTarget(expr, name, os.path.abspath(tree or where), tuple(include), where)
