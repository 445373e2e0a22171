"""Hot functions fused into straight-line Python.

The compiler turns each expression into a closure, so evaluating
``if x ? a then x.a else d`` takes half a dozen Python calls, one per node.
Once a Nix function has been called ``FUSE_AFTER`` times, its body is
generated again as Python source: variables, constants, selections, ``?``,
``if``, ``==``, Booleans, comparisons, arithmetic, calls, sets, lists,
``let`` and ``with`` become statements of one Python function, and each
lazily evaluated part (a binding, an argument, a list item) a function of
its own, fused too. What the generator does not know keeps its closure,
called from the fused code. Every statement does what the closure it stands
for does, in the same order, with the same trace frames on errors, so only
the number of Python calls changes. Only functions found hot are generated:
compiling Python source costs more than building closures.

``NIXEVAL_FUSE_AFTER=N`` sets the number of calls (0: at the first call);
``NIXEVAL_NO_FUSION=1`` keeps every closure.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from types import CodeType
from typing import TYPE_CHECKING, Any

from ..keyed import read_entry, write_entry
from ..syntax import ast
from ..syntax import cache as parse_cache
from . import compiler as C
from .env import Env, Scope, enclosing_withs, resolve
from .errors import InfiniteRecursion, NixError
from .ops import (
    arith,
    coerce_to_string,
    concat_strings,
    equal,
    force_at,
    force_string_no_context,
    less_than,
)
from .values import Attrs, Lambda, PrimOp, Thunk, type_error

if TYPE_CHECKING:
    from .compiler import Compiler, FunctionCode


def _setting() -> int | None:
    if os.environ.get("NIXEVAL_NO_FUSION"):
        return None
    try:
        return max(0, int(os.environ.get("NIXEVAL_FUSE_AFTER", "")))
    except ValueError:
        return 30


FUSE_AFTER: int | None = _setting()

# Python refuses more than 20 nested try/for blocks in one function, and deep
# indentation; deeper expressions continue in a function of their own.
_MAX_BLOCKS = 12
_MAX_INDENT = 24
# bodies longer than this (a module's whole text, say) run once, not hot
_MAX_CHARS = 20_000


def when_hot(compiler: Compiler, fc: FunctionCode, node: ast.Lambda, scope: Scope) -> Callable:
    """``fc``'s body, counting calls until it is worth fusing. The syntax tree
    is not kept (it is most of what compiled code would otherwise keep alive):
    a hot function's file is parsed again, through the parse cache."""
    closure = fc.body
    remaining = FUSE_AFTER
    where = (node.src, node.start, node.end)

    def counting(env: Env) -> Any:
        nonlocal remaining
        remaining -= 1
        if remaining < 0:
            fc.body = fuse(compiler, where, scope, closure)
            return fc.body(env)
        return closure(env)

    return counting


def fuse(compiler: Compiler, where: tuple, scope: Scope, closure: Callable) -> Callable:
    """The fused form of the body of the function at ``where``, or ``closure``
    where it cannot be had."""
    node = _lambda_at(compiler, *where)
    if node is None or node.body.end - node.body.start > _MAX_CHARS:
        return closure
    try:
        return _Generator(compiler).build(node.body, scope)
    except (RecursionError, SyntaxError, MemoryError):  # too deep for Python's compiler
        return closure
    except Exception:
        # the closure is what fused code must equal: a fault in generating it
        # costs only speed (NIXEVAL_DEBUG shows it)
        if os.environ.get("NIXEVAL_DEBUG"):
            raise
        return closure


# the functions of the last files parsed again, by position: a file's hot
# functions come in bursts, and a NixOS system's come from about 30 files
_RECENT: dict[Any, dict[tuple[int, int], ast.Lambda]] = {}
_RECENT_FILES = 32


def _lambda_at(compiler: Compiler, src: Any, start: int, end: int) -> ast.Lambda | None:
    functions = _RECENT.get(src)
    if functions is None:
        try:
            found = compiler.functions_again()  # type: ignore[misc]
        except Exception:  # the file's text cannot be had again as it was compiled
            return None
        functions = {(n.start, n.end): n for n in found}
        if len(_RECENT) >= _RECENT_FILES:
            del _RECENT[next(iter(_RECENT))]
        _RECENT[src] = functions
    return functions.get((start, end))


