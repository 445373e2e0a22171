"""Files, paths and the store: reading files and directories, adding paths
and texts to the (computed, never written) store, and the fetchers, which
nixeval cannot run.

A path argument goes through ``_realise`` as in Nix's ``realisePath``: it is
coerced (path values, or strings naming absolute paths, via ``__toString``
and ``outPath``), canonicalised, its string context checked (a derivation
output would have to be built), and then found: store paths nixeval itself
made are read from where their contents really are (see
``nixeval.eval.derivations.StoreObjects``), anything else from the file system.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ... import inputs
from ...syntax import FileTooLarge, NotARegularFile, open_regular, read_fd
from .. import store
from ..compiler import canon_path
from ..derivations import (
    SourceCopy,
    references,
    show_context_elem,
    source_copy,
    split_store_path,
    store_objects,
    warn,
)
from ..errors import NixError
from ..ops import (
    coerce_to_string,
    force_attrs,
    force_bool,
    force_string,
    force_string_no_context,
    peel,
)
from ..values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    PrimOp,
    PrimOpApp,
    context_of,
    force,
    make_string,
    show_type,
    type_error,
)
from . import primop

if TYPE_CHECKING:
    from ..state import EvalState


def _traced(e: NixError, hint: str) -> NixError:
    e.add_trace(hint, None)
    return e


def coerce_to_path(state: EvalState, v: Any, hint: str) -> tuple[str, frozenset[str]]:
    """Nix's coerceToPath: a canonical absolute path and the string's context;
    ``hint`` is the frame its own errors get."""
    def done(peeled: Any, _: bool) -> tuple[str, frozenset[str]]:
        if type(peeled) is NixPath:
            return peeled.path, frozenset()
        s = coerce_to_string(state, peeled, None, hint, copy_to_store=False)
        if not s.startswith("/"):
            raise NixError(f"string '{s}' doesn't represent an absolute path").with_trace(hint)
        return canon_path(s), context_of(s)

    return peel(state, v, None, False, done)


class _Found:
    """Where a path's contents are: a file-system path ``fs`` (entries below
    it subject to ``accept``), or, for a store file nixeval made, ``data``."""

    __slots__ = ("accept", "data", "fs", "shown")

    def __init__(self, fs: str = "", data: bytes | None = None,
                 accept: store.PathFilter | None = None, shown: bool = False) -> None:
        self.fs = fs
        self.data = data
        self.accept = accept
        self.shown = shown  # name the file by ``fs`` in positions (SourceCopy.shown)


def locate(state: EvalState, path: str) -> _Found | None:
    """Where ``path`` is; None if it cannot exist (below a text file, or
    left out of a filtered copy)."""
    split = split_store_path(state, path)
    if split is None:
        return _Found(path)
    obj, rest = split
    text = store_objects(state).texts.get(obj)
    if text is not None:
        return None if rest else _Found(data=text[0])
    copy = source_copy(state, obj)
    if copy is None:
        return _Found(path)
    fs = copy.path
    for name in rest.split("/")[1:]:
        fs += "/" + name
        if copy.accept is not None and inputs.lexists(fs) and \
                not copy.accept(fs, inputs.file_type(os.lstat(fs).st_mode)):
            return None
    return _Found(fs, accept=copy.accept, shown=copy.shown)


def _realise(state: EvalState, v: Any) -> tuple[str, _Found | None]:
    """``realisePath``: the canonical path, and where it is found."""
    path, context = coerce_to_path(state, v, "while realising the context of a path")
    for elem in context:
        if elem.startswith("!"):
            _, output, drv_path = elem.split("!", 2)
            raise _traced(NixError(
                f"cannot build '{drv_path}^{output}' during evaluation: nixeval has no "
                "store and does not build derivations"),
                f"while realising the context of path '{path}'")
    return path, locate(state, path)


def _missing(path: str) -> NixError:
    return NixError(f"path '{path}' does not exist")


def _open(path: str, found: _Found | None) -> tuple[int, os.stat_result]:
    """An open descriptor on a regular file's contents, through the one
    opener of ``nixeval.syntax`` (no FIFO can block it, no device is read);
    what is not a regular file is refused with current Nix's message (Nix
    2.8 says "reading from file: Is a directory" for a directory, and blocks
    on a FIFO or reads a device to its end)."""
    if found is None or not inputs.lexists(found.fs):
        raise _missing(path)
    try:
        return open_regular(found.fs)
    except NotARegularFile:
        shown = os.path.realpath(path) if found.fs == path else path  # Nix resolves symlinks
        raise NixError(f"file '{shown}' is not a regular file") from None
    except OSError as e:
        raise NixError(f"opening file '{path}': {e.strerror}") from None


def _read(path: str, found: _Found | None) -> bytes:
    if found is not None and found.data is not None:
        return found.data
    fd, st = _open(path, found)
    try:
        return read_fd(fd, st.st_size, path)
    except FileTooLarge as e:
        raise NixError(str(e)) from None
    except OSError as e:
        raise NixError(f"reading file '{path}': {e.strerror}") from None
    finally:
        os.close(fd)


def _hash_contents(algo: str, path: str, found: _Found | None) -> store.Hash:
    """The flat hash of a file's contents, read a piece at a time (a file of
    any size takes no more memory than a piece)."""
    if found is not None and found.data is not None:
        return store.hash_string(algo, found.data)
    h = hashlib.new(store.parse_hash_algo(algo))
    fd, _ = _open(path, found)
    try:
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
    except OSError as e:
        raise NixError(f"reading file '{path}': {e.strerror}") from None
    finally:
        os.close(fd)
    return store.Hash(algo, h.digest())


@primop("__readFile", 1)
def read_file(state: EvalState, arg: Any) -> str:
    path, found = _realise(state, arg)
    data = _read(path, found)
    if b"\0" in data:
        raise NixError(f"the contents of the file '{path}' cannot be represented as a "
                       "Nix string")
    s = data.decode("utf-8", "surrogateescape")
    # a store file depends on those of its references it mentions (by hash)
    split = split_store_path(state, path)
    context = frozenset()
    if split is not None:
        prefix = len(state.store_dir) + 1
        context = frozenset(r for r in references(state, split[0]) if r[prefix:prefix + 32] in s)
    return make_string(s, context)


@primop("__hashFile", 2)
def hash_file(state: EvalState, algo: Any, arg: Any) -> str:
    try:
        name = force_string_no_context(algo, None)
    except NixError as e:
        raise _traced(e, "while evaluating the first argument passed to builtins.hashFile") \
            from None
    if name not in store.HASH_SIZES:
        raise NixError(f"unknown hash algorithm '{name}'")
    path, found = _realise(state, arg)
    return _hash_contents(name, path, found).hex


@primop("__pathExists", 1)
def path_exists(state: EvalState, arg: Any) -> bool:
    v = force(arg)
    # a string can say "a directory" with a trailing "/" or "/.", which the
    # canonical path no longer shows; then symlinks are followed
    must_be_dir = isinstance(v, str) and (v.endswith("/") or v.endswith("/."))
    path, found = _realise(state, v)
    if path == state.store_dir:
        return True  # a store has its directory, even one that is not on disk
    if found is None:
        return False
    if found.data is not None:
        return not must_be_dir
    return inputs.isdir(found.fs) if must_be_dir else inputs.lexists(found.fs)


@primop("__readFileType", 1)
def read_file_type(state: EvalState, arg: Any) -> str:
    path, found = _realise(state, arg)
    if found is not None and found.data is not None:
        return "regular"
    if path == state.store_dir:
        return "directory"
    if found is None or not inputs.lexists(found.fs):
        raise _missing(path)
    return inputs.file_type(os.lstat(found.fs).st_mode)


@primop("__readDir", 1)
def read_dir(state: EvalState, arg: Any) -> Attrs:
    path, found = _realise(state, arg)
    if found is None or (found.data is None and not inputs.lexists(found.fs)):
        raise _missing(path)
    if found.data is not None:
        raise NixError(f"'{path}' is not a directory")
    real = os.path.realpath(found.fs)
    if not inputs.isdir(real):
        raise NixError(f"'{real}' is not a directory")
    entries: dict[str, Any] = {}
    try:
        inputs.listed(real)
        with os.scandir(real) as it:
            for entry in it:
                file_type = inputs.file_type(entry.stat(follow_symlinks=False).st_mode)
                if found.accept is None or found.accept(found.fs + "/" + entry.name, file_type):
                    entries[entry.name] = file_type
    except OSError as e:
        raise NixError(f"opening directory '{real}': {e.strerror}") from None
    return Attrs(entries)


@primop("__toPath", 1)
def to_path(state: EvalState, arg: Any) -> str:
    path, context = coerce_to_path(state, arg,
                                   "while evaluating the first argument passed to builtins.toPath")
    return make_string(path, context)


def _check_store_path(state: EvalState, store_path: str) -> None:
    """What parsing ``store_path`` as a StorePath would reject."""
    base = os.path.basename(store_path)
    if len(base) < 33:
        raise NixError(f"'{base}' is too short to be a valid store path")
    if base[32] != "-" or any(c not in store.BASE32_CHARS for c in base[:32]):
        raise NixError(f"path '{store_path}' is not a valid store path")
    try:
        store.check_name(base, base[33:])
    except store.BadStorePath as e:
        raise NixError(str(e)) from None


@primop("__storePath", 1)
def store_path(state: EvalState, arg: Any) -> str:
    if state.pure:
        raise NixError("'builtins.storePath' is not allowed in pure evaluation mode")
    path, context = coerce_to_path(
        state, arg, "while evaluating the first argument passed to 'builtins.storePath'")
    # symlinks are resolved unless the path is a store path itself (which may be one)
    split = split_store_path(state, path)
    if split is None or split[1]:
        path = os.path.realpath(path)
        split = split_store_path(state, path)
    if split is None:
        raise NixError(f"path '{path}' is not in the Nix store")
    _check_store_path(state, split[0])
    return ContextStr(path, context | {split[0]})


@primop("__toFile", 2)
def to_file(state: EvalState, name_arg: Any, contents_arg: Any) -> str:
    try:
        name = force_string_no_context(name_arg, None)
    except NixError as e:
        raise _traced(e, "while evaluating the first argument passed to builtins.toFile") \
            from None
    try:
        contents = force_string(contents_arg, None)
    except NixError as e:
        raise _traced(e, "while evaluating the second argument passed to builtins.toFile") \
            from None
    refs = sorted(context_of(contents))
    for elem in refs:
        if elem.startswith(("=", "!")):
            raise NixError(f"files created by builtins.toFile may not reference derivations, "
                           f"but {name} references {show_context_elem(state, elem)}")
    try:
        path = store.make_text_path(name, contents, refs, state.store_dir)
    except store.StoreError as e:
        raise NixError(str(e)) from None
    store_objects(state).texts[path] = (contents.encode("utf-8", "surrogateescape"),
                                        frozenset(refs))
    return ContextStr(path, frozenset([path]))


def _force_function(v: Any) -> Any:
    f = force(v)
    if type(f) not in (Lambda, PrimOp, PrimOpApp) and \
            not (type(f) is Attrs and "__functor" in f.vals):
        raise type_error("a function", f)
    return f


def _nix_filter(state: EvalState, fn: Any, shown: str, fs: str) -> store.PathFilter:
    """A Nix filter ``path: type: bool`` as a predicate on file-system paths
    below ``fs``; the function sees them as below ``shown`` (its argument)."""
    def accept(path: str, file_type: str) -> bool:
        result = state.call(state.call(fn, shown + path[len(fs):]), file_type)
        try:
            return force_bool(result, None)
        except NixError as e:
            raise _traced(e, "while evaluating the return value of the path filter function") \
                from None

    return accept


def _both(first: store.PathFilter | None, second: store.PathFilter | None
          ) -> store.PathFilter | None:
    if first is None or second is None:
        return first or second
    return lambda path, file_type: first(path, file_type) and second(path, file_type)


def _add_path(state: EvalState, name: str, path: str, context: frozenset[str],
              fn: Any, recursive: bool, expected: store.Hash | None) -> str:
    """Nix's addPath: the store path ``path`` gets when added (filtered by the
    Nix function ``fn``), checked against ``expected`` when given."""
    try:
        found = locate(state, path)
        refs: frozenset[str] = frozenset()
        split = split_store_path(state, path)
        if split is not None and context:
            refs = references(state, split[0])
        if found is None or (found.data is None and not inputs.lexists(found.fs)):
            raise _missing(path)
        method: store.IngestionMethod = "recursive" if recursive else "flat"
        if found.data is not None:
            # a file nixeval made lives in memory: hash a temporary copy
            import tempfile  # rarely needed: loading it costs start-up

            with tempfile.NamedTemporaryFile() as tmp:
                tmp.write(found.data)
                tmp.flush()
                digest = _digest(tmp.name, None, recursive)
            copy: SourceCopy | None = None
        else:
            fs = os.path.realpath(found.fs)
            accept = _both(found.accept,
                           None if fn is None else _nix_filter(state, fn, path, fs))
            digest = _digest(fs, accept, recursive)
            copy = SourceCopy(fs, accept if recursive else None)
        refs = refs if recursive else frozenset()
        try:
            out = store.make_fixed_output_path(name, method, "sha256", digest, refs,
                                               state.store_dir)
            if expected is not None and out != store.make_fixed_output_path(
                    name, method, "sha256", expected.digest, refs, state.store_dir):
                raise NixError("store path mismatch in (possibly filtered) path added from "
                               f"'{path}'")
        except store.StoreError as e:
            raise NixError(str(e)) from None
    except NixError as e:
        raise _traced(e, f"while adding path '{path}'") from None
    objects = store_objects(state)
    if copy is None:
        objects.texts[out] = (found.data or b"", refs)
    else:
        objects.sources[out] = copy
    return ContextStr(out, frozenset([out]))


def _digest(fs: str, accept: store.PathFilter | None, recursive: bool) -> bytes:
    try:
        if recursive:
            return store.nar_hash(fs, accept).digest
        return _hash_contents("sha256", fs, _Found(fs)).digest
    except store.StoreError as e:
        raise NixError(str(e)) from None
    except IsADirectoryError:
        raise NixError("reading from file: Is a directory") from None
    except OSError as e:
        raise NixError(f"opening file '{e.filename}': {e.strerror}") from None


@primop("__filterSource", 2)
def filter_source(state: EvalState, fn: Any, arg: Any) -> str:
    path, context = coerce_to_path(
        state, arg,
        "while evaluating the second argument (the path to filter) passed to "
        "'builtins.filterSource'")
    try:
        f = _force_function(fn)
    except NixError as e:
        raise _traced(e, "while evaluating the first argument passed to builtins.filterSource") \
            from None
    return _add_path(state, os.path.basename(path), path, context, f, True, None)


_PATH_ARGS = ("filter", "name", "path", "recursive", "sha256")


@primop("__path", 1)
def path_(state: EvalState, arg: Any) -> str:
    try:
        attrs = force_attrs(arg, None)
    except NixError as e:
        raise _traced(e, "while evaluating the argument passed to 'builtins.path'") from None
    positions = attrs.pos or {}
    for key in attrs.names():
        if key not in _PATH_ARGS:
            raise NixError(f"unsupported argument '{key}' to 'builtins.path'", positions.get(key))
    if "path" not in attrs.vals:
        raise NixError("missing required 'path' attribute in the first argument to "
                       "'builtins.path'")
    path, context = coerce_to_path(
        state, attrs.vals["path"],
        "while evaluating the 'path' attribute passed to 'builtins.path'")

    def get(key: str, convert: Callable[[Any], Any], hint: str) -> Any:
        try:
            return convert(attrs.vals[key])
        except NixError as e:
            raise _traced(e.at(positions.get(key)), hint) from None

    name = fn = expected = None
    recursive = True
    if "name" in attrs.vals:
        name = get("name", lambda v: force_string_no_context(v, None),
                   "while evaluating the `name` attribute passed to builtins.path")
    if "filter" in attrs.vals:
        fn = get("filter", _force_function,
                 "while evaluating the `filter` parameter passed to builtins.path")
    if "recursive" in attrs.vals:
        recursive = get("recursive", lambda v: force_bool(v, None),
                        "while evaluating the `recursive` attribute passed to builtins.path")
    if "sha256" in attrs.vals:
        expected = get("sha256",
                       lambda v: _hash_allow_empty(force_string_no_context(v, None)),
                       "while evaluating the `sha256` attribute passed to builtins.path")
    return _add_path(state, name or os.path.basename(path), path, context, fn, recursive,
                     expected)


def _hash_allow_empty(s: str) -> store.Hash:
    """newHashAllowEmpty for a sha256: "" stands for zeros, with a warning."""
    try:
        h = store.parse_hash_allow_empty(s, "sha256")
    except store.StoreError as e:
        raise NixError(str(e)) from None
    if s == "":
        warn(f"found empty hash, assuming '{h.to_string('sri')}'")
    return h


# fetchers --------------------------------------------------------------------------


def _cannot_fetch(who: str) -> NixError:
    return NixError(f"'{who}' cannot be evaluated by nixeval: it has no network access and "
                    "no Nix store to fetch into")


def _fetch_url(state: EvalState, arg: Any, who: str, default_name: str) -> Any:
    """fetchurl and fetchTarball: Nix's argument checks, then the refusal."""
    v = force(arg)
    name = default_name
    name_given = False
    if type(v) is Attrs:
        url = None
        for key in v.names():
            if key == "url":
                url = force_string_no_context(v.vals[key], None)
            elif key == "sha256":
                _hash_allow_empty(force_string_no_context(v.vals[key], None))
            elif key == "name":
                name_given = True
                name = force_string_no_context(v.vals[key], None)
            else:
                raise NixError(f"unsupported argument '{key}' to '{who}'")
        if url is None:
            raise NixError("'url' argument required")
    else:
        url = force_string_no_context(v, None)
    if not name:
        name = url.rstrip("/").rpartition("/")[2]  # baseNameOf
    bad = next((c for c in name if not (c.isascii() and (c.isalnum() or c in "+-._?="))), None)
    if bad is not None:
        if name_given:
            fix = (f"Please change the value for the 'name' attribute passed to '{who}', so "
                   "that it can create a valid store path.")
        elif type(v) is Attrs:
            fix = (f"Please add a valid 'name' attribute to the argument for '{who}', so that "
                   "it can create a valid store path.")
        else:
            fix = (f"Please pass an attribute set with 'url' and 'name' attributes to '{who}', "
                   " so that it can create a valid store path.")
        raise NixError(f"invalid store path name when fetching URL '{url}': name '{name}' "
                       f"contains illegal character '{bad}'. {fix}")
    raise _cannot_fetch(who)


