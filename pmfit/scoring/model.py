"""The measurement model behind the decision: what the answers say about the full quiz.

A respondent has a position t in [-1, 1]. On each question they choose the option
whose lean is nearest to t plus normal noise of standard deviation sigma (options
with the same lean share its chance equally). Their *noise-free* answers (the option
nearest to t itself, on every question of the form) give their true score, and the
side of the band it falls on is their true outcome: B2B, either or B2C. That is
what a recommendation claims, and what `pmfit bank simulate` checks it against.

Given some answers, the posterior over t (a grid of `CELLS` cells, uniform prior;
sigma one of `SIGMAS`, uniform prior, summed out) gives the probability of each
true outcome. A further component, answering at random (every option equally
likely), is kept beside the model: its likelihood against the model's is the
person-fit measure behind the `misfit` flag.

Everything here is a table that depends on the bank alone, computed once per bank
and shared by the engine (`pmfit.scoring.engine`), the batch scorer and the
simulator; the per-respondent arithmetic (products, sums, comparisons) is done
in the same order everywhere, so every path gives the same bytes.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from pmfit.bank.model import Bank, Question

if TYPE_CHECKING:
    from pmfit.scoring.result import Recommendation

#: Cells of the grid over t: midpoints of CELLS equal cells of [-1, 1].
CELLS = 40  # even: the cells pair up as mirror images
SIGMAS = (0.5, 0.75, 1.0, 1.25, 1.5)
#: The least probability an option gets: one slip cannot rule a position out.
FLOOR = 1e-4
#: The likelihood vector is rescaled by its maximum after this many questions, so that
#: long banks never underflow (a division by the maximum is exact in every path).
RESCALE_EVERY = 8
OUTCOMES: tuple[Recommendation, Recommendation, Recommendation] = ("B2B", "either", "B2C")


def positions() -> list[float]:
    """The cells' midpoints, exactly symmetric about 0 (so mirrored banks mirror exactly)."""
    return [(2 * i - (CELLS - 1)) / CELLS for i in range(CELLS)]


def _between(lo: float, hi: float) -> float:
    """P(lo < Z < hi) for a standard normal Z, computed from the tail the interval lies
    towards, so that the mirrored interval gets the very same float."""
    root2 = math.sqrt(2.0)
    if lo + hi >= 0:
        return 0.5 * math.erfc(lo / root2) - 0.5 * math.erfc(hi / root2)
    return 0.5 * math.erfc(-hi / root2) - 0.5 * math.erfc(-lo / root2)


def nearest(question: Question, t: float) -> int:
    """The option nearest to position t (the first of equals): a noise-free answer."""
    return min(range(len(question.options)), key=lambda i: abs(question.options[i].lean - t))


def cuts(leans: Sequence[float]) -> tuple[list[float], list[list[int]]]:
    """A question's distinct leans, ascending, as (cut points between them, the options
    of each lean). A position between two cut points answers with that lean."""
    distinct = sorted(set(leans))
    groups = [[i for i, x in enumerate(leans) if x == v] for v in distinct]
    return [(a + b) / 2 for a, b in itertools.pairwise(distinct)], groups


def option_likelihoods(question: Question) -> list[list[float]]:
    """For each option, its probability at each (sigma, cell) of the grid, flattened
    sigma-major; the random component's 1/K is added as the last column."""
    return _likelihoods(tuple(o.lean for o in question.options))


@functools.lru_cache(maxsize=64)
def _likelihoods(leans: tuple[float, ...]) -> list[list[float]]:
    # Questions with the same leans (most of a bank) share one table: built once.
    points, groups = cuts(leans)
    bounds = [-math.inf, *points, math.inf]
    grid = positions()
    table = [[0.0] * (len(SIGMAS) * CELLS) for _ in leans]
    for s, sigma in enumerate(SIGMAS):
        for g, t in enumerate(grid):
            for j, group in enumerate(groups):
                p = _between((bounds[j] - t) / sigma, (bounds[j + 1] - t) / sigma)
                for i in group:
                    table[i][s * CELLS + g] = max(FLOOR, p / len(group))
    uniform = 1.0 / len(leans)
    return [[*row, uniform] for row in table]


class Tables(NamedTuple):
    """What the decision needs from a bank, computed once."""

    #: likelihood[j][k]: question j (bank order), option k: a vector of
    #: len(SIGMAS) * CELLS model columns and one random column.
    likelihood: list[list[list[float]]]
    #: For each cell: the index in OUTCOMES of the true outcome at that position.
    truth: list[int]
    #: For each cell: the true score (-100..100) at that position.
    true_score: list[float]
    #: Each question's share of the full score (its dimension's weight over the total,
    #: over the dimension's questions): how much of the score an answer settles.
    share: list[float]


_CACHE: dict[tuple[object, ...], Tables] = {}


def _key(bank: Bank) -> tuple[object, ...]:
    return (
        bank.sha256,
        bank.thresholds.either,
        tuple((d.id, d.weight) for d in bank.dimensions),
        tuple((q.id, q.dimension, tuple(o.lean for o in q.options)) for q in bank.questions),
    )


