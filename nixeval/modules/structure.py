"""Why a module's structure depends on a value, read from its source.

The module system must know which options each module defines (and which
modules it imports) before any option has a value: each option's value is
merged from the definitions of every module. A module whose ``config`` set
(its shape, not its values), whose ``imports`` or whose structure otherwise
depends on ``config.…`` or on an argument that comes from ``_module.args``
(``pkgs``) therefore recurses without end, and Nix says only "infinite
recursion encountered". Given where the recursion was met, this finds the
module attribute whose structure reads it and what it reads.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..eval.errors import Pos
from ..syntax import ast
from ..syntax.walk import children
from .graph import Loc
from .sites import tree_at

# arguments every module gets without `_module.args` (specialArgs are others)
_FIXED_ARGS = ("lib", "config", "options", "specialArgs", "modulesPath", "name", "_class",
               "_prefix")
# calls whose content the module system reads lazily (pushed into each definition)
_LAZY_CALLS = ("mkIf", "mkOverride", "mkDefault", "mkForce", "mkOptionDefault", "mkOrder",
               "mkBefore", "mkAfter", "mkImageMediaOverride", "mkVMOverride")


@dataclass(frozen=True)
class StructuralRead:
    """A module's ``attribute`` (``config``, ``imports``…), written at
    ``attribute_pos``, whose structure reads ``read`` (``config.x.y``, or an
    argument) at ``read_pos``."""

    attribute: str
    attribute_pos: Pos
    read: str
    read_pos: Pos
    option: Loc | None  # the option read, when it is `config.…`
    argument: str | None  # the module argument read, when it is not `config`
    condition: ast.Node | None  # the `if` whose condition it is, if any

    @property
    def if_node(self) -> ast.If | None:
        return self.condition if isinstance(self.condition, ast.If) else None


def structural_read(pos: Pos) -> StructuralRead | None:
    """The module structure that depends on the value read at ``pos``, if
    ``pos`` is such a read in a module file (a function of ``config``…)."""
    at = tree_at(pos)
    if at is None:
        return None
    root, offset = at
    source = pos[0]
    if not isinstance(root, ast.Lambda) or root.formals is None:
        return None
    args = {f.name for f in root.formals.formals}
    body = root.body
    while isinstance(body, ast.Let | ast.With | ast.Assert):
        body = body.body
    if not isinstance(body, ast.Attrs):
        return None
    names = {d.name for d in body.attrs}
    explicit = "config" in names or "options" in names
    for d in body.attrs:
        if d.name == "imports" or (d.name == "config" and explicit):
            chain = _chain(d.value, offset)
            if chain is None or not _structural(chain, whole=d.name == "imports"):
                continue
            read = _read_at(chain, args)
            if read is None:
                continue
            text, option, argument = read
            condition = next((n for n in reversed(chain[:-1]) if isinstance(n, ast.If)
                              and _inside(n.cond, offset)), None)
            return StructuralRead(d.name, (d.src, d.start), text, (source, chain[-1].start),
                                  option, argument, condition)
    return None


def _inside(node: ast.Node, offset: int) -> bool:
    return node.start <= offset < max(node.end, node.start + 1)


def _chain(node: ast.Node, offset: int) -> list[ast.Node] | None:
    """The nodes from ``node`` down to the innermost one holding ``offset``."""
    if not _inside(node, offset):
        return None
    chain = [node]
    while True:
        inner = next((c for c in children(chain[-1]) if _inside(c, offset)), None)
        if inner is None:
            return chain
        chain.append(inner)


def _structural(chain: list[ast.Node], whole: bool) -> bool:
    """Whether the value at the end of ``chain`` decides the shape of its
    start (``whole``: everything in ``imports`` is needed before any value)."""
    if whole:
        return True
    for parent, child in itertools.pairwise(chain):
        if isinstance(parent, ast.Attrs) and not isinstance(child, ast.DynAttr):
            return False  # attribute values are read lazily
        if isinstance(parent, ast.DynAttr) and child is not parent.name:
            return False  # a dynamic attribute's name is needed, not its value
        if isinstance(parent, ast.Call) and _callee(parent) in _LAZY_CALLS \
                and child is not parent.fn and child is parent.args[-1]:
            return False  # the content of mkIf & co is pushed down, not read
        if isinstance(parent, ast.Call) and _callee(parent) == "mkIf" \
                and child is parent.args[0]:
            return False  # mkIf's condition is read per definition, lazily too
        if isinstance(parent, ast.List):
            continue  # mkMerge's elements: their shape is read
        if isinstance(parent, ast.Lambda):
            return False
    return True


def _callee(call: ast.Call) -> str | None:
    fn = call.fn
    if isinstance(fn, ast.Var):
        return fn.name
    if isinstance(fn, ast.Select) and fn.path and isinstance(fn.path[-1], str):
        return fn.path[-1]
    return None


def _read_at(chain: list[ast.Node], args: set[str]) -> tuple[str, Loc | None, str | None] | None:
    """What is read at the end of ``chain``: ``config.a.b`` (the option
    ``a.b``) or a module argument that comes from ``_module.args``."""
    var = chain[-1]
    if not isinstance(var, ast.Var) or var.name not in args:
        return None
    parent = chain[-2] if len(chain) > 1 else None
    path: tuple[str, ...] = ()
    if isinstance(parent, ast.Select) and parent.expr is var:
        path = tuple(p for p in parent.path if isinstance(p, str))
    text = ".".join((var.name, *path))
    if var.name == "config":
        return (text, path, None) if path else None
    if var.name in _FIXED_ARGS:
        return None
    return text, None, var.name
