"""Which sentences of the thread the bank quotes, and which it should but does not.

Coverage is counted by sentence, not by paragraph: a paragraph that one question
quotes can still hold a claim that no question asks. Each sentence of a paragraph
inside an answer is quoted (some question's quote overlaps it), set aside (the bank
declares, with a reason, that it bears on no preference: the whole line, or the
sentences a `sentence` entry names), or uncovered.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmfit.bank.model import Bank
from pmfit.bank.thread import ThreadText


@dataclass(frozen=True)
class SentenceCoverage:
    text: str
    questions: tuple[str, ...]
    #: Why the sentence bears on no preference (the bank says so), or None.
    no_preference: str | None

    @property
    def uncovered(self) -> bool:
        return self.no_preference is None and not self.questions


@dataclass(frozen=True)
class ParagraphCoverage:
    line: int
    answer: int | None
    text: str
    questions: tuple[str, ...]
    #: Why the whole paragraph bears on no preference (the bank says so), or None.
    no_preference: str | None
    sentences: tuple[SentenceCoverage, ...] = ()

    @property
    def uncovered(self) -> bool:
        """Some sentence is neither quoted nor set aside."""
        return self.no_preference is None and (
            not self.questions or any(s.uncovered for s in self.sentences)
        )


def _overlapping(spans: list[tuple[int, int, str]], start: int, end: int) -> list[str]:
    found: list[str] = []
    for a, b, name in spans:
        if a < end and b > start and name not in found:
            found.append(name)
    return found


def coverage(bank: Bank, thread_text: str) -> list[ParagraphCoverage]:
    thread = ThreadText.parse(thread_text)
    quoted: dict[int, list[tuple[int, int, str]]] = {}
    for q in bank.questions:
        for s in q.sources:
            lo, hi = bank.source.answer(s.answer).lines
            for line, start, end in thread.spans(s.quote.es, lo, hi) or ():
                quoted.setdefault(line, []).append((start, end, q.id))
    whole = {e.line: e.why for e in bank.source.no_preference if e.sentence is None}
    set_aside: dict[int, list[tuple[int, int, str]]] = {}
    for e in bank.source.no_preference:
        if e.sentence is not None:
            for line, start, end in thread.spans(e.sentence, e.line, e.line) or ():
                set_aside.setdefault(line, []).append((start, end, e.why))
    rows = []
    for p in thread.paragraphs:
        answer = next(
            (a.number for a in bank.source.answers if a.lines[0] <= p.line <= a.lines[1]), None
        )
        reason = whole.get(p.line)
        if reason is None and answer is None:
            reason = "outside every answer"
        spans = quoted.get(p.line, [])
        sentences = tuple(
            SentenceCoverage(
                p.text[start:end],
                tuple(_overlapping(spans, start, end)),
                reason or next(iter(_overlapping(set_aside.get(p.line, []), start, end)), None),
            )
            for start, end in p.sentences()
        )
        questions = tuple(_overlapping(spans, 0, len(p.text)))
        rows.append(ParagraphCoverage(p.line, answer, p.text, questions, reason, sentences))
    return rows