#: The last few banks seen, by identity: a bank is frozen, so the same object has the
#: same tables, and the adaptive quiz asks for them at every step.
_RECENT: dict[int, tuple[Bank, Tables]] = {}


def tables(bank: Bank) -> Tables:
    recent = _RECENT.get(id(bank))
    if recent is not None and recent[0] is bank:
        return recent[1]
    found = _by_content(bank)
    _RECENT[id(bank)] = (bank, found)
    if len(_RECENT) > 64:
        del _RECENT[next(iter(_RECENT))]
    return found


def _by_content(bank: Bank) -> Tables:
    key = _key(bank)
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _build(bank)
        if len(_CACHE) > 16:
            del _CACHE[next(iter(_CACHE))]
    return found


def full_score(bank: Bank, positions_by_question: Sequence[int]) -> float:
    """The score (unrounded, -100..100) of a complete set of answers, as option indices in
    bank order: the weighted mean over dimensions of each dimension's mean lean."""
    sums: dict[str, list[float]] = {}
    for q, k in zip(bank.questions, positions_by_question, strict=True):
        sums.setdefault(q.dimension, []).append(q.options[k].lean)
    weights = {d.id: d.weight for d in bank.dimensions}
    total = math.fsum(weights[d] for d in sums)
    if not total:
        return 0.0
    return 100.0 * math.fsum(weights[d] * math.fsum(x) / len(x) for d, x in sums.items()) / total


def outcome(value: float, band: float, epsilon: float = 1e-9) -> int:
    """The index in OUTCOMES of a score's side of the band."""
    if value > band + epsilon:
        return 2
    if value < -band - epsilon:
        return 0
    return 1


def _build(bank: Bank) -> Tables:
    true_score = [full_score(bank, [nearest(q, t) for q in bank.questions]) for t in positions()]
    weights = {d.id: d.weight for d in bank.dimensions}
    counts: dict[str, int] = {}
    for q in bank.questions:
        counts[q.dimension] = counts.get(q.dimension, 0) + 1
    total = math.fsum(weights[d] for d in counts)
    return Tables(
        likelihood=[option_likelihoods(q) for q in bank.questions],
        truth=[outcome(v, bank.thresholds.either) for v in true_score],
        true_score=true_score,
        share=[weights[q.dimension] / counts[q.dimension] / total for q in bank.questions],
    )


class Posterior(NamedTuple):
    """What one respondent's answers say, under the model."""

    #: Probability of each true outcome (B2B, either, B2C).
    probabilities: tuple[float, float, float]
    #: A 90% interval for the true score: the true score at the posterior's 5th and
    #: 95th percentile positions.
    low: float
    high: float
    #: Likelihood of answering at random over the model's (mean over its grid): above
    #: MISFIT_RATIO the answers fit random choice better than any position.
    random_ratio: float
    #: The share of the full score's weight that the answers settle (0..1).
    answered_share: float


def posterior(tab: Tables, chosen: Sequence[int]) -> Posterior:
    """The posterior for `chosen`: an option index per question of the bank, -1 = skipped.

    Every sum runs left to right with plain float adds (no `sum()`, which compensates
    from Python 3.12), so the batch scorer reproduces it bit for bit with column adds.
    """
    like = [1.0] * (len(SIGMAS) * CELLS + 1)
    share = 0.0
    for j, k in enumerate(chosen):
        if k >= 0:
            like = [a * b for a, b in zip(like, tab.likelihood[j][k], strict=True)]
            share += tab.share[j]
        if j % RESCALE_EVERY == RESCALE_EVERY - 1:
            top = max(like)
            like = [x / top for x in like]
    marginal = like[:CELLS]
    for s in range(1, len(SIGMAS)):
        marginal = [a + b for a, b in zip(marginal, like[s * CELLS : (s + 1) * CELLS], strict=True)]
    # Sums run over mirror pairs of cells, outside in, so that a mirrored bank's sums
    # are the same floats: each outcome gets a pair's sum, or each cell on its own.
    total = 0.0
    by_outcome = [0.0, 0.0, 0.0]
    for g in range(CELLS // 2):
        h = CELLS - 1 - g
        pair = marginal[g] + marginal[h]
        total += pair
        if tab.truth[g] == tab.truth[h]:
            by_outcome[tab.truth[g]] += pair
        else:
            by_outcome[tab.truth[g]] += marginal[g]
            by_outcome[tab.truth[h]] += marginal[h]
    # The 5% tails, each counted from its own end.
    tail = 0.05 * total
    return Posterior(
        probabilities=(by_outcome[0] / total, by_outcome[1] / total, by_outcome[2] / total),
        low=tab.true_score[_tail_cell(marginal, tail)],
        high=tab.true_score[CELLS - 1 - _tail_cell(marginal[::-1], tail)],
        random_ratio=like[-1] * (len(SIGMAS) * CELLS) / total,
        answered_share=share,
    )


def _tail_cell(marginal: Sequence[float], tail: float) -> int:
    """The first cell at which the running sum from the left reaches `tail`."""
    running = 0.0
    for g, x in enumerate(marginal):
        running += x
        if running >= tail:
            return g
    return len(marginal) - 1
