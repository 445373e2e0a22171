"""What compiling a file did that is visible to evaluation, kept on disk.

A file's parts are compiled when first evaluated (``Compiler(deferred=True)``),
which leaves most of a large tree (the ``config`` of a disabled module, lib's
unused functions) uncompiled. Compiling the whole file at once has two effects
that deferring would move or lose: it interns every name in the tree in its
order (Nix's symbol order, which decides the order a set's attributes are
forced in), and it reports an undefined variable anywhere in the file before
anything runs (a parse-time error in Nix). So a file is compiled whole the
first time; if that succeeds, the names it interned are kept here, keyed by
the file's text, the compiler and the names of the base environment. Later
runs intern those names first and defer the rest, as exactly as before.

An entry is a ``keyed`` cache entry (HMAC-checked, written whole): a damaged,
forged or foreign one is a miss, and the file is compiled whole again.
"""

from __future__ import annotations

import hashlib
import marshal

from .. import __version__
from ..files import read_beside
from ..keyed import read_entry, write_entry
from ..syntax import cache as parse_cache

_MAGIC = b"nixeval-compile-facts-1\n"
_KIND = "compile"
_compiler_hash: str | None = None


def key_for(text: str, pipe_operators: bool, base_names: str) -> str | None:
    if not parse_cache.enabled():
        return None
    global _compiler_hash
    if _compiler_hash is None:
        h = hashlib.sha256(__version__.encode())
        for name in ("compiler.py", "compile_facts.py"):
            h.update(read_beside(__file__, name))
        _compiler_hash = h.hexdigest()
    h = hashlib.sha256(parse_cache.key_for(text, pipe_operators).encode())
    h.update(_compiler_hash.encode())
    h.update(base_names.encode())
    return h.hexdigest()


def load(key: str, text_length: int) -> list[str] | None:
    """The names compiling the file interned, in order; None on any fault."""
    payload = read_entry(_KIND, key, _MAGIC, 64 * text_length + 4096)
    if payload is None:
        return None
    try:
        names = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if type(names) is not list or not all(type(n) is str for n in names):
        return None
    return names


def store(key: str, names: list[str]) -> None:
    write_entry(_KIND, key, _MAGIC, marshal.dumps(names))
