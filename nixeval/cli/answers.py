"""The answer cache: ``option``, ``options``, ``lint`` and ``why`` answer at
once when nothing they read has changed.

A run of one of these commands records its inputs (``nixeval.inputs``: every
file read, with its contents' hash; every path looked at, and what it was;
every directory listed; every environment variable read) and what it wrote
(standard output and error, in order) and its exit status. The entry is kept
under a key made of the command line, the working directory, the
environment variables every run depends on (``NIX*``, ``HOME``, ``NO_COLOR``),
whether the outputs are terminals, and nixeval's own code. A later run with
the same key checks each recorded input again (a file whose status is
unchanged is not read again; one whose status changed is hashed) and, if all
are as they were, writes the recorded output and exits with the status,
without loading the evaluator. Anything changed is a miss; the run evaluates
and its entry replaces the old one.

Not kept: runs that read the clock or ran out of memory (``inputs.impure``),
that ended other than 0 or 1, that saw a file change while they ran, or whose
output is over ``_MAX_OUTPUT``. Entries are the keyed, HMAC-verified entries
of ``nixeval.keyed``: a damaged or forged one is a miss. ``NIXEVAL_NO_CACHE=1``
turns the cache off.

This module imports nothing of the evaluator: a hit costs the interpreter's
start-up, one entry read and the checks.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from typing import Any

from .. import __version__, inputs, keyed

COMMANDS = frozenset({"option", "options", "lint", "why"})
_KIND = "answers"
_MAGIC = b"nixeval-answer-1\n"
_MAX_OUTPUT = 16 << 20
_MAX_ENTRY = 64 << 20
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def enabled(argv: list[str]) -> bool:
    return bool(argv) and argv[0] in COMMANDS and \
        os.environ.get("NIXEVAL_NO_CACHE", "") in ("", "0")


def _code_stamp() -> str:
    """nixeval's own code as it is now (each file's name, size and mtime), so
    an edited or upgraded nixeval never answers from an old one's entries."""
    h = hashlib.sha256(f"{__version__} {sys.version}".encode())
    for root, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            h.update(f"{os.path.relpath(path, _PACKAGE)}\0{st.st_size}\0{st.st_mtime_ns}\0"
                     .encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def key(argv: list[str]) -> str:
    h = hashlib.sha256(_code_stamp().encode())
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    env = sorted((k, v) for k, v in os.environ.items()
                 if k.startswith("NIX") or k in ("HOME", "NO_COLOR"))
    ttys = [os.isatty(fd) for fd in (1, 2)]
    h.update(repr((argv, cwd, env, ttys)).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


# checking the inputs recorded ---------------------------------------------------


def _unchanged(entry: dict[str, Any]) -> bool:
    for name, value in entry["env"]:
        if os.environ.get(name) != value:
            return False
    for path, seen in entry["looked"]:
        if inputs.observe(path) != seen:
            return False
    for path, entries in entry["listed"]:
        if inputs.listing(path) != entries:
            return False
    for path, sig, digest in entry["read"]:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if inputs.signature(st) != sig and inputs.digest(path) != digest:
            return False
    return True


def lookup(argv: list[str]) -> tuple[int, list[tuple[int, bytes]]] | None:
    """The recorded exit status and output of this command, if its entry is
    valid and everything it read is as it was; None otherwise."""
    payload = keyed.read_entry(_KIND, key(argv), _MAGIC, _MAX_ENTRY)
    if payload is None:
        return None
    try:
        entry = marshal.loads(payload)
        if entry["argv"] != argv or not _unchanged(entry):
            return None
        status, output = entry["status"], entry["output"]
        if type(status) is not int or not all(
                type(fd) is int and fd in (1, 2) and type(data) is bytes
                for fd, data in output):
            return None
    except (ValueError, TypeError, KeyError, EOFError):  # not what this module writes
        return None
    return status, output


# keeping an answer ----------------------------------------------------------------


def store(argv: list[str], status: int, output: list[tuple[int, bytes]],
          record: inputs.Recorder) -> None:
    """Keep this run's answer, if it can be trusted to be the same next time."""
    if record.impure is not None or status not in (0, 1):
        return
    if sum(len(data) for _, data in output) > _MAX_OUTPUT:
        return
    read = []
    for path, sig in record.read.items():
        digest = inputs.digest(path)
        try:
            now = inputs.signature(os.stat(path))
        except OSError:
            return
        if digest is None or now != sig:
            return  # changed since it was read: this answer may be of neither version
        read.append((path, sig, digest))
    entry = {
        "argv": argv, "status": status, "output": output, "read": read,
        "env": list(record.env.items()), "looked": list(record.looked.items()),
        "listed": list(record.listed.items()),
    }
    keyed.write_entry(_KIND, key(argv), _MAGIC, marshal.dumps(entry))


def ignored() -> tuple[str, ...]:
    """What a recorder leaves out: nixeval's own cache directory."""
    return (keyed.cache_root() + os.sep,)
