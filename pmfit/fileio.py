"""Small file helpers for reading: UTF-8 decoding and paths as a user would type them.

Every write goes through `pmfit.writing`."""

from __future__ import annotations

import os
from pathlib import Path

from pmfit.errors import InputError, Problem


def decode_utf8(data: bytes, shown: str) -> str:
    """UTF-8 with or without a byte-order mark; a bad byte is named by line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        col = error.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            [Problem(shown, line, col, f"not valid UTF-8 (byte 0x{data[error.start]:02x})")]
        ) from None


def display_path(path: str | os.PathLike[str]) -> str:
    """The path relative to the working directory when it is below it, else absolute."""
    path = Path(path)
    try:
        # realpath, not Path.resolve: a symbolic link loop must not raise here.
        real = Path(os.path.realpath(path))
        return str(real.relative_to(os.path.realpath(Path.cwd())))
    except (ValueError, OSError):
        return str(path)
