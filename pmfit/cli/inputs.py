"""Reading the files a user names: one clear line when a file cannot be read."""

from __future__ import annotations

from pathlib import Path

from pmfit.cli.environment import Environment
from pmfit.errors import InputError, Problem
from pmfit.fileio import decode_utf8

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
