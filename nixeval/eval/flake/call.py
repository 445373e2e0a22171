"""Calling a flake as Nix does: each node of the lock file becomes a value,
lazily; a flake node is its ``outputs`` function called with its inputs and
``self``, a non-flake node is its ``sourceInfo``.

The value of a flake node (current Nix's ``call-flake.nix``, written anew):
``outputs // sourceInfo // { inputs; outputs; sourceInfo; outPath; _type =
"flake"; }`` where ``outputs = flake.outputs (inputs // { self = <it>; })``.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ... import inputs
from ..errors import NixError
from ..ops import force_attrs
from ..values import Attrs, ContextStr, Lambda, Thunk, force
from .errors import FlakeError
from .lock import MAX_VERSION, LockFile, Node, read_lock
from .source import (
    SourceInfo,
    last_modified_date,
    local_source,
    locked_source,
    locked_store_path,
)

if TYPE_CHECKING:
    from ..state import EvalState

FLAKE_ATTRS = ("description", "inputs", "outputs", "nixConfig")


def _lazy(fn: Callable[[], Any]) -> Thunk:
    return Thunk(lambda _env: fn(), None)


def _store_str(path: str, store_path: str) -> ContextStr:
    return ContextStr(path, frozenset([store_path]))


def source_attrs(src: SourceInfo) -> dict[str, Any]:
    """``fetchTree``'s attributes for a source."""
    out: dict[str, Any] = {"outPath": _store_str(src.store_path, src.store_path),
                           "narHash": src.nar_hash}
    for key, value in src.attrs.items():
        out[key] = value
        if key == "lastModified":
            out["lastModifiedDate"] = last_modified_date(value)
    return out


