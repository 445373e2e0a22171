"""``nixeval lsp``: the language server's wiring. Requests are answered at
once, on the event loop, from the latest snapshot and the buffer's own
syntax; the worker thread evaluates after edits and hands back lint's
diagnostics and a new snapshot. Any failure of ours is logged and answered
with nothing, never with a traceback as the only word."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..syntax import ast
from . import checks, completion, diagnostics, hover, navigation
from .settings import Settings
from .sites import parse_buffer
from .snapshot import Snapshot
from .text import Lines
from .worker import Outcome, Worker

log = logging.getLogger(__name__)
T = TypeVar("T")
# the kinds the fast checks report: lint's own, of the text it read, are stale once
# the buffer changes
_FAST_KINDS = frozenset({"unknown-option", "type-error"})


class NixevalServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("nixeval", __version__)
        self.snapshot: Snapshot | None = None
        self.settings = Settings()
        self.worker: Worker | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lint: dict[str, list[types.Diagnostic]] = {}  # by path, from the last evaluation
        self.linted: dict[str, str] = {}  # the buffers that evaluation read
        self.published: set[str] = set()
        self.progress_token: str | None = None

    # buffers -------------------------------------------------------------------
    def buffers(self) -> dict[str, str]:
        """The open documents' texts by path (read from the worker thread: a
        copy of the dictionary, each text an immutable string)."""
        docs = dict(self.workspace.text_documents)
        return {to_fs_path(uri) or uri: doc.source for uri, doc in docs.items()}

    def text_of(self, path: str) -> str:
        for uri, doc in list(self.workspace.text_documents.items()):
            if to_fs_path(uri) == path:
                return doc.source
        return diagnostics.read_text(path)

    # diagnostics ---------------------------------------------------------------
    def publish(self, path: str) -> None:
        """The file's diagnostics: a syntax error alone; else lint's, which
        are the word on the text lint read; while the buffer differs from it,
        the fast checks' against the snapshot in place of lint's findings of
        the kinds they redo."""
        uri = diagnostics.uri_of(path)
        doc = self.workspace.text_documents.get(uri)
        found = list(self.lint.get(path, []))
        if doc is not None:
            text = doc.source
            root = parse_buffer(path, text)
            if not isinstance(root, ast.Node):
                found = [diagnostics.syntax(root, Lines(text))]
            elif self.linted.get(path) != text:
                found = [d for d in found if d.code not in _FAST_KINDS
                         and d.code not in ("syntax-error", "eval-error")]
                if self.snapshot is not None and self.snapshot.is_module_file(path):
                    lines = Lines(text)
                    found += [diagnostics.problem(p, text, lines, root)
                              for p in checks.check(root, path, text, self.snapshot)]
        if found or path in self.published:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri, found, version=doc.version if doc is not None else None))
        if found:
            self.published.add(path)
        else:
            self.published.discard(path)

    def finished(self, outcome: Outcome) -> None:
        """An evaluation's results (on the event loop)."""
        if outcome.snapshot is not None:
            self.snapshot = outcome.snapshot
            # the snapshot's objects live until the next one (and hold no cycles: the
            # old one goes by reference counting): collections need not scan them
            gc.freeze()
        if self.worker is not None and outcome.generation != self.worker.generation:
            return  # a newer edit is being evaluated: its results will come
        if outcome.message:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error,
                                                             outcome.message))
        before = set(self.lint)
        self.lint = outcome.diagnostics
        self.linted = outcome.texts
        for path in sorted(before | set(self.lint) | set(self.buffers())):
            self.publish(path)

    def configure(self, data: Any) -> None:
        """New settings (``{"nixeval": {…}}`` or the inner set): the session
        they name is opened and evaluated."""
        if data is None:
            return
        self.settings = Settings.of(data, self.settings.root)
        if self.worker is not None:
            self.worker.configure(self.settings)

    # from the worker thread ----------------------------------------------------
    def later(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(functools.partial(_guarded_call, fn), *args)

    def progress(self, kind: str, message: str | None) -> None:
        caps = self.client_capabilities.window
        if caps is None or not caps.work_done_progress:
            return
        if kind == "begin":
            self.progress_token = token = f"nixeval-{uuid.uuid4()}"
            self.work_done_progress.create(token)
            self.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                "nixeval", message=message, cancellable=True))
        elif self.progress_token is not None:  # end
            self.work_done_progress.end(self.progress_token, types.WorkDoneProgressEnd())
            self.progress_token = None


server = NixevalServer()


def _guarded_call(fn: Callable[..., T], *args: Any) -> T | None:
    try:
        return fn(*args)
    except Exception:
        log.exception("nixeval lsp: %s failed", getattr(fn, "__name__", fn))
        return None


