"""Flake references, as ``builtins.parseFlakeRef``, ``builtins.flakeRefToString`` and
``builtins.getFlake`` (``flakes.py``) read and print them.

As libflake does it, a reference becomes an *input*: an attribute set of
strings, integers and Booleans that one of libfetchers' input schemes
(github, git, path, tarball, …) accepts; printing goes back through that
scheme's URL form. Which parse path a string takes (flake ID, URL, local path)
depends on exactly which strings count as URLs and which errors are "bad URL"
errors that send Nix on to the next path, so URLs are parsed here as Nix's
Boost.URL does (RFC 3986, strictly, plus Nix's lenient touches) and the
schemes raise the same kinds of errors as Nix's.

Nix registers both builtins only with the ``flakes`` experimental feature;
nixeval always provides them (Nix's own language tests enable the feature in
their configuration and call them without flags).
"""

from __future__ import annotations

import ipaddress
import json
import re
import string
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import store
from ..errors import NixError
from ..printer import json_float
from ..values import Attrs, force, sort_key

Attr = str | int | bool  # libfetchers' Attr; bools are kept apart from ints by type()
InputAttrs = dict[str, Attr]


class BadURL(NixError):
    """libutil's BadURL: the one error that makes Nix try a reference as a path."""


class BadHash(NixError):
    """libutil's BadHash: ``getRev`` falls back to SHA-1 on it."""


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _missing_feature(feature: str) -> NixError:
    return NixError(f"experimental Nix feature '{feature}' is disabled; add "
                    f"'--extra-experimental-features {feature}' to enable it")


# --------------------------------------------------------------------------
# Percent-encoding (Boost.URL's encode and pct_string_view)

_HEX = frozenset(string.hexdigits)
_DIGITS = frozenset(string.digits)
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_PCHARS = _UNRESERVED | _SUB_DELIMS | frozenset(":@")
_PCHARS_NO_COLON = _PCHARS - {":"}
_USER_CHARS = _UNRESERVED | _SUB_DELIMS  # also reg-name's characters
_PASSWORD_CHARS = _USER_CHARS | {":"}
_QUERY_CHARS = _PCHARS | frozenset("/?[]")
_FRAGMENT_CHARS = _PCHARS | frozenset("/?#")
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+-.")
_IPVFUTURE_MINOR = _USER_CHARS | {":"}


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def percent_encode(s: str, keep: str = "") -> str:
    """Everything but unreserved characters and ``keep``, byte by byte, as %XX."""
    return "".join(chr(b) if chr(b) in _UNRESERVED or chr(b) in keep else f"%{b:02X}"
                   for b in _bytes(s))


def _encode_chars(s: str, chars: str) -> str:
    """Nix's leniency: only ``chars`` are encoded (spaces and quotes in queries)."""
    return "".join(percent_encode(c) if c in chars else c for c in s)


