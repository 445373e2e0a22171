"""The background evaluation: one thread owns the session, puts the open
buffers in as overlays, lints (which evaluates), and hands back lint's
diagnostics and a new snapshot. Edits are debounced; an evaluation that a
newer edit made stale is not published, and the next one starts at once."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from ..api import ApiError, Session
from . import diagnostics
from .settings import Settings
from .snapshot import Snapshot, take

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 0.3


@dataclass
class Outcome:
    """One evaluation's results: the diagnostics of every file it concerns
    (by path), a message for the window when the system could not be
    evaluated at all, and the snapshot (None: keep the last good one)."""

    generation: int
    diagnostics: dict[str, list[types.Diagnostic]]
    texts: dict[str, str]  # the buffers it evaluated
    message: str | None
    snapshot: Snapshot | None


class Worker:
    def __init__(self, buffers: Callable[[], dict[str, str]],
                 done: Callable[[Outcome], None],
                 progress: Callable[[str, str | None], None]) -> None:
        self._buffers = buffers  # the open buffers' texts, by path (called on this thread)
        self._done = done
        self._progress = progress  # ("begin"|"report"|"end", message)
        self._cond = threading.Condition()
        self._wanted = 0  # generation asked for (each edit or setting change)
        self._last_request = 0.0
        self._settings: Settings | None = None
        self._settings_changed = False
        self._reread = False  # files changed on disk since the last evaluation
        self._stop = False
        self.cancelled = threading.Event()  # the client cancelled the progress
        self._session: Session | None = None
        self._applied: dict[str, str] = {}
        self._thread = threading.Thread(target=self._run, name="nixeval-lsp-worker",
                                        daemon=True)
        self._thread.start()

    @property
    def generation(self) -> int:
        return self._wanted

    def configure(self, settings: Settings) -> None:
        with self._cond:
            self._settings = settings
            self._settings_changed = True
        self.request()

    def request(self, reread: bool = False) -> int:
        """Ask for an evaluation of the current buffers (``reread``: files
        on disk changed too); its generation."""
        with self._cond:
            self._reread = self._reread or reread
            self._wanted += 1
            self._last_request = time.monotonic()
            self._cond.notify()
            return self._wanted

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    def _run(self) -> None:
        done = 0
        while True:
            with self._cond:
                while not self._stop and (self._wanted == done or self._settings is None):
                    self._cond.wait()
                if self._stop:
                    break
                wait = self._last_request + DEBOUNCE_SECONDS - time.monotonic()
                if wait > 0:  # more keys may come: wait for a pause
                    self._cond.wait(wait)
                    continue
                generation = self._wanted
                reopen = self._settings_changed
                reread, self._reread = self._reread, False
                self._settings_changed = False
                settings = self._settings
            try:
                self._done(self._evaluate(generation, settings, reopen, reread))
            except Exception as e:  # a bug of ours must not end the thread: say it
                log.exception("evaluation failed")
                self._done(Outcome(generation, {}, {}, f"nixeval: internal error: "
                                   f"{type(e).__name__}: {e}", None))
            done = generation
        if self._session is not None:
            self._session.close()

    def stale(self, generation: int) -> bool:
        return generation != self._wanted or self.cancelled.is_set()

    def _evaluate(self, generation: int, settings: Settings, reopen: bool,
                  reread: bool) -> Outcome:
        self.cancelled.clear()
        if reopen or self._session is None:
            if self._session is not None:
                self._session.close()
            self._session, self._applied = None, {}
            try:
                self._session = settings.open()
            except ApiError as e:
                return Outcome(generation, {}, {}, f"nixeval: {e}", None)
        session = self._session
        if reread:
            session.invalidate()
        buffers = self._buffers()
        for path in set(self._applied) - set(buffers):
            session.clear_overlay(path)
        for path, text in buffers.items():
            if self._applied.get(path) != text:
                session.set_overlay(path, text)
        self._applied = dict(buffers)
        self._progress("begin", "evaluating the configuration")
        try:
            try:
                findings = session.lint()
            except ApiError as e:  # the system does not evaluate at all
                path, diagnostic = diagnostics.api_error(e, _texts(buffers, e))
                if path is None or (path not in buffers and not os.path.isfile(path)):
                    return Outcome(generation, {}, buffers, f"nixeval: {e}", None)
                return Outcome(generation, {path: [diagnostic]}, buffers, None, None)
            if self.cancelled.is_set():
                return Outcome(generation, {}, buffers, None, None)
            self._progress("report", "reading the option tree")
            try:
                snapshot: Snapshot | None = take(session)
            except ApiError:  # the system evaluates no option tree: keep the last good one
                snapshot = None
            except Exception:  # a value our extraction cannot read: the findings still count
                log.exception("reading the option tree failed")
                snapshot = None
            texts = dict(buffers)
            by_file: dict[str, list[types.Diagnostic]] = {}
            message = None
            for f in findings:
                for p in [f.position.file] if f.position is not None else []:
                    if p not in texts:
                        texts[p] = diagnostics.read_text(p)
                for r in f.related:
                    if r.file not in texts:
                        texts[r.file] = diagnostics.read_text(r.file)
                path, diagnostic = diagnostics.finding(f, texts)
                if path is None or (path not in buffers and not os.path.isfile(path)):
                    message = (message + "\n" if message else "") + f.message
                else:
                    by_file.setdefault(path, []).append(diagnostic)
            return Outcome(generation, by_file, buffers, message, snapshot)
        finally:
            self._progress("end", None)


def _texts(buffers: dict[str, str], e: ApiError) -> dict[str, str]:
    texts = dict(buffers)
    if e.position is not None and e.position.file not in texts:
        texts[e.position.file] = diagnostics.read_text(e.position.file)
    return texts
