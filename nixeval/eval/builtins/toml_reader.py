"""``builtins.fromTOML``'s reader: Python's ``tomllib``, made to behave as the
toml11 reader Nix uses (dates and times as their source text, dotted keys in
linear time, toml11's message for an integer out of range). Imported at the
first ``fromTOML``, so that start-up does not load ``tomllib``."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from ..errors import NixError
from ..values import Attrs
from .serialise import _MAX_DIGITS, INT_MAX, INT_MIN, no_null_byte


class _Timestamp(str):
    """A TOML date or time, as its source text."""


@contextmanager
def _timestamps_as_text() -> Iterator[None]:
    """Have tomllib hand back date/time literals as their source text: Nix shows
    up to nanoseconds, which Python's datetime cannot hold."""
    from tomllib import _parser

    saved = _parser.match_to_datetime, _parser.match_to_localtime

    def as_text(convert: Callable[[re.Match], Any]) -> Callable[[re.Match], _Timestamp]:
        def wrapper(m: re.Match) -> _Timestamp:
            convert(m)  # keeps tomllib's validation (e.g. of day numbers)
            return _Timestamp(m.group())
        return wrapper

    _parser.match_to_datetime, _parser.match_to_localtime = map(as_text, saved)
    try:
        yield
    finally:
        _parser.match_to_datetime, _parser.match_to_localtime = saved


_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\d)?[Tt ]?(?:(\d\d:\d\d:\d\d)(?:\.(\d+))?)?"
                        r"([Zz]|[+-]\d\d:\d\d)?\Z")


def format_timestamp(text: str) -> str:
    """How Nix (toml11 4, normalised as in Nix's fromTOML.cc) prints a date/time:
    upper-case ``T``, sub-seconds to 3, 6 or 9 digits, a zero offset as ``Z``."""
    m = _TIMESTAMP.match(text)
    assert m is not None, text
    day, clock, fraction, offset = m.groups()
    out = []
    if clock is not None:
        digits = (fraction or "")[:9].ljust(9, "0")
        precision = (9 if digits[6:] != "000" else 6 if digits[3:6] != "000"
                     else 3 if digits[:3] != "000" else 0)
        clock += "." + digits[:precision] if precision else ""
    if day is not None:
        out.append(day)
    if clock is not None:
        out.append(("T" if day is not None else "") + clock)
    if offset is not None:
        out.append("Z" if offset.upper() == "Z" or offset[1:] == "00:00" else offset)
    return "".join(out)


_TOML_TOO_LARGE = ("[error] toml::parse_dec_integer: too large integer: current max "
                   "digits = 2^63")


