"""Simulated respondents: how well a bank's results say what the answers support.

Response models (documented in the README, "Simulating a bank"):

one-factor
    A position t, uniform on [-1, 1]. On each question the respondent picks the
    option whose lean is nearest to t plus normal noise of sd `noise` (the first of
    options with equal leans).
per-dimension
    Each dimension has its own position t_d = t + N(0, DIMENSION_SD), clipped to
    [-1, 1] (correlation with t about 0.7); answers as above with t_d.

The truth for a respondent is the outcome of their noise-free answers (the option
nearest their position, on every question of the form), which is what a
recommendation claims. Everything is scored with the engine's own decision
(`pmfit.scoring.block`, equal to the engine bit for bit), the adaptive quiz with
the session's own order and stopping rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np

from pmfit.bank.model import Bank
from pmfit.batch.fast import pyround
from pmfit.quiz.session import STOP_CONFIDENCE, adaptive_order
from pmfit.scoring import block, engine, model

if TYPE_CHECKING:
    from pmfit.scoring.block import Bools, Floats, Ints

MODELS = ("one-factor", "per-dimension")
NOISES = (0.5, 1.0, 1.5)
DIMENSION_SD = 0.59
#: Confidence bins for the expected calibration error.
BINS = 10
#: A consistent respondent, for the adaptive goal: |t| at least this.
CONSISTENT = 0.4
DECIDED = (0, 1, 2)


class Respondents(msgspec.Struct, frozen=True):
    """Simulated answers: option indices in bank order (-1 skipped)."""

    t: list[float]
    chosen: Any  # n x questions
    noise_free: Any
    retest: Any


def _choose(bank: Bank, positions: Floats) -> Ints:
    """For n x questions positions, the option nearest each (the first of equals)."""
    out = np.empty(positions.shape, dtype=np.int64)
    for j, q in enumerate(bank.questions):
        leans = np.array([o.lean for o in q.options])
        out[:, j] = np.argmin(np.abs(positions[:, j, None] - leans[None, :]), axis=1)
    return out


def respondents(
    bank: Bank, n: int, noise: float, kind: str, rng: np.random.Generator
) -> Respondents:
    t = rng.uniform(-1.0, 1.0, n)
    dims = {d.id: i for i, d in enumerate(bank.dimensions)}
    column = np.array([dims[q.dimension] for q in bank.questions], dtype=np.int64)
    if kind == "one-factor":
        own = np.repeat(t[:, None], len(bank.dimensions), axis=1)
    else:
        own = np.clip(t[:, None] + rng.normal(0, DIMENSION_SD, (n, len(bank.dimensions))), -1, 1)
    where = own[:, column]
    q = len(bank.questions)
    return Respondents(
        t=t.tolist(),
        chosen=_choose(bank, where + rng.normal(0, noise, (n, q))),
        noise_free=_choose(bank, where),
        retest=_choose(bank, where + rng.normal(0, noise, (n, q))),
    )


def full_scores(arrays: block.Arrays, chosen: Ints) -> Floats:
    """The engine's score (unrounded) of each row: weighted mean of dimension means."""
    bank = arrays.bank
    dims = {d.id: i for i, d in enumerate(bank.dimensions)}
    member = np.zeros((len(bank.questions), len(bank.dimensions)))
    for j, q in enumerate(bank.questions):
        member[j, dims[q.dimension]] = 1.0
    answered = chosen >= 0
    leans = np.where(answered, arrays.leans[np.arange(chosen.shape[1])[None, :], chosen], 0.0)
    counts = answered.astype(float) @ member
    sums = leans @ member
    weights = np.array([d.weight for d in bank.dimensions])
    has = counts > 0
    means = np.where(has, sums / np.where(has, counts, 1), 0.0)
    total = (has * weights).sum(axis=1)
    out: Floats = 100.0 * (means * weights).sum(axis=1) / np.where(total > 0, total, 1)
    return out


def truth(arrays: block.Arrays, noise_free: Ints) -> Ints:
    """The side (0 B2B, 1 either, 2 B2C) of each row's score on these answers: for
    noise-free answers, the simulated truth."""
    band = arrays.bank.thresholds.either
    value = full_scores(arrays, noise_free)
    out: Ints = np.where(
        value > band + engine.EPSILON, 2, np.where(value < -band - engine.EPSILON, 0, 1)
    )
    return out


