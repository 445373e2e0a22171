"""Compile the AST to Python closures ``code(env) -> value``.

Variables are resolved here, once: to a slot some environments up, to a
base-environment constant, or (only under ``with``) to a search of the
enclosing ``with`` sets. Sub-expressions in lazy positions (bindings, list
items, arguments) compile to a second form ``lazy(env) -> value or Thunk``
that skips the thunk where Nix would: constants, variables, functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..syntax import ast
from .env import Env, Scope, resolve, with_depths
from .errors import AssertionFailed, NixError, Pos
from .ops import (
    add_numbers,
    arith,
    coerce_to_string,
    concat_strings,
    equal,
    force_attrs,
    force_bool,
    force_list,
    force_string_no_context,
    less_than,
)
from .values import Attrs, Lambda, NixPath, Thunk, show_type

if TYPE_CHECKING:
    from .state import EvalState

Code = Callable[[Env], Any]


class FunctionCode:
    """A compiled lambda: how to bind its argument and run its body."""

    __slots__ = ("arg", "body", "defaults", "ellipsis", "formal_names", "formal_pos", "formals",
                 "name", "nslots", "pos")

    def __init__(self) -> None:
        self.name: str | None = None
        self.arg: str | None = None
        self.formals: list[tuple[str, int]] | None = None  # (name, slot)
        self.formal_names: frozenset[str] = frozenset()
        self.defaults: dict[str, Code] = {}
        self.ellipsis = False
        self.nslots = 0
        self.body: Code = _unset
        self.pos: Pos = None
        self.formal_pos: dict[str, Pos] = {}

    def display_name(self) -> str:
        return f"function '{self.name}'" if self.name else "anonymous function"


def _unset(env: Env) -> Any:
    raise AssertionError("function body not compiled")


def canon_path(path: str) -> str:
    """Nix's CanonPath: absolute, no `.`/`..`/empty segments, symlinks untouched."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return "/" + "/".join(out)


