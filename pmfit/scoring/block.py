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


#: A row's state in `fold`, as model.posterior's after a dimension: the one-position
#: part's product (`ONE` columns: len(SIGMAS) * CELLS of the model, then the random one),
#: the per-dimension part's likelihood (`SIZE` columns), and the sums of its means and of
#: its variances (2 * SIZE columns). (Three arrays, not views of one: products into a
#: strided view cost up to twice as much.)
ONE = len(model.SIGMAS) * model.CELLS + 1
SIZE = len(model.B_SIGMAS) * model.B_CELLS


class State(NamedTuple):
    """Each row's state in the fold (see ONE)."""

    one: Floats  # n x ONE
    like: Floats  # n x SIZE
    moments: Floats  # n x 2 SIZE: the means, then the variances

    def rows(self, which: Ints | slice) -> State:
        """A copy of these rows' states (all of them with a whole slice)."""
        return State(self.one[which].copy(), self.like[which].copy(), self.moments[which].copy())


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
        #: the shipped tables when they have them; as two tables: the `like` columns, and
        #: the `mean` and `var` ones (read apart, each into an array of its own, they cost
        #: half what one read and two strided views of it cost).
        self.dimensions: list[tuple[Ints, tuple[Floats, Floats] | None]] = []
        self.strides = np.zeros(len(bank.questions) + 1, dtype=np.int64)  # a skip column's 0
        for d, members in enumerate(tab.dimensions):
            where = np.array(members, dtype=np.int64)
            count = model.pattern_count(bank, members)
            every = None
            stored = tab.stored_rows[d]
            if stored is not None:
                every = np.frombuffer(stored.cast("B"), dtype=np.float64).reshape(
                    count, model.ROW_WIDTH
                )
            elif count <= model.PATTERNS_BUILT:
                radix = self.sizes[where] + 1
                strides = np.array(tab.strides[d], dtype=np.int64)
                codes = np.arange(count, dtype=np.int64)
                patterns = (codes[:, None] // strides[None, :]) % radix[None, :] - 1
                every = pattern_rows(self, d, patterns)
            built = None
            if every is not None:
                built = (every[:, :SIZE].copy(), every[:, SIZE:].copy())
                self.strides[where] = tab.strides[d]
            self.dimensions.append((where, built))
        # model.pairs of each dimension, in order: each pair's likelihood products in a
        # table by (first option + 1) * radix + (second option + 1), 0 for a skip (whose
        # factor is the row of ones); a question alone is paired with a column of ones.
        size_of_pair = width + 1
        ones = np.ones((1, columns))
        self.pair_counts = [len(model.pairs(members)) for members in tab.dimensions]
        #: The index of each dimension's first pair (and of the pair after the last).
        self.pair_starts = [sum(self.pair_counts[:d]) for d in range(len(tab.dimensions) + 1)]
        #: The dimension a flip's decisions resume at: the first of those whose questions
        #: carry the most of the score (the last folded: see model._dimensions), where the
        #: flip's changes, largest score move first, mostly fall. 0: no resuming.
        shares = [tab.share[members[0]] for members in tab.dimensions]
        self.resume_at = shares.index(max(shares)) if shares else 0
        #: Each question's dimension, as an index in the fold's order.
        self.fold_dimension = np.zeros(len(bank.questions), dtype=np.int64)
        for d, members in enumerate(tab.dimensions):
            self.fold_dimension[list(members)] = d
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
        # Each dimension's questions as columns, padded with the column after the last (a
        # skip's, whose term in a pattern's code is 0).
        widest = max((len(m) for m in tab.dimensions), default=0)
        self.members = np.full((len(tab.dimensions), widest), len(bank.questions), dtype=np.int64)
        for d, members in enumerate(tab.dimensions):
            self.members[d, : len(members)] = members
        # The terms of each outcome's sum, then of the total, mirror pair by pair of cells,
        # outside in (as model.posterior adds them): columns of the marginal (CELLS), then
        # of the pairs' sums (CELLS / 2), then a 0.0 for a pair that gives an outcome
        # nothing (adding +0.0 changes no sum).
        cells, half = model.CELLS, model.CELLS // 2
        truth = tab.truth
        outcomes = len(model.OUTCOMES)
        self.sum_terms = np.full((outcomes + 1, half), cells + half, dtype=np.int64)
        self.sum_terms[outcomes] = np.arange(cells, cells + half)
        for g in range(half):
            h = cells - 1 - g
            if truth[g] == truth[h]:
                self.sum_terms[truth[g], g] = cells + g
            else:
                self.sum_terms[truth[g], g] = g
                self.sum_terms[truth[h], g] = h


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
    return decisions(arrays, chosen, fold(arrays, chosen))


def fold(
    arrays: Arrays,
    chosen: Ints,
    start: int = 0,
    state: State | None = None,
    stop: int | None = None,
) -> State:
    """model.posterior's fold over the dimensions for each row of `chosen`: each row's
    state after the last dimension (after dimension `stop` - 1, if given). From dimension
    `start` on, each row's `state` before it given (and taken: it is folded in place), as
    `model.Fold` resumes: the same floats as folding from the first dimension."""
    n = len(chosen)
    stop = len(arrays.dimensions) if stop is None else stop
    fresh = state is None
    if state is None:
        assert start == 0, "a fold from a later dimension starts from a state"
        # The product starts at 1.0, and 1.0 * x is x: the first pair's row is the
        # product after it, read straight into place.
        state = State(
            np.empty((n, ONE)) if arrays.pair_counts and stop else np.ones((n, ONE)),
            np.ones((n, SIZE)),
            np.zeros((n, 2 * SIZE)),
        )
    one, like, moments = state
    # Each option + 1 (a skip as 0), and a last column of skips.
    plus = np.zeros((n, chosen.shape[1] + 1), dtype=np.int64)
    np.add(chosen, 1, out=plus[:, :-1])
    # Every dimension's pattern code at once: its questions' terms, summed.
    terms = plus * arrays.strides
    members = arrays.members
    codes = terms[:, members[:, 0]] if members.size else np.zeros((n, len(members)), np.int64)
    for k in range(1, members.shape[1]):
        codes += terms[:, members[:, k]]
    # Each pair's row in its table: (first option + 1, second option + 1).
    shifted = plus[:, arrays.pair_first] * arrays.pair_radix + plus[:, arrays.pair_second]
    # The rows read from the tables go to buffers. (np.take buffers its output unless its
    # mode is other than "raise"; the indices are in range, so "clip" changes none.)
    read = np.empty((n, ONE))
    read_like = np.empty((n, SIZE))
    read_moments = np.empty((n, 2 * SIZE))
    i = arrays.pair_starts[start]
    for d in range(start, stop):
        where, built = arrays.dimensions[d]
        for _ in range(arrays.pair_counts[d]):
            table = arrays.pair_tables[i]
            if i or not fresh:
                one *= table.take(shifted[:, i], axis=0, out=read, mode="clip")
            else:
                table.take(shifted[:, i], axis=0, out=one, mode="clip")
            if i % model.RESCALE_EVERY == model.RESCALE_EVERY - 1:
                top = np.maximum(one.max(axis=1), like.max(axis=1))[:, None]
                one /= top
                like /= top
            i += 1
        if built is None:
            patterns, back = np.unique(chosen[:, where], axis=0, return_inverse=True)
            found = pattern_rows(arrays, d, patterns)[back.reshape(-1)]
            like *= found[:, :SIZE]
            moments += found[:, SIZE:]
        else:
            like *= built[0].take(codes[:, d], axis=0, out=read_like, mode="clip")
            moments += built[1].take(codes[:, d], axis=0, out=read_moments, mode="clip")
    return state


def decisions(arrays: Arrays, chosen: Ints, state: State) -> Decisions:
    """The engine's decision for each row of `chosen` from its fold's `state`."""
    probabilities, marginal, total = _probabilities(arrays, state)
    recommendation, lead, share = _recommend(arrays, chosen, probabilities)
    cells = model.CELLS
    tail = 0.05 * total
    low = arrays.true_score[_tail_cells(marginal, tail)]
    high = arrays.true_score[cells - 1 - _tail_cells(marginal[:, ::-1], tail)]
    ratio = state.one[:, ONE - 1] * float(ONE - 1) / total
    return Decisions(recommendation, lead, probabilities, low, high, ratio, share)


def recommend(arrays: Arrays, chosen: Ints, start: int = 0, state: State | None = None) -> Ints:
    """`decide`'s recommendation alone (for the flip, which reads nothing else): without
    the interval or the person-fit ratio. The fold resumes at `start` from `state`, as
    `fold`'s."""
    folded = fold(arrays, chosen, start, state)
    return _recommend(arrays, chosen, _probabilities(arrays, folded)[0])[0]


def _probabilities(arrays: Arrays, state: State) -> tuple[Floats, Floats, Floats]:
    """Each row's probabilities of the outcomes, and the one-position part's marginal over
    the cells and its total."""
    one, like, moments = state
    n = len(one)
    cells = model.CELLS
    half = cells // 2
    # The marginal (an array of its own: adds into a strided view cost twice as much),
    # then the terms of the sums: the marginal, each mirror pair's sum, and a 0.0.
    marginal = one[:, :cells].copy()
    for s in range(1, len(model.SIGMAS)):
        marginal += one[:, s * cells : (s + 1) * cells]
    terms = np.empty((n, cells + half + 1))
    terms[:, :cells] = marginal
    np.add(marginal[:, :half], marginal[:, ::-1][:, :half], out=terms[:, cells : cells + half])
    terms[:, -1] = 0.0
    sums = _running(terms[:, arrays.sum_terms])  # see Arrays.sum_terms
    by_outcome, total = sums[:, :-1], sums[:, -1]
    mean, var = moments[:, :SIZE], moments[:, SIZE:]
    sd = np.sqrt(np.maximum(var, 0.0)) + model.SD_FLOOR
    band = arrays.tables.band
    tails = _upper_tail(arrays, np.concatenate(((band + mean) / sd, (band - mean) / sd), axis=1))
    below, above = tails[:, :SIZE], tails[:, SIZE:]
    # The per-dimension part's likelihood, then its share below, within and above the
    # band, summed over mirror pairs of positions.
    parts = np.stack((like, like * below, like * (1.0 - (below + above)), like * above), axis=1)
    left, right = arrays.spread_pairs
    summed = _running(parts[:, :, left] + parts[:, :, right])
    spread, by_spread = summed[:, 0], summed[:, 1:]
    columns = float(len(model.SIGMAS) * cells)
    one_weight = arrays.tables.one_position / columns
    spread_weight = (1.0 - arrays.tables.one_position) / SIZE
    evidence = total * one_weight + spread * spread_weight
    probabilities = (by_outcome * one_weight + by_spread * spread_weight) / evidence[:, None]
    return probabilities, marginal, total


def _recommend(arrays: Arrays, chosen: Ints, probabilities: Floats) -> tuple[Ints, Ints, Floats]:
    """Each row's recommendation, most probable outcome and answered share."""
    # The engine adds each answered question's share in bank order; a skip adds 0.0.
    share = _running(np.where(chosen >= 0, arrays.share[None, :], 0.0))
    lead = np.argmax(probabilities, axis=1)  # the first of equals, as the engine
    top = probabilities[np.arange(len(chosen)), lead]
    recommendation = np.where(top >= engine.DECIDE, lead, TOO_CLOSE)
    minimum = arrays.bank.thresholds.min_answered_weight
    short = (share < minimum - engine.EPSILON) | (share <= 0)
    recommendation = np.where(short, INSUFFICIENT, recommendation)
    return recommendation, lead, share


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


#: Up to this many rows, `_running` accumulates in one call; above it, a column at a time
#: (np.add.accumulate costs more per element than whole-column adds, but one call).
ACCUMULATE_ROWS = 64


def _running(x: Floats) -> Floats:
    """The sums over the last axis, added left to right from 0.0 (as the engine's loops
    add; an accumulation adds in order, never pairwise)."""
    if not x.shape[-1]:
        return np.zeros(x.shape[:-1])
    if len(x) <= ACCUMULATE_ROWS:
        summed: Floats = np.add.accumulate(x, axis=-1)[..., -1]
        return summed
    out: Floats = x[..., 0].copy()
    for k in range(1, x.shape[-1]):
        out += x[..., k]
    return out


def _tail_cells(marginal: Floats, tail: Floats) -> Ints:
    """model._tail_cell for each row: the running sums by np.cumsum, which adds left to
    right as the engine's loop does (accumulations are never pairwise)."""
    reached = np.cumsum(marginal, axis=1) >= tail[:, None]
    found: Ints = np.argmax(reached, axis=1)  # the first cell reached
    found[~reached[np.arange(len(found)), found]] = marginal.shape[1] - 1
    return found
