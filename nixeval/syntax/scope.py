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
from collections.abc import Callable, Generator, Iterable, Iterator

from . import ast
from .errors import NixSyntaxError
from .walk import children


def check_scopes(root: ast.Node, base_names: Iterable[str]) -> None:
    """Raise NixSyntaxError for the first variable nothing binds."""
    _Checker(frozenset(base_names)).check(root)


class _Checker:
    """Each ``visit_*`` is a generator yielding the sub-nodes to check in order,
    binding names before and unbinding them after; :meth:`check` runs them on
    a stack of its own, so any depth of nesting is checked without recursion."""

    def __init__(self, base: frozenset[str]) -> None:
        self.base = base
        self.bound: Counter[str] = Counter()
        self.with_depth = 0

    def check(self, root: ast.Node) -> None:
        visitors: dict[type, Callable[[ast.Node], Iterator[ast.Node]]] = {}
        stack: list[Iterator[ast.Node]] = [iter((root,))]
        push, pop = stack.append, stack.pop
        while stack:
            node = next(stack[-1], None)
            if node is None:
                pop()
            elif node.__class__ is ast.Var:  # the commonest leaf, checked in place
                self.check_var(node)
            else:
                visit = visitors.get(node.__class__)
                if visit is None:
                    visit = visitors[node.__class__] = getattr(
                        self, "visit_" + node.__class__.__name__, children)
                push(visit(node))

    def push(self, names: Iterable[str]) -> list[str]:
        names = list(names)
        self.bound.update(names)
        return names

    def pop(self, names: list[str]) -> None:
        self.bound.subtract(names)

    def check_var(self, node: ast.Var) -> None:
        name = node.name
        if self.bound[name] > 0 or name in self.base or self.with_depth:
            return
        raise NixSyntaxError(f"undefined variable '{name}'", node.src, node.start)

    def visit_Lambda(self, node: ast.Lambda) -> Iterator[ast.Node]:
        names = [node.arg] if node.arg is not None else []
        if node.formals is not None:
            names.extend(f.name for f in node.formals.formals)
        pushed = self.push(names)
        if node.formals is not None:
            for f in node.formals.formals:
                if f.default is not None:
                    yield f.default
        yield node.body
        self.pop(pushed)

    def visit_With(self, node: ast.With) -> Iterator[ast.Node]:
        yield node.env
        self.with_depth += 1
        yield node.body
        self.with_depth -= 1

    def visit_Let(self, node: ast.Let) -> Iterator[ast.Node]:
        pushed = yield from self._recursive_attrs(node.bindings)
        yield node.body
        self.pop(pushed)

    def visit_Attrs(self, node: ast.Attrs) -> Iterator[ast.Node]:
        if node.recursive:
            self.pop((yield from self._recursive_attrs(node)))
            return
        yield from node.inherit_from
        for d in node.attrs:
            yield d.value
        for dyn in node.dynamic:
            yield dyn.name
            yield dyn.value

    def _recursive_attrs(self, node: ast.Attrs) -> Generator[ast.Node, None, list[str]]:
        """The set's sub-nodes; its value is the names it bound, for the caller to pop."""
        # `inherit x;` is looked up outside the set, before its names are in scope
        for d in node.attrs:
            if d.kind == ast.AttrKind.INHERITED:
                yield d.value
        pushed = self.push(d.name for d in node.attrs)
        yield from node.inherit_from
        for d in node.attrs:
            if d.kind != ast.AttrKind.INHERITED:
                yield d.value
        for dyn in node.dynamic:
            yield dyn.name
            yield dyn.value
        return pushed

    def visit_InheritFrom(self, node: ast.InheritFrom) -> Iterator[ast.Node]:
        return iter(())  # its expression is checked with the set that owns it
