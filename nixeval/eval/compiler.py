"""Compile the AST to Python closures ``code(env) -> value``.

Variables are resolved here, once: to a slot some environments up, to a
base-environment constant, or (only under ``with``) to a search of the
enclosing ``with`` sets. Sub-expressions in lazy positions (bindings, list
items, arguments) compile to a second form ``lazy(env) -> value or Thunk``
that skips the thunk where Nix would: constants, variables, functions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .. import inputs
from ..syntax import ast
from . import fusion
from .env import Env, Scope, enclosing_withs, resolve
from .errors import AssertionFailed, InfiniteRecursion, NixError, Pos
from .ops import (
    arith,
    coerce_to_string,
    concat_strings,
    equal,
    force_at,
    force_attrs,
    force_bool,
    force_string_no_context,
    less_than,
)
from .values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    force,
    intern,
    show_type,
    symbol_order,
    type_error,
)

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


def call_frames(e: NixError, fc: FunctionCode, pos: Pos) -> None:
    """With --show-trace Nix records every function call an error leaves."""
    e.add_trace(f"while calling '{fc.name}'" if fc.name else "while calling anonymous lambda",
                fc.pos)
    if pos is not None:
        e.add_trace("from call site", pos)


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
    def __init__(self, state: EvalState, base_dir: str,
                 functions_again: Callable[[], list[ast.Lambda]] | None = None, *,
                 deferred: bool = False, interned: list[str] | None = None) -> None:
        self.state = state
        self.base_dir = base_dir
        # the functions of the tree compiled, parsed again (where it came from
        # a file's text unchanged): hot functions are fused from them (fusion.py)
        self.functions_again = functions_again
        # large parts compiled when first evaluated (see compile_facts.py:
        # the caller has interned the file's names and knows it compiles)
        self.deferred = deferred
        # where given, every name interned is also appended to it; deferred,
        # the caller interned all the file's names before
        self.intern: Callable[[str], None] = _interned if deferred else intern
        if interned is not None:
            def recorded(name: str) -> None:
                interned.append(name)
                intern(name)

            self.intern = recorded

    # entry ------------------------------------------------------------------
    def compile(self, node: ast.Node, scope: Scope | None) -> Code:
        return _COMPILERS[type(node)](self, node, scope)

    def lazy(self, node: ast.Node, scope: Scope | None, name: str | None = None,
             among_many: bool = False) -> Code:
        """A lazy position's code (making the thunk). ``among_many``: one of
        many bindings (nixpkgs' package sets: thousands of short
        ``callPackage`` calls, few of them ever evaluated), deferred however
        short it is."""
        t = type(node)
        if t in (ast.Int, ast.Float, ast.Str):
            return partial(_constant, node.value)
        if t is ast.Var:
            found = resolve(scope, node.name)
            if found is not None or node.name in self.state.base_env:
                return self._var(node, scope, force_it=False, found=found)
        if t is ast.Lambda:
            return self.c_Lambda(node, scope, name)
        if self.deferred and (among_many or node.end - node.start > _DEFERRED_CHARS):
            return self._deferred_thunks(node, scope)
        # a partial: no Python frame per thunk made, and less memory than a closure
        return partial(Thunk, self.compile(node, scope))

    def _deferred_thunks(self, node: ast.Node, scope: Scope | None) -> Code:
        """``lazy``'s thunks of ``node``, compiled when the first is forced
        (the tree is let go then, as eager compiling lets it go)."""
        return partial(_deferred_thunk, _Deferred(self, node, scope))

    def pos(self, node: ast.Node, offset: int | None = None) -> Pos:
        return (node.src, node.start if offset is None else offset)

    # atoms ------------------------------------------------------------------
    def c_Int(self, node: ast.Int, scope: Scope | None) -> Code:
        return partial(_constant, node.value)

    c_Float = c_Int
    c_Str = c_Int

    def c_Path(self, node: ast.Path, scope: Scope | None) -> Code:
        path = NixPath(self.resolve_path_literal(node.value))
        return lambda env: path

    def resolve_path_literal(self, literal: str) -> str:
        if literal.startswith("~"):
            resolved = (inputs.env("HOME") or "") + literal[1:]
        elif literal.startswith("/"):
            resolved = literal
        else:
            resolved = self.base_dir + "/" + literal
        out = canon_path(resolved)
        if literal.endswith("/") and len(literal) > 1:
            out += "/"  # the first segment of an interpolated path keeps its slash
        return out

    def c_PathInterp(self, node: ast.PathInterp, scope: Scope | None) -> Code:
        # Nix's ExprConcatStrings with a path first: parts are not copied to the store
        first = self.resolve_path_literal(node.parts[0].value)
        rest = [(self.compile(p, scope), nix_pos(p), interp_pos(p)) for p in node.parts[1:]]
        pos = self.pos(node)
        state = self.state

        def path_interp(env: Env) -> NixPath:
            parts = [first]
            context = False
            for code, epos, ipos in rest:
                try:
                    v = code(env)
                except NixError as e:
                    e.add_trace("in an operand of '+'", epos)
                    raise
                s = coerce_to_string(state, v, ipos, "while evaluating a path segment",
                                     copy_to_store=False)
                context = context or bool(getattr(s, "context", None))
                parts.append(s)
            if context:
                raise NixError("a string that refers to a store path cannot be "
                               "appended to a path", pos)
            return NixPath(canon_path("".join(parts)))

        return path_interp

    def c_StrInterp(self, node: ast.StrInterp, scope: Scope | None) -> Code:
        codes = [(self.compile(p, scope), nix_pos(p), interp_pos(p)) for p in node.parts]
        state = self.state

        def interp(env: Env) -> str:
            parts = []
            for code, epos, ipos in codes:
                try:
                    v = code(env)
                except NixError as e:
                    e.add_trace("in an operand of '+'", epos)
                    raise
                if type(v) is not str:
                    v = coerce_to_string(state, v, ipos, "while evaluating a path segment")
                parts.append(v)
            return concat_strings(parts)

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

    def _var(self, node: ast.Var, scope: Scope | None, force_it: bool = True,
             found: tuple[int, int] | None = None) -> Code:
        """``found``: the lexical slot where the caller resolved it already."""
        name = node.name
        self.intern(name)
        pos = self.pos(node)
        if found is None:
            found = resolve(scope, name)
        if found is not None:
            return _slot_code(*found, force_it, pos)
        base = self.state.base_env.get(name, _MISSING)
        if base is not _MISSING:
            if force_it and type(base) is Thunk:
                return lambda env: base.force()
            return partial(_constant, base)
        withs = enclosing_withs(scope)
        if not withs:
            raise NixError(f"undefined variable '{name}'", pos)

        def from_with(env: Env) -> Any:
            for depth, wpos in withs:
                e = env
                for _ in range(depth):
                    e = e.up
                attrs = force(e.vals[0])
                if type(attrs) is not Attrs:
                    raise type_error("a set", attrs).with_trace(
                        "while evaluating the first subexpression of a with expression", wpos)
                v = attrs.vals.get(name, _MISSING)
                if v is not _MISSING:
                    if force_it and type(v) is Thunk:
                        try:
                            return v.force()
                        except InfiniteRecursion as e:
                            _fix_recursion_pos(e, v, pos)
                            raise
                    return v
            raise NixError(f"undefined variable '{name}'", pos)

        return from_with

    # functions ---------------------------------------------------------------
    def c_Lambda(self, node: ast.Lambda, scope: Scope | None, name: str | None = None) -> Code:
        fc = self.function_code(node, scope, name)
        return lambda env: Lambda(fc, env)

    def function_code(self, node: ast.Lambda, scope: Scope | None,
                      name: str | None = None) -> FunctionCode:
        fc = FunctionCode()
        fc.name = name
        fc.arg = node.arg
        fc.pos = self.pos(node)
        names: dict[str, int] = {}
        if node.arg is not None:
            self.intern(node.arg)
            names[node.arg] = 0
        if node.formals is not None:
            fc.formals = []
            for f in node.formals.formals:
                self.intern(f.name)
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
                    # as Nix's maybeThunk: a default that is a variable is looked up at once
                    fc.defaults[f.name] = self.lazy(f.default, inner)
        # as Nix's setName: `f = a: b: …` names the inner function too
        if type(node.body) is ast.Lambda:
            fc.body = self.c_Lambda(node.body, inner, name)
        elif self.deferred and node.body.end - node.body.start > _DEFERRED_CHARS:
            def first_call(env: Env) -> Any:
                self._function_body(fc, node, inner)
                return fc.body(env)

            fc.body = first_call
        else:
            self._function_body(fc, node, inner)
        return fc

    def _function_body(self, fc: FunctionCode, node: ast.Lambda, inner: Scope) -> None:
        fc.body = self.compile(node.body, inner)
        if fusion.FUSE_AFTER is not None and self.functions_again is not None:
            fc.body = fusion.when_hot(self, fc, node, inner)

    def c_Call(self, node: ast.Call, scope: Scope | None) -> Code:
        fn = self.compile(node.fn, scope)
        args = [self.lazy(a, scope) for a in node.args]
        pos = nix_pos(node)
        state = self.state
        call = state.call
        if len(args) == 1 and not state.counting_calls:
            return partial(_call1, fn, args[0], pos, state, call)
        return partial(_call_many, fn, args, pos, call)

    # sets ----------------------------------------------------------------------
    def c_Attrs(self, node: ast.Attrs, scope: Scope | None) -> Code:
        if node.recursive:
            return self._rec_attrs(node, scope, body=None)
        pos_map = {d.name: (node.src, d.start) for d in node.attrs}
        names = [d.name for d in node.attrs]
        for name in names:
            self.intern(name)
        many = len(names) > _MANY_BINDINGS
        if node.inherit_from:
            inherit_scope, make_inherit_env = self._inherit_sources(node, scope, scope)
            lazies = [(self.lazy(d.value, inherit_scope, d.name), True)
                      if d.kind == ast.AttrKind.INHERITED_FROM
                      else (self.lazy(d.value, scope, d.name, many), False) for d in node.attrs]
        else:
            make_inherit_env = None
            lazies = [(self.lazy(d.value, scope, d.name, many), False) for d in node.attrs]
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
            return partial(_plain_attrs, names, [code for code, _ in lazies], pos_map)
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
            positions = result.pos = dict(result.pos or {})  # the literal's map is shared
            for name_code, value_code, pos in items:
                name = force_at(name_code(env), pos)
                if name is None:
                    continue  # `${null} = …;` adds nothing
                name = force_string_no_context(name, pos,
                                               "while evaluating the name of a dynamic attribute")
                if name in result.vals:
                    where = positions.get(name)
                    line, col = where[0].line_col(where[1]) if where else (0, 0)
                    raise NixError(f"dynamic attribute '{name}' already defined at "
                                   f"{where[0].name if where else '«none»'}:{line}:{col}", pos)
                result.vals[name] = value_code(env)
                positions[name] = pos

        return add

    def _rec_attrs(self, node: ast.Attrs, scope: Scope | None, body: ast.Node | None) -> Code:
        """``rec { … }`` and ``let … in body``: bindings that see each other."""
        names = {d.name: i for i, d in enumerate(node.attrs)}
        for name in names:
            self.intern(name)
        inner = Scope(names, scope)
        if node.inherit_from:
            inherit_scope, make_inherit_env = self._inherit_sources(node, inner, inner)
        else:
            inherit_scope, make_inherit_env = inner, None
        has_overrides = body is None and "__overrides" in names
        overrides_pos = (nix_pos(node.attrs[names["__overrides"]].value) if has_overrides
                         else None)
        slots = []
        many = len(names) > _MANY_BINDINGS
        for d in node.attrs:
            if d.kind == ast.AttrKind.INHERITED:
                slots.append((0, self.lazy(d.value, scope, d.name)))  # looked up outside
            elif d.kind == ast.AttrKind.INHERITED_FROM:
                slots.append((2, self.lazy(d.value, inherit_scope, d.name)))
            elif has_overrides:
                # every binding a real thunk, so references see the overridden slots
                code = self.compile(d.value, inner)
                slots.append((1, partial(Thunk, code)))
            else:
                slots.append((1, self.lazy(d.value, inner, d.name, many)))
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
                _apply_overrides(result, new, names, overrides_pos)
            if dynamic:
                dynamic(new, result)
            return result

        return rec

    def c_Let(self, node: ast.Let, scope: Scope | None) -> Code:
        return self._rec_attrs(node.bindings, scope, node.body)

    def c_With(self, node: ast.With, scope: Scope | None) -> Code:
        attrs = self.compile(node.env, scope)
        inner = Scope({}, scope, is_with=True, with_pos=self.pos(node))
        body = self.compile(node.body, inner)
        return lambda env: body(Env([Thunk(attrs, env)], env))

    def c_Select(self, node: ast.Select, scope: Scope | None) -> Code:
        expr = self.compile(node.expr, scope)
        epos = nix_pos(node.expr)
        path = self._attr_path(node.path, scope)
        default = self.compile(node.default, scope) if node.default is not None else None
        pos = select_pos(node)
        if len(path) == 1 and isinstance(path[0], str) and default is None:
            return partial(_select1, expr, epos, pos, path[0], node, path)

        return partial(_select, expr, epos, pos, path, default, node)

    def _attr_path(self, path: tuple, scope: Scope | None) -> list:
        """Static names as they are; a dynamic one as (code, its position)."""
        for p in path:
            if isinstance(p, str):
                self.intern(p)
        return [p if isinstance(p, str) else (self.compile(p, scope), nix_pos(p)) for p in path]

    def c_HasAttr(self, node: ast.HasAttr, scope: Scope | None) -> Code:
        expr = self.compile(node.expr, scope)
        path = self._attr_path(node.path, scope)
        epos = nix_pos(node.expr)
        last = len(path) - 1

        def has(env: Env) -> bool:
            try:
                v = expr(env)
            except NixError as e:
                e.add_trace("in the argument of '?'", epos)
                raise
            for i, part in enumerate(path):
                name = part if type(part) is str else _attr_name(part, env)
                if type(v) is not Attrs:
                    return False
                x = v.vals.get(name, _MISSING)
                if x is _MISSING:
                    return False
                if i == last:
                    return True  # the value itself is not needed, so not forced
                v = force_at(x, epos)
            return True

        return has

    def c_List(self, node: ast.List, scope: Scope | None) -> Code:
        return partial(_list, [self.lazy(i, scope) for i in node.items])

    # control -----------------------------------------------------------------
    def c_If(self, node: ast.If, scope: Scope | None) -> Code:
        cond = self.compile(node.cond, scope)
        cpos = nix_pos(node.cond)
        then = self.compile(node.then, scope)
        else_ = self.compile(node.else_, scope)
        ctx = "while evaluating a branch condition"

        def if_(env: Env) -> Any:
            try:
                c = cond(env)
            except NixError as e:
                e.add_trace(ctx, cpos)
                raise
            if c is True:
                return then(env)
            if c is False:
                return else_(env)
            raise type_error("a Boolean", c, cpos).with_trace(ctx, cpos)

        return if_

    def _bool(self, node: ast.Node, scope: Scope | None, ctx: str) -> Code:
        """Nix's evalBool: any error gets ``ctx`` at the expression, a value
        that is no Boolean is reported there too."""
        code = self.compile(node, scope)
        pos = nix_pos(node)

        def evaluated(env: Env) -> bool:
            try:
                v = code(env)
            except NixError as e:
                e.add_trace(ctx, pos)
                raise
            if v is True or v is False:
                return v
            raise type_error("a Boolean", v, pos).with_trace(ctx, pos)

        return evaluated

    def c_Assert(self, node: ast.Assert, scope: Scope | None) -> Code:
        from .printer import show_expr

        cond = self._bool(node.cond, scope, "in the condition of the assert statement")
        body = self.compile(node.body, scope)
        pos = self.pos(node)
        text = show_expr(node.cond, self.resolve_path_literal)
        c = node.cond
        if type(c) is ast.BinOp and c.op == "==":
            # a failed `a == b` is evaluated again to say where the sides differ
            lhs = self.compile(c.lhs, scope)
            rhs = self.compile(c.rhs, scope)
            eq_pos = (c.src, c.op_start)
        else:
            lhs = rhs = None

        def assert_(env: Env) -> Any:
            if not cond(env):
                if lhs is not None:
                    try:
                        assert_equal(self.state, lhs(env), rhs(env), eq_pos)
                    except AssertionFailed as e:
                        e.add_trace(f"while evaluating the condition of the assertion '{text}'",
                                    pos)
                        raise
                raise AssertionFailed(f"assertion '{text}' failed", pos)
            return body(env)

        return assert_

    def c_Not(self, node: ast.Not, scope: Scope | None) -> Code:
        expr = self.compile(node.expr, scope)
        epos = nix_pos(node.expr)
        ctx = "in the argument of '!'"

        def not_(env: Env) -> bool:
            try:
                v = expr(env)
            except NixError as e:
                e.add_trace(ctx, epos)
                raise
            if v is True:
                return False
            if v is False:
                return True
            raise type_error("a Boolean", v, epos).with_trace(ctx, epos)

        return not_

    def _logic(self, node: ast.BinOp, scope: Scope | None) -> Code:
        """``&&``, ``||``, ``->``: each side as Nix's evalBool."""
        op = node.op
        lhs = self.compile(node.lhs, scope)
        rhs = self.compile(node.rhs, scope)
        lpos, rpos = nix_pos(node.lhs), nix_pos(node.rhs)
        left, right = f"in the left operand of '{op}'", f"in the right operand of '{op}'"
        # the left value that decides the result without the right one
        decisive = op == "||"
        implies = op == "->"

        def logic(env: Env) -> bool:
            try:
                a = lhs(env)
            except NixError as e:
                e.add_trace(left, lpos)
                raise
            if a is not True and a is not False:
                raise type_error("a Boolean", a, lpos).with_trace(left, lpos)
            if implies:
                if not a:
                    return True
            elif a is decisive:
                return a
            try:
                b = rhs(env)
            except NixError as e:
                e.add_trace(right, rpos)
                raise
            if b is not True and b is not False:
                raise type_error("a Boolean", b, rpos).with_trace(right, rpos)
            return b

        return logic

    def _operand(self, node: ast.Node, scope: Scope | None) -> Code:
        """An operand a builtin forces (``a - b`` is ``__sub a b``): a variable's
        value is forced there, without a position."""
        if type(node) is ast.Var:
            found = resolve(scope, node.name)
            if found is not None:
                return _slot_code(*found, True, None)
        return self.compile(node, scope)

    def c_Neg(self, node: ast.Neg, scope: Scope | None) -> Code:
        rebound = resolve(scope, "__sub")
        pos = self.pos(node)
        if rebound is not None:
            expr = self.compile(node.expr, scope)
            sub = _slot_code(*rebound, True)
            call = self.state.call
            return lambda env: call(call(sub(env), 0, pos), Thunk(expr, env), pos)
        expr = self._operand(node.expr, scope)

        def neg(env: Env) -> Any:
            try:
                b = expr(env)
                if type(b) is int and -_BIG < b < _BIG:
                    return -b
                return arith("-", 0, b)
            except NixError as e:
                e.add_trace("while calling the 'sub' builtin", pos)
                raise

        return neg

    def c_BinOp(self, node: ast.BinOp, scope: Scope | None) -> Code:
        op = node.op
        pos = (node.src, node.op_start)
        rebound = _REBINDABLE.get(op)
        if rebound is not None and resolve(scope, rebound[0]) is not None:
            return self._rebound_op(node, scope, *rebound)
        if op == "+":
            return self._plus(node, scope)
        if op in ("-", "*", "/"):
            return self._arith(node, scope)
        if op in ("<", ">", "<=", ">="):
            return self._compare(node, scope)
        if op in ("==", "!="):
            lhs = self.compile(node.lhs, scope)
            rhs = self.compile(node.rhs, scope)
            lpos, rpos = nix_pos(node.lhs), nix_pos(node.rhs)
            left, right = f"in the left operand of '{op}'", f"in the right operand of '{op}'"
            negate = op == "!="

            def eq(env: Env) -> bool:
                try:
                    a = lhs(env)
                except NixError as e:
                    e.add_trace(left, lpos)
                    raise
                try:
                    b = rhs(env)
                except NixError as e:
                    e.add_trace(right, rpos)
                    raise
                return equal(a, b) is not negate

            return eq
        if op in ("&&", "||", "->"):
            return self._logic(node, scope)
        if op == "//":
            return self._update(node, scope)
        if op == "++":
            lhs = self.compile(node.lhs, scope)
            rhs = self.compile(node.rhs, scope)
            lpos, rpos = nix_pos(node.lhs), nix_pos(node.rhs)
            ctx = "while evaluating one of the elements to concatenate"

            def concat(env: Env) -> list:
                try:
                    a = lhs(env)
                except NixError as e:
                    e.add_trace("in the left operand of '++'", lpos)
                    raise
                try:
                    b = rhs(env)
                except NixError as e:
                    e.add_trace("in the right operand of '++'", rpos)
                    raise
                if type(a) is not list:
                    raise type_error("a list", a).with_trace(ctx, pos)
                if type(b) is not list:
                    raise type_error("a list", b).with_trace(ctx, pos)
                return a + b if a and b else (a or b)

            return concat
        raise AssertionError(f"unknown operator {op}")

    def _plus(self, node: ast.BinOp, scope: Scope | None) -> Code:
        """``+``: Nix's ExprConcatStrings of two operands."""
        lhs = self.compile(node.lhs, scope)
        rhs = self.compile(node.rhs, scope)
        lpos, rpos = nix_pos(node.lhs), nix_pos(node.rhs)
        # bison's locations of the operands (type errors point there)
        lop, rop = operand_pos(node.lhs), operand_pos(node.rhs)
        pos = (node.src, node.op_start)
        state = self.state

        def plus(env: Env) -> Any:
            try:
                a = lhs(env)
            except NixError as e:
                e.add_trace("in an operand of '+'", lpos)
                raise
            if type(a) is int:
                try:
                    b = rhs(env)
                except NixError as e:
                    e.add_trace("in an operand of '+'", rpos)
                    raise
                if type(b) is int and -_BIG < a < _BIG and -_BIG < b < _BIG:
                    return a + b  # cannot overflow: skip the checks
                return _add_to_number(a, b, rop)
            return _concat(state, a, rhs, env, rpos, lop, rop, pos)

        return plus

    def _arith(self, node: ast.BinOp, scope: Scope | None) -> Code:
        """``-``, ``*``, ``/``: calls of ``__sub``, ``__mul``, ``__div``."""
        op = node.op
        lhs = self._operand(node.lhs, scope)
        rhs = self._operand(node.rhs, scope)
        pos = (node.src, node.op_start)
        frame = f"while calling the '{_OP_NAMES[op]}' builtin"
        if op == "-":
            def minus(env: Env) -> Any:
                try:
                    a = lhs(env)
                    b = rhs(env)
                    if type(a) is int and type(b) is int and -_BIG < a < _BIG and -_BIG < b < _BIG:
                        return a - b  # cannot overflow: skip the checks
                    return arith("-", a, b)
                except NixError as e:
                    e.add_trace(frame, pos)
                    raise
            return minus

        def arithmetic(env: Env) -> Any:
            try:
                return arith(op, lhs(env), rhs(env))
            except NixError as e:
                e.add_trace(frame, pos)
                raise

        return arithmetic

    def _compare(self, node: ast.BinOp, scope: Scope | None) -> Code:
        """``a < b`` is ``__lessThan a b``, ``a > b`` is ``__lessThan b a``, and
        ``<=``/``>=`` negate those (``!``): operands are forced in that order."""
        op = node.op
        pos = (node.src, node.op_start)
        swap = op in (">", "<=")
        first = self._operand(node.rhs if swap else node.lhs, scope)
        second = self._operand(node.lhs if swap else node.rhs, scope)
        frame = "while calling the 'lessThan' builtin"

        def lt(env: Env) -> bool:
            try:
                a = first(env)
                b = second(env)
                if type(a) is int and type(b) is int:
                    return a < b
                return less_than(a, b)
            except NixError as e:
                e.add_trace(frame, pos)
                raise

        if op in ("<", ">"):
            return lt

        def not_lt(env: Env) -> bool:
            try:
                return not lt(env)
            except NixError as e:
                e.add_trace("in the argument of '!'", pos)
                raise

        return not_lt

    def _update(self, node: ast.BinOp, scope: Scope | None) -> Code:
        """``a // b // c``: Nix evaluates the operands rightmost first, then merges."""
        operands: list[tuple[Code, Pos, str]] = []

        def collect(n: ast.Node, ctx: str) -> None:
            if type(n) is ast.BinOp and n.op == "//":
                collect(n.rhs, "in the right operand of '//'")
                collect(n.lhs, "in the left operand of '//'")
            else:
                operands.append((self.compile(n, scope), nix_pos(n), ctx))

        collect(node, "")
        if len(operands) == 2:
            (rcode, rpos, rctx), (lcode, lpos, lctx) = operands

            def update(env: Env) -> Attrs:
                b = _eval_attrs(rcode, env, rpos, rctx)
                return update_attrs(_eval_attrs(lcode, env, lpos, lctx), b)

            return update

        def update_many(env: Env) -> Attrs:
            return merge_updates([_eval_attrs(code, env, pos, ctx) for code, pos, ctx in operands])

        return update_many

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
            if not negate:
                return call(call(fn(env), a, pos), b, pos)
            try:
                return not force_bool(call(call(fn(env), a, pos), b, pos), pos)
            except NixError as e:
                e.add_trace("in the argument of '!'", pos)
                raise

        return rebound


