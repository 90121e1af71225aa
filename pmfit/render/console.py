"""The Rich console every view is printed on: input text can never drive the terminal.

Views build `Text`, never markup, and most already pass input through `literal`
(which keeps their layout exact). This is the net under all of them: whatever a
renderable holds, each segment of text is made `literal` as it is written out,
while Rich's own control segments (colours, cursor moves of a progress bar)
pass unchanged. One place, so that a new view or a new field cannot forget it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.segment import Segment

from pmfit.text.literal import literal


class VisibleConsole(Console):
    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # Rich's last step before writing; its signature has been stable since Rich 10.
        return super()._render_buffer(
            segment if segment.control else Segment(literal(segment.text), segment.style)
            for segment in buffer
        )
