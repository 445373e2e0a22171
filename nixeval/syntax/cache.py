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

Anything wrong with an entry (truncated, corrupt, forged, from another
parser or Python) makes it a miss; the file is parsed again and the entry
rewritten. Every entry of the caches in this directory (parsed files here,
the fingerprints of ``fingerprint.py``, the parser tables of ``parser.py``)
carries an HMAC-SHA256 of its header and contents under a per-user secret
kept in the cache directory (``secret``, created on first use, mode 0600):
a checksum catches accidents, the keyed hash catches tampering too, and
it is verified before marshal (or pickle) reads a byte. A verified entry's
structure is still checked (the classes, each field's types, every index in
range, one parent per node) before any node is made from it. Entries are
opened as ``read_source`` opens files: a FIFO or a device in their place
is a miss, never a wait.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import operator
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable
from itertools import chain, islice, repeat
from typing import Any

from .. import __version__
from ..files import read_beside
from ..keyed import read_entry, write_entry
from . import ast
from .records import fields
from .source import Source

_MAGIC = b"nixeval-ast-3\n"
_fingerprint: str | None = None

# the concrete node classes, and the fields each sets after src, start and end
_CLASSES: dict[str, type[ast.Node]] = {
    cls.__name__: cls for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.Node) and cls is not ast.Node
}
_FIELDS: dict[type[ast.Node], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls))[3:] for cls in _CLASSES.values()
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


def _parser_fingerprint() -> str:
    """A hash of the grammar, the modules that build and store trees, and the
    Python: a changed parser must never trust entries written by an old one,
    even at the same version, and marshal's format belongs to the Python."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha256(f"{__version__} {sys.version_info[:2]} {marshal.version}".encode())
        for name in ("nix.lark", "lexer.py", "parser.py", "builder.py", "precedence.py",
                     "ast.py", "records.py", "cache.py"):
            h.update(read_beside(__file__, name))
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


def key_for(text: str, pipe_operators: bool) -> str:
    h = hashlib.sha256(_parser_fingerprint().encode())
    h.update(b"\x01" if pipe_operators else b"\x00")
    h.update(text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


# the parser's tables -----------------------------------------------------------

_TABLES_MAGIC = b"nixeval-tables-1\n"


def _lark_stamp() -> bytes:
    """The installed Lark's ``__init__.py`` (its version), read without importing Lark."""
    import importlib.util

    spec = importlib.util.find_spec("lark")
    if spec is None or spec.origin is None:
        return b""
    with open(spec.origin, "rb") as f:
        return f.read()


def parser_tables(grammar: str, build: Callable[[str], Any]) -> Any:
    """``build(grammar)`` (Lark's analysis of the grammar: the parser's
    tables), kept in a keyed entry as marshal data: a run that parses a file
    then never imports Lark. A damaged entry is rebuilt; marshal, unlike
    pickle, runs no code whatever an entry holds."""
    h = hashlib.sha256("\0".join([_parser_fingerprint(), grammar]).encode())
    h.update(_lark_stamp())
    key = h.hexdigest()
    if enabled():
        payload = read_entry("grammar", key, _TABLES_MAGIC, 64 << 20)
        if payload is not None:
            with contextlib.suppress(Exception):
                tables = marshal.loads(payload)
                if _well_formed_tables(tables):
                    return tables
    tables = build(grammar)
    if enabled():
        write_entry("grammar", key, _TABLES_MAGIC, marshal.dumps(tables))
    return tables


def _well_formed_tables(tables: Any) -> bool:
    rules, states, start, accept = tables
    return (all(type(r[0]) is str and type(r[1]) is int and r[3] >= 0 for r in rules)
            and all(type(sym) is str and (0 <= arg < (len(states) if shift else len(rules)))
                    for actions in states for sym, shift, arg in actions)
            and 0 <= start < len(states) and 0 <= accept < len(states))


# parsed files ---------------------------------------------------------------------


def _entry_limit(source: Source) -> int:
    """The largest entry a file's tree can need (a few bytes per node, at
    most a node or two per character): anything larger is not one."""
    return 64 * len(source.text) + (1 << 16)


def load(source: Source, key: str) -> ast.Node | None:
    """The cached tree of ``source``, or None."""
    return _load(source, key, None)


def load_nodes(source: Source, key: str, cls: type[ast.Node]) -> list[ast.Node] | None:
    """The nodes of class ``cls`` in the cached tree of ``source`` (taken from
    the decoded pool, where each class has its run: no walk), or None."""
    return _load(source, key, cls)