# each node class's compiling method
_COMPILERS = {cls: getattr(Compiler, "c_" + cls.__name__) for cls in vars(ast).values()
              if isinstance(cls, type) and hasattr(Compiler, "c_" + cls.__name__)}

# operator -> (builtin it stands for, swap operands, negate result), as Nix desugars
_REBINDABLE = {
    "-": ("__sub", False, False), "*": ("__mul", False, False),
    "/": ("__div", False, False), "<": ("__lessThan", False, False),
    ">": ("__lessThan", True, False), "<=": ("__lessThan", True, True),
    ">=": ("__lessThan", False, True),
}

_MISSING = object()
# parts longer than this (in characters) are compiled when first evaluated,
# where the compiler defers; shorter ones cost less to compile than to defer
_DEFERRED_CHARS = 150
# a set or ``let`` with more bindings than this defers every one of them
_MANY_BINDINGS = 64
_BIG = 2**62  # operands below this in magnitude cannot overflow 64 bits when added


# Compiled code is made of partials of the module-level functions below
# rather than closures: a partial holds its arguments in one tuple where a
# closure needs a function object, a tuple of cells and a cell per variable
# (a third of the memory, on trees of thousands of modules), and calling
# one is no slower.


# A variable's slot, forced. Depths 0 and 1 (most variables) are written out
# without the loop; the try blocks cost nothing until something is raised.
def _slot0(index: int, pos: Pos, env: Env) -> Any:
    v = env.vals[index]
    if type(v) is Thunk:
        if v.code is None:  # forced before, nothing to log again: no call
            return v.value
        try:
            return v.force()
        except InfiniteRecursion as e:
            _fix_recursion_pos(e, v, pos)
            raise
    return v


