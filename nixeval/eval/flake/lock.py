"""``flake.lock``, versions 5 to 7: the graph of nodes, each input an edge to
a node key or a ``follows`` path from the root.

Version 5 introduced the node graph (older files are a different format);
6 and 7 changed only what a node's ``locked`` may hold, which is read here as
plain attributes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from .errors import FlakeError

MIN_VERSION, MAX_VERSION = 5, 7

InputSpec = str | list[str]  # a node key, or a follows path from the root


@dataclass
class Node:
    key: str
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    locked: dict[str, Any] | None = None  # None for the root
    original: dict[str, Any] | None = None
    flake: bool = True
    # where a relative path input is relative to: a path of input names from
    # the root (current Nix writes it; Nix 2.8 did not, so the node that
    # refers to the input is taken instead)
    parent: list[str] | None = None


@dataclass
class LockFile:
    path: str
    version: int
    root: str
    nodes: dict[str, Node]

    def resolve(self, spec: InputSpec) -> str:
        """The node key an input spec leads to (following ``follows`` paths)."""
        if isinstance(spec, str):
            return spec
        return self.by_path(spec)

    def by_path(self, path: list[str], seen: frozenset[str] = frozenset()) -> str:
        """The node reached from the root by input names ``path``."""
        key = self.root
        for i, name in enumerate(path):
            node = self.nodes[key]
            if name not in node.inputs:
                shown = "/".join(path[:i + 1])
                raise FlakeError(f"{self.path}: input '{shown}' follows a path that does "
                                 f"not exist in the lock file; run `nix flake lock`")
            spec = node.inputs[name]
            if isinstance(spec, list):
                step = "/".join(path[:i + 1])
                if step in seen:
                    raise FlakeError(f"{self.path}: the 'follows' of input '{step}' "
                                     "leads back to itself")
                key = self.by_path(spec, seen | {step})
            else:
                key = spec
            if key not in self.nodes:
                raise FlakeError(f"{self.path}: input '{'/'.join(path[:i + 1])}' refers to "
                                 f"node '{key}', which the lock file does not have")
        return key


def _expect(cond: bool, path: str, what: str) -> None:
    if not cond:
        raise FlakeError(f"{path}: {what}; the lock file is malformed (regenerate it with "
                         "`nix flake lock`)")


def read_lock(path: str) -> LockFile | None:
    """The lock file at ``path``; None when there is none."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise FlakeError(f"cannot read lock file '{path}': {e}") from None
    return parse_lock(text, path)


def parse_lock(text: str, path: str) -> LockFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise FlakeError(f"{path}:{e.lineno}:{e.colno}: lock file is not valid JSON: "
                         f"{e.msg}") from None
    _expect(isinstance(data, dict), path, "the top level is not an object")
    version = data.get("version")
    _expect(type(version) is int, path, "'version' is missing or not an integer")
    if not MIN_VERSION <= version <= MAX_VERSION:
        hint = ("it predates the node format; run `nix flake lock` with Nix 2.4 or newer "
                "to rewrite it" if version < MIN_VERSION else
                "it was written by a newer Nix than nixeval knows")
        raise FlakeError(f"{path}: lock file has unsupported version {version} (nixeval "
                         f"reads versions {MIN_VERSION} to {MAX_VERSION}): {hint}")
    root = data.get("root")
    raw_nodes = data.get("nodes")
    _expect(isinstance(root, str), path, "'root' is missing or not a string")
    _expect(isinstance(raw_nodes, dict) and root in raw_nodes, path,
            f"'nodes' does not hold the root node '{root}'")
    nodes = {key: _node(key, raw, path) for key, raw in raw_nodes.items()}
    for node in nodes.values():
        for name, spec in node.inputs.items():
            if isinstance(spec, str):
                _expect(spec in nodes, path, f"input '{name}' of node '{node.key}' refers to "
                        f"node '{spec}', which does not exist")
    return LockFile(os.path.abspath(path), version, root, nodes)


def _node(key: str, raw: Any, path: str) -> Node:
    _expect(isinstance(raw, dict), path, f"node '{key}' is not an object")
    inputs: dict[str, InputSpec] = {}
    for name, spec in (raw.get("inputs") or {}).items():
        ok = isinstance(spec, str) or (isinstance(spec, list) and
                                       all(isinstance(s, str) for s in spec))
        _expect(ok, path, f"input '{name}' of node '{key}' is neither a node name nor a "
                "follows path")
        inputs[name] = spec
    locked = raw.get("locked")
    _expect(locked is None or isinstance(locked, dict), path,
            f"'locked' of node '{key}' is not an object")
    info = raw.get("info")  # older locks kept narHash and lastModified apart
    if isinstance(info, dict) and locked is not None:
        locked = {**info, **locked}
    parent = raw.get("parent")
    _expect(parent is None or isinstance(parent, list), path,
            f"'parent' of node '{key}' is not a list")
    return Node(key, inputs, locked, raw.get("original"), raw.get("flake", True) is not False,
                parent)
