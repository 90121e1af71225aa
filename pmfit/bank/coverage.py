"""Which sentences of the thread the bank quotes, and which it should but does not.

Coverage is counted by sentence, not by paragraph: a paragraph that one question
quotes can still hold a claim that no question asks. Each sentence of a paragraph
inside an answer is quoted (some question's quote overlaps it), set aside (the bank
declares, with a reason, that it bears on no preference: the whole line, or the
sentences a `sentence` entry names), or uncovered.
"""

from __future__ import annotations

import msgspec

from pmfit.bank.model import Bank
from pmfit.bank.thread import ThreadText


class SentenceCoverage(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    questions: tuple[str, ...]
    #: Why the sentence bears on no preference (the bank says so), or None.
    no_preference: str | None
    #: Neither quoted nor set aside.
    uncovered: bool


class ParagraphCoverage(msgspec.Struct, frozen=True, kw_only=True):
    line: int
    answer: int | None
    questions: tuple[str, ...]
    #: Why the whole paragraph bears on no preference (the bank says so), or None.
    no_preference: str | None
    #: Some sentence is neither quoted nor set aside.
    uncovered: bool
    text: str
    sentences: tuple[SentenceCoverage, ...] = ()


class Coverage(msgspec.Struct, frozen=True, kw_only=True):
    """`pmfit bank coverage --json`: the counts, then every paragraph of the thread."""

    #: Paragraphs that bear on a preference and are wholly covered, of those that bear.
    covered: int
    needed: int
    #: Sentences that bear on a preference and are quoted, of those that bear.
    sentences_covered: int
    sentences_needed: int
    paragraphs: list[ParagraphCoverage]


def _overlapping(spans: list[tuple[int, int, str]], start: int, end: int) -> list[str]:
    found: list[str] = []
    for a, b, name in spans:
        if a < end and b > start and name not in found:
            found.append(name)
    return found


def coverage(bank: Bank, thread_text: str) -> Coverage:
    """Every paragraph of the thread, sentence by sentence, and the counts."""
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
            _sentence(
                p.text[start:end],
                tuple(_overlapping(spans, start, end)),
                reason or next(iter(_overlapping(set_aside.get(p.line, []), start, end)), None),
            )
            for start, end in p.sentences()
        )
        questions = tuple(_overlapping(spans, 0, len(p.text)))
        rows.append(
            ParagraphCoverage(
                line=p.line,
                answer=answer,
                questions=questions,
                no_preference=reason,
                uncovered=reason is None and (not questions or any(s.uncovered for s in sentences)),
                text=p.text,
                sentences=sentences,
            )
        )
    needed = [r for r in rows if r.no_preference is None]
    bearing = [s for r in needed for s in r.sentences if s.no_preference is None]
    return Coverage(
        covered=sum(not r.uncovered for r in needed),
        needed=len(needed),
        sentences_covered=sum(bool(s.questions) for s in bearing),
        sentences_needed=len(bearing),
        paragraphs=rows,
    )


def _sentence(text: str, questions: tuple[str, ...], no_preference: str | None) -> SentenceCoverage:
    return SentenceCoverage(
        text=text,
        questions=questions,
        no_preference=no_preference,
        uncovered=no_preference is None and not questions,
    )