def _decode_valid(s: str) -> str:
    if "%" not in s:
        return s
    out = bytearray()
    i = 0
    data = _bytes(s)
    while i < len(data):
        if data[i] == 0x25:
            out.append(int(data[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def percent_decode(s: str) -> str:
    """libutil's percentDecode: Boost's make_pct_string_view checks, then decoding."""
    data = _bytes(s)
    hexdigits = _bytes(string.hexdigits)
    n, i = len(data), 0
    while i < n - 2:
        if data[i] != 0x25:
            i += 1
        elif data[i + 1] in hexdigits and data[i + 2] in hexdigits:
            i += 3
        else:
            raise BadURL(f"invalid URI parameter '{s}': bad hexdig in pct-encoding")
    if data[i:i + 1] == b"%" or data[i + 1:i + 2] == b"%":  # in the last two bytes
        raise BadURL(f"invalid URI parameter '{s}': incomplete pct-encoding")
    return _decode_valid(s)


# --------------------------------------------------------------------------
# Parsed URLs (libutil's ParsedURL) and their printing


@dataclass
class Authority:
    host_type: str = "name"  # "name", "ipv4", "ipv6" or "ipvfuture"
    host: str = ""
    user: str | None = None
    password: str | None = None
    port: int | None = None

    def __str__(self) -> str:
        out = ""
        if self.user is not None:
            out += percent_encode(self.user)
            if self.password is not None:
                out += ":" + percent_encode(self.password)
            out += "@"
        if self.host_type == "name":
            out += percent_encode(self.host)
        elif self.host_type == "ipv4":
            out += self.host
        else:  # a zone ID's "%" is encoded again
            out += "[" + percent_encode(self.host, ":") + "]"
        if self.port is not None:
            out += f":{self.port}"
        return out


@dataclass
class ParsedURL:
    scheme: str
    authority: Authority | None = None
    path: list[str] = field(default_factory=list)  # decoded segments; [""] is "", ["", ""] "/"
    query: dict[str, str] = field(default_factory=dict)  # std::map: printed sorted
    fragment: str = ""

    def copy(self) -> ParsedURL:
        return ParsedURL(self.scheme, self.authority, list(self.path), dict(self.query),
                         self.fragment)

    def __str__(self) -> str:
        out = self.scheme + ":"
        if self.authority is not None:
            out += "//" + str(self.authority)
        out += encode_url_path(self.path)
        if self.query:
            out += "?" + encode_query(self.query)
        if self.fragment:
            out += "#" + percent_encode(self.fragment)
        return out


def encode_url_path(path: list[str]) -> str:
    return "/".join(percent_encode(p, ":@") for p in path)


def encode_query(query: dict[str, str]) -> str:
    return "&".join(percent_encode(k, ":@/?") + "=" + percent_encode(query[k], ":@/?")
                    for k in sorted(query, key=sort_key))


def parse_url_scheme(scheme: str) -> tuple[str | None, str]:
    """"tarball+https" → ("tarball", "https"); "https" → (None, "https")."""
    application, plus, transport = scheme.partition("+")
    return (application, transport) if plus else (None, scheme)


# --------------------------------------------------------------------------
# Boost.URL's URI-reference grammar: which strings parse, and where each part is


def _pct_span(s: str, i: int, chars: frozenset[str]) -> int | None:
    """End of a run of ``chars`` and %XX escapes from ``i``; None at a broken escape."""
    n = len(s)
    while i < n:
        c = s[i]
        if c in chars:
            i += 1
        elif c == "%":
            if i + 2 < n and s[i + 1] in _HEX and s[i + 2] in _HEX:
                i += 3
            else:
                return None
        else:
            break
    return i


_IPV4 = re.compile(r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
                   r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])){3}")


def _ipv6(text: str) -> ipaddress.IPv6Address | None:
    if not text or "%" in text:
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


@dataclass
class _AuthorityParts:
    end: int
    user: str | None
    password: str | None
    host_type: str
    host: str  # as written (brackets stripped for IP literals)
    port: str | None


def _ip_literal(s: str, i: int) -> tuple[int, str, str] | None:
    """``[IPv6]``, ``[IPv6%25zone]`` or ``[vX.Y]`` at ``i``: (end, type, address)."""
    close = s.find("]", i + 1)
    if close < 0:
        return None
    text = s[i + 1:close]
    if text.startswith("v"):
        dot = text.find(".")
        major, minor = text[1:dot], text[dot + 1:]
        if dot < 2 or not minor or not set(major) <= _HEX or not set(minor) <= _IPVFUTURE_MINOR:
            return None
        return close + 1, "ipvfuture", text
    if _ipv6(text):
        return close + 1, "ipv6", text
    addr, found, zone = text.partition("%25")  # RFC 6874 zone ID
    if found and _ipv6(addr) and zone and _pct_span(zone, 0, _UNRESERVED) == len(zone):
        return close + 1, "ipv6", addr + "%" + _decode_valid(zone)
    return None


def _authority(s: str, i: int) -> _AuthorityParts | None:
    n = len(s)
    user = password = None
    # [ userinfo "@" ]: a user, perhaps ":" and a password, taken only if "@" follows
    user_end = info_end = _pct_span(s, i, _USER_CHARS)
    if user_end is not None and s[user_end:user_end + 1] == ":":
        info_end = _pct_span(s, user_end + 1, _PASSWORD_CHARS)
    if user_end is not None and info_end is not None and s[info_end:info_end + 1] == "@":
        user = s[i:user_end]
        password = s[user_end + 1:info_end] if info_end != user_end else None
        i = info_end + 1
    if i < n and s[i] == "[":
        literal = _ip_literal(s, i)
        if literal is None:
            return None
        i, host_type, host = literal
    else:
        j = _pct_span(s, i, _USER_CHARS)
        if j is None:
            return None
        host = s[i:j]
        host_type = "ipv4" if _IPV4.fullmatch(host) else "name"
        i = j
    port = None
    if i < n and s[i] == ":":
        j = i + 1
        while j < n and s[j] in _DIGITS:
            j += 1
        port, i = s[i + 1:j], j
    return _AuthorityParts(i, user, password, host_type, host, port)


@dataclass
class _UriParts:
    scheme: str | None
    authority: _AuthorityParts | None
    path: str
    query: str | None
    fragment: str | None


def _path_rest(s: str, i: int) -> int | None:
    """``*( "/" / segment )`` from ``i``."""
    while i < len(s):
        if s[i] == "/":
            i += 1
            continue
        j = _pct_span(s, i, _PCHARS)
        if j is None:
            return None
        if j == i:
            break
        i = j
    return i


def _hier_part(s: str, i: int, relative: bool) -> tuple[int, _AuthorityParts | None, str] | None:
    """hier-part after "scheme:", or relative-part (whose first segment has no ':')."""
    n = len(s)
    if i == n:
        return i, None, ""
    if n - i == 1:
        if s[i] == "/":
            return i + 1, None, "/"
        if relative and s[i] == ":":
            return i, None, ""
        j = _pct_span(s, i, _PCHARS)
        return None if j is None else (j, None, s[i:j])
    authority = None
    if s.startswith("//", i):
        authority = _authority(s, i + 2)
        if authority is None:
            return None
        i = authority.end
    # after an authority the path is empty or absolute
    if i == n or (not relative and authority is not None and s[i] not in "/?#"):
        return i, authority, ""
    start = i
    if s[i] != "/":
        j = _pct_span(s, i, _PCHARS_NO_COLON if relative else _PCHARS)
        if j is None:
            return None
        if j == i:
            return i, authority, ""
        i = j
        if relative and i < n and s[i] == ":":
            return None
    end = _path_rest(s, i)
    return None if end is None else (end, authority, s[start:end])


def _query_end(s: str, i: int) -> int:
    """End of a query from ``i``: it stops (rather than fails) at anything else."""
    n = len(s)
    while i < n:
        if s[i] in _QUERY_CHARS:
            i += 1
        elif s[i] == "%" and i + 2 < n and s[i + 1] in _HEX and s[i + 2] in _HEX:
            i += 3
        else:
            break
    return i


def _query_and_fragment(s: str, i: int) -> tuple[int, str | None, str | None] | None:
    n = len(s)
    query = fragment = None
    if i < n and s[i] == "?":
        j = _query_end(s, i + 1)
        query, i = s[i + 1:j], j
    if i < n and s[i] == "#":
        j = _pct_span(s, i + 1, _FRAGMENT_CHARS)
        if j is None:
            return None
        fragment, i = s[i + 1:j], j
    return i, query, fragment


def _parse_uri_reference(s: str) -> _UriParts:
    """Boost's parse_uri_reference: URI, else relative-ref, then no leftovers.

    Raises ValueError with Boost's error text ("mismatch", "leftover").
    """
    parts = None
    scheme_end = 0
    if s[:1].isascii() and s[:1].isalpha():
        scheme_end = 1
        while scheme_end < len(s) and s[scheme_end] in _SCHEME_CHARS:
            scheme_end += 1
    if scheme_end and s[scheme_end:scheme_end + 1] == ":":
        parts = _rest_of_uri(s, s[:scheme_end], scheme_end + 1)
    if parts is None:
        parts = _rest_of_uri(s, None, 0)
    if parts is None:
        raise ValueError("mismatch")
    end, uri = parts
    if end != len(s):
        raise ValueError("leftover")
    return uri


def _rest_of_uri(s: str, scheme: str | None, i: int) -> tuple[int, _UriParts] | None:
    hier = _hier_part(s, i, relative=scheme is None)
    if hier is None:
        return None
    i, authority, path = hier
    tail = _query_and_fragment(s, i)
    if tail is None:
        return None
    i, query, fragment = tail
    return i, _UriParts(scheme, authority, path, query, fragment)


def _authority_value(parts: _AuthorityParts) -> Authority:
    """libutil's Authority::parse: decoded parts; a port must be 1..65535."""
    port = None
    if parts.port:
        number = int(parts.port)
        if not 0 < number < 65536:
            raise BadURL(f"port '{parts.port}' is invalid")
        port = number
    host = _decode_valid(parts.host) if parts.host_type == "name" else parts.host
    return Authority(parts.host_type, host,
                     None if parts.user is None else _decode_valid(parts.user),
                     None if parts.password is None else _decode_valid(parts.password),
                     port)


def parse_url(url: str, lenient: bool = False) -> ParsedURL:
    """libutil's parseURL. ``lenient`` (flake references) lets spaces and double
    quotes stand unencoded in the query, and also ``^`` in the fragment."""
    text = url
    if lenient:
        text, view = "", url
        if "?" in view:
            before, view = view.split("?", 1)
            cut = view.find("#")
            query = view if cut < 0 else view[:cut]
            text += before + "?" + _encode_chars(query, ' "')
            view = view[len(query):]
        if "#" in view:
            before, view = view.split("#", 1)
            text += before + "#" + _encode_chars(view, ' "^')
        else:
            text += view
    try:
        parts = _parse_uri_reference(text)
    except ValueError as e:
        raise BadURL(f"'{url}' is not a valid URL: {e}") from None
    if parts.scheme is None:
        raise BadURL(f"'{text}' doesn't have a scheme")
    authority = None if parts.authority is None else _authority_value(parts.authority)
    # RFC 3986 3.2.2: "file" defines a default host, so none may be given
    is_file = parse_url_scheme(parts.scheme)[1] == "file"
    if authority is not None and authority.host and is_file:
        raise BadURL(f"file:// URL '{text}' has unexpected authority '{authority}'")
    path = parts.path or ("/" if is_file else "")
    return ParsedURL(parts.scheme, authority, [_decode_valid(p) for p in path.split("/")],
                     decode_query(parts.query or "", lenient),
                     _decode_valid(parts.fragment or ""))


def decode_query(query: str, lenient: bool = False) -> dict[str, str]:
    """libutil's decodeQuery: the first of repeated keys wins; a parameter without
    '=' is dropped with a warning."""
    text = _encode_chars(query, ' "') if lenient else query
    if not text:
        return {}
    if _query_end(text, 0) != len(text):
        raise BadURL(f"invalid URI query '{query}': leftover")
    result: dict[str, str] = {}
    for param in text.split("&"):
        key, eq, value = param.partition("=")
        if not eq:
            _warn(f"dubious URI query '{key}' is missing equal sign '=', ignoring")
            continue
        result.setdefault(_decode_valid(key), _decode_valid(value))
    return result


# --------------------------------------------------------------------------
# Local paths in URLs (std::filesystem semantics on POSIX)


def path_to_url_path(path: str) -> list[str]:
    """libutil's pathToUrlPath: "" first for an absolute path, "" last for a
    trailing slash (twice: the iteration's empty last element, then the empty
    file name)."""
    out = [""] if path.startswith("/") else []
    rel = path.lstrip("/")
    if rel:
        out += [c for c in rel.split("/") if c]
        if rel.endswith("/"):
            out.append("")
    if path == "" or path.endswith("/"):
        out.append("")
    return out


def url_path_to_path(url_path: list[str]) -> str:
    for comp in url_path:
        if "/" in comp:
            raise BadURL(f"URL path component '{comp}' contains '/', which is not allowed "
                         "in file names")
        if "\0" in comp:
            shown = comp.replace("\0", "␀")
            raise BadURL(f"URL path component '{shown}' contains NUL byte which is not allowed")
    result = ""
    comps = list(url_path)
    if comps and comps[0] == "":
        result = "/"
        comps = comps[1:]
    for comp in comps:  # path /= comp
        if result and not result.endswith("/"):
            result += "/"
        result += comp
    return result


# --------------------------------------------------------------------------
# Git URLs: local paths and SCP-style "host:path" become URLs

_SCHEMES_SUPPORTED_BY_GIT = frozenset(
    s for base in ("ssh", "http", "https", "file", "ftp", "ftps", "git")
    for s in (base, "git+" + base))


def _parse_scp_style(url: str) -> ParsedURL | None:
    """``[user@]host:path`` as git reads it; None if ``url`` is not of that form."""
    if "://" in url:
        return None
    colon = url.find(":")
    if colon < 0 or "/" in url[:colon]:
        return None
    host = url[:colon]
    if host in _SCHEMES_SUPPORTED_BY_GIT:
        return None
    # a bracketed host ("[::1]:path", "user@[::1]:path") ends at its ']'
    at = url.find("@[")
    bracket = at + 1 if at >= 0 else 0 if url.startswith("[") else -1
    if bracket >= 0:
        close = url.find("]", bracket + 1)
        if close >= 0:
            if url[close + 1:close + 2] != ":":
                return None
            host = url[:close + 1]
    path_view = url[len(host) + 1:]
    user = None
    if "@" in host:
        user, host = host.split("@", 1)
    if _IPV4.fullmatch(host):
        authority = Authority("ipv4", host)
    elif host.startswith("[") and host.endswith("]"):
        address = _ipv6(host[1:-1])
        if address is None:
            raise BadURL(f"Git SCP bracketed URL is not valid: '{host[1:-1]}' is not a valid "
                         "IPv6 address")
        authority = Authority("ipv6", address.compressed)
    else:
        authority = Authority("name", host)
    authority.user = user
    if not path_view:
        raise BadURL(f"SCP-style Git URL '{url}' has an empty path")
    res = ParsedURL("ssh", authority, path_view.split("/"))
    if res.path[0]:
        # a URL's path is absolute; git would resolve a relative one from the home directory
        res.path.insert(0, "")
        if not res.path[1].startswith("~"):
            tilde = res.copy()
            tilde.path.insert(1, "~")
            _warn(f"SCP-style URL '{url}' has a relative path which cannot be faithfully "
                  "converted to an SSH URL: we will convert it to an absolute path when making "
                  "an SSH URL.\n\nUse an explicit absolute path:\n\n"
                  f"    {host}:/{path_view}\n\nor with an explicit SSH URL:\n\n    {res}\n\n"
                  "instead, to explicitly use an absolute path (and silence this warning). "
                  "Or, to be relative to the remote user's home directory:\n\n"
                  f"    {host}:~/{path_view}\n\nor with an explicit SSH URL:\n\n    {tilde}")
    return res


def fix_git_url(url: str) -> ParsedURL:
    """libutil's fixGitURL: an absolute path, an SCP-style address or a URL
    (without a "git+" prefix)."""
    if url.startswith("/"):
        return ParsedURL("file", Authority(), path_to_url_path(url))
    scp = _parse_scp_style(url)
    if scp is not None:
        return scp
    parsed = parse_url(url)
    application, transport = parse_url_scheme(parsed.scheme)
    if application == "git":
        parsed.scheme = transport
    return parsed


# --------------------------------------------------------------------------
# Git ref names (libgit2's checks, as Nix's isLegalRefName combines them)


def _ref_segment_length(name: bytes, start: int, allow_caret: bool) -> int:
    """libgit2's ensure_segment_validity: the segment's length, or -1."""
    if name[start:start + 1] == b".":
        return -1
    i = start + 1 if allow_caret and name[start:start + 1] == b"^" else start
    prev = 0
    while i < len(name) and name[i] != 0x2F:
        c = name[i]
        if c <= 0x20 or c == 0x7F or c in b"~^:\\?[*":
            return -1
        if (prev, c) in ((0x2E, 0x2E), (0x40, 0x7B)):  # ".." and "@{"
            return -1
        prev = c
        i += 1
    return -1 if name[start:i].endswith(b".lock") else i - start


def _is_all_caps(name: bytes) -> bool:
    """libgit2's is_valid_normalized_name ("HEAD", "FETCH_HEAD", "@")."""
    for i, c in enumerate(name):
        if i == 0 and c == 0x5E:
            continue
        if len(name) == 1 and c == 0x40:
            return True
        if not (0x41 <= c <= 0x5A or c == 0x5F):
            return False
    return not (name.startswith(b"_") or name.endswith(b"_"))


def _is_valid_reference_name(name: bytes) -> bool:
    """git_reference_name_is_valid (one-level names allowed)."""
    if name.startswith(b"/"):
        return False
    start, segments, allow_caret = 0, 0, True
    while True:
        length = _ref_segment_length(name, start, allow_caret)
        if length <= 0:
            return False
        segments += 1
        if start + length == len(name):
            break
        start += length + 1
        allow_caret = False
    if name.endswith(b"."):
        return False
    first = name.split(b"/", 1)[0]
    return _is_all_caps(first) if segments == 1 else not _is_all_caps(first)


def is_legal_ref_name(ref: str) -> bool:
    """Nix's isLegalRefName: a valid reference, branch or tag name for libgit2."""
    name = _bytes(ref).split(b"\0", 1)[0]  # libgit2 sees a C string
    if name == b"@" or b"\x7f" in name:
        return False
    if _is_valid_reference_name(name):
        return True
    if name.startswith(b"-") or name == b"HEAD":
        return False
    return any(_is_valid_reference_name(prefix + name)
               for prefix in (b"refs/heads/", b"refs/tags/"))


# --------------------------------------------------------------------------
# Hashes as Input::getRev and getNarHash read them

_HASH_SIZES = {**store.HASH_SIZES, "blake3": 32}
_NIX32_VALUES = {c: i for i, c in enumerate(store.BASE32_CHARS)}


class _FormatError(Exception):
    """A decoder's complaint; Nix's parseLowLevel swallows it (and reports the length)."""


def _base16_decode(s: str) -> bytes:
    if not set(s) <= _HEX:
        raise _FormatError
    return bytes.fromhex(s)


def _nix32_decode(s: str) -> bytes:
    """BaseNix32::decode, including the extra byte that overflowing digits add."""
    res = bytearray()
    for n, c in enumerate(reversed(s)):
        digit = _NIX32_VALUES.get(c)
        if digit is None:
            raise _FormatError
        i, j = divmod(n * 5, 8)
        del res[i + 1:]
        res.extend(bytes(i + 1 - len(res)))
        res[i] |= (digit << j) & 0xFF
        if digit >> (8 - j):
            res.extend(bytes(i + 2 - len(res)))
            res[i + 1] |= digit >> (8 - j)
    return bytes(res)


def _base64_decode(s: str) -> bytes:
    try:
        return store.base64_decode(s)
    except store.BadHash:
        raise _FormatError from None


class _Hashes:
    """Hash parsing (libutil's hash.cc) for one evaluation's experimental features."""

    def __init__(self, features: frozenset[str]) -> None:
        self.features = features

    def algo(self, name: str) -> str:
        if name == "blake3" and "blake3-hashes" not in self.features:
            raise _missing_feature("blake3-hashes")
        if name not in _HASH_SIZES:
            raise NixError(f"unknown hash algorithm '{name}', expect 'blake3', 'md5', 'sha1', "
                           "'sha256', or 'sha512'")
        return name

    @staticmethod
    def _decode(rest: str, algo: str, decode: Callable[[str], bytes], name: str) -> store.Hash:
        try:
            digest = decode(rest)
        except _FormatError:
            digest = b""
        size = _HASH_SIZES[algo]
        if len(digest) != size:
            raise BadHash(f"invalid {name} hash '{rest}', length {len(digest)} != expected "
                          f"length {size}")
        return store.Hash(algo, digest)  # type: ignore[arg-type]

    def parse(self, s: str, algo: str | None, prefixed: bool = False) -> store.Hash:
        """Hash::parseAny (``prefixed``: parseAnyPrefixed, the type must be in ``s``)."""
        rest, given, sri = s, None, False
        for sep in ":-":
            prefix, found, after = s.partition(sep)
            if found:
                rest, given, sri = after, self.algo(prefix), sep == "-"
                break
        if given is None:
            if prefixed:
                raise BadHash(f"hash '{s}' does not include a type")
            if algo is None:
                raise BadHash(f"hash '{s}' does not include a type, nor is the type otherwise "
                              "known from context")
        elif algo is not None and not prefixed and given != algo:
            raise BadHash(f"hash '{s}' should have type '{algo}'")
        algo = given or algo
        assert algo is not None
        if sri:
            return self._decode(rest, algo, _base64_decode, "SRI")
        size = _HASH_SIZES[algo]
        if len(rest) == 2 * size:
            return self._decode(rest, algo, _base16_decode, "base16")
        if len(rest) == store.base32_len(size):
            return self._decode(rest, algo, _nix32_decode, "nix32")
        if len(rest) == (size + 2) // 3 * 4:
            return self._decode(rest, algo, _base64_decode, "Base64")
        raise BadHash(f"hash '{rest}' has wrong length for hash algorithm '{algo}'")

    def sri(self, s: str) -> store.Hash:
        prefix, found, rest = s.partition("-")
        if not found:
            raise BadHash(f"hash '{s}' is not SRI")
        return self._decode(rest, self.algo(prefix), _base64_decode, "SRI")

    def rev(self, attrs: InputAttrs) -> str | None:
        """Input::getRev, as a git revision (hex)."""
        s = maybe_str(attrs, "rev")
        if s is None:
            return None
        try:
            return self.parse(s, None, prefixed=True).hex
        except BadHash:  # an unprefixed revision is SHA-1
            return self.parse(s, "sha1").hex

    def nar_hash(self, attrs: InputAttrs) -> str | None:
        """Input::getNarHash, in SRI form (an empty one is all zeroes)."""
        s = maybe_str(attrs, "narHash")
        if s is None:
            return None
        h = store.Hash("sha256", bytes(32)) if not s else self.sri(s)
        if h.algo != "sha256":
            raise NixError("narHash must use SHA-256")
        return h.to_string("sri")


# --------------------------------------------------------------------------
# Input attributes


def attrs_to_json(attrs: dict[str, Any]) -> str:
    """nlohmann's compact dump of an attribute set (keys sorted)."""
    return _json_dump(attrs)


def _json_dump(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ",".join(_json_dump(k) + ":" + _json_dump(v[k])
                              for k in sorted(v, key=sort_key)) + "}"
    if isinstance(v, list):
        return "[" + ",".join(_json_dump(x) for x in v) + "]"
    if type(v) is float:
        return json_float(v)
    return json.dumps(v, ensure_ascii=False)


def maybe_str(attrs: InputAttrs, name: str) -> str | None:
    v = attrs.get(name)
    if v is not None and type(v) is not str:
        raise NixError(f"input attribute '{name}' is not a string {attrs_to_json(attrs)}")
    return v


def get_str(attrs: InputAttrs, name: str) -> str:
    v = maybe_str(attrs, name)
    if v is None:
        raise NixError(f"input attribute '{name}' is missing")
    return v


def maybe_int(attrs: InputAttrs, name: str) -> int | None:
    v = attrs.get(name)
    if v is not None and type(v) is not int:
        raise NixError(f"input attribute '{name}' is not an integer")
    return v


def maybe_bool(attrs: InputAttrs, name: str) -> bool | None:
    v = attrs.get(name)
    if v is not None and type(v) is not bool:
        raise NixError(f"input attribute '{name}' is not a Boolean")
    return v


def attrs_to_query(attrs: InputAttrs) -> dict[str, str]:
    return {k: ("1" if v else "0") if type(v) is bool else str(v) for k, v in attrs.items()}


def _string_to_uint64(s: str) -> int | None:
    """string2Int<uint64_t> (boost::lexical_cast): an optional '+', then digits."""
    if not re.fullmatch(r"\+?[0-9]+", s):
        return None
    n = int(s)
    return n if n < 1 << 64 else None


# --------------------------------------------------------------------------
# Input schemes (libfetchers), tried in the order of their names

REV_RE = re.compile(r"[0-9a-fA-F]{40}")
REF_RE = re.compile(r"[a-zA-Z0-9@][a-zA-Z0-9_.\/@+-]*")
FLAKE_ID_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]*")
_HOST_RE = re.compile(r"[a-zA-Z0-9.-]*")


class Scheme(ABC):
    name = ""
    allowed: frozenset[str] = frozenset()

    def __init__(self, hashes: _Hashes) -> None:
        self.hashes = hashes

    @abstractmethod
    def from_url(self, url: ParsedURL, require_tree: bool) -> InputAttrs | None:
        """The input ``url`` stands for, or None if it is not of this scheme."""

    def from_attrs(self, attrs: InputAttrs) -> InputAttrs:
        """Check (and, for git, normalise) attributes of this scheme."""
        return attrs

    @abstractmethod
    def to_url(self, attrs: InputAttrs) -> ParsedURL:
        """The URL form of this scheme's input ``attrs``."""


class CurlScheme(Scheme):
    """"file" (a plain file) and "tarball": http(s) and file URLs."""

    allowed = frozenset(("url", "narHash", "name", "unpack", "rev", "revCount",
                         "lastModified"))
    tree = True

    def from_url(self, url: ParsedURL, require_tree: bool) -> InputAttrs | None:
        application, transport = parse_url_scheme(url.scheme)
        if transport not in ("file", "http", "https"):
            return None
        if application is not None:
            if application != self.name:
                return None
        else:
            last = url.path[-1] if url.path else ""
            archive = last.endswith((".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2",
                                     ".tar.zst"))
            if (require_tree or archive) != self.tree:
                return None
        url = url.copy()
        url.scheme = transport
        attrs: InputAttrs = {}
        for name in ("narHash", "rev"):
            if name in url.query:
                attrs[name] = url.query[name]
        for name in ("revCount", "lastModified"):
            n = _string_to_uint64(url.query.get(name, ""))
            if n is not None:
                attrs[name] = n
        # the rest of the query is the server's
        url.query = {k: v for k, v in url.query.items() if k not in self.allowed}
        attrs["type"] = self.name
        attrs["url"] = str(url)
        return attrs

    def to_url(self, attrs: InputAttrs) -> ParsedURL:
        url = parse_url(get_str(attrs, "url"))
        nar_hash = self.hashes.nar_hash(attrs)
        if nar_hash is not None:
            url.query["narHash"] = nar_hash
        return url


class FileScheme(CurlScheme):
    name = "file"
    tree = False


class TarballScheme(CurlScheme):
    name = "tarball"


class GitScheme(Scheme):
    name = "git"
    allowed = frozenset(("url", "ref", "rev", "shallow", "submodules", "lfs", "exportIgnore",
                         "lastModified", "revCount", "narHash", "allRefs", "name", "dirtyRev",
                         "dirtyShortRev", "verifyCommit", "keytype", "publicKey", "publicKeys"))
    _STRINGS = ("rev", "ref", "keytype", "publicKey", "publicKeys")
    _FLAGS = ("shallow", "submodules", "lfs", "exportIgnore", "allRefs", "verifyCommit")

    def from_url(self, url: ParsedURL, require_tree: bool) -> InputAttrs | None:
        if url.scheme != "git" and parse_url_scheme(url.scheme)[0] != "git":
            return None
        url2 = url.copy()
        url2.query = {}
        attrs: InputAttrs = {"type": "git"}
        for name in sorted(url.query, key=sort_key):
            value = url.query[name]
            if name in self._STRINGS:
                attrs.setdefault(name, value)
            elif name in self._FLAGS:
                attrs.setdefault(name, value == "1")
            else:
                url2.query.setdefault(name, value)
        attrs.setdefault("url", str(url2))
        return self.from_attrs(attrs)

    def from_attrs(self, attrs: InputAttrs) -> InputAttrs:
        if ({"verifyCommit", "keytype", "publicKey", "publicKeys"} & attrs.keys()
                and "verified-fetches" not in self.hashes.features):
            raise _missing_feature("verified-fetches")
        maybe_bool(attrs, "verifyCommit")
        ref = maybe_str(attrs, "ref")
        if ref is not None and not is_legal_ref_name(ref):
            raise BadURL(f"invalid Git branch/tag name '{ref}'")
        attrs = dict(attrs)
        attrs["url"] = str(fix_git_url(get_str(attrs, "url")))
        for name in ("shallow", "submodules", "allRefs"):
            maybe_bool(attrs, name)
        return attrs

    def to_url(self, attrs: InputAttrs) -> ParsedURL:
        url = parse_url(get_str(attrs, "url"))
        if url.scheme != "git":
            url.scheme = "git+" + url.scheme
        rev = self.hashes.rev(attrs)
        if rev is not None:
            url.query["rev"] = rev
        ref = maybe_str(attrs, "ref")
        if ref is not None:
            url.query["ref"] = ref
        for name in ("shallow", "lfs", "submodules", "exportIgnore", "verifyCommit"):
            if maybe_bool(attrs, name):
                url.query[name] = "1"
        keys = _public_keys(attrs)
        if len(keys) == 1:
            url.query["keytype"], url.query["publicKey"] = keys[0]["type"], keys[0]["key"]
        elif keys:
            url.query["publicKeys"] = _json_dump(keys)
        return url


def _json_type(v: Any) -> str:
    if isinstance(v, Attrs):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, str):
        return "string"
    if type(v) is bool:
        return "boolean"
    return "null" if v is None else "number"