def _slot1(index: int, pos: Pos, env: Env) -> Any:
    v = env.up.vals[index]
    if type(v) is Thunk:
        if v.code is None:  # forced before, nothing to log again: no call
            return v.value
        try:
            return v.force()
        except InfiniteRecursion as e:
            _fix_recursion_pos(e, v, pos)
            raise
    return v


def _slot_n(depth: int, index: int, pos: Pos, env: Env) -> Any:
    for _ in range(depth):
        env = env.up
    v = env.vals[index]
    if type(v) is Thunk:
        if v.code is None:  # forced before, nothing to log again: no call
            return v.value
        try:
            return v.force()
        except InfiniteRecursion as e:
            _fix_recursion_pos(e, v, pos)
            raise
    return v


def _lazy_slot(slot: Code, depth: int, index: int, env: Env) -> Any:
    e = env
    for _ in range(depth):
        e = e.up
    v = e.vals[index]
    # a `let`/`rec` slot not filled yet (as Nix's maybeThunk): defer the lookup
    return v if v is not None else Thunk(slot, env)


def _slot_code(depth: int, index: int, force_it: bool, pos: Pos = None) -> Code:
    if depth == 0:
        slot = partial(_slot0, index, pos)
    elif depth == 1:
        slot = partial(_slot1, index, pos)
    else:
        slot = partial(_slot_n, depth, index, pos)
    return slot if force_it else partial(_lazy_slot, slot, depth, index)


