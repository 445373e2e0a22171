"""On-disk cache of parsed files, keyed by content hash, nixeval version and parser.

Set ``NIXEVAL_NO_PARSE_CACHE=1`` to disable the cache and ``NIXEVAL_CACHE_DIR``
to move it.

An entry holds the tree column by column, in marshal's format: the nodes
grouped by class, and for each class one list per field. Loading creates every
node empty and then fills each field of a whole class with one ``map`` over
the slot's setter, so no Python code runs per node. (Unpickling runs Python
code for every node, attrs' ``__setstate__`` or ``__init__``: the pickled
entries this replaced loaded between two and three times slower.) The
``Source`` is not stored; the loaded nodes point at the live one.

Anything wrong with an entry (truncated, corrupt, from another parser or
Python) makes it a miss; the file is parsed again and the entry rewritten.
A checksum is verified before marshal reads a byte of it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import marshal
import os
import sys
import tempfile
import zlib
from collections import deque
from itertools import chain, islice, repeat
from pathlib import Path

import attrs

from .. import __version__
from . import ast
from .source import Source

_MAGIC = b"nixeval-ast-2\n"
_fingerprint: str | None = None

# the concrete node classes, and the fields each sets after src, start and end
_CLASSES: dict[str, type[ast.Node]] = {
    cls.__name__: cls for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.Node) and cls is not ast.Node
}
_FIELDS: dict[type[ast.Node], tuple[str, ...]] = {
    cls: tuple(f.name for f in attrs.fields(cls))[3:] for cls in _CLASSES.values()
}
_SETTERS = {cls: [getattr(cls, name).__set__ for name in names]
            for cls, names in _FIELDS.items()}
_KINDS = tuple(ast.AttrKind)

# how a column is stored: as is (strings, numbers, None, tuples of names); a
# node (or None) as its index in the pool; tuples holding nodes as their
# lengths and their items' pool indices; an AttrKind as an int
_PLAIN, _NODE, _TUPLE, _KIND = range(4)


def enabled() -> bool:
    return os.environ.get("NIXEVAL_NO_PARSE_CACHE", "") in ("", "0")


def cache_dir(kind: str = "parse") -> str:
    """Where entries of one kind live (``parse``; ``fingerprint``)."""
    return os.path.join(os.environ.get("NIXEVAL_CACHE_DIR") or _default_dir(), kind)


@functools.cache
def _default_dir() -> str:
    import platformdirs

    return platformdirs.user_cache_dir("nixeval")


def _parser_fingerprint() -> str:
    """A hash of the grammar, the modules that build and store trees, and the
    Python: a changed parser must never trust entries written by an old one,
    even at the same version, and marshal's format belongs to the Python."""
    global _fingerprint
    if _fingerprint is None:
        here = Path(__file__).parent
        h = hashlib.sha256(f"{__version__} {sys.version_info[:2]} {marshal.version}".encode())
        for name in ("nix.lark", "lexer.py", "parser.py", "builder.py", "precedence.py",
                     "ast.py", "cache.py"):
            h.update((here / name).read_bytes())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