@contextmanager
def _linear_toml_keys() -> Iterator[None]:
    """Have tomllib read dotted keys in linear time and memory.  For
    ``a.b.c… = v`` it checks and records every prefix of the key, each as a
    new tuple walked from the root (and builds the key by tuple concatenation):
    quadratic, 1.6 GB for a key of 20,000 parts.  Here a key is walked once;
    the checks, errors and the namespaces marked are tomllib's own.  (Left
    alone where tomllib's internals are not the ones this was written for.)"""
    from tomllib import _parser as p

    needed = ("Flags", "key_value_rule", "parse_key", "parse_key_part", "parse_key_value_pair",
              "skip_chars", "suffixed_err", "TOML_WS")
    if not all(hasattr(p, name) for name in needed) or \
            not hasattr(p.Flags(), "_flags") or not hasattr(p.Flags, "finalize_pending"):
        yield
        return
    base = p.Flags

    class Flags(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            # (path, depth): EXPLICIT_NEST for each prefix of path that is
            # longer than depth, made when tomllib makes its pending flags
            self._pending_paths: list[tuple[tuple[str, ...], int]] = []

        def finalize_pending(self) -> None:
            super().finalize_pending()
            for path, depth in self._pending_paths:
                cont = self._flags
                for d, k in enumerate(path):
                    if k not in cont:
                        cont[k] = {"flags": set(), "recursive_flags": set(), "nested": {}}
                    if d >= depth:
                        cont[k]["flags"].add(base.EXPLICIT_NEST)
                    cont = cont[k]["nested"]
            self._pending_paths.clear()

        def first_set(self, path: tuple[str, ...], depth: int, flag: int) -> int | None:
            """The shortest prefix of ``path`` longer than ``depth`` for which
            ``is_(prefix, flag)`` holds (its length), as one walk."""
            cont = self._flags
            inherited = False  # a shorter prefix has ``flag`` recursively
            for d, k in enumerate(path):
                if k not in cont:
                    return max(d + 1, depth + 1) if inherited else None
                node = cont[k]
                if d >= depth and (inherited or flag in node["flags"]
                                   or flag in node["recursive_flags"]):
                    return d + 1
                inherited = inherited or flag in node["recursive_flags"]
                cont = node["nested"]
            return None

    def parse_key(src: str, pos: int) -> tuple[int, tuple[str, ...]]:
        pos, part = p.parse_key_part(src, pos)
        parts = [part]
        pos = p.skip_chars(src, pos, p.TOML_WS)
        while src[pos:pos + 1] == ".":
            pos = p.skip_chars(src, pos + 1, p.TOML_WS)
            pos, part = p.parse_key_part(src, pos)
            parts.append(part)
            pos = p.skip_chars(src, pos, p.TOML_WS)
        return pos, tuple(parts)

    def key_value_rule(src: str, pos: int, out: Any, header: tuple[str, ...],
                       parse_float: Any) -> int:
        pos, key, value = p.parse_key_value_pair(src, pos, parse_float)
        key_parent, key_stem = key[:-1], key[-1]
        abs_key_parent = header + key_parent
        flags = out.flags
        if key_parent:
            # tomllib: no header + key[:i] may be a table made explicitly, and
            # each becomes one when the next table starts
            bad = flags.first_set(abs_key_parent, len(header), base.EXPLICIT_NEST)
            if bad is not None:
                raise p.suffixed_err(src, pos,
                                     f"Cannot redefine namespace {abs_key_parent[:bad]}")
            flags._pending_paths.append((abs_key_parent, len(header)))
        if flags.is_(abs_key_parent, base.FROZEN):
            raise p.suffixed_err(src, pos,
                                 f"Cannot mutate immutable namespace {abs_key_parent}")
        try:
            nest = out.data.get_or_create_nest(abs_key_parent)
        except KeyError:
            raise p.suffixed_err(src, pos, "Cannot overwrite a value") from None
        if key_stem in nest:
            raise p.suffixed_err(src, pos, "Cannot overwrite a value")
        if isinstance(value, (dict, list)):
            flags.set(header + key, base.FROZEN, recursive=True)
        nest[key_stem] = value
        return pos

    saved = p.Flags, p.key_value_rule, p.parse_key
    p.Flags, p.key_value_rule, p.parse_key = Flags, key_value_rule, parse_key
    try:
        yield
    finally:
        p.Flags, p.key_value_rule, p.parse_key = saved


class _TomlError(Exception):
    """A document Nix's fromTOML rejects; the text after "while parsing TOML: "."""


def _toml_string(s: str) -> str:
    try:
        return no_null_byte(s)
    except NixError as e:  # Nix shows this error's own "error: " prefix here
        raise _TomlError("error: " + e.message) from None


def _toml_to_nix(v: Any, timestamps: bool) -> Any:
    """tomllib's document as a Nix value.  Containers are walked with a stack,
    in the order a recursive walk takes (which error is reported first): a
    dotted key of 50,000 parts is a set 50,000 deep."""
    if type(v) is not dict and type(v) is not list:
        return _toml_scalar(v, timestamps)
    top = Attrs({}) if type(v) is dict else []
    stack = [(iter(v.items()) if type(v) is dict else iter(v), top)]
    while stack:
        items, into = stack[-1]
        for item in items:
            if type(into) is list:
                x = item
            else:
                k, x = item
                k = _toml_string(k)
            t = type(x)
            if t is dict or t is list:
                made: Any = Attrs({}) if t is dict else []
                inner = iter(x.items()) if t is dict else iter(x)
            else:
                made, inner = _toml_scalar(x, timestamps), None
            if type(into) is list:
                into.append(made)
            else:
                into.vals[k] = made
            if inner is not None:
                stack.append((inner, made))
                break
        else:
            stack.pop()
    return top


def _toml_scalar(v: Any, timestamps: bool) -> Any:
    t = type(v)
    if t is str:
        return _toml_string(v)
    if t is int:
        if not INT_MIN <= v <= INT_MAX:
            raise _TomlError(_TOML_TOO_LARGE)
        return v
    if t is _Timestamp or t in (datetime, date, time):
        if not timestamps:
            raise _TomlError("Dates and times are not supported")
        return Attrs({"_type": "timestamp", "value": format_timestamp(v)})
    return v  # bool, float


def parse_toml(text: str, timestamps: bool) -> Any:
    """A TOML document as a Nix value, or Nix's error for it."""
    try:
        with _linear_toml_keys():
            if timestamps:
                with _timestamps_as_text():
                    doc = tomllib.loads(text)
            else:
                doc = tomllib.loads(text)
        return _toml_to_nix(doc, timestamps)
    except _TomlError as e:
        message = str(e)
        if message == _TOML_TOO_LARGE:
            message += _toml_integer_location(text)
        raise NixError(f"while parsing TOML: {message}") from None
    except tomllib.TOMLDecodeError as e:
        raise NixError(f"while parsing TOML: {e}") from None
    except ValueError:  # tomllib's int() refuses an integer of thousands of digits
        location = _toml_integer_location(text)
        if not location:
            raise
        raise NixError(f"while parsing TOML: {_TOML_TOO_LARGE}{location}") from None


_TOML_INT = re.compile(r"(?<![\w.:+-])[+-]?[0-9][0-9_]*(?![\w.:+-])")


def _toml_integer_location(text: str) -> str:
    """toml11's excerpt under its message: the first out-of-range integer, the
    caret just after it. (The message ends in a newline; Nix's colour reset after
    it survives as a line of indentation.)"""
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        for m in _TOML_INT.finditer(code):
            if code.count('"', 0, m.start()) % 2 or code.count("'", 0, m.start()) % 2:
                continue  # inside a string
            digits = m.group().replace("_", "")
            if (len(digits.lstrip("+-")) > _MAX_DIGITS
                    or not INT_MIN <= int(digits) <= INT_MAX):
                bar = " " * (len(str(number)) + 2) + "|"
                return (f"\n --> fromTOML\n{bar}\n {number} | {line}\n"
                        f"{bar}{' ' * (m.end() + 1)}^-- must be < 2^63\n{_COLOUR_RESET}")
    return ""


_COLOUR_RESET = "\x1b[0m"
