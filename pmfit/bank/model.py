"""The bank's schema, declared once.

These structs are what the loader validates a bank against, what
`pmfit bank schema` publishes as JSON Schema, and what the engine runs on.

No `from __future__ import annotations` here: msgspec would then evaluate every field's
annotation from its string the first time it decodes a bank, which costs every command
half a millisecond more than evaluating them once as the module is imported.
"""

from collections.abc import Mapping
from typing import Annotated, Literal

import msgspec

Id = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=64)]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
Lean = Annotated[
    float,
    msgspec.Meta(ge=-1, le=1, description="-1 is wholly B2B, +1 wholly B2C, 0 neutral"),
]
#: A dimension's weight is relative to the others': within these bounds one dimension
#: counts at most 10,000 times another, and no sum or product of weights can overflow.
WEIGHT_RANGE = (0.01, 100.0)
Weight = Annotated[
    float,
    msgspec.Meta(
        ge=WEIGHT_RANGE[0],
        le=WEIGHT_RANGE[1],
        description="relative to the other dimensions' weights, from 0.01 to 100",
    ),
]
Language = Literal["en", "es"]
#: The side a quote speaks for: it argues for or describes B2B, B2C, or both alike.
Side = Literal["B2B", "B2C", "both"]
LANGUAGES: tuple[Language, ...] = ("en", "es")


class Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class Text(Strict, frozen=True, kw_only=True):
    """A text in every language the bank speaks."""

    en: NonEmpty
    es: NonEmpty

    def get(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


class Quote(Strict, frozen=True, kw_only=True):
    """A quote from the thread: `es` verbatim (`…` marks an elision), `en` our translation."""

    es: NonEmpty
    en: NonEmpty


class Source(Strict, frozen=True, kw_only=True):
    answer: Annotated[int, msgspec.Meta(ge=1, description="the thread's answer number")]
    side: Annotated[
        Side,
        msgspec.Meta(
            description="the side the quote speaks for, read from the thread: B2B, B2C, "
            "or both (it argues for, or describes, both alike)"
        ),
    ]
    quote: Quote

    def speaks_for(self, toward: str) -> bool:
        """Whether the quote supports an answer that pushed `toward` ("B2B" or "B2C")."""
        return self.side == toward or self.side == "both"


class Option(Strict, frozen=True, kw_only=True):
    id: Id
    label: Text
    lean: Lean


class Question(Strict, frozen=True, kw_only=True):
    id: Id
    dimension: Id
    prompt: Text
    options: Annotated[list[Option], msgspec.Meta(min_length=2, max_length=5)]
    sources: Annotated[list[Source], msgspec.Meta(min_length=1)]
    short: bool = False


class Dimension(Strict, frozen=True, kw_only=True):
    id: Id
    weight: Weight
    name: Text
    description: Text


class Thresholds(Strict, frozen=True, kw_only=True):
    either: Annotated[float, msgspec.Meta(ge=0, le=100)] = 15.0
    #: Ignored since result schema 2 (sufficiency is by weight answered); kept so that
    #: banks written for it still load.
    min_answered_dimensions: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.5
    min_answered_weight: Annotated[
        float,
        msgspec.Meta(
            ge=0,
            le=1,
            description="share of the score's weight that must be answered to recommend",
        ),
    ] = 0.25
    many_skips: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.3


class ThreadAnswer(Strict, frozen=True, kw_only=True):
    number: Annotated[int, msgspec.Meta(ge=1)]
    lines: Annotated[
        list[Annotated[int, msgspec.Meta(ge=1)]], msgspec.Meta(min_length=2, max_length=2)
    ]
    role: Text


class NoPreference(Strict, frozen=True, kw_only=True):
    """A paragraph of the thread that bears on no preference, or, with `sentence`, the
    sentences of it that a verbatim part of them names."""

    line: Annotated[int, msgspec.Meta(ge=1)]
    sentence: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                description="a verbatim part of the line: sets aside only the sentences it touches",
            ),
        ]
        | None
    ) = None
    why: NonEmpty


class Thread(Strict, frozen=True, kw_only=True):
    file: NonEmpty
    question: Text
    answers: Annotated[list[ThreadAnswer], msgspec.Meta(min_length=1)]
    no_preference: list[NoPreference] = []

    def answer(self, number: int) -> ThreadAnswer:
        for a in self.answers:
            if a.number == number:
                return a
        raise KeyError(number)


class QuestionsFile(Strict, frozen=True, kw_only=True):
    """Any further `*.yaml` file of a bank directory: more questions, in quiz order."""

    questions: list[Question]


class BankFile(Strict, frozen=True, kw_only=True):
    """`bank.yaml`: the bank's metadata, dimensions and declared pairs."""

    id: Id
    version: NonEmpty
    languages: Annotated[list[Language], msgspec.Meta(min_length=1)]
    title: Text
    source: Thread
    dimensions: Annotated[list[Dimension], msgspec.Meta(min_length=1)]
    thresholds: Thresholds = Thresholds()
    pairs: list[Annotated[list[Id], msgspec.Meta(min_length=2, max_length=2)]] = []
    questions: list[Question] = []


class Bank(Strict, frozen=True, kw_only=True):
    """A loaded, validated bank: what the engine and every view use."""

    id: str
    version: str
    sha256: str
    title: Text
    thresholds: Thresholds
    source: Thread
    dimensions: list[Dimension]
    questions: list[Question]
    pairs: list[list[str]]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def fitting(self, answers: Mapping[str, str | None]) -> tuple[dict[str, str | None], list[str]]:
        """The answers whose question, and chosen option, this bank has; and the ids of
        those it has not. Answers given to another version of the bank keep what still
        fits: a saved quiz resumes with them, and `pmfit report --rescore` scores them."""
        options = {q.id: {o.id for o in q.options} for q in self.questions}
        kept: dict[str, str | None] = {}
        dropped: list[str] = []
        for qid, oid in answers.items():
            if qid in options and (oid is None or oid in options[qid]):
                kept[qid] = oid
            else:
                dropped.append(qid)
        return kept, dropped

    def short_form(self) -> "Bank":
        questions = [q for q in self.questions if q.short]
        covered = {q.dimension for q in questions}
        return msgspec.structs.replace(
            self,
            questions=questions,
            dimensions=[d for d in self.dimensions if d.id in covered],
            pairs=[p for p in self.pairs if all(q.short for q in map(self.question, p))],
        )
