"""A NixOS configuration evaluated as ``nixos/default.nix`` does it: the
tree's own ``nixos/lib/eval-config.nix`` with the configuration (and, for the
VM variant, ``virtualisation/qemu-vm.nix``) as modules.

Where the tree's lib is one the native module system is proven for (it is
bound on import), every option comes with its declarations, definitions,
priorities and the options it reads; where the lib's own module system ran,
with what that lib reports about its options (``modules/interpreted.py``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from .. import inputs
from ..eval.builtins import current_system
from ..eval.builtins.io import locate
from ..eval.errors import NixError
from ..eval.flake.source import store_dir as flake_store_dir
from ..eval.state import EvalState
from ..eval.values import Attrs, NixPath, force
from ..modules.evaluation import Evaluation
from ..modules.graph import Graph, Loc
from ..modules.interpreted import LibEvaluation, Record
from .flake import OUTPUT as FLAKE_OUTPUT
from .flake import FlakeTarget, configuration, load
from .locate import QEMU_VM_MODULE, Target
from .placeholder import placeholder_pkgs

PKGS_MODES = ("auto", "placeholder", "real")


def _is_option(v: Any) -> bool:
    return type(v) is Attrs and "_type" in v.vals and force(v.vals["_type"]) == "option"


class System:
    """One evaluation of a configuration (plain, or the VM variant)."""

    def __init__(self, target: Target | FlakeTarget, vm: bool = False,
                 pkgs: str = "auto", state: EvalState | None = None) -> None:
        """``state``: an evaluator an earlier evaluation of the same
        configuration used, begun anew (``EvalState.next_generation``), whose
        kept imports spare this one their work (not for a flake)."""
        self.target = target
        self.vm = vm
        if isinstance(target, FlakeTarget):
            # as Nix evaluates a flake: purely, without a search path
            self.state = EvalState(store_dir=flake_store_dir(), pure=True)
            self.flake = load(self.state, target)
            self.pkgs_mode = "real"  # the flake's own nixosSystem chooses its packages
            self._evaluation: Evaluation | LibEvaluation | None = None
            self.result: Attrs | None = None
            return
        include = [f"nixpkgs={target.nixpkgs}", f"nixos-config={target.config}",
                   *target.search_path]
        self.state = state if state is not None else EvalState(include)
        self.pkgs_mode = pkgs if pkgs != "auto" else (
            "placeholder" if inputs.isfile(os.path.join(
                target.nixpkgs, "pkgs", "top-level", "all-packages.nix")) else "real")
        self._evaluation: Evaluation | LibEvaluation | None = None
        # what eval-config.nix returned (config, options, pkgs, lib…), once evaluated
        self.result: Attrs | None = None

    @property
    def evaluation(self) -> Evaluation | LibEvaluation:
        """Evaluates the configuration's module tree (option values stay lazy)."""
        if self._evaluation is None:
            result = self._flake_result() if isinstance(self.target, FlakeTarget) else \
                self._result(self.target)
            self.result = result
            # not forced: that would run lib's unknown-option check, which lint
            # wants to report itself
            ev = self.graph.evaluations.get(id(result.vals["config"]))
            self._evaluation = ev if ev is not None else LibEvaluation(result, self.graph,
                                                                      state=self.state)
        return self._evaluation

    def _result(self, target: Target) -> Attrs:
        """eval-config.nix called as ``nixos/default.nix`` calls it."""
        state = self.state
        fn = state.eval_file(target.eval_config)
        modules: list[Any] = [NixPath(target.config)]
        if self.vm:
            modules.append(NixPath(target.qemu_vm_module))
        args: dict[str, Any] = {"modules": modules, "system": current_system()}
        if self.pkgs_mode == "placeholder":
            args["pkgs"] = placeholder_pkgs(state, target.nixpkgs)
        result = force(state.call(fn, Attrs(args)))
        if type(result) is not Attrs or "config" not in result.vals:
            raise NixError(f"'{target.eval_config}' did not return a configuration")
        return result

    def _flake_result(self) -> Attrs:
        """``nixosConfigurations.NAME``; the VM variant is that configuration
        extended with qemu-vm.nix, as NixOS' ``virtualisation.vmVariant`` is."""
        assert isinstance(self.target, FlakeTarget)
        result = configuration(self.flake, self.target)
        if type(result) is not Attrs or "config" not in result.vals:
            raise NixError(f"'{self.target.installable}' is not a NixOS configuration "
                           "(an evalModules result, as lib.nixosSystem returns)")
        if self.vm:
            if self.target.output != FLAKE_OUTPUT:
                raise NixError(f"--vm is for NixOS configurations, not for "
                               f"'{self.target.installable}'")
            if "extendModules" not in result.vals:
                raise NixError(f"'{self.target.installable}' has no extendModules, so "
                               "its VM variant cannot be made")
            qemu = self.target.qemu_vm_module
            found = locate(self.state, qemu) if self.target.nixpkgs else None
            if found is None or not os.path.isfile(found.fs):
                raise NixError(f"the VM variant of '{self.target.installable}' needs "
                               f"NixOS' {QEMU_VM_MODULE} from the flake's 'nixpkgs' input, "
                               "which it has not")
            result = force(self.state.call(result.vals["extendModules"],
                                           Attrs({"modules": [NixPath(qemu)]})))
        return result

    @property
    def native(self) -> bool:
        """Whether the native module system evaluated this configuration."""
        return not isinstance(self.evaluation, LibEvaluation)

    def _record(self, loc: Loc) -> Any:
        ev = self.evaluation
        return ev.records.get(loc) if isinstance(ev, LibEvaluation) else \
            self.graph.records.get(loc)

    @property
    def graph(self) -> Graph:
        return self.state.extensions.setdefault("module-graph", Graph())

    # options -----------------------------------------------------------------
    def options(self, prefix: Loc = ()) -> Iterator[Record]:
        """Every declared option under ``prefix``, in name order (options
        inside submodules are not listed: they belong to each instance)."""
        node = self.evaluation.options_t
        for name in prefix:
            node = force(node)
            if type(node) is not Attrs or _is_option(node) or name not in node.vals:
                return
            node = node.vals[name]
        yield from self._walk(force(node), prefix)

    def _walk(self, node: Any, loc: Loc) -> Iterator[Record]:
        if _is_option(node):
            record = self._record(loc)
            if record is not None:
                yield record
            return
        if type(node) is not Attrs:
            return
        for name in node.names():
            yield from self._walk(force(node.vals[name]), (*loc, name))

    def option(self, loc: Loc) -> Record | None:
        """The option at ``loc``; inside a submodule (``users.users.alice.home``)
        the instance is evaluated to find it."""
        node: Any = self.evaluation.options_t
        for i, name in enumerate(loc):
            node = force(node)
            if _is_option(node):
                return self._inside_value(loc[:i], loc[i:])
            if type(node) is not Attrs or name not in node.vals:
                return None
            node = node.vals[name]
        node = force(node)
        return self._record(loc) if _is_option(node) else None

    def _inside_value(self, option: Loc, rest: Loc) -> Record | None:
        value: Any = self.value(option)
        for i, name in enumerate(rest):
            value = force(value)
            if type(value) is not Attrs or name not in value.vals:
                return None
            entry = value.vals[name]
            if i == len(rest) - 1:
                with contextlib.suppress(NixError):
                    force(entry)  # makes the option (a missing value is no matter here)
                return self.graph.records.get((*option, *rest))
            value = entry
        return None

    def children(self, loc: Loc) -> list[str]:
        """Names directly under ``loc`` when it is a set of options."""
        node: Any = self.evaluation.options_t
        for name in loc:
            node = force(node)
            if type(node) is not Attrs or _is_option(node) or name not in node.vals:
                return []
            node = node.vals[name]
        node = force(node)
        return [] if _is_option(node) or type(node) is not Attrs else node.names()

    def value(self, loc: Loc) -> Any:
        """``config.<loc>`` (forced to weak head normal form)."""
        v: Any = force(self.evaluation.config_t)
        for name in loc:
            v = force(v).vals[name]
        return force(v)

    def all_option_paths(self) -> list[Loc]:
        return [r.loc for r in self.options()]
