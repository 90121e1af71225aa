"""Streaming readers for CSV, JSONL, a JSON array and YAML documents.

Each reader yields `Block`s of at most a few thousand rows, so memory stays flat
however long the input. A bad row becomes a `Rejection` naming its line; only a
problem that makes every row unreadable (a CSV header that names no question,
broken JSON array syntax) rejects the rest of a file, with one line.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from typing import Literal, Protocol

from pmfit.answers import sheet_from_document
from pmfit.bank.model import Bank
from pmfit.batch.forms import DEFAULT_READING, Matcher, Reading
from pmfit.batch.rows import Block, OptionIndex, Rejection
from pmfit.errors import AnswersError, InputError
from pmfit.located import Located, load_yaml


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


def physical_lines(stream: Readable) -> Iterator[tuple[int, bytes]]:
    """Lines with their numbers and ends kept, read in large blocks; a leading BOM dropped."""
    number = 0
    rest = b""
    first = True
    while True:
        data = stream.read(READ_SIZE)
        if first and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        first = False
        if not data:
            if rest:
                yield number + 1, rest
            return
        data = rest + data
        lines = data.split(b"\n")
        rest = lines.pop()
        for line in lines:
            number += 1
            yield number, line + b"\n"


def jsonl_chunks(stream: Readable) -> Iterator[tuple[int, list[bytes], int]]:
    """(first line number, lines, bytes read so far) for up to BLOCK_ROWS lines at a time."""
    rest = b""
    position = 0
    first = True
    pending: list[bytes] = []
    start = 1
    while True:
        data = stream.read(READ_SIZE)
        if first and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        first = False
        position += len(data)
        if not data:
            if rest.strip():
                pending.append(rest)
            if pending:
                yield start, pending, position
            return
        lines = (rest + data).split(b"\n")
        rest = lines.pop()
        while lines:
            room = BLOCK_ROWS - len(pending)
            pending.extend(lines[:room])
            del lines[:room]
            if len(pending) == BLOCK_ROWS:
                yield start, pending, position
                start += len(pending)
                pending = []


def _sniff_delimiter(header: str) -> str:
    # Quoted text does not count; a tab wins outright, since question titles hold commas
    # and semicolons but never tabs (Excel's "Unicode text" is tab-separated, unquoted).
    header = re.sub(r'"[^"]*"', "", header)
    if "\t" in header:
        return "\t"
    counts = {d: header.count(d) for d in (",", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _bad_utf8(line: bytes) -> str | None:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not valid UTF-8 (byte 0x{line[error.start]:02x} at column {error.start + 1})"
    return None


def csv_blocks(
    bank: Bank, stream: Readable, shown: str, reading: Reading = DEFAULT_READING
) -> Iterator[Block]:
    """CSV as spreadsheets and form tools export it: a header naming the respondent and
    the questions (`pmfit.batch.forms` maps it), then a row per respondent; comma,
    semicolon or tab; quoted cells; CRLF or LF; BOM or none."""
    index = OptionIndex(bank)
    matcher = Matcher(bank)
    bad_lines: dict[int, str] = {}
    line_number = 0
    position = 0

    def text_lines() -> Iterator[str]:
        nonlocal line_number, position
        for number, raw in physical_lines(stream):
            line_number = number
            position += len(raw)
            problem = _bad_utf8(raw)
            if problem:
                bad_lines[number] = problem
            yield raw.decode("utf-8", "replace")

    lines = text_lines()
    header_line = next(lines, None)
    if header_line is None:
        return
    delimiter = _sniff_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    names = [cell.strip() for cell in header]
    mapped = matcher.header(names, reading.respondent_column)
    problems = [bad_lines[1]] if 1 in bad_lines else []
    problems += mapped.problems
    columns, respondent_column = mapped.columns, mapped.respondent
    notice = None if problems else mapped.notice()
    if notice:
        reading.notice(f"{shown}: {notice}")
    reader = csv.reader(lines, delimiter=delimiter)
    if problems:
        rows = sum(1 for record in reader if any(cell.strip() for cell in record))
        yield Block(
            rejections=[
                Rejection(
                    shown,
                    1,
                    f"header: {'; '.join(problems)}; every row rejected ({rows})",
                    unit="row",
                    rows=rows,
                )
            ],
            position=position,
        )
        return
    block = Block()
    row_number = 0
    previous_line = 1
    for record in reader:
        first_line, previous_line = previous_line + 1, line_number
        if not any(cell.strip() for cell in record):
            continue
        row_number += 1
        respondent: str | None = None
        if respondent_column is not None and respondent_column < len(record):
            respondent = record[respondent_column].strip() or None

        bad = [bad_lines.pop(n) for n in range(first_line, line_number + 1) if n in bad_lines]
        reason: str | None = None
        if bad:
            reason, respondent = bad[0], None
        elif len(record) != len(names):
            reason = f"{len(record)} cells, but the header has {len(names)}"
        else:
            codes = [-1] * index.n_questions
            reasons = []
            for n, (column, cell) in enumerate(zip(columns, record, strict=True)):
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
                Rejection(shown, first_line, reason, row=row_number, respondent=respondent)
            )
        if len(block) + len(block.rejections) >= BLOCK_ROWS:
            block.position = position
            yield block
            block = Block()
    block.position = position
    yield block


_DOCUMENT_START = re.compile(rb"^---(?:[ \t]|\r?$)")


def yaml_blocks(bank: Bank, stream: Readable, shown: str) -> Iterator[Block]:
    """YAML documents separated by `---`, each one answer sheet, read one at a time."""
    index = OptionIndex(bank)
    block = Block()
    document = 0
    position = 0

    def finish(lines: list[bytes], start: int) -> None:
        nonlocal document
        data = b"".join(lines)
        if not data.strip() or data.strip() in (b"---", b"..."):
            return
        document += 1

        def reject(line: int | None, reason: str, who: str | None = None) -> None:
            block.rejections.append(
                Rejection(shown, line, reason, row=document, unit="document", respondent=who)
            )

        problem = _bad_utf8(data)
        if problem:
            reject(start, problem)
            return
        try:
            doc = load_yaml(data.decode("utf-8"), shown)
        except InputError as error:
            first = error.problems[0]
            reject(None if first.line is None else first.line + start - 1, first.message)
            return
        if doc.value is None:
            document -= 1
            return
        value = doc.value
        who = value.get("respondent") if isinstance(value, dict) else None
        shown_who = str(who) if isinstance(who, (str, int)) else None
        try:
            sheet = sheet_from_document(bank, doc)
        except AnswersError as error:
            first = error.problems[0]
            line = None if first.line is None else first.line + start - 1
            reject(line, "; ".join(p.message for p in error.problems), shown_who)
            return
        block.codes.append(index.codes(sheet.answers))
        block.respondents.append(sheet.respondent)

    lines: list[bytes] = []
    start = 1
    for number, raw in physical_lines(stream):
        position += len(raw)
        if _DOCUMENT_START.match(raw) and lines:
            finish(lines, start)
            lines, start = [], number
        lines.append(raw)
        if len(block) + len(block.rejections) >= BLOCK_ROWS:
            block.position = position
            yield block
            block = Block()
    finish(lines, start)
    block.position = position
    yield block


def json_blocks(bank: Bank, stream: Readable, shown: str) -> Iterator[Block]:
    """A JSON array of answer sheets, parsed one item at a time (or a single sheet)."""
    index = OptionIndex(bank)
    decoder = json.JSONDecoder()
    incremental = codecs.getincrementaldecoder("utf-8-sig")()
    text = ""
    pos = 0
    line = 1
    line_start = 0
    done = False
    consumed = 0
    item = 0

    def more() -> bool:
        nonlocal text, done, consumed
        if done:
            return False
        data = stream.read(READ_SIZE)
        consumed += len(data)
        try:
            text += incremental.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise _Broken(f"not valid UTF-8 (byte 0x{data[error.start]:02x})") from None
        done = not data
        return True

    def skip_space() -> None:
        nonlocal pos, line, line_start
        while True:
            while pos < len(text) and text[pos] in " \t\r\n":
                if text[pos] == "\n":
                    line += 1
                    line_start = pos + 1
                pos += 1
            if pos < len(text) or not more():
                return

    def advance(to: int) -> None:
        nonlocal pos, line, line_start
        newlines = text.count("\n", pos, to)
        if newlines:
            line += newlines
            line_start = text.rindex("\n", pos, to) + 1
        pos = to

    block = Block()
    try:
        skip_space()
        single = text[pos : pos + 1] == "{"
        if not single:
            if text[pos : pos + 1] != "[":
                raise _Broken("expected a JSON array of answer sheets")
            advance(pos + 1)
        while True:
            skip_space()
            if not single and text[pos : pos + 1] == "]":
                break
            if pos >= len(text):
                raise _Broken("the array is not closed")
            item += 1
            start_line, start_col = line, pos - line_start + 1
            while True:
                try:
                    value, end = decoder.raw_decode(text, pos)
                    break
                except json.JSONDecodeError as error:
                    if error.pos >= len(text) - 1 and more():
                        continue
                    raise _Broken(f"malformed JSON: {error.msg}") from None
            advance(end)
            doc = Located(shown, value)
            doc.marks[()] = (start_line, start_col)
            who = value.get("respondent") if isinstance(value, dict) else None
            try:
                sheet = sheet_from_document(bank, doc)
            except AnswersError as error:
                block.rejections.append(
                    Rejection(
                        shown,
                        start_line,
                        "; ".join(p.message for p in error.problems),
                        row=None if single else item,
                        unit="item",
                        respondent=str(who) if isinstance(who, (str, int)) else None,
                    )
                )
            else:
                block.codes.append(index.codes(sheet.answers))
                block.respondents.append(sheet.respondent)
            # Text already parsed is dropped, so a long array does not pile up in memory.
            text, pos, line_start = text[pos:], 0, line_start - pos
            if single:
                skip_space()
                if pos < len(text):
                    raise _Broken("extra data after the answer sheet")
                break
            skip_space()
            if text[pos : pos + 1] == ",":
                advance(pos + 1)
            elif text[pos : pos + 1] != "]":
                raise _Broken("expected ',' or ']' after an item")
            if len(block) + len(block.rejections) >= BLOCK_ROWS:
                block.position = consumed
                yield block
                block = Block()
    except _Broken as error:
        block.rejections.append(
            Rejection(
                shown,
                line,
                f"{error} at column {pos - line_start + 1}; the rest of the file is not read",
                row=item or None,
                unit="item",
            )
        )
    block.position = consumed
    yield block


class _Broken(Exception):
    """JSON that cannot be read past this point."""
