"""The flake builtins: ``parseFlakeRef``, ``flakeRefToString`` and ``getFlake``.

How references are read and printed is ``flake_refs.py``, loaded at the first
call (it is large, and start-up does not need it).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ... import inputs
from ..errors import NixError
from ..ops import force_attrs, force_string_no_context
from ..values import Attrs, show_type
from . import primop

if TYPE_CHECKING:
    from ..state import EvalState
    from .flake_refs import InputAttrs


def _traced(e: NixError, hint: str) -> NixError:
    e.add_trace(hint, None)
    return e


@primop("__parseFlakeRef", 1)
def parse_flake_ref(state: EvalState, ref: Any) -> Attrs:
    from .flake_refs import FlakeRefs

    try:
        text = force_string_no_context(ref, None)
    except NixError as e:
        raise _traced(e, "while evaluating the argument passed to builtins.parseFlakeRef") \
            from None
    return Attrs(dict(FlakeRefs(state.experimental_features).parse(text)))


@primop("__flakeRefToString", 1)
def flake_ref_to_string(state: EvalState, arg: Any) -> str:
    from .flake_refs import FlakeRefs

    try:
        attrs = force_attrs(arg, None)
    except NixError as e:
        raise _traced(e, "while evaluating the argument passed to builtins.flakeRefToString") \
            from None
    values: InputAttrs = {}
    for name in attrs.names():
        v = attrs.get(name)
        if type(v) is int:
            if v < 0:
                raise NixError(f"negative value given for flake ref attr {name}: {v}")
            values[name] = v
        elif type(v) is bool or isinstance(v, str):
            values[name] = v if type(v) is bool else str(v)  # context plays no part
        else:
            raise NixError("flake reference attribute sets may only contain integers, "
                           f"Booleans, and strings, but attribute '{name}' is {show_type(v)}")
    return FlakeRefs(state.experimental_features).to_string(values)


@primop("__getFlake", 1)
def get_flake(state: EvalState, ref: Any) -> Any:
    """A flake by reference, without fetching: a local directory (its inputs
    from its ``flake.lock``), or a reference locked by a ``narHash`` whose
    store path is present."""
    from ..flake.call import Flake
    from ..flake.lock import read_lock
    from ..flake.source import locked_source, locked_store_path
    from .flake_refs import FlakeRefs, maybe_str

    try:
        text = force_string_no_context(ref, None)
    except NixError as e:
        raise _traced(e, "while evaluating the argument passed to builtins.getFlake") from None
    cache: dict[str, Any] = state.extensions.setdefault("getFlake", {})
    if text in cache:
        return cache[text]
    inp, subdir, fragment = FlakeRefs(state.experimental_features).parse_with_fragment(text)
    if fragment:
        raise NixError(f"unexpected fragment '{fragment}' in flake reference '{text}'")
    attrs = inp.attrs
    url = maybe_str(attrs, "url") or ""
    local = maybe_str(attrs, "path") if attrs.get("type") == "path" else (
        url.removeprefix("file://") if attrs.get("type") == "git" and
        url.startswith("file://") else None)
    if "narHash" in attrs:
        sp, h = locked_store_path(dict(attrs), state.store_dir)
        if not inputs.lexists(sp):
            import shlex

            raise NixError(f"flake '{text}' is not in the store ({sp} does not exist) and "
                           "nixeval never fetches: run `nix flake archive "
                           f"{shlex.quote(text)}` first")
        src = locked_source(dict(attrs), sp, h)
        src.subdir = subdir
        flake = Flake(state, src, read_lock(os.path.join(sp, subdir, "flake.lock")), text)
    elif local is not None:
        if state.pure:
            raise NixError(f"cannot call 'getFlake' on unlocked flake reference '{text}' "
                           "(use --impure to override)")
        flake = Flake.local(state, os.path.join(local, subdir), as_path=text.startswith("path:"))
    else:
        raise NixError(f"flake reference '{text}' is neither a local directory nor locked by a "
                       "narHash, and nixeval never fetches: lock it (e.g. as an input of a "
                       "flake with a flake.lock) or use a local checkout")
    value = cache[text] = flake.value()
    return value
