"""What the cursor is on, in a buffer that may not parse (it is being typed):
the option path of the attribute under it, or what is being completed (an
option path's next name, or a value for an option)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..syntax import ast
from .sites import Site, key_components, module_sites, parse_buffer, site_at

_PLACEHOLDER = "__nixeval_cursor__"
_WORD = re.compile(r"[A-Za-z0-9_'\-.\"]")
_NAME = r'(?:[A-Za-z_][A-Za-z0-9_\'-]*|"[^"\\]*")'
_KEY = re.compile(rf"{_NAME}(?:\s*\.\s*{_NAME})*$")
# words after `=` that still leave the next value a definition's (wrappers)
_WRAPPERS = ("mkDefault", "mkForce", "mkOverride", "mkOptionDefault", "mkVMOverride",
             "mkBefore", "mkAfter", "mkOrder")


@dataclass(frozen=True)
class Completing:
    """A completion request understood: ``typed`` the dotted text before the
    cursor (``users.users.alice.`` or ``pkgs.vi``), starting at ``start``;
    ``loc`` the option path of the enclosing set (for a name) or of the
    attribute being given a value; ``value``: a value is being typed."""

    typed: str
    start: int
    loc: tuple[str, ...] | None
    value: bool


def split_dotted(text: str) -> list[str]:
    """``a."b.c".d`` → ``["a", "b.c", "d"]`` (a trailing dot: an empty last name)."""
    out, cur, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            out.append(cur)
            cur = ""
        elif not ch.isspace() or quoted:
            cur += ch
    out.append(cur)
    return out


def completing(path: str, text: str, offset: int) -> Completing:
    start = offset
    while start > 0 and _WORD.match(text[start - 1]):
        start -= 1
    typed = text[start:offset]
    code = masked(text[:start]) + text[start:]
    value = _in_value(code, start)
    if value:
        loc = _value_loc(path, text, code, start, offset)
    else:
        loc = _enclosing_loc(path, text, code, start, offset)
    return Completing(typed, start, loc, value)


def masked(text: str) -> str:
    """``text`` with comments and string contents blanked (same offsets), so
    that the scans below see only code: a brace in a comment is no brace."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out[i:end] = " " * (end - i)
            i = end
            continue
        if ch == '"' or text.startswith("''", i):
            close = '"' if ch == '"' else "''"
            j = i + len(close)
            while j < n and not text.startswith(close, j):
                j += 2 if text[j] == "\\" and close == '"' else 1
            for k in range(i + len(close), min(j, n)):
                if out[k] != "\n":
                    out[k] = " "
            i = j + len(close)
            continue
        i += 1
    return "".join(out)


def _in_value(text: str, start: int) -> bool:
    """Whether the word starting at ``start`` is a value: after ``=``, a
    wrapper (``lib.mkDefault``), or in a list given as a value."""
    i = start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    if i < 0:
        return False
    if text[i] == "=":
        return i == 0 or text[i - 1] not in "=!<>"
    if text[i] == "[":
        return True
    before = text[:i + 1]
    return any(before.endswith(w) for w in _WRAPPERS) or _in_list(text, start)


def _in_list(text: str, start: int) -> bool:
    """Whether an unclosed ``[`` comes before ``start`` with no ``;``/``{`` between."""
    depth = 0
    for i in range(start - 1, -1, -1):
        ch = text[i]
        if ch == "]":
            depth += 1
        elif ch == "[":
            if depth == 0:
                return True
            depth -= 1
        elif ch in ";{}" and depth == 0:
            return False
    return False


def _enclosing_loc(path: str, text: str, code: str, start: int,
                   offset: int) -> tuple[str, ...] | None:
    """The option path of the set the name being typed goes in."""
    end = offset
    while end < len(text) and _WORD.match(text[end]):
        end += 1
    rest = text[end:].lstrip()
    filler = _PLACEHOLDER if rest.startswith("=") else f"{_PLACEHOLDER} = null;"
    root = parse_buffer(path, text[:start] + filler + text[end:])
    if isinstance(root, ast.Node):
        for s in module_sites(root):
            if s.loc and s.loc[-1] == _PLACEHOLDER:
                return s.loc[:-1]
        return None
    return _scanned_path(code, start)


