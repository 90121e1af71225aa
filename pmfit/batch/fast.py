"""The engine's method over a whole block of respondents at once, with numpy.

`pmfit.scoring.engine.score` is the definition; `score` here is an optimisation of
it and must give the same numbers, which `pmfit.batch.encode` then writes as the
same bytes (tests check both on random banks). So every float is computed with the
engine's own operations in the engine's own order: Python's `sum()` (plain
left-to-right before 3.12, Neumaier-compensated since) is reproduced column by
column, and `round()` as Python rounds.

Why not faster maths: about half of the time goes to the measurement model's two
decisions per block (`pmfit.scoring.block.decide`: the result, and `flip_to` for the
changed answers), and most of that to each respondent's likelihood product, one
multiply per question. As a one-hot matrix product in log space it would be a few
BLAS calls, but its sums round differently from the engine's products, so the
posterior would differ in the last bits; a probability or interval bound that lands
on a rounding boundary (x.xxx5) or a decision at its threshold would then come out
differently from `pmfit score` for the same answers. "Equal as numbers" would have
to become "equal within a tolerance", and "equal when encoded" "almost always":
neither is a property a test can hold the two to. The product stays exact, and
both decisions stay the engine's bit for bit. (Tiling the product by rows, for the
cache, measured no faster on this machine; it is not done.)

A block is a matrix of option indices (`-1` = skipped), one row per respondent,
one column per question in bank order; the result is a `pmfit.batch.scored.Scored`.
Internally, columns are in the engine's answered order (by dimension, then bank
order: `Compiled.order`), and turned back to bank order in the result.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmfit.bank.model import Bank
from pmfit.batch.scored import FLAG_CODES, Scored
from pmfit.scoring import block, engine

if TYPE_CHECKING:
    from pmfit.scoring.block import Bools, Floats, Ints

#: Python 3.12 made sum() of floats compensated (Neumaier); older versions add plainly.
COMPENSATED_SUM = sys.version_info >= (3, 12)
_B2B, _EITHER, _B2C, _TOO_CLOSE, _INSUFFICIENT = range(5)


def pysum(terms: Floats, mask: Bools, compensated: bool = COMPENSATED_SUM) -> Floats:
    """Row-wise `sum(t for t, m in zip(row, mask_row) if m)`, bit for bit as Python does it."""
    import numpy as np

    if not compensated:
        # A running sum from 0.0, left to right. Skipped terms add +0.0, which changes no
        # sum: the sum is never -0.0, as it starts at 0.0 and x + y is -0.0 only for two
        # negative zeros. In-place adds of whole columns beat np.cumsum's short rows.
        if not terms.shape[1]:
            return np.zeros(terms.shape[0])
        kept = np.where(mask, terms, 0.0)
        total: Floats = kept[:, 0] + 0.0
        for j in range(1, terms.shape[1]):
            total += kept[:, j]
        return total
    acc = np.zeros(terms.shape[0])
    comp = np.zeros(terms.shape[0])
    for j in range(terms.shape[1]):
        x = terms[:, j]
        t = acc + x
        c = np.where(np.abs(acc) >= np.abs(x), (acc - t) + x, (x - t) + acc)
        comp = np.where(mask[:, j], comp + c, comp)
        acc = np.where(mask[:, j], t, acc)
    finite = np.isfinite(comp) & (comp != 0)
    return np.where(finite, acc + comp, acc)


def pyround(values: Floats, digits: int) -> Floats:
    """`round(v, digits)` for each value, as Python rounds (correctly, half to even).

    `rint(v * 10**digits) / 10**digits` is the same double whenever `v * 10**digits`
    is not within a hair of a half: the product's error is far below that hair, so
    the integer is the correctly rounded one, and dividing an exact integer by a
    power of ten gives the nearest double to the decimal, as Python's round does.
    Values near a half are handed to Python's round itself.
    """
    import numpy as np

    scale = 10.0**digits
    scaled = values * scale
    out: Floats = np.rint(scaled) / scale
    near_half = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) < 1e-6
    if near_half.any():
        out[near_half] = [round(v, digits) for v in values[near_half].tolist()]
    return out


class Compiled:
    """A bank turned into the arrays block scoring reads."""

    def __init__(self, bank: Bank) -> None:
        import numpy as np

        self.bank = bank
        questions = bank.questions
        dim_index = {d.id: i for i, d in enumerate(bank.dimensions)}
        self.n_questions = len(questions)
        self.n_dimensions = len(bank.dimensions)
        #: The engine's `answered` order: by dimension, then by bank order.
        self.order = np.array(
            sorted(range(len(questions)), key=lambda i: (dim_index[questions[i].dimension], i)),
            dtype=np.int64,
        )
        self.ordered = [questions[i] for i in self.order.tolist()]
        widest = max((len(q.options) for q in questions), default=1)
        self.width = widest
        # Column `widest` stays 0.0, so a skip (-1) reads a lean of 0.0.
        self.leans = np.zeros((len(questions), widest + 1))
        for j, q in enumerate(self.ordered):
            self.leans[j, : len(q.options)] = [o.lean for o in q.options]
        self.dim_of = np.array([dim_index[q.dimension] for q in self.ordered], dtype=np.int64)
        #: Each dimension's columns (answered order), those without questions too.
        self.dim_columns = [np.flatnonzero(self.dim_of == d) for d in range(len(bank.dimensions))]
        weights = [d.weight for d in bank.dimensions]
        self.dim_weights = np.array(weights, dtype=np.float64)
        self.membership = np.zeros((len(questions), len(bank.dimensions)), dtype=np.int64)
        self.membership[np.arange(len(questions)), self.dim_of] = 1
        rank = {qid: r for r, qid in enumerate(sorted(q.id for q in questions))}
        self.by_id = np.argsort([rank[q.id] for q in self.ordered])
        # For each direction (+1 up, -1 down): the engine's best option (max by
        # direction * lean, first on ties) and the options sorted mildest first.
        self.best: dict[int, Ints] = {}
        self.mild: dict[int, Ints] = {}
        for direction in (1, -1):
            best, mild = [], []
            for q in self.ordered:
                positions = range(len(q.options))
                best.append(max(positions, key=lambda i: direction * q.options[i].lean))
                ranked = sorted(positions, key=lambda i: direction * q.options[i].lean)
                mild.append(ranked + [ranked[-1]] * (widest - len(ranked)))
            self.best[direction] = np.array(best, dtype=np.int64)
            self.mild[direction] = np.array(mild, dtype=np.int64)
        self.arrays = block.Arrays(bank)


@dataclass
class _Flip:
    length: Ints  # -1: no change reaches the target
    steps: Ints  # n x Q: the column changed at each step
    last: Ints  # the option chosen at the last step


def _changes(
    c: Compiled,
    x: Ints,
    leans: Floats,
    answered: Bools,
    weight: Floats,
    value: Floats,
    target: Floats,
    direction: int,
) -> _Flip:
    """`engine._changes` for every row at once (see its docstring for why greedy is exact)."""
    import numpy as np

    n, q = x.shape
    best = c.best[direction]
    best_lean = c.leans[np.arange(q), best]
    base = 100.0 * weight * direction
    gain = base * (best_lean[None, :] - leans)
    movable = answered & (gain > engine.EPSILON)
    # The largest gain first, ties to the smaller question id: argmax over columns in
    # question-id order returns the first maximum. Most rows stop after a step or two,
    # so picking step by step costs less than sorting every row.
    by_id = c.by_id
    remaining = np.where(movable, gain, -np.inf)[:, by_id]

    def reaches(rows: Ints, moved: Floats) -> Bools:
        # engine.reaches: judged on the score as shown (two decimals).
        shown = pyround(value[rows] + direction * moved, 2)
        out: Bools = direction * (shown - target[rows]) >= -engine.EPSILON
        return out

    order = np.zeros((n, q), dtype=np.int64)
    length = np.full(n, -1, dtype=np.int64)
    total = np.zeros(n)
    stop = np.zeros(n, dtype=np.int64)
    active = np.arange(n)
    for step in range(q):
        if not active.size:
            break
        pick = np.argmax(remaining[active], axis=1)
        picked_gain = remaining[active, pick]
        order[active, step] = by_id[pick]
        possible = picked_gain > -np.inf
        reached = possible & reaches(active, total[active] + np.where(possible, picked_gain, 0.0))
        done = active[reached]
        length[done] = step + 1
        stop[done] = step
        going = possible & ~reached
        moving = active[going]
        total[moving] += picked_gain[going]
        remaining[moving, pick[going]] = -np.inf
        active = moving
    column = order[np.arange(n), stop]
    # The last change: the mildest option that still suffices.
    own_lean = leans[np.arange(n), column]
    step_base = base[np.arange(n), column]
    last = np.full(n, -1, dtype=np.int64)
    for p in range(c.width - 1, -1, -1):
        option = c.mild[direction][column, p]
        moved = step_base * (c.leans[column, option] - own_lean) + total
        last = np.where(reaches(np.arange(n), moved), option, last)
    return _Flip(length, order, last)


def score(c: Compiled, bank_codes: Ints, respondents: Sequence[str | None]) -> Scored:
    """Each row of `bank_codes` scored as the engine scores it."""
    import numpy as np

    n = bank_codes.shape[0]
    band = c.bank.thresholds.either
    bank_codes = bank_codes.astype(np.int64).reshape(n, c.n_questions)
    x = bank_codes[:, c.order]
    decided = _decide(c, x)
    answered, leans, weight = decided.answered, decided.leans, decided.weight
    value, rec, decisions = decided.value, decided.rec, decided.decisions
    everyone = np.arange(n)
    p = decisions.probabilities
    dimension_scores, dimension_answered = _dimensions(c, leans, answered)
    question, option, points, count = _rationale(c, x, leans, weight, answered, rec)
    # The flip starts from the score's side of the band, as the engine's does.
    eps = engine.EPSILON
    shown = pyround(value, 2)
    side = np.where(shown > band + eps, _B2C, np.where(shown < -band - eps, _B2B, _EITHER))
    side = np.where(rec == _INSUFFICIENT, _INSUFFICIENT, side)
    flip = _flip(c, x, leans, answered, weight, value, side, band)
    # What the changed answers would get, decided by the same rule (as the engine does).
    # Only the recommendation is needed, so only the model's decision is made (not the
    # score, weights and leans of `_decide`), and only for the rows with a flip.
    flipped = flip.count > 0
    flip_to = np.full(n, -1, dtype=np.int64)
    if flipped.any():
        after = flip.after[flipped]
        flip_to[flipped] = block.decide(c.arrays, _bank_order(c, after)).recommendation
    return Scored(
        codes=bank_codes,
        respondents=list(respondents),
        score=shown,
        low=pyround(decisions.low, 2),
        high=pyround(decisions.high, 2),
        recommendation=rec,
        confidence=pyround(p[everyone, decisions.lead], 3),
        probabilities=np.stack([pyround(p[:, i].copy(), 3) for i in range(3)], axis=1),
        dimension_scores=dimension_scores,
        dimension_answered=dimension_answered,
        rationale_question=c.order[question],
        rationale_option=option,
        rationale_points=points,
        rationale_count=count,
        flip_question=c.order[flip.question],
        flip_from=flip.old,
        flip_option=flip.new,
        flip_count=flip.count,
        flip_to=flip_to,
        flags=_flags(c, x, answered, decisions.random_ratio),
    )


def _dimensions(c: Compiled, leans: Floats, answered: Bools) -> tuple[Floats, Ints]:
    """Each dimension's score (the mean lean of its answers, in points, rounded; NaN
    when none was answered) and answered count, as engine.score computes them."""
    import numpy as np

    n = leans.shape[0]
    scores = np.full((n, c.n_dimensions), np.nan)
    counts = np.zeros((n, c.n_dimensions), dtype=np.int64)
    for d, columns in enumerate(c.dim_columns):
        if not columns.size:
            continue
        mask = answered[:, columns]
        count = mask.sum(axis=1)
        total = pysum(leans[:, columns], mask)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = pyround(100.0 * total / count, 2)
        scores[:, d] = np.where(count > 0, mean, np.nan)
        counts[:, d] = count
    return scores, counts


@dataclass
class _Decided:
    """`engine._decide` for a block: what the answers decide (x in the engine's order)."""

    answered: Bools
    leans: Floats
    weight: Floats
    value: Floats
    rec: Ints
    decisions: block.Decisions


def _decide(c: Compiled, x: Ints) -> _Decided:
    import numpy as np

    answered = x >= 0
    q = x.shape[1]
    leans = c.leans[np.arange(q)[None, :], x]
    # An integer product: a float one would go to BLAS, whose threads spin on other cores.
    counts = answered.astype(np.int64) @ c.membership
    dim_answered = counts > 0
    total_weight = pysum(np.broadcast_to(c.dim_weights, counts.shape), dim_answered)
    col_counts = counts[:, c.dim_of]
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(
            answered, c.dim_weights[c.dim_of][None, :] / (col_counts * total_weight[:, None]), 0.0
        )
    raw = pysum(weight * leans, answered)
    value = 100.0 * raw
    # The decision, as the engine's (pmfit.scoring.block reproduces it bit for bit), on
    # the answers in bank order.
    decisions = block.decide(c.arrays, _bank_order(c, x))
    return _Decided(answered, leans, weight, value, decisions.recommendation, decisions)


def _bank_order(c: Compiled, x: Ints) -> Ints:
    """Columns in the engine's answered order (`c.order`) back in bank order."""
    import numpy as np

    in_bank_order = np.empty_like(x)
    in_bank_order[:, c.order] = x
    return in_bank_order


def _rationale(
    c: Compiled, x: Ints, leans: Floats, weight: Floats, answered: Bools, rec: Ints
) -> tuple[Ints, Ints, Floats, Ints]:
    """engine._rationale for each row: the items' columns (answered order), options,
    rounded contributions, and how many items each row has."""
    import numpy as np

    n, q = x.shape
    points = 100.0 * weight * leans
    # B2C ranks the largest positive points first, B2B the largest negative ones, any other
    # decided outcome ("both sides") the largest either way, at most PER_SIDE per side;
    # `signed` is positive exactly for the answers that qualify.
    both = ((rec != _B2B) & (rec != _B2C) & (rec != _INSUFFICIENT))[:, None]
    toward = np.where(rec == _B2C, 1.0, np.where(rec == _B2B, -1.0, 0.0))
    signed = points * toward[:, None]
    eligible = answered & (leans != 0) & ((signed > 0) | both)
    key = np.where(eligible, np.where(both, -np.abs(points), -signed), np.inf)
    size = min(engine.RATIONALE_SIZE, q)
    # The engine's stable sort, for the first few only: argmin returns the first minimum,
    # so ties keep the answered order. A side that has had its PER_SIDE leaves the race.
    order = np.empty((n, size), dtype=np.int64)
    taken = np.empty((n, size), dtype=bool)
    everyone = np.arange(n)
    positive = points > 0
    per_side = np.zeros((n, 2), dtype=np.int64)
    for i in range(size):
        order[:, i] = pick = np.argmin(key, axis=1)
        taken[:, i] = key[everyone, pick] < np.inf
        key[everyone, pick] = np.inf
        side = positive[everyone, pick].astype(np.int64)
        per_side[everyone, side] += taken[:, i]
        full = both[:, 0] & (per_side[everyone, side] >= engine.PER_SIDE)
        if full.any():
            key[full] = np.where(positive[full] == side[full, None], np.inf, key[full])
    rows = everyone[:, None]
    count = taken.sum(axis=1)  # taken is a prefix: once none is left, none comes back
    rounded = pyround(points[rows, order], 2)
    return order, x[rows, order], rounded, count


def _flip(
    c: Compiled,
    x: Ints,
    leans: Floats,
    answered: Bools,
    weight: Floats,
    value: Floats,
    rec: Ints,
    band: float,
) -> _Flipped:
    """engine._flip for each row."""
    import numpy as np

    n, q = x.shape
    margin = engine.FLIP_MARGIN
    # Rows moving up (+1) towards `up_target`, and down (-1) towards `down_target`.
    up_target = np.where(rec == _B2B, -band, band + margin)
    down_target = np.where(rec == _B2C, band, -band - margin)
    # Each direction only for the rows that need it.
    flips: list[_Flip] = []
    for rows_needing, target, direction in (
        ((rec == _B2B) | (rec == _EITHER), up_target, +1),
        ((rec == _B2C) | (rec == _EITHER), down_target, -1),
    ):
        picked = np.flatnonzero(rows_needing)
        full = _Flip(np.full(n, -1), np.zeros((n, q), dtype=np.int64), np.zeros(n, dtype=np.int64))
        if picked.size:
            part = _changes(
                c,
                x[picked],
                leans[picked],
                answered[picked],
                weight[picked],
                value[picked],
                target[picked],
                direction,
            )
            full.length[picked] = part.length
            full.steps[picked] = part.steps
            full.last[picked] = part.last
        flips.append(full)
    up, down = flips
    up_len, down_len = up.length, down.length
    # min() over the found candidates keeps the first (upward) one on a tie.
    use_up = (up_len >= 0) & ((down_len < 0) | (up_len <= down_len))
    length = np.where(use_up, up_len, np.where(down_len >= 0, down_len, 0))
    longest = int(length.max()) if n else 0
    steps = np.where(use_up[:, None], up.steps[:, :longest], down.steps[:, :longest])
    last = np.where(use_up, up.last, down.last)
    best = np.where(use_up[:, None], c.best[1][steps], c.best[-1][steps])
    old = x[np.arange(n)[:, None], steps]
    stage = np.arange(longest)[None, :]
    target = np.where(stage == (length - 1)[:, None], last[:, None], best)
    live = stage < length[:, None]
    after = x.copy()
    rows, stages = np.nonzero(live)
    after[rows, steps[rows, stages]] = target[rows, stages]
    return _Flipped(steps, old, target, length, after)


@dataclass
class _Flipped:
    """The chosen flip of each row: its changes and the answers with them made."""

    question: Ints  # n x longest: columns in the answered order
    old: Ints
    new: Ints
    count: Ints
    after: Ints


def _flags(c: Compiled, x: Ints, answered: Bools, ratio: Floats) -> Bools:
    """engine._flags for each row, as bits in FLAG_CODES order."""
    import numpy as np

    n, q = x.shape
    n_answered = answered.sum(axis=1)
    flags = np.zeros((n, len(FLAG_CODES)), dtype=bool)
    # x is in the engine's answered order (c.order); straight_lines reads bank order.
    flags[:, FLAG_CODES.index("straight_lining")] = block.straight_lines(
        c.arrays, _bank_order(c, x)
    )
    flags[:, FLAG_CODES.index("misfit")] = (n_answered >= engine.STRAIGHT_LINE_MINIMUM) & (
        ratio > engine.MISFIT_RATIO
    )
    skipped = q - n_answered
    many = (skipped / q > c.bank.thresholds.many_skips + engine.EPSILON) if q else skipped < 0
    flags[:, FLAG_CODES.index("many_skips")] = many
    return flags
