"""A JSON array of answer sheets (or one sheet), item by item, at a bounded cost."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pmfit.bank.model import Bank
from pmfit.batch.lines import Line, TooLong
from pmfit.batch.readers import BLOCK_ROWS, READ_SIZE, Readable, reads
from pmfit.batch.rows import Block, Rejection
from pmfit.limits import MAX_ROW_BYTES

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
    blocks_read = reads(stream)
    buf = b""
    mark_at, mark_line = 0, 1  # a place in buf and its line: counting moves forward only
    consumed = 0
    eof = False
    idle = False

    def more() -> bool:
        nonlocal buf, eof, idle, consumed
        if eof:
            return False
        data, idle = next(blocks_read)
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
