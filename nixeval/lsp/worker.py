"""The background evaluation: one thread sends the open buffers to the
evaluator process (evaluator.py, which owns the session: overlays, lint,
the snapshot) and turns what comes back into diagnostics and a new
snapshot. Edits are debounced; an evaluation that a newer edit made stale
is not published, and the next one starts at once."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from lsprotocol import types

from ..api import ApiError
from . import diagnostics, evaluator
from .settings import Settings
from .snapshot import Snapshot

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
        self._progress = progress  # ("begin"|"end", message)
        self._cond = threading.Condition()
        self._wanted = 0  # generation asked for (each edit or setting change)
        self._last_request = 0.0
        self._settings: Settings | None = None
        self._settings_changed = False
        self._reread = False  # files changed on disk since the last evaluation
        self._stop = False
        self.cancelled = threading.Event()  # the client cancelled the progress
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
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
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)  # the evaluator ends
        if self._process is not None:
            self._process.join(5)
            if self._process.is_alive():
                self._process.terminate()

    def _evaluate(self, generation: int, settings: Settings, reopen: bool,
                  reread: bool) -> Outcome:
        self.cancelled.clear()
        buffers = self._buffers()
        self._progress("begin", "evaluating the configuration")
        try:
            result = self._ask(evaluator.Job(settings, reopen, reread, buffers))
        finally:
            self._progress("end", None)
        if result.findings is None:  # the system could not be opened or evaluated at all
            e = ApiError(result.error or "the evaluation failed", result.error_position)
            path, diagnostic = diagnostics.api_error(e, _texts(buffers, e))
            if path is None or (path not in buffers and not os.path.isfile(path)):
                return Outcome(generation, {}, buffers, f"nixeval: {e}", None)
            return Outcome(generation, {path: [diagnostic]}, buffers, None, None)
        if self.cancelled.is_set():
            return Outcome(generation, {}, buffers, None, None)
        texts = dict(buffers)
        by_file: dict[str, list[types.Diagnostic]] = {}
        message = None
        for f in result.findings:
            for p in [*([f.position.file] if f.position is not None else []),
                      *(r.file for r in f.related)]:
                if p not in texts:
                    texts[p] = diagnostics.read_text(p)
            path, diagnostic = diagnostics.finding(f, texts)
            if path is None or (path not in buffers and not os.path.isfile(path)):
                message = (message + "\n" if message else "") + f.message
            else:
                by_file.setdefault(path, []).append(diagnostic)
        return Outcome(generation, by_file, buffers, message, result.snapshot)

    def _ask(self, job: evaluator.Job) -> evaluator.Result:
        """The evaluator process's answer to ``job`` (started, or started
        again after it died, with the job's session opened anew)."""
        if self._process is None or not self._process.is_alive():
            if self._process is not None:
                job.reopen = True  # a new process has no session yet
                log.warning("the evaluator process ended (status %s): starting it again",
                            self._process.exitcode)
            self._process, self._conn = evaluator.start()
        assert self._conn is not None
        try:
            self._conn.send(job)
            data = self._conn.recv_bytes()
            gc.disable()  # unpickling makes many objects and no garbage: nothing to scan
            try:
                result: evaluator.Result = pickle.loads(data)
            finally:
                gc.enable()
            return result
        except (EOFError, OSError):
            code = self._process.exitcode if self._process is not None else None
            self._process = None
            return evaluator.Result(None, "the evaluation ended abruptly (exit status "
                                    f"{code}): out of memory?", None, None)


def _texts(buffers: dict[str, str], e: ApiError) -> dict[str, str]:
    texts = dict(buffers)
    if e.position is not None and e.position.file not in texts:
        texts[e.position.file] = diagnostics.read_text(e.position.file)
    return texts
