"""`nixeval lsp` end to end on the bundled example tree (`-I nixpkgs=examples`),
the system found as the command line finds it: lint's findings with their
related places and fixes as code actions, completion and hover on a NixOS
configuration, settings changed while running."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsp_client import (
    EXAMPLES,
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
from test_lsp import apply

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIGS = EXAMPLES / "configs"
QEMU_VM = EXAMPLES / "nixos" / "modules" / "virtualisation" / "qemu-vm.nix"


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    # the VM variant: conflict.nix's time sync line conflicts with qemu-vm.nix's
    await start(lsp_client, {"include": ["nixpkgs=examples"],
                             "config": "examples/configs/conflict.nix", "vm": True})
    yield
    await lsp_client.shutdown_session()


def configure(client: LanguageClient, config: str, vm: bool = False) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"nixeval": {"include": ["nixpkgs=examples"], "config": config, "vm": vm}}))


async def actions(client: LanguageClient, doc: str,
                  diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    found = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(doc), diagnostic.range,
        types.CodeActionContext([diagnostic])))
    return list(found or [])


async def test_conflict_with_related_place_and_priority_fixes(client: LanguageClient):
    path = CONFIGS / "conflict.nix"
    text = path.read_text()
    doc = open_doc(client, path)
    [conflict] = await until(lambda: [d for d in diagnostics(client, doc)
                                      if d.code == "conflict"], what="the conflict")
    assert conflict.severity == types.DiagnosticSeverity.Error
    assert "services.timesyncd.enable' has conflicting definition values" in conflict.message
    assert conflict.range.start == position(text, "services.timesyncd.enable = true")
    [related] = conflict.related_information
    assert related.location.uri == uri(QEMU_VM)
    qemu = QEMU_VM.read_text()
    assert related.location.range.start == position(qemu, "services.timesyncd.enable = false")
    found = await actions(client, doc, conflict)
    titles = {a.title: a for a in found}
    default = titles["Use lib.mkDefault for `services.timesyncd.enable`"]
    assert default.is_preferred  # what lint's fix says: the VM takes qemu-vm.nix's value
    assert "Use lib.mkForce for `services.timesyncd.enable`" in titles
    fixed = apply(text, default.edit.changes[doc])
    assert "services.timesyncd.enable = lib.mkDefault true;" in fixed
    # the fixed buffer evaluates without the conflict
    change(client, doc, fixed, 2)
    await until(lambda: not [d for d in diagnostics(client, doc) if d.code == "conflict"],
                what="the conflict to go")
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        types.TextDocumentIdentifier(doc)))


async def test_completion_and_hover_on_nixos(client: LanguageClient):
    configure(client, "examples/configs/fixed.nix")
    path = CONFIGS / "fixed.nix"
    doc = open_doc(client, path)
    text = path.read_text()

    async def hover_text(t: str, where: types.Position) -> str | None:
        h = await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(doc), where))
        return h.contents.value if h is not None else None

    where = position(text, "enable = true", 1)
    hovered = None
    for _ in range(2400):  # until fixed.nix's own evaluation has answered
        hovered = await hover_text(text, where)
        if hovered and "fixed.nix:25:5" in hovered:
            break
        await asyncio.sleep(0.05)
    assert hovered is not None
    assert "services.openssh.enable" in hovered and "`boolean`" in hovered
    assert "*Value:* `true`" in hovered and "plain (100) — **won**" in hovered
    # users.users.alice. (nixd #803) on a NixOS tree
    t, pos = cursor(text.replace('description = "Alice";', 'description = "Alice"; |'))
    change(client, doc, t, 2)
    got = set(labels(await complete(client, doc, pos)))
    assert {"isNormalUser", "extraGroups", "home"} <= got
    t, pos = cursor(text.replace("enable = true;", "enable = true; settings.PermitRootLogin = |"))
    change(client, doc, t, 3)
    got = set(labels(await complete(client, doc, pos)))
    assert got, "enum members of PermitRootLogin"
    assert '"no"' in got
    change(client, doc, text, 4)


async def test_renamed_option_diagnostic_and_rename_action(client: LanguageClient):
    configure(client, "examples/configs/renamed.nix")
    path = CONFIGS / "renamed.nix"
    text = path.read_text()
    doc = open_doc(client, path)
    [renamed] = await until(lambda: [d for d in diagnostics(client, doc)
                                     if d.code == "renamed-option"], what="the rename")
    assert renamed.severity == types.DiagnosticSeverity.Warning
    assert types.DiagnosticTag.Deprecated in (renamed.tags or [])
    [action] = await actions(client, doc, renamed)
    fixed = apply(text, action.edit.changes[doc])
    assert "services.openssh.enable = true;" in fixed
    assert "services.sshd.enable = " not in fixed


async def test_unknown_option_from_lint(client: LanguageClient):
    configure(client, "examples/configs/typo.nix")
    path = CONFIGS / "typo.nix"
    text = path.read_text()
    doc = open_doc(client, path)
    [typo] = await until(lambda: [d for d in diagnostics(client, doc)
                                  if d.code == "unknown-option"], what="the typo")
    assert "Did you mean `services.openssh.enable'?" in typo.message
    assert typo.related_information  # where the option meant is declared
    [action] = await actions(client, doc, typo)
    assert "services.openssh.enable = true;" in apply(text, action.edit.changes[doc])
