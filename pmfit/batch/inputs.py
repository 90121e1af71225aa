"""Opening a batch's inputs: files by name, or streams, each with its format, its
encoding and its first bytes looked at (nothing is scored yet)."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Sequence
from typing import IO, BinaryIO

from pmfit.batch.encoding import Transcoded, check_encoding, source_encoding
from pmfit.batch.readers import InputFormat, Readable, format_of, refuse_utf32, text_input
from pmfit.batch.run import Input
from pmfit.errors import InputError, Problem
from pmfit.fileio import open_input

#: What a batch reads: a file's name, or a binary stream (read from where it is).
Given = str | os.PathLike[str] | IO[bytes] | BinaryIO


def open_inputs(
    given: Sequence[Given],
    stack: contextlib.ExitStack,
    *,
    forced: InputFormat | None = None,
    encoding: str | None = None,
    stdin: IO[bytes] | BinaryIO | None = None,
) -> list[Input]:
    """Each input opened (closed by `stack`); "-" names `stdin`. Every problem (a missing
    file, binary content, an unknown encoding) is raised at once, before any work."""
    if encoding is not None:
        check_encoding(encoding)
    inputs = []
    problems = []
    for item in given:
        try:
            inputs.append(_open(item, stack, forced, encoding, stdin))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return inputs


def _open(
    item: Given,
    stack: contextlib.ExitStack,
    forced: InputFormat | None,
    encoding: str | None,
    stdin: IO[bytes] | BinaryIO | None,
) -> Input:
    name: str | None = None
    if isinstance(item, (str, os.PathLike)):
        name = os.fspath(item)
        if name == "-":
            if stdin is None:
                raise InputError([Problem("-", None, None, "no standard input to read")])
            item = stdin
    fd = None
    if name is None or name == "-":
        assert not isinstance(item, (str, os.PathLike))
        label = getattr(item, "name", None)
        shown = "<stdin>" if name == "-" else label if isinstance(label, str) else "<stream>"
        # A raw stream holds nothing back: what it has not returned yet is at its
        # descriptor, where the workers can read it too.
        fd = _descriptor(item) if _unbuffered(item) else None
        stream = Peekable(item)
        size, regular, path = None, False, None
    else:
        handle = stack.enter_context(open_input(name))
        status = os.fstat(handle.fileno())
        shown, size, regular, path = name, status.st_size, stat.S_ISREG(status.st_mode), name
        stream = Peekable(handle)
    readable: Readable = stream
    refuse_utf32(stream.peek(), shown)
    source = source_encoding(stream.peek(), encoding)
    if source is not None:
        # Read as UTF-8 from here on: its size no longer counts what is read.
        transcoded = Transcoded(stream, source, shown)
        readable, size = transcoded, None
        head = transcoded.peek()
    else:
        head = stream.peek()
    text, head = text_input(readable, head, shown)
    kind = forced if forced else format_of(name or shown, head)
    # Workers read a regular file of UTF-8 with LF ends themselves, or a stream at its
    # descriptor; any other is read here, as the readers see it (decoded, CR read as LF).
    as_stored = text is stream and regular
    at_descriptor = text is stream and fd is not None
    return Input(
        shown,
        text,
        kind,
        size,
        path,
        head,
        transcoded=not as_stored,
        fd=fd if at_descriptor else None,
        unread=stream.unread if at_descriptor else None,
    )


def _unbuffered(stream: object) -> bool:
    """A raw stream: what it has not returned yet is still at its descriptor."""
    import io

    return isinstance(stream, io.RawIOBase)


def _descriptor(stream: object) -> int | None:
    """The stream's descriptor, if it has a real one (a test's stdin has none)."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


class Peekable:
    """A binary stream whose first block can be looked at before reading starts.

    Reads return what has arrived (up to `size`) rather than wait for all of it, so a
    pipe that stays open is scored as its rows come.
    """

    def __init__(self, stream: IO[bytes] | BinaryIO, head: bytes = b"") -> None:
        #: Bytes already read from `stream` (looked at), given back first.
        self.head = head
        self.stream = stream
        self._read = getattr(stream, "read1", stream.read)

    def peek(self) -> bytes:
        """The first 4 KiB, or the first line if shorter (all a pipe may have sent yet)."""
        if not self.head:
            while len(self.head) < 4096 and b"\n" not in self.head:
                data = self._read(4096 - len(self.head))
                if not data:
                    break
                self.head += data
        return self.head

    def unread(self) -> bytes:
        """The bytes looked at but not read yet, now taken (the rest is at the stream)."""
        head, self.head = self.head, b""
        return head

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            if size < 0:
                return head + self.stream.read()
            return head
        return self._read(size) if size >= 0 else self.stream.read()

    def ready(self, wait: float = 0.0) -> bool:
        """Whether more input arrives (or ends) within `wait` seconds: at once, for a
        regular file. (Bytes a buffered reader holds may make this say no early: a block
        then goes out sooner.)"""
        from pmfit.batch.readers import fd_ready

        if self.head:
            return True
        try:
            fd = self.stream.fileno()
        except (OSError, ValueError, AttributeError):
            return True
        return fd_ready(fd, wait)
