"""Inputs in other encodings, read as UTF-8: the readers then see one encoding only.

Excel saves "Unicode text" as UTF-16 with a byte-order mark (tab-separated); other
tools write Latin-1 or Windows-1252 (`--encoding`). The stream is decoded and
re-encoded block by block, so memory stays flat. Bytes the encoding cannot decode (a
truncated last character, a wrong `--encoding`) become U+FFFD: in a question's cell
that rejects the row, naming the cell; a wrong encoding throughout leaves no header
that names a question, which rejects the file with one line.
"""

from __future__ import annotations

import codecs

from pmfit.batch.readers import READ_SIZE, Readable
from pmfit.errors import InputError, Problem
from pmfit.fileio import UTF16_BOMS


def check_encoding(name: str) -> str:
    """The codec's canonical name, or an error naming the option."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        reason = f"unknown encoding {name!r} (for example utf-8, utf-16, latin-1, cp1252)"
        raise InputError([Problem("--encoding", None, None, reason)]) from None


def source_encoding(head: bytes, forced: str | None) -> str | None:
    """The encoding to transcode from, or None when the input is UTF-8 already."""
    if forced is not None:
        name = check_encoding(forced)
        if name not in ("utf-8", "utf-8-sig"):
            return name
        return None
    if head.startswith(UTF16_BOMS):
        return "utf-16"
    return None


class Transcoded:
    """A binary stream in `encoding`, read as UTF-8 bytes."""

    def __init__(self, stream: Readable, encoding: str, shown: str) -> None:
        self.stream = stream
        self.encoding = encoding
        self.shown = shown
        self.decoder = codecs.getincrementaldecoder(encoding)("replace")
        self.done = False
        self.head = b""

    def peek(self) -> bytes:
        if not self.head:
            self.head = self._next()
        return self.head

    def read(self, size: int = -1, /) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            return head
        if size < 0:
            return b"".join(iter(self._next, b""))
        return self._next()

    def _next(self) -> bytes:
        while not self.done:
            data = self.stream.read(READ_SIZE)
            self.done = not data
            try:
                text = self.decoder.decode(data, final=self.done)
            except UnicodeError as error:  # what "replace" cannot mend: a UTF-16 without BOM
                reason = f"cannot be read as {self.encoding}: {error}"
                raise InputError([Problem(self.shown, None, None, reason)]) from None
            if text:
                return text.encode("utf-8")
        return b""
