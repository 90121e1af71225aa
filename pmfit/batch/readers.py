"""Streaming input: its text (encodings, line ends, binary refused), its lines at a
bounded cost, JSONL chunks, and YAML documents. CSV is read in `pmfit.batch.csv_rows`,
a JSON array in `pmfit.batch.json_array`.

Each reader yields `Block`s of at most a few thousand rows, so memory stays flat
however long the input, and yields early when the input pauses (a pipe that stays
open gets each row's result as it arrives). Whatever is wrong with a row rejects
that row alone, with its line, and the counts add up to the input's rows; only a
CSV header naming an unknown question rejects every row (and counts them). Every
row is read by the same answer-sheet reader as `pmfit score`, within the limits of
`pmfit.limits`.
"""

from __future__ import annotations

import codecs
import re
import select
from collections.abc import Iterator
from typing import Literal, NamedTuple, Protocol

from pmfit.answers import parse_sheet, row_too_long, sheet_from_document
from pmfit.bank.model import Bank
from pmfit.batch.lines import Line, LineSplitter, TooLong
from pmfit.batch.rows import Block, OptionIndex, Rejection
from pmfit.errors import InputError, Problem
from pmfit.fileio import line_col
from pmfit.fileio import refuse_utf32 as refuse_utf32  # the batch CLI checks its input here
from pmfit.limits import MAX_ROW_BYTES


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