def _load(source: Source, key: str, of_class: type[ast.Node] | None) -> Any:
    payload = read_entry("parse", key, _MAGIC, _entry_limit(source))
    if payload is None:
        return None
    # the loaded tree is new and acyclic: collections would only retrace it
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _decode(payload, source, of_class)
    except Exception:
        return None
    finally:
        if gc_was_enabled:
            gc.enable()


def store(source: Source, key: str, node: ast.Node) -> None:
    try:
        payload = _encode(node, source)
    except (ValueError, TypeError, KeyError):
        return  # not a tree this format can hold; parsing again next time is fine
    write_entry("parse", key, _MAGIC, payload)


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


# What a verified entry may hold, field by field. A scalar field: the types
# of its values. A field of nodes: which nodes (any expression, or one class)
# and whether None. A tuple field: which nodes its items are, and whether
# names (strings) too. "Node" means an expression: the nodes that only exist
# inside others (attribute definitions, formals, an ``inherit (e)`` source)
# can't stand where an expression is compiled.
#
# Nodes are checked by index, cheaply: the pool holds each class once, in
# one run of indices, so "an AttrDef" is "an index in AttrDef's run". A
# field of any expression is only checked to hold nodes; that no
# non-expression is among them follows from counting: the tree check gives
# every node one parent, and each non-expression is accounted for by the one
# field it belongs in (the AttrDefs by the ``attrs`` of sets, …; the
# ``InheritFrom`` nodes by ``_check_inherits``).
_NOT_EXPRESSIONS = frozenset({ast.AttrDef, ast.DynAttr, ast.Formal, ast.Formals,
                              ast.InheritFrom})
_SCALARS = {"int": int, "float": float, "str": str, "bool": bool, "None": type(None)}
# the operators the parser makes BinOp nodes of (precedence.py, as the lexer spells them)
_BINARY_OPS = frozenset({"->", "||", "&&", "==", "!=", "<", ">", "<=", ">=", "//", "+", "-",
                         "*", "/", "++"})
_NONE = frozenset({type(None)})
_TUPLE_TYPES = frozenset({tuple})
_STR = frozenset({str})
_NO_TYPES: frozenset[type] = frozenset()


# A field's spec: (how it is stored where it holds nodes: _PLAIN for a
# scalar, _NODE, _TUPLE or _KIND; a scalar's types; the class of the nodes
# it holds, None for any expression; whether None (a node field) or names (a
# tuple field) may be among them).
_Spec = tuple[int, frozenset[type], "type | None", bool]


def _field_spec(cls: type[ast.Node], name: str) -> _Spec:
    annotation = next(f.type for f in fields(cls) if f.name == name)
    if annotation.startswith("tuple[") and annotation.endswith(", ...]"):
        item = annotation[6:-6]
        if item in ("Node", "AttrName"):
            return _TUPLE, _NO_TYPES, None, item == "AttrName"
        return _TUPLE, _NO_TYPES, _CLASSES[item], False
    parts = annotation.split(" | ")
    optional = "None" in parts
    classes = [part for part in parts if part != "None"]
    if classes == ["Node"]:
        return _NODE, _NONE if optional else _NO_TYPES, None, optional
    if len(classes) == 1 and classes[0] in _CLASSES:
        return _NODE, _NONE if optional else _NO_TYPES, _CLASSES[classes[0]], optional
    if parts == ["AttrKind"]:
        return _KIND, _NO_TYPES, None, False
    if all(part in _SCALARS for part in parts):
        types = frozenset(_SCALARS[part] for part in parts)
        return _PLAIN, _STR if types == _STR else types, None, False
    raise TypeError(f"cache.py can't check {cls.__name__}.{name}: {annotation}")


_SPECS = {cls: [_field_spec(cls, name) for name in names] for cls, names in _FIELDS.items()}
# each non-expression but InheritFrom is held by fields of its own class
_HOLDERS = {spec[2] for specs in _SPECS.values() for spec in specs
            if spec[2] in _NOT_EXPRESSIONS}
if _HOLDERS | {ast.InheritFrom} != _NOT_EXPRESSIONS:
    raise TypeError("cache.py: a node class no field holds by name")


def _ints_in(values: list, low: int, high: int) -> bool:
    """Every value an int in [low, high) (``sum`` of ints is an int: any
    float, complex or other number among them shows)."""
    return not values or (type(sum(values)) is int and min(values) >= low
                          and max(values) < high)


def _in(indices: list, low: int, high: int) -> bool:
    """Every index in [low, high); that they are ints, ``pool.__getitem__``
    checks as it takes them."""
    return not indices or (min(indices) >= low and max(indices) < high)