def key_for(text: str, pipe_operators: bool) -> str:
    h = hashlib.sha256(_parser_fingerprint().encode())
    h.update(b"\x01" if pipe_operators else b"\x00")
    h.update(text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def load(source: Source, key: str) -> ast.Node | None:
    # os-level calls: open() would add a buffered reader and three system calls
    try:
        fd = os.open(os.path.join(cache_dir(), key[:2], key), os.O_RDONLY)
    except OSError:
        return None
    try:
        data = os.read(fd, os.fstat(fd).st_size)
    except OSError:
        return None
    finally:
        os.close(fd)
    header = _MAGIC + key.encode() + b"\n"
    start = len(header) + 4
    payload = memoryview(data)[start:]
    if not data.startswith(header) or (
            int.from_bytes(data[start - 4:start], "little") != zlib.crc32(payload)):
        return None
    # the loaded tree is new and acyclic: collections would only retrace it
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        node = _decode(payload, source)
    except Exception:
        return None
    finally:
        if gc_was_enabled:
            gc.enable()
    return node if isinstance(node, ast.Node) else None


def store(source: Source, key: str, node: ast.Node) -> None:
    try:
        payload = _encode(node, source)
    except (ValueError, TypeError, KeyError):
        return  # not a tree this format can hold; parsing again next time is fine
    header = _MAGIC + key.encode() + b"\n"
    directory = os.path.join(cache_dir(), key[:2])
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    except OSError:
        return  # a read-only cache directory only costs speed
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(zlib.crc32(payload).to_bytes(4, "little"))
            f.write(payload)
        os.replace(tmp, os.path.join(directory, key))
    except OSError:
        with contextlib.suppress(OSError):  # a full disk: leave no partial file behind
            os.unlink(tmp)


def _encode(root: ast.Node, source: Source) -> bytes:
    # every node, grouped by class; the pool index of a node is its place in
    # that order, followed by None and then the names used in attribute paths
    by_class: dict[type[ast.Node], list[ast.Node]] = {}
    todo = [root]
    while todo:
        node = todo.pop()
        if node.src is not source:
            raise ValueError("a node from another source")
        cls = type(node)
        by_class.setdefault(cls, []).append(node)
        for name in _FIELDS[cls]:
            value = getattr(node, name)
            if isinstance(value, ast.Node):
                todo.append(value)
            elif type(value) is tuple:
                todo.extend(x for x in value if isinstance(x, ast.Node))
    order = [node for nodes in by_class.values() for node in nodes]
    index = {id(node): i for i, node in enumerate(order)}
    none = len(order)
    names: dict[str, int] = {}
    # equal strings, offsets and tuples of names, stored (and loaded) once
    interned: dict[object, object] = {}

    def intern(v: object) -> object:
        if (type(v) is str or type(v) is int
                or (type(v) is tuple and all(type(x) is str for x in v))):
            return interned.setdefault(v, v)
        return v

    def item(x: object) -> int:
        if isinstance(x, ast.Node):
            return index[id(x)]
        if type(x) is not str:
            raise TypeError(f"unexpected {type(x).__name__} in a tuple field")
        return names.setdefault(x, none + 1 + len(names))

    groups = []
    for cls, nodes in by_class.items():
        columns = []
        for name in _FIELDS[cls]:
            values = [getattr(node, name) for node in nodes]
            if any(isinstance(v, ast.Node) for v in values):
                column = (_NODE, [none if v is None else index[id(v)] for v in values], None)
            elif any(type(v) is tuple and any(isinstance(x, ast.Node) for x in v)
                     for v in values):
                column = (_TUPLE, list(map(len, values)), [item(x) for v in values for x in v])
            elif any(isinstance(v, ast.AttrKind) for v in values):
                column = (_KIND, list(map(int, values)), None)
            else:  # strings, numbers, None, and tuples of names
                column = (_PLAIN, [intern(v) for v in values], None)
            columns.append(column)
        groups.append(columns)
    return marshal.dumps((
        index[id(root)],
        [cls.__name__ for cls in by_class],
        [len(nodes) for nodes in by_class.values()],
        groups,
        # nodes often share offsets (a call and its function start together):
        # the same int object repeated is stored, and loaded, once
        [intern(node.start) for node in order],
        [intern(node.end) for node in order],
        list(names),
    ))


_new = object.__new__
_set_src = ast.Node.src.__set__
_set_start = ast.Node.start.__set__
_set_end = ast.Node.end.__set__
_consume = deque(maxlen=0).extend  # runs a map to its end, in C


def _decode(payload: memoryview, source: Source) -> object:
    root, classes, counts, groups, starts, ends, names = marshal.loads(payload)
    classes = list(map(_CLASSES.__getitem__, classes))
    pool: list = list(map(_new, chain.from_iterable(map(repeat, classes, counts))))
    nodes = len(pool)
    if not len(starts) == len(ends) == nodes:
        raise ValueError("inconsistent entry")
    pool.append(None)
    pool += names
    get = pool.__getitem__
    _consume(map(_set_src, pool, repeat(source, nodes)))
    _consume(map(_set_start, pool, starts))
    _consume(map(_set_end, pool, ends))
    at = 0
    for cls, count, columns in zip(classes, counts, groups, strict=True):
        objs = pool[at:at + count]
        at += count
        for setter, (kind, data, items) in zip(_SETTERS[cls], columns, strict=True):
            if kind == _PLAIN:
                values = data
            elif kind == _NODE:
                values = map(get, data)
            elif kind == _TUPLE:
                # the tuples' items in one list, cut by their lengths
                if sum(data) != len(items):
                    raise ValueError("inconsistent entry")
                values = map(tuple, map(islice, repeat(map(get, items)), data))
            else:
                values = map(_KINDS.__getitem__, data)
            if len(data) != count:
                raise ValueError("inconsistent entry")
            _consume(map(setter, objs, values))
    return pool[root] if 0 <= root < nodes else None
