"""The compact batch line: `pmfit score --json`'s fields, with rationale by question id.

A batch of a million respondents repeats the same quotes a million times, so by
default each rationale item keeps only what identifies it and what it weighs:

    rationale: [{"question": id, "option": id, "contribution": points, "toward": side}]

Everything else in the line is exactly `pmfit score --json`'s (flip already names
only ids). `pmfit batch --with-quotes` writes the full items instead, and
`pmfit batch --schema` prints this shape as a JSON Schema (`pmfit.schemas`).
"""

from __future__ import annotations

import msgspec

from pmfit.scoring.result import (
    BankRef,
    DimensionScore,
    Flag,
    FlipChange,
    Interval,
    Out,
    Probabilities,
    Recommendation,
    Result,
    Toward,
)

COMPACT_SCHEMA_ID = "https://pmfit.dev/schema/result-compact/3"


class CompactReason(Out, frozen=True, kw_only=True):
    question: str
    option: str
    #: Points this answer adds to the score (negative: toward B2B).
    contribution: float
    #: The way this answer pushed: the sign of its contribution, in words.
    toward: Toward


class CompactResult(Out, frozen=True, kw_only=True):
    """A result as `pmfit batch` writes it by default: the full result's fields, with a
    schema id of its own and shorter rationale items."""

    schema: str = COMPACT_SCHEMA_ID
    bank: BankRef
    respondent: str | None
    answers: dict[str, str | None]
    score: float
    interval: Interval
    recommendation: Recommendation
    confidence: float
    probabilities: Probabilities
    dimensions: list[DimensionScore]
    rationale: list[CompactReason]
    flip: list[FlipChange]
    flip_to: Recommendation | None
    flags: list[Flag]


def compact(result: Result) -> CompactResult:
    """The compact form of a full result (the reference the fast scorer is tested against)."""
    fields = msgspec.structs.asdict(result)
    fields["schema"] = COMPACT_SCHEMA_ID
    fields["rationale"] = [
        CompactReason(
            question=r.question, option=r.option, contribution=r.contribution, toward=r.toward
        )
        for r in result.rationale
    ]
    return CompactResult(**fields)