def _no_nul(strings: Iterable[str]) -> None:
    """No NUL among the characters: the lexer refuses one anywhere in a file,
    and a path holding one fails in the OS's calls, not as a Nix error."""
    if "\0" in "".join(strings):  # a TypeError too, unless all are strings
        raise ValueError("ill-typed entry")


# the largest integer literal the lexer accepts (a negative one is a Neg)
_MAX_INT = (1 << 63) - 1

# what the field types don't say, column by column: the operators the parser
# makes, offsets inside the text, attribute paths that name something, integer
# literals in Nix's range (printing one of 5,000 digits would be a Python
# error), an interpolated path starting with its literal part
_EXTRA: dict[tuple[type, str], Callable[[list, int], bool]] = {
    (ast.BinOp, "op"): lambda values, size: set(values) <= _BINARY_OPS,
    (ast.BinOp, "op_start"): lambda values, size: _ints_in(values, 0, size),
    (ast.Select, "path"): lambda values, size: all(values),
    (ast.HasAttr, "path"): lambda values, size: all(values),
    (ast.Int, "value"): lambda values, size: _ints_in(values, 0, _MAX_INT + 1),
    (ast.PathInterp, "parts"): lambda values, size: all(
        parts and type(parts[0]) is ast.Path for parts in values),
}
# the nodes whose items must have names distinct among siblings (the builder
# rejects a duplicate; the compiler's slots assume none)
_UNIQUE_NAMES = frozenset({(ast.Attrs, "attrs"), (ast.Formals, "formals")})
_UNIQUES = {cls: [(cls, name) in _UNIQUE_NAMES for name in names]
            for cls, names in _FIELDS.items()}
_name_of = operator.attrgetter("name")
_EXTRAS = {cls: [_EXTRA.get((cls, name)) for name in names] for cls, names in _FIELDS.items()}


