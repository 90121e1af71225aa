"""A JSON array of answer sheets (or one sheet) for `pmfit batch`, item by item."""

from __future__ import annotations

from collections.abc import Iterator

from pmfit.bank.model import Bank
from pmfit.batch.json_items import JsonItems
from pmfit.batch.readers import Readable
from pmfit.batch.rows import Block


def json_blocks(bank: Bank, stream: Readable, shown_name: str) -> Iterator[Block]:
    """A JSON array of answer sheets (or one sheet), item by item.

    Only a break in the array itself (an item over MAX_ROW_BYTES, an array never closed,
    text after it) ends the file, in one line.
    """
    from pmfit.batch.jsonl import LineDecoder

    decoder = LineDecoder(bank)
    for cut in JsonItems(stream, shown_name, sequence=False, what="an answer sheet"):
        if cut.ordinals[:1] == [None]:  # one sheet, the whole file
            block = decoder.block(cut.items, cut.lines[0], shown_name)
        elif cut.items:
            first = cut.ordinals[0] or 1
            block = decoder.items(cut.items, cut.lines, cut.cols, first, shown_name)
        else:
            block = Block()
        block.rejections.extend(cut.broken)
        block.position = cut.position
        yield block
