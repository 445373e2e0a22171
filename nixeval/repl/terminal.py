"""The repl's two ways of reading input: at a terminal, prompt_toolkit (line
editing, history kept in the user's data directory, tab completion of
attribute paths and option names, Nix highlighted by Pygments' lexer); off a
terminal (``echo 'config.networking.hostName' | nixeval repl``), plain lines,
no prompt, the values alone on standard output."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .session import Outcome, ReplSession

if TYPE_CHECKING:
    from prompt_toolkit.completion import CompleteEvent, Completion
    from prompt_toolkit.document import Document

PROMPT = "nixeval> "


def history_file() -> str | None:
    """``repl-history`` in the user's data directory (e.g.
    ``~/.local/share/nixeval``); None when it cannot be written."""
    import platformdirs

    directory = platformdirs.user_data_dir("nixeval")
    path = os.path.join(directory, "repl-history")
    try:
        os.makedirs(directory, exist_ok=True)
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError:
        return None
    return path


def run_terminal(session: ReplSession) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory, History, InMemoryHistory
    from prompt_toolkit.lexers import PygmentsLexer
    from pygments.lexers.nix import NixLexer

    class ReplCompleter(Completer):
        def get_completions(self, document: Document,
                            complete_event: CompleteEvent) -> Iterator[Completion]:
            replaced, candidates = session.complete(document.text_before_cursor)
            for candidate in candidates:
                yield Completion(candidate, start_position=-replaced)

    path = history_file()
    if path is None:
        session.note("note: the history is not kept: the data directory is not writable\n")
    history: History = FileHistory(path) if path else InMemoryHistory()
    prompt: PromptSession[str] = PromptSession(
        history=history, lexer=PygmentsLexer(NixLexer), completer=ReplCompleter(),
        complete_while_typing=False)
    while True:
        try:
            line = prompt.prompt(" " * len(PROMPT) if session.pending else PROMPT)
        except KeyboardInterrupt:  # Ctrl-C at the prompt drops what was typed
            session.pending = ""
            continue
        except EOFError:  # Ctrl-D
            session.out.write("\n")
            return 0
        if session.feed(line) is Outcome.QUIT:
            return 0


def run_lines(session: ReplSession, lines: Iterable[str]) -> int:
    """Input off a terminal: status 1 when any input failed, so a script sees it."""
    for line in lines:
        if session.feed(line.rstrip("\n")) is Outcome.QUIT:
            break
    else:
        session.finish()
    return 1 if session.failures else 0
