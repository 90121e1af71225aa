"""The result of scoring one respondent, declared once: JSON output and its JSON Schema."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from pmfit.bank.model import Side

RESULT_SCHEMA_ID = "https://pmfit.dev/schema/result/3"

Recommendation = Literal["B2B", "B2C", "either", "too_close", "insufficient"]
FlagCode = Literal["straight_lining", "misfit", "many_skips"]
#: The way an answer pushed the score: negative contributions toward B2B, positive toward B2C.
Toward = Literal["B2B", "B2C"]


class Out(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class BankRef(Out, frozen=True, kw_only=True):
    id: str
    version: str
    sha256: str


class Interval(Out, frozen=True, kw_only=True):
    """A 90% interval for the true score: what the full quiz would give without noise."""

    low: Annotated[float, msgspec.Meta(ge=-100, le=100)]
    high: Annotated[float, msgspec.Meta(ge=-100, le=100)]


class Probabilities(Out, frozen=True, kw_only=True):
    """The probability of each outcome of the respondent's noise-free full quiz."""

    B2B: Annotated[float, msgspec.Meta(ge=0, le=1)]
    either: Annotated[float, msgspec.Meta(ge=0, le=1)]
    B2C: Annotated[float, msgspec.Meta(ge=0, le=1)]


class DimensionScore(Out, frozen=True, kw_only=True):
    id: str
    weight: float
    #: Mean lean of the answered questions, -100..100; null when none was answered.
    score: Annotated[float, msgspec.Meta(ge=-100, le=100)] | None
    answered: int
    questions: int


class QuoteOut(Out, frozen=True, kw_only=True):
    answer: int
    #: The side the quote speaks for, as the bank records it: B2B, B2C or both.
    side: Side
    es: str
    en: str


class RationaleItem(Out, frozen=True, kw_only=True):
    question: str
    option: str
    dimension: str
    lean: float
    #: Points this answer adds to the score (negative: toward B2B).
    contribution: float
    #: The way this answer pushed: the sign of its contribution, in words.
    toward: Toward
    #: The question's quotes that speak for `toward` (or for both sides), in bank order.
    sources: list[QuoteOut] = []


class FlipChange(Out, frozen=True, kw_only=True):
    question: str
    from_: str | None = msgspec.field(name="from")
    to: str


class Flag(Out, frozen=True, kw_only=True):
    code: FlagCode
    questions: list[str]
    detail: str


class Result(Out, frozen=True, kw_only=True):
    schema: str = RESULT_SCHEMA_ID
    bank: BankRef
    respondent: str | None
    #: Every question of the bank, in bank order: the option chosen, or null if skipped.
    answers: dict[str, str | None]
    #: -100 (wholly B2B) to +100 (wholly B2C).
    score: Annotated[float, msgspec.Meta(ge=-100, le=100)]
    interval: Interval
    recommendation: Recommendation
    #: The probability of the most probable outcome (the recommendation, when decided).
    confidence: Annotated[float, msgspec.Meta(ge=0, le=1)]
    probabilities: Probabilities
    dimensions: list[DimensionScore]
    rationale: list[RationaleItem]
    #: The fewest answer changes that change the recommendation (empty when none would).
    flip: list[FlipChange]
    #: The recommendation the answers changed as `flip` says get (never the recommendation
    #: itself; null without a flip).
    flip_to: Recommendation | None
    flags: list[Flag]