def _helpers() -> dict[str, Any]:
    """What generated code calls (read from the compiler once both are loaded)."""
    if not _HELPERS:
        from .state import prim_frame

        _HELPERS.update({
            "_prim_frame": prim_frame,
            "Attrs": Attrs, "Env": Env, "Lambda": Lambda, "Thunk": Thunk, "NixError": NixError,
            "PrimOp": PrimOp,
            "InfiniteRecursion": InfiniteRecursion, "type_error": type_error, "equal": equal,
            "arith": arith, "less_than": less_than, "force_at": force_at,
            "_merge": C.merge_updates,
            "force_string_no_context": force_string_no_context,
            "_fix": C._fix_recursion_pos, "_select_failed": C._select_failed,
            "_missing": C._missing, "_MISSING": C._MISSING, "_call_frames": C.call_frames,
            "_add_to_number": C._add_to_number, "_concat": C._concat, "_BIG": C._BIG,
            "_HALF": 2**31, "coerce_to_string": coerce_to_string, "concat_strings": concat_strings,
        })
    return _HELPERS


_HELPERS: dict[str, Any] = {}

_CODE_MAGIC = b"nixeval-fused-1\n"


def _compiled(source: str, filename: str) -> CodeType:
    """``compile(source)``, its code object kept in a keyed cache entry
    (beside the parse cache, and off with it): Python's compiler is most of
    what fusing costs, and a hot function is hot again in the next run."""
    if not parse_cache.enabled():
        return compile(source, filename, "exec")
    # marshal's format and the bytecode belong to this very Python
    h = hashlib.sha256(f"{sys.version}\0{marshal.version}\0{filename}\0".encode())
    h.update(source.encode("utf-8", "surrogateescape"))
    key = h.hexdigest()
    payload = read_entry("fused", key, _CODE_MAGIC, 64 * len(source) + (1 << 16))
    if payload is not None:
        try:
            code = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            code = None
        if type(code) is CodeType:
            return code
    code = compile(source, filename, "exec")
    write_entry("fused", key, _CODE_MAGIC, marshal.dumps(code))
    return code


def _forced_value(out: list[str], w: str, v: str) -> None:
    """The value of a thunk forced before (that read nothing a log needs
    again) taken without a call, as ``Thunk.force`` gives it."""
    out.append(f"{w}if type({v}) is Thunk and {v}.code is None:")
    out.append(f"{w}    {v} = {v}.value")