def _to_json_value(v: Any) -> Any:
    v = force(v)
    if isinstance(v, Attrs):
        return {k: _to_json_value(x) for k, x in v.vals.items()}
    if isinstance(v, list):
        return [_to_json_value(x) for x in v]
    return v


def _json_expect(v: Any, expected: str) -> Any:
    v = force(v)
    if _json_type(v) != expected:
        raise NixError(f"Expected JSON value to be of type '{expected}' but it is of type "
                       f"'{_json_type(v)}': {_json_dump(_to_json_value(v))}")
    return v


def _public_keys(attrs: InputAttrs) -> list[dict[str, str]]:
    """The git input's "publicKeys" (JSON) and "publicKey" as {type, key} objects."""
    from .serialise import JsonParser

    keys = []
    if "publicKeys" in attrs:
        text = get_str(attrs, "publicKeys")
        for item in _json_expect(JsonParser(_bytes(text)).parse(), "array"):
            obj = _json_expect(item, "object")
            key_type = "ssh-ed25519"
            if "type" in obj.vals:
                key_type = _json_expect(obj.vals["type"], "string")
            if "key" not in obj.vals:
                raise NixError("Expected JSON object to contain key 'key' but it doesn't: "
                               + _json_dump(_to_json_value(obj)))
            keys.append({"type": key_type, "key": _json_expect(obj.vals["key"], "string")})
    if "publicKey" in attrs:
        keys.append({"type": maybe_str(attrs, "keytype") or "ssh-ed25519",
                     "key": get_str(attrs, "publicKey")})
    return keys


