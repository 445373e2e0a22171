"""The evaluator's state: base environment, imports, search path, calls."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from typing import Any

from .. import inputs, readlog
from ..syntax import FileTooLarge, NotARegularFile, Source, ast, parse, parse_nodes, read_source
from ..syntax.errors import NixSyntaxError
from . import compile_facts
from .compiler import Compiler, call_frames
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
    intern_all,
    is_app,
    set_call_site,
    show_type,
    symbol_order,
    type_error,
)

# Functions that see every imported file's value and may put another in its
# place: the layers above register them (the module layer binds a lib's
# module system to its native implementation this way).
IMPORT_HOOKS: list[Callable[[EvalState, str, Any], Any]] = []


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
        # --show-trace: Nix then also records each function call in the trace
        self.show_trace = False
        # --option abort-on-warn true (or, as Nix reads it, NIX_ABORT_ON_WARN
        # in the environment): builtins.warn ends the evaluation
        self.abort_on_warn = inputs.env("NIX_ABORT_ON_WARN") in ("1", "yes", "true")
        # Nix's max-call-depth; only the deep walks over values (deepSeq, --strict,
        # toJSON) and the builtins that start them count levels here
        self.max_call_depth = 10000
        self.call_depth = 0
        # with an explicit --max-call-depth every call is counted (see count_calls)
        self.counting_calls = False
        self.search_path = list(search_path or [])
        self._imports: dict[str, Any] = {}
        # each file's compiled code, by name, with the directory and text it
        # was compiled for: kept across generations (code holds no value), so
        # a file evaluated again (its value was not kept) is not parsed again
        self._compiled: dict[str, tuple[str, str, Any]] = {}
        # state the layers above keep per evaluation (the module system's graph)
        self.extensions: dict[str, Any] = {}
        self._store_copies: dict[str, str] = {}
        from .builtins import make_base_env

        self.base_env: dict[str, Any] = make_base_env(self)
        self._base_names_hash: str | None = None

    # calling ----------------------------------------------------------------
    def call(self, fn: Any, arg: Any, pos: Pos = None) -> Any:
        """Apply a function value to one (lazy) argument; ``pos`` is the call
        site. Errors travel out with Nix's frames for the call."""
        if type(fn) is Thunk:
            if fn.code is None:  # forced before, nothing to log again
                fn = fn.value
            else:
                if is_app(fn):
                    set_call_site(fn, pos)  # forced here, so called from here
                fn = fn.force()
        t = type(fn)
        if t is Lambda:
            fc = fn.fn
            env = Env([arg], fn.env) if fc.formals is None else self._bind_formals(fn, fc, arg, pos)
            try:
                return fc.body(env)
            except NixError as e:
                if self.show_trace:
                    call_frames(e, fc, pos)
                raise
        if t is PrimOp:
            if fn.arity == 1:
                try:
                    return fn.impl(self, arg)
                except NixError as e:
                    prim_frame(e, fn, pos)
                    raise
            return PrimOpApp(fn, (arg,))
        if t is PrimOpApp:
            args = (*fn.args, arg)
            if len(args) == fn.prim.arity:
                return self._prim(fn.prim, args, pos)
            return PrimOpApp(fn.prim, args)
        if t is Attrs and "__functor" in fn.vals:
            # called as Nix does: both arguments at once, "from" the attribute
            fpos = fn.pos.get("__functor") if fn.pos else None
            try:
                return self.call(self.call(fn.vals["__functor"], fn, fpos), arg, fpos)
            except NixError as e:
                e.add_trace("while calling a functor (an attribute set with a "
                            "'__functor' attribute)", pos)
                raise
        from .printer import show_brief

        raise NixError("attempt to call something which is not a function but "
                       f"{show_type(fn)}: {show_brief(fn)}", pos)

    def count_calls(self, limit: int) -> None:
        """Count every function call towards ``limit``, as Nix's max-call-depth
        does; without this only deep walks over values are counted, so that
        calls pay nothing (Python's own recursion limit stands in for it)."""
        self.max_call_depth = limit
        self.counting_calls = True
        uncounted = self.call

        def counted(fn: Any, arg: Any, pos: Pos = None) -> Any:
            depth = self.call_depth
            if depth > self.max_call_depth:
                raise NixError("stack overflow; max-call-depth exceeded", pos)
            self.call_depth = depth + 1
            try:
                return uncounted(fn, arg, pos)
            finally:
                self.call_depth = depth

        self.call = counted  # type: ignore[method-assign]

    def _prim(self, prim: PrimOp, args: tuple, pos: Pos) -> Any:
        try:
            return prim.impl(self, *args)
        except NixError as e:
            prim_frame(e, prim, pos)
            raise

    def _bind_formals(self, fn: Lambda, fc, arg: Any, pos: Pos) -> Env:
        try:
            attrs = force(arg)
            if type(attrs) is not Attrs:
                raise type_error("a set", attrs).with_trace(
                    "while evaluating the value passed for the lambda argument", fc.pos)
        except NixError as e:
            if pos is not None:
                e.add_trace("from call site", pos)
            raise
        vals: list[Any] = [None] * fc.nslots
        env = Env(vals, fn.env)
        if fc.arg is not None:
            vals[0] = arg
        given = attrs.vals
        used = 0
        for name, slot in fc.formals:
            v = given.get(name, _MISSING)
            if v is not _MISSING:
                vals[slot] = v
                used += 1
            else:
                default = fc.defaults.get(name)
                if default is None:
                    raise NixError(f"function '{fc.name or 'anonymous lambda'}' called without "
                                   f"required argument '{name}'", fc.pos).with_trace(
                                       "from call site", pos)
                vals[slot] = default(env)
        if not fc.ellipsis and used != len(given):
            for name in symbol_order(given):
                if name not in fc.formal_names:
                    err = NixError(f"function '{fc.name or 'anonymous lambda'}' called with "
                                   f"unexpected argument '{name}'", fc.pos)
                    err.suggest(fc.formal_names, name)
                    raise err.with_trace("from call site", pos)
        return env

    # files ---------------------------------------------------------------------
    def eval_source(self, source: Source, base_dir: str, scope: Scope | None = None,
                    env: Env | None = None, imported: bool = False) -> Any:
        known = self._compiled.get(source.name) if scope is None else None
        if known is not None and known[0] == base_dir and known[1] == source.text:
            code = known[2]
        else:
            try:
                tree = parse(source, pipe_operators=self.pipe_operators)
                if self.literal_lints:
                    self._lint_literals(source)
            except NixSyntaxError as e:
                raise NixError(e.message, (e.source, e.offset)) from None
            code = self._compile(source, tree, base_dir, scope)
            if scope is None:
                self._compiled[source.name] = (base_dir, source.text, code)
        if not imported:
            return code(env)
        try:
            return code(env)
        except NixError as e:
            e.add_trace(f"while evaluating the file '{source.name}':")
            raise

    def _compile(self, source: Source, tree: Any, base_dir: str, scope: Scope | None) -> Any:
        """A file's code: compiled whole the first time, its large parts when
        first evaluated once compile_facts.py knows the file's names."""
        pipe_operators = self.pipe_operators

        def functions_again() -> list:
            return parse_nodes(source, ast.Lambda, pipe_operators=pipe_operators)

        key = None if scope is not None else compile_facts.key_for(
            source.text, pipe_operators, self._base_names())
        names = compile_facts.load(key, len(source.text)) if key is not None else None
        if names is not None:
            intern_all(names)
            return Compiler(self, base_dir, functions_again, deferred=True).compile(tree, None)
        interned: list[str] = []
        code = Compiler(self, base_dir, functions_again, interned=interned).compile(tree, scope)
        if key is not None:
            compile_facts.store(key, list(dict.fromkeys(interned)))
        return code

    def _base_names(self) -> str:
        if self._base_names_hash is None:
            self._base_names_hash = hashlib.sha256(
                "\0".join(sorted(self.base_env)).encode()).hexdigest()
        return self._base_names_hash

    def eval_tree(self, tree: Any, base_dir: str) -> Any:
        """A parsed (possibly rewritten) tree, evaluated as a file in ``base_dir``."""
        return Compiler(self, base_dir).compile(tree, None)(None)

    def _lint_literals(self, source: Source) -> None:
        from ..syntax.errors import nix_context
        from ..syntax.literal_lints import literal_findings

        for lint, level, finding in literal_findings(source, **self.literal_lints):
            if level == "fatal":
                raise NixSyntaxError(f"{finding.message} (lint-{lint}-literals)",
                                     finding.source, finding.offset)
            # Nix indents a warning's context two columns further than an error's
            context = "\n".join("  " + line if line else line for line in
                                nix_context(finding.source, finding.offset).splitlines())
            sys.stderr.write(f"warning: {finding.message} (lint-{lint}-literals)\n{context}\n")

    def import_file(self, path: str, pos: Pos = None) -> Any:
        """``import path``: evaluated once per file."""
        path = self.resolve_import(path, pos)
        readlog.note_file(path)  # at every import: the value may be one made before
        if path in self._imports:
            value = self._imports[path]
            if type(value) is _FailedImport:
                raise value.error.clone()  # as Nix: a file fails once, then the same way
            return value
        try:
            value = self.eval_file(path, pos, imported=True)
        except NixError as e:
            self._imports[path] = _FailedImport(e)
            raise
        for hook in IMPORT_HOOKS:
            value = hook(self, path, value)
        self._imports[path] = value
        return value

    def next_generation(self, changed: frozenset[str]) -> None:
        """Begin another evaluation in this state after the files ``changed``
        changed (contents only). Kept: what provably depends on no file's
        contents but its own, the value of an unchanged file that is a
        function of nothing else (its compiled code comes with it). Every
        other import (sets, partly forced values, which may hold values of
        changed files), the layers' per-evaluation state and store copies of
        changed trees are dropped."""
        self._imports = {path: value for path, value in self._imports.items()
                         if path not in changed and _closed(value)}
        self.extensions = {}
        self._store_copies = {path: copy for path, copy in self._store_copies.items()
                              if not any(c == path or c.startswith(path.rstrip("/") + "/")
                                         for c in changed)}
        from .derivations import forget_store_objects

        forget_store_objects(self)
        self.call_depth = 0

    def resolve_import(self, path: str, pos: Pos) -> str:
        from .builtins.io import locate

        found = locate(self, path)  # a store path this evaluation made lives elsewhere
        if found is not None and found.data is None and inputs.isdir(found.fs):
            path = os.path.join(path, "default.nix")
        return path

    def eval_file(self, path: str, pos: Pos = None, scope: Scope | None = None,
                  env: Env | None = None, imported: bool = False) -> Any:
        from .builtins.io import locate

        found = locate(self, path)
        if found is None:
            from .derivations import left_out_message

            message = left_out_message(self, path)
            if message is not None:  # e.g. a file git does not track, in a flake
                raise NixError(message, pos)
        try:
            if found is not None and found.data is not None:  # e.g. a toFile result
                source = Source(path, found.data.decode("utf-8", "surrogateescape"))
            else:
                fs = found.fs if found is not None else path
                source = read_source(fs)
                source.name = fs if found is not None and found.shown else path
        except NotARegularFile:  # a FIFO, a device: refused before a byte is read
            shown = os.path.realpath(path) if fs == path else path  # Nix resolves symlinks
            raise NixError(f"file '{shown}' is not a regular file", pos) from None
        except FileTooLarge as e:
            raise NixError(str(e), pos) from None
        except OSError as e:
            raise NixError(f"opening file '{path}': {e.strerror}", pos) from None
        return self.eval_source(source, os.path.dirname(path), scope, env, imported)

    def copy_path_to_store(self, path: NixPath, pos: Pos) -> str:
        """``"${./p}"``: the store path Nix would copy ``p`` to (nothing is copied)."""
        cached = self._store_copies.get(path.path)
        if cached is None:
            from . import store

            if not inputs.lexists(path.path):
                raise NixError(f"path '{path.path}' does not exist")
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


def _closed(value: Any) -> bool:
    """A file's value that holds nothing computed: a plain constant, or a
    function whose body's scope is the file's top level with no bindings
    (``{ config, ... }: …``: nearly every module and package file)."""
    t = type(value)
    return (t is Lambda and value.env is None) or t in (int, float, bool, str, NixPath) \
        or value is None


class _FailedImport:
    __slots__ = ("error",)

    def __init__(self, error: NixError) -> None:
        self.error = error


def prim_frame(e: NixError, prim: PrimOp, pos: Pos) -> None:
    """The frame an error gets on its way out of a call of ``prim``: builtins'
    own errors carry no position, so the frame gives the call site."""
    if prim.name != "addErrorContext":  # its context replaces this frame
        e.add_trace(f"while calling the '{prim.name}' builtin", pos)
