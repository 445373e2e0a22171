"""``derivationStrict``, and the store objects an evaluation has made.

nixeval has no Nix store, yet Nix semantics need one: a derivation is hashed
with the ``hashDerivationModulo`` of each input derivation, a ``"=drv"``
context pulls in the drv's whole closure, and a path nixeval "added" (a
``toFile`` text, a source copy, a ``.drv`` file) can be read back through its
store path, as it can after real Nix wrote it.  ``StoreObjects`` keeps what is
needed for that, one per ``EvalState``; ``.drv`` files that exist on disk in
the real store are read as a fallback.
"""

from __future__ import annotations

import os
import re
import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import inputs
from ..syntax.errors import nix_context
from . import store
from .errors import NixError, Pos
from .ops import (
    coerce_to_string,
    force_bool,
    force_list,
    force_string,
    force_string_no_context,
)
from .printer import json_string, to_json
from .values import Attrs, ContextStr, context_of, force

if TYPE_CHECKING:
    from .state import EvalState


class SourceCopy:
    """A path added to the store from the file system: a file or directory at
    ``path``; ``accept(path, type)``, when given, is the filter that chose
    which of the entries below it (by their file-system paths) were copied.
    (Plain classes here, not dataclasses: importing those costs start-up.)"""

    __slots__ = ("accept", "left_out", "path", "shown")

    def __init__(self, path: str, accept: store.PathFilter | None = None, shown: bool = False,
                 left_out: Callable[[str], str] | None = None) -> None:
        self.path = path
        self.accept = accept
        # positions in its files are shown at their file-system paths (a flake's
        # own source: the files the user edits, not a store copy that may not exist)
        self.shown = shown
        # the message for a path below it that the filter left out, given the path
        # relative to the copy (a git flake's untracked file: what to run)
        self.left_out = left_out


class StoreObjects:
    """What the store would hold after this evaluation, by store path."""

    __slots__ = ("drvs", "hash_modulo", "sources", "texts")

    def __init__(self) -> None:
        # ``toFile`` outputs and ``.drv`` files: contents and references
        self.texts: dict[str, tuple[bytes, frozenset[str]]] = {}
        self.sources: dict[str, SourceCopy] = {}
        self.drvs: dict[str, store.Derivation] = {}
        self.hash_modulo: dict[str, bytes] = {}


_OBJECTS: weakref.WeakKeyDictionary[EvalState, StoreObjects] = weakref.WeakKeyDictionary()


def store_objects(state: EvalState) -> StoreObjects:
    objects = _OBJECTS.get(state)
    if objects is None:
        objects = _OBJECTS[state] = StoreObjects()
    return objects


def forget_store_objects(state: EvalState) -> None:
    """A new evaluation in ``state`` starts with no store objects made."""
    _OBJECTS.pop(state, None)


def split_store_path(state: EvalState, path: str) -> tuple[str, str] | None:
    """``/nix/store/h-n/a/b`` → (``/nix/store/h-n``, ``/a/b``); None outside the store."""
    prefix = state.store_dir + "/"
    if not path.startswith(prefix) or len(path) == len(prefix):
        return None
    name, slash, rest = path[len(prefix):].partition("/")
    return prefix + name, slash + rest


def source_copy(state: EvalState, store_path: str) -> SourceCopy | None:
    return store_objects(state).sources.get(store_path)


def left_out_message(state: EvalState, path: str) -> str | None:
    """Why ``path`` is not in the source copy it lies in, where the copy says."""
    split = split_store_path(state, path)
    copy = source_copy(state, split[0]) if split is not None else None
    if copy is None or copy.left_out is None or split is None:
        return None
    return copy.left_out(split[1].lstrip("/"))


def references(state: EvalState, path: str) -> frozenset[str]:
    """The references of a store object nixeval knows; none for others
    (nixeval cannot ask a store), except ``.drv`` files readable on disk."""
    objects = store_objects(state)
    text = objects.texts.get(path)
    if text is not None:
        return text[1]
    if path.endswith(store.DRV_EXTENSION) and inputs.isfile(path):
        return read_derivation(state, path).references
    return frozenset()


def read_derivation(state: EvalState, drv_path: str) -> store.Derivation:
    objects = store_objects(state)
    drv = objects.drvs.get(drv_path)
    if drv is None:
        try:
            with open(drv_path, "rb") as f:
                inputs.read(drv_path, os.fstat(f.fileno()))
                text = f.read().decode("utf-8", "surrogateescape")
        except OSError:
            raise NixError(f"path '{drv_path}' is not valid") from None
        drv = parse_derivation(text, os.path.basename(drv_path)[33:-len(store.DRV_EXTENSION)])
        objects.drvs[drv_path] = drv
    return drv