class GitArchiveScheme(Scheme):
    """github, gitlab and sourcehut: owner/repo[/ref-or-rev]."""

    allowed = frozenset(("owner", "repo", "ref", "rev", "narHash", "lastModified", "host",
                         "treeHash"))

    def from_url(self, url: ParsedURL, require_tree: bool) -> InputAttrs | None:
        if url.scheme != self.name:
            return None
        path = [p for p in url.path if p]  # empty segments ignored, as older Nix did
        attrs: InputAttrs = {}
        if len(path) == 3:
            attrs["rev" if REV_RE.fullmatch(path[2]) else "ref"] = path[2]
        elif len(path) > 3:
            attrs["ref"] = "/".join(path[2:])
        elif len(path) < 2:
            raise BadURL(f"URL '{url}' is invalid")
        for name in sorted(url.query, key=sort_key):
            value = url.query[name]
            if name in ("rev", "ref"):
                if name in attrs:
                    what = "commit hashes" if name == "rev" else "branch/tag names"
                    raise BadURL(f"URL '{url}' contains multiple {what}")
                attrs[name] = value
            elif name in ("host", "narHash"):
                attrs[name] = value
            else:
                raise BadURL(f"URL '{url}' contains unknown parameter '{name}'")
        attrs.update(type=self.name, owner=path[0], repo=path[1])
        return self.from_attrs(attrs)

    def from_attrs(self, attrs: InputAttrs) -> InputAttrs:
        get_str(attrs, "owner")
        get_str(attrs, "repo")
        ref, rev = maybe_str(attrs, "ref"), maybe_str(attrs, "rev")
        if ref is not None and rev is not None:
            raise BadURL(f"input {attrs_to_json(attrs)} contains both a commit hash ('{rev}') "
                         f"and a branch/tag name ('{ref}')")
        if rev is not None:
            self.hashes.parse(rev, "sha1")
        if ref is not None and not is_legal_ref_name(ref):
            raise BadURL(f"input {attrs_to_json(attrs)} contains an invalid branch/tag name")
        host = maybe_str(attrs, "host")
        if host is not None and not _HOST_RE.fullmatch(host):
            raise BadURL(f"input {attrs_to_json(attrs)} contains an invalid instance host")
        return attrs

    def to_url(self, attrs: InputAttrs) -> ParsedURL:
        path = [get_str(attrs, "owner"), get_str(attrs, "repo")]
        ref, rev = maybe_str(attrs, "ref"), self.hashes.rev(attrs)
        path += [x for x in (ref, rev) if x is not None]
        url = ParsedURL(self.name, path=path)
        nar_hash = self.hashes.nar_hash(attrs)
        if nar_hash is not None:
            url.query["narHash"] = nar_hash
        host = maybe_str(attrs, "host")
        if host is not None:
            url.query["host"] = host
        return url


