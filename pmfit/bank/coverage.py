"""Which paragraphs of the thread the bank quotes, and which it should but does not."""

from __future__ import annotations

from dataclasses import dataclass

from pmfit.bank.model import Bank
from pmfit.bank.thread import ThreadText


@dataclass(frozen=True)
class ParagraphCoverage:
    line: int
    answer: int | None
    text: str
    questions: tuple[str, ...]
    #: Why the paragraph bears on no preference (the bank says so), or None.
    no_preference: str | None

    @property
    def uncovered(self) -> bool:
        return self.no_preference is None and not self.questions


def coverage(bank: Bank, thread_text: str) -> list[ParagraphCoverage]:
    thread = ThreadText.parse(thread_text)
    quoted: dict[int, list[str]] = {}
    for q in bank.questions:
        for s in q.sources:
            lo, hi = bank.source.answer(s.answer).lines
            for line in thread.locate(s.quote.es, lo, hi) or ():
                if q.id not in quoted.setdefault(line, []):
                    quoted[line].append(q.id)
    excluded = {e.line: e.why for e in bank.source.no_preference}
    rows = []
    for p in thread.paragraphs:
        answer = next(
            (a.number for a in bank.source.answers if a.lines[0] <= p.line <= a.lines[1]), None
        )
        reason = excluded.get(p.line)
        if reason is None and answer is None:
            reason = "outside every answer"
        rows.append(
            ParagraphCoverage(p.line, answer, p.text, tuple(quoted.get(p.line, ())), reason)
        )
    return rows
