"""The evaluation, in a process of its own: the session lives here, so the
server's process never waits for it. Evaluating holds Python's interpreter
lock for seconds at a time and collecting a dropped evaluation's cycles
pauses a whole process (seconds on a real tree); in the server's process
either would stall completion and hover behind it.

The server sends jobs over a pipe and gets back plain data: lint's findings
(or the failure that stopped the evaluation) and the new snapshot."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ..api import ApiError, Finding, Position
from .settings import Settings
from .snapshot import Snapshot, take

log = logging.getLogger(__name__)
# no job for this long after an answer: the editor is idle (collect then)
IDLE_SECONDS = 1.0


@dataclass
class Job:
    settings: Settings
    reopen: bool  # the settings changed: a new session
    reread: bool  # files on disk changed: the session checks what it read
    buffers: dict[str, str]  # the open buffers, by path


@dataclass
class Result:
    findings: list[Finding] | None  # None: the evaluation failed as a whole (``error``)
    error: str | None
    error_position: Position | None
    snapshot: Snapshot | None  # None: keep the last good one
    opened: bool = True  # False: the system named could not be opened


def start() -> tuple[multiprocessing.process.BaseProcess, Connection]:
    """The evaluator process (spawned: the server's threads are not forked)
    and the server's end of its pipe."""
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    process = context.Process(target=_serve, args=(there,), name="nixeval-lsp-evaluator",
                              daemon=True)
    process.start()
    there.close()
    return process, here


def _serve(conn: Connection) -> None:
    import gc

    from .. import modules

    # as the command line runs: the cycle collector would rescan millions of
    # live objects; the session collects a dropped evaluation's cycles itself
    gc.disable()
    # background work: where the server and the evaluation both want the CPU,
    # the server's answers (completion, hover) come first
    with contextlib.suppress(OSError):
        os.nice(10)
    logging.basicConfig(level=logging.WARNING,
                        format="nixeval lsp evaluator: %(levelname)s %(message)s")
    modules.register()
    state = _State()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            result = state.run(job)
            data = pickle.dumps(result)
        except Exception as e:  # a bug of ours: said, and the next job is served
            log.exception("evaluation failed")
            data = pickle.dumps(Result(None, f"internal error: {type(e).__name__}: {e}",
                                       None, None))
        try:
            conn.send_bytes(data)
            idle = not conn.poll(IDLE_SECONDS)
        except (EOFError, OSError):  # the server went away
            return
        if idle and state.session is not None:
            # the editor is idle: free what the dropped evaluations left now,
            # rather than in the middle of a later edit's evaluation
            state.session.collect()


class _State:
    def __init__(self) -> None:
        self.session: Any = None
        self.applied: dict[str, str] = {}

    def run(self, job: Job) -> Result:
        if job.reopen or self.session is None:
            if self.session is not None:
                self.session.close()
            self.session, self.applied = None, {}
            try:
                self.session = job.settings.open()
            except ApiError as e:
                return Result(None, str(e), None, None, opened=False)
        session = self.session
        if job.reread:
            session.refresh()  # what changed on disk, as the evaluation read it
        for path in set(self.applied) - set(job.buffers):
            session.clear_overlay(path)
        for path, text in job.buffers.items():
            if self.applied.get(path) != text:
                session.set_overlay(path, text)
        self.applied = dict(job.buffers)
        try:
            findings = session.lint()
        except ApiError as e:  # the system does not evaluate at all
            return Result(None, e.message, e.position, None)
        try:
            snapshot: Snapshot | None = take(session)
        except ApiError:  # no option tree to read: the last good one stays
            snapshot = None
        except Exception:  # a value the extraction cannot read: the findings still count
            log.exception("reading the option tree failed")
            snapshot = None
        return Result(findings, None, None, snapshot)