class GitHubScheme(GitArchiveScheme):
    name = "github"


class GitLabScheme(GitArchiveScheme):
    name = "gitlab"


class SourceHutScheme(GitArchiveScheme):
    name = "sourcehut"


class MercurialScheme(Scheme):
    name = "hg"
    allowed = frozenset(("url", "ref", "rev", "revCount", "narHash", "name"))

    def from_url(self, url: ParsedURL, require_tree: bool) -> InputAttrs | None:
        if url.scheme not in ("hg+http", "hg+https", "hg+ssh", "hg+file"):
            return None
        url2 = url.copy()
        url2.scheme = url.scheme[3:]
        url2.query = {}
        attrs: InputAttrs = {"type": "hg"}
        for name in sorted(url.query, key=sort_key):
            if name in ("rev", "ref"):
                attrs.setdefault(name, url.query[name])
            else:
                url2.query.setdefault(name, url.query[name])
        attrs.setdefault("url", str(url2))
        return self.from_attrs(attrs)

    def from_attrs(self, attrs: InputAttrs) -> InputAttrs:
        parse_url(get_str(attrs, "url"))
        ref = maybe_str(attrs, "ref")
        if ref is not None and not REF_RE.fullmatch(ref):
            raise BadURL(f"invalid Mercurial branch/tag name '{ref}'")
        return attrs

    def to_url(self, attrs: InputAttrs) -> ParsedURL:
        url = parse_url(get_str(attrs, "url"))
        url.scheme = "hg+" + url.scheme
        rev = self.hashes.rev(attrs)
        if rev is not None:
            url.query["rev"] = rev
        ref = maybe_str(attrs, "ref")
        if ref is not None:
            url.query["ref"] = ref
        return url


