"""Streaming readers for CSV, JSONL, a JSON array and YAML documents.

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
import csv
import re
import select
from collections import deque
from collections.abc import Iterator
from typing import Literal, NamedTuple, Protocol

from pmfit.answers import answer_problems, parse_sheet, row_too_long, sheet_from_document
from pmfit.bank.model import Bank
from pmfit.batch.lines import Line, LineSplitter, TooLong
from pmfit.batch.rows import Block, OptionIndex, Rejection
from pmfit.errors import InputError, Problem
from pmfit.fileio import UTF16_BOMS, UTF32_BOMS
from pmfit.limits import MAX_CELL_LINES, MAX_FIELD_CHARS, MAX_ROW_BYTES, shown


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


InputFormat = Literal["csv", "jsonl", "json", "yaml"]
FORMATS: tuple[InputFormat, ...] = ("csv", "jsonl", "json", "yaml")
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


class _Utf16:
    """UTF-16 (its BOM read) as UTF-8 bytes; a byte that does not decode becomes one that
    is not UTF-8 either, so the row holding it is rejected as not valid."""

    def __init__(self, stream: Readable) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-16")("surrogatepass")

    def read(self, size: int = -1, /) -> bytes:
        while True:
            data = self.stream.read(size)
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                return b"\xff"
            if text or not data:
                return text.encode("utf-8", "surrogatepass")

    def ready(self, wait: float = 0.0) -> bool:
        return ready(self.stream, wait)


class _CrLines:
    """Old Mac line ends (CR alone) read as LF."""

    def __init__(self, stream: Readable) -> None:
        self.stream = stream

    def read(self, size: int = -1, /) -> bytes:
        return self.stream.read(size).replace(b"\r", b"\n")

    def ready(self, wait: float = 0.0) -> bool:
        return ready(self.stream, wait)


def text_input(stream: Readable, head: bytes, shown_name: str) -> tuple[Readable, bytes]:
    """`stream` (whose first bytes are `head`, not yet read) as UTF-8 with LF line ends,
    and its first bytes as such; `stream` itself when it already is. UTF-16 with a BOM is
    decoded, CR-only line ends read as LF; binary input (a NUL byte: /dev/zero, a
    picture, UTF-16 without its BOM) and UTF-32 are refused in one line before any row."""
    if head.startswith(UTF32_BOMS):
        raise InputError([Problem(shown_name, 1, 1, "UTF-32 text: save it as UTF-8")])
    if head.startswith(UTF16_BOMS):
        return _Utf16(stream), head.decode("utf-16", "ignore").encode("utf-8", "replace")
    nul = head.find(b"\x00")
    if nul >= 0:
        before = head[:nul]
        line, col = before.count(b"\n") + 1, nul - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            [
                Problem(
                    shown_name,
                    line,
                    col,
                    "not a text file (a NUL byte): pmfit reads UTF-8, or UTF-16 that starts "
                    "with its byte-order mark",
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


def _reads(stream: Readable) -> Iterator[tuple[bytes, bool]]:
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
    for data, idle in _reads(stream):
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
    for data, idle in _reads(stream):
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


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _BadByte(ValueError):
    """A byte that is not UTF-8, at a column of the line."""

    def __init__(self, message: str, col: int) -> None:
        super().__init__(message)
        self.col = col


def _text(line: Line) -> str:
    """A line's text without a CRLF's CR; ValueError names what is wrong with it."""
    if isinstance(line, TooLong):
        raise ValueError(row_too_long("").message)
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _BadByte(
            f"not valid UTF-8 (byte 0x{line[error.start]:02x})", error.start + 1
        ) from None
    return text[:-1] if text.endswith("\r") else text


def _cells(text: str, delimiter: str) -> list[str]:
    """One record's cells; ValueError names what is wrong with it."""
    if "\x00" in text:
        raise ValueError("a NUL byte: not text")
    if '"' not in text:
        if "\r" in text:
            raise ValueError(
                "a carriage return (CR) inside a cell that is not quoted: quote the cell, or "
                "save the file with LF or CRLF line ends"
            )
        cells = text.split(delimiter)
    else:
        try:
            records = list(csv.reader([text], delimiter=delimiter, strict=True))
        except csv.Error as error:
            if "field larger" in str(error):
                cells = [" " * (MAX_FIELD_CHARS + 1)]
            elif "new-line" in str(error):
                raise ValueError(
                    "a line break (CR) inside a cell that is not quoted: quote the cell"
                ) from None
            else:
                raise ValueError(f"malformed CSV: {error}") from None
        else:
            cells = records[0] if len(records) == 1 else []
    if any(len(cell) > MAX_FIELD_CHARS for cell in cells):
        raise ValueError(
            f"a cell longer than {MAX_FIELD_CHARS:,} characters (at most {MAX_FIELD_CHARS:,})"
        )
    return cells