def guarded(default: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A handler whose failure (a bug of ours) is logged and answered with
    ``default``: the client keeps a working server."""
    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def run(*args: Any) -> T:
            try:
                return fn(*args)
            except Exception as e:
                log.exception("nixeval lsp: %s failed", fn.__name__)
                server.window_log_message(types.LogMessageParams(
                    types.MessageType.Error,
                    f"nixeval: internal error in {fn.__name__}: {type(e).__name__}: {e}"))
                return default
        return run
    return wrap


def _doc(uri: str) -> tuple[str, str]:
    doc = server.workspace.get_text_document(uri)
    return to_fs_path(uri) or uri, doc.source


def _root(params: types.InitializeParams) -> str:
    if params.workspace_folders:
        return to_fs_path(params.workspace_folders[0].uri) or os.getcwd()
    if params.root_uri:
        return to_fs_path(params.root_uri) or os.getcwd()
    return params.root_path or os.getcwd()


# life -------------------------------------------------------------------------------
@server.feature(types.INITIALIZE)
@guarded(None)
def initialize(ls: NixevalServer, params: types.InitializeParams) -> None:
    ls.settings = Settings.of(params.initialization_options, _root(params))


@server.feature(types.INITIALIZED)
@guarded(None)
def initialized(ls: NixevalServer, params: types.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    ls.worker = Worker(ls.buffers, lambda o: ls.later(ls.finished, o),
                       lambda k, m: ls.later(ls.progress, k, m))
    ls.worker.configure(ls.settings)


@server.feature(types.SHUTDOWN)
@guarded(None)
def shutdown(ls: NixevalServer, params: Any) -> None:
    if ls.worker is not None:
        ls.worker.stop()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded(None)
def did_change_configuration(ls: NixevalServer,
                             params: types.DidChangeConfigurationParams) -> None:
    if isinstance(params.settings, dict) and "nixeval" in params.settings:
        ls.configure(params.settings)
        return
    # the pull model: the notification only says that something changed
    caps = ls.client_capabilities.workspace
    if caps is not None and caps.configuration:
        ls.workspace_configuration(
            types.ConfigurationParams([types.ConfigurationItem(section="nixeval")]),
            callback=lambda found: ls.configure(found[0] if found else None))


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded(None)
def did_change_watched_files(ls: NixevalServer,
                             params: types.DidChangeWatchedFilesParams) -> None:
    if ls.worker is not None:  # files changed on disk: evaluate them again
        ls.worker.request(reread=True)


@server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
@guarded(None)
def progress_cancelled(ls: NixevalServer, params: types.WorkDoneProgressCancelParams) -> None:
    if ls.worker is not None and params.token == ls.progress_token:
        ls.worker.cancelled.set()


# documents --------------------------------------------------------------------------
def _changed(ls: NixevalServer, uri: str) -> None:
    ls.publish(to_fs_path(uri) or uri)  # at once: syntax and the fast checks
    if ls.worker is not None:
        ls.worker.request()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded(None)
def did_open(ls: NixevalServer, params: types.DidOpenTextDocumentParams) -> None:
    _changed(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded(None)
def did_change(ls: NixevalServer, params: types.DidChangeTextDocumentParams) -> None:
    _changed(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded(None)
def did_save(ls: NixevalServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.worker is not None:
        ls.worker.request()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded(None)
def did_close(ls: NixevalServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.publish(to_fs_path(params.text_document.uri) or params.text_document.uri)
    if ls.worker is not None:
        ls.worker.request()  # back to the file on disk


# questions --------------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[".", '"'], resolve_provider=True))
@guarded(types.CompletionList(is_incomplete=False, items=[]))
def complete(ls: NixevalServer, params: types.CompletionParams) -> types.CompletionList:
    path, text = _doc(params.text_document.uri)
    return completion.complete(ls.snapshot, path, text, params.position)


@server.feature(types.COMPLETION_ITEM_RESOLVE)
@guarded(None)
def complete_resolve(ls: NixevalServer, item: types.CompletionItem) -> types.CompletionItem:
    return completion.resolve(ls.snapshot, item)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded(None)
def on_hover(ls: NixevalServer, params: types.HoverParams) -> types.Hover | None:
    path, text = _doc(params.text_document.uri)
    return hover.hover(ls.snapshot, path, text, params.position)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
@guarded([])
def on_definition(ls: NixevalServer, params: types.DefinitionParams) -> list[types.Location]:
    path, text = _doc(params.text_document.uri)
    return navigation.definition(ls.snapshot, path, text, params.position, ls.text_of)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
@guarded([])
def on_references(ls: NixevalServer, params: types.ReferenceParams) -> list[types.Location]:
    path, text = _doc(params.text_document.uri)
    return navigation.references(ls.snapshot, path, text, params.position, ls.text_of,
                                 params.context.include_declaration)


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded([])
def on_symbols(ls: NixevalServer,
               params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    path, text = _doc(params.text_document.uri)
    return navigation.symbols(ls.snapshot, path, text)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
@guarded([])
def on_code_action(ls: NixevalServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    out = []
    for d in params.context.diagnostics:
        data = d.data if isinstance(d.data, dict) else {}
        for a in data.get("actions") or []:
            sl, sc, el, ec = a["range"]
            edit = types.TextEdit(types.Range(types.Position(sl, sc), types.Position(el, ec)),
                                  a["newText"])
            out.append(types.CodeAction(
                a["title"], kind=types.CodeActionKind.QuickFix, diagnostics=[d],
                is_preferred=bool(a.get("preferred")),
                edit=types.WorkspaceEdit(changes={params.text_document.uri: [edit]})))
    return out
