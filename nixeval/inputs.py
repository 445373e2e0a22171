"""What a run read from outside itself: the inputs an answer is valid for.

The answer cache (``cli/answers.py``) keeps a command's output together with
the inputs it was computed from, and answers a later run from it only if each
input is as it was. So every layer reports here what it takes from the world:
files read (``read``, from the one opener of regular files), directories
listed (``listed``), paths whose existence or kind was looked at (the query
functions below, used in place of ``os.path.exists`` and its kin),
environment variables (``env``), and what can never be recorded (``impure``:
the clock, a download, a machine's memory running out).

Nothing is recorded unless a recorder is installed (``recording``); the
queries then cost one check of a module global.

Unsaved editor buffers (``nixeval.api``'s overlays) live here too, below
every layer: a file's contents as the editor holds them replace the disk's
for every read (``files.open_regular``) and every look, so a buffer for a
file not yet saved makes it exist.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from . import readlog

# a path's kind as lstat and stat see it, and a link's target
Observation = tuple[str, str | None, str]
Listing = tuple[tuple[str, str], ...]
# a file's status as read: size, mtime_ns, ctime_ns, inode
Signature = tuple[int, int, int, int]


def file_type(mode: int) -> str:
    """A file's type as Nix names it (``readFileType``, ``readDir``, path filters)."""
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "unknown"


# absolute path -> contents, in place of the file's on disk
_overlays: dict[str, bytes] = {}


def overlay(path: str | os.PathLike[str]) -> bytes | None:
    """The unsaved contents that stand for the file ``path``, if any."""
    if not _overlays:
        return None
    return _overlays.get(os.path.abspath(os.fspath(path)))


@contextmanager
def overlaid(buffers: dict[str, bytes]) -> Iterator[None]:
    """Reads and looks in the block see ``buffers`` (absolute paths) in place
    of the files on disk; those in effect before are back after it."""
    global _overlays
    before = _overlays
    _overlays = buffers
    try:
        yield
    finally:
        _overlays = before


