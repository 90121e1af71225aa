"""The source thread: its paragraphs, and where a quote stands in it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

ELLIPSIS = "…"
# A sentence ends at . ! or ? followed by white space ("99.9%" does not end one).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def fold(text: str) -> str:
    """Fold runs of white space to one space: the one liberty a quote may take."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Paragraph:
    line: int  # 1-based line number in the thread file
    text: str

    def sentences(self) -> list[tuple[int, int]]:
        """Each sentence's (start, end) in `text`."""
        spans, start = [], 0
        for end in _SENTENCE_END.finditer(self.text):
            spans.append((start, end.start()))
            start = end.end()
        if start < len(self.text):
            spans.append((start, len(self.text)))
        return spans


@dataclass(frozen=True)
class ThreadText:
    paragraphs: tuple[Paragraph, ...]

    @classmethod
    def parse(cls, text: str) -> ThreadText:
        return cls(
            tuple(
                Paragraph(number, fold(line))
                for number, line in enumerate(text.splitlines(), start=1)
                if line.strip()
            )
        )

    def within(self, first: int, last: int) -> Iterator[Paragraph]:
        return (p for p in self.paragraphs if first <= p.line <= last)

    def locate(self, quote: str, first: int = 1, last: int | None = None) -> list[int] | None:
        """The lines a quote's fragments stand on, in order, within lines first..last.

        An elision (`…`) splits a quote into fragments; each must be verbatim (white
        space folded) and they must come in order. None when the quote is not there.
        """
        spans = self.spans(quote, first, last)
        return None if spans is None else [line for line, _, _ in spans]

    def spans(
        self, quote: str, first: int = 1, last: int | None = None
    ) -> list[tuple[int, int, int]] | None:
        """Where each of a quote's fragments stands: (line, start, end) in the folded
        paragraph, as `locate` finds them; None when the quote is not there."""
        fragments = [fold(f) for f in quote.split(ELLIPSIS)]
        fragments = [f for f in fragments if f]
        if not fragments:
            return None
        paragraphs = [
            p for p in self.paragraphs if p.line >= first and (last is None or p.line <= last)
        ]
        found: list[tuple[int, int, int]] = []
        index, offset = 0, 0
        for fragment in fragments:
            while index < len(paragraphs):
                at = paragraphs[index].text.find(fragment, offset)
                if at >= 0:
                    found.append((paragraphs[index].line, at, at + len(fragment)))
                    offset = at + len(fragment)
                    break
                index, offset = index + 1, 0
            else:
                return None
        return found
