"""JSON cut into items on the bytes, at a bounded cost: a JSON array of answer sheets (or
one sheet) for `pmfit batch`, and any sequence of JSON values for `pmfit report` (JSONL,
an array on one line or many, pretty-printed documents one after another, or a mix).

Items are cut with strings and nesting followed and nothing parsed, and each item is
then read by its own decoder, so whatever is wrong inside an item (bad UTF-8, a lone
surrogate, deep nesting, a duplicate key) rejects that item only. Two rules keep one
broken item from taking the rest with it: a JSON string never spans lines (JSON has
no raw line breaks in strings), and a line that starts with `{` in its first column
starts a new value (pretty-printers indent everything nested; JSONL starts each line
so), which ends an item left open before it.

Two common layouts are cut without following tokens, each cut checked by decoding the
item as one JSON value (so it is the cut the token scan would make): lines that are
each one item (JSONL, an array written one item a line), taken in bulk; and an object
pretty-printed, which ends at the first line holding only its `}` at its own
indentation. Only what is neither is scanned token by token.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from pmfit.batch.lines import Line, TooLong
from pmfit.batch.readers import BLOCK_ROWS, READ_SIZE, Readable, reads
from pmfit.batch.rows import Rejection
from pmfit.limits import MAX_ROW_BYTES

#: A JSON string on one line (possessive: a string never closed costs one pass), a
#: character that opens, closes or separates, a lone `"` (a string not closed in the text
#: read so far, or on its line), or a line break before a `{` in the first column.
_TOKEN = re.compile(rb'"(?:[^"\\\n]++|\\[^\n])*+"|[\[\]{},"]|\n(?=\{)')
_SPACE = re.compile(rb"[ \t\r\n]*")
#: Whether some bytes are exactly one JSON value (a scan, nothing built).
ONE_VALUE = msgspec.json.Decoder(msgspec.Raw).decode


@dataclass
class Items:
    """Items cut from the input, in order, with where each starts."""

    items: list[Line] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    #: Each item's number in its array; None for a value at the top level (a document).
    ordinals: list[int | None] = field(default_factory=list)
    #: Each item as `check` decoded it, when it was (None when it was cut otherwise).
    values: list[Any] = field(default_factory=list)
    #: Breaks in the structure itself (an array never closed, text after it).
    broken: list[Rejection] = field(default_factory=list)
    #: Input bytes consumed up to the end of these items (for a progress bar).
    position: int = 0

    def __len__(self) -> int:
        return len(self.items)


class _End:
    """How a scanned item ended."""

    COMMA, CLOSE, VALUE, RESYNC, EOF, TOO_LONG = range(6)


class JsonItems:
    """Cut `stream` into items.

    `sequence=False` (answers): one JSON array, or one value read whole as a single
    item; text after the array breaks the file. `sequence=True` (results): any number of
    values, each a document, or an array whose elements are items; an item over
    MAX_ROW_BYTES is rejected alone and reading goes on at the next line that starts a
    value. `what` names an item in messages ("an answer sheet", "a result").
    """

    def __init__(
        self,
        stream: Readable,
        shown_name: str,
        *,
        sequence: bool,
        what: str,
        check: Callable[[bytes], Any] = ONE_VALUE,
    ) -> None:
        #: Decodes exactly one JSON value or raises: what tells a line that is an item
        #: of its own. The reader's own decoder may be given, whose values then come
        #: with the items (one decoding instead of two).
        self.check = check
        #: What `check` made of the item `scan` has just found, for `add`.
        self.decoded: Any = None
        self.blocks = reads(stream)
        self.shown = shown_name
        self.sequence = sequence
        self.what = what
        self.buf = b""
        self.mark_at, self.mark_line = 0, 1  # a place in buf and its line
        self.line_start = 0  # where the line of mark_at starts in buf
        # The next line break known in buf, and how far buf is known to have none.
        self.newline_at, self.searched = -1, 0
        self.consumed = 0
        self.eof = False
        self.idle = False
        self.out = Items()

    # -- the buffer -----------------------------------------------------------------

    def more(self) -> bool:
        if self.eof:
            return False
        data, self.idle = next(self.blocks)
        self.consumed += len(data)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def line_at(self, at: int) -> int:
        """The line of `at` (counting moves forward only, so each byte is counted once)."""
        if at > self.mark_at:
            breaks = self.buf.count(b"\n", self.mark_at, at)
            if breaks:
                self.mark_line += breaks
                self.line_start = self.buf.rfind(b"\n", self.mark_at, at) + 1
            self.mark_at = at
        return self.mark_line

    def newline(self, begin: int) -> int:
        """The first line break at or after `begin` in what has been read, or -1."""
        if self.newline_at < begin:
            found = self.buf.find(b"\n", max(begin, self.searched))
            self.newline_at = found
            self.searched = len(self.buf) if found < 0 else found
        return self.newline_at

    def cut(self, at: int) -> None:
        """Forget buf before `at` (it has been read)."""
        self.line_at(at)
        self.buf = self.buf[at:]
        self.mark_at -= at
        self.line_start -= at
        self.newline_at -= at
        self.searched = max(self.searched - at, 0)

    def skip_space(self, pos: int) -> int:
        """The first non-blank place at or after `pos`, reading on; len(buf) at the end."""
        while True:
            pos = _SPACE.match(self.buf, pos).end()  # type: ignore[union-attr]
            if pos < len(self.buf) or not self.more():
                return pos

    # -- items ----------------------------------------------------------------------

    def emit(self, begin: int, end: int, ordinal: int | None) -> None:
        item = self.buf[begin:end].lstrip()
        at = end - len(item)
        if self.sequence and len(item) > MAX_ROW_BYTES:  # ended just past the limit
            self.add(TooLong(len(item)), at, ordinal)
        else:
            self.add(item, at, ordinal)

    def add(self, item: Line, at: int, ordinal: int | None) -> None:
        out = self.out
        out.items.append(item)
        out.lines.append(self.line_at(at))
        out.cols.append(at - self.line_start + 1)
        out.ordinals.append(ordinal)
        out.values.append(self.decoded)
        self.decoded = None

    def take(self) -> Items:
        out, self.out = self.out, Items()
        out.position = self.consumed
        return out

    def due(self) -> bool:
        """Whether the items cut so far should go out now: a full block, or the input
        paused (score what has come before waiting for more)."""
        return len(self.out) >= BLOCK_ROWS or (self.idle and len(self.out) > 0)

    def break_at(self, at: int, reason: str, rows: int = 0, row: int | None = None) -> None:
        """A break in the structure, standing for `rows` input rows (none: it loses none)."""
        unit = "item" if row is not None else "row"
        self.out.broken.append(
            Rejection(self.shown, self.line_at(at), reason, row=row, unit=unit, rows=rows)
        )

    # -- the scan -------------------------------------------------------------------

    def __iter__(self) -> Iterator[Items]:
        pos = self.skip_space(0)
        if not self.sequence and pos < len(self.buf):
            first = self.buf[pos : pos + 1]
            if first == b"{":  # one answer sheet, not an array: the whole file
                while len(self.buf) <= MAX_ROW_BYTES and self.more():
                    pass
                one: Line = (
                    self.buf[pos:] if len(self.buf) <= MAX_ROW_BYTES else TooLong(len(self.buf))
                )
                self.add(one, pos, None)
                yield self.take()
                return
            if first != b"[":
                self.break_at(
                    pos,
                    "expected a JSON array of answer sheets (or one sheet); the file is not read",
                    rows=1,
                )
                yield self.take()
                return
        while pos < len(self.buf):
            if self.buf[pos : pos + 1] == b"[":
                pos = yield from self.array(pos + 1)
                if pos < 0:
                    break
                if not self.sequence:
                    pos = self.skip_space(pos)
                    if pos < len(self.buf):
                        self.break_at(pos, "text after the end of the array (one array per file)")
                    break
            else:
                if pos > READ_SIZE:
                    self.cut(pos)
                    pos = 0
                taken, after = self.whole_lines(pos, 0, in_array=False)
                pos = after if taken else (yield from self.value(pos, None))
                if self.due():
                    yield self.take()
            pos = self.skip_space(pos)
        yield self.take()

    def array(self, start: int) -> Generator[Items, None, int]:
        """The items of an array opened just before `start`; where reading goes on after
        its `]`, or -1 when the file ends or breaks first. Generator returns the place."""
        ordinal = 0
        while True:
            if start > READ_SIZE:
                self.cut(start)
                start = 0
            begin = self.skip_space(start)
            if begin >= len(self.buf):
                self.break_at(begin, "the array is not closed (no `]` before the end of the file)")
                return -1
            taken, after = self.whole_lines(begin, ordinal, in_array=True)
            if taken:
                ordinal += taken
                start = after
                if self.due():
                    yield self.take()
                continue
            end, after, how = yield from self.scan(begin, in_array=True)
            if how == _End.CLOSE and not ordinal and not self.buf[begin:end].strip():
                return after  # []
            ordinal += 1
            if how == _End.TOO_LONG:
                if not self.too_long(begin, ordinal, after):
                    return -1
                start = self.resync(begin)
                continue
            self.emit(begin, end, ordinal)
            if self.due():
                yield self.take()
            if how == _End.CLOSE:
                return after
            if how == _End.EOF:
                self.break_at(
                    len(self.buf), "the array is not closed (no `]` before the end of the file)"
                )
                return -1
            start = after

    def whole_lines(self, begin: int, ordinal: int, *, in_array: bool) -> tuple[int, int]:
        """The common case in bulk: the lines from `begin` that are each one item (JSONL;
        an array written one item a line, each but its last ending in a comma), as many
        as the block has room for. How many were taken (0: the item at `begin` is not a
        line of its own) and where reading goes on. Each is checked to be one JSON value
        (in an array, followed by its comma), so the cut is the one `scan` would make.
        Lines are looked at in windows growing from a few, so text that is not one item
        a line costs a few lines' look each time, not a block's."""
        total, window = 0, 1
        while True:
            room = min(window, BLOCK_ROWS - len(self.out))
            if room <= 0:
                break
            taken, after = self._whole_lines(begin, ordinal + total, room, in_array)
            total += taken
            begin = after
            if taken < room:
                break
            window *= 4
        return total, begin

    def _whole_lines(self, begin: int, ordinal: int, room: int, in_array: bool) -> tuple[int, int]:
        buf = self.buf
        last = begin - 1
        for _ in range(room):
            found = buf.find(b"\n", last + 1)
            if found < 0:
                break
            last = found
        if last < begin:
            return 0, begin
        lines = buf[begin:last].split(b"\n")
        if in_array:
            items = [line.rstrip() for line in lines]
            ok = [item.endswith(b",") for item in items]
            if not all(ok):
                del lines[ok.index(False) :]
            items = [item[:-1] for item in items[: len(lines)]]
        else:
            items = lines
            # Not a line that opens an array, nor one that cannot be a whole object (the
            # first line of a pretty-printed one).
            ok = [line.startswith(b"{") and line.rstrip().endswith(b"}") for line in lines]
            if not all(ok):
                del lines[ok.index(False) :]
        check = self.check
        try:
            values = list(map(check, items[: len(lines)]))
        except (msgspec.DecodeError, ValueError, RecursionError):
            values = []
            for item in items:
                try:
                    values.append(check(item))
                except (msgspec.DecodeError, ValueError, RecursionError):
                    break
            del lines[len(values) :]
        taken = len(lines)
        if not taken:
            return 0, begin
        after = begin + sum(map(len, lines)) + taken
        out = self.out
        first_line = self.line_at(begin)
        first_col = begin - self.line_start + 1
        # Counted here, not again: `after` starts the line after the last one taken.
        self.mark_at, self.mark_line, self.line_start = after, first_line + taken, after
        out.items.extend(items[:taken])
        out.values.extend(values)
        out.lines.extend(range(first_line, first_line + taken))
        out.cols.append(first_col)
        out.cols.extend(itertools.repeat(1, taken - 1))
        if in_array:
            out.ordinals.extend(range(ordinal + 1, ordinal + taken + 1))
        else:
            out.ordinals.extend(itertools.repeat(None, taken))
        return taken, after

    def value(self, begin: int, ordinal: int | None) -> Generator[Items, None, int]:
        """One value at the top level, from `begin`; where reading goes on after it."""
        if begin > READ_SIZE:
            self.cut(begin)
            begin = 0
        if self.buf[begin : begin + 1] != b"{":
            # Not a value that could be a result: the rest of its line is one bad item.
            end = self.newline(begin)
            while end < 0 and len(self.buf) - begin <= MAX_ROW_BYTES and self.more():
                end = self.newline(begin)
            if end < 0 and len(self.buf) - begin > MAX_ROW_BYTES:
                self.too_long(begin, ordinal, 0)
                return self.resync(begin)
            end = len(self.buf) if end < 0 else end
            self.emit(begin, end, ordinal)
        else:
            end, after, how = yield from self.scan(begin, in_array=False)
            if how == _End.TOO_LONG:
                self.too_long(begin, ordinal, after)
                return self.resync(begin)
            self.emit(begin, end, ordinal)
            end = after
        if self.due():
            yield self.take()
        return end

    def too_long(self, begin: int, ordinal: int | None, length: int) -> bool:
        """An item over the limit: rejected alone in a sequence (True: read on), else the
        end of the file."""
        if self.sequence:
            self.add(TooLong(length), begin, ordinal)
            return True
        self.break_at(
            begin,
            f"item longer than {MAX_ROW_BYTES:,} bytes ({self.what} is at most that); "
            "the rest of the file is not read",
            rows=1,
            row=ordinal or 1,
        )
        return False

    def resync(self, begin: int) -> int:
        """Past an item over the limit that starts at `begin`: drop bytes up to the next
        line that starts a value (at most a block held at once); the place of its `{`, or
        len(buf) at the end."""
        at = begin + 1
        while True:
            found = self.buf.find(b"\n{", at)
            if found >= 0:
                return found + 1
            at = len(self.buf) - 1 if self.buf.endswith(b"\n") else len(self.buf)
            self.cut(at)
            at = 0
            if not self.more():
                return len(self.buf)

    def one_value(self, item: bytes) -> bool:
        """Whether `item` is exactly one JSON value; what `check` made of it is kept."""
        self.decoded = None
        try:
            self.decoded = self.check(item)
        except (msgspec.DecodeError, ValueError, RecursionError):
            try:  # a value `check` refuses (a bad result) is still an item
                ONE_VALUE(item)
            except (msgspec.DecodeError, RecursionError):
                return False
        return True

    def indented(
        self, begin: int, in_array: bool
    ) -> Generator[Items, None, tuple[int, int, int] | None]:
        """The next common case: an object pretty-printed (`pmfit score --json`, `jq .`),
        which closes on the first line holding only its `}` at its own indentation. Where
        it ends, as `scan` says, or None when it is not so (it is checked to be one JSON
        value, and in an array to be followed by `,` or `]`)."""
        self.line_at(begin)
        closer = b"\n" + b" " * (begin - self.line_start) + b"}"
        found = self.buf.find(closer, begin)
        while found < 0 and len(self.buf) - begin <= MAX_ROW_BYTES and not self.eof:
            if self.idle and len(self.out):
                yield self.take()
            searched = max(begin, len(self.buf) - len(closer))
            if not self.more():
                break
            found = self.buf.find(closer, searched)
        end = found + len(closer)
        if found < 0 or end - begin > MAX_ROW_BYTES or not self.one_value(self.buf[begin:end]):
            return None
        if not in_array:
            return end, end, _End.VALUE
        after = self.skip_space(end)
        separator = self.buf[after : after + 1]
        if separator == b",":
            return end, after + 1, _End.COMMA
        if separator == b"]":
            return end, after + 1, _End.CLOSE
        return None

    def scan(self, begin: int, *, in_array: bool) -> Generator[Items, None, tuple[int, int, int]]:
        """Where the item starting at `begin` (not blank) ends: (end, where reading goes
        on, how). In an array an item ends at a `,` or `]` outside it; at the top level, a
        value ends where its braces close."""
        # The common case first: the item is its line (JSONL, an array one item a line),
        # read to its end before any token is scanned.
        newline = self.newline(begin)
        while newline < 0 and len(self.buf) - begin <= MAX_ROW_BYTES and not self.eof:
            if self.idle and len(self.out):  # the input paused: let what came go first
                yield self.take()
            if not self.more():
                break
            newline = self.newline(begin)
        if newline >= 0 and newline - begin <= MAX_ROW_BYTES:
            line = self.buf[begin:newline].rstrip()
            comma = in_array and line.endswith(b",")
            if comma:
                line = line[:-1].rstrip()
            whole = line[:1] != b"{" or line.endswith(b"}")  # not an object's first line
            if (comma or not in_array) and whole and self.one_value(line):
                return begin + len(line), newline + 1, _End.COMMA if comma else _End.VALUE
        # Pretty-printers put an object's `{` on a line of its own; any other line that is
        # not a whole item (a JSONL line cut short) is not looked for an indented end.
        if newline >= 0 and self.buf[begin:newline].rstrip() == b"{":
            ended = yield from self.indented(begin, in_array)
            if ended is not None:
                return ended
        self.decoded = None
        scan = begin
        depth = 0
        while True:
            buf_len = len(self.buf)
            if scan - begin > MAX_ROW_BYTES or buf_len - begin > MAX_ROW_BYTES + READ_SIZE:
                return begin, buf_len - begin, _End.TOO_LONG
            match = _TOKEN.search(self.buf, scan)
            if match is None or (match.group() == b'"' and self.buf.find(b"\n", match.end()) < 0):
                # The text read so far ends inside this item (or inside a string of it).
                if self.idle and len(self.out):  # the input paused: let what came go first
                    yield self.take()
                if self.more():
                    continue
                return buf_len, buf_len, _End.EOF
            token = match.group()
            scan = match.end()
            if token == b'"':  # a string not closed on its line: the item is broken
                continue
            first = token[0]
            if first == 0x22:  # a whole string
                continue
            if first == 0x0A:  # a line that starts a value: this item ends here
                return match.start(), scan, _End.RESYNC
            if token in (b"[", b"{"):
                depth += 1
            elif token in (b"]", b"}"):
                if depth == 0:
                    if in_array and token == b"]":
                        return match.start(), scan, _End.CLOSE
                    continue
                depth -= 1
                if depth == 0 and not in_array:
                    return scan, scan, _End.VALUE
            elif token == b"," and depth == 0 and in_array:
                return match.start(), scan, _End.COMMA
