"""`nixeval lsp` end to end on our own module set (tests/fixtures/lsp: an enum,
a `nullOr int`, `config = { … }`, `attrsOf (submodule …)`, `nullOr (submodule
…)`, an imported file), opened as an evalModules expression from the client's
settings. The nixd issues these cover: #805 (enum member), #804 (`nullOr int`
given a string), #566 (`config = { … }`), #803 (`users.users.alice.`), #738
(`nullOr submodule`)."""

from __future__ import annotations

import time

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
    ready,
    start,
    until,
    uri,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIG = FIXTURES / "config.nix"
EXTRA = FIXTURES / "extra.nix"
TEXT = CONFIG.read_text()
VERSION = [1]


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, {"expr": "import ./tests/fixtures/lsp/system.nix"})
    doc = open_doc(lsp_client, CONFIG)
    open_doc(lsp_client, EXTRA)
    await ready(lsp_client, doc, position(TEXT, "services.web.enable"))
    yield
    await lsp_client.shutdown_session()


def edit(client: LanguageClient, text: str) -> str:
    VERSION[0] += 1
    change(client, uri(CONFIG), text, VERSION[0])
    return uri(CONFIG)


async def restore(client: LanguageClient) -> None:
    doc = edit(client, TEXT)
    await until(lambda: not [d for d in diagnostics(client, doc) if d.code != "eval-error"],
                what="the diagnostics of the restored file to clear")


def codes(client: LanguageClient, doc: str) -> list[tuple[str, str]]:
    return [(str(d.code), d.message) for d in diagnostics(client, doc)]


# diagnostics ---------------------------------------------------------------------------
async def test_syntax_error_at_once_then_answers_again(client: LanguageClient):
    broken = TEXT.replace('services.web.mode = "fast";', 'services.web.mode = "fast"')
    t0 = time.monotonic()
    doc = edit(client, broken)
    found = await until(lambda: [d for d in diagnostics(client, doc)
                                 if d.code == "syntax-error"], what="the syntax error")
    assert time.monotonic() - t0 < 5
    # the error is where the parser stops: the line after the missing `;`
    assert found[0].range.start.line == position(broken, "services.web.port").line
    assert "syntax error" in found[0].message
    # the server keeps answering from the last good option tree
    text, pos = cursor(broken.replace("services.web.port = 8080;", "services.web.p|"))
    edit(client, text)
    assert "port" in labels(await complete(client, doc, pos))
    await restore(client)


@pytest.mark.parametrize(("old", "new", "message"), [
    # nixd #805: an enum member that is not in the enum
    ('services.web.mode = "fast";', 'services.web.mode = "slow";',
     "A definition for option `services.web.mode' is not of type "
     "`one of \"fast\", \"safe\", \"debug\"'"),
    # nixd #804: `nullOr int` given a string
    ("services.web.port = 8080;", 'services.web.port = "8080";',
     "A definition for option `services.web.port' is not of type `null or signed integer'"),
    # a Boolean given as a string
    ("services.web.enable = true;", 'services.web.enable = "yes";',
     "A definition for option `services.web.enable' is not of type `boolean'"),
    # inside an attrsOf (submodule …) instance
    ('shell = "zsh";', 'shell = "sh";',
     "A definition for option `accounts.alice.shell' is not of type"),
    # a list element
    ("services.web.port = 8080;", 'services.web.port = 8080; services.web.ports = [ 1 "2" ];',
     "Element 2 of `services.web.ports` is not of type `signed integer`: \"2\""),
])
async def test_fast_type_errors_agree_with_lint(client: LanguageClient, old: str, new: str,
                                                message: str):
    bad = TEXT.replace(old, new)
    assert bad != TEXT
    doc = edit(client, bad)
    # at once, from the last good tree (the didChange handler publishes them)
    fast = await until(lambda: [d for d in diagnostics(client, doc) if message in d.message],
                       timeout=5, what="the fast diagnostic")
    assert fast[0].code == "type-error"
    assert fast[0].range.start.line == position(bad, new.split(" =")[0].split("; ")[-1]).line
    assert fast[0].data.get("fast") is True
    # then lint's own finding takes its place, with the same message
    lint = await until(lambda: [d for d in diagnostics(client, doc)
                                if message in d.message and not d.data.get("fast")],
                       what="lint's diagnostic")
    assert lint[0].message == fast[0].message
    assert lint[0].range == fast[0].range
    assert len([d for d in diagnostics(client, doc) if message in d.message]) == 1
    await restore(client)