class _Record(NamedTuple):
    line: int
    cells: list[str] | None
    problem: str | None
    position: int
    col: int | None = None


def _records(
    lines: Iterator[tuple[int, Line | None, int]], delimiter: str, width: int
) -> Iterator[_Record | None]:
    """CSV records (None: the input paused). Quotes are read strictly (a closing quote is
    followed by a delimiter or the end of the row). A quoted cell may span lines; the
    record then ends on the line where the quotes pair up, within MAX_CELL_LINES lines,
    and must be well formed with the header's `width` cells. Otherwise the opening quote
    was stray: the row that holds it is rejected alone and reading goes on from the next
    line, so one stray or unterminated quote costs one row, never the rows after it."""
    back: deque[tuple[int, Line | None, int]] = deque()

    def take() -> tuple[int, Line | None, int] | None:
        return back.popleft() if back else next(lines, None)

    while (item := take()) is not None:
        number, line, position = item
        if line is PAUSE:
            yield None
            continue
        assert line is not None
        if isinstance(line, TooLong) or line.count(b'"') % 2 == 0:
            try:
                yield _Record(number, _cells(_text(line), delimiter), None, position)
            except ValueError as error:
                yield _Record(number, None, str(error), position, getattr(error, "col", None))
            continue
        group = [item]
        quotes, size, closed = line.count(b'"'), len(line), False
        while len(group) < MAX_CELL_LINES and size <= MAX_ROW_BYTES:
            following = take()
            if following is None:
                break
            if following[1] is PAUSE:
                continue
            if isinstance(following[1], TooLong):
                back.appendleft(following)
                break
            group.append(following)
            assert isinstance(following[1], bytes)
            quotes += following[1].count(b'"')
            size += len(following[1])
            if quotes % 2 == 0:
                closed = True
                break
        if closed:
            try:
                text = "\n".join(_text(g[1]) for g in group)  # type: ignore[arg-type]
                cells = _cells(text, delimiter)
            except ValueError:
                cells = []
            if len(cells) == width:
                yield _Record(number, cells, None, group[-1][2])
                continue
        back.extendleft(reversed(group[1:]))
        yield _Record(
            number,
            None,
            f'an opening quote (") that is not closed: a quoted cell must close within '
            f"{MAX_CELL_LINES} lines and leave the row with the header's {width} cells; "
            "this row alone is rejected",
            position,
        )