class _Deferred:
    """A part of a file compiled when first evaluated: its node and scope until then."""

    __slots__ = ("code", "compiler", "node", "scope")

    def __init__(self, compiler: Compiler, node: ast.Node, scope: Scope | None) -> None:
        self.code: Code | None = None
        self.compiler: Compiler | None = compiler
        self.node: ast.Node | None = node
        self.scope = scope


def _deferred_first(part: _Deferred, env: Env) -> Any:
    code = part.code
    if code is None:
        code = part.code = part.compiler.compile(part.node, part.scope)  # type: ignore[union-attr]
        part.compiler = part.node = part.scope = None
    return code(env)


def _deferred_thunk(part: _Deferred, env: Env) -> Thunk:
    code = part.code
    return Thunk(code if code is not None else partial(_deferred_first, part), env)


def _interned(name: str) -> None:
    """``intern`` where the name is known to be interned already."""


def _constant(value: Any, env: Env) -> Any:
    return value


def _call1(fn: Code, arg: Code, pos: Pos, state: EvalState, call: Callable, env: Env) -> Any:
    f = fn(env)
    # the common case, a plain `x: …` lambda, without the general dispatch
    if type(f) is Lambda and f.fn.formals is None:
        try:
            return f.fn.body(Env([arg(env)], f.env))
        except NixError as e:
            if state.show_trace:
                call_frames(e, f.fn, pos)
            raise
    return call(f, arg(env), pos)