async def test_unknown_option_suggestion_and_its_code_action(client: LanguageClient):
    bad = TEXT.replace("services.web.enable = true;", "services.web.enabel = true;")
    doc = edit(client, bad)
    message = "The option `services.web.enabel' does not exist. Did you mean " \
        "`services.web.enable'?"
    found = await until(lambda: [d for d in diagnostics(client, doc) if d.message == message],
                        timeout=5, what="the unknown option")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(doc), found[0].range,
        types.CodeActionContext([found[0]])))
    assert actions
    edits = actions[0].edit.changes[doc]
    fixed = apply(bad, edits)
    assert fixed == TEXT
    await restore(client)


async def test_unknown_option_inside_a_submodule(client: LanguageClient):
    bad = TEXT.replace('fullName = "Alice";', 'fullName = "Alice"; nmae = 1;')
    doc = edit(client, bad)
    found = await until(lambda: [d for d in diagnostics(client, doc)
                                 if "`accounts.alice.nmae' does not exist" in d.message],
                        timeout=5, what="the unknown option in the submodule")
    assert found[0].range.start == position(bad, "nmae")
    await restore(client)


# completion --------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "expected", "absent"), [
    # a dotted path inside `config = { … }` (nixd #566)
    ("services.web.enable = true;", "services.web.|", {"enable", "mode", "port"}, {"fullName"}),
    # a partial name: the names it matches as editors match (in order, any case)
    ("services.web.enable = true;", "services.we| = true;", {"web"}, set()),
    ("services.web.enable = true;", "services.web.GRt| = true;", {"greeting"},
     {"enable", "mode", "port"}),
    # inside an attrsOf (submodule …) instance (nixd #803)
    ('fullName = "Alice";', 'fullName = "Alice"; |', {"shell", "uid"}, {"enable"}),
    # a new instance name
    ("services.web.enable = true;", "accounts.carol.|", {"fullName", "shell", "uid"}, set()),
    # under nullOr (submodule …) and inside lib.mkIf's argument (nixd #738)
    ('target = "backup.example.org";', 'target = "b"; |', {"keep", "target"}, {"enable"}),
    ("services.web.enable = true;", "backup.|", {"keep", "target"}, set()),
    # a nested set
    ("services.web.enable = true;", "services = { web = { | }; };", {"enable", "greeting"},
     set()),
    # inside lib.mkMerge's list and lib.mkForce's argument
    ("services.web.enable = true;", "services.web = lib.mkMerge [ { enable = true; } { | } ];",
     {"mode", "port"}, set()),
    ("services.web.enable = true;", "accounts.dave = lib.mkForce { | };", {"shell"}, set()),
])
async def test_option_completion(client: LanguageClient, old: str, new: str,
                                 expected: set[str], absent: set[str]):
    text, pos = cursor(TEXT.replace(old, new))
    doc = edit(client, text)
    items = await complete(client, doc, pos)
    got = set(labels(items))
    assert expected <= got, got
    assert not (absent & got)
    for item in items:
        if item.label in expected and item.kind == types.CompletionItemKind.Property:
            assert item.detail  # the type
            resolved = await client.completion_item_resolve_async(item)
            assert isinstance(resolved.documentation, types.MarkupContent)
            doc_text = resolved.documentation.value
            assert doc_text.startswith("**") and f".{item.label}**" in doc_text
            assert item.detail in doc_text
    await restore(client)


