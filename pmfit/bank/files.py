"""Reading a bank directory: only its own regular files, each of bounded size.

Every byte of a bank (its YAML files and the thread they quote) is read here, so
one set of rules covers them all: a FIFO, a device or a socket is refused (and
never opened for a blocking read), a link may point only inside the bank, a
link loop is named as such, and no file may exceed `MAX_FILE_BYTES`. The bank's
identity, `digest`, is computed from exactly these bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pmfit.errors import BankError, InputError, Problem
from pmfit.fileio import decode_utf8, display_path, sha256_hex, unreadable

BANK_FILE = "bank.yaml"

#: No real bank file comes near this (the shipped bank's largest is 60 KB); the
#: bound keeps a link to a huge file, or a runaway generator, from costing memory.
MAX_FILE_BYTES = 4 << 20

_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def refuse(path: Path, why: str) -> BankError:
    return BankError([Problem(display_path(path), None, None, why)])


def real_directory(directory: Path) -> str:
    """The bank directory with every link resolved; a loop or a missing one is refused."""
    try:
        return os.path.realpath(directory, strict=True)
    except OSError as error:
        raise refuse(directory, unreadable(error)) from None


def read_file(directory: Path, name: str, root: str | None = None) -> bytes:
    """The bytes of `name`, a regular file inside `directory` (links resolved);
    `root` is `real_directory(directory)`, when the caller has it already."""
    path = directory / name
    root = root or real_directory(directory)
    # Where it leads first (a missing file outside the bank is still outside), then
    # whether it is there (strict: a link loop raises).
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise refuse(path, "is outside the bank directory; a bank reads only its own files")
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as error:
        raise refuse(path, unreadable(error)) from None
    try:
        # Non-blocking, so that opening a FIFO returns at once instead of waiting for
        # a writer; not following links, as `real` has none left.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW)
    except OSError as error:
        raise refuse(path, unreadable(error)) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a file")
            raise refuse(path, f"is {kind}, not a regular file; a bank reads only regular files")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise refuse(path, f"is larger than {MAX_FILE_BYTES >> 20} MiB, the limit for a bank file")
    return data


def yaml_names(directory: Path) -> list[str]:
    """The bank's YAML files, bank.yaml first, then the others in name order."""
    main = directory / BANK_FILE
    if not os.path.lexists(main):
        raise refuse(directory, "not a bank: it has no bank.yaml")
    try:
        names = os.listdir(directory)
    except OSError as error:
        raise refuse(directory, unreadable(error)) from None
    extra = sorted(n for n in names if n.endswith((".yaml", ".yml")) and n != BANK_FILE)
    return [BANK_FILE, *extra]


def digest(files: list[tuple[str, bytes]], thread: bytes) -> str:
    """The bank's sha256: the names and bytes of its YAML files, then its thread's bytes."""
    return sha256_hex(*(name.encode() + b"\0" + data + b"\0" for name, data in files), thread)


class BankSources:
    """A bank directory's YAML files, read once: bank.yaml first, then the others."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root = real_directory(directory)
        self.files = [(name, self.read(name)) for name in yaml_names(directory)]

    def read(self, name: str) -> bytes:
        """A file of the bank, by the rules of `pmfit.bank.files`."""
        return read_file(self.directory, name, self.root)

    def path(self, name: str) -> Path:
        return self.directory / name

    def digest(self, thread_name: str) -> str:
        """The sha256 a bank compiled from these files and that thread must carry."""
        return digest(self.files, self.read(thread_name))


def decode_bank_file(data: bytes, path: Path) -> str:
    """A bank file's text: UTF-8, or the problem reported as the bank's."""
    try:
        return decode_utf8(data, display_path(path))
    except InputError as error:
        raise BankError(error.problems) from None


def read_text(directory: Path, name: str) -> str:
    """A file of the bank (its thread), read by the bank's rules and decoded."""
    return decode_bank_file(read_file(directory, name), directory / name)
