"""CSV as spreadsheets and forms export it, row by row: one row, one verdict."""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

from pmfit.answers import row_too_long
from pmfit.bank.model import Bank
from pmfit.batch.forms import DEFAULT_READING, Matcher, Reading
from pmfit.batch.lines import Line, TooLong
from pmfit.batch.readers import BLOCK_ROWS, PAUSE, Readable, physical_lines
from pmfit.batch.rows import Block, OptionIndex, Rejection
from pmfit.limits import MAX_CELL_LINES, MAX_FIELD_CHARS, MAX_ROW_BYTES


def _sniff_delimiter(header: str) -> str:
    # Quoted text does not count; a tab wins outright, since question titles hold commas
    # and semicolons but never tabs (Excel's "Unicode text" is tab-separated, unquoted).
    header = re.sub(r'"[^"]*"', "", header)
    if "\t" in header:
        return "\t"
    counts = {d: header.count(d) for d in (",", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _BadByte(ValueError):
    """A byte that is not UTF-8, at a column of the line."""

    def __init__(self, message: str, col: int) -> None:
        super().__init__(message)
        self.col = col


def line_text(line: Line) -> str:
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


def record_cells(text: str, delimiter: str) -> list[str]:
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
    if max(map(len, cells), default=0) > MAX_FIELD_CHARS:
        raise ValueError(
            f"a cell longer than {MAX_FIELD_CHARS:,} characters (at most {MAX_FIELD_CHARS:,})"
        )
    return cells


class Record(NamedTuple):
    line: int
    cells: list[str] | None
    problem: str | None
    position: int
    col: int | None = None


def read_records(
    lines: Iterator[tuple[int, Line | None, int]], delimiter: str, width: int
) -> Iterator[Record | None]:
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
                yield Record(number, record_cells(line_text(line), delimiter), None, position)
            except ValueError as error:
                yield Record(number, None, str(error), position, getattr(error, "col", None))
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
                text = "\n".join(line_text(g[1]) for g in group)  # type: ignore[arg-type]
                cells = record_cells(text, delimiter)
            except ValueError:
                cells = []
            if len(cells) == width:
                yield Record(number, cells, None, group[-1][2])
                continue
        back.extendleft(reversed(group[1:]))
        yield Record(
            number,
            None,
            f'an opening quote (") that is not closed: a quoted cell must close within '
            f"{MAX_CELL_LINES} lines and leave the row with the header's {width} cells; "
            "this row alone is rejected",
            position,
        )


def csv_blocks(
    bank: Bank, stream: Readable, shown_name: str, reading: Reading = DEFAULT_READING
) -> Iterator[Block]:
    """CSV as spreadsheets and form tools export it: a header naming the respondent and
    the questions (`pmfit.batch.forms` maps it), then a row per respondent; comma,
    semicolon or tab; quoted cells; CRLF, LF or CR; BOM or none."""
    index = OptionIndex(bank)
    matcher = Matcher(bank)
    lines = physical_lines(stream)
    header_item = next((x for x in lines if x[1] is not PAUSE), None)
    if header_item is None:
        return
    problems = []
    try:
        header_text = line_text(header_item[1])  # type: ignore[arg-type]
    except ValueError as error:
        header_text = ""
        col = getattr(error, "col", None)
        problems.append(str(error) if col is None else f"{error} at column {col}")
    delimiter = _sniff_delimiter(header_text)
    try:
        names = [cell.strip() for cell in record_cells(header_text, delimiter)]
    except ValueError as error:
        names = []
        problems.append(str(error))
    mapped = matcher.header(names, reading.respondent_column)
    problems += mapped.problems
    columns, respondent_column = mapped.columns, mapped.respondent
    notice = None if problems else mapped.notice()
    if notice:
        reading.notice(f"{shown_name}: {notice}")
    records = read_records(lines, delimiter, len(names))

    def blank(record: Record) -> bool:
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
                for n, (column, cell) in enumerate(zip(columns, cells, strict=True)):
                    value = cell.strip()
                    if column is None or not value:
                        continue
                    k = matcher.option(column, value)
                    if k is None:
                        reasons.append(matcher.problem(column, value, mapped.languages[n]))
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
