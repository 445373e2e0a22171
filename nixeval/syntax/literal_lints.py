"""Nix's optional lints on literals (``--lint-absolute-path-literals``,
``--lint-short-path-literals``, ``--lint-url-literals``), each ``ignore``,
``warn`` or ``fatal``.

They look at tokens, not the tree (a URL literal is an ordinary string once
parsed), so they run as a separate pass only when one is switched on.
"""

from __future__ import annotations

from collections.abc import Iterator

from .errors import NixSyntaxError
from .lexer import tokenize
from .source import Source

LEVELS = ("ignore", "warn", "fatal")


def literal_findings(source: Source, absolute: str = "ignore", short: str = "ignore",
                     url: str = "ignore") -> Iterator[tuple[str, str, NixSyntaxError]]:
    """(lint, level, finding) for each literal a switched-on lint objects to; ``lint`` is
    the option's middle part ("absolute-path", "short-path", "url")."""
    if absolute == short == url == "ignore":
        return
    tokens, _ = tokenize(source, pipe_operators=True)  # the file has parsed already
    for tok in tokens:
        if tok.type == "PATH":
            text = tok.value
            if text.startswith("/") and absolute != "ignore":
                yield "absolute-path", absolute, NixSyntaxError(
                    f"absolute path literals are not portable. Consider replacing path "
                    f"literal '{text}' by a string, relative path, or parameter",
                    source, tok.start_pos)
            elif not text.startswith((".", "/")) and short != "ignore":
                yield "short-path", short, NixSyntaxError(
                    f"relative path literal '{text}' should be prefixed with '.' for "
                    f"clarity: './{text}'", source, tok.start_pos)
        elif tok.type == "HPATH" and absolute != "ignore":
            yield "absolute-path", absolute, NixSyntaxError(
                f"home path literals are not portable. Consider replacing path literal "
                f"'{tok.value}' by a string, relative path, or parameter", source, tok.start_pos)
        elif tok.type == "URI" and url != "ignore":
            how = "disallowed" if url == "fatal" else "discouraged"
            yield "url", url, NixSyntaxError(
                f"URL literals are {how}. Consider using a string literal \"{tok.value}\" "
                f"instead", source, tok.start_pos)