class IndirectScheme(Scheme):
    """"flake:id[/ref][/rev]", resolved through the flake registry."""

    name = "indirect"
    allowed = frozenset(("id", "ref", "rev", "narHash"))

    def from_url(self, url: ParsedURL, require_tree: bool) -> InputAttrs | None:
        if url.scheme != "flake":
            return None
        path = [p for p in url.path if p]
        attrs: InputAttrs = {"type": "indirect"}
        if len(path) == 2:
            if REV_RE.fullmatch(path[1]):
                attrs["rev"] = path[1].lower()
            elif is_legal_ref_name(path[1]):
                attrs["ref"] = path[1]
            else:
                raise BadURL(f"in flake URL '{url}', '{path[1]}' is not a commit hash or "
                             "branch/tag name")
        elif len(path) == 3:
            if not is_legal_ref_name(path[1]):
                raise BadURL(f"in flake URL '{url}', '{path[1]}' is not a branch/tag name")
            if not REV_RE.fullmatch(path[2]):
                raise BadURL(f"in flake URL '{url}', '{path[2]}' is not a commit hash")
            attrs["ref"], attrs["rev"] = path[1], path[2].lower()
        elif len(path) != 1:
            raise BadURL(f"GitHub URL '{url}' is invalid")
        if not FLAKE_ID_RE.fullmatch(path[0]):
            raise BadURL(f"'{path[0]}' is not a valid flake ID")
        attrs["id"] = path[0]  # query parameters are ignored
        return attrs

    def from_attrs(self, attrs: InputAttrs) -> InputAttrs:
        flake_id = get_str(attrs, "id")
        if not FLAKE_ID_RE.fullmatch(flake_id):
            raise BadURL(f"'{flake_id}' is not a valid flake ID")
        return attrs

    def to_url(self, attrs: InputAttrs) -> ParsedURL:
        path = [get_str(attrs, "id")]
        ref, rev = maybe_str(attrs, "ref"), self.hashes.rev(attrs)
        path += [x for x in (ref, rev) if x is not None]
        return ParsedURL("flake", path=path)


