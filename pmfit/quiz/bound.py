"""What the rest of a quiz can still do to the recommendation: an exact bound.

The score is the weighted mean, over the dimensions with at least one answer, of
each dimension's mean lean. It is not linear in the remaining answers: a first
answer in a dimension brings that dimension's weight into the denominator, and
every answer changes its dimension's count. So the bound is computed exactly
over every completion (every way of answering or skipping each remaining
question), in two steps, each a fractional program solved by enumeration:

1. Per dimension, the highest reachable mean. For a chosen set T of remaining
   questions to answer, the mean (S + sum of leans) / (n + |T|) is highest with
   each question's highest lean, and adding a question raises the mean exactly
   when its lean exceeds the current mean. So the best T is a prefix of the
   questions sorted by highest lean, and trying every prefix is exact.
2. The weighted mean over dimensions. With every included dimension at its
   highest mean, the ratio (A + sum w_d M_d) / (W + sum w_d) over the optional
   dimensions (those with no answer yet) rises exactly when a dimension with
   M_d above the current ratio is added, so again the best set is a prefix of
   the dimensions sorted by M_d, and every prefix is tried.

The lowest reachable score is the highest of the negated leans, negated. The
side of the band is monotone in the score, so once "insufficient" (too little of
the score's weight answered) cannot be reached, the side is settled exactly when
the lowest and the highest reachable scores are on the same side. The
recommendation itself also weighs how sure the answers are (`pmfit.scoring.model`):
a settled side says where the score stays, not how confident the result is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from pmfit.bank.model import Bank

# Shared with the engine so that the bound and `score` agree to the last epsilon.
from pmfit.scoring.engine import EPSILON, recommend
from pmfit.scoring.model import tables
from pmfit.scoring.result import Recommendation


class Reach(NamedTuple):
    """Where the remaining questions can still take the result."""

    #: The side of the band (B2B, either, B2C) every completion's score is on, or
    #: "insufficient" if every completion has too little answered; None while it can
    #: still change.
    decided: Recommendation | None
    #: The lowest and highest score (-100..100) reachable by a completion with at
    #: least one answer; equal to the current score when nothing remains.
    low: float
    high: float
    #: Whether some completion leaves too little of the score's weight answered.
    insufficient_reachable: bool


class _Dimension(NamedTuple):
    weight: float
    total: float  # sum of the leans answered so far
    answered: int  # answers so far
    best: list[float]  # each remaining question's highest lean, for the maximum


def _best_mean(total: float, count: int, leans: Sequence[float]) -> float | None:
    """Highest (total + chosen) / (count + chosen count); None if it cannot have an answer."""
    ordered = sorted(leans, reverse=True)
    best: float | None = total / count if count else None
    running, n = total, count
    for lean in ordered:
        running += lean
        n += 1
        mean = running / n
        if best is None or mean > best:
            best = mean
    return best


def _highest(dimensions: Sequence[_Dimension]) -> float:
    """Highest reachable weighted mean, given at least one dimension answered or answerable."""
    fixed_sum = fixed_weight = 0.0
    optional: list[tuple[float, float]] = []
    for d in dimensions:
        mean = _best_mean(d.total, d.answered, d.best)
        if mean is None:
            continue
        if d.answered:
            fixed_sum += d.weight * mean
            fixed_weight += d.weight
        else:
            optional.append((mean, d.weight))
    optional.sort(reverse=True)
    best = fixed_sum / fixed_weight if fixed_weight else None
    for mean, weight in optional:
        fixed_sum += weight * mean
        fixed_weight += weight
        ratio = fixed_sum / fixed_weight
        if best is None or ratio > best:
            best = ratio
    return 100.0 * (best if best is not None else 0.0)


def _dimensions(
    bank: Bank, answers: Mapping[str, str | None], remaining: Iterable[str], sign: float
) -> list[_Dimension]:
    totals = {d.id: 0.0 for d in bank.dimensions}
    counts = {d.id: 0 for d in bank.dimensions}
    best: dict[str, list[float]] = {d.id: [] for d in bank.dimensions}
    questions = {q.id: q for q in bank.questions}
    for qid, oid in answers.items():
        if oid is None:
            continue
        q = questions[qid]
        totals[q.dimension] += sign * next(o.lean for o in q.options if o.id == oid)
        counts[q.dimension] += 1
    for qid in remaining:
        q = questions[qid]
        best[q.dimension].append(max(sign * o.lean for o in q.options))
    return [_Dimension(d.weight, totals[d.id], counts[d.id], best[d.id]) for d in bank.dimensions]


def current_value(bank: Bank, answers: Mapping[str, str | None]) -> float:
    """The score (unrounded) of `answers` alone; 0 when nothing is answered."""
    return _highest(_dimensions(bank, answers, (), 1.0))


def reach(
    bank: Bank, answers: Mapping[str, str | None], remaining: Iterable[str] | None = None
) -> Reach:
    """The exact reach of every completion of `answers` over the `remaining` questions.

    `remaining` defaults to every question of the bank without an entry in `answers`
    (an entry of None is a question already skipped: it stays skipped).
    """
    open_ids = (
        [q.id for q in bank.questions if q.id not in answers]
        if remaining is None
        else list(remaining)
    )
    up = _dimensions(bank, answers, open_ids, 1.0)
    down = _dimensions(bank, answers, open_ids, -1.0)
    share = dict(zip((q.id for q in bank.questions), tables(bank).share, strict=True))
    # Summed in bank order, as the engine does.
    fixed = possible = 0.0
    open_set = set(open_ids)
    for q in bank.questions:
        if answers.get(q.id) is not None:
            fixed += share[q.id]
            possible += share[q.id]
        elif q.id in open_set:
            possible += share[q.id]
    needed = bank.thresholds.min_answered_weight
    insufficient = fixed <= 0 or fixed < needed - EPSILON
    sufficient = possible > 0 and possible >= needed - EPSILON
    reachable = any(d.answered or d.best for d in up)
    high = _highest(up) if reachable else 0.0
    low = -_highest(down) if reachable else 0.0
    decided: Recommendation | None
    if insufficient:
        decided = None if sufficient else "insufficient"
    else:
        band = bank.thresholds.either
        top, bottom = recommend(high, band), recommend(low, band)
        decided = top if top == bottom else None
    return Reach(decided=decided, low=low, high=high, insufficient_reachable=insufficient)
