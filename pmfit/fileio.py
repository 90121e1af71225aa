"""Small file helpers for reading: UTF-8 decoding and paths as a user would type them.

Every write goes through `pmfit.writing`."""

from __future__ import annotations

import codecs
import errno
import os
from pathlib import Path
from typing import BinaryIO

from pmfit.errors import InputError, Problem


def sha256_hex(*parts: bytes) -> str:
    """The sha256 of the parts, one after another, in hex."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # 0.5 ms, hashlib 4 ms
    except ImportError:  # pragma: no cover - a Python built without it
        from hashlib import sha256
    hasher = sha256()
    for part in parts:
        hasher.update(part)
    return str(hasher.hexdigest())


def line_col(data: str | bytes, at: int) -> tuple[int, int]:
    """The line and column (both from 1) of offset `at` in `data`."""
    if isinstance(data, bytes):
        return data.count(b"\n", 0, at) + 1, at - data.rfind(b"\n", 0, at)
    return data.count("\n", 0, at) + 1, at - data.rfind("\n", 0, at)


def decode_utf8(data: bytes, shown: str) -> str:
    """UTF-8 with or without a byte-order mark; a bad byte is named by line and column."""
    # Not the "utf-8-sig" codec: it is a module imported on first use (on every
    # `pmfit score`), and its errors count from after the mark, naming the wrong byte.
    try:
        text = data.decode("utf-8")
        return text[1:] if text.startswith("\ufeff") else text
    except UnicodeDecodeError as error:
        line, col = line_col(data, error.start)
        raise InputError(
            [Problem(shown, line, col, f"not valid UTF-8 (byte 0x{data[error.start]:02x})")]
        ) from None


#: Byte-order marks of the encodings pmfit reads besides UTF-8 (UTF-32 is refused).
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def refuse_utf32(head: bytes, shown: str) -> None:
    """UTF-32 is refused in one line (its BOM would otherwise pass for UTF-16's)."""
    if head.startswith(UTF32_BOMS):
        raise InputError([Problem(shown, 1, 1, "UTF-32 text: save it as UTF-8")])


def decode_text(data: bytes, shown: str) -> str:
    """UTF-8 (with or without a BOM), or UTF-16 that starts with its BOM, as spreadsheets
    save "Unicode text"; anything else that does not decode is named by line and column."""
    refuse_utf32(data, shown)
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InputError(
                [Problem(shown, None, None, f"not valid UTF-16 (at byte {error.start})")]
            ) from None
    return decode_utf8(data, shown)


def display_path(path: str | os.PathLike[str]) -> str:
    """The path relative to the working directory when it is below it, else absolute."""
    path = Path(path)
    try:
        # realpath, not Path.resolve: a symbolic link loop must not raise here.
        real = Path(os.path.realpath(path))
        return str(real.relative_to(os.path.realpath(Path.cwd())))
    except (ValueError, OSError):
        return str(path)


def unreadable(error: OSError) -> str:
    """Why a file could not be opened, in the words every message uses."""
    if error.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if error.errno == errno.ENOENT:
        return "no such file"
    if error.errno == errno.EISDIR:
        return "is a directory, not a file"
    return error.strerror or str(error)


def open_input(name: str) -> BinaryIO:
    """`name` opened for reading bytes, or one clear line (InputError) saying why not."""
    try:
        return open(name, "rb")
    except OSError as error:
        raise InputError([Problem(name, None, None, unreadable(error))]) from None