def _call_many(fn: Code, args: list[Code], pos: Pos, call: Callable, env: Env) -> Any:
    f = fn(env)
    for a in args:
        f = call(f, a(env), pos)
    return f


def _plain_attrs(names: list[str], codes: list[Code], pos_map: dict[str, Pos],
                 env: Env) -> Attrs:
    return Attrs({n: code(env) for n, code in zip(names, codes, strict=True)}, pos_map)


def _select(expr: Code, epos: Pos, pos: Pos, path: list, default: Code | None,
            node: ast.Select, env: Env) -> Any:
    """``e.a.b``, ``e.${x}``, ``e.a or d``."""
    try:
        v = expr(env)
    except NixError as e:
        e.add_trace("while selecting an attribute", epos)
        raise
    done = 0  # attributes found so far
    apos = None  # where the last one found is defined
    x = None
    try:
        for part in path:
            name = part if type(part) is str else _attr_name(part, env)
            if type(v) is not Attrs:
                if default is not None:
                    return default(env)
                raise type_error("a set", v).with_trace("while selecting an attribute", pos)
            x = v.vals.get(name, _MISSING)
            if x is _MISSING:
                if default is not None:
                    return default(env)
                raise _missing(v, name)
            apos = v.pos.get(name) if v.pos else None
            done += 1
            v = x.force() if type(x) is Thunk else x
        return v
    except NixError as e:
        if type(e) is InfiniteRecursion and x is not None:
            _fix_recursion_pos(e, x, (apos or pos) if done == len(path) else pos)
        raise _select_failed(e, env, node, path, done, apos, pos) from None