def alpha(arrays: block.Arrays, chosen: Ints) -> float | None:
    """Cronbach's alpha over the questions, the options' leans as item scores."""
    leans = arrays.leans[np.arange(chosen.shape[1])[None, :], chosen]
    k = leans.shape[1]
    if k < 2 or leans.shape[0] < 2:
        return None
    items = leans.var(axis=0, ddof=1).sum()
    total = leans.sum(axis=1).var(ddof=1)
    return None if total <= 0 else float(k / (k - 1) * (1 - items / total))


def calibration(decisions: block.Decisions, true: Ints) -> dict[str, Any]:
    """Per recommendation: count, mean stated confidence, the rate at which the truth is
    the most probable outcome, and the expected calibration error over BINS bins."""
    n = len(true)
    confidence = decisions.probabilities[np.arange(n), decisions.lead]
    hit = decisions.lead == true
    out: dict[str, Any] = {}
    for code, name in enumerate(block.RECOMMENDATIONS):
        rows = decisions.recommendation == code
        count = int(rows.sum())
        if not count:
            continue
        c, h = confidence[rows], hit[rows]
        bins = np.minimum((c * BINS).astype(int), BINS - 1)
        ece = 0.0
        for b in range(BINS):
            inside = bins == b
            if inside.any():
                ece += inside.sum() / count * abs(c[inside].mean() - h[inside].mean())
        out[name] = {
            "count": count,
            "confidence": round(float(c.mean()), 3),
            "observed": round(float(h.mean()), 3),
            "ece": round(float(ece), 3),
        }
    return out


def _flagged(arrays: block.Arrays, chosen: Ints, decisions: block.Decisions) -> Bools:
    misfit = (decisions.random_ratio > engine.MISFIT_RATIO) & (
        (chosen >= 0).sum(axis=1) >= engine.STRAIGHT_LINE_MINIMUM
    )
    out: Bools = misfit | block.straight_lines(arrays, chosen)
    return out


def _shares(codes: Ints) -> dict[str, float]:
    n = max(1, len(codes))
    return {
        name: round(float((codes == i).sum() / n), 3)
        for i, name in enumerate(block.RECOMMENDATIONS)
    }


