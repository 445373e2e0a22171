"""Findings for people (compiler-style text), for scripts (JSON) and for code
scanning services (SARIF 2.1.0)."""

from __future__ import annotations

import json
import linecache
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import inputs
from ..nixos.query import Place
from .rules import Finding

# what a related place is, per kind of finding
NOTES = {
    "conflict": "also defined here",
    "type-error": "also defined here",
    "unknown-option": "the option meant is declared here",
    "renamed-option": "also defined here",
    "removed-option": "also defined here",
    "assertion": "an option the assertion concerns is declared here",
    "infinite-recursion": "part of the cycle",
}

DESCRIPTIONS = {
    "conflict": "Definitions of an option conflict (same priority, different values)",
    "type-error": "A definition does not have the option's type",
    "unknown-option": "A definition for an option that is not declared",
    "renamed-option": "An option that was renamed is used by its old name",
    "removed-option": "An option that was removed is defined",
    "assertion": "A NixOS assertion fails",
    "warning": "A NixOS warning",
    "infinite-recursion": "Options whose values depend on each other in a cycle",
    "eval-error": "The configuration does not evaluate",
    "test-script": "A NixOS test's testScript fails the checks the test driver's build runs",
}


def _path(file: str) -> str:
    """Relative to the working directory when the file lies below it."""
    try:
        rel = os.path.relpath(file)
    except ValueError:
        return file
    return file if rel.startswith("..") else rel


def _where(place: Place) -> str:
    path = _path(place.file)
    return path if place.line is None else f"{path}:{place.line}:{place.column}"


def _snippet(place: Place | None) -> list[str]:
    """The line at ``place`` and a caret under its column."""
    if place is None or place.line is None or not inputs.isfile(place.file):
        return []
    line = linecache.getline(place.file, place.line).rstrip("\n")
    if not line:
        return []
    col = place.column or 1
    pad = "".join(c if c == "\t" else " " for c in line[:col - 1])
    return [f" {place.line:5d} | {line}", f"       | {pad}^"]


def text(findings: list[Finding]) -> str:
    out: list[str] = []
    for f in findings:
        head = f"{_where(f.place)}: " if f.place is not None else ""
        first, *rest = f.message.rstrip().splitlines() or [""]
        out.append(f"{head}{f.severity}: {first} [{f.kind}]")
        out.extend(f"  {line}".rstrip() for line in rest)
        out.extend(_snippet(f.place))
        for r in f.related:
            out.append(f"{_where(r)}: note: {NOTES.get(f.kind, 'see also')}")
            out.extend(_snippet(r))
        for note in f.notes:
            first, *rest = note.rstrip().splitlines() or [""]
            out.append(f"  note: {first}")
            out.extend(f"        {line}".rstrip() for line in rest)
        if f.fix:
            out.append(f"  fix: {f.fix}")
        out.append("")
    out.append(summary(findings))
    return "\n".join(out)


def summary(findings: list[Finding]) -> str:
    if not findings:
        return "no problems found"
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    parts = [f"{n} {word}{'' if n == 1 else 's'}"
             for n, word in ((errors, "error"), (warnings, "warning")) if n]
    return ", ".join(parts)


def _place_json(place: Place | None) -> dict[str, Any]:
    if place is None:
        return {"file": None, "line": None, "column": None}
    return {"file": place.file, "line": place.line, "column": place.column}


def json_report(findings: list[Finding]) -> str:
    """A list of objects; files are absolute paths."""
    return json.dumps([{
        "kind": f.kind, "severity": f.severity, "message": f.message,
        **_place_json(f.place),
        "related": [_place_json(r) for r in f.related],
        "fix": f.fix, "option": f.option, "notes": f.notes,
    } for f in findings], indent=2, ensure_ascii=False)


SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")


def _artifact(file: str) -> dict[str, str]:
    """Below the working directory: relative to %SRCROOT% (as code scanning
    services want); elsewhere, an absolute file URI."""
    rel = _path(file)
    if not os.path.isabs(rel):
        return {"uri": quote(Path(rel).as_posix()), "uriBaseId": "SRCROOT"}
    return {"uri": Path(file).as_uri()}


def _location(place: Place) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(place.file)}
    if place.line is not None:
        physical["region"] = {"startLine": place.line, "startColumn": place.column or 1}
    return {"physicalLocation": physical}


def sarif(findings: list[Finding]) -> str:
    from .. import __version__

    kinds = [k for k in DESCRIPTIONS if any(f.kind == k for f in findings)]
    rules = [{"id": k, "shortDescription": {"text": DESCRIPTIONS[k]},
              "defaultConfiguration": {"level": "warning" if k in (
                  "warning", "renamed-option") else "error"}} for k in kinds]
    results = []
    for f in findings:
        message = "\n".join([f.message.rstrip(), *(f"Note: {n}" for n in f.notes),
                             *([f"Fix: {f.fix}"] if f.fix else [])])
        result: dict[str, Any] = {
            "ruleId": f.kind, "ruleIndex": kinds.index(f.kind),
            "level": "warning" if f.severity == "warning" else "error",
            "message": {"text": message},
            "locations": [_location(f.place)] if f.place is not None else [],
            "relatedLocations": [
                {"id": i, **_location(r), "message": {"text": NOTES.get(f.kind, "see also")}}
                for i, r in enumerate(f.related)],
            "properties": {"fix": f.fix, "option": f.option},
        }
        results.append(result)
    root = Path(os.getcwd()).as_uri().rstrip("/") + "/"
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "nixeval", "version": __version__, "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": root}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)