def _list(items: list[Code], env: Env) -> list:
    return [code(env) for code in items]


def _select1(expr: Code, epos: Pos, pos: Pos, name: str, node: ast.Select, path: list,
             env: Env) -> Any:
    """``e.name``, the commonest select."""
    try:
        v = expr(env)
    except NixError as e:
        e.add_trace("while selecting an attribute", epos)
        raise
    if type(v) is not Attrs:
        raise _select_failed(type_error("a set", v).with_trace(
            "while selecting an attribute", pos), env, node, path, 0, None, pos)
    x = v.vals.get(name, _MISSING)
    if x is _MISSING:
        raise _select_failed(_missing(v, name), env, node, path, 0, None, pos)
    if type(x) is Thunk:
        if x.code is None:
            return x.value
        try:
            return x.force()
        except NixError as e:
            apos = v.pos.get(name) if v.pos else None
            if type(e) is InfiniteRecursion:
                _fix_recursion_pos(e, x, apos or pos)
            raise _select_failed(e, env, node, path, 1, apos, pos) from None
    return x


def _fix_recursion_pos(e: InfiniteRecursion, thunk: Thunk, pos: Pos) -> None:
    """Nix's tryFixupBlackHolePos: the recursion is reported where the value
    under evaluation was forced again."""
    if e.thunk is thunk and e.pos is None:
        e.pos = pos