def csv_blocks(bank: Bank, stream: Readable, shown_name: str) -> Iterator[Block]:
    """CSV as spreadsheets export it: a header of `respondent` and question ids, then a row
    per respondent; comma, semicolon or tab; quoted cells; CRLF, LF or CR; BOM or none."""
    index = OptionIndex(bank)
    lines = physical_lines(stream)
    header_item = next((x for x in lines if x[1] is not PAUSE), None)
    if header_item is None:
        return
    problems = []
    try:
        header_text = _text(header_item[1])  # type: ignore[arg-type]
    except ValueError as error:
        header_text = ""
        col = getattr(error, "col", None)
        problems.append(str(error) if col is None else f"{error} at column {col}")
    delimiter = _sniff_delimiter(header_text)
    try:
        names = [cell.strip() for cell in _cells(header_text, delimiter)]
    except ValueError as error:
        names = []
        problems.append(str(error))
    seen: set[str] = set()
    columns: list[int | None] = []  # the question index of each column; None: not a question
    respondent_column: int | None = None
    for position_in_header, name in enumerate(names):
        if name in seen and name:
            problems.append(f"column {position_in_header + 1}: duplicate column {shown(name)}")
        seen.add(name)
        if name.lower() == "respondent":
            respondent_column = position_in_header
            columns.append(None)
        elif not name:
            columns.append(None)
        elif name in index.columns:
            columns.append(index.columns[name])
        else:
            unknown = answer_problems(bank, name, None) or "unknown question"
            problems.append(f"column {position_in_header + 1}, {shown(name)}: {unknown}")
            columns.append(None)
    records = _records(lines, delimiter, len(names))

    def blank(record: _Record) -> bool:
        return record.cells is not None and not any(cell.strip() for cell in record.cells)

    if problems:
        rows, position = 0, header_item[2]
        for record in records:
            if record is not None and not blank(record):
                rows += 1
                position = record.position
        if len(problems) > 3:
            problems[3:] = [f"and {len(problems) - 3:,} more problems"]
        yield Block(
            rejections=[
                Rejection(
                    shown_name,
                    1,
                    f"header: {'; '.join(problems)}; every row rejected ({rows:,})",
                    unit="row",
                    rows=rows,
                )
            ],
            position=position,
        )
        return
    block = Block()
    row_number = 0
    for record in records:
        if record is None:
            if len(block) or block.rejections:
                yield block
                block = Block()
            continue
        block.position = record.position
        if blank(record):
            continue
        row_number += 1
        reason = record.problem
        respondent: str | None = None
        cells = record.cells
        if cells is not None:
            if respondent_column is not None and respondent_column < len(cells):
                respondent = cells[respondent_column].strip() or None
            if len(cells) != len(names):
                reason = f"{len(cells)} cells, but the header has {len(names)}"
            else:
                codes = [-1] * index.n_questions
                reasons = []
                for column, cell in zip(columns, cells, strict=True):
                    value = cell.strip()
                    if column is None or not value:
                        continue
                    k = index.options[column].get(value)
                    if k is None:
                        q = bank.questions[column]
                        reasons.append(f"{q.id}: {answer_problems(bank, q.id, value)}")
                    else:
                        codes[column] = k
                if reasons:
                    reason = "; ".join(reasons)
                else:
                    block.codes.append(codes)
                    block.respondents.append(respondent)
        if reason is not None:
            block.rejections.append(
                Rejection(
                    shown_name,
                    record.line,
                    reason,
                    row=row_number,
                    respondent=respondent,
                    col=record.col,
                )
            )
        if len(block) + len(block.rejections) >= BLOCK_ROWS:
            yield block
            block = Block(position=block.position)
    yield block


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


#: A JSON string (possessive: a string never closed costs one pass), or a character that
#: opens, closes or separates; a lone `"` is a string not closed in the text read so far.
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{},"]', re.DOTALL)
_SPACE = re.compile(rb"[ \t\r\n]*")


