"""Score one respondent's answers against a bank.

score
    The weighted mean, over the dimensions with at least one answer, of the mean
    lean of that dimension's answered questions, times 100.
interval, confidence
    A normal approximation. The score is a weighted sum of answered leans,
    sum(c_i * x_i) with sum(c_i) = 1, so its standard error is s * sqrt(sum(c_i^2)),
    where s^2 is the weighted spread of the answers around the score, shrunk
    towards 0.25 with two pseudo-answers so that a few identical answers do not
    claim certainty. The interval is score +/- 1.645 SE (90%), clipped to
    -100..100; the confidence is the probability, under that normal, that the
    true score lies in the recommended region (beyond the either-band for B2B or
    B2C, inside it for either). An even split of strong answers has a large
    spread and so a wide interval and a low confidence.
rationale
    Each reason is an answer, the side it pushed toward (the sign of its points)
    and the question's quotes that speak for that side or both. B2B and B2C
    show the answers that pushed their way; any other decided outcome shows the
    strongest on each side.
flip, flip_to
    The fewest changes that change the recommendation, and the recommendation
    the changed answers get under the same rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from pmfit.bank.model import Bank, Question
from pmfit.scoring.result import (
    BankRef,
    DimensionScore,
    Flag,
    FlipChange,
    Interval,
    QuoteOut,
    RationaleItem,
    Recommendation,
    Result,
    Toward,
)

Z90 = 1.6448536269514722
PRIOR_VARIANCE = 0.25
PRIOR_WEIGHT = 2.0
RATIONALE_SIZE = 5
#: A result on neither side shows reasons from both: at most this many from one side.
PER_SIDE = RATIONALE_SIZE - RATIONALE_SIZE // 2
STRAIGHT_LINE_MINIMUM = 6
STRONG = 0.5
EPSILON = 1e-9


class InvalidAnswers(ValueError):
    """Answers naming a question or an option that the bank does not have."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def check_answers(bank: Bank, answers: Mapping[str, str | None]) -> list[str]:
    """Every problem with `answers` against `bank`, as sentences (empty when fine)."""
    problems = []
    known = {q.id: q for q in bank.questions}
    for qid, oid in answers.items():
        question = known.get(qid)
        if question is None:
            problems.append(f"unknown question {qid!r}")
        elif oid is not None and oid not in {o.id for o in question.options}:
            allowed = ", ".join(o.id for o in question.options)
            problems.append(f"question {qid!r}: unknown option {oid!r} (allowed: {allowed})")
    return problems


class _Answered(NamedTuple):
    question: Question
    position: int  # the option's index in the question
    lean: float
    weight: float  # c_i: this answer's share of the score


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def recommend(value: float, band: float) -> Recommendation:
    if value > band + EPSILON:
        return "B2C"
    if value < -band - EPSILON:
        return "B2B"
    return "either"


class _Decision(NamedTuple):
    """What the answers decide, before any explanation of it."""

    by_dimension: dict[str, list[tuple[Question, int, float]]]
    answered: list[_Answered]
    value: float
    se: float
    recommendation: Recommendation


def _decide(bank: Bank, answers: Mapping[str, str | None]) -> _Decision:
    band = bank.thresholds.either
    weights = {d.id: d.weight for d in bank.dimensions}
    by_dimension: dict[str, list[tuple[Question, int, float]]] = {d.id: [] for d in bank.dimensions}
    for q in bank.questions:
        oid = answers.get(q.id)
        if oid is not None:
            position = next(i for i, o in enumerate(q.options) if o.id == oid)
            by_dimension[q.dimension].append((q, position, q.options[position].lean))

    answered_dims = [d for d, items in by_dimension.items() if items]
    total_weight = sum(weights[d] for d in answered_dims)
    answered: list[_Answered] = []
    for d in answered_dims:
        items = by_dimension[d]
        share = weights[d] / (len(items) * total_weight)
        answered += [_Answered(q, pos, lean, share) for q, pos, lean in items]

    raw = sum(a.weight * a.lean for a in answered)
    value = 100.0 * raw
    dims_needed = bank.thresholds.min_answered_dimensions * len(bank.dimensions)
    if not answered or len(answered_dims) < dims_needed - EPSILON:
        recommendation: Recommendation = "insufficient"
    else:
        recommendation = recommend(value, band)
    return _Decision(by_dimension, answered, value, _standard_error(answered, raw), recommendation)


