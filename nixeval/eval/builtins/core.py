"""Types, control flow, errors, tracing, imports and other core builtins."""

from __future__ import annotations

import sys
import time
from typing import Any

from ... import inputs
from ..env import Env, Scope
from ..errors import AbortError, CatchableError, NixError, ThrownError
from ..ops import coerce_to_string, force_attrs, force_deep, force_string, force_string_no_context
from ..values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    force,
    pos_attrs,
    type_name,
)
from . import primop


@primop("__typeOf", 1)
def type_of(state, v: Any) -> str:
    return type_name(force(v))


primop("__isInt", 1)(lambda state, v: type(force(v)) is int)
primop("__isFloat", 1)(lambda state, v: type(force(v)) is float)
primop("__isBool", 1)(lambda state, v: type(force(v)) is bool)
primop("__isString", 1)(lambda state, v: type(force(v)) in (str, ContextStr))
primop("__isList", 1)(lambda state, v: type(force(v)) is list)
primop("__isAttrs", 1)(lambda state, v: type(force(v)) is Attrs)
primop("__isFunction", 1)(lambda state, v: type(force(v)) in (Lambda, PrimOp, PrimOpApp))
primop("__isPath", 1)(lambda state, v: type(force(v)) is NixPath)
primop("isNull", 1)(lambda state, v: force(v) is None)


@primop("throw", 1)
def throw(state, msg: Any) -> Any:
    # sic: "builtin.throw"
    ctx = "while evaluating the error message passed to builtin.throw"
    raise ThrownError(coerce_to_string(state, msg, None, ctx))


@primop("abort", 1)
def abort(state, msg: Any) -> Any:
    ctx = "while evaluating the error message passed to builtins.abort"
    raise AbortError("evaluation aborted with the following error message: '"
                     + coerce_to_string(state, msg, None, ctx) + "'")


@primop("__seq", 2)
def seq(state, a: Any, b: Any) -> Any:
    force(a)
    return force(b)


@primop("__deepSeq", 2)
def deep_seq(state, a: Any, b: Any) -> Any:
    state.call_depth += 1  # this builtin's own call, which Nix counts too
    try:
        force_deep(state, a)
    finally:
        state.call_depth -= 1
    return force(b)


@primop("__tryEval", 1)
def try_eval(state, v: Any) -> Attrs:
    try:
        value = force(v)
    except CatchableError:
        return Attrs({"success": False, "value": False})
    return Attrs({"success": True, "value": value})


@primop("__trace", 2)
def trace(state, msg: Any, v: Any) -> Any:
    from ..printer import show_value

    m = force(msg)
    text = m if isinstance(m, str) else show_value(m, strict=False)
    print(f"trace: {text}", file=sys.stderr)
    return force(v)


@primop("__traceVerbose", 2)
def trace_verbose(state, msg: Any, v: Any) -> Any:
    return force(v)


@primop("__warn", 2)
def warn(state, msg: Any, v: Any) -> Any:
    m = force_string(msg, None,
                     "while evaluating the first argument; the message passed to builtins.warn")
    print(f"evaluation warning: {m}", file=sys.stderr)
    if state.abort_on_warn:  # not catchable: tryEval must not hide it
        raise NixError("aborting to reveal stack trace of warning, as abort-on-warn is set")
    return force(v)


@primop("__addErrorContext", 2)
def add_error_context(state, ctx: Any, v: Any) -> Any:
    try:
        return force(v)
    except NixError as e:
        # shown even when the trace is cut short (Nix's TracePrint::Always)
        e.add_trace(coerce_to_string(state, ctx, None, "while evaluating the error message "
                                     "passed to builtins.addErrorContext", copy_to_store=False),
                    None, True)
        raise


@primop("break", 1)
def break_(state, v: Any) -> Any:
    return force(v)


@primop("import", 1)
def import_(state, path: Any) -> Any:
    return state.import_file(_path_of(state, path), None)


def _path_of(state, v: Any) -> str:
    """A path argument: a path value, or a string holding an absolute path
    (Nix's realisePath)."""
    from .io import coerce_to_path

    return coerce_to_path(state, v, "while realising the context of a path")[0]


@primop("scopedImport", 2)
def scoped_import(state, scope_attrs: Any, path: Any) -> Any:
    attrs = force_attrs(scope_attrs, None,
                        "while evaluating the first argument passed to builtins.scopedImport")
    names = {name: i for i, name in enumerate(attrs.vals)}
    file = state.resolve_import(_path_of(state, path), None)
    return state.eval_file(file, None, Scope(names, None), Env(list(attrs.vals.values()), None))


@primop("toString", 1)
def to_string(state, v: Any) -> str:
    return coerce_to_string(state, v, None,
                            "while evaluating the first argument passed to builtins.toString",
                            coerce_more=True, copy_to_store=False)


@primop("__functionArgs", 1)
def function_args(state, f: Any) -> Attrs:
    f = force(f)
    if type(f) is Lambda:
        fc = f.fn
        if fc.formals is None:
            return Attrs({})
        return Attrs({name: name in fc.defaults for name, _ in fc.formals}, fc.formal_pos)
    if type(f) is PrimOp and f.formals is not None:  # a lib function made native
        return function_args(state, f.formals)
    if type(f) in (PrimOp, PrimOpApp):
        return Attrs({})
    raise NixError("'functionArgs' requires a function")


@primop("__getEnv", 1)
def get_env(state, name: Any) -> str:
    return inputs.env(force_string_no_context(
        name, None, "while evaluating the first argument passed to builtins.getEnv")) or ""


@primop("__currentTime", 0)
def current_time(state) -> int:
    inputs.impure("builtins.currentTime")
    return int(time.time())


@primop("__nixPath", 0)
def nix_path(state) -> list:
    from ..search_path import nix_path_value

    return nix_path_value(state)


@primop("__findFile", 2)
def find_file(state, search: Any, name: Any) -> NixPath:
    from ..search_path import find_file as find

    return find(state, search, force_string_no_context(
        name, None, "while evaluating the second argument passed to builtins.findFile"))


@primop("__unsafeGetAttrPos", 2)
def unsafe_get_attr_pos(state, name: Any, attrs: Any) -> Any:
    n = force_string_no_context(
        name, None, "while evaluating the first argument passed to builtins.unsafeGetAttrPos")
    a = force_attrs(attrs, None,
                    "while evaluating the second argument passed to builtins.unsafeGetAttrPos")
    if n not in a.vals:
        return None
    return pos_attrs((a.pos or {}).get(n))


@primop("derivationStrict", 1)
def derivation_strict(state, attrs: Any) -> Attrs:
    from ..derivations import derivation_strict as strict

    state.call_depth += 1  # this builtin's own call, which Nix counts towards max-call-depth
    try:
        return strict(state, force_attrs(
            attrs, None, "while evaluating the argument passed to builtins.derivationStrict"))
    finally:
        state.call_depth -= 1


@primop("placeholder", 1)
def placeholder(state, output: Any) -> str:
    from ..store import hash_placeholder

    return hash_placeholder(force_string_no_context(
        output, None, "while evaluating the first argument passed to builtins.placeholder"))

