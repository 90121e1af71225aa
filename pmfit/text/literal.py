"""Text from a bank or a user, made safe to print to a terminal, shown as written.

Rich never reads our `Text` objects as markup, but it passes most control
characters through, and an escape sequence would drive the terminal (recolour
it, move the cursor, retitle the window, rewrite the clipboard). Every control
character but newline, tab and the CR of a CRLF, and the bidirectional overrides
that can reorder what is seen, are shown as visible escapes instead.

C0 controls become `\\x1b`-style escapes. DEL, C1 controls and bidi overrides
become `\\u009b`-style escapes, which are also JSON's own escapes: JSON encoders
write C0 controls escaped already and leave the others raw, so the same
function makes JSON output safe without changing the data it carries. The
`Visible*` wrappers apply it to everything written through them: the CLI's
stdout and stderr are wrapped once, in `pmfit.cli.environment`.
"""

from __future__ import annotations

import functools
import re
import typing
from typing import IO, Any, TextIO

_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f]|\r(?!\n)|[\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
# The same characters in UTF-8, for output already encoded (JSONL and CSV blocks).
_CONTROL_BYTES = (
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|\xc2[\x80-\x9f]"
    rb"|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)
# Finding nothing fast, as nearly every text and block of output holds nothing, and
# compiling a pattern only when one is needed (every command's start-up pays for
# the rest): deleting every byte that cannot start a match (translate, about
# 2 GB/s) usually leaves nothing; a CR, or a lead byte of common text (“…”, ¿), is
# then checked by a search that starts from that literal byte.
_SAFE = bytes(
    byte
    for byte in range(256)
    if not ((byte < 0x20 and byte not in (0x09, 0x0A)) or byte in (0x7F, 0xC2, 0xE2))
)
_COMMON = {
    0x0D: rb"\r(?!\n)",
    0xC2: rb"\xc2[\x80-\x9f]",
    0xE2: rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])",
}


@functools.cache
def _compiled(pattern: str | bytes) -> re.Pattern[Any]:
    return re.compile(pattern)


def _clean(data: bytes) -> bool:
    """Whether UTF-8 `data` holds nothing that `literal` would escape."""
    suspects = set(data.translate(None, _SAFE))
    return all(b in _COMMON and not _compiled(_COMMON[b]).search(data) for b in suspects)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


def _escape_bytes(match: re.Match[bytes]) -> bytes:
    code = ord(match.group().decode("utf-8"))
    return (f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}").encode()


def literal(text: str) -> str:
    """`text` with control characters and bidi overrides written as visible escapes."""
    if _clean(text.encode("utf-8", "surrogatepass")):
        return text
    return _compiled(_CONTROL).sub(_escape, text)


def controls(text: str) -> list[str]:
    """The control characters and bidi overrides in `text`, each as `literal` shows it."""
    return [_escape(m) for m in _compiled(_CONTROL).finditer(text)]


def literal_bytes(data: bytes) -> bytes:
    """`literal` for UTF-8 bytes, line ends (CR LF too) kept."""
    return data if _clean(data) else _compiled(_CONTROL_BYTES).sub(_escape_bytes, data)


class VisibleBytes:
    """A binary stream whose writes go through `literal_bytes`."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def write(self, data: bytes) -> int:
        self.stream.write(literal_bytes(data))
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class VisibleText:
    """A text stream whose writes go through `literal` (its `buffer` through
    `literal_bytes`); everything else is the wrapped stream's."""

    def __init__(self, stream: IO[str] | TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(literal(text))
        return len(text)

    @property
    def buffer(self) -> VisibleBytes:
        return VisibleBytes(typing.cast(TextIO, self.stream).buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