class Compiler:
    def __init__(self, state: EvalState, base_dir: str) -> None:
        self.state = state
        self.base_dir = base_dir

    # entry ------------------------------------------------------------------
    def compile(self, node: ast.Node, scope: Scope | None) -> Code:
        return getattr(self, "c_" + type(node).__name__)(node, scope)

    def lazy(self, node: ast.Node, scope: Scope | None, name: str | None = None) -> Code:
        t = type(node)
        if t in (ast.Int, ast.Float, ast.Str):
            value = node.value
            return lambda env: value
        if t is ast.Var and (resolve(scope, node.name) is not None
                             or node.name in self.state.base_env):
            return self._var(node, scope, force_it=False)
        if t is ast.Lambda:
            return self.c_Lambda(node, scope, name)
        code = self.compile(node, scope)
        return lambda env: Thunk(code, env)

    def pos(self, node: ast.Node, offset: int | None = None) -> Pos:
        return (node.src, node.start if offset is None else offset)

    # atoms ------------------------------------------------------------------
    def c_Int(self, node: ast.Int, scope: Scope | None) -> Code:
        value = node.value
        return lambda env: value

    c_Float = c_Int
    c_Str = c_Int

    def c_Path(self, node: ast.Path, scope: Scope | None) -> Code:
        path = NixPath(self.resolve_path_literal(node.value))
        return lambda env: path

    def resolve_path_literal(self, literal: str) -> str:
        if literal.startswith("~"):
            resolved = os.environ.get("HOME", "") + literal[1:]
        elif literal.startswith("/"):
            resolved = literal
        else:
            resolved = self.base_dir + "/" + literal
        out = canon_path(resolved)
        if literal.endswith("/") and len(literal) > 1:
            out += "/"  # the first segment of an interpolated path keeps its slash
        return out

    def c_PathInterp(self, node: ast.PathInterp, scope: Scope | None) -> Code:
        first = self.resolve_path_literal(node.parts[0].value)
        rest = [self.compile(p, scope) for p in node.parts[1:]]
        pos = self.pos(node)
        state = self.state

        def path_interp(env: Env) -> NixPath:
            parts = [first]
            for code in rest:
                s = coerce_to_string(state, code(env), pos, copy_to_store=False)
                if getattr(s, "context", None):
                    raise NixError("a string that refers to a store path cannot be "
                                   "appended to a path", pos)
                parts.append(s)
            return NixPath(canon_path("".join(parts)))

        return path_interp

    def c_StrInterp(self, node: ast.StrInterp, scope: Scope | None) -> Code:
        codes = [(self.compile(p, scope), self.pos(p)) for p in node.parts]
        state = self.state

        def interp(env: Env) -> str:
            return concat_strings([coerce_to_string(state, code(env), pos)
                                   for code, pos in codes])

        return interp

    def c_SearchPath(self, node: ast.SearchPath, scope: Scope | None) -> Code:
        # `<p>` is `__findFile __nixPath "p"`, with whatever those names mean here
        find = self._var(ast.Var(node.src, node.start, node.end, "__findFile"), scope)
        nix_path = self._var(ast.Var(node.src, node.start, node.end, "__nixPath"), scope,
                             force_it=False)
        value = node.value
        pos = self.pos(node)
        state = self.state
        return lambda env: state.call(state.call(find(env), nix_path(env), pos), value, pos)

    def c_CurPos(self, node: ast.CurPos, scope: Scope | None) -> Code:
        line, col = node.src.line_col(node.start)
        value = Attrs({"file": node.src.name, "line": line, "column": col})
        return lambda env: value

    # variables ---------------------------------------------------------------
    def c_Var(self, node: ast.Var, scope: Scope | None) -> Code:
        return self._var(node, scope)

    def _var(self, node: ast.Var, scope: Scope | None, force_it: bool = True) -> Code:
        name = node.name
        found = resolve(scope, name)
        if found is not None:
            return _slot_code(*found, force_it)
        base = self.state.base_env.get(name, _MISSING)
        if base is not _MISSING:
            if force_it and type(base) is Thunk:
                return lambda env: base.force()
            return lambda env: base
        depths = with_depths(scope)
        if not depths:
            raise NixError(f"undefined variable '{name}'", self.pos(node))
        pos = self.pos(node)

        def from_with(env: Env) -> Any:
            for depth in depths:
                e = env
                for _ in range(depth):
                    e = e.up
                attrs = force_attrs(e.vals[0], pos)
                v = attrs.vals.get(name, _MISSING)
                if v is not _MISSING:
                    return v.force() if force_it and type(v) is Thunk else v
            raise NixError(f"undefined variable '{name}'", pos)

        return from_with

    # functions ---------------------------------------------------------------
    def c_Lambda(self, node: ast.Lambda, scope: Scope | None, name: str | None = None) -> Code:
        fc = FunctionCode()
        fc.name = name
        fc.arg = node.arg
        fc.pos = self.pos(node)
        names: dict[str, int] = {}
        if node.arg is not None:
            names[node.arg] = 0
        if node.formals is not None:
            fc.formals = []
            for f in node.formals.formals:
                names.setdefault(f.name, len(names))
                fc.formals.append((f.name, names[f.name]))
            fc.formal_names = frozenset(f.name for f in node.formals.formals)
            fc.formal_pos = {f.name: (f.src, f.start) for f in node.formals.formals}
            fc.ellipsis = node.formals.ellipsis
        fc.nslots = len(names)
        inner = Scope(names, scope)
        if node.formals is not None:
            for f in node.formals.formals:
                if f.default is not None:
                    fc.defaults[f.name] = self.compile(f.default, inner)
        fc.body = self.compile(node.body, inner)
        return lambda env: Lambda(fc, env)

    def c_Call(self, node: ast.Call, scope: Scope | None) -> Code:
        fn = self.compile(node.fn, scope)
        args = [self.lazy(a, scope) for a in node.args]
        pos = self.pos(node)
        call = self.state.call
        if len(args) == 1:
            arg = args[0]

            def call1(env: Env) -> Any:
                f = fn(env)
                # the common case, a plain `x: …` lambda, without the general dispatch
                if type(f) is Lambda and f.fn.formals is None:
                    return f.fn.body(Env([arg(env)], f.env))
                return call(f, arg(env), pos)

            return call1

        def call_many(env: Env) -> Any:
            f = fn(env)
            for a in args:
                f = call(f, a(env), pos)
            return f

        return call_many

    # sets ----------------------------------------------------------------------
    def c_Attrs(self, node: ast.Attrs, scope: Scope | None) -> Code:
        if node.recursive:
            return self._rec_attrs(node, scope, body=None)
        pos_map = {d.name: (node.src, d.start) for d in node.attrs}
        names = [d.name for d in node.attrs]
        if node.inherit_from:
            inherit_scope, make_inherit_env = self._inherit_sources(node, scope, scope)
            lazies = [(self.lazy(d.value, inherit_scope, d.name), True)
                      if d.kind == ast.AttrKind.INHERITED_FROM
                      else (self.lazy(d.value, scope, d.name), False) for d in node.attrs]
        else:
            make_inherit_env = None
            lazies = [(self.lazy(d.value, scope, d.name), False) for d in node.attrs]
        dynamic = self._dynamic(node, scope)

        def attrs(env: Env) -> Attrs:
            ienv = make_inherit_env(env) if make_inherit_env is not None else None
            vals = {n: code(ienv if from_inherit else env)
                    for n, (code, from_inherit) in zip(names, lazies, strict=True)}
            result = Attrs(vals, pos_map)
            if dynamic:
                dynamic(env, result)
            return result

        if not dynamic and not node.inherit_from:
            simple = [code for code, _ in lazies]

            def plain_attrs(env: Env) -> Attrs:
                return Attrs({n: code(env) for n, code in zip(names, simple, strict=True)},
                             pos_map)

            return plain_attrs
        return attrs

    def _inherit_sources(self, node: ast.Attrs, scope: Scope | None,
                         source_scope: Scope | None) -> tuple[Scope, Callable[[Env], Env]]:
        """``inherit (e) x;``: each ``e`` is one shared thunk in an extra Env."""
        codes = [self.compile(e, source_scope) for e in node.inherit_from]
        inherit_scope = Scope({}, scope)

        def make(env: Env) -> Env:
            return Env([Thunk(code, env) for code in codes], env)

        return inherit_scope, make

    def c_InheritFrom(self, node: ast.InheritFrom, scope: Scope | None) -> Code:
        index = node.index
        return lambda env: env.vals[index].force()

    def _dynamic(self, node: ast.Attrs, scope: Scope | None):
        if not node.dynamic:
            return None
        items = [(self.compile(d.name, scope), self.lazy(d.value, scope), (node.src, d.start))
                 for d in node.dynamic]

        def add(env: Env, result: Attrs) -> None:
            for name_code, value_code, pos in items:
                name = name_code(env)
                if name is None:
                    continue  # `${null} = …;` adds nothing
                name = force_string_no_context(name, pos)
                if name in result.vals:
                    line, col = pos[0].line_col(pos[1])
                    raise NixError(f"dynamic attribute '{name}' already defined at "
                                   f"{pos[0].name}:{line}:{col}", pos)
                result.vals[name] = value_code(env)

        return add

    def _rec_attrs(self, node: ast.Attrs, scope: Scope | None, body: ast.Node | None) -> Code:
        """``rec { … }`` and ``let … in body``: bindings that see each other."""
        names = {d.name: i for i, d in enumerate(node.attrs)}
        inner = Scope(names, scope)
        if node.inherit_from:
            inherit_scope, make_inherit_env = self._inherit_sources(node, inner, inner)
        else:
            inherit_scope, make_inherit_env = inner, None
        has_overrides = body is None and "__overrides" in names
        slots = []
        for d in node.attrs:
            if d.kind == ast.AttrKind.INHERITED:
                slots.append((0, self.lazy(d.value, scope, d.name)))  # looked up outside
            elif d.kind == ast.AttrKind.INHERITED_FROM:
                slots.append((2, self.lazy(d.value, inherit_scope, d.name)))
            elif has_overrides:
                # every binding a real thunk, so references see the overridden slots
                code = self.compile(d.value, inner)
                slots.append((1, lambda env, code=code: Thunk(code, env)))
            else:
                slots.append((1, self.lazy(d.value, inner, d.name)))
        n = len(slots)
        dynamic = self._dynamic(node, inner)
        body_code = self.compile(body, inner) if body is not None else None
        pos_map = {d.name: (node.src, d.start) for d in node.attrs}
        attr_names = list(names)

        def rec(env: Env) -> Any:
            new = Env([None] * n, env)
            ienv = make_inherit_env(new) if make_inherit_env is not None else None
            vals = new.vals
            for i in range(n):
                which, code = slots[i]
                vals[i] = code(new if which == 1 else env if which == 0 else ienv)
            if body_code is not None:
                return body_code(new)
            result = Attrs(dict(zip(attr_names, vals, strict=True)), pos_map)
            if has_overrides:
                _apply_overrides(result, new, names)
            if dynamic:
                dynamic(new, result)
            return result

        return rec

    def c_Let(self, node: ast.Let, scope: Scope | None) -> Code:
        return self._rec_attrs(node.bindings, scope, node.body)

    def c_With(self, node: ast.With, scope: Scope | None) -> Code:
        attrs = self.compile(node.env, scope)
        body = self.compile(node.body, Scope({}, scope, is_with=True))
        return lambda env: body(Env([Thunk(attrs, env)], env))

    def c_Select(self, node: ast.Select, scope: Scope | None) -> Code:
        expr = self.compile(node.expr, scope)
        path = self._attr_path(node.path, scope)
        default = self.compile(node.default, scope) if node.default is not None else None
        pos = self.pos(node)
        static = [p for p in path if isinstance(p, str)]
        if len(static) == 1 and len(path) == 1 and default is None:
            name = static[0]

            def select1(env: Env) -> Any:
                v = expr(env)
                if type(v) is not Attrs:
                    raise _select_type_error(v, name, pos)
                x = v.vals.get(name, _MISSING)
                if x is _MISSING:
                    raise _missing(v, name, pos)
                return x.force() if type(x) is Thunk else x

            return select1

        def select(env: Env) -> Any:
            v = expr(env)
            for part in path:
                name = part if isinstance(part, str) else force_string_no_context(part(env), pos)
                if type(v) is not Attrs:
                    if default is not None:
                        return default(env)
                    raise _select_type_error(v, name, pos)
                x = v.vals.get(name, _MISSING)
                if x is _MISSING:
                    if default is not None:
                        return default(env)
                    raise _missing(v, name, pos)
                v = x.force() if type(x) is Thunk else x
            return v

        return select

    def _attr_path(self, path: tuple, scope: Scope | None) -> list:
        return [p if isinstance(p, str) else self.compile(p, scope) for p in path]

    def c_HasAttr(self, node: ast.HasAttr, scope: Scope | None) -> Code:
        expr = self.compile(node.expr, scope)
        path = self._attr_path(node.path, scope)
        pos = self.pos(node)

        last = len(path) - 1

        def has(env: Env) -> bool:
            v = expr(env)
            for i, part in enumerate(path):
                name = part if isinstance(part, str) else force_string_no_context(part(env), pos)
                if type(v) is not Attrs:
                    return False
                x = v.vals.get(name, _MISSING)
                if x is _MISSING:
                    return False
                if i == last:
                    return True  # the value itself is not needed, so not forced
                v = x.force() if type(x) is Thunk else x
            return True

        return has

    def c_List(self, node: ast.List, scope: Scope | None) -> Code:
        items = [self.lazy(i, scope) for i in node.items]
        return lambda env: [code(env) for code in items]

    # control -----------------------------------------------------------------
    def c_If(self, node: ast.If, scope: Scope | None) -> Code:
        cond = self.compile(node.cond, scope)
        then = self.compile(node.then, scope)
        else_ = self.compile(node.else_, scope)
        pos = self.pos(node.cond)

        def if_(env: Env) -> Any:
            c = cond(env)
            if c is True:
                return then(env)
            if c is False:
                return else_(env)
            return then(env) if force_bool(c, pos) else else_(env)

        return if_

    def c_Assert(self, node: ast.Assert, scope: Scope | None) -> Code:
        cond = self.compile(node.cond, scope)
        body = self.compile(node.body, scope)
        pos = self.pos(node)
        from ..syntax.printer import to_source

        text = to_source(node.cond)

        def assert_(env: Env) -> Any:
            if not force_bool(cond(env), pos):
                raise AssertionFailed(f"assertion '{text}' failed", pos)
            return body(env)

        return assert_

    def c_Not(self, node: ast.Not, scope: Scope | None) -> Code:
        expr = self.compile(node.expr, scope)
        pos = self.pos(node)
        return lambda env: not force_bool(expr(env), pos)

    def c_Neg(self, node: ast.Neg, scope: Scope | None) -> Code:
        rebound = resolve(scope, "__sub")
        expr = self.compile(node.expr, scope)
        pos = self.pos(node)
        if rebound is not None:
            sub = _slot_code(*rebound, True)
            call = self.state.call
            return lambda env: call(call(sub(env), 0, pos), Thunk(expr, env), pos)
        return lambda env: arith("-", 0, expr(env), pos)

    def c_BinOp(self, node: ast.BinOp, scope: Scope | None) -> Code:
        lhs = self.compile(node.lhs, scope)
        rhs = self.compile(node.rhs, scope)
        pos = (node.src, node.op_start)
        op = node.op
        state = self.state
        rebound = _REBINDABLE.get(op)
        if rebound is not None and resolve(scope, rebound[0]) is not None:
            return self._rebound_op(node, scope, *rebound)
        if op == "+":
            def plus(env: Env) -> Any:
                a = lhs(env)
                if type(a) is int:
                    b = rhs(env)
                    if type(b) is int and -_BIG < a < _BIG and -_BIG < b < _BIG:
                        return a + b  # cannot overflow: skip the checks
                    return add_numbers(a, b, pos)
                if type(a) is float:
                    return add_numbers(a, rhs(env), pos)
                return _concat(state, a, rhs(env), pos)
            return plus
        if op == "-":
            def minus(env: Env) -> Any:
                a = lhs(env)
                b = rhs(env)
                if type(a) is int and type(b) is int and -_BIG < a < _BIG and -_BIG < b < _BIG:
                    return a - b  # cannot overflow: skip the checks
                return arith("-", a, b, pos)
            return minus
        if op in ("*", "/"):
            return lambda env: arith(op, lhs(env), rhs(env), pos)
        if op == "==":
            return lambda env: equal(lhs(env), rhs(env))
        if op == "!=":
            return lambda env: not equal(lhs(env), rhs(env))
        if op == "<":
            def lt(env: Env) -> bool:
                a = lhs(env)
                b = rhs(env)
                if type(a) is int and type(b) is int:
                    return a < b
                return less_than(a, b, pos)
            return lt
        if op == ">":
            return lambda env: less_than(rhs(env), lhs(env), pos)
        if op == "<=":
            return lambda env: not less_than(rhs(env), lhs(env), pos)
        if op == ">=":
            return lambda env: not less_than(lhs(env), rhs(env), pos)
        if op == "&&":
            return lambda env: force_bool(lhs(env), pos) and force_bool(rhs(env), pos)
        if op == "||":
            return lambda env: force_bool(lhs(env), pos) or force_bool(rhs(env), pos)
        if op == "->":
            return lambda env: (not force_bool(lhs(env), pos)) or force_bool(rhs(env), pos)
        if op == "//":
            def update(env: Env) -> Attrs:
                a = force_attrs(lhs(env), pos)
                b = force_attrs(rhs(env), pos)
                if not b.vals:
                    return a
                if not a.vals:
                    return b
                vals = dict(a.vals)
                vals.update(b.vals)
                pos_map = dict(a.pos or {})
                pos_map.update(b.pos or {})
                return Attrs(vals, pos_map)
            return update
        if op == "++":
            def concat(env: Env) -> list:
                a = force_list(lhs(env), pos)
                b = force_list(rhs(env), pos)
                return a + b if a and b else (a or b)
            return concat
        raise AssertionError(f"unknown operator {op}")

    def _rebound_op(self, node: ast.BinOp, scope: Scope | None, name: str,
                    swap: bool, negate: bool) -> Code:
        """An operator whose builtin (``__sub``, ``__lessThan``…) is rebound lexically."""
        fn = _slot_code(*resolve(scope, name), True)
        lhs = self.lazy(node.lhs, scope)
        rhs = self.lazy(node.rhs, scope)
        pos = (node.src, node.op_start)
        call = self.state.call

        def rebound(env: Env) -> Any:
            a, b = (rhs(env), lhs(env)) if swap else (lhs(env), rhs(env))
            r = call(call(fn(env), a, pos), b, pos)
            return (not force_bool(r, pos)) if negate else r

        return rebound


