"""Reading limits: sizes no real answer sheet, row or result reaches, so every input has
a bounded cost. Each is refused in one line naming the file, the line or row, and the limit.

Declared once here; the README's "What pmfit promises" section states the same figures.
"""

from __future__ import annotations

#: One answer sheet or row: a `pmfit score` file, a JSONL line, a CSV row, a YAML
#: document, an item of a JSON array, a result line. (A full sheet is about 1 KiB.)
MAX_ROW_BYTES = 1 << 20
#: One value: a CSV cell, a YAML or JSON string or key (the csv module's own limit).
MAX_FIELD_CHARS = 128 * 1024
#: Nesting of YAML or JSON collections (an answer sheet needs 2, a bank 5).
MAX_DEPTH = 64
#: Characters of one number (a JSON or YAML integer or float).
MAX_NUMBER_CHARS = 100
#: Lines one quoted CSV cell may span before its opening quote is taken as stray.
MAX_CELL_LINES = 100
#: Characters of an input value echoed in a message; the rest is counted, not shown.
MAX_ECHO_CHARS = 100


def shown(value: str, *, quote: bool = True, limit: int = MAX_ECHO_CHARS) -> str:
    """`value` for a message, quoted (unless it is a message itself, such as a decoder's,
    which may quote the input), shortened past `limit` characters."""
    if len(value) <= limit:
        return repr(value) if quote else value
    head = value[:limit]
    return (
        f"{head!r}… ({len(value):,} characters)"
        if quote
        else f"{head}… ({len(value):,} characters)"
    )
