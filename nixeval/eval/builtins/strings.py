"""String builtins: lengths and slices, joining, replacing, regexes, path-like
string manipulation and hashing.

Nix strings are byte strings, so lengths and offsets count UTF-8 bytes; a
slice that cuts a character comes back as lone surrogates (``surrogateescape``,
as everywhere in nixeval), which turn back into the same bytes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from .. import regex, store
from ..errors import NixError, UsageError
from ..ops import (
    coerce_to_string,
    force_attrs,
    force_int,
    force_list,
    force_string,
    force_string_no_context,
    get_attr,
)
from ..values import ContextStr, NixPath, context_of, force, make_string
from . import primop

HASH_ALGOS = ("md5", "sha1", "sha256", "sha512")
_HASH_FORMATS = {"base16": "base16", "nix32": "nix32", "base32": "nix32", "base64": "base64",
                 "sri": "sri"}


def encode(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def byte_length(s: str) -> int:
    return len(s) if s.isascii() else len(encode(s))


@primop("__stringLength", 1)
def string_length(state, s: Any) -> int:
    return byte_length(coerce_to_string(
        state, s, None, "while evaluating the argument passed to builtins.stringLength"))


@primop("__substring", 3)
def substring(state, start: Any, length: Any, s: Any) -> str:
    begin = force_int(start, None, "while evaluating the first argument (the start offset) "
                                   "passed to builtins.substring")
    if begin < 0:
        raise NixError("negative start position in 'substring'")
    n = force_int(length, None, "while evaluating the second argument (the substring length) "
                                "passed to builtins.substring")
    if n == 0:
        # as Nix: an empty substring of a string keeps its context without coercion
        v = force(s)
        if isinstance(v, str):
            return make_string("", context_of(v))
    text = coerce_to_string(state, s, None, "while evaluating the third argument (the string) "
                                            "passed to builtins.substring")
    end = None if n < 0 else begin + n
    part = text[begin:end] if text.isascii() else decode(encode(text)[begin:end])
    return make_string(part, context_of(text))


@primop("__concatStringsSep", 2)
def concat_strings_sep(state, sep: Any, xs: Any) -> str:
    separator = force_string(sep, None, "while evaluating the first argument (the separator "
                                        "string) passed to builtins.concatStringsSep")
    items = force_list(xs, None, "while evaluating the second argument (the list of strings to "
                                 "concat) passed to builtins.concatStringsSep")
    ctx = ("while evaluating one element of the list of strings to concat passed to "
           "builtins.concatStringsSep")
    parts = [x if type(x) is str else coerce_to_string(state, x, None, ctx) for x in items]
    # the separator's context counts even when it is never used
    context = context_of(separator)
    for p in parts:
        if type(p) is ContextStr:
            context = context | p.context
    return make_string(separator.join(parts), context)


@primop("__replaceStrings", 3)
def replace_strings(state, from_: Any, to: Any, s: Any) -> str:
    patterns = force_list(from_, None,
                          "while evaluating the first argument passed to builtins.replaceStrings")
    replacements = force_list(
        to, None, "while evaluating the second argument passed to builtins.replaceStrings")
    if len(patterns) != len(replacements):
        raise NixError("'from' and 'to' arguments passed to builtins.replaceStrings have "
                       "different lengths")
    pats = [encode(force_string(p, None, "while evaluating one of the strings to replace passed "
                                         "to builtins.replaceStrings")) for p in patterns]
    subject = force_string(s, None,
                           "while evaluating the third argument passed to builtins.replaceStrings")
    context = set(context_of(subject))
    forced: dict[int, bytes] = {}

    def replacement(i: int) -> bytes:
        # as Nix: a replacement is evaluated (and adds its context) only once used
        r = forced.get(i)
        if r is None:
            value = force_string(replacements[i], None, "while evaluating one of the replacement "
                                 "strings passed to builtins.replaceStrings")
            context.update(context_of(value))
            r = forced[i] = encode(value)
        return r

    # At each position Nix tries the patterns in order and takes the first that
    # matches; an empty pattern always matches, so none after it ever can.
    empty = next((i for i, p in enumerate(pats) if not p), None)
    nonempty = pats if empty is None else pats[:empty]
    first_index: dict[bytes, int] = {}
    for i, p in enumerate(nonempty):
        first_index.setdefault(p, i)
    # a regex alternation also takes, at the leftmost position, the first
    # alternative that matches
    rx = re.compile(b"|".join(re.escape(p) for p in nonempty)) if nonempty else None
    data = encode(subject)
    if empty is None:
        result = rx.sub(lambda m: replacement(first_index[m.group()]), data) if rx else data
    else:
        out: list[bytes] = []
        pos, size = 0, len(data)
        while pos <= size:
            m = rx.match(data, pos) if rx else None
            if m:
                out.append(replacement(first_index[m.group()]))
                pos = m.end()
            else:
                out.append(replacement(empty))
                out.append(data[pos:pos + 1])
                pos += 1
        result = b"".join(out)
    return make_string(decode(result), frozenset(context))


def _regex_call(fn: Callable[[str, str], Any], name: str, pattern: Any, s: Any) -> Any:
    pat = force_string_no_context(pattern, None,
                                  f"while evaluating the first argument passed to builtins.{name}")
    try:
        regex.compile_posix(pat)  # as Nix: a bad pattern is reported before the string is forced
        return fn(pat, force_string(
            s, None, f"while evaluating the second argument passed to builtins.{name}"))
    except regex.RegexError as e:
        raise NixError(e.message) from None


@primop("__match", 2)
def match(state, pattern: Any, s: Any) -> list | None:
    return _regex_call(regex.match, "match", pattern, s)


@primop("__split", 2)
def split(state, pattern: Any, s: Any) -> list:
    # without a match the result holds the string itself, context included
    return _regex_call(regex.split, "split", pattern, s)


def legacy_base_name(path: str) -> str:
    """Nix's legacyBaseNameOf: after the last slash, ignoring one trailing slash."""
    if not path:
        return ""
    last = len(path) - 1
    if path[last] == "/" and last > 0:
        last -= 1
    slash = path.rfind("/", 0, last + 1)
    return path[slash + 1:last + 1]


