"""The source thread: its paragraphs, and where a quote stands in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

ELLIPSIS = "…"


def fold(text: str) -> str:
    """Fold runs of white space to one space: the one liberty a quote may take."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Paragraph:
    line: int  # 1-based line number in the thread file
    text: str


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
        fragments = [fold(f) for f in quote.split(ELLIPSIS)]
        fragments = [f for f in fragments if f]
        if not fragments:
            return None
        paragraphs = [
            p for p in self.paragraphs if p.line >= first and (last is None or p.line <= last)
        ]
        found: list[int] = []
        index, offset = 0, 0
        for fragment in fragments:
            while index < len(paragraphs):
                at = paragraphs[index].text.find(fragment, offset)
                if at >= 0:
                    found.append(paragraphs[index].line)
                    offset = at + len(fragment)
                    break
                index, offset = index + 1, 0
            else:
                return None
        return found
