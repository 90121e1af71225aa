"""Reading the files a user names: one clear line when a file cannot be read."""

from __future__ import annotations

from typing import IO

from pmfit.cli.environment import Environment
from pmfit.fileio import open_input
from pmfit.limits import MAX_ROW_BYTES

STDIN = "-"


def read_sheet_bytes(name: str, env: Environment) -> tuple[bytes, str]:
    """The bytes of one answer sheet `name` (or stdin for `-`) and the name to show in
    messages. At most MAX_ROW_BYTES are read: a larger file (or /dev/zero) is refused
    by `parse_sheet` without reading the rest."""
    if name == STDIN:
        stream = env.stdin.buffer if hasattr(env.stdin, "buffer") else None
        if stream is None:  # a text-only stdin (tests)
            return env.stdin.read(MAX_ROW_BYTES + 1).encode("utf-8"), "<stdin>"
        return _read_bounded(stream), "<stdin>"
    with open_input(name) as handle:
        return _read_bounded(handle), name


def _read_bounded(stream: IO[bytes]) -> bytes:
    parts = []
    left = MAX_ROW_BYTES + 1
    while left > 0:
        data = stream.read(left)
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)
