"""`pmfit.scoring.model.posterior` and the engine's decision for a block of respondents
at once, with numpy: for the batch scorer and the simulator.

Each float is computed with the model's own operations in its own order (products
and divisions element by element, sums as running adds left to right), so the
results are the engine's bit for bit; tests check it on random banks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from pmfit.bank.model import Bank
from pmfit.scoring import engine, model

if TYPE_CHECKING:
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]
    Bools = npt.NDArray[np.bool_]

#: Recommendation codes: model.OUTCOMES' indices, then these two.
TOO_CLOSE, INSUFFICIENT = 3, 4
RECOMMENDATIONS = (*model.OUTCOMES, "too_close", "insufficient")


class Arrays:
    """A bank's model tables as arrays."""

    def __init__(self, bank: Bank) -> None:
        tab = model.tables(bank)
        self.bank = bank
        self.tables = tab
        width = max((len(q.options) for q in bank.questions), default=1)
        columns = len(model.SIGMAS) * model.CELLS + 1
        # Row `width` of each question is all ones: a skip (-1) multiplies by 1.0.
        self.likelihood = np.ones((len(bank.questions), width + 1, columns))
        for j, rows in enumerate(tab.likelihood):
            self.likelihood[j, : len(rows)] = rows
        self.truth = np.array(tab.truth, dtype=np.int64)
        self.true_score = np.array(tab.true_score)
        self.share = np.array(tab.share)
        self.sizes = np.array([len(q.options) for q in bank.questions], dtype=np.int64)
        self.leans = np.zeros((len(bank.questions), width + 1))
        for j, q in enumerate(bank.questions):
            self.leans[j, : len(q.options)] = [o.lean for o in q.options]


class Decisions(NamedTuple):
    recommendation: Ints  # codes into RECOMMENDATIONS
    lead: Ints  # the most probable outcome's index in model.OUTCOMES
    probabilities: Floats  # n x 3
    low: Floats
    high: Floats
    random_ratio: Floats
    answered_share: Floats


def decide(arrays: Arrays, chosen: Ints) -> Decisions:
    """The engine's decision for each row of `chosen` (option indices in bank order, -1
    skipped)."""
    n, q = chosen.shape
    cells = model.CELLS
    like = np.ones((n, len(model.SIGMAS) * cells + 1))
    share = np.zeros(n)
    for j in range(q):
        k = chosen[:, j]
        like *= arrays.likelihood[j, k]  # a skip reads the row of ones
        share = np.where(k >= 0, share + arrays.share[j], share)
        if j % model.RESCALE_EVERY == model.RESCALE_EVERY - 1:
            like /= like.max(axis=1, keepdims=True)
    marginal = like[:, :cells].copy()
    for s in range(1, len(model.SIGMAS)):
        marginal += like[:, s * cells : (s + 1) * cells]
    total = np.zeros(n)
    by_outcome = np.zeros((n, 3))
    truth = arrays.truth.tolist()
    for g in range(cells // 2):
        h = cells - 1 - g
        pair = marginal[:, g] + marginal[:, h]
        total += pair
        if truth[g] == truth[h]:
            by_outcome[:, truth[g]] += pair
        else:
            by_outcome[:, truth[g]] += marginal[:, g]
            by_outcome[:, truth[h]] += marginal[:, h]
    tail = 0.05 * total
    low = arrays.true_score[_tail_cells(marginal, tail)]
    high = arrays.true_score[cells - 1 - _tail_cells(marginal[:, ::-1], tail)]
    probabilities = by_outcome / total[:, None]
    ratio = like[:, -1] * float(len(model.SIGMAS) * cells) / total
    lead = np.argmax(probabilities, axis=1)  # the first of equals, as the engine
    top = probabilities[np.arange(n), lead]
    recommendation = np.where(top >= engine.DECIDE, lead, TOO_CLOSE)
    minimum = arrays.bank.thresholds.min_answered_weight
    short = (share < minimum - engine.EPSILON) | (share <= 0)
    recommendation = np.where(short, INSUFFICIENT, recommendation)
    return Decisions(recommendation, lead, probabilities, low, high, ratio, share)


def straight_lines(arrays: Arrays, chosen: Ints) -> Bools:
    """engine.straight_line for each row: the same relative position throughout, or the
    same lean, over at least engine.STRAIGHT_LINE_MINIMUM answers."""
    answered = chosen >= 0
    sizes = arrays.sizes[None, :]
    first = chosen == 0
    last = chosen == sizes - 1
    middle = (sizes >= 3) & ((chosen == (sizes - 1) // 2) | (chosen == sizes // 2))
    count = answered.sum(axis=1)
    line = np.zeros(chosen.shape[0], dtype=bool)
    for place in (first, last, middle):
        line |= (place | ~answered).all(axis=1)
    leans = arrays.leans[np.arange(chosen.shape[1])[None, :], chosen]
    top = np.where(answered, leans, -np.inf).max(axis=1)
    bottom = np.where(answered, leans, np.inf).min(axis=1)
    line |= top == bottom
    result: Bools = line & (count >= engine.STRAIGHT_LINE_MINIMUM)
    return result


def _tail_cells(marginal: Floats, tail: Floats) -> Ints:
    """model._tail_cell for each row."""
    n, cells = marginal.shape
    found = np.full(n, cells - 1, dtype=np.int64)
    open_rows = np.ones(n, dtype=bool)
    running = np.zeros(n)
    for g in range(cells):
        running += marginal[:, g]
        reached = open_rows & (running >= tail)
        found[reached] = g
        open_rows &= ~reached
    return found