def hash_modulo(state: EvalState, drv_path: str) -> bytes:
    """``hashDerivationModulo`` of an input derivation (what a dependent's hash uses)."""
    objects = store_objects(state)
    h = objects.hash_modulo.get(drv_path)
    if h is None:
        drv = read_derivation(state, drv_path)
        h = store.hash_derivation_modulo(drv, {p: hash_modulo(state, p) for p in drv.input_drvs})
        objects.hash_modulo[drv_path] = h
    return h


_ATERM_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([\[\]()])', re.DOTALL)
_ATERM_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"n": "\n", "r": "\r", "t": "\t"}


def parse_derivation(text: str, name: str) -> store.Derivation:
    """A ``.drv`` file's ATerm, ``Derive([outputs],[inputDrvs],[inputSrcs],
    system,builder,[args],[env])``, as a ``store.Derivation``."""
    if not text.startswith("Derive("):
        raise NixError(f"derivation '{name}' is not in ATerm format")
    stack: list[list[Any]] = [[]]
    for m in _ATERM_TOKEN.finditer(text, len("Derive")):
        s, punct = m.groups()
        if s is not None:
            stack[-1].append(_ATERM_ESCAPE.sub(lambda e: _UNESCAPED.get(e[1], e[1]), s))
        elif punct in "[(":
            stack.append([])
        else:
            done = stack.pop()
            stack[-1].append(done)
    try:
        ((outputs, input_drvs, input_srcs, system, builder, args, env),) = stack[0]
        return store.Derivation(
            name=name,
            outputs={o: store.DerivationOutput(p, algo, h) for o, p, algo, h in outputs},
            input_drvs={p: frozenset(outs) for p, outs in input_drvs},
            input_srcs=frozenset(input_srcs),
            system=system,
            builder=builder,
            args=tuple(args),
            env=dict(env),
        )
    except (TypeError, ValueError):
        raise NixError(f"derivation '{name}' is not in ATerm format") from None


def show_context_elem(state: EvalState, elem: str) -> str:
    """A context element as Nix names it in messages: store paths by base name."""
    return elem.replace(state.store_dir + "/", "")


def warn(message: str, pos: Pos = None, hint: str | None = None) -> None:
    """Print a warning as Nix's logWarning does (indented under "warning:")."""
    lines = [f"warning: {message}"]
    if hint is not None:
        lines = ["warning:", f"         … {hint}", "", f"         warning: {message}"]
    if pos is not None:
        lines.extend("  " + line for line in nix_context(*pos).splitlines())
    print("\n".join(lines), file=sys.stderr)


# derivationStrict ---------------------------------------------------------------

# attributes whose meaning __structuredAttrs replaces with outputChecks.<output>.*
_LEGACY_CHECKS = frozenset(("allowedReferences", "allowedRequisites", "disallowedReferences",
                            "disallowedRequisites", "maxSize", "maxClosureSize"))

_HASH_MODES = {"flat": "flat", "recursive": "recursive", "nar": "recursive"}
_MODE_FEATURES = {"text": "dynamic-derivations", "git": "git-hashing"}


def derivation_strict(state: EvalState, attrs: Attrs) -> Attrs:
    """``builtins.derivationStrict``: ``{ drvPath; <output> …; }`` with contexts
    ``=drvPath`` and ``!<output>!drvPath``."""
    if "name" not in attrs.vals:
        err = NixError("attribute 'name' missing")
        err.add_trace("in the attrset passed as argument to builtins.derivationStrict", None)
        raise err
    name_pos = (attrs.pos or {}).get("name")
    try:
        drv_name = force_string_no_context(attrs.vals["name"], None,
                                           "while evaluating the `name` attribute passed to "
                                           "builtins.derivationStrict")
    except NixError as e:
        e.add_trace("while evaluating the derivation attribute 'name'", name_pos)
        raise
    try:
        return _Instantiation(state, drv_name, attrs).run()
    except NixError as e:
        where = "«unknown»"
        if name_pos is not None:
            line, col = name_pos[0].line_col(name_pos[1])
            where = f"{name_pos[0].name}:{line}:{col}"
        # Nix shows this frame even without --show-trace: it names the package
        e.add_trace(f"while evaluating derivation '{drv_name}'\n"
                    f"  whose name attribute is located at {where}", None, True)
        raise


