"""Small file helpers: atomic writes and paths as a user would type them."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

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


class AtomicFile:
    """Bytes written to a temporary file beside `path`, renamed onto it by `commit()`.

    Until then nothing exists under the final name, so a crash or an interrupt never
    leaves a half-written file there; `abort()` (or a failure) removes the temporary.
    """

    def __init__(self, path: str | os.PathLike[str], *, make_parents: bool = False) -> None:
        import tempfile  # deferred: only writers pay for it

        self.path = Path(path)
        if make_parents:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.parent.is_dir():
            raise InputError([Problem(str(path), None, None, "no such directory to write into")])
        try:
            fd, name = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
        except OSError as error:
            reason = f"cannot write here: {error.strerror or error}"
            raise InputError([Problem(str(path), None, None, reason)]) from None
        self.temporary = Path(name)
        # mkstemp makes the file private (0600); give it the mode any new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        self.handle: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)

    def write(self, data: bytes) -> int:
        return self.handle.write(data)

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.temporary, self.path)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            self.temporary.unlink()


def atomic_write_bytes(path: Path, data: bytes, *, make_parents: bool = False) -> None:
    """Write `data` to `path` atomically: never a half-written file under that name."""
    target = AtomicFile(path, make_parents=make_parents)
    try:
        target.write(data)
        target.commit()
    except BaseException:
        target.abort()
        raise
