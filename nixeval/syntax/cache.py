"""On-disk cache of parsed files, keyed by content hash, nixeval version and parser.

An entry is a pickle of the AST in which the ``Source`` object is replaced by
a reference, so the text is not stored twice and the loaded nodes point at the
live source. Anything wrong with an entry (truncated, corrupt, from another
parser) makes it a miss; the file is parsed again and the entry rewritten.

Set ``NIXEVAL_NO_PARSE_CACHE=1`` to disable the cache and ``NIXEVAL_CACHE_DIR``
to move it.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path

from .. import __version__
from . import ast
from .source import Source

_MAGIC = b"nixeval-ast-1\n"
_SOURCE_REF = "source"
_fingerprint: str | None = None


def enabled() -> bool:
    return os.environ.get("NIXEVAL_NO_PARSE_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    override = os.environ.get("NIXEVAL_CACHE_DIR")
    if override:
        return Path(override) / "parse"
    import platformdirs

    return Path(platformdirs.user_cache_dir("nixeval")) / "parse"


def _parser_fingerprint() -> str:
    """A hash of the grammar and the modules that build trees: a changed parser
    must never trust entries written by an old one, even at the same version."""
    global _fingerprint
    if _fingerprint is None:
        here = Path(__file__).parent
        h = hashlib.sha256(__version__.encode())
        for name in ("nix.lark", "lexer.py", "builder.py", "precedence.py", "ast.py"):
            h.update((here / name).read_bytes())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


def key_for(text: str, pipe_operators: bool) -> str:
    h = hashlib.sha256(_parser_fingerprint().encode())
    h.update(b"\x01" if pipe_operators else b"\x00")
    h.update(text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


class _Pickler(pickle.Pickler):
    def __init__(self, file, source: Source) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._source = source

    def persistent_id(self, obj):
        return _SOURCE_REF if obj is self._source else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, source: Source) -> None:
        super().__init__(file)
        self._source = source

    def persistent_load(self, pid):
        if pid != _SOURCE_REF:
            raise pickle.UnpicklingError("unknown persistent id")
        return self._source

    def find_class(self, module, name):
        # entries only ever hold AST nodes and their enum; refuse anything else
        if module == ast.__name__ or (module == "builtins" and name in ("tuple", "getattr")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected class {module}.{name}")


def load(source: Source, key: str) -> ast.Node | None:
    path = cache_dir() / key[:2] / key
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = _MAGIC + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    try:
        node = _Unpickler(io.BytesIO(data[len(header):]), source).load()
    except Exception:
        return None
    return node if isinstance(node, ast.Node) else None


def store(source: Source, key: str, node: ast.Node) -> None:
    buf = io.BytesIO()
    buf.write(_MAGIC + key.encode() + b"\n")
    try:
        _Pickler(buf, source).dump(node)
    except RecursionError:
        return  # too deep to pickle; parsing again next time is fine
    directory = cache_dir() / key[:2]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        os.replace(tmp, directory / key)
    except OSError:
        pass  # a read-only or full cache directory only costs speed