InputFormat = Literal["csv", "jsonl", "json", "yaml"]
BLOCK_ROWS = 4096
READ_SIZE = 1 << 20
_EXTENSIONS: dict[str, InputFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def format_of(name: str, head: bytes) -> InputFormat:
    """The format by extension, else by the first bytes."""
    for extension, kind in _EXTENSIONS.items():
        if name.lower().endswith(extension):
            return kind
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    first = text.split(b"\n", 1)[0]
    if text.startswith(b"---") or (b":" in first and b"," not in first and b";" not in first):
        return "yaml"
    return "csv"


#: How long input may pause (seconds) before what has come is scored and written.
PAUSE_SECONDS = 0.05


def ready(stream: object, wait: float = 0.0) -> bool:
    """Whether more input can be read within `wait` seconds (always, for a file)."""
    check = getattr(stream, "ready", None)
    return True if check is None else bool(check(wait))


def fd_ready(fd: int, wait: float = 0.0) -> bool:
    try:
        return bool(select.select([fd], [], [], wait)[0])
    except (OSError, ValueError):
        return True


class _CrLines:
    """Old Mac line ends (CR alone) read as LF."""

    def __init__(self, stream: Readable) -> None:
        self.stream = stream

    def read(self, size: int = -1, /) -> bytes:
        return self.stream.read(size).replace(b"\r", b"\n")

    def ready(self, wait: float = 0.0) -> bool:
        return ready(self.stream, wait)


def text_input(stream: Readable, head: bytes, shown_name: str) -> tuple[Readable, bytes]:
    """`stream` of UTF-8 (already decoded from another encoding, see
    `pmfit.batch.encoding`; `head` its first bytes, not yet read) with LF line ends, and
    its first bytes as such; `stream` itself when it already is. CR-only line ends are
    read as LF; binary input (a NUL byte: /dev/zero, a picture, UTF-16 without its BOM)
    is refused in one line before any row."""
    nul = head.find(b"\x00")
    if nul >= 0:
        line, col = line_col(head, nul)
        raise InputError(
            [
                Problem(
                    shown_name,
                    line,
                    col,
                    "not a text file (a NUL byte): pmfit reads UTF-8, or UTF-16 that starts "
                    "with its byte-order mark (or --encoding)",
                )
            ]
        )
    if b"\r" in head and b"\n" not in head:
        return _CrLines(stream), head.replace(b"\r", b"\n")
    return stream, head


class Chunk(NamedTuple):
    #: The line number of the first line.
    first: int
    lines: list[Line]
    #: Input bytes read so far.
    position: int
    #: The input paused: score what there is now rather than wait for more.
    idle: bool = False


def reads(stream: Readable) -> Iterator[tuple[bytes, bool]]:
    """Blocks read, a leading UTF-8 BOM dropped, each with whether the input then pauses."""
    first = True
    while True:
        data = stream.read(READ_SIZE)
        # A pipe gives at most what it holds: read on while more is there at once, so a
        # fast writer still makes full blocks.
        if data and len(data) < READ_SIZE and ready(stream):
            parts = [data]
            size = len(data)
            while size < READ_SIZE and ready(stream):
                part = stream.read(READ_SIZE - size)
                if not part:
                    break
                parts.append(part)
                size += len(part)
            data = b"".join(parts)
        if first and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        first = False
        yield data, bool(data) and not ready(stream, PAUSE_SECONDS)
        if not data:
            return


def jsonl_chunks(stream: Readable) -> Iterator[Chunk]:
    """Up to BLOCK_ROWS lines at a time, or fewer when the input pauses."""
    splitter = LineSplitter()
    position = 0
    pending: list[Line] = []
    start = 1
    for data, idle in reads(stream):
        position += len(data)
        if not data:
            last = splitter.close()
            if last is not None and (isinstance(last, TooLong) or last.strip()):
                pending.append(last)
            break
        lines = splitter.feed(data)
        while lines:
            room = BLOCK_ROWS - len(pending)
            pending.extend(lines[:room])
            del lines[:room]
            if len(pending) == BLOCK_ROWS:
                yield Chunk(start, pending, position)
                start += len(pending)
                pending = []
        if idle and pending:
            yield Chunk(start, pending, position, idle=True)
            start += len(pending)
            pending = []
    if pending:
        yield Chunk(start, pending, position)


#: In place of a line: the input paused (flush what was read).
PAUSE = None


def physical_lines(stream: Readable) -> Iterator[tuple[int, Line | None, int]]:
    """Numbered lines without their `\\n`, with the bytes read so far; (n, PAUSE, at)
    when the input pauses."""
    splitter = LineSplitter()
    number = 0
    position = 0
    for data, idle in reads(stream):
        position += len(data)
        if not data:
            last = splitter.close()
            if last is not None:
                yield number + 1, last, position
            return
        for line in splitter.feed(data):
            number += 1
            yield number, line, position
        if idle:
            yield number, PAUSE, position


_DOCUMENT_START = re.compile(rb"^---(?:[ \t]|\r?$)")


def yaml_blocks(bank: Bank, stream: Readable, shown_name: str) -> Iterator[Block]:
    """YAML documents separated by `---`, each one answer sheet, read one at a time."""
    index = OptionIndex(bank)
    block = Block()
    document = 0

    def finish(lines: list[bytes], start: int, too_long: bool) -> None:
        nonlocal document
        data = b"\n".join(lines)
        if not too_long and (not data.strip() or data.strip() in (b"---", b"...")):
            return
        document += 1
        try:
            if too_long:
                raise InputError([row_too_long(shown_name, 1)])
            doc = parse_sheet(data, shown_name, "yaml", marks=True)
            if doc.value is None:  # comments only
                document -= 1
                return
            sheet = sheet_from_document(bank, doc)
        except InputError as error:
            block.rejections.append(
                Rejection.of(error, shown_name, start, row=document, unit="document")
            )
            return
        block.codes.append(index.codes(sheet.answers))
        block.respondents.append(sheet.respondent)

    lines: list[bytes] = []
    size, too_long = 0, False
    start = 1
    for number, raw, position in physical_lines(stream):
        if raw is PAUSE:
            if len(block) or block.rejections:
                yield block
                block = Block()
            continue
        block.position = position
        if isinstance(raw, bytes) and _DOCUMENT_START.match(raw) and (lines or too_long):
            finish(lines, start, too_long)
            lines, size, too_long, start = [], 0, False, number
        if isinstance(raw, TooLong) or size + len(raw) > MAX_ROW_BYTES:
            lines, too_long = [], True
        elif not too_long:
            lines.append(raw)
            size += len(raw) + 1
        if len(block) + len(block.rejections) >= BLOCK_ROWS:
            yield block
            block = Block(position=block.position)
    finish(lines, start, too_long)
    yield block