_OP_NAMES = {"-": "sub", "*": "mul", "/": "div"}


def update_attrs(a: Attrs, b: Attrs) -> Attrs:
    """``a // b``: the right one wins."""
    if not b.vals:
        return a
    if not a.vals:
        return b
    vals = dict(a.vals)
    vals.update(b.vals)
    # position maps are never changed once made: one side's is shared when
    # the other has none
    pos_map = a.pos
    if b.pos:
        if pos_map:
            pos_map = dict(pos_map)
            pos_map.update(b.pos)
        else:
            pos_map = b.pos
    return Attrs(vals, pos_map)


def merge_updates(sets: list[Attrs]) -> Attrs:
    """The operands of ``a // b // …``, rightmost first, merged: the right one wins."""
    result = sets[-1]
    for b in reversed(sets[:-1]):
        result = update_attrs(result, b)
    return result


def _eval_attrs(code: Code, env: Env, pos: Pos, ctx: str) -> Attrs:
    """Nix's evalAttrs: any error gets ``ctx`` at the operand."""
    try:
        v = code(env)
        if type(v) is not Attrs:
            raise type_error("a set", v)
    except NixError as e:
        e.add_trace(ctx, pos)
        raise
    return v


def _add_to_number(a: Any, b: Any, pos: Pos) -> Any:
    """``a + b`` with ``a`` a number; errors are placed at ``b``."""
    tb = type(b)
    if type(a) is int:
        if tb is int:
            r = a + b
            if -(2**63) <= r < 2**63:
                return r
            raise NixError(f"integer overflow in adding {a} + {b}", pos)
        if tb is float:
            return a + b
        raise NixError(f"cannot add {show_type(b)} to an integer", pos)
    if tb is int or tb is float:
        return a + b
    raise NixError(f"cannot add {show_type(b)} to a float", pos)


def _concat(state: EvalState, a: Any, rhs: Code, env: Env, rpos: Pos, lop: Pos, rop: Pos,
            pos: Pos) -> Any:
    """``+`` when the left side is not an integer: Nix's ExprConcatStrings."""
    ta = type(a)
    if ta is not float:
        # a string is kept as it is; after anything else nothing is copied to the store
        sa = coerce_to_string(state, a, lop, "while evaluating a path segment",
                              copy_to_store=False)
    try:
        b = rhs(env)
    except NixError as e:
        e.add_trace("in an operand of '+'", rpos)
        raise
    if ta is float:
        return _add_to_number(a, b, rop)
    sb = coerce_to_string(state, b, rop, "while evaluating a path segment",
                          copy_to_store=isinstance(a, str))
    if ta is NixPath:
        if getattr(sb, "context", None):
            raise NixError("a string that refers to a store path cannot be appended to a path",
                           pos)
        return NixPath(canon_path(sa + sb))
    return concat_strings([sa, sb])


def assert_equal(state: EvalState, a: Any, b: Any, pos: Pos) -> None:
    """Nix's assertEqValues: ``a == b`` is false; say why, as precisely as Nix."""
    from .errors import AssertionFailed as Failed
    from .ops import _is_derivation
    from .printer import show_brief

    a = force(a)
    b = force(b)
    if a is b:
        return
    ta, tb = type(a), type(b)
    if ta in (int, float) and tb in (int, float):
        if not equal(a, b):
            raise Failed(f"{show_type(a)} with value '{show_brief(a)}' is not equal to "
                         f"{show_type(b)} with value '{show_brief(b)}'")
        return
    if (ta is str or ta is ContextStr) and (tb is str or tb is ContextStr):
        if str.__eq__(a, b):
            return
        raise Failed(f"string '{show_brief(a)}' is not equal to string '{show_brief(b)}'")
    if ta is not tb:
        raise Failed(f"{show_type(a)} of value '{show_brief(a)}' is not equal to "
                     f"{show_type(b)} of value '{show_brief(b)}'")
    if ta is bool:
        if a != b:
            raise Failed(f"boolean '{show_brief(a)}' is not equal to boolean '{show_brief(b)}'")
    elif ta is NixPath:
        if a.path != b.path:
            raise Failed(f"path '{show_brief(a)}' is not equal to path '{show_brief(b)}'")
    elif ta is list:
        if len(a) != len(b):
            raise Failed(f"list of size '{len(a)}' is not equal to list of size '{len(b)}', "
                         f"left hand side is '{show_brief(a)}', right hand side is "
                         f"'{show_brief(b)}'")
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            try:
                if x is not y:
                    assert_equal(state, x, y, pos)
            except NixError as e:
                e.add_trace(f"while comparing list element {n}", pos)
                raise
    elif ta is Attrs:
        if _is_derivation(a) and _is_derivation(b) and "outPath" in a.vals \
                and "outPath" in b.vals:
            try:
                assert_equal(state, a.vals["outPath"], b.vals["outPath"], pos)
                return
            except NixError as e:
                e.add_trace("while comparing a derivation by its 'outPath' attribute", pos)
                raise
        if len(a.vals) != len(b.vals):
            raise Failed(f"attribute names of attribute set '{show_brief(a)}' differs from "
                         f"attribute set '{show_brief(b)}'")
        for name in symbol_order(a.vals):
            if name not in b.vals:
                raise Failed(f"attribute name '{name}' is contained in '{show_brief(a)}', but "
                             f"not in '{show_brief(b)}'")
        for name in symbol_order(a.vals):
            try:
                x, y = a.vals[name], b.vals[name]
                if x is not y:
                    assert_equal(state, x, y, pos)
            except NixError as e:
                rpos = b.pos.get(name) if b.pos else None
                lpos = a.pos.get(name) if a.pos else None
                if rpos is not None:
                    e.add_trace("where right hand side is", rpos)
                if lpos is not None:
                    e.add_trace("where left hand side is", lpos)
                e.add_trace(f"while comparing attribute '{name}'", pos)
                raise
    elif ta in (Lambda, PrimOp, PrimOpApp):
        raise Failed("distinct functions and immediate comparisons of identical functions "
                     "compare as unequal")


