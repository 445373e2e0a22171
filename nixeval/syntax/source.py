"""Source text and positions.

Nodes store character offsets only; line and column are computed on demand
from a per-source line table, so building an AST never pays for positions
nobody asks about.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .records import record

_LINE_BREAK = re.compile(r"\r\n?|\n")


@record
class Span:
    """Where a piece of syntax lies: 1-based lines and columns (characters),
    0-based byte offsets into the UTF-8 file."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start_byte: int
    end_byte: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Source:
    """One parsed text: its display name (a path, «stdin» or «string») and contents."""

    __slots__ = ("_byte_offsets", "_line_starts", "name", "text")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._line_starts: list[int] | None = None
        self._byte_offsets: list[int] | None = None

    def __repr__(self) -> str:
        return f"Source({self.name!r})"

    def _lines(self) -> list[int]:
        if self._line_starts is None:
            # as Nix counts lines: LF, CRLF, or a lone CR ends one
            if "\r" in self.text:
                self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
            else:
                starts = [0]
                find = self.text.find
                i = find("\n")
                while i >= 0:
                    starts.append(i + 1)
                    i = find("\n", i + 1)
                self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        starts = self._lines()
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int | None:
        """The character offset of a 1-based line and column (the inverse of
        ``line_col``); a column past the line's end is its end; None past
        the last line."""
        starts = self._lines()
        if not 1 <= line <= len(starts) or column < 1:
            return None
        text = self.line_text(line) or ""
        return starts[line - 1] + min(column - 1, len(text))

    def byte_offset(self, offset: int) -> int:
        if self.text.isascii():
            return offset
        if self._byte_offsets is None:
            table, total = [0], 0
            for ch in self.text:
                total += len(ch.encode("utf-8", "surrogateescape"))
                table.append(total)
            self._byte_offsets = table
        return self._byte_offsets[offset]

    def span(self, start: int, end: int) -> Span:
        line, col = self.line_col(start)
        end_line, end_col = self.line_col(end)
        return Span(self.name, line, col, end_line, end_col,
                    self.byte_offset(start), self.byte_offset(end))

    def line_text(self, line: int) -> str | None:
        """The text of a 1-based line without its newline, or None past the end."""
        starts = self._lines()
        if not 1 <= line <= len(starts):
            return None
        begin = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[begin:end].rstrip("\r\n")