def _check_name(name: str) -> None:
    """libstore's checkName, with its current messages, reported as Nix's
    derivationStrict does before any store path is made."""
    problem = None
    if not name:
        problem = "name must not be empty"
    elif len(name.encode("utf-8", "surrogateescape")) > 211:
        problem = f"name '{name}' must be no longer than 211 characters"
    elif name in (".", ".."):
        problem = f"name '{name}' is not valid"
    elif name.startswith((".-", "..-")):
        problem = (f"name '{name}' is not valid: first dash-separated component must not "
                   f"be '{name.split('-')[0]}'")
    else:
        bad = next((c for c in name if not (c.isascii() and (c.isalnum() or c in "+-._?="))),
                   None)
        if bad is not None:
            problem = f"name '{name}' contains illegal character '{bad}'"
    if problem is not None:
        raise NixError(f"invalid derivation name: {problem}. Please pass a different 'name'.")


def _feature_error(feature: str) -> NixError:
    return NixError(f"experimental Nix feature '{feature}' is disabled; "
                    f"add '--extra-experimental-features {feature}' to enable it")


class _Instantiation:
    """One derivationStrict call: the attributes read in Nix's (sorted)
    order, each coerced into the environment or the structured-attrs JSON."""

    def __init__(self, state: EvalState, drv_name: str, attrs: Attrs) -> None:
        self.state = state
        self.name = drv_name
        self.attrs = attrs
        self.context: set[str] = set()
        self.env: dict[str, str] = {}
        self.json: dict[str, str] = {}  # attribute → its JSON text, with __structuredAttrs
        self.args: list[str] = []
        self.outputs = ["out"]
        self.builder = ""
        self.system = ""
        self.output_hash: str | None = None
        self.output_hash_algo = ""
        self.hash_mode: str | None = None

    def _flag(self, attr: str) -> bool:
        v = self.attrs.vals.get(attr)
        if v is None:
            return False
        try:
            return force_bool(v, None)
        except NixError as e:
            e.add_trace(f"while evaluating the `{attr}` attribute passed to "
                        "builtins.derivationStrict", None)
            raise

    def run(self) -> Attrs:
        _check_name(self.name)
        structured = self._flag("__structuredAttrs")
        ignore_nulls = self._flag("__ignoreNulls")
        positions = self.attrs.pos or {}
        for key in self.attrs.names():
            if key == "__ignoreNulls":
                continue
            v = self.attrs.vals[key]
            try:
                if ignore_nulls and force(v) is None:
                    continue
                self._attribute(key, v, structured, positions.get(key))
            except NixError as e:
                e.add_trace(f"while evaluating attribute '{key}' of derivation '{self.name}'",
                            positions.get(key))
                raise
        return self._finish(structured)

    def _string(self, v: Any) -> str:
        """An environment value: coerced as Nix does (``toString``-like, paths copied)."""
        s = coerce_to_string(self.state, v, None, coerce_more=True)
        self.context |= context_of(s)
        return str(s)

    def _attribute(self, key: str, v: Any, structured: bool, pos: Pos) -> None:
        if key in ("__contentAddressed", "__impure"):
            # not passed to the builder; true needs a feature nixeval lacks
            if force_bool(v, None):
                raise _feature_error("ca-derivations" if key == "__contentAddressed"
                                     else "impure-derivations")
        elif key == "args":
            for item in force_list(v, None):
                try:
                    self.args.append(self._string(item))
                except NixError as e:
                    e.add_trace("while evaluating an element of the argument list", None)
                    raise
        elif structured:
            self._structured_attribute(key, v, pos)
        else:
            s = self._string(v)
            if key == "__json":
                warn("setting structured attributes via '__json' is deprecated, and may be "
                     "disallowed in future versions of Nix. Set '__structuredAttrs = true' "
                     "instead.", pos, f"while evaluating derivation '{self.name}'")
            self.env[key] = s
            if key == "builder":
                self.builder = s
            elif key == "system":
                self.system = s
            elif key == "outputHash":
                self.output_hash = s
            elif key == "outputHashAlgo":
                self.output_hash_algo = s
            elif key == "outputHashMode":
                self._set_hash_mode(s)
            elif key == "outputs":
                # tokenizeString's separators, not Python's wider idea of whitespace
                self._set_outputs([t for t in re.split(r"[ \t\n\r]+", s) if t])

    def _structured_attribute(self, key: str, v: Any, pos: Pos) -> None:
        if key == "__structuredAttrs":
            return
        text = to_json(self.state, v, None)
        self.context |= context_of(text)
        self.json[key] = text
        if key == "builder":
            builder = force_string(v, None)
            self.context |= context_of(builder)
            self.builder = str(builder)
        elif key == "system":
            self.system = force_string_no_context(v, None)
        elif key == "outputHash":
            self.output_hash = force_string_no_context(v, None)
        elif key == "outputHashAlgo":
            self.output_hash_algo = force_string_no_context(v, None)
        elif key == "outputHashMode":
            self._set_hash_mode(force_string_no_context(v, None))
        elif key == "outputs":
            self._set_outputs([force_string_no_context(o, None) for o in force_list(v, None)])
        if key in _LEGACY_CHECKS:
            warn(f"'structuredAttrs' disables the effect of the derivation attribute '{key}'; "
                 f"use 'outputChecks.<output>.{key}' instead", pos,
                 f"while evaluating derivation '{self.name}'")

    def _set_hash_mode(self, mode: str) -> None:
        if mode in _MODE_FEATURES:
            raise _feature_error(_MODE_FEATURES[mode])
        if mode not in _HASH_MODES:
            raise NixError(f"invalid value '{mode}' for 'outputHashMode' attribute")
        self.hash_mode = _HASH_MODES[mode]

    def _set_outputs(self, names: list[str]) -> None:
        try:
            store.check_outputs(names)
        except store.StoreError as e:
            raise NixError(str(e)) from None
        self.outputs = list(names)

    def _inputs(self) -> tuple[set[str], dict[str, set[str]]]:
        """Input sources and derivations, from the context of every string used."""
        srcs: set[str] = set()
        drvs: dict[str, set[str]] = {}
        for elem in self.context:
            if elem.startswith("="):
                # the drv's whole closure, with every output of every drv in it
                for path in _closure(self.state, elem[1:]):
                    srcs.add(path)
                    if path.endswith(store.DRV_EXTENSION):
                        outputs = read_derivation(self.state, path).outputs
                        drvs.setdefault(path, set()).update(outputs)
            elif elem.startswith("!"):
                _, output, drv_path = elem.split("!", 2)
                drvs.setdefault(drv_path, set()).add(output)
            else:
                srcs.add(elem)
        return srcs, drvs

    def _finish(self, structured: bool) -> Attrs:
        state = self.state
        srcs, drvs = self._inputs()
        if not self.builder:
            raise NixError("required attribute 'builder' missing")
        if not self.system:
            raise NixError("required attribute 'system' missing")
        if self.name.endswith(store.DRV_EXTENSION):
            raise NixError("derivation names are allowed to end in '.drv' only if they "
                           "produce a single derivation file")
        if structured:
            # nlohmann's json object: keys sorted, as attrs.names() already gave them
            errors: list[str] = []
            text = ",".join(json_string(k, errors) + ":" + v for k, v in self.json.items())
            if errors:
                raise NixError("JSON serialization error: " + errors[0])
            self.env = {"__json": "{" + text + "}"}
        if self.output_hash == "" and self.output_hash_algo in store.HASH_SIZES:
            zero = store.Hash(self.output_hash_algo, bytes(store.HASH_SIZES[self.output_hash_algo]))
            warn(f"found empty hash, assuming '{zero.to_string('sri')}'")
        try:
            result = store.instantiate_derivation(
                self.name, self.system, self.builder, self.args, self.env,
                outputs=self.outputs, input_drvs=drvs, input_srcs=srcs,
                output_hash=self.output_hash, output_hash_algo=self.output_hash_algo,
                output_hash_mode=self.hash_mode,
                input_drv_hashes={p: hash_modulo(state, p) for p in drvs},
                store_dir=state.store_dir)
        except store.StoreError as e:
            raise NixError(str(e)) from None
        drv_path = result.drv_path
        objects = store_objects(state)
        objects.drvs[drv_path] = result.drv
        objects.hash_modulo[drv_path] = result.hash_modulo
        objects.texts[drv_path] = (result.drv_text.encode("utf-8", "surrogateescape"),
                                   result.drv.references)
        vals: dict[str, Any] = {"drvPath": ContextStr(drv_path, frozenset(["=" + drv_path]))}
        for output, path in result.outputs.items():
            vals[output] = ContextStr(path, frozenset([f"!{output}!{drv_path}"]))
        return Attrs(vals)


def _closure(state: EvalState, path: str) -> set[str]:
    seen: set[str] = set()
    todo = [path]
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(references(state, p))
    return seen