class PathScheme(Scheme):
    name = "path"
    allowed = frozenset(("path", "rev", "revCount", "lastModified", "narHash"))

    def from_url(self, url: ParsedURL, require_tree: bool) -> InputAttrs | None:
        if url.scheme != "path":
            return None
        if url.authority is not None and url.authority.host:
            raise NixError(f"path URL '{url}' should not have an authority ('{url.authority}')")
        attrs: InputAttrs = {"type": "path", "path": url_path_to_path(url.path)}
        for name in sorted(url.query, key=sort_key):
            value = url.query[name]
            if name in ("rev", "narHash"):
                attrs[name] = value
            elif name in ("revCount", "lastModified"):
                n = _string_to_uint64(value)
                if n is None:
                    raise NixError(f"path URL '{url}' has invalid parameter '{name}'")
                attrs[name] = n
            else:
                raise NixError(f"path URL '{url}' has unsupported parameter '{name}'")
        return attrs

    def from_attrs(self, attrs: InputAttrs) -> InputAttrs:
        get_str(attrs, "path")
        return attrs

    def to_url(self, attrs: InputAttrs) -> ParsedURL:
        query = attrs_to_query({k: v for k, v in attrs.items()
                                if k not in ("path", "type", "__final")})
        return ParsedURL("path", path=path_to_url_path(get_str(attrs, "path")), query=query)