# operator -> (builtin it stands for, swap operands, negate result), as Nix desugars
_REBINDABLE = {
    "-": ("__sub", False, False), "*": ("__mul", False, False),
    "/": ("__div", False, False), "<": ("__lessThan", False, False),
    ">": ("__lessThan", True, False), "<=": ("__lessThan", True, True),
    ">=": ("__lessThan", False, True),
}

_MISSING = object()
_BIG = 2**62  # operands below this in magnitude cannot overflow 64 bits when added


def _slot_code(depth: int, index: int, force_it: bool) -> Code:
    if depth == 0:
        def slot0(env: Env) -> Any:
            v = env.vals[index]
            return v.force() if type(v) is Thunk else v
    elif depth == 1:
        def slot0(env: Env) -> Any:
            v = env.up.vals[index]
            return v.force() if type(v) is Thunk else v
    else:
        def slot0(env: Env) -> Any:
            for _ in range(depth):
                env = env.up
            v = env.vals[index]
            return v.force() if type(v) is Thunk else v
    if force_it:
        return slot0

    def lazy_slot(env: Env) -> Any:
        e = env
        for _ in range(depth):
            e = e.up
        v = e.vals[index]
        # a `let`/`rec` slot not filled yet (as Nix's maybeThunk): defer the lookup
        return v if v is not None else Thunk(slot0, env)

    return lazy_slot


