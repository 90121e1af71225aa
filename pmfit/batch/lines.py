"""Bytes from a stream into whole lines, at a bounded cost however long a line is.

A line longer than MAX_ROW_BYTES is not kept: its bytes are counted and dropped as
they arrive, and it comes out as `TooLong`, so a reader rejects that one row (with its
line number) and goes on. Joining the pieces once, at the line's end, keeps a long
line linear in its length.
"""

from __future__ import annotations

from typing import NamedTuple

from pmfit.limits import MAX_ROW_BYTES


class TooLong(NamedTuple):
    """A line (or item, or document) over the limit, in place of its bytes."""

    length: int


Line = bytes | TooLong


class LineSplitter:
    """Feed bytes; get back the lines they complete, without their `\\n`."""

    def __init__(self, limit: int = MAX_ROW_BYTES) -> None:
        self.limit = limit
        self.pieces: list[bytes] = []
        self.size = 0
        self.dropped = 0  # > 0 while the line in progress is over the limit

    def feed(self, data: bytes) -> list[Line]:
        parts = data.split(b"\n")
        last = parts.pop()
        lines: list[Line] = list(parts)
        if parts:
            lines[0] = self._finish(parts[0])
            if len(data) > self.limit:
                lines[1:] = [TooLong(len(x)) if len(x) > self.limit else x for x in parts[1:]]
        self._add(last)
        return lines

    def close(self) -> Line | None:
        """The last line, when the input does not end with a newline."""
        if not self.size and not self.dropped:
            return None
        return self._finish(b"")

    def _add(self, piece: bytes) -> None:
        if self.dropped:
            self.dropped += len(piece)
        elif self.size + len(piece) > self.limit:
            self.dropped = self.size + len(piece)
            self.pieces, self.size = [], 0
        elif piece:
            self.pieces.append(piece)
            self.size += len(piece)

    def _finish(self, end: bytes) -> Line:
        self._add(end)
        line: Line
        if self.dropped:
            line = TooLong(self.dropped)
        elif len(self.pieces) == 1:
            line = self.pieces[0]
        else:
            line = b"".join(self.pieces)
        self.pieces, self.size, self.dropped = [], 0, 0
        return line