_SCHEMES: tuple[type[Scheme], ...] = (  # by name, as Nix's std::map holds them
    FileScheme, GitScheme, GitHubScheme, GitLabScheme, MercurialScheme, IndirectScheme,
    PathScheme, SourceHutScheme, TarballScheme)


@dataclass
class Input:
    scheme: Scheme | None  # None: a type Nix does not know (it can only be inspected)
    attrs: InputAttrs


class Fetchers:
    """libfetchers' Input::fromURL, fromAttrs and toURL."""

    def __init__(self, features: frozenset[str]) -> None:
        hashes = _Hashes(features)
        self.schemes = [cls(hashes) for cls in _SCHEMES]

    @staticmethod
    def _checked(scheme: Scheme | None, attrs: InputAttrs) -> Input:
        # the attributes every input may have must have the right types
        get_str(attrs, "type")
        maybe_str(attrs, "ref")
        maybe_int(attrs, "revCount")
        maybe_int(attrs, "lastModified")
        return Input(scheme, attrs)

    def from_url(self, url: ParsedURL, require_tree: bool = True) -> Input:
        for scheme in self.schemes:
            attrs = scheme.from_url(url, require_tree)
            if attrs is not None:
                return self._checked(scheme, attrs)
        if parse_url_scheme(url.scheme) == ("file", "git"):
            raise NixError(f"input '{url}' is unsupported; did you mean 'git+file' instead of "
                           "'file+git'?")
        raise NixError(f"input '{url}' is unsupported")

    def from_attrs(self, attrs: InputAttrs) -> Input:
        type_ = maybe_str(attrs, "type")
        if type_ is None:
            raise NixError("'type' attribute to specify input scheme is required but not "
                           "provided")
        scheme = next((s for s in self.schemes if s.name == type_), None)
        if scheme is None:
            return self._checked(None, attrs)
        for name in sorted(attrs, key=sort_key):
            if name not in ("type", "__final") and name not in scheme.allowed:
                raise NixError(f"input attribute '{name}' not supported by scheme '{type_}'")
        return self._checked(scheme, scheme.from_attrs(attrs))

    @staticmethod
    def to_url(inp: Input) -> ParsedURL:
        if inp.scheme is None:
            raise NixError(f"cannot show unsupported input '{attrs_to_json(inp.attrs)}'")
        return inp.scheme.to_url(inp.attrs)


# --------------------------------------------------------------------------
# Flake references (libflake's flakeref.cc)

_PCHAR_RE = r"(?:[a-zA-Z0-9\-._~]|%[0-9a-fA-F]{2}|[!$&'\"()*+,;=]|[:@])"
_REF_AND_OR_REV_RE = (r"(?:([0-9a-fA-F]{40})|(?:([a-zA-Z0-9@][a-zA-Z0-9_.\/@+-]*)"
                      r"(?:/([0-9a-fA-F]{40}))?))")
# "nixpkgs", "nixpkgs/branch", "nixpkgs/branch/<rev>", each with an optional fragment
_FLAKE_ID_REF_RE = re.compile(rf"(([a-zA-Z][a-zA-Z0-9_-]*)(?:/(?:{_REF_AND_OR_REV_RE}))?)"
                              rf"(?:#((?:{_PCHAR_RE}|[/? \"^])*))?")
# std::regex's '.' stops at line ends, so a fragment may not hold one
_PATH_REF_RE = re.compile(r"([^?#]*)(\?([^#]*))?(#([^\n\r]*))?")


class FlakeRefs:
    def __init__(self, features: frozenset[str]) -> None:
        self.fetchers = Fetchers(features)

    def _from_parsed(self, url: ParsedURL) -> tuple[Input, str, str]:
        """(input, subdirectory, fragment): "dir" and the fragment are the flake's."""
        url = url.copy()
        subdir = url.query.pop("dir", "")
        fragment, url.fragment = url.fragment, ""
        return self.fetchers.from_url(url), subdir, fragment

    def _parse_path(self, ref: str) -> tuple[Input, str, str]:
        m = _PATH_REF_RE.fullmatch(ref)
        if m is None:
            raise NixError(f"invalid flakeref '{ref}'")
        path = m.group(1)
        query = decode_query(m.group(3) or "", lenient=True)
        fragment = percent_decode(m.group(5) or "")
        # without a base directory (as for the builtin) only absolute paths will do
        if not path.startswith("/"):
            raise BadURL(f"flake reference '{ref}' is not an absolute path")
        return self._from_parsed(ParsedURL("path", Authority(), path_to_url_path(path),
                                           query, fragment))

    def parse_with_fragment(self, ref: str) -> tuple[Input, str, str]:
        """parseFlakeRefWithFragment: a flake ID, else a URL, else a path."""
        m = _FLAKE_ID_REF_RE.fullmatch(ref)
        if m is not None:
            url = ParsedURL("flake", path=m.group(1).split("/"))
            return self.fetchers.from_url(url), "", percent_decode(m.group(6) or "")
        try:
            return self._from_parsed(parse_url(ref, lenient=True))
        except BadURL:
            return self._parse_path(ref)

    def parse(self, ref: str) -> InputAttrs:
        """parseFlakeRef then FlakeRef::toAttrs."""
        inp, subdir, fragment = self.parse_with_fragment(ref)
        if fragment:
            raise NixError(f"unexpected fragment '{fragment}' in flake reference '{ref}'")
        attrs = dict(inp.attrs)
        if subdir:
            attrs.setdefault("dir", subdir)
        return attrs

    def to_string(self, attrs: InputAttrs) -> str:
        """FlakeRef::fromAttrs then to_string."""
        subdir = maybe_str(attrs, "dir") or ""
        inp = self.fetchers.from_attrs({k: v for k, v in attrs.items() if k != "dir"})
        url = self.fetchers.to_url(inp)
        if subdir:
            url.query.setdefault("dir", subdir)
        return str(url)