def score(bank: Bank, answers: Mapping[str, str | None], respondent: str | None = None) -> Result:
    """Score `answers` ({question id: option id or None}) against `bank`."""
    problems = check_answers(bank, answers)
    if problems:
        raise InvalidAnswers(problems)
    band = bank.thresholds.either
    by_dimension, answered, value, se, recommendation = _decide(bank, answers)
    if answered:
        low, high = max(-100.0, value - Z90 * se), min(100.0, value + Z90 * se)
    else:
        low, high = -100.0, 100.0
    confidence = _confidence(recommendation, value, se, band)
    flip = _flip(answered, recommendation, value, band)
    # What the changed answers would get, decided by the same rule as these answers:
    # the last change may carry the score past the band, not just onto its edge.
    flip_to = (
        _decide(bank, {**answers, **{c.question: c.to for c in flip}}).recommendation
        if flip
        else None
    )

    return Result(
        bank=BankRef(id=bank.id, version=bank.version, sha256=bank.sha256),
        respondent=respondent,
        answers={q.id: answers.get(q.id) for q in bank.questions},
        score=round(value, 2),
        interval=Interval(low=round(low, 2), high=round(high, 2)),
        recommendation=recommendation,
        confidence=round(confidence, 3),
        dimensions=[
            DimensionScore(
                id=d.id,
                weight=d.weight,
                score=(
                    round(
                        100.0 * sum(x for _, _, x in by_dimension[d.id]) / len(by_dimension[d.id]),
                        2,
                    )
                    if by_dimension[d.id]
                    else None
                ),
                answered=len(by_dimension[d.id]),
                questions=sum(1 for q in bank.questions if q.dimension == d.id),
            )
            for d in bank.dimensions
        ],
        rationale=_rationale(answered, recommendation),
        flip=flip,
        flip_to=flip_to,
        flags=_flags(bank, answers, answered),
    )


def _standard_error(answered: list[_Answered], raw: float) -> float:
    if not answered:
        return 0.0
    sum_sq = sum(a.weight**2 for a in answered)
    n_eff = 1.0 / sum_sq
    spread = sum(a.weight * (a.lean - raw) ** 2 for a in answered)
    sample_var = spread / (1.0 - sum_sq) if sum_sq < 1.0 - EPSILON else 0.0
    variance = (n_eff * sample_var + PRIOR_WEIGHT * PRIOR_VARIANCE) / (n_eff + PRIOR_WEIGHT)
    return 100.0 * math.sqrt(variance * sum_sq)


def _confidence(recommendation: Recommendation, value: float, se: float, band: float) -> float:
    if recommendation == "insufficient" or se <= 0:
        return 0.0 if recommendation == "insufficient" else 1.0
    if recommendation == "B2C":
        return _normal_cdf((value - band) / se)
    if recommendation == "B2B":
        return _normal_cdf((-band - value) / se)
    return _normal_cdf((band - value) / se) - _normal_cdf((-band - value) / se)


def toward(points: float) -> Toward:
    """The side an answer pushed toward, from the sign of its points."""
    return "B2C" if points > 0 else "B2B"


def _rationale(answered: list[_Answered], recommendation: Recommendation) -> list[RationaleItem]:
    """The answers that pushed hardest toward the recommended side, with the quotes that
    speak for that side; for any other decided outcome (balanced, undecided), the
    strongest on each side, at most `PER_SIDE` from either."""
    if recommendation == "insufficient":
        return []
    points = [(100.0 * a.weight * a.lean, a) for a in answered if a.lean != 0]
    if recommendation in ("B2C", "B2B"):
        sign = 1.0 if recommendation == "B2C" else -1.0
        ranked = sorted((p for p in points if sign * p[0] > 0), key=lambda p: -sign * p[0])
    else:
        ranked = []
        taken = {"B2B": 0, "B2C": 0}
        for p in sorted(points, key=lambda p: -abs(p[0])):
            side = toward(p[0])
            if taken[side] < PER_SIDE:
                taken[side] += 1
                ranked.append(p)
    return [
        RationaleItem(
            question=a.question.id,
            option=a.question.options[a.position].id,
            dimension=a.question.dimension,
            lean=a.lean,
            contribution=round(points_, 2),
            toward=toward(points_),
            sources=[
                QuoteOut(answer=s.answer, side=s.side, es=s.quote.es, en=s.quote.en)
                for s in a.question.sources
                if s.speaks_for(toward(points_))
            ],
        )
        for points_, a in ranked[:RATIONALE_SIZE]
    ]