def json_blocks(bank: Bank, stream: Readable, shown_name: str) -> Iterator[Block]:
    """A JSON array of answer sheets (or one sheet), item by item.

    The array is cut into items on the bytes (strings and nesting followed, nothing
    parsed), and each item is read like a JSONL line: whatever is wrong inside an item
    (bad UTF-8, a lone surrogate, deep nesting, a duplicate key) rejects that item only.
    Only a break in the array itself (an item over MAX_ROW_BYTES, an array never closed,
    text after it) ends the file, in one line.
    """
    from pmfit.batch.jsonl import LineDecoder

    decoder = LineDecoder(bank)
    reads = _reads(stream)
    buf = b""
    mark_at, mark_line = 0, 1  # a place in buf and its line: counting moves forward only
    consumed = 0
    eof = False
    idle = False

    def more() -> bool:
        nonlocal buf, eof, idle, consumed
        if eof:
            return False
        data, idle = next(reads)
        consumed += len(data)
        if not data:
            eof = True
            return False
        buf += data
        return True

    def line_at(at: int) -> int:
        nonlocal mark_at, mark_line
        if at > mark_at:
            mark_line += buf.count(b"\n", mark_at, at)
            mark_at = at
        return mark_line

    def cut(at: int) -> None:
        """Forget buf before `at` (it has been read)."""
        nonlocal buf, mark_at
        line_at(at)
        buf = buf[at:]
        mark_at -= at

    items: list[Line] = []
    item_lines: list[int] = []
    item_cols: list[int] = []
    first_item = 1
    ordinal = 0
    broken: Rejection | None = None

    def emit(begin: int, end: int) -> None:
        nonlocal ordinal
        ordinal += 1
        item = buf[begin:end].lstrip()
        at = end - len(item)
        items.append(item)
        item_lines.append(line_at(at))
        item_cols.append(at - buf.rfind(b"\n", 0, at))

    def flush() -> Block:
        nonlocal items, item_lines, item_cols, first_item
        block = decoder.items(items, item_lines, item_cols, first_item, shown_name)
        block.position = consumed
        first_item += len(items)
        items, item_lines, item_cols = [], [], []
        return block

    while True:
        pos = _SPACE.match(buf).end()  # type: ignore[union-attr]
        if pos < len(buf) or not more():
            break
    if pos >= len(buf):
        yield Block(position=consumed)
        return
    if buf[pos : pos + 1] == b"{":  # one answer sheet, not an array
        while len(buf) <= MAX_ROW_BYTES and more():
            pass
        # One sheet over the limit is the whole file: nothing after it is read.
        one: Line = buf[pos:] if len(buf) <= MAX_ROW_BYTES else TooLong(len(buf))
        line = line_at(pos)
        block = decoder.block([one], line, shown_name)
        block.position = consumed
        yield block
        return
    if buf[pos : pos + 1] != b"[":
        yield Block(
            rejections=[
                Rejection(
                    shown_name,
                    line_at(pos),
                    "expected a JSON array of answer sheets (or one sheet); the file is not read",
                )
            ],
            position=consumed,
        )
        return
    start = scan = pos + 1
    depth = 0
    while True:
        if scan - start > MAX_ROW_BYTES or len(buf) - start > MAX_ROW_BYTES + READ_SIZE:
            broken = Rejection(
                shown_name,
                line_at(start),
                f"item longer than {MAX_ROW_BYTES:,} bytes (an answer sheet is at most that); "
                "the rest of the file is not read",
                row=ordinal + 1,
                unit="item",
            )
            break
        match = _TOKEN.search(buf, scan)
        if match is None or match.group() == b'"':
            # The text read so far ends inside this item (or inside a string of it).
            if idle and items:  # the input paused: score what has come before waiting
                yield flush()
            if more():
                continue
            if buf[start:].strip():
                emit(start, len(buf))
            broken = Rejection(
                shown_name,
                line_at(len(buf)),
                "the array is not closed (no `]` before the end of the file)",
                rows=0,
            )
            break
        token = match.group()
        scan = match.end()
        if token[0] == 0x22:  # a whole string
            continue
        if token in (b"[", b"{"):
            depth += 1
        elif token in (b"]", b"}"):
            if depth == 0 and token == b"]":
                if ordinal or buf[start : match.start()].strip():
                    emit(start, match.start())
                cut(scan)
                while not buf.strip():
                    cut(len(buf))
                    if not more():
                        break
                if buf.strip():
                    broken = Rejection(
                        shown_name,
                        line_at(len(buf) - len(buf.lstrip())),
                        "text after the end of the array (one array per file)",
                        rows=0,
                    )
                break
            depth = max(depth - 1, 0)
        elif token == b"," and depth == 0:
            emit(start, match.start())
            start = scan
            if len(items) >= BLOCK_ROWS:
                yield flush()
            if start > READ_SIZE:
                cut(start)
                scan -= start
                start = 0
    block = flush() if items else Block(position=consumed)
    if broken is not None:
        block.rejections.append(broken)
    block.position = consumed
    yield block