@primop("baseNameOf", 1)
def base_name_of(state, v: Any) -> str:
    s = coerce_to_string(state, v, None,
                         "while evaluating the first argument passed to builtins.baseNameOf",
                         copy_to_store=False)
    return make_string(legacy_base_name(s), context_of(s))


@primop("dirOf", 1)
def dir_of(state, v: Any) -> Any:
    v = force(v)
    if type(v) is NixPath:
        cut = v.path.rfind("/")
        return NixPath(v.path[:cut] if cut > 0 else "/")
    s = coerce_to_string(state, v, None,
                         "while evaluating the first argument passed to 'builtins.dirOf'",
                         copy_to_store=False)
    cut = s.rfind("/")
    return make_string("." if cut < 0 else "/" if cut == 0 else s[:cut], context_of(s))


def hash_algo(name: str) -> str:
    """Nix's parseHashAlgo, with its error texts."""
    if name in HASH_ALGOS:
        return name
    if name == "blake3":
        raise NixError("experimental Nix feature 'blake3-hashes' is disabled; add "
                       "'--extra-experimental-features blake3-hashes' to enable it")
    raise UsageError(f"unknown hash algorithm '{name}', expect 'blake3', 'md5', 'sha1', "
                     "'sha256', or 'sha512'")


@primop("__hashString", 2)
def hash_string(state, algo: Any, s: Any) -> str:
    name = hash_algo(force_string_no_context(
        algo, None, "while evaluating the first argument passed to builtins.hashString"))
    return store.hash_string(name, force_string(
        s, None, "while evaluating the second argument passed to builtins.hashString")).hex


@primop("__convertHash", 1)
def convert_hash(state, args: Any) -> str:
    attrs = force_attrs(args, None,
                        "while evaluating the first argument passed to builtins.convertHash")
    text = force_string_no_context(get_attr(attrs, "hash", "while locating the attribute 'hash'"),
                                   None, "while evaluating the attribute 'hash'")
    algo = None
    if "hashAlgo" in attrs.vals:
        algo = hash_algo(force_string_no_context(attrs.vals["hashAlgo"], None,
                                                 "while evaluating the attribute 'hashAlgo'"))
    fmt_name = force_string_no_context(
        get_attr(attrs, "toHashFormat", "while locating the attribute 'toHashFormat'"), None,
        "while evaluating the attribute 'toHashFormat'")
    fmt = _HASH_FORMATS.get(fmt_name)
    if fmt is None:
        raise UsageError(f"unknown hash format '{fmt_name}', expect 'base16', 'base32', "
                         "'base64', or 'sri'")
    if fmt_name == "base32":
        print('warning: "base32" is a deprecated alias for hash format "nix32".',
              file=sys.stderr)
    try:
        h = store.parse_hash(text, algo)
    except store.BadHash as e:
        raise NixError(str(e)) from None
    return h.to_string(fmt)  # type: ignore[arg-type]