class _Generator:
    """One fused function and the functions of its lazy parts, as one module."""

    def __init__(self, compiler: Compiler) -> None:
        self.c = compiler
        self.state = compiler.state
        self.globals: dict[str, Any] = dict(_helpers())
        self.functions: list[list[str]] = []
        self.count = 0

    def build(self, body: ast.Node, scope: Scope) -> Callable:
        name = self.function(body, scope)
        source = "\n".join("\n".join(lines) for lines in self.functions)
        exec(_compiled(source, f"<fused {body.src.name}:{body.start}>"), self.globals)
        return self.globals[name]

    # names ----------------------------------------------------------------------
    def k(self, value: Any) -> str:
        """A constant of the generated code."""
        self.count += 1
        name = f"k{self.count}"
        self.globals[name] = value
        return name

    def tmp(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def function(self, node: ast.Node, scope: Scope | None) -> str:
        """A generated ``fN(env)`` returning ``node``'s value."""
        self.count += 1
        name = f"f{self.count}"
        lines = [f"def {name}(env):"]
        self.functions.append(lines)
        self.emit(node, scope, "env", None, lines, 1, 0)
        return name

    # emitting --------------------------------------------------------------------
    # Each emitter writes statements that compute a node's value into ``target``
    # (a local's name), or return it where ``target`` is None. ``E`` names the
    # local holding the node's environment; ``blocks`` counts enclosing try blocks.

    def put(self, out: list[str], ind: int, target: str | None, expr: str) -> None:
        out.append("    " * ind + (f"return {expr}" if target is None else f"{target} = {expr}"))

    def fallback(self, node: ast.Node, scope: Scope | None, E: str, target: str | None,
                 out: list[str], ind: int) -> None:
        self.put(out, ind, target, f"{self.k(self.c.compile(node, scope))}({E})")

    def emit(self, node: ast.Node, scope: Scope | None, E: str, target: str | None,
             out: list[str], ind: int, blocks: int) -> None:
        t = type(node)
        if t in (ast.Int, ast.Float, ast.Str):
            self.put(out, ind, target, self.k(node.value))
            return
        if t is ast.Var:
            self.var(node, scope, E, target, out, ind, self.c.pos(node))
            return
        if blocks >= _MAX_BLOCKS or ind >= _MAX_INDENT:
            self.put(out, ind, target, f"{self.function(node, scope)}({E})")
            return
        method = getattr(self, "e_" + t.__name__, None)
        if method is None:
            self.fallback(node, scope, E, target, out, ind)
        else:
            method(node, scope, E, target, out, ind, blocks)

    def strict(self, node: ast.Node, scope: Scope | None, E: str, out: list[str], ind: int,
               blocks: int) -> str:
        """Statements computing ``node`` into a new local, whose name is returned."""
        v = self.tmp()
        self.emit(node, scope, E, v, out, ind, blocks)
        return v

    def guarded(self, node: ast.Node, scope: Scope | None, E: str, out: list[str], ind: int,
                blocks: int, ctx: str, pos: Any) -> str:
        """``node`` into a new local; an error leaving it gets the frame ``ctx`` at ``pos``."""
        w = "    " * ind
        out.append(f"{w}try:")
        v = self.strict(node, scope, E, out, ind + 1, blocks + 1)
        out.append(f"{w}except NixError as x:")
        out.append(f"{w}    x.add_trace({self.k(ctx)}, {self.k(pos)})")
        out.append(f"{w}    raise")
        return v

    def var(self, node: ast.Var, scope: Scope | None, E: str, target: str | None,
            out: list[str], ind: int, pos: Any) -> None:
        found = resolve(scope, node.name)
        if found is None:
            base = self.state.base_env.get(node.name, C._MISSING)
            if base is not C._MISSING and type(base) is not Thunk:
                self.put(out, ind, target, self.k(base))
            elif base is C._MISSING and enclosing_withs(scope):
                self.with_var(node, scope, E, target, out, ind, pos)
            else:  # a thunk of the base environment
                self.put(out, ind, target, f"{self.k(self.c._var(node, scope))}({E})")
            return
        depth, index = found
        w = "    " * ind
        v = target or self.tmp()
        out.append(f"{w}{v} = {E}{'.up' * depth}.vals[{index}]")
        _forced_value(out, w, v)
        out.append(f"{w}if type({v}) is Thunk:")
        out.append(f"{w}    try:")
        out.append(f"{w}        {v} = {v}.force()")  # unassigned when it raises
        out.append(f"{w}    except InfiniteRecursion as x:")
        out.append(f"{w}        _fix(x, {v}, {self.k(pos)})")
        out.append(f"{w}        raise")
        if target is None:
            out.append(f"{w}return {v}")

    def with_var(self, node: ast.Var, scope: Scope | None, E: str, target: str | None,
                 out: list[str], ind: int, pos: Any) -> None:
        """A name only the enclosing ``with`` sets can bind, searched innermost
        first, as the compiler's ``from_with``."""
        kname = self.k(node.name)
        v = target or self.tmp()
        base = ind
        for depth, wpos in enclosing_withs(scope):
            w = "    " * ind
            a = self.tmp()
            out.append(f"{w}{a} = {E}{'.up' * depth}.vals[0]")
            out.append(f"{w}if type({a}) is Thunk:")
            out.append(f"{w}    {a} = {a}.force()")
            out.append(f"{w}if type({a}) is not Attrs:")
            out.append(f"{w}    raise type_error('a set', {a}).with_trace('while evaluating the "
                       f"first subexpression of a with expression', {self.k(wpos)})")
            out.append(f"{w}{v} = {a}.vals.get({kname}, _MISSING)")
            out.append(f"{w}if {v} is _MISSING:")
            ind += 1
        kerror = self.k(f"undefined variable '{node.name}'")
        out.append("    " * ind + f"raise NixError({kerror}, {self.k(pos)})")
        w = "    " * base
        _forced_value(out, w, v)
        out.append(f"{w}if type({v}) is Thunk:")
        out.append(f"{w}    try:")
        out.append(f"{w}        {v} = {v}.force()")
        out.append(f"{w}    except InfiniteRecursion as x:")
        out.append(f"{w}        _fix(x, {v}, {self.k(pos)})")
        out.append(f"{w}        raise")
        if target is None:
            out.append(f"{w}return {v}")

    def operand(self, node: ast.Node, scope: Scope | None, E: str, out: list[str], ind: int,
                blocks: int) -> str:
        """The compiler's ``_operand``: a variable forced without a position."""
        if type(node) is ast.Var and resolve(scope, node.name) is not None:
            v = self.tmp()
            self.var(node, scope, E, v, out, ind, None)
            return v
        return self.strict(node, scope, E, out, ind, blocks)

    def lazy(self, node: ast.Node, scope: Scope | None, E: str, out: list[str], ind: int,
             name: str | None = None) -> str:
        """The compiler's ``lazy``: an expression for the value or a thunk of it."""
        t = type(node)
        if t in (ast.Int, ast.Float, ast.Str):
            return self.k(node.value)
        if t is ast.Var:
            found = resolve(scope, node.name)
            if found is not None:
                depth, index = found
                v = self.tmp()
                slot = C._slot_code(depth, index, True, self.c.pos(node))
                w = "    " * ind
                out.append(f"{w}{v} = {E}{'.up' * depth}.vals[{index}]")
                # a `let`/`rec` slot not filled yet: defer the lookup
                out.append(f"{w}if {v} is None:")
                out.append(f"{w}    {v} = Thunk({self.k(slot)}, {E})")
                return v
            if node.name in self.state.base_env:
                return self.k(self.state.base_env[node.name])
        if t is ast.Lambda:
            return f"Lambda({self.k(self.c.function_code(node, scope, name))}, {E})"
        return f"Thunk({self.function(node, scope)}, {E})"

    # the nodes ----------------------------------------------------------------------
    def e_If(self, node: ast.If, scope, E, target, out, ind, blocks) -> None:
        cpos = C.nix_pos(node.cond)
        ctx = "while evaluating a branch condition"
        c = self.guarded(node.cond, scope, E, out, ind, blocks, ctx, cpos)
        w = "    " * ind
        out.append(f"{w}if {c} is True:")
        self.emit(node.then, scope, E, target, out, ind + 1, blocks)
        out.append(f"{w}elif {c} is False:")
        self.emit(node.else_, scope, E, target, out, ind + 1, blocks)
        out.append(f"{w}else:")
        out.append(f"{w}    {self.not_a_boolean(c, ctx, cpos)}")

    def e_Select(self, node: ast.Select, scope, E, target, out, ind, blocks) -> None:
        path = list(node.path)
        pos = C.select_pos(node)
        epos = C.nix_pos(node.expr)
        kpos, knode = self.k(pos), self.k(node)
        kpath = self.k(self.c._attr_path(node.path, scope))  # as error messages show it
        v = self.guarded(node.expr, scope, E, out, ind, blocks, "while selecting an attribute",
                         epos)
        w = "    " * ind
        if len(path) == 1 and type(path[0]) is str and node.default is None:
            name = self.k(path[0])
            x = self.tmp()
            out.append(f"{w}if type({v}) is not Attrs:")
            out.append(f"{w}    raise _select_failed(type_error('a set', {v}).with_trace("
                       f"'while selecting an attribute', {kpos}), {E}, {knode}, {kpath}, 0, "
                       f"None, {kpos})")
            out.append(f"{w}{x} = {v}.vals.get({name}, _MISSING)")
            out.append(f"{w}if {x} is _MISSING:")
            out.append(f"{w}    raise _select_failed(_missing({v}, {name}), {E}, {knode}, "
                       f"{kpath}, 0, None, {kpos})")
            _forced_value(out, w, x)
            out.append(f"{w}if type({x}) is Thunk:")
            out.append(f"{w}    try:")
            out.append(f"{w}        {x} = {x}.force()")
            out.append(f"{w}    except NixError as e:")
            out.append(f"{w}        apos = {v}.pos.get({name}) if {v}.pos else None")
            out.append(f"{w}        if type(e) is InfiniteRecursion:")
            out.append(f"{w}            _fix(e, {x}, apos or {kpos})")
            out.append(f"{w}        raise _select_failed(e, {E}, {knode}, {kpath}, 1, apos, "
                       f"{kpos}) from None")
            self.put(out, ind, target, x)
            return
        # the compiler's general `select`, its loop unrolled; a default is
        # evaluated inside the try, as there
        x, done, apos = self.tmp(), self.tmp(), self.tmp()
        result = target or self.tmp()
        out.append(f"{w}{done} = 0")
        out.append(f"{w}{apos} = None")
        out.append(f"{w}{x} = None")
        out.append(f"{w}try:")
        out.append(f"{w}    while True:")
        w2 = w + "        "
        for part in path:
            kname = self.attr_name(part, scope, E, out, ind + 2, blocks + 2)
            out.append(f"{w2}if type({v}) is not Attrs:")
            if node.default is not None:
                self.emit(node.default, scope, E, result, out, ind + 3, blocks + 2)
                out.append(f"{w2}    break")
            else:
                out.append(f"{w2}    raise type_error('a set', {v}).with_trace("
                           f"'while selecting an attribute', {kpos})")
            out.append(f"{w2}{x} = {v}.vals.get({kname}, _MISSING)")
            out.append(f"{w2}if {x} is _MISSING:")
            if node.default is not None:
                self.emit(node.default, scope, E, result, out, ind + 3, blocks + 2)
                out.append(f"{w2}    break")
            else:
                out.append(f"{w2}    raise _missing({v}, {kname})")
            out.append(f"{w2}{apos} = {v}.pos.get({kname}) if {v}.pos else None")
            out.append(f"{w2}{done} += 1")
            out.append(f"{w2}{v} = {x}.force() if type({x}) is Thunk else {x}")
        out.append(f"{w2}{result} = {v}")
        out.append(f"{w2}break")
        out.append(f"{w}except NixError as e:")
        out.append(f"{w}    if type(e) is InfiniteRecursion and {x} is not None:")
        out.append(f"{w}        _fix(e, {x}, ({apos} or {kpos}) if {done} == {len(path)} "
                   f"else {kpos})")
        out.append(f"{w}    raise _select_failed(e, {E}, {knode}, {kpath}, {done}, {apos}, "
                   f"{kpos}) from None")
        if target is None:
            out.append(f"{w}return {result}")

    def attr_name(self, part: Any, scope, E, out, ind, blocks) -> str:
        """A static name's constant, or the compiler's ``_attr_name`` of a dynamic one."""
        if type(part) is str:
            return self.k(part)
        n = self.strict(part, scope, E, out, ind, blocks)
        out.append("    " * ind + f"if type({n}) is not str:")
        out.append("    " * ind + f"    {n} = force_string_no_context({n}, "
                   f"{self.k(C.nix_pos(part))}, 'while evaluating an attribute name')")
        return n

    def e_HasAttr(self, node: ast.HasAttr, scope, E, target, out, ind, blocks) -> None:
        epos = C.nix_pos(node.expr)
        v = self.guarded(node.expr, scope, E, out, ind, blocks, "in the argument of '?'", epos)
        result = target or self.tmp()
        kepos = self.k(epos)
        base = ind
        out.append("    " * ind + f"{result} = False")
        for part in node.path[:-1]:
            # a value on the way is forced where found, its errors placed at the operand
            name, x = self.attr_name(part, scope, E, out, ind, blocks), self.tmp()
            w = "    " * ind
            out.append(f"{w}if type({v}) is Attrs:")
            out.append(f"{w}    {x} = {v}.vals.get({name}, _MISSING)")
            out.append(f"{w}    if {x} is not _MISSING:")
            out.append(f"{w}        {v} = force_at({x}, {kepos})")
            ind += 2
        name = self.attr_name(node.path[-1], scope, E, out, ind, blocks)
        out.append("    " * ind + f"{result} = type({v}) is Attrs and {name} in {v}.vals")
        if target is None:
            out.append("    " * base + f"return {result}")

    def e_Not(self, node: ast.Not, scope, E, target, out, ind, blocks) -> None:
        epos = C.nix_pos(node.expr)
        ctx = "in the argument of '!'"
        v = self.guarded(node.expr, scope, E, out, ind, blocks, ctx, epos)
        w = "    " * ind
        out.append(f"{w}if {v} is not True and {v} is not False:")
        out.append(f"{w}    {self.not_a_boolean(v, ctx, epos)}")
        self.put(out, ind, target, f"{v} is False")

    def not_a_boolean(self, value: str, ctx: str, pos: Any) -> str:
        """The statement raising Nix's error for ``value``, which is no Boolean."""
        return (f"raise type_error('a Boolean', {value}, {self.k(pos)})"
                f".with_trace({self.k(ctx)}, {self.k(pos)})")

    def e_Call(self, node: ast.Call, scope, E, target, out, ind, blocks) -> None:
        if self.state.counting_calls:
            self.fallback(node, scope, E, target, out, ind)
            return
        kpos = self.k(C.nix_pos(node))
        f = self.strict(node.fn, scope, E, out, ind, blocks)
        w = "    " * ind
        result = target or self.tmp()
        # every argument made at once (making one evaluates nothing)
        args = [self.lazy(arg_node, scope, E, out, ind) for arg_node in node.args]
        # a builtin given all its arguments is called with them, as the
        # partial applications state.call would make end in
        out.append(f"{w}if type({f}) is PrimOp and {f}.arity == {len(args)}:")
        out.append(f"{w}    try:")
        out.append(f"{w}        {result} = {f}.impl(state, {', '.join(args)})")
        out.append(f"{w}    except NixError as e:")
        out.append(f"{w}        _prim_frame(e, {f}, {kpos})")
        out.append(f"{w}        raise")
        out.append(f"{w}else:")
        ind += 1
        w += "    "
        for a in args:
            out.append(f"{w}if type({f}) is Lambda and {f}.fn.formals is None:")
            out.append(f"{w}    try:")
            out.append(f"{w}        {result} = {f}.fn.body(Env([{a}], {f}.env))")
            out.append(f"{w}    except NixError as e:")
            out.append(f"{w}        if state.show_trace:")
            out.append(f"{w}            _call_frames(e, {f}.fn, {kpos})")
            out.append(f"{w}        raise")
            out.append(f"{w}else:")
            out.append(f"{w}    {result} = state.call({f}, {a}, {kpos})")
            f = result
        self.globals["state"] = self.state
        if target is None:
            out.append("    " * (ind - 1) + f"return {result}")

    def inherit_sources(self, node: ast.Attrs, scope, source_scope, E, out, ind) -> tuple:
        """``inherit (e) x;``: each ``e`` one shared thunk in an extra Env (its
        scope and that Env's local), as the compiler's ``_inherit_sources``."""
        if not node.inherit_from:
            return None, None
        e = self.tmp()
        thunks = [f"Thunk({self.function(x, source_scope)}, {E})" for x in node.inherit_from]
        out.append("    " * ind + f"{e} = Env([{', '.join(thunks)}], {E})")
        return Scope({}, scope), e

    def e_Attrs(self, node: ast.Attrs, scope, E, target, out, ind, blocks) -> None:
        if node.recursive or node.dynamic:
            self.fallback(node, scope, E, target, out, ind)
            return
        pos_map = {d.name: (node.src, d.start) for d in node.attrs}
        iscope, ienv = self.inherit_sources(node, scope, scope, E, out, ind)
        items = []
        for d in node.attrs:
            if d.kind == ast.AttrKind.INHERITED_FROM:
                value = self.lazy(d.value, iscope, ienv, out, ind, d.name)
            else:
                value = self.lazy(d.value, scope, E, out, ind, d.name)
            items.append(f"{self.k(d.name)}: {value}")
        self.put(out, ind, target, f"Attrs({{{', '.join(items)}}}, {self.k(pos_map)})")

    def e_InheritFrom(self, node: ast.InheritFrom, scope, E, target, out, ind, blocks) -> None:
        self.put(out, ind, target, f"{E}.vals[{node.index}].force()")

    def e_List(self, node: ast.List, scope, E, target, out, ind, blocks) -> None:
        items = [self.lazy(i, scope, E, out, ind) for i in node.items]
        self.put(out, ind, target, f"[{', '.join(items)}]")

    def e_StrInterp(self, node: ast.StrInterp, scope, E, target, out, ind, blocks) -> None:
        """``"a${b}c"``, as the compiler's ``interp``: each part evaluated in
        order (an error gets the frame of '+'), a non-string coerced."""
        w = "    " * ind
        parts = []
        for p in node.parts:
            if type(p) is ast.Str:
                parts.append(self.k(p.value))
                continue
            v = self.guarded(p, scope, E, out, ind, blocks, "in an operand of '+'", C.nix_pos(p))
            out.append(f"{w}if type({v}) is not str:")
            out.append(f"{w}    {v} = coerce_to_string(state, {v}, {self.k(C.interp_pos(p))}, "
                       "'while evaluating a path segment')")
            parts.append(v)
        self.globals["state"] = self.state
        self.put(out, ind, target, f"concat_strings([{', '.join(parts)}])")

    def e_Let(self, node: ast.Let, scope, E, target, out, ind, blocks) -> None:
        b = node.bindings
        if b.dynamic:
            self.fallback(node, scope, E, target, out, ind)
            return
        names = {d.name: i for i, d in enumerate(b.attrs)}
        inner = Scope(names, scope)
        e = self.tmp()
        w = "    " * ind
        out.append(f"{w}{e} = Env([None] * {len(names)}, {E})")
        iscope, ienv = self.inherit_sources(b, inner, inner, e, out, ind)
        for i, d in enumerate(b.attrs):
            if d.kind == ast.AttrKind.INHERITED:
                value = self.lazy(d.value, scope, E, out, ind, d.name)  # looked up outside
            elif d.kind == ast.AttrKind.INHERITED_FROM:
                value = self.lazy(d.value, iscope, ienv, out, ind, d.name)
            else:
                value = self.lazy(d.value, inner, e, out, ind, d.name)
            out.append(f"{w}{e}.vals[{i}] = {value}")
        self.emit(node.body, inner, e, target, out, ind, blocks)

    def e_With(self, node: ast.With, scope, E, target, out, ind, blocks) -> None:
        inner = Scope({}, scope, is_with=True, with_pos=self.c.pos(node))
        e = self.tmp()
        attrs = self.function(node.env, scope)
        out.append("    " * ind + f"{e} = Env([Thunk({attrs}, {E})], {E})")
        self.emit(node.body, inner, e, target, out, ind, blocks)

    def e_Lambda(self, node: ast.Lambda, scope, E, target, out, ind, blocks) -> None:
        self.put(out, ind, target, f"Lambda({self.k(self.c.function_code(node, scope))}, {E})")

    def e_BinOp(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        op = node.op
        rebound = C._REBINDABLE.get(op)
        if rebound is not None and resolve(scope, rebound[0]) is not None:
            self.fallback(node, scope, E, target, out, ind)
            return
        emit = {"==": self.equality, "!=": self.equality, "&&": self.logic, "||": self.logic,
                "->": self.logic, "<": self.compare, ">": self.compare, "<=": self.compare,
                ">=": self.compare, "-": self.minus, "*": self.arithmetic,
                "/": self.arithmetic, "+": self.plus, "//": self.update}.get(op)
        if emit is None:
            self.fallback(node, scope, E, target, out, ind)
        else:
            emit(node, scope, E, target, out, ind, blocks)

    def equality(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        op = node.op
        a = self.guarded(node.lhs, scope, E, out, ind, blocks, f"in the left operand of '{op}'",
                         C.nix_pos(node.lhs))
        b = self.guarded(node.rhs, scope, E, out, ind, blocks,
                         f"in the right operand of '{op}'", C.nix_pos(node.rhs))
        negate = op == "!="
        # against a literal `null`, `true`, `false` or string, what equal() would find
        for value, literal in ((a, node.rhs), (b, node.lhs)):
            if type(literal) is ast.Str:
                test = f"(isinstance({value}, str) and {value} == {self.k(literal.value)})"
            elif self.constant(literal, scope) in (None, True, False):
                test = f"({value} is {self.constant(literal, scope)})"
            else:
                continue
            self.put(out, ind, target, f"not {test}" if negate else test)
            return
        self.put(out, ind, target, f"equal({a}, {b}) is not {negate}")

    def constant(self, node: ast.Node, scope: Scope | None) -> Any:
        """``null``, ``true`` or ``false`` where ``node`` is one of those names
        of the base environment, else a value that is none of them."""
        if type(node) is ast.Var and resolve(scope, node.name) is None:
            value = self.state.base_env.get(node.name, C._MISSING)
            for constant in (None, True, False):
                if value is constant:
                    return constant
        return C._MISSING

    def logic(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        op = node.op
        lpos, rpos = C.nix_pos(node.lhs), C.nix_pos(node.rhs)
        left, right = f"in the left operand of '{op}'", f"in the right operand of '{op}'"
        w = "    " * ind
        result = target or self.tmp()
        a = self.guarded(node.lhs, scope, E, out, ind, blocks, left, lpos)
        out.append(f"{w}if {a} is not True and {a} is not False:")
        out.append(f"{w}    {self.not_a_boolean(a, left, lpos)}")
        # the left value that decides the result without the right one
        decides = {"||": f"{a} is True", "&&": f"{a} is False", "->": f"{a} is False"}[op]
        out.append(f"{w}if {decides}:")
        out.append(f"{w}    {result} = {'True' if op == '->' else a}")
        out.append(f"{w}else:")
        b = self.guarded(node.rhs, scope, E, out, ind + 1, blocks, right, rpos)
        out.append(f"{w}    if {b} is not True and {b} is not False:")
        out.append(f"{w}        {self.not_a_boolean(b, right, rpos)}")
        out.append(f"{w}    {result} = {b}")
        if target is None:
            out.append(f"{w}return {result}")

    def compare(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        """``a < b`` is ``__lessThan a b``, ``a > b`` is ``__lessThan b a``, and
        ``<=``/``>=`` negate those as ``!`` does."""
        op = node.op
        kpos = self.k((node.src, node.op_start))
        swap = op in (">", "<=")
        negate = op in ("<=", ">=")
        result = target or self.tmp()
        if negate:
            out.append("    " * ind + "try:")
        ind_ = ind + 1 if negate else ind
        self.builtin_call(node.rhs if swap else node.lhs, node.lhs if swap else node.rhs, scope,
                          E, result, out, ind_, blocks + negate, "lessThan", kpos,
                          lambda a, b: [f"{result} = ({a} < {b}) if type({a}) is int and "
                                        f"type({b}) is int else less_than({a}, {b})"])
        w = "    " * ind
        if negate:
            out.append(f"{w}    {result} = not {result}")
            out.append(f"{w}except NixError as x:")
            out.append(f"{w}    x.add_trace(\"in the argument of '!'\", {kpos})")
            out.append(f"{w}    raise")
        if target is None:
            out.append(f"{w}return {result}")

    def minus(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        result = target or self.tmp()
        self.builtin_call(node.lhs, node.rhs, scope, E, result, out, ind, blocks, "sub",
                          self.k((node.src, node.op_start)), lambda a, b: [
                              f"if type({a}) is int and type({b}) is int and -_BIG < {a} < _BIG "
                              f"and -_BIG < {b} < _BIG:",
                              f"    {result} = {a} - {b}",
                              "else:",
                              f"    {result} = arith('-', {a}, {b})"])
        if target is None:
            out.append("    " * ind + f"return {result}")

    def arithmetic(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        """``*`` and ``/``: calls of ``__mul`` and ``__div``; a product of two
        integers below 2^31 in magnitude cannot overflow, and is computed inline."""
        op = node.op
        result = target or self.tmp()

        def compute(a: str, b: str) -> list[str]:
            if op != "*":
                return [f"{result} = arith({op!r}, {a}, {b})"]
            return [f"if type({a}) is int and type({b}) is int and -_HALF < {a} < _HALF "
                    f"and -_HALF < {b} < _HALF:",
                    f"    {result} = {a} * {b}",
                    "else:",
                    f"    {result} = arith('*', {a}, {b})"]

        self.builtin_call(node.lhs, node.rhs, scope, E, result, out, ind, blocks, C._OP_NAMES[op],
                          self.k((node.src, node.op_start)), compute)
        if target is None:
            out.append("    " * ind + f"return {result}")

    def builtin_call(self, first: ast.Node, second: ast.Node, scope, E, result: str,
                     out: list[str], ind: int, blocks: int, builtin: str, kpos: str,
                     compute: Callable[[str, str], list[str]]) -> None:
        """An operator that stands for a call of ``builtin`` on two operands (as
        the compiler's ``_operand``s): ``compute``'s lines, in a try block whose
        errors get the builtin's frame."""
        w = "    " * ind
        out.append(f"{w}try:")
        a = self.operand(first, scope, E, out, ind + 1, blocks + 1)
        b = self.operand(second, scope, E, out, ind + 1, blocks + 1)
        out.extend(f"{w}    {line}" for line in compute(a, b))
        out.append(f"{w}except NixError as x:")
        frame = self.k(f"while calling the '{builtin}' builtin")
        out.append(f"{w}    x.add_trace({frame}, {kpos})")
        out.append(f"{w}    raise")

    def plus(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        lpos, rpos = C.nix_pos(node.lhs), C.nix_pos(node.rhs)
        lop, rop = C.operand_pos(node.lhs), C.operand_pos(node.rhs)
        pos = (node.src, node.op_start)
        ctx = "in an operand of '+'"
        w = "    " * ind
        result = target or self.tmp()
        a = self.guarded(node.lhs, scope, E, out, ind, blocks, ctx, lpos)
        out.append(f"{w}if type({a}) is int:")
        b = self.guarded(node.rhs, scope, E, out, ind + 1, blocks, ctx, rpos)
        out.append(f"{w}    if type({b}) is int and -_BIG < {a} < _BIG and -_BIG < {b} < _BIG:")
        out.append(f"{w}        {result} = {a} + {b}")
        out.append(f"{w}    else:")
        out.append(f"{w}        {result} = _add_to_number({a}, {b}, {self.k(rop)})")
        out.append(f"{w}else:")
        # the right side after the left one's coercion, as the compiler's _concat does
        rhs = self.k(self.c.compile(node.rhs, scope))
        out.append(f"{w}    {result} = _concat(state, {a}, {rhs}, {E}, {self.k(rpos)}, "
                   f"{self.k(lop)}, {self.k(rop)}, {self.k(pos)})")
        self.globals["state"] = self.state
        if target is None:
            out.append(f"{w}return {result}")

    def update(self, node: ast.BinOp, scope, E, target, out, ind, blocks) -> None:
        """``a // b // c``: operands evaluated rightmost first, then merged."""
        operands: list[tuple[ast.Node, str]] = []

        def collect(n: ast.Node, ctx: str) -> None:
            if type(n) is ast.BinOp and n.op == "//":
                collect(n.rhs, "in the right operand of '//'")
                collect(n.lhs, "in the left operand of '//'")
            else:
                operands.append((n, ctx))

        collect(node, "")
        w = "    " * ind
        sets = []
        for n, ctx in operands:
            v = self.tmp()
            out.append(f"{w}try:")
            self.emit(n, scope, E, v, out, ind + 1, blocks + 1)
            out.append(f"{w}    if type({v}) is not Attrs:")
            out.append(f"{w}        raise type_error('a set', {v})")
            out.append(f"{w}except NixError as x:")
            out.append(f"{w}    x.add_trace({self.k(ctx)}, {self.k(C.nix_pos(n))})")
            out.append(f"{w}    raise")
            sets.append(v)
        self.put(out, ind, target, f"_merge([{', '.join(sets)}])")
