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
            self.likelihood[j, : len(rows)] = list(rows)
        self.truth = np.array(tab.truth, dtype=np.int64)
        self.true_score = np.array(tab.true_score)
        self.share = np.array(tab.share)
        self.sizes = np.array([len(q.options) for q in bank.questions], dtype=np.int64)
        self.leans = np.zeros((len(bank.questions), width + 1))
        for j, q in enumerate(bank.questions):
            self.leans[j, : len(q.options)] = [o.lean for o in q.options]
        # The per-dimension part's mirror pairs of positions, outside in, each noise level
        # in turn within a pair of positions.
        size = model.B_CELLS
        self.spread_pairs = (
            np.array([s * size + g for g in range(size // 2) for s in range(len(model.B_SIGMAS))]),
            np.array(
                [
                    s * size + size - 1 - g
                    for g in range(size // 2)
                    for s in range(len(model.B_SIGMAS))
                ]
            ),
        )
        self.kernel = np.array(model.kernel())
        self.contribution = [np.array(c) for c in tab.contribution]
        tail, step = model.tail_table()
        self.tail, self.step = np.array(tail), np.array(step)
        #: For each dimension: its questions and, for a small dimension (model.PATTERNS_BUILT),
        #: the rows of every pattern by its code (model.Tables.strides; else None), from
        #: the shipped tables when they have them.
        self.dimensions: list[tuple[Ints, Floats | None]] = []
        self.strides = np.zeros(len(bank.questions), dtype=np.int64)
        for d, members in enumerate(tab.dimensions):
            where = np.array(members, dtype=np.int64)
            count = model.pattern_count(bank, members)
            built = None
            stored = tab.stored_rows[d]
            if stored is not None:
                built = np.frombuffer(stored.cast("B"), dtype=np.float64).reshape(
                    count, model.ROW_WIDTH
                )
            elif count <= model.PATTERNS_BUILT:
                radix = self.sizes[where] + 1
                strides = np.array(tab.strides[d], dtype=np.int64)
                codes = np.arange(count, dtype=np.int64)
                patterns = (codes[:, None] // strides[None, :]) % radix[None, :] - 1
                built = pattern_rows(self, d, patterns)
            if built is not None:
                self.strides[where] = tab.strides[d]
            self.dimensions.append((where, built))
        # model.pairs of each dimension, in order: each pair's likelihood products in a
        # table by (first option + 1) * radix + (second option + 1), 0 for a skip (whose
        # factor is the row of ones); a question alone is paired with a column of ones.
        size_of_pair = width + 1
        ones = np.ones((1, columns))
        self.pair_counts = [len(model.pairs(members)) for members in tab.dimensions]
        self.pair_tables: list[Floats] = []
        first, second = [], []
        for members in tab.dimensions:
            for pair in model.pairs(members):
                rows_a = np.concatenate((ones, self.likelihood[pair[0], :width]))
                rows_b = (
                    np.concatenate((ones, self.likelihood[pair[1], :width]))
                    if len(pair) == 2
                    else np.concatenate((ones, np.ones((width, columns))))
                )
                product = rows_a[:, None, :] * rows_b[None, :, :]
                # A pair with a question alone, or a skip, keeps the other's floats.
                product[0, :, :] = rows_b
                product[:, 0, :] = rows_a
                self.pair_tables.append(product.reshape(size_of_pair**2, columns))
                first.append(pair[0])
                second.append(pair[1] if len(pair) == 2 else len(bank.questions))
        self.pair_first = np.array(first, dtype=np.int64)
        self.pair_second = np.array(second, dtype=np.int64)
        self.pair_radix = size_of_pair
        self.order = np.array([j for members in tab.dimensions for j in members], dtype=np.int64)
        self.starts = np.cumsum([0] + [len(m) for m in tab.dimensions[:-1]], dtype=np.int64)


def pattern_rows(arrays: Arrays, d: int, patterns: Ints) -> Floats:
    """model.dimension_row for each row of `patterns` (option indices of dimension d's
    questions, -1 skipped): `like`, `mean` and `var` side by side."""
    cells, size = model.CELLS, model.B_CELLS
    width = len(model.B_SIGMAS) * size
    c = arrays.contribution[d]
    kernel = arrays.kernel
    out = np.empty((len(patterns), 3 * width))
    for i, s in enumerate(model.B_SIGMAS):
        a = np.ones((len(patterns), cells))
        for column, j in enumerate(arrays.tables.dimensions[d]):
            # A skip reads the row of ones.
            a *= arrays.likelihood[j, patterns[:, column], s * cells : (s + 1) * cells]
        total = np.zeros((len(patterns), size))
        first = np.zeros((len(patterns), size))
        second = np.zeros((len(patterns), size))
        for u in range(cells // 2):
            h = cells - 1 - u
            wu = kernel[None, :, u] * a[:, u, None]
            wh = kernel[None, :, h] * a[:, h, None]
            total += wu + wh
            mu = wu * c[u]
            mh = wh * c[h]
            first += mu + mh
            second += mu * c[u] + mh * c[h]
        m = first / total
        out[:, i * size : (i + 1) * size] = total
        out[:, width + i * size : width + (i + 1) * size] = m
        out[:, 2 * width + i * size : 2 * width + (i + 1) * size] = second / total - m * m
    return out


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
    n = len(chosen)
    cells = model.CELLS
    size = len(model.B_SIGMAS) * model.B_CELLS
    one = np.ones((n, len(model.SIGMAS) * cells + 1))
    like = np.ones((n, size))
    moments = np.zeros((n, 2 * size))  # the true score's mean, then its variance
    rows = np.empty((n, 3 * size))
    # Every dimension's pattern code at once: the questions' terms, summed by dimension
    # (the questions in dimension order, each dimension's from its first column).
    terms = ((chosen + 1) * arrays.strides)[:, arrays.order]
    codes = np.add.reduceat(terms, arrays.starts, axis=1) if arrays.dimensions else terms
    # Each pair's row in its table: (first option + 1, second option + 1), a skip as 0.
    plus = np.zeros((n, chosen.shape[1] + 1), dtype=np.int64)  # a last column of skips
    plus[:, :-1] = chosen + 1
    shifted = plus[:, arrays.pair_first] * arrays.pair_radix + plus[:, arrays.pair_second]
    i = 0
    for d, (where, built) in enumerate(arrays.dimensions):
        for _ in range(arrays.pair_counts[d]):
            one *= arrays.pair_tables[i][shifted[:, i]]
            if i % model.RESCALE_EVERY == model.RESCALE_EVERY - 1:
                top = np.maximum(one.max(axis=1), like.max(axis=1))[:, None]
                one /= top
                like /= top
            i += 1
        if built is None:
            patterns, back = np.unique(chosen[:, where], axis=0, return_inverse=True)
            rows = pattern_rows(arrays, d, patterns)[back.reshape(-1)]
        else:
            np.take(built, codes[:, d], axis=0, out=rows)
        like *= rows[:, :size]
        moments += rows[:, size:]
    # The engine adds each answered question's share in bank order; a skip adds 0.0.
    share = _running(np.where(chosen >= 0, arrays.share[None, :], 0.0))
    marginal = one[:, :cells].copy()
    for s in range(1, len(model.SIGMAS)):
        marginal += one[:, s * cells : (s + 1) * cells]
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
    mean, var = moments[:, :size], moments[:, size:]
    sd = np.sqrt(np.maximum(var, 0.0)) + model.SD_FLOOR
    band = arrays.tables.band
    tails = _upper_tail(arrays, np.concatenate(((band + mean) / sd, (band - mean) / sd), axis=1))
    below, above = tails[:, :size], tails[:, size:]
    left, right = arrays.spread_pairs
    spread = _running(like[:, left] + like[:, right])
    by_spread = np.stack(
        [
            _running(p[:, left] + p[:, right])
            for p in (like * below, like * (1.0 - (below + above)), like * above)
        ],
        axis=1,
    )
    columns = float(len(model.SIGMAS) * cells)
    one_weight = arrays.tables.one_position / columns
    spread_weight = (1.0 - arrays.tables.one_position) / size
    evidence = total * one_weight + spread * spread_weight
    probabilities = (by_outcome * one_weight + by_spread * spread_weight) / evidence[:, None]
    tail = 0.05 * total
    low = arrays.true_score[_tail_cells(marginal, tail)]
    high = arrays.true_score[cells - 1 - _tail_cells(marginal[:, ::-1], tail)]
    ratio = one[:, -1] * columns / total
    lead = np.argmax(probabilities, axis=1)  # the first of equals, as the engine
    top = probabilities[np.arange(n), lead]
    recommendation = np.where(top >= engine.DECIDE, lead, TOO_CLOSE)
    minimum = arrays.bank.thresholds.min_answered_weight
    short = (share < minimum - engine.EPSILON) | (share <= 0)
    recommendation = np.where(short, INSUFFICIENT, recommendation)
    return Decisions(recommendation, lead, probabilities, low, high, ratio, share)


def _upper_tail(arrays: Arrays, z: Floats) -> Floats:
    """model.upper_tail for each element of z."""
    x = np.minimum(np.maximum(z, -model.TAIL_RANGE), model.TAIL_RANGE)
    x += model.TAIL_RANGE
    x *= model.TAIL_STEPS
    i = np.minimum(x.astype(np.int64), len(arrays.step) - 1)
    out: Floats = arrays.tail[i] + (x - i) * arrays.step[i]
    return out


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


def _running(x: Floats) -> Floats:
    """Each row's sum, added left to right from 0.0 (as the engine's loops add)."""
    if not x.shape[1]:
        return np.zeros(len(x))
    out: Floats = x[:, 0].copy()
    for k in range(1, x.shape[1]):  # a column at a time: faster than add.accumulate here
        out += x[:, k]
    return out


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