class Adaptive:
    """The adaptive quiz's order for a bank, and the bank's arrays."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.full = block.Arrays(bank)
        self.order = adaptive_order(bank)


def adaptive(plan: Adaptive, chosen: Ints) -> tuple[Ints, Ints, Ints]:
    """The adaptive quiz for each row: questions asked, the final recommendation's code,
    and how it stopped (0: it asked everything, 2: predictive).

    It asks in the session's order and stops as the session does by default: when the
    result so far is decided with confidence STOP_CONFIDENCE (the predictive stop). The
    exact stop (`--adaptive --exact`) is not simulated: it is exact by construction, and
    tests/test_quiz_session.py checks it against the full quiz.
    """
    bank, order = plan.bank, plan.order
    index = {q.id: j for j, q in enumerate(bank.questions)}
    n = chosen.shape[0]
    asked = np.full(n, len(order), dtype=np.int64)
    #: 0: asked everything; 2: the predictive stop.
    kinds = np.zeros(n, dtype=np.int64)
    final = np.full(n, block.INSUFFICIENT, dtype=np.int64)
    active = np.arange(n)
    for k in range(1, len(order) + 1):
        # The questions asked so far; the others count as not answered (as the session
        # scores them: on the whole bank, unasked questions not counted as skipped).
        columns = sorted(index[qid] for qid in order[:k])
        part = np.full((len(active), len(bank.questions)), -1, dtype=np.int64)
        part[:, columns] = chosen[np.ix_(active, np.array(columns, dtype=np.int64))]
        decisions = block.decide(plan.full, part)
        # The stated confidence, rounded as the result states it, as the session reads it.
        top = pyround(decisions.probabilities[np.arange(len(active)), decisions.lead], 3)
        stop = np.isin(decisions.recommendation, DECIDED) & (top >= STOP_CONFIDENCE)
        kinds[active[stop]] = 2
        if k == len(order):
            stop[:] = True
        done = active[stop]
        asked[done] = k
        final[done] = decisions.recommendation[stop]
        active = active[~stop]
        if not active.size:
            break
    return asked, final, kinds


def _rate(mask: Bools) -> float | None:
    return round(float(mask.mean()), 3) if mask.size else None


def simulate(
    bank: Bank,
    n: int = 1000,
    seed: int = 0,
    noises: Sequence[float] = NOISES,
    models: Sequence[str] = MODELS,
) -> dict[str, Any]:
    """Every figure of `pmfit bank simulate`, as plain data."""
    rng = np.random.default_rng(seed)
    full = block.Arrays(bank)
    short_bank = bank.short_form()
    short = block.Arrays(short_bank) if short_bank.questions else None
    short_columns = [j for j, q in enumerate(bank.questions) if q.short]
    plan = Adaptive(bank)
    rows: list[dict[str, Any]] = []
    for kind in models:
        for noise in noises:
            sim = respondents(bank, n, noise, kind, rng)
            chosen, noise_free, retest = sim.chosen, sim.noise_free, sim.retest
            true = truth(full, noise_free)
            now = block.decide(full, chosen)
            again = block.decide(full, retest)
            n_rows = len(true)
            confidence = now.probabilities[np.arange(n_rows), now.lead]
            sure = np.isin(now.recommendation, DECIDED) & (confidence >= 0.9)
            other = np.isin(again.recommendation, DECIDED) & (
                again.recommendation != now.recommendation
            )
            row: dict[str, Any] = {
                "model": kind,
                "noise": noise,
                "alpha": _round(alpha(full, chosen)),
                "full": {
                    "outcomes": _shares(now.recommendation),
                    "true_outcomes": _shares(true),
                    "calibration": calibration(now, true),
                    "retest_agreement": _rate(again.recommendation == now.recommendation),
                    "sure_changed": _rate(other[sure]),
                    "flagged": _rate(_flagged(full, chosen, now)),
                },
            }
            if short is not None:
                s_chosen = chosen[:, short_columns]
                s_now = block.decide(short, s_chosen)
                s_true = truth(short, noise_free[:, short_columns])
                row["short"] = {
                    "outcomes": _shares(s_now.recommendation),
                    "calibration": calibration(s_now, s_true),
                    "agrees_with_full": _rate(s_now.recommendation == now.recommendation),
                }
            asked, final, kinds = adaptive(plan, chosen)
            consistent = np.abs(np.array(sim.t)) >= CONSISTENT
            row["adaptive"] = {
                "asked_median": float(np.median(asked)),
                "asked_mean": round(float(asked.mean()), 1),
                "differs_from_full": _rate(final != now.recommendation),
                # What each stop claims: among those it stopped, how many the rest of the
                # quiz would have told something else.
                "predictive_stops": _rate(kinds == 2),
                "predictive_differs": _rate((final != now.recommendation)[kinds == 2]),
                "consistent_asked_median": float(np.median(asked[consistent]))
                if consistent.any()
                else None,
                "consistent_differs": _rate((final != now.recommendation)[consistent]),
            }
            rows.append(row)
    return {
        "bank": {"id": bank.id, "version": bank.version, "questions": len(bank.questions)},
        "respondents": n,
        "seed": seed,
        "rows": rows,
        "flags": _flag_rates(bank, full, n, rng),
        "neutral": _neutral(bank, full),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _flag_rates(bank: Bank, full: block.Arrays, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Careful respondents (one-factor, noise 0.5 and 1.0) flagged; random answering and
    every straight line (first, last, middle option throughout) caught."""
    careful = {}
    for noise in (0.5, 1.0):
        sim = respondents(bank, n, noise, "one-factor", rng)
        careful[str(noise)] = _rate(_flagged(full, sim.chosen, block.decide(full, sim.chosen)))
    sizes = full.sizes
    random_answers = np.floor(rng.uniform(0, 1, (n, len(sizes))) * sizes[None, :]).astype(np.int64)
    lines = np.array(
        [
            np.zeros(len(sizes), dtype=np.int64),
            sizes - 1,
            (sizes - 1) // 2,
            sizes // 2,
        ]
    )
    return {
        "careful": careful,
        "random": _rate(_flagged(full, random_answers, block.decide(full, random_answers))),
        "straight_lines": _rate(_flagged(full, lines, block.decide(full, lines))),
    }


def _neutral(bank: Bank, full: block.Arrays) -> dict[str, Any]:
    """A respondent at t = 0, answering without noise."""
    chosen = np.array([[model.nearest(q, 0.0) for q in bank.questions]], dtype=np.int64)
    decisions = block.decide(full, chosen)
    code = int(decisions.recommendation[0])
    return {
        "score": round(float(full_scores(full, chosen)[0]), 2),
        "recommendation": block.RECOMMENDATIONS[code],
        "confidence": round(float(decisions.probabilities[0, decisions.lead[0]]), 3),
    }
