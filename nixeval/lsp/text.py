"""Positions: the API counts lines and columns from 1 in characters; LSP
counts from 0, columns in UTF-16 code units."""

from __future__ import annotations

from lsprotocol import types

from ..api.results import Position


def _utf16_len(s: str) -> int:
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


class Lines:
    """A text's line starts, for offset ↔ LSP position conversions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def line(self, n: int) -> str:
        """Line ``n`` (0-based) without its newline ("" past the end)."""
        if n >= len(self.starts):
            return ""
        end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[n]:end]

    def offset(self, pos: types.Position) -> int:
        """The character offset of an LSP position (clamped to the text)."""
        if pos.line >= len(self.starts):
            return len(self.text)
        line = self.line(pos.line)
        col, units = 0, 0
        while col < len(line) and units < pos.character:
            units += 2 if ord(line[col]) > 0xFFFF else 1
            col += 1
        return self.starts[pos.line] + col

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:  # the last line start at or before offset
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return types.Position(lo, _utf16_len(self.text[self.starts[lo]:offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(end))

    def offset_of(self, line: int, column: int) -> int:
        """The offset of the API's 1-based line and character column."""
        if line - 1 >= len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + column - 1,
                   self.starts[line] - 1 if line < len(self.starts) else len(self.text))

    def word_range(self, position: Position) -> types.Range:
        """The range of the name (or dotted key) starting at an API position:
        where definitions and declarations are recorded."""
        start = self.offset_of(position.line or 1, position.column or 1)
        end = start
        while end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "_'-.\""):
            end += 1
        return self.range(start, end)