def _attr_name(part: tuple, env: Env) -> str:
    """Nix's getName for ``${e}`` in an attribute path."""
    code, pos = part
    return force_string_no_context(code(env), pos, "while evaluating an attribute name")


def _select_failed(e: NixError, env: Env, node: ast.Select, path: list, done: int,
                   apos: Pos, pos: Pos) -> NixError:
    """The frames Nix's ExprSelect adds: where the last attribute found is
    defined (unless inside derivation-internal.nix), then the selection."""
    if apos is not None and apos[0].name != _DERIVATION_INTERNAL:
        e.add_trace(f"from the definition of '{_show_path(node, path[:done], env)}'", apos)
    e.add_trace(f"while evaluating the attribute '{_show_path(node, path, env)}'", pos)
    return e


def _show_path(node: ast.Select, path: list, env: Env) -> str:
    # as Nix's showAttrSelectionPath: dynamic names evaluated again, shown as
    # written when that fails
    from .printer import show_attr_name, show_expr

    out = []
    for i, part in enumerate(path):
        if type(part) is str:
            out.append(show_attr_name(part))
            continue
        try:
            out.append(show_attr_name(_attr_name(part, env)))
        except NixError:
            out.append('"${' + show_expr(node.path[i]) + '}"')
    return ".".join(out)


_DERIVATION_INTERNAL = "«nix-internal»/derivation-internal.nix"


def _missing(v: Attrs, name: str) -> NixError:
    err = NixError(f"attribute '{name}' missing")
    err.suggest(v.vals, name)
    return err


def _apply_overrides(result: Attrs, env: Env, slots: dict[str, int], pos: Pos) -> None:
    """``rec { __overrides = { … }; }``: the overrides replace attributes, also for
    the set's own references to them."""
    overrides = force_attrs(result.vals["__overrides"], pos,
                            "while evaluating the `__overrides` attribute")
    for name, value in overrides.vals.items():
        result.vals[name] = value
        if name in slots:
            env.vals[slots[name]] = value


# -- positions as Nix's parser records them -----------------------------------

def nix_pos(node: ast.Node) -> Pos:
    """Nix's ``Expr::getPos``: where a trace frame about ``node`` points (None
    for literals and ``let``, whose Nix nodes carry no position)."""
    t = type(node)
    if t in _NO_POS:
        return None
    if t is ast.List:
        return nix_pos(node.items[0]) if node.items else None
    if t is ast.HasAttr or t is ast.Not:
        return nix_pos(node.expr)
    if t is ast.BinOp:
        return (node.src, node.op_start)
    if t is ast.Call:
        return (node.src, min(node.start, _outer_start(node.fn)))
    if t is ast.Select:
        return select_pos(node)
    return (node.src, node.start)


_NO_POS = (ast.Int, ast.Float, ast.Str, ast.Path, ast.Let)


def select_pos(node: ast.Select) -> Pos:
    """An ``e.a`` starts where ``e`` does, its parentheses included; an
    ``inherit (e) a`` is at the name, a ``let { }`` at the keyword."""
    if type(node.expr) is ast.InheritFrom:
        return (node.src, node.start)
    return (node.src, min(node.start, _outer_start(node.expr)))


def operand_pos(node: ast.Node) -> Pos:
    """Where bison's location of an operand starts: its parentheses included."""
    return (node.src, _outer_start(node))


def _outer_start(node: ast.Node) -> int:
    # the AST drops parentheses; Nix's positions include them
    text = node.src.text
    start, end = node.start, node.end
    while True:
        i = start - 1
        while i >= 0 and text[i] in " \t\r\n":
            i -= 1
        if i < 0 or text[i] != "(":
            return start
        j = end
        while j < len(text) and text[j] in " \t\r\n":
            j += 1
        if j >= len(text) or text[j] != ")":
            return start
        start, end = i, j + 1


def interp_pos(node: ast.Node) -> Pos:
    """The ``${`` before an interpolated expression (where Nix places it)."""
    i = node.src.text.rfind("${", 0, node.start)
    return (node.src, i if i >= 0 else node.start)
