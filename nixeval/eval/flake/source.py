"""Where a flake's sources are, and their ``sourceInfo``, as Nix's fetchers
give them: a local tree copied (a git work tree: tracked files only), or a
locked input found in the store by the path its ``narHash`` names.

Nothing is copied: a copy's store path is computed (fixed-output, recursive
NAR, name ``source``) and the evaluator is told which directory holds it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ... import inputs
from .. import store
from ..derivations import SourceCopy, store_objects
from .errors import FlakeError

if TYPE_CHECKING:
    from ..state import EvalState

SOURCE_NAME = "source"


@dataclass
class SourceInfo:
    """A fetched tree: its store path and the attributes ``fetchTree`` gives."""

    store_path: str
    nar_hash: str  # SRI
    attrs: dict[str, Any] = field(default_factory=dict)  # rev, revCount, lastModified, …
    # the flake inside the tree (a git flake in a subdirectory of its repository)
    subdir: str = ""


def store_dir() -> str:
    return inputs.env("NIX_STORE_DIR") or store.STORE_DIR


def last_modified_date(t: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(t))


# --------------------------------------------------------------------------
# Local trees (the flake itself, --override-input PATH)


def _git(args: list[str], cwd: str) -> str | None:
    """git's output, or None when git fails (or is not installed)."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def git_top(path: str) -> str | None:
    """The top of the git work tree holding ``path``, if any."""
    if not os.path.isdir(path):
        return None
    top = _git(["rev-parse", "--show-toplevel"], path)
    return os.path.realpath(top.strip()) if top else None


def _tracked_filter(top: str) -> tuple[Callable[[str, str], bool], set[str]]:
    """Accepts what ``git ls-files`` lists and the directories above it."""
    listed = _git(["ls-files", "-z"], top)
    if listed is None:
        raise FlakeError(f"cannot list the files git tracks in '{top}' (is git installed?)")
    files = {f for f in listed.split("\0") if f}
    keep = set(files)
    for f in files:
        parts = f.split("/")
        keep.update("/".join(parts[:i]) for i in range(1, len(parts)))
    prefix = len(top) + 1

    def accept(path: str, _type: str) -> bool:
        return path[prefix:] in keep

    return accept, files


def _copy(state: EvalState, path: str, accept: Callable[[str, str], bool] | None,
          shown: bool, left_out: Callable[[str], str] | None = None) -> tuple[str, str]:
    """(store path, SRI NAR hash) of ``path`` copied under the name ``source``."""
    try:
        digest = store.nar_hash(path, accept).digest
    except (OSError, store.StoreError) as e:
        raise FlakeError(f"cannot copy '{path}': {e}") from None
    sp = store.make_fixed_output_path(SOURCE_NAME, "recursive", "sha256", digest,
                                      store_dir=state.store_dir)
    store_objects(state).sources[sp] = SourceCopy(path, accept, shown, left_out)
    return sp, store.Hash("sha256", digest).to_string("sri")


def _max_mtime(path: str) -> int:
    """Nix's path fetcher: the newest modification time in the tree."""
    newest = int(os.lstat(path).st_mtime)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            newest = max(newest, int(os.lstat(os.path.join(dirpath, name)).st_mtime))
    return newest


def local_source(state: EvalState, path: str, as_path: bool = False,
                 shown: bool = False) -> SourceInfo:
    """A local directory as Nix fetches it: inside a git work tree (unless
    ``as_path``, a ``path:`` reference) the repository's tracked files with its
    revision, otherwise every file. ``shown``: positions in its files name
    them in the directory (the flake's own files, which the user edits)."""
    path = os.path.realpath(path)
    top = None if as_path else git_top(path)
    if top is None:
        sp, nar = _copy(state, path, None, shown)
        modified = _max_mtime(path)
        return SourceInfo(sp, nar, {"lastModified": modified})
    accept, files = _tracked_filter(top)
    subdir = os.path.relpath(path, top)
    subdir = "" if subdir == "." else subdir
    flake_nix = os.path.join(subdir, "flake.nix") if subdir else "flake.nix"
    if os.path.exists(os.path.join(path, "flake.nix")) and flake_nix not in files:
        raise FlakeError(f"'{os.path.join(path, 'flake.nix')}' is not tracked by git, and Nix "
                         f"copies only the files git tracks: run `git add {flake_nix}`")
    def untracked(rel: str) -> str:  # current Nix's words
        return (f"Path '{rel}' in the repository '{top}' is not tracked by Git; to make it "
                f"visible to Nix, run: git -C {shlex.quote(top)} add {shlex.quote(rel)}")

    sp, nar = _copy(state, top, accept, shown, untracked)
    attrs: dict[str, Any] = {"submodules": False}
    head = _git(["rev-parse", "--verify", "-q", "HEAD"], top)
    status = _git(["status", "--porcelain", "--untracked-files=no"], top)
    if head:
        rev = head.strip()
        commit_time = int((_git(["log", "-1", "--format=%ct", "--no-show-signature", "HEAD"],
                                top) or "0").strip() or 0)
        if status == "":  # untracked files do not make a tree dirty: they are not copied
            count = _git(["rev-list", "--count", "HEAD"], top)
            attrs.update(rev=rev, shortRev=rev[:7], lastModified=commit_time)
            if count:
                attrs["revCount"] = int(count)
        else:
            attrs.update(dirtyRev=rev + "-dirty", dirtyShortRev=rev[:7] + "-dirty",
                         lastModified=commit_time)
    else:
        attrs["lastModified"] = 0
    return SourceInfo(sp, nar, attrs, subdir)


# --------------------------------------------------------------------------
# Locked inputs


def locked_store_path(locked: dict[str, Any], sd: str) -> tuple[str, store.Hash]:
    """The store path a locked input is fetched to: its ``narHash`` as a
    recursive fixed-output path named ``source`` (or the input's ``name``)."""
    nar = locked.get("narHash")
    if not isinstance(nar, str):
        raise FlakeError("the lock gives no narHash")
    try:
        h = store.parse_hash(nar, "sha256")
    except store.StoreError as e:
        raise FlakeError(f"invalid narHash '{nar}': {e}") from None
    name = locked.get("name")
    name = name if isinstance(name, str) else SOURCE_NAME
    return store.make_fixed_output_path(name, "recursive", "sha256", h.digest, store_dir=sd), h


def locked_source(locked: dict[str, Any], sp: str, h: store.Hash) -> SourceInfo:
    """The ``sourceInfo`` of a locked input present at ``sp``."""
    attrs: dict[str, Any] = {}
    if locked.get("type") == "git":
        attrs["submodules"] = bool(locked.get("submodules", False))
    for key in ("rev", "revCount", "lastModified"):
        if key in locked:
            attrs[key] = locked[key]
    if isinstance(attrs.get("rev"), str):
        attrs["shortRev"] = attrs["rev"][:7]
    return SourceInfo(sp, h.to_string("sri"), attrs, str(locked.get("dir", "")))