async def test_completion_in_an_imported_file(client: LanguageClient):
    text, pos = cursor(EXTRA.read_text().replace("accounts.bob.uid = 1001;",
                                                 "accounts.bob.uid = 1001;\n  services.web.|"))
    doc = uri(EXTRA)
    change(client, doc, text, 2)
    try:
        got = labels(await complete(client, doc, pos))
        assert {"greeting", "enable"} <= set(got)
    finally:
        change(client, doc, EXTRA.read_text(), 3)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('services.web.mode = "fast";', "services.web.mode = |", {'"fast"', '"safe"', '"debug"'}),
    ('shell = "zsh";', "shell = |", {'"bash"', '"zsh"', '"fish"'}),
    ("services.web.enable = true;", "services.web.enable = lib.mkDefault |",
     {"true", "false"}),
    ("services.web.enable = true;", "services.web.enable = lib.mkI|", {"mkIf", "mkDefault"}),
    ("services.web.enable = true;", "services.web.enable = lib.types.|",
     {"bool", "enum", "submodule"}),
    ("services.web.enable = true;", "services.web.enable = builtins.|",
     {"attrNames", "map", "toString"}),
])
async def test_value_completion(client: LanguageClient, old: str, new: str,
                                expected: set[str]):
    text, pos = cursor(TEXT.replace(old, new))
    doc = edit(client, text)
    got = set(labels(await complete(client, doc, pos)))
    assert expected <= got, got
    await restore(client)


# hover, navigation, symbols -----------------------------------------------------------------
async def test_hover_shows_type_default_value_and_definitions(client: LanguageClient):
    extra = EXTRA.read_text()
    result = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri(EXTRA)), position(extra, "greeting")))
    assert result is not None
    text = result.contents.value
    assert "services.web.greeting" in text and "`string`" in text
    assert "What the service says first." in text
    assert '*Default:* `"hello"`' in text
    assert '*Value:* `"welcome"`' in text
    assert "mkDefault (1000)" in text and "**won**" in text
    assert "extra.nix:4:3" in text


async def test_hover_inside_a_submodule_instance(client: LanguageClient):
    result = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri(CONFIG)), position(TEXT, "shell")))
    assert result is not None
    text = result.contents.value
    assert "accounts.alice.shell" in text and "The login shell." in text
    assert '*Value:* `"zsh"`' in text


async def test_positions_count_utf16_code_units(client: LanguageClient):
    # a character outside the BMP is two UTF-16 code units before the key
    text = TEXT.replace('fullName = "Alice";', 'fullName = "🦊 Alice"; uid = 7;')
    doc = edit(client, text)
    result = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(doc), position(text, "uid = 7")))
    assert result is not None and "accounts.alice.uid" in result.contents.value
    await restore(client)


async def test_definition_goes_to_the_declaration(client: LanguageClient):
    found = await client.text_document_definition_async(types.DefinitionParams(
        types.TextDocumentIdentifier(uri(CONFIG)), position(TEXT, "mode")))
    assert found and len(found) == 1
    assert found[0].uri == uri(FIXTURES / "options.nix")
    options = (FIXTURES / "options.nix").read_text()
    assert found[0].range.start == position(options, "mode = mkOption")


async def test_references_span_files(client: LanguageClient):
    found = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri(CONFIG)),
        position=position(TEXT, "accounts"),
        context=types.ReferenceContext(include_declaration=False)))
    where = {(loc.uri, loc.range.start.line) for loc in found}
    assert (uri(CONFIG), position(TEXT, "accounts.alice").line) in where
    assert (uri(EXTRA), position(EXTRA.read_text(), "accounts.bob").line) in where


async def test_document_symbols_are_the_options_defined(client: LanguageClient):
    found = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        types.TextDocumentIdentifier(uri(CONFIG))))
    names = {s.name: s for s in found}
    assert {"services.web.enable", "services.web.mode", "services.web.port",
            "accounts.alice.shell", "backup.target"} <= set(names)
    assert names["services.web.mode"].detail == 'one of "fast", "safe", "debug"'
    assert names["services.web.mode"].selection_range.start == position(TEXT,
                                                                        "services.web.mode")


async def test_progress_was_reported(client: LanguageClient):
    kinds = [type(v).__name__ for reports in client.progress_reports.values() for v in reports]
    assert "WorkDoneProgressBegin" in kinds and "WorkDoneProgressEnd" in kinds


def apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                    reverse=True):
        start = offsets[e.range.start.line] + e.range.start.character
        end = offsets[e.range.end.line] + e.range.end.character
        text = text[:start] + e.new_text + text[end:]
    return text
