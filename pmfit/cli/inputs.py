"""Reading the files a user names: one clear line when a file cannot be read."""

from __future__ import annotations

from pathlib import Path

from pmfit.cli.environment import Environment
from pmfit.errors import InputError, Problem

STDIN = "-"


def read_text(name: str, env: Environment) -> tuple[str, str]:
    """The text of `name` (or stdin for `-`) and the name to show in messages."""
    if name == STDIN:
        data = env.stdin.buffer.read() if hasattr(env.stdin, "buffer") else env.stdin.read()
        shown = "<stdin>"
    else:
        try:
            data = Path(name).read_bytes()
        except FileNotFoundError:
            raise InputError([Problem(name, None, None, "no such file")]) from None
        except IsADirectoryError:
            raise InputError([Problem(name, None, None, "is a directory, not a file")]) from None
        except OSError as error:
            raise InputError([Problem(name, None, None, error.strerror or str(error))]) from None
        shown = name
    if isinstance(data, str):
        return data, shown
    return decode_utf8(data, shown), shown


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
