"""Diagnostics: a buffer's syntax error, the fast checks' problems and lint's
findings as LSP diagnostics, each with the edits that fix it (kept in the
diagnostic's ``data``, which code actions turn into actions)."""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types

from ..api import ApiError, Finding
from ..nixos.query import show_loc
from ..syntax import ast
from ..syntax.errors import NixSyntaxError
from .checks import Problem
from .context import split_dotted
from .sites import Site, key_components, module_sites, parse_buffer
from .text import Lines

SOURCE = "nixeval"
_SEVERITY = {"error": types.DiagnosticSeverity.Error,
             "warning": types.DiagnosticSeverity.Warning}
_RENAMED = re.compile(r"Use `([^`]+)` instead of `([^`]+)`")
_WRITE = re.compile(r"write (\S+) at ")


def uri_of(path: str) -> str:
    from pygls.uris import from_fs_path

    return from_fs_path(path) or f"file://{path}"


def syntax(error: NixSyntaxError, lines: Lines) -> types.Diagnostic:
    return types.Diagnostic(lines.range(error.offset, error.offset + 1), error.message,
                            severity=types.DiagnosticSeverity.Error, source=SOURCE,
                            code="syntax-error")


def problem(p: Problem, text: str, lines: Lines, root: ast.Node) -> types.Diagnostic:
    actions = []
    if p.suggestion is not None:
        actions = _rename_actions(text, lines, root, p.start, p.option, p.suggestion)
    return types.Diagnostic(lines.range(p.start, p.end), p.message,
                            severity=types.DiagnosticSeverity.Error, source=SOURCE,
                            code=p.kind, data={"actions": actions, "fast": True})


def finding(f: Finding, texts: dict[str, str]) -> tuple[str | None, types.Diagnostic]:
    """The file a finding belongs to (None: no file) and its diagnostic."""
    where = f.position
    path = where.file if where is not None and where.file and where.file.startswith("/") \
        else None
    text = texts.get(path, "") if path else ""
    lines = Lines(text)
    if path and where is not None and where.line is not None:
        rng = lines.word_range(where)
    else:  # old libs name the file only: the option's definition in it, when it is there
        at = _definition_of(f.option, path, text) if path and f.option else None
        rng = lines.range(*at) if at else types.Range(types.Position(0, 0),
                                                      types.Position(0, 0))
    related = [types.DiagnosticRelatedInformation(
        types.Location(uri_of(r.file), Lines(texts.get(r.file, "")).word_range(r)),
        _related_text(f)) for r in f.related if r.file.startswith("/")]
    actions = _actions(f, text, lines) if path else []
    message = f.message if not f.notes or f.kind == "type-error" else \
        f.message + "\n" + "\n".join(f.notes)
    return path, types.Diagnostic(
        rng, message, severity=_SEVERITY.get(f.severity, types.DiagnosticSeverity.Error),
        source=SOURCE, code=f.kind, related_information=related or None,
        tags=[types.DiagnosticTag.Deprecated] if f.kind in ("renamed-option",) else None,
        data={"actions": actions, "fix": f.fix, "option": f.option})


def _definition_of(option: str, path: str, text: str) -> tuple[int, int] | None:
    """The key span of the attribute defining ``option`` in a module's text."""
    root = parse_buffer(path, text)
    if not isinstance(root, ast.Node):
        return None
    for site in module_sites(root):
        if show_loc(site.loc) == option:
            return site.node.start, site.node.end
    return None


def api_error(e: ApiError, texts: dict[str, str]) -> tuple[str | None, types.Diagnostic]:
    """A failure of the whole evaluation (no lint findings to show)."""
    where = e.position
    path = where.file if where is not None and where.file.startswith("/") else None
    rng = Lines(texts.get(path, "")).word_range(where) if path and where is not None and \
        where.line is not None else types.Range(types.Position(0, 0), types.Position(0, 0))
    return path, types.Diagnostic(rng, e.message, severity=types.DiagnosticSeverity.Error,
                                  source=SOURCE, code="eval-error")


def _related_text(f: Finding) -> str:
    return {"conflict": "the other definition", "unknown-option": "the option meant",
            "type-error": "another definition"}.get(f.kind, "related")


def _actions(f: Finding, text: str, lines: Lines) -> list[dict[str, Any]]:
    """The edits lint's fix describes, where they are one edit in this file."""
    if f.position is None or f.position.line is None:
        return []
    root = parse_buffer(f.position.file, text)
    if not isinstance(root, ast.Node):
        return []
    offset = lines.offset_of(f.position.line, f.position.column or 1)
    if f.kind == "conflict" and f.fix:
        site = _site_at(root, offset, f.option)
        if site is None:
            return []
        value = text[site.node.value.start:site.node.value.end]
        atomic = isinstance(site.node.value, ast.Str | ast.Int | ast.Float | ast.Var |
                            ast.Attrs | ast.List | ast.Select | ast.Path)
        wrapped = value if atomic else f"({value})"
        preferred = "mkForce" if "mkForce" in f.fix and "mkDefault" not in f.fix else \
            "mkDefault"
        rng = lines.range(site.node.value.start, site.node.value.end)
        return [_action(f"Use lib.{w} for `{f.option}`", rng, f"lib.{w} {wrapped}",
                        w == preferred) for w in ("mkDefault", "mkForce")]
    if f.kind == "renamed-option" and f.fix:
        m = _RENAMED.search(f.fix)
        if m:
            return _rename_actions(text, lines, root, offset, m.group(2), m.group(1))
    if f.kind == "unknown-option" and f.option:
        m = re.search(r"Did you mean `([^']+)'\?", f.message)
        if m:
            return _rename_actions(text, lines, root, offset, f.option, m.group(1))
    if f.kind == "type-error" and f.fix:
        m = _WRITE.search(f.fix)
        if m:
            end = offset
            while end < len(text) and not text[end].isspace() and text[end] not in ";]":
                end += 1
            return [_action(f"Write {m.group(1)}", lines.range(offset, end), m.group(1), True)]
    return []


def _site_at(root: ast.Node, offset: int, option: str | None) -> Site | None:
    """The site whose key starts at ``offset`` (the one for ``option`` where
    a dotted key makes several)."""
    sites = [s for s in module_sites(root) if s.node.start == offset]
    named = [s for s in sites if option is not None and show_loc(s.loc) == option]
    return (named or sorted(sites, key=lambda s: len(s.loc)))[-1] if sites else None


def _rename_actions(text: str, lines: Lines, root: ast.Node, offset: int, old: str,
                    new: str) -> list[dict[str, Any]]:
    """Rewrite the key at ``offset`` that defines ``old`` to define ``new``:
    the written part of the key only, when the enclosing sets stay the same."""
    site = _site_at(root, offset, old)
    if site is None:
        return []
    written = key_components(text, site.node)
    outer = site.loc[:len(site.loc) - written]
    new_loc = tuple(split_dotted(new))
    old_loc = tuple(split_dotted(old))
    below = site.loc[len(old_loc):] if site.loc[:len(old_loc)] == old_loc else ()
    target = (*new_loc, *below)
    if target[:len(outer)] != outer or len(target) == len(outer):
        return []
    return [_action(f"Write `{new}`", lines.range(site.node.start, site.node.end),
                    show_loc(target[len(outer):]), True)]


def _action(title: str, rng: types.Range, new_text: str, preferred: bool) -> dict[str, Any]:
    return {"title": title, "preferred": preferred,
            "range": [rng.start.line, rng.start.character, rng.end.line, rng.end.character],
            "newText": new_text}


def read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
    except OSError:
        return ""
