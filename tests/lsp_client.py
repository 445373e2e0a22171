"""Helpers for the language server's end-to-end tests (tests/test_lsp*.py):
the server runs as a subprocess (`python -m nixeval lsp`), driven by
pytest-lsp's client."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "lsp"
EXAMPLES = ROOT / "examples"
TIMEOUT = 120.0  # a cold evaluation of the example tree takes seconds; CI machines are slow

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "nixeval", "lsp"])


def uri(path: Path | str) -> str:
    return Path(path).resolve().as_uri()


async def start(client: LanguageClient, settings: dict[str, Any], root: Path = ROOT) -> None:
    """Initialise with the settings as ``initializationOptions`` (as VS Code,
    Neovim, Helix and Emacs clients send them)."""
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=uri(root), initialization_options={"nixeval": settings}))


async def until(check: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> Any:
    """Poll ``check()`` until it gives something true; its value."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)


def open_doc(client: LanguageClient, path: Path, text: str | None = None,
             version: int = 1) -> str:
    doc_uri = uri(path)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        doc_uri, "nix", version, path.read_text() if text is None else text)))
    return doc_uri


def change(client: LanguageClient, doc_uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=doc_uri),
        [types.TextDocumentContentChangeWholeDocument(text)]))


def position(text: str, marker: str, after: int = 0) -> types.Position:
    """The LSP position of ``marker``'s first character (plus ``after``)."""
    offset = text.index(marker) + after
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return types.Position(line, len(text[offset - column:offset].encode("utf-16-le")) // 2)


def cursor(text: str) -> tuple[str, types.Position]:
    """``text`` with its ``|`` taken out, and the position it marked."""
    pos = position(text, "|")
    return text.replace("|", "", 1), pos


def diagnostics(client: LanguageClient, doc_uri: str) -> Sequence[types.Diagnostic]:
    return client.diagnostics.get(doc_uri, [])


async def ready(client: LanguageClient, doc_uri: str, probe: types.Position) -> None:
    """Wait until the first evaluation's snapshot answers (hover on an
    option's key gives something)."""
    async def hovered() -> Any:
        return await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(doc_uri), probe))
    end = time.monotonic() + TIMEOUT
    while await hovered() is None:
        if time.monotonic() > end:
            raise AssertionError("the first evaluation never finished")
        await asyncio.sleep(0.1)


async def complete(client: LanguageClient, doc_uri: str,
                   pos: types.Position) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(doc_uri), pos))
    if result is None:
        return []
    return list(result.items if isinstance(result, types.CompletionList) else result)


def labels(items: list[types.CompletionItem]) -> list[str]:
    return [i.label for i in items]