@primop("__fetchurl", 1)
def fetchurl(state: EvalState, arg: Any) -> Any:
    return _fetch_url(state, arg, "fetchurl", "")


@primop("fetchTarball", 1)
def fetch_tarball(state: EvalState, arg: Any) -> Any:
    return _fetch_url(state, arg, "fetchTarball", "source")


def _fetch_tree(state: EvalState, arg: Any, who: str) -> Any:
    """fetchTree and friends: the argument checks Nix makes before fetching."""
    v = force(arg)
    if type(v) is Attrs:
        for key in v.names():
            item = force(v.vals[key])
            if type(item) is int and item < 0:
                raise NixError(f"negative value given for '{who}' argument '{key}': {item}")
            if type(item) not in (int, bool, str, ContextStr, NixPath):
                raise NixError(f"argument '{key}' to '{who}' is {show_type(item)} while a "
                               "string, Boolean or integer is expected")
    else:
        url = coerce_to_string(state, v, None, copy_to_store=False)
        # the one fetch refused before anything is downloaded: a tarball at a
        # relative file: URL (Nix's downloadTarball, under Input::getAccessor)
        path = url[5:] if url.startswith("file:") else None
        if path is not None and not path.startswith("/") and path.endswith(_TARBALL_SUFFIXES) \
                and who == "fetchTree":
            raise NixError(f"tarball '{url}' must use an absolute path. The 'file' scheme does "
                           "not support relative paths.").with_trace(
                               f"while fetching the input '{url}'")
    raise _cannot_fetch(who)


_TARBALL_SUFFIXES = (".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst")


def _register_fetcher(name: str) -> None:
    def fetch(state: EvalState, arg: Any) -> Any:
        return _fetch_tree(state, arg, name.lstrip("_"))

    primop(name, 1)(fetch)


for _name in ("fetchTree", "fetchFinalTree", "fetchGit", "fetchMercurial", "__fetchClosure"):
    _register_fetcher(_name)
