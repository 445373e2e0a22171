"""What a Nix file's exported definitions mean, as a hash that ignores layout.

A file like nixpkgs' ``lib/modules.nix`` is ``{ lib }: let … in { name = …; }``.
The fingerprint of some of its names is a hash of everything their meaning
depends on inside the file: their definitions, and, transitively, the ``let``
and ``rec`` bindings, formal defaults, ``inherit (e)`` sources and ``with``
scopes those reach. Comments, whitespace, positions and the definitions of
other names take no part (the tree's structure is hashed, as the parser
builds it), so a file reformatted, re-documented or extended
with an unrelated function keeps its fingerprint, and any change to what the
named definitions compute changes it. What comes from outside the file
(``lib.foo``, a name under ``with``) is part of it only by name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from .. import keyed
from ..files import read_beside
from . import ast, cache
from .records import fields
from .walk import children

EVERYTHING = "*"


def _result(root: ast.Node) -> ast.Node:
    """The file's result expression under its outer function, ``with``,
    ``let`` and ``assert`` wrappers."""
    body = root
    while isinstance(body, ast.Lambda | ast.With | ast.Let | ast.Assert):
        body = body.body
    return body


def fingerprint(root: ast.Node, names: Iterable[str]) -> str:
    """The hash of what ``names`` of the file's result depend on in the file
    (``EVERYTHING``: the whole result). Where the result's attributes can't
    be told statically, the whole result counts."""
    resolver = _Resolver()
    resolver.visit(root)
    body = _result(root)
    attrs = resolver.exported(body)
    start: list[tuple[str, ast.Node]] = []
    absent = []
    for name in sorted(names):
        if attrs is None or name == EVERYTHING:
            start.append((EVERYTHING, body))
        elif name in attrs:
            start.append((name, attrs[name]))
        else:
            absent.append(name)
    h = hashlib.sha256(("absent:" + ",".join(absent) + "\0").encode())
    for text in sorted(resolver.closure(start)):
        h.update(text.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


_HEX = re.compile(r"[0-9a-f]{64}")
_MAGIC = b"nixeval-fingerprint-1\n"


def file_fingerprint(path: str, names: Iterable[str]) -> str:
    """``fingerprint`` of a file, cached on disk by its contents: deciding
    about a lib must cost a process almost nothing after the first time.
    An entry decides whether a lib's module system is bound natively, so it
    gets the parse cache's protection: keyed by the user's secret (a forged
    one is a miss, not a lib counted as proven), read without blocking."""
    from . import Source, read_bytes

    names = sorted(names)
    data = read_bytes(path)
    h = hashlib.sha256(_code_fingerprint().encode())
    h.update("\0".join(names).encode() + b"\1" + data)
    key = h.hexdigest()
    if cache.enabled():
        entry = keyed.read_entry("fingerprint", key, _MAGIC, 4096)
        if entry is not None:
            text = bytes(entry).decode("ascii", "replace")
            if _HEX.fullmatch(text):
                return text
    root = source_tree(Source(path, data.decode("utf-8", "surrogateescape")))
    result = fingerprint(root, names) if root is not None else hashlib.sha256(data).hexdigest()
    if cache.enabled():
        _store(key, result)
    return result


def source_tree(source: object) -> ast.Node | None:
    """The file's tree, or ``None`` when it does not parse (its bytes then
    stand for it)."""
    from . import parse
    from .errors import NixSyntaxError

    try:
        return parse(source)  # type: ignore[arg-type]
    except NixSyntaxError:
        return None


def _store(key: str, text: str) -> None:
    keyed.write_entry("fingerprint", key, _MAGIC, text.encode())


_code: str | None = None


def _code_fingerprint() -> str:
    """Fingerprints made by other code (this file, the printer, the parser)
    are not reused."""
    global _code
    if _code is None:
        h = hashlib.sha256()
        for name in ("fingerprint.py", "ast.py", "builder.py"):
            h.update(read_beside(__file__, name))
        _code = h.hexdigest()[:16]
    return _code


class _Binding:
    """What a name is bound to: a value to follow (``None``: an input, like a
    lambda argument), plus sources it needs (an ``inherit (e)`` expression)."""

    __slots__ = ("extra", "label", "value")

    def __init__(self, label: str, value: ast.Node | None, extra: ast.Node | None = None) -> None:
        self.label = label
        self.value = value
        self.extra = extra


class _Resolver:
    """One pass over the file: every variable's binding, and the ``with``
    scopes around every variable no binding provides."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, _Binding] | ast.With] = []
        self.resolved: dict[int, _Binding] = {}
        self.withs: dict[int, list[ast.With]] = {}

    def exported(self, body: ast.Node) -> dict[str, ast.Node] | None:
        """The attributes of a result made of set literals (``a // { … }``,
        ``a.b``, a ``let``-bound set), by name (an ``inherit (e) name`` by its
        source), or ``None`` when that can't be told without evaluating."""
        if isinstance(body, ast.BinOp) and body.op == "//":
            lhs, rhs = self.exported(body.lhs), self.exported(body.rhs)
            return None if lhs is None or rhs is None else {**lhs, **rhs}
        if isinstance(body, ast.Var):
            b = self.resolved.get(id(body))
            return self.exported(b.value) if b is not None and b.value is not None else None
        if isinstance(body, ast.Select) and body.default is None \
                and all(isinstance(p, str) for p in body.path):
            node: ast.Node | None = body.expr
            for name in body.path:
                names = self.exported(node) if node is not None else None
                node = names.get(name) if names is not None else None
            return self.exported(node) if node is not None else None
        if not isinstance(body, ast.Attrs) or body.dynamic:
            return None
        names = {}
        for d in body.attrs:
            inherited = d.kind == ast.AttrKind.INHERITED_FROM
            names[d.name] = body.inherit_from[_inherit_index(d)] if inherited else d.value
        return names

    def closure(self, start: list[tuple[str, ast.Node]]) -> set[str]:
        texts: set[str] = set()
        seen: set[int] = set()
        todo = list(start)
        while todo:
            label, node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            variables: list[ast.Var] = []
            texts.add(f"{label}={_text(node, variables)}")
            for n in variables:
                b = self.resolved.get(id(n))
                if b is not None:
                    if b.value is not None:
                        todo.append((b.label, b.value))
                    if b.extra is not None:
                        todo.append((b.label + "<-", b.extra))
                for w in self.withs.get(id(n), ()):
                    todo.append(("with", w.env))
        return texts

    # the pass ----------------------------------------------------------------
    def lookup(self, node: ast.Var) -> None:
        withs = []
        for scope in reversed(self.scopes):
            if isinstance(scope, ast.With):
                withs.append(scope)
            elif node.name in scope:
                self.resolved[id(node)] = scope[node.name]
                return
        if withs:
            self.withs[id(node)] = withs

    def visit(self, root: ast.Node) -> None:
        # explicit stack of (node, action): deep files must not hit Python's limit
        work: list[tuple[str, object]] = [("node", root)]
        while work:
            kind, item = work.pop()
            if kind == "pop":
                self.scopes.pop()
                continue
            if kind == "push":
                self.scopes.append(item)  # type: ignore[arg-type]
                continue
            node = item
            assert isinstance(node, ast.Node)
            if isinstance(node, ast.Var):
                self.lookup(node)
            elif isinstance(node, ast.Lambda):
                work.extend(reversed(self._lambda(node)))
            elif isinstance(node, ast.Let):
                work.extend(reversed(self._bindings(node.bindings, [node.body], "let")))
            elif isinstance(node, ast.Attrs) and node.recursive:
                work.extend(reversed(self._bindings(node, [], "rec")))
            elif isinstance(node, ast.Attrs):
                work.extend(reversed(self._plain_attrs(node)))
            elif isinstance(node, ast.With):
                # the stack runs backwards: env, then the body inside the scope
                work += [("pop", None), ("node", node.body), ("push", node), ("node", node.env)]
            else:
                work.extend(("node", c) for c in reversed(list(children(node))))

    def _lambda(self, node: ast.Lambda) -> list[tuple[str, object]]:
        scope: dict[str, _Binding] = {}
        if node.arg is not None:
            scope[node.arg] = _Binding(node.arg, None)
        steps: list[tuple[str, object]] = [("push", scope)]
        if node.formals is not None:
            for f in node.formals.formals:
                scope[f.name] = _Binding("?" + f.name, f.default)
                if f.default is not None:
                    steps.append(("node", f.default))
        steps += [("node", node.body), ("pop", None)]
        return steps

    def _bindings(self, attrs: ast.Attrs, body: list[ast.Node],
                  label: str) -> list[tuple[str, object]]:
        """``let`` or ``rec``: the names see each other; ``inherit x`` looks
        outside; ``inherit (e)`` sources are resolved inside."""
        scope: dict[str, _Binding] = {}
        outside: list[tuple[str, object]] = []
        inside: list[tuple[str, object]] = []
        for d in attrs.attrs:
            if d.kind == ast.AttrKind.INHERITED:
                scope[d.name] = _Binding(f"{label}.{d.name}", d.value)
                outside.append(("node", d.value))
            elif d.kind == ast.AttrKind.INHERITED_FROM:
                source = attrs.inherit_from[_inherit_index(d)]
                scope[d.name] = _Binding(f"{label}.{d.name}", d.value, source)
            else:
                scope[d.name] = _Binding(f"{label}.{d.name}", d.value)
                inside.append(("node", d.value))
        inside += [("node", e) for e in attrs.inherit_from]
        for dyn in attrs.dynamic:
            inside += [("node", dyn.name), ("node", dyn.value)]
        inside += [("node", b) for b in body]
        return [*outside, ("push", scope), *inside, ("pop", None)]

    def _plain_attrs(self, attrs: ast.Attrs) -> list[tuple[str, object]]:
        steps: list[tuple[str, object]] = [("node", e) for e in attrs.inherit_from]
        for d in attrs.attrs:
            if d.kind != ast.AttrKind.INHERITED_FROM:
                steps.append(("node", d.value))
        for dyn in attrs.dynamic:
            steps += [("node", dyn.name), ("node", dyn.value)]
        return steps


class _Close:
    """Where a node's or a tuple's fields end, in ``_text``'s stack."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_END_NODE, _END_TUPLE = _Close(")"), _Close("]")


def _text(node: ast.Node, variables: list[ast.Var]) -> str:
    """A node's structure as text: class names and every field that takes
    part in equality (positions do not), children in order. The variables
    met on the way are added to ``variables``."""
    out: list[str] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, _Close):
            out.append(item.text)
        elif isinstance(item, ast.Node):
            cls = type(item)
            if cls is ast.Var:
                variables.append(item)
            out.append(cls.__name__ + "(")
            stack.append(_END_NODE)
            stack.extend(reversed([getattr(item, f) for f in _fields(cls)]))
        elif isinstance(item, tuple):
            out.append("[")
            stack.append(_END_TUPLE)
            stack.extend(reversed(item))
        else:
            out.append(repr(item) + ",")
    return "".join(out)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls) if f.eq)
    return names


def _inherit_index(d: ast.AttrDef) -> int:
    value = d.value
    assert isinstance(value, ast.Select) and isinstance(value.expr, ast.InheritFrom)
    return value.expr.index
