"""Static scope check: Nix rejects a variable that no enclosing binding, ``with``
or base-environment name can provide ("undefined variable 'x'") before it
evaluates anything, so ``nix-instantiate --parse`` fails on it too.

Scoping follows Nix's bindVars: ``let`` and ``rec`` bindings see each other;
``inherit x;`` inside them looks ``x`` up outside; ``inherit (e) …`` sources are
resolved inside a ``let``/``rec`` and outside a plain set; formals' defaults see
all formals and the ``@`` name; under a ``with`` any name may come from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from . import ast
from .errors import NixSyntaxError
from .walk import children


def check_scopes(root: ast.Node, base_names: Iterable[str]) -> None:
    """Raise NixSyntaxError for the first variable nothing binds."""
    _Checker(frozenset(base_names)).visit(root)


class _Checker:
    def __init__(self, base: frozenset[str]) -> None:
        self.base = base
        self.bound: Counter[str] = Counter()
        self.with_depth = 0

    def push(self, names: Iterable[str]) -> list[str]:
        names = list(names)
        self.bound.update(names)
        return names

    def pop(self, names: list[str]) -> None:
        self.bound.subtract(names)

    def visit(self, node: ast.Node) -> None:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is not None:
            method(node)
        else:
            for child in children(node):
                self.visit(child)

    def visit_Var(self, node: ast.Var) -> None:
        name = node.name
        if self.bound[name] > 0 or name in self.base or self.with_depth:
            return
        raise NixSyntaxError(f"undefined variable '{name}'", node.src, node.start)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        names = [node.arg] if node.arg is not None else []
        if node.formals is not None:
            names.extend(f.name for f in node.formals.formals)
        pushed = self.push(names)
        if node.formals is not None:
            for f in node.formals.formals:
                if f.default is not None:
                    self.visit(f.default)
        self.visit(node.body)
        self.pop(pushed)

    def visit_With(self, node: ast.With) -> None:
        self.visit(node.env)
        self.with_depth += 1
        self.visit(node.body)
        self.with_depth -= 1

    def visit_Let(self, node: ast.Let) -> None:
        pushed = self._recursive_attrs(node.bindings)
        self.visit(node.body)
        self.pop(pushed)

    def visit_Attrs(self, node: ast.Attrs) -> None:
        if node.recursive:
            self.pop(self._recursive_attrs(node))
            return
        for expr in node.inherit_from:
            self.visit(expr)
        for d in node.attrs:
            self.visit(d.value)
        for dyn in node.dynamic:
            self.visit(dyn.name)
            self.visit(dyn.value)

    def _recursive_attrs(self, node: ast.Attrs) -> list[str]:
        # `inherit x;` is looked up outside the set, before its names are in scope
        for d in node.attrs:
            if d.kind == ast.AttrKind.INHERITED:
                self.visit(d.value)
        pushed = self.push(d.name for d in node.attrs)
        for expr in node.inherit_from:
            self.visit(expr)
        for d in node.attrs:
            if d.kind != ast.AttrKind.INHERITED:
                self.visit(d.value)
        for dyn in node.dynamic:
            self.visit(dyn.name)
            self.visit(dyn.value)
        return pushed

    def visit_InheritFrom(self, node: ast.InheritFrom) -> None:
        pass  # its expression is checked with the set that owns it