def _concat(state: EvalState, a: Any, b: Any, pos: Pos) -> Any:
    """``+`` when the left side is not a number: strings or paths."""
    from .values import force

    a = force(a)
    if type(a) is NixPath:
        s = coerce_to_string(state, b, pos, copy_to_store=False)
        if getattr(s, "context", None):
            raise NixError("a string that refers to a store path cannot be appended to a path",
                           pos)
        return NixPath(canon_path(a.path + s))
    if isinstance(a, str):
        return concat_strings([a, coerce_to_string(state, b, pos)])
    b = force(b)
    raise NixError(f"cannot add {show_type(b)} to {show_type(a)}", pos)


def _select_type_error(v: Any, name: str, pos: Pos) -> NixError:
    from .values import type_error

    err = type_error("a set", v, pos)
    err.add_trace(f"while selecting attribute '{name}'", pos)
    return err


def _missing(v: Attrs, name: str, pos: Pos) -> NixError:
    import difflib

    err = NixError(f"attribute '{name}' missing", pos)
    close = difflib.get_close_matches(name, list(v.vals), n=3)
    if close:
        err.message += "\n       Did you mean " + (
            close[0] if len(close) == 1 else ", ".join(close[:-1]) + " or " + close[-1]) + "?"
    return err


def _apply_overrides(result: Attrs, env: Env, slots: dict[str, int]) -> None:
    """``rec { __overrides = { … }; }``: the overrides replace attributes, also for
    the set's own references to them."""
    overrides = force_attrs(result.vals["__overrides"], None)
    for name, value in overrides.vals.items():
        result.vals[name] = value
        if name in slots:
            env.vals[slots[name]] = value