class Flake:
    """One flake (a directory with ``flake.nix`` and, if it has inputs,
    ``flake.lock``) ready to be called.

    ``overrides`` maps input paths (``nixpkgs``, ``sub/nixpkgs``) to local
    directories used in place of what the lock names (``--override-input``).
    """

    def __init__(self, state: EvalState, root: SourceInfo, lock: LockFile | None,
                 display: str, overrides: dict[str, str] | None = None) -> None:
        self.state = state
        self.root = root
        self.lock = lock
        self.display = display  # how messages name the flake: its directory
        self._values: dict[str, Thunk] = {}
        self._source_cache: dict[str, SourceInfo] = {}
        self._overrides: dict[str, tuple[str, str]] = {}  # node key -> (input path, dir)
        # overrides of inputs of the flake itself that the lock lacks (or there
        # is no lock): Nix would lock them to the override, so they need no lock
        self._unlocked: dict[str, str] = {}
        for name, path in (overrides or {}).items():
            try:
                if lock is None:
                    raise FlakeError("no lock")
                key = lock.by_path(name.split("/"))
            except FlakeError:
                if "/" in name:
                    raise FlakeError(f"cannot override input '{name}': flake '{display}' has "
                                     "no such input in its flake.lock") from None
                self._unlocked[name] = path
                continue
            self._overrides[key] = (name, path)
        if overrides:
            # the lock Nix evaluates with is then not the one committed, so it
            # shows the flake as unversioned: no rev, shortRev or revCount
            attrs = {k: v for k, v in root.attrs.items()
                     if k not in ("rev", "shortRev", "revCount")}
            self.root = SourceInfo(root.store_path, root.nar_hash, attrs, root.subdir)

    @classmethod
    def local(cls, state: EvalState, directory: str,
              overrides: dict[str, str] | None = None, as_path: bool = False) -> Flake:
        # git's index and refs, the copy's every file and mtime are read outside
        # what the answer cache can check: such an answer is not kept
        inputs.impure(f"the flake in '{directory}' (its git state and files)")
        directory = os.path.realpath(directory)
        if not os.path.isfile(os.path.join(directory, "flake.nix")):
            raise FlakeError(f"'{directory}' has no flake.nix")
        root = local_source(state, directory, as_path, shown=True)
        lock = read_lock(os.path.join(directory, "flake.lock"))
        return cls(state, root, lock, directory, overrides)

    # the value ---------------------------------------------------------------
    def value(self) -> Any:
        """The flake's value (``self``); its inputs are checked against the lock."""
        flake = self._import(self.root, self.display)
        self._lock_overrides(flake)
        self._check_inputs(flake)
        key = self.lock.root if self.lock is not None else ""
        return self._node_value(key, self.root, flake).force()

    def _input_names(self) -> list[str]:
        if self.lock is None:
            return []
        return sorted(self.lock.nodes[self.lock.root].inputs)

    def _import(self, src: SourceInfo, shown: str) -> Attrs:
        """``flake.nix`` of a source, checked as Nix checks it."""
        path = "/".join(p for p in (src.store_path, src.subdir, "flake.nix") if p)
        flake = force_attrs(self.state.eval_file(path))
        for name in flake.names():
            if name not in FLAKE_ATTRS:
                raise FlakeError(f"flake '{shown}' has an unsupported attribute '{name}'",
                                 flake.pos.get(name) if flake.pos else None)
        if "outputs" not in flake.vals:
            raise FlakeError(f"flake '{shown}' lacks attribute 'outputs'")
        return flake

    def _declared_inputs(self, flake: Attrs) -> list[str]:
        """Inputs ``flake.nix`` names: its ``inputs`` and the outputs function's
        arguments (each a flake of the registry of that name, to Nix)."""
        names = set()
        if "inputs" in flake.vals:
            names.update(force_attrs(flake.vals["inputs"]).names())
        outputs = force(flake.vals["outputs"])
        if type(outputs) is Lambda and outputs.fn.formals is not None:
            names.update(name for name, _ in outputs.fn.formals)
        names.discard("self")
        return sorted(names)

    def _lock_overrides(self, flake: Attrs) -> None:
        """A node of the lock for each override of an input the lock lacks."""
        declared = self._declared_inputs(flake)
        for name, path in self._unlocked.items():
            if name not in declared:
                raise FlakeError(f"cannot override input '{name}': flake '{self.display}' has "
                                 f"no such input (its inputs: {', '.join(declared) or 'none'})")
            if self.lock is None:
                self.lock = LockFile(os.path.join(self.display, "flake.lock"), MAX_VERSION,
                                     "root", {"root": Node("root")})
            key = name
            while key in self.lock.nodes:
                key += "_"
            self.lock.nodes[key] = Node(key, locked={})
            self.lock.nodes[self.lock.root].inputs[name] = key
            self._overrides[key] = (name, path)

    def _check_inputs(self, flake: Attrs) -> None:
        locked = set(self._input_names())
        missing = [n for n in self._declared_inputs(flake) if n not in locked]
        if missing:
            where = "has no flake.lock" if self.lock is None else \
                f"its flake.lock does not lock {'it' if len(missing) == 1 else 'them'}"
            raise FlakeError(
                f"flake '{self.display}' declares input{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(n) for n in missing)}, but {where}: run `nix flake lock` in "
                f"'{self.display}' (nixeval reads the lock; it never fetches), or pass "
                f"`--override-input {missing[0]} PATH` to use a checkout")
        self._check_stale(flake)

    def _check_stale(self, flake: Attrs) -> None:
        """Warns of an input whose ``url`` in flake.nix is not what the lock
        locked: Nix would lock it anew; nixeval goes on with the lock's."""
        if self.lock is None or "inputs" not in flake.vals:
            return
        from ..builtins.flake_refs import FlakeRefs

        refs = FlakeRefs(self.state.experimental_features)
        root = self.lock.nodes[self.lock.root]
        declared = force_attrs(flake.vals["inputs"])
        for name in declared.names():
            spec = force(declared.vals[name])
            key = root.inputs.get(name)
            if type(spec) is not Attrs or "url" not in spec.vals or not isinstance(key, str) \
                    or name in {n.split("/")[0] for n, _ in self._overrides.values()}:
                continue
            url = force(spec.vals["url"])
            original = self.lock.nodes[key].original
            try:
                wanted = refs.parse(str(url))
            except NixError:
                continue  # Nix will say what is wrong with it when it locks
            if original is not None and wanted != original:
                print(f"warning: input '{name}' of flake '{self.display}' is '{url}', but "
                      f"flake.lock locked {refs.to_string(original)}: run `nix flake lock` "
                      "(nixeval uses what the lock has)", file=sys.stderr)

    def _node_value(self, key: str, src: SourceInfo, flake: Attrs | None = None) -> Thunk:
        cached = self._values.get(key)
        if cached is not None:
            return cached
        node = self.lock.nodes[key] if self.lock is not None else Node(key)
        out_path = "/".join(p for p in (src.store_path, src.subdir) if p)
        info = source_attrs(src)
        info_value = Attrs(info)

        def compute() -> Any:
            if not node.flake:
                return info_value
            nonlocal flake
            if flake is None:
                flake = self._import(src, self._input_path(key))
            outputs_fn = force(flake.vals["outputs"])
            if type(outputs_fn) is not Lambda and not (type(outputs_fn) is Attrs and
                                                       "__functor" in outputs_fn.vals):
                raise FlakeError(f"the outputs of flake '{self._shown(key)}' are not a "
                                 "function")
            inputs = Attrs({name: self._input(spec) for name, spec in node.inputs.items()})
            args = Attrs({**inputs.vals, "self": thunk})
            outputs = _lazy(lambda: force_attrs(self.state.call(outputs_fn, args)))
            vals = dict(force_attrs(outputs).vals)
            vals.update(info)
            vals.update(inputs=inputs, outputs=outputs, sourceInfo=info_value,
                        outPath=_store_str(out_path, src.store_path), _type="flake")
            return Attrs(vals)

        thunk = _lazy(compute)
        self._values[key] = thunk
        return thunk

    # inputs ----------------------------------------------------------------
    def _input(self, spec: str | list[str]) -> Thunk:
        assert self.lock is not None
        key = self.lock.resolve(spec)
        cached = self._values.get(key)
        if cached is not None:
            return cached
        return _lazy(lambda: self._input_value(key).force())

    def _input_value(self, key: str) -> Thunk:
        return self._node_value(key, self._source_of(key))

    def _source_of(self, key: str) -> SourceInfo:
        """Where a node's tree is: the flake's own, an override, or the store."""
        assert self.lock is not None
        if key == self.lock.root:
            return self.root
        cache = self._source_cache
        if key in cache:
            return cache[key]
        override = self._overrides.get(key)
        node = self.lock.nodes[key]
        locked = node.locked or {}
        if override is not None:  # "path:DIR" is every file; DIR in a git work tree, git's
            path = override[1]
            src = local_source(self.state, path.removeprefix("path:"), path.startswith("path:"))
        elif locked.get("type") == "path" and not str(locked.get("path", "/")).startswith("/"):
            # relative to the flake that refers to it: a directory of that flake's
            # source (current Nix; Nix 2.8 copied it to a store path of its own)
            parent = self._source_of(self._parent(key))
            base = os.path.normpath("/".join(p for p in (parent.subdir,
                                                         str(locked["path"])) if p))
            if base == ".." or base.startswith("../"):
                raise FlakeError(f"input '{self._input_path(key)}' ('{locked['path']}') points "
                                 "outside of its parent's source")
            src = SourceInfo(parent.store_path, parent.nar_hash, dict(parent.attrs),
                             "" if base == "." else base)
        else:
            src = self._fetched(key, locked)
        cache[key] = src
        return src

    def _fetched(self, key: str, locked: dict[str, Any]) -> SourceInfo:
        name = self._input_path(key)
        try:
            sp, h = locked_store_path(locked, self.state.store_dir)
        except FlakeError as e:
            raise FlakeError(f"input '{name}' of flake '{self.display}': {e.message}; run "
                             f"`nix flake lock` in '{self.display}'") from None
        if not inputs.lexists(sp):
            raise FlakeError(
                f"input '{name}' of flake '{self.display}' ({self._describe(locked)}) is not "
                f"in the store: {sp} does not exist. Run `nix flake archive` in "
                f"'{self.display}' to fetch it, or pass `--override-input {name} PATH` to use "
                "a checkout of it")
        return locked_source(locked, sp, h)

    @staticmethod
    def _describe(locked: dict[str, Any]) -> str:
        kind = locked.get("type")
        if kind in ("github", "gitlab", "sourcehut"):
            ref = f"{kind}:{locked.get('owner')}/{locked.get('repo')}"
        elif kind == "path":
            ref = f"path:{locked.get('path')}"
        else:
            ref = f"{kind}:{locked.get('url', '')}"
        rev = locked.get("rev")
        return ref + (f"/{rev[:12]}" if isinstance(rev, str) else "")

    def _parent(self, key: str) -> str:
        """The node a relative path input is relative to."""
        assert self.lock is not None
        node = self.lock.nodes[key]
        if node.parent is not None:
            return self.lock.by_path(node.parent)
        for other in self.lock.nodes.values():
            if key in other.inputs.values():
                return other.key
        return self.lock.root

    def _input_path(self, key: str) -> str:
        """The shortest path of input names from the root to a node."""
        if self.lock is None:
            return key
        todo: deque[tuple[str, list[str]]] = deque([(self.lock.root, [])])
        seen = {self.lock.root}
        while todo:
            at, path = todo.popleft()
            for name, spec in sorted(self.lock.nodes[at].inputs.items()):
                try:
                    target = self.lock.resolve(spec)
                except NixError:
                    continue
                if target == key:
                    return "/".join([*path, name])
                if target not in seen:
                    seen.add(target)
                    todo.append((target, [*path, name]))
        return key

    def _shown(self, key: str) -> str:
        return self.display if self.lock is None or key == self.lock.root else \
            self._input_path(key)
