"""Text from a bank or a user, made safe to print to a terminal, shown as written.

Rich never reads our `Text` objects as markup, but it passes most control
characters through, and an escape sequence in a prompt would drive the
terminal (recolour it, move the cursor, retitle the window). Every control
character but newline and tab, and the bidirectional overrides that can
reorder what is seen, are shown as visible escapes instead.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def literal(text: str) -> str:
    """`text` with control characters written as `\\x1b`-style escapes."""
    return _CONTROL.sub(_escape, text)
