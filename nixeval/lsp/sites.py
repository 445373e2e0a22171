"""Where a module file defines options, read from its syntax tree: every
attribute written as module structure (nested sets, ``config = { … }``,
``lib.mkIf``/``mkMerge``/``mkDefault``/``mkForce`` arguments), with the
option path it stands for, as the module system reads the file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..api.cursor import key_dots
from ..syntax import Source, ast, parse
from ..syntax.errors import NixSyntaxError

# a module's top-level attributes that hold no definitions (as modules/sites.py)
_NOT_CONFIG = frozenset({"imports", "options", "_file", "key", "disabledModules", "meta",
                         "_class"})
# lib's priorities of the wrappers a definition can be written in
PRIORITIES = {"mkDefault": 1000, "mkForce": 50, "mkOptionDefault": 1500,
              "mkVMOverride": 10, "mkImageMediaOverride": 60}
_ORDERS = frozenset({"mkBefore", "mkAfter", "mkOrder"})


@dataclass(frozen=True)
class Site:
    """An attribute written as module structure: its option path (``loc``),
    the attribute (key span: ``node.start`` to ``node.end``), its value with
    the priority wrapper taken off, that priority (100: plain), and whether
    an ``mkIf``/``if`` makes it conditional."""

    loc: tuple[str, ...]
    node: ast.AttrDef
    value: ast.Node
    priority: int
    conditional: bool


def parse_buffer(name: str, text: str) -> ast.Node | NixSyntaxError:
    """The buffer's syntax tree, or its syntax error (never the parse cache:
    a buffer changes with every key)."""
    try:
        return parse(Source(name, text), use_cache=False)
    except NixSyntaxError as e:
        return e
    except RecursionError:  # nesting beyond Python's stack: say so as Nix would
        return NixSyntaxError("expression nested too deeply", Source(name, text), 0)


def module_sites(root: ast.Node) -> list[Site]:
    """Every attribute the module ``root`` defines, outermost first."""
    body = root
    if isinstance(body, ast.Lambda):
        body = body.body
    while isinstance(body, ast.Let | ast.With | ast.Assert):
        body = body.body
    out: list[Site] = []
    if not isinstance(body, ast.Attrs):
        return out
    names = {d.name for d in body.attrs}
    explicit = "config" in names or "options" in names
    for d in body.attrs:
        if explicit:
            if d.name == "config":
                _walk(d.value, (), 100, False, out)
        elif d.name not in _NOT_CONFIG:
            _attr(d, (), 100, False, out)
    return out


def _attr(d: ast.AttrDef, path: tuple[str, ...], prio: int, cond: bool,
          out: list[Site]) -> None:
    loc = (*path, d.name)
    value, prio2, cond2 = _unwrap(d.value)
    out.append(Site(loc, d, value, prio2 if prio2 is not None else prio, cond or cond2))
    _walk(d.value, loc, prio, cond, out)


def _walk(node: ast.Node, path: tuple[str, ...], prio: int, cond: bool,
          out: list[Site]) -> None:
    """The attributes inside a value that is still module structure."""
    while True:
        if isinstance(node, ast.Attrs):
            for d in node.attrs:
                _attr(d, path, prio, cond, out)
            return
        if isinstance(node, ast.Let | ast.With | ast.Assert):
            node = node.body
            continue
        if isinstance(node, ast.If):
            _walk(node.then, path, prio, True, out)
            _walk(node.else_, path, prio, True, out)
            return
        if isinstance(node, ast.Call):
            name = callee(node)
            if name == "mkMerge" and node.args and isinstance(node.args[0], ast.List):
                for item in node.args[0].items:
                    _walk(item, path, prio, cond, out)
                return
            if name in PRIORITIES:
                prio = PRIORITIES[name]
            elif name == "mkOverride" and len(node.args) == 2 and \
                    isinstance(node.args[0], ast.Int):
                prio = node.args[0].value
            elif name != "mkIf" and name not in _ORDERS:
                return
            if node.args:
                cond = cond or name == "mkIf"
                node = node.args[-1]
                continue
        return


def callee(call: ast.Call) -> str | None:
    """``mkIf`` for ``lib.mkIf`` or ``mkIf`` (a call's function's last name)."""
    fn = call.fn
    if isinstance(fn, ast.Var):
        return fn.name
    if isinstance(fn, ast.Select) and fn.path and isinstance(fn.path[-1], str):
        return fn.path[-1]
    return None


def _unwrap(node: ast.Node) -> tuple[ast.Node, int | None, bool]:
    """A definition's value without ``mkDefault``/``mkForce``/``mkOverride
    N``/``mkIf c`` around it: the value, the priority they give, and
    whether one is an ``mkIf``."""
    prio: int | None = None
    cond = False
    while isinstance(node, ast.Call):
        name = callee(node)
        if name in PRIORITIES and len(node.args) == 1:
            prio = PRIORITIES[name] if prio is None else prio
        elif name == "mkOverride" and len(node.args) == 2 and isinstance(node.args[0], ast.Int):
            prio = node.args[0].value if prio is None else prio
        elif name == "mkIf" and len(node.args) == 2:
            cond = True
        elif name not in _ORDERS:
            break
        node = node.args[-1]
    return node, prio, cond


def site_at(sites: list[Site], offset: int) -> Site | None:
    """The innermost site whose key holds ``offset``."""
    best = None
    for s in sites:
        if s.node.start <= offset <= s.node.end and (best is None or len(s.loc) > len(best.loc)):
            best = s
    return best


def key_components(source_text: str, node: ast.AttrDef) -> int:
    """How many names the written key of ``node`` has (``a.b.c`` → 3)."""
    return key_dots(source_text[node.start:node.end]) + 1


def leaves(sites: list[Site]) -> Iterator[Site]:
    """The sites whose value is not itself module structure (written values)."""
    parents = {s.loc[:-1] for s in sites}
    for s in sites:
        if s.loc not in parents or not isinstance(s.value, ast.Attrs):
            yield s
