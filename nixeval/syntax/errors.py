"""Parse errors that name the place: file:line:col, the line, and a caret."""

from __future__ import annotations

from .source import Source


class NixSyntaxError(Exception):
    """Any error found while reading Nix source (lexing, parsing, scoping).

    ``message`` is Nix's own wording, e.g. "syntax error, unexpected '}'".
    """

    def __init__(self, message: str, source: Source, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.offset = min(max(offset, 0), len(source.text))

    @property
    def position(self) -> str:
        line, col = self.source.line_col(self.offset)
        return f"{self.source.name}:{line}:{col}"

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """Compiler style: ``file:line:col: error: message`` and a caret line."""
        line, col = self.source.line_col(self.offset)
        out = [f"{self.source.name}:{line}:{col}: error: {self.message}"]
        text = self.source.line_text(line)
        if text is not None:
            out.append(f"  {text}")
            out.append("  " + _caret_pad(text, col) + "^")
        return "\n".join(out)

    def render_nix(self) -> str:
        """The layout Nix itself prints (``error: …`` / ``at file:line:col:`` / context)."""
        return "error: " + self.message + "\n" + nix_context(self.source, self.offset)


def _caret_pad(text: str, col: int) -> str:
    # keep tabs so the caret lines up under the same character in a terminal
    return "".join("\t" if ch == "\t" else " " for ch in text[: col - 1])


def nix_context(source: Source, offset: int) -> str:
    """``       at file:line:col:`` followed by numbered context lines, as Nix prints them."""
    line, col = source.line_col(offset)
    out = [f"       at {source.name}:{line}:{col}:"]
    prev = source.line_text(line - 1) if line > 1 else None
    if prev is not None:
        out.append(f"{line - 1:>13}| {prev}".rstrip())
    cur = source.line_text(line) or ""
    out.append(f"{line:>13}| {cur}".rstrip())
    out.append(" " * 13 + "| " + _caret_pad(cur, col) + "^")
    nxt = source.line_text(line + 1)
    if nxt is not None:
        out.append(f"{line + 1:>13}| {nxt}".rstrip())
    return "\n".join(out)