def _decode(payload: memoryview, source: Source, of_class: type[ast.Node] | None = None) -> Any:
    """The tree of a verified entry (with ``of_class``, its nodes of that
    class), or ValueError (TypeError, KeyError, IndexError) where it is not
    one the encoder could have written: a miss, never a tree that would fail
    later."""
    root, classes, counts, groups, starts, ends, names = marshal.loads(payload)
    if not (type(classes) is type(counts) is type(groups) is type(starts) is type(ends)
            is type(names) is list and type(root) is int):
        raise ValueError("malformed entry")
    classes = list(map(_CLASSES.__getitem__, classes))
    if len(set(classes)) != len(classes) or not _ints_in(counts, 0, len(payload) + 1):
        raise ValueError("malformed entry")
    nodes = sum(counts)
    size = len(source.text) + 1
    if nodes > len(payload) or not len(starts) == len(ends) == nodes \
            or not 0 <= root < nodes or not set(map(type, names)) <= _STR \
            or not _ints_in(starts, 0, size) or not _ints_in(ends, 0, size):
        raise ValueError("inconsistent entry")
    _no_nul(names)
    runs: dict[type, tuple[int, int]] = {}  # each class's run of indices in the pool
    at = 0
    for cls, count in zip(classes, counts, strict=True):
        runs[cls] = (at, at + count)
        at += count
    pool: list = list(map(_new, chain.from_iterable(map(repeat, classes, counts))))
    if type(pool[root]) in _NOT_EXPRESSIONS:
        raise ValueError("inconsistent entry")
    pool.append(None)
    pool += names
    get = pool.__getitem__
    _consume(map(_set_src, pool, repeat(source, nodes)))
    _consume(map(_set_start, pool, starts))
    _consume(map(_set_end, pool, ends))
    seen: set[int] = set()  # the nodes referred to
    refs = 0  # references to nodes
    held = dict.fromkeys(_HOLDERS, 0)  # references to each non-expression class
    inherited_from = 0
    named: list[tuple[list, list]] = []  # (lengths, items) of tuples of named nodes
    at = 0
    for cls, count, columns in zip(classes, counts, groups, strict=True):
        objs = pool[at:at + count]
        at += count
        for setter, (field, types, target, optional), extra, unique, (kind, data, items) in zip(
                _SETTERS[cls], _SPECS[cls], _EXTRAS[cls], _UNIQUES[cls], columns, strict=True):
            if type(data) is not list or len(data) != count:
                raise ValueError("inconsistent entry")
            if kind == _PLAIN:
                # scalars; or, where nodes would go, only None or empty tuples
                # (of names, where a path allows them)
                if types is _STR:
                    _no_nul(data)  # a TypeError unless all are strings; fast
                elif field == _TUPLE:
                    if not set(map(type, data)) <= _TUPLE_TYPES:
                        raise ValueError("ill-typed entry")
                    names_only = chain.from_iterable(data)
                    if optional:
                        _no_nul(names_only)
                    elif any(True for _ in names_only):  # no item at all
                        raise ValueError("ill-typed entry")
                elif not set(map(type, data)) <= types:
                    raise ValueError("ill-typed entry")
                elif str in types:  # a name or None
                    _no_nul(v for v in data if v is not None)
                values = data
            elif kind != field:
                raise ValueError("inconsistent entry")
            elif kind == _NODE:
                if target is None:  # any expression, or None where optional
                    if not _in(data, 0, nodes + optional):
                        raise ValueError("inconsistent entry")
                    seen.update(data)
                    refs += count - data.count(nodes) if optional else count
                else:
                    some = list(filter(nodes.__ne__, data)) if optional else data
                    low, high = runs.get(target, (0, 0))
                    if not _in(some, low, high):
                        raise ValueError("inconsistent entry")
                    seen.update(some)
                    refs += len(some)
                    if target in held:
                        held[target] += len(some)
                values = map(get, data)
            elif kind == _TUPLE:
                # the tuples' items in one list, cut by their lengths (islice
                # takes only ints, and none below 0)
                if type(items) is not list or sum(data) != len(items):
                    raise ValueError("inconsistent entry")
                if optional:  # a path: nodes, and names past None
                    if not _in(items, 0, len(pool)) or nodes in items:
                        raise ValueError("inconsistent entry")
                    some = list(filter(nodes.__gt__, items))
                    seen.update(some)
                    refs += len(some)
                else:
                    low, high = (0, nodes) if target is None else runs.get(target, (0, 0))
                    if not _in(items, low, high):
                        raise ValueError("inconsistent entry")
                    seen.update(items)
                    refs += len(items)
                    if target in held:
                        held[target] += len(items)
                    if unique:
                        named.append((data, items))
                values = map(tuple, map(islice, repeat(map(get, items)), data))
            elif kind == _KIND:
                # the kinds by number (an index from the end would name one too)
                if min(data, default=0) < 0:
                    raise ValueError("inconsistent entry")
                inherited_from += data.count(ast.AttrKind.INHERITED_FROM)
                values = map(_KINDS.__getitem__, data)
            else:
                raise ValueError("inconsistent entry")
            if extra is not None:
                values = list(values)
                if not extra(values, size):
                    raise ValueError("inconsistent entry")
            _consume(map(setter, objs, values))
    # a tree: every node but the root has exactly one parent, so no node is
    # shared and no cycle can be reached from the root (None, index
    # ``nodes``, may be referred to any number of times)
    if root in seen or not refs == len(seen) - (nodes in seen) == nodes - 1:
        raise ValueError("not a tree")
    # each non-expression where it belongs, and so nowhere else
    for cls, count in held.items():
        low, high = runs.get(cls, (0, 0))
        if count != high - low:
            raise ValueError("inconsistent entry")
    _check_inherits(pool, runs, inherited_from)
    # no two attributes of a set (formals of a function) of the same name: the
    # pairs (which tuple, name) are as many as the items
    for lengths, items in named:
        owners = chain.from_iterable(map(repeat, range(len(lengths)), lengths))
        if len(set(zip(owners, map(_name_of, map(get, items)), strict=True))) != len(items):
            raise ValueError("duplicate names")
    if of_class is not None:
        low, high = runs.get(of_class, (0, 0))
        return pool[low:high]
    return pool[root]


def _check_inherits(pool: list, runs: dict[type, tuple[int, int]],
                    inherited_from: int) -> None:
    """Each ``inherit (e) x`` source where the builder puts it: as the
    ``Select`` of an inherited attribute, inside its own set, within the
    set's sources (each ``InheritFrom`` has one parent, so counting them
    shows none is elsewhere)."""
    low, high = runs.get(ast.InheritFrom, (0, 0))
    if high - low != inherited_from:
        raise ValueError("inherit sources out of place")
    if not inherited_from:
        return
    found = 0
    low, high = runs.get(ast.Attrs, (0, 0))
    for attrset in pool[low:high]:
        if not attrset.inherit_from:
            continue
        for d in attrset.attrs:
            if d.kind is ast.AttrKind.INHERITED_FROM:
                value = d.value
                if not (type(value) is ast.Select and type(value.expr) is ast.InheritFrom
                        and value.default is None and len(value.path) == 1
                        and 0 <= value.expr.index < len(attrset.inherit_from)):
                    raise ValueError("inherit source out of place")
                found += 1
    if found != inherited_from:
        raise ValueError("inherit sources out of place")
