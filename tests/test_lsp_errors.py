"""Bad input never ends `nixeval lsp`: a configuration that does not
evaluate, a nixpkgs that is not there, a module that fails while evaluating
each give a diagnostic or a message, and the next request is answered."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsp_client import (
    FIXTURES,
    SERVER,
    change,
    complete,
    cursor,
    diagnostics,
    labels,
    open_doc,
    position,
    start,
    until,
    uri,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio

CONFIG = FIXTURES / "config.nix"
GOOD = {"expr": "import ./tests/fixtures/lsp/system.nix"}


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def errors(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


async def still_answers(client: LanguageClient, pull: bool = False) -> None:
    """A request after the failure is answered, and once the settings name a
    good system, answered from it (``pull``: the client says only that its
    settings changed, and the server asks for them: workspace/configuration)."""
    text, pos = cursor(CONFIG.read_text().replace("services.web.enable = true;",
                                                  "services.web.|"))
    doc = open_doc(client, CONFIG, text)
    assert await complete(client, doc, pos) == []  # no option tree yet: nothing, no error
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        types.TextDocumentIdentifier(doc)))
    assert symbols  # from the buffer's syntax alone
    if pull:
        client.set_configuration({"nixeval": GOOD})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings=None if pull else {"nixeval": GOOD}))

    async def completed() -> list[str]:
        return labels(await complete(client, doc, pos))
    for _ in range(2400):
        if "enable" in await completed():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the good system never answered")


async def test_a_configuration_that_does_not_evaluate(client: LanguageClient):
    await start(client, {"expr": 'throw "this system is broken"'})
    found = await until(lambda: [m for m in errors(client) if "this system is broken" in m],
                        what="the evaluation error")
    assert "Traceback" not in found[0]
    await still_answers(client)


async def test_nixpkgs_not_there(client: LanguageClient, tmp_path):
    await start(client, {"include": [f"nixpkgs={tmp_path / 'no-nixpkgs'}"],
                         "config": str(tmp_path / "configuration.nix")})
    found = await until(lambda: errors(client), what="the message")
    assert "nixpkgs" in found[0] or "no-nixpkgs" in found[0]
    assert "Traceback" not in found[0]
    await still_answers(client, pull=True)


async def test_a_module_that_fails_while_evaluating(client: LanguageClient):
    await start(client, GOOD)
    text = CONFIG.read_text()
    doc = open_doc(client, CONFIG)
    await until(lambda: client.progress_reports, what="the first evaluation")
    bad = text.replace("services.web.port = 8080;", 'services.web.port = 8080 + "a";')
    change(client, doc, bad, 2)
    found = await until(lambda: [d for d in diagnostics(client, doc)
                                 if d.severity == types.DiagnosticSeverity.Error],
                        what="the evaluation error")
    assert any("cannot add" in d.message or "string" in d.message for d in found), found
    assert all("Traceback" not in d.message for d in found)
    change(client, doc, text, 3)
    await until(lambda: not diagnostics(client, doc), what="the error to go")
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri(CONFIG)), position(text, "port = 8080")))
    assert hover is not None and "services.web.port" in hover.contents.value


async def test_a_file_changed_on_disk_is_read_again(client: LanguageClient, tmp_path):
    """A file no buffer holds changes on disk (the options' declarations): the
    client's didChangeWatchedFiles makes the server evaluate again (the
    session checks what it read) and the open file's diagnostics follow."""
    import shutil

    tree = tmp_path / "lsp"
    shutil.copytree(FIXTURES, tree)
    await start(client, {"expr": f"import {tree}/system.nix"})
    config = tree / "config.nix"
    doc = open_doc(client, config)
    await until(lambda: client.progress_reports, what="the first evaluation")
    options = tree / "options.nix"
    text = options.read_text()
    assert 'types.enum [ "fast" "safe" "debug" ]' in text
    options.write_text(text.replace('types.enum [ "fast" "safe" "debug" ]',
                                    'types.enum [ "safe" "debug" ]'))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(uri(options), types.FileChangeType.Changed)]))
    found = await until(lambda: [d for d in diagnostics(client, doc)
                                 if d.severity == types.DiagnosticSeverity.Error],
                        what="the type error the new declaration makes")
    assert any("fast" in d.message for d in found), found
    options.write_text(text)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(uri(options), types.FileChangeType.Changed)]))
    await until(lambda: not diagnostics(client, doc), what="the error to go")
