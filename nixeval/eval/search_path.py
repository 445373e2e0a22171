"""The Nix search path (``-I``, ``NIX_PATH``) and ``<name/sub/path>`` lookups."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .. import inputs
from .errors import NixError, ThrownError
from .ops import force_attrs, force_list, force_string_no_context
from .values import Attrs, NixPath, force

if TYPE_CHECKING:
    from .state import EvalState

EMBEDDED_LIB = os.path.join(os.path.dirname(os.path.dirname(__file__)), "lib")


def split_nix_path(value: str) -> list[str]:
    """Split ``NIX_PATH`` on ``:``, keeping URLs (``nixpkgs=https://…``) whole."""
    out: list[str] = []
    for part in value.split(":"):
        if out and part.startswith("//"):
            out[-1] += ":" + part
        elif part:
            out.append(part)
    return out


def parse_entry(entry: str) -> tuple[str, str]:
    """``prefix=path`` or ``path`` → (prefix, path); local paths made absolute."""
    prefix, sep, path = entry.partition("=")
    if not sep:
        prefix, path = "", entry
    if "://" not in path and not path.startswith(("channel:", "flake:")):
        path = os.path.abspath(path)
    return prefix, path


def nix_path_value(state: EvalState) -> list:
    return [Attrs({"path": path, "prefix": prefix})
            for prefix, path in map(parse_entry, state.search_path)]


def find_file(state: EvalState, search: Any, name: str) -> NixPath:
    """``builtins.findFile``: the first entry whose prefix matches and whose file exists."""
    for item in force_list(search, None):
        entry = force_attrs(item, None)
        if "path" not in entry.vals:
            raise NixError("attribute 'path' missing")
        prefix = force_string_no_context(entry.vals["prefix"], None) \
            if "prefix" in entry.vals else ""
        raw = force(entry.vals["path"])
        # an entry's path may be a path value (`{ path = ./dir; }`) or a string
        path = raw.path if type(raw) is NixPath else force_string_no_context(raw, None)
        if prefix:
            if not (name == prefix or name.startswith(prefix + "/")):
                continue
            rest = name[len(prefix):]
        else:
            rest = "/" + name
        if "://" in path:
            continue  # would need a download; nixeval never fetches
        candidate = path + rest if rest else path
        if inputs.exists(candidate):
            from .compiler import canon_path

            return NixPath(canon_path(candidate))
    if name.startswith("nix/"):
        # Nix's own <nix/…> files; nixeval ships its equivalents
        corepkg = os.path.join(os.path.dirname(__file__), "corepkgs", name[4:])
        if inputs.exists(corepkg):
            return NixPath(corepkg)
    if name == "nixeval/lib" or name.startswith("nixeval/lib/"):
        # the embedded lib, for module sets evaluated without nixpkgs
        embedded = os.path.join(EMBEDDED_LIB, name[len("nixeval/lib/"):])
        if inputs.exists(embedded):
            from .compiler import canon_path

            return NixPath(canon_path(embedded))
    # a throw, as in Nix, so that tryEval can catch it
    raise ThrownError(f"file '{name}' was not found in the Nix search path "
                   "(add it using $NIX_PATH or -I)")


def is_pseudo_url(s: str) -> bool:
    """Nix's EvalSettings::isPseudoUrl: what Nix would download."""
    if s.startswith("channel:"):
        return True
    scheme, sep, _ = s.partition("://")
    return bool(sep) and scheme in ("http", "https", "file", "channel", "git", "s3", "ssh")


def lookup_file_arg(state: EvalState, arg: str) -> str:
    """Nix's lookupFileArg: a command line's file argument as a path; ``<name>``
    is looked up in the search path as the expression ``<name>`` would be."""
    if is_pseudo_url(arg) or arg.startswith("flake:"):
        raise NixError(f"'{arg}' cannot be evaluated by nixeval: it has no network access "
                       "and no Nix store to fetch into")
    if len(arg) > 2 and arg.startswith("<") and arg.endswith(">"):
        return find_file(state, nix_path_value(state), arg[1:-1]).path
    from .compiler import canon_path

    return canon_path(os.path.join(os.getcwd(), arg))


def resolve_expr_path(path: str) -> str:
    """Nix's resolveExprPath: a symlink is followed (so that the file's relative
    paths are relative to its target), a directory means its default.nix."""
    from .compiler import canon_path

    for _ in range(1024):
        if path == "/" or not inputs.islink(path):
            break
        path = canon_path(os.path.join(os.path.dirname(path), os.readlink(path)))
    else:
        raise NixError(f"too many symbolic links encountered while traversing the path "
                       f"'{path}'")
    if inputs.isdir(path):
        return canon_path(path + "/default.nix")
    return path
