"""The evaluator's state: base environment, imports, search path, calls."""

from __future__ import annotations

import os
import sys
from typing import Any

from ..syntax import Source, parse, read_source
from ..syntax.errors import NixSyntaxError
from .compiler import Compiler
from .env import Env, Scope
from .errors import NixError, Pos
from .values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    force,
    show_type,
)


class EvalState:
    def __init__(self, search_path: list[str] | None = None, *,
                 store_dir: str = "/nix/store", experimental_features: frozenset[str] = frozenset(),
                 literal_lints: dict[str, str] | None = None, pure: bool = False) -> None:
        self.store_dir = store_dir
        self.experimental_features = experimental_features
        self.pipe_operators = "pipe-operators" in experimental_features
        # --lint-{absolute-path,short-path,url}-literals: name -> ignore|warn|fatal
        self.literal_lints = dict(literal_lints or {})
        self.pure = pure
        self.search_path = list(search_path or [])
        self._imports: dict[str, Any] = {}
        self._store_copies: dict[str, str] = {}
        from .builtins import make_base_env

        self.base_env: dict[str, Any] = make_base_env(self)

    # calling ----------------------------------------------------------------
    def call(self, fn: Any, arg: Any, pos: Pos = None) -> Any:
        """Apply a function value to one (lazy) argument."""
        if type(fn) is Thunk:
            fn = fn.force()
        t = type(fn)
        if t is Lambda:
            fc = fn.fn
            if fc.formals is None:
                return fc.body(Env([arg], fn.env))
            return fc.body(self._bind_formals(fn, fc, arg, pos))
        if t is PrimOp:
            if fn.arity == 1:
                return self._prim(fn, (arg,), pos)
            return PrimOpApp(fn, (arg,))
        if t is PrimOpApp:
            args = (*fn.args, arg)
            if len(args) == fn.prim.arity:
                return self._prim(fn.prim, args, pos)
            return PrimOpApp(fn.prim, args)
        if t is Attrs and "__functor" in fn.vals:
            return self.call(self.call(fn.vals["__functor"], fn, pos), arg, pos)
        raise NixError("attempt to call something which is not a function but "
                       f"{show_type(fn)}", pos)

    def _prim(self, prim: PrimOp, args: tuple, pos: Pos) -> Any:
        try:
            return prim.impl(self, *args)
        except NixError as e:
            raise e.at(pos) from None

    def _bind_formals(self, fn: Lambda, fc, arg: Any, pos: Pos) -> Env:
        attrs = force(arg)
        if type(attrs) is not Attrs:
            raise NixError(f"expected a set but found {show_type(attrs)}", pos)
        vals: list[Any] = [None] * fc.nslots
        env = Env(vals, fn.env)
        if fc.arg is not None:
            vals[0] = arg
        given = attrs.vals
        for name, slot in fc.formals:
            v = given.get(name, _MISSING)
            if v is not _MISSING:
                vals[slot] = v
            else:
                default = fc.defaults.get(name)
                if default is None:
                    raise NixError(f"{fc.display_name()} called without required argument "
                                   f"'{name}'", pos)
                vals[slot] = Thunk(default, env)
        if not fc.ellipsis:
            for name in given:
                if name not in fc.formal_names:
                    raise NixError(f"{fc.display_name()} called with unexpected argument "
                                   f"'{name}'", pos)
        return env

    # files ---------------------------------------------------------------------
    def eval_source(self, source: Source, base_dir: str, scope: Scope | None = None,
                    env: Env | None = None) -> Any:
        try:
            tree = parse(source, pipe_operators=self.pipe_operators)
            if self.literal_lints:
                self._lint_literals(source)
        except NixSyntaxError as e:
            raise NixError(e.message, (e.source, e.offset)) from None
        code = Compiler(self, base_dir).compile(tree, scope)
        return code(env)

    def _lint_literals(self, source: Source) -> None:
        from ..syntax.errors import nix_context
        from ..syntax.literal_lints import literal_findings

        for lint, level, finding in literal_findings(source, **self.literal_lints):
            if level == "fatal":
                raise finding
            # Nix indents a warning's context two columns further than an error's
            context = "\n".join("  " + line if line else line for line in
                                nix_context(finding.source, finding.offset).splitlines())
            sys.stderr.write(f"warning: {finding.message} (lint-{lint}-literals)\n{context}\n")

    def import_file(self, path: str, pos: Pos = None) -> Any:
        """``import path``: evaluated once per file."""
        path = self.resolve_import(path, pos)
        if path in self._imports:
            return self._imports[path]
        value = self.eval_file(path, pos)
        self._imports[path] = value
        return value

    def resolve_import(self, path: str, pos: Pos) -> str:
        from .builtins.io import locate

        found = locate(self, path)  # a store path this evaluation made lives elsewhere
        if found is not None and found.data is None and os.path.isdir(found.fs):
            path = os.path.join(path, "default.nix")
        return path

    def eval_file(self, path: str, pos: Pos = None, scope: Scope | None = None,
                  env: Env | None = None) -> Any:
        from .builtins.io import locate

        found = locate(self, path)
        try:
            if found is not None and found.data is not None:  # e.g. a toFile result
                source = Source(path, found.data.decode("utf-8", "surrogateescape"))
            else:
                source = read_source(found.fs if found is not None else path)
                source.name = path
        except OSError as e:
            raise NixError(f"opening file '{path}': {e.strerror}", pos) from None
        return self.eval_source(source, os.path.dirname(path), scope, env)

    def copy_path_to_store(self, path: NixPath, pos: Pos) -> str:
        """``"${./p}"``: the store path Nix would copy ``p`` to (nothing is copied)."""
        cached = self._store_copies.get(path.path)
        if cached is None:
            from . import store

            if not os.path.lexists(path.path):
                raise NixError(f"path '{path.path}' does not exist", pos)
            try:
                cached = store.make_source_path(os.path.basename(path.path) or "source",
                                                path.path, store_dir=self.store_dir)
            except store.StoreError as e:
                raise NixError(str(e), pos) from None
            self._store_copies[path.path] = cached
            from .derivations import SourceCopy, store_objects

            store_objects(self).sources[cached] = SourceCopy(path.path)
        return ContextStr(cached, frozenset([cached]))


_MISSING = object()
