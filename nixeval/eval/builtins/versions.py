"""Version builtins: ``compareVersions``, ``splitVersion``, ``parseDrvName``,
with the semantics of Nix's libstore/names.cc."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..ops import force_string_no_context
from ..values import Attrs
from . import primop

_DIGITS = "0123456789"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INT_MAX = 2**31 - 1  # components are compared as C ints (string2Int<int>)


def components(version: str) -> Iterator[str]:
    """Nix's nextComponent, repeatedly: runs of digits or of other characters,
    with "." and "-" separating them; ends at the first empty component."""
    i, n = 0, len(version)
    while True:
        while i < n and version[i] in ".-":
            i += 1
        if i == n:
            return
        start = i
        if version[i] in _DIGITS:
            while i < n and version[i] in _DIGITS:
                i += 1
        else:
            while i < n and version[i] not in _DIGITS and version[i] not in ".-":
                i += 1
        yield version[start:i]


def _as_int(c: str) -> int | None:
    if c and c.isascii() and c.isdigit() and int(c) <= _INT_MAX:
        return int(c)
    return None


def _component_less(c1: str, c2: str) -> bool:
    n1, n2 = _as_int(c1), _as_int(c2)
    if n1 is not None and n2 is not None:
        return n1 < n2
    if c1 == "" and n2 is not None:
        return True
    if c1 == "pre" and c2 != "pre":
        return True
    if c2 == "pre":
        return False
    if n2 is not None:  # as Nix: "2.3a" < "2.3.1"
        return True
    if n1 is not None:
        return False
    return c1.encode("utf-8", "surrogateescape") < c2.encode("utf-8", "surrogateescape")


def compare_versions(v1: str, v2: str) -> int:
    it1, it2 = components(v1), components(v2)
    while True:
        c1, c2 = next(it1, None), next(it2, None)
        if c1 is None and c2 is None:
            return 0
        c1, c2 = c1 or "", c2 or ""
        if _component_less(c1, c2):
            return -1
        if _component_less(c2, c1):
            return 1


def parse_drv_name(s: str) -> tuple[str, str]:
    """The name ends at the first dash not followed by a letter."""
    for i in range(len(s) - 1):
        if s[i] == "-" and s[i + 1] not in _LETTERS:
            return s[:i], s[i + 1:]
    return s, ""


@primop("__compareVersions", 2)
def compare_versions_(state, v1: Any, v2: Any) -> int:
    a = force_string_no_context(
        v1, None, "while evaluating the first argument passed to builtins.compareVersions")
    return compare_versions(a, force_string_no_context(
        v2, None, "while evaluating the second argument passed to builtins.compareVersions"))


@primop("__splitVersion", 1)
def split_version(state, v: Any) -> list:
    return list(components(force_string_no_context(
        v, None, "while evaluating the first argument passed to builtins.splitVersion")))


@primop("__parseDrvName", 1)
def parse_drv_name_(state, s: Any) -> Attrs:
    name, version = parse_drv_name(force_string_no_context(
        s, None, "while evaluating the first argument passed to builtins.parseDrvName"))
    return Attrs({"name": name, "version": version})
