"""Parts of a lib's own ``modules.nix`` that the native ``evalModules``
evaluates rather than imitates.

Every ``evalModules`` starts with the lib's ``internalModule``: the
``_module.args``, ``_module.check``, ``_module.freeformType`` (and, in newer
libs, ``_module.specialArgs``) options. Their descriptions, defaults and
declaration positions differ from one lib version to the next, so the native
evaluation takes that module from the lib's own source: the file is evaluated
once more with one attribute added to its result, a function giving
``internalModule`` in the scope it has inside ``evalModules``, the
evaluation's own ``extendModules`` and ``type`` standing in for the lib's
(which would call the interpreted ``evalModules``).
"""

from __future__ import annotations

import os
from typing import Any

from ..eval.values import Attrs, force
from ..syntax import ast, parse, read_source
from ..syntax.records import evolve

_NATIVE = "__nixevalNative"
_RESULT = "__nixevalInternalModule"
# what the native evaluation supplies in place of the lib's own bindings
_SUPPLIED = ("extendModules", "type")


def internal_module_fn(state: Any, path: str, file_args: Any) -> Any | None:
    """``native: evalModulesArgs: internalModule`` from the lib at ``path``
    (its ``modules.nix``, called with ``file_args``), or ``None`` when that
    file has no ``internalModule`` inside a function ``evalModules``."""
    root = parse(read_source(path))
    tree = _with_internal_module(root)
    if tree is None:
        return None
    fn = state.eval_tree(tree, os.path.dirname(path))
    result = force(state.call(fn, file_args))
    if type(result) is not Attrs or _RESULT not in result.vals:
        return None
    return result.vals[_RESULT]


def _with_internal_module(root: ast.Node) -> ast.Node | None:
    """The file's tree with ``__nixevalInternalModule`` added to its result
    (to the set that defines ``evalModules`` when that set is the result)."""
    chain: list[ast.Node] = []  # the wrappers from the root down to the result
    node = root
    definition = None
    while isinstance(node, ast.Lambda | ast.With | ast.Let | ast.Assert):
        if isinstance(node, ast.Let):
            definition = _plain(node.bindings, "evalModules") or definition
        chain.append(node)
        node = node.body
    result = node
    in_result = _plain(result, "evalModules") if isinstance(result, ast.Attrs) else None
    extra = _extractor(in_result or definition)
    if extra is None:
        return None
    if in_result is not None:
        assert isinstance(result, ast.Attrs)
        new_result: ast.Node = evolve(result, attrs=(*result.attrs, extra))
    else:
        rhs = ast.Attrs(result.src, result.start, result.end, False, (extra,))
        new_result = ast.BinOp(result.src, result.start, result.end, "//", result, rhs,
                               result.start)
    for wrapper in reversed(chain):
        new_result = evolve(wrapper, body=new_result)
    return new_result


def _plain(bindings: ast.Node, name: str) -> ast.Node | None:
    if not isinstance(bindings, ast.Attrs):
        return None
    for d in bindings.attrs:
        if d.name == name and d.kind == ast.AttrKind.PLAIN:
            return d.value
    return None


def _extractor(eval_modules: ast.Node | None) -> ast.AttrDef | None:
    """``__nixevalInternalModule = native: <evalModules' formals>: let <its
    bindings, the supplied ones from native> in internalModule;``"""
    if not isinstance(eval_modules, ast.Lambda) or not isinstance(eval_modules.body, ast.Let):
        return None
    let = eval_modules.body
    if _plain(let.bindings, "internalModule") is None:
        return None
    src, start, end = let.src, let.start, let.end
    bindings = []
    for d in let.bindings.attrs:
        if d.name in _SUPPLIED and d.kind == ast.AttrKind.PLAIN:
            supplied = ast.Select(d.src, d.start, d.end, ast.Var(d.src, d.start, d.start, _NATIVE),
                                  (d.name,), None)
            d = evolve(d, value=supplied)
        bindings.append(d)
    body = ast.Let(src, start, end, evolve(let.bindings, attrs=tuple(bindings)),
                   ast.Var(src, start, end, "internalModule"))
    fn = evolve(eval_modules, body=body)
    outer = ast.Lambda(src, start, end, _NATIVE, None, fn)
    return ast.AttrDef(src, start, end, _RESULT, outer)