def _changes(
    answered: list[_Answered], value: float, target: float, direction: int
) -> list[FlipChange] | None:
    """Fewest changes moving the score past `target` (direction +1 up, -1 down).

    Each change moves the score by 100 * c_i * (new - old) independently of the
    others, so the k largest possible moves are the best k changes: taking them
    greedily gives the fewest. The last change uses the mildest option that still
    suffices, so the advice asks for no more than it must.
    """
    need = (target - value) * direction
    moves = []
    for a in answered:
        best = max(a.question.options, key=lambda o: direction * o.lean)
        gain = 100.0 * a.weight * direction * (best.lean - a.lean)
        if gain > EPSILON:
            moves.append((gain, a))
    moves.sort(key=lambda m: (-m[0], m[1].question.id))
    changes: list[FlipChange] = []
    total = 0.0
    for gain, a in moves:
        if total + gain >= need - EPSILON:
            options = sorted(a.question.options, key=lambda o: direction * o.lean)
            chosen = next(
                o
                for o in options
                if 100.0 * a.weight * direction * (o.lean - a.lean) + total >= need - EPSILON
            )
            changes.append(
                FlipChange(
                    question=a.question.id, from_=a.question.options[a.position].id, to=chosen.id
                )
            )
            return changes
        total += gain
        best = max(a.question.options, key=lambda o: direction * o.lean)
        changes.append(
            FlipChange(question=a.question.id, from_=a.question.options[a.position].id, to=best.id)
        )
    return None


def _flip(
    answered: list[_Answered], recommendation: Recommendation, value: float, band: float
) -> list[FlipChange]:
    # Moving exactly onto the band's edge gives "either"; leaving it needs a hair more.
    margin = 1e-6
    if recommendation == "B2C":
        candidates = [_changes(answered, value, band, -1)]
    elif recommendation == "B2B":
        candidates = [_changes(answered, value, -band, +1)]
    elif recommendation == "either":
        candidates = [
            _changes(answered, value, band + margin, +1),
            _changes(answered, value, -band - margin, -1),
        ]
    else:
        return []
    found = [c for c in candidates if c is not None]
    return min(found, key=len) if found else []


def _flags(bank: Bank, answers: Mapping[str, str | None], answered: list[_Answered]) -> list[Flag]:
    flags: list[Flag] = []
    positions = {a.position for a in answered}
    if len(answered) >= STRAIGHT_LINE_MINIMUM and len(positions) == 1:
        position = positions.pop() + 1
        flags.append(
            Flag(
                code="straight_lining",
                questions=[a.question.id for a in answered],
                detail=f"every answer is option {position} of its question",
            )
        )
    leans = {a.question.id: a.lean for a in answered}
    for first, second in bank.pairs:
        if first in leans and second in leans:
            x, y = leans[first], leans[second]
            if abs(x) >= STRONG and abs(y) >= STRONG and x * y < 0:
                flags.append(
                    Flag(
                        code="contradiction",
                        questions=[first, second],
                        detail=f"{first!r} and {second!r} ask the same thing from "
                        f"opposite sides, and the answers disagree",
                    )
                )
    skipped = [q.id for q in bank.questions if answers.get(q.id) is None]
    if bank.questions and len(skipped) / len(bank.questions) > bank.thresholds.many_skips + EPSILON:
        flags.append(
            Flag(
                code="many_skips",
                questions=skipped,
                detail=f"{len(skipped)} of {len(bank.questions)} questions skipped",
            )
        )
    return flags