def _value_loc(path: str, text: str, code: str, start: int,
               offset: int) -> tuple[str, ...] | None:
    """The option path of the attribute whose value is being typed."""
    end = offset
    while end < len(text) and _WORD.match(text[end]):
        end += 1
    root = parse_buffer(path, text[:start] + "null" + text[end:])
    if isinstance(root, ast.Node):
        best = None
        for s in module_sites(root):
            if s.node.value.start <= start <= s.node.value.end and \
                    (best is None or len(s.loc) > len(best.loc)):
                best = s
        return best.loc if best is not None else None
    # the key before the `=` (or the list's `=`), in the scanned enclosing path
    i = start - 1
    depth = 0
    while i >= 0:
        ch = code[i]
        if ch in ")]":
            depth += 1
        elif ch in "([" and depth:
            depth -= 1
        elif ch == "=" and depth == 0 and code[i - 1] not in "=!<>":
            key = _KEY.search(code[:i].rstrip())
            outer = _scanned_path(code, key.start()) if key else None
            return None if key is None or outer is None else \
                (*outer, *split_dotted(key.group(0)))
        elif ch in ";{}" and depth == 0:
            return None
        i -= 1
    return None


def _scanned_path(text: str, offset: int) -> tuple[str, ...] | None:
    """The option path at ``offset`` from the (masked) text alone, for a buffer that
    does not parse: each enclosing ``{`` with the key of its ``KEY = … {``
    (through ``lib.mkIf c``, ``mkMerge [``…); ``config`` dropped."""
    path: list[str] = []
    i, depth = offset - 1, 0
    while i >= 0:
        ch = text[i]
        if ch == "}":
            depth += 1
        elif ch == "{":
            if depth:
                depth -= 1
            else:
                key = _key_of_brace(text, i)
                if key is None:
                    break
                path[:0] = key
        i -= 1
    if path and path[0] == "config":
        path = path[1:]
    if path and path[0] in ("options", "imports"):
        return None
    return tuple(path)


def _key_of_brace(text: str, brace: int) -> list[str] | None:
    """The key of ``KEY = … {`` for the ``{`` at ``brace`` (None at a module's
    top or a function's arguments)."""
    i, depth = brace - 1, 0
    while i >= 0:
        ch = text[i]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if ch == "{" and depth == 0:
                return None
            if depth:
                depth -= 1
        elif ch == ";" and depth == 0:
            return None
        elif ch == "=" and depth == 0 and i > 0 and text[i - 1] not in "=!<>":
            key = _KEY.search(text[:i].rstrip())
            return split_dotted(key.group(0)) if key else None
        i -= 1
    return None


def loc_at(path: str, text: str, offset: int) -> tuple[str, ...] | None:
    """The option path of the attribute key under the cursor, up to the name
    under it (``services.openssh.enable`` on ``openssh``: ``services.openssh``)."""
    root = parse_buffer(path, text)
    if isinstance(root, ast.Node):
        site = site_at(module_sites(root), offset)
        return None if site is None else written_prefix(text, site, offset)
    start = offset
    while start > 0 and _WORD.match(text[start - 1]):
        start -= 1
    end = offset
    while end < len(text) and _WORD.match(text[end]) and text[end] != ".":
        end += 1
    code = masked(text[:start]) + text[start:]
    if start == end or _in_value(code, start):
        return None
    outer = _scanned_path(code, start)
    return None if outer is None else (*outer, *split_dotted(text[start:end]))


def written_prefix(text: str, site: Site, offset: int) -> tuple[str, ...]:
    """The site's path up to the name under ``offset`` in its written key."""
    key = text[site.node.start:offset]
    before = len(split_dotted(key))
    written = key_components(text, site.node)
    return site.loc[:len(site.loc) - written + before]