def observe(path: str) -> Observation:
    """What a look at ``path`` can learn: its own kind (``missing`` if it is
    not there), a link's target, and the kind of what it leads to."""
    if overlay(path) is not None:
        return ("regular", None, "regular")
    try:
        own = file_type(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return ("missing", None, "missing")
    if own != "symlink":
        return (own, None, own)
    try:
        target: str | None = os.readlink(path)
    except OSError:
        target = None
    try:
        followed = file_type(os.stat(path).st_mode)
    except (OSError, ValueError):
        followed = "missing"
    return (own, target, followed)


def listing(path: str) -> Listing | None:
    """A directory's entries with their own kinds, sorted; None if it can't be read."""
    try:
        with os.scandir(path) as it:
            return tuple(sorted((e.name, file_type(e.stat(follow_symlinks=False).st_mode))
                                for e in it))
    except OSError:
        return None


def signature(st: os.stat_result) -> Signature:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def digest(path: str) -> str | None:
    """The SHA-256 of a regular file's contents (None: not one, or unreadable).
    Opened without blocking, so a FIFO put in a file's place is no wait."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    h = hashlib.sha256()
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return h.hexdigest()


class Recorder:
    """The inputs of one run, as they were when first used. A path seen two
    ways in one run (a file changed while it was read) makes the run impure:
    no single state of the world produced its answer."""

    def __init__(self, ignored: tuple[str, ...] = (), outer: Recorder | None = None) -> None:
        self.ignored = ignored  # prefixes of nixeval's own files (its caches)
        # a recording in force when this one began (the answer cache's around a
        # session's): it is told everything too
        self.outer = outer
        self.looked: dict[str, Observation] = {}
        self.read: dict[str, Signature] = {}
        self.buffers: set[str] = set()  # files whose overlay was read
        self.listed: dict[str, Listing | None] = {}
        self.env: dict[str, str | None] = {}
        self.impure: str | None = None

    def _skip(self, path: str) -> bool:
        return path.startswith(self.ignored) if self.ignored else False

    def note_look(self, path: str, seen: Observation) -> None:
        if self.outer is not None:
            self.outer.note_look(path, seen)
        if self._skip(path):
            return
        if self.looked.setdefault(path, seen) != seen:
            self.note_impure(f"'{path}' changed during the run")

    def note_read(self, path: str, sig: Signature) -> None:
        if self.outer is not None:
            self.outer.note_read(path, sig)
        if self._skip(path):
            return
        if self.read.setdefault(path, sig) != sig:
            self.note_impure(f"'{path}' changed during the run")

    def note_buffer(self, path: str) -> None:
        if self.outer is not None:
            self.outer.note_buffer(path)
        self.buffers.add(path)
        self.note_impure(f"'{path}' is an unsaved buffer")  # no disk state to check

    def note_listing(self, path: str) -> None:
        if self.outer is not None:
            self.outer.note_listing(path)
        if self._skip(path) or path in self.listed:
            return
        self.listed[path] = listing(path)

    def note_env(self, name: str, value: str | None) -> None:
        if self.outer is not None:
            self.outer.note_env(name, value)
        self.env.setdefault(name, value)

    def note_impure(self, why: str) -> None:
        if self.outer is not None:
            self.outer.note_impure(why)
        if self.impure is None:
            self.impure = why


recorder: Recorder | None = None


@contextmanager
def recording(ignored: tuple[str, ...] = (), into: Recorder | None = None
              ) -> Iterator[Recorder]:
    """Record the inputs of the block (``into`` an existing record, to add a
    later question's to it); a recording in force goes on seeing them."""
    global recorder
    before = recorder
    this = into if into is not None else Recorder(ignored)
    this.outer = before
    recorder = this
    try:
        yield this
    finally:
        this.outer = None
        recorder = before


def read(path: str | os.PathLike[str], st: os.stat_result) -> None:
    """A regular file's contents were read (``st``: its status when opened)."""
    if readlog.LOG is not None:
        readlog.note_file(os.path.abspath(os.fspath(path)))
    if recorder is not None:
        recorder.note_read(os.path.abspath(os.fspath(path)), signature(st))


def listed(path: str) -> None:
    """A directory's entries were read."""
    if readlog.LOG is not None:
        readlog.note_file(os.path.abspath(path))
    if recorder is not None:
        recorder.note_listing(os.path.abspath(path))


def read_buffer(path: str | os.PathLike[str]) -> None:
    """An overlay (an unsaved buffer) was read in place of a file."""
    if readlog.LOG is not None:
        readlog.note_file(os.path.abspath(os.fspath(path)))
    if recorder is not None:
        recorder.note_buffer(os.path.abspath(os.fspath(path)))


def env(name: str) -> str | None:
    """An environment variable's value, recorded."""
    value = os.environ.get(name)
    if recorder is not None:
        recorder.note_env(name, value)
    return value


def impure(why: str) -> None:
    """The run used something no record can check (the clock, the network,
    the machine's memory): its answer is not kept."""
    readlog.note(readlog.IMPURE)
    if recorder is not None:
        recorder.note_impure(why)


def look(path: str | os.PathLike[str]) -> Observation:
    """Look at a path (and record what was seen)."""
    p = os.fspath(path)
    seen = observe(p)
    if readlog.LOG is not None:
        readlog.note_file(os.path.abspath(p))
    if recorder is not None and overlay(p) is not None:
        # no disk state to check for the answer cache; for the read log an
        # overlay is a file like another (its path is logged above)
        recorder.note_impure(f"'{p}' is an unsaved buffer")
    elif recorder is not None:
        recorder.note_look(os.path.abspath(p), seen)
    return seen


# os.path's questions, answered from one recorded look
def lexists(path: str | os.PathLike[str]) -> bool:
    if recorder is None and not _overlays and readlog.LOG is None:
        return os.path.lexists(path)
    return look(path)[0] != "missing"


def exists(path: str | os.PathLike[str]) -> bool:
    if recorder is None and not _overlays and readlog.LOG is None:
        return os.path.exists(path)
    return look(path)[2] != "missing"


def isdir(path: str | os.PathLike[str]) -> bool:
    if recorder is None and not _overlays and readlog.LOG is None:
        return os.path.isdir(path)
    return look(path)[2] == "directory"


def isfile(path: str | os.PathLike[str]) -> bool:
    if recorder is None and not _overlays and readlog.LOG is None:
        return os.path.isfile(path)
    return look(path)[2] == "regular"


def islink(path: str | os.PathLike[str]) -> bool:
    if recorder is None and not _overlays and readlog.LOG is None:
        return os.path.islink(path)
    return look(path)[0] == "symlink"
