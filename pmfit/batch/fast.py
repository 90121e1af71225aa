"""The engine's method over a whole block of respondents at once, with numpy.

`pmfit.scoring.engine.score` is the definition; `score` here is an optimisation of
it and must give the same numbers, which `pmfit.batch.encode` then writes as the
same bytes (tests check both on random banks). So every float is computed with the
engine's own operations in the engine's own order: Python's `sum()` (plain
left-to-right before 3.12, Neumaier-compensated since) is reproduced column by
column, and `round()` as Python rounds.

Why not faster maths: most of the time goes to the measurement model's decisions
(`pmfit.scoring.block.decide`: the result, then one per change the flip tries, about
five more per respondent on the shipped bank: see `_flip`), and most of that to each
respondent's likelihood product, one multiply per question. As a one-hot matrix
product in log space it would be a few BLAS calls, but its sums round differently
from the engine's products, so the posterior would differ in the last bits; a
probability or interval bound that lands on a rounding boundary (x.xxx5) or a
decision at its threshold would then come out differently from `pmfit score` for the
same answers. "Equal as numbers" would have to become "equal within a tolerance", and
"equal when encoded" "almost always": neither is a property a test can hold the two
to. The product stays exact, and every decision stays the engine's bit for bit.
(Tiling the product by rows, for the cache, measured no faster on this machine; it is
not done.)

A block is a matrix of option indices (`-1` = skipped), one row per respondent,
one column per question in bank order; the result is a `pmfit.batch.scored.Scored`.
Internally, columns are in the engine's answered order (by dimension, then bank
order: `Compiled.order`), and turned back to bank order in the result.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmfit.bank.model import Bank
from pmfit.batch.scored import FLAG_CODES, Layout, Scored
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


class Compiled(Layout):
    """A bank turned into the arrays block scoring reads."""

    def __init__(self, bank: Bank) -> None:
        import numpy as np

        super().__init__(bank)
        questions = bank.questions
        widest = self.width
        # Column `widest` stays 0.0, so a skip (-1) reads a lean of 0.0.
        self.leans = np.zeros((len(questions), widest + 1))
        for j, q in enumerate(self.ordered):
            self.leans[j, : len(q.options)] = [o.lean for o in q.options]
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
        #: Each column's dimension (answered order), as an index in the fold's order.
        self.fold_dimension = self.arrays.fold_dimension[self.order]


#: The most rows scored at once: a larger block is scored this many at a time (its
#: arrays would outgrow the caches, and fresh memory for them costs page faults).
SCORE_ROWS = 512


def score(
    c: Compiled, bank_codes: Ints, respondents: Sequence[str | None], *, flips: bool = True
) -> Scored:
    """Each row of `bank_codes` scored as the engine scores it.

    `flips=False` leaves out "what would change it" (no changes, `flip_to` -1 for every
    row): it is most of the scoring's cost, and the report never reads it. Such a block
    is for the report's accumulator only, never for a writer."""
    import numpy as np

    n = bank_codes.shape[0]
    if n > SCORE_ROWS:
        return _joined(
            [
                score(
                    c, bank_codes[i : i + SCORE_ROWS], respondents[i : i + SCORE_ROWS], flips=flips
                )
                for i in range(0, n, SCORE_ROWS)
            ]
        )
    bank_codes = bank_codes.astype(np.int64).reshape(n, c.n_questions)
    x = bank_codes[:, c.order]
    decided = _decide(c, x)
    answered, leans, weight = decided.answered, decided.leans, decided.weight
    value, rec, decisions = decided.value, decided.rec, decided.decisions
    everyone = np.arange(n)
    p = decisions.probabilities
    dimension_scores, dimension_answered = _dimensions(c, leans, answered)
    question, option, points, count = _rationale(c, x, leans, weight, answered, rec)
    shown = pyround(value, 2)
    if flips:
        flip = _flip(c, x, leans, answered, weight, rec, p, decided.head)
    else:
        none = np.zeros((n, 0), dtype=np.int64)
        flip = _Flipped(none, none, none, np.zeros(n, dtype=np.int64), np.full(n, -1))
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
        flip_to=flip.to,
        flags=_flags(c, x, answered, decisions.random_ratio),
    )


def _joined(parts: list[Scored]) -> Scored:
    """Scored blocks one after the other, as one (the flip's changes padded to the
    longest: a row's own are its first flip_count)."""
    import numpy as np

    fields: dict[str, object] = {}
    for field in dataclasses.fields(Scored):
        values = [getattr(part, field.name) for part in parts]
        if isinstance(values[0], list):
            fields[field.name] = [v for value in values for v in value]
        elif field.name in ("flip_question", "flip_from", "flip_option"):
            longest = max(value.shape[1] for value in values)
            fields[field.name] = np.concatenate(
                [np.pad(value, ((0, 0), (0, longest - value.shape[1]))) for value in values]
            )
        else:
            fields[field.name] = np.concatenate(values)
    return Scored(**fields)  # type: ignore[arg-type]


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
    #: Each row's fold before the dimension the flip's decisions resume at.
    head: block.State


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
    # the answers in bank order; the fold kept where the flip's decisions resume.
    in_bank_order, arrays = _bank_order(c, x), c.arrays
    head = block.fold(arrays, in_bank_order, stop=arrays.resume_at)
    state = block.fold(arrays, in_bank_order, arrays.resume_at, head.rows(slice(None)))
    decisions = block.decisions(arrays, in_bank_order, state)
    return _Decided(answered, leans, weight, value, decisions.recommendation, decisions, head)


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


@dataclass
class _Flipped:
    """The flip of each row: its changes and what the changed answers get."""

    question: Ints  # n x longest: columns in the answered order
    old: Ints
    new: Ints
    count: Ints
    to: Ints  # a code into RECOMMENDATIONS, -1 without a flip


class _Side:
    """The rows that look toward one side (+1 up, toward B2C; -1 down), and their scan:
    the greedy gains still untaken (in question-id order, for the ties), the columns
    taken so far, and their answers with those changes made."""

    def __init__(
        self,
        c: Compiled,
        direction: int,
        rows: Ints,
        x: Ints,
        leans: Floats,
        answered: Bools,
        weight: Floats,
    ) -> None:
        import numpy as np

        q = x.shape[1]
        self.direction = direction
        self.rows = rows
        best_lean = c.leans[np.arange(q), c.best[direction]]
        gain = 100.0 * weight[rows] * direction * (best_lean[None, :] - leans[rows])
        movable = answered[rows] & (gain > engine.EPSILON)
        self.remaining = np.where(movable, gain, -np.inf)[:, c.by_id]
        self.taken = np.zeros((len(rows), q), dtype=np.int64)
        self.changed = x[rows].copy()
        self.left = np.ones(len(rows), dtype=bool)  # changes left to take
        #: The first dimension, in the fold's order, that a change taken so far is in.
        self.earliest = np.full(len(rows), len(c.arrays.dimensions), dtype=np.int64)

    def step(self, c: Compiled, k: int, resolved: Bools) -> Ints:
        """Take the k-th change of each unresolved row that has one: their local indices."""
        import numpy as np

        local: Ints = np.flatnonzero(self.left & ~resolved[self.rows])
        pick = np.argmax(self.remaining[local], axis=1)
        possible = self.remaining[local, pick] > -np.inf
        self.left[local[~possible]] = False
        local, pick = local[possible], pick[possible]
        self.remaining[local, pick] = -np.inf
        column = c.by_id[pick]
        self.taken[local, k] = column
        self.changed[local, column] = c.best[self.direction][column]
        self.earliest[local] = np.minimum(self.earliest[local], c.fold_dimension[column])
        return local


def _flip(
    c: Compiled,
    x: Ints,
    leans: Floats,
    answered: Bools,
    weight: Floats,
    rec: Ints,
    probabilities: Floats,
    head: block.State,
) -> _Flipped:
    """engine._flip for each row: the fewest greedy changes that change the
    recommendation, the last the mildest that does, and what it becomes.

    A scan over k, both sides in step: at each k, every row still unresolved takes its
    next greedy change toward each side it looks at, and one `block.recommend` over all
    of them says which rows' recommendation changed. The model need not be monotone in the
    answers, so no k is skipped; a row leaves the scan once resolved (or out of changes),
    so the cost follows the changes the flips need, not the bank's length."""
    import numpy as np

    n, q = x.shape
    neither = (rec == _EITHER) | (rec == _TOO_CLOSE)
    sides = [
        _Side(c, direction, np.flatnonzero(looks), x, leans, answered, weight)
        for direction, looks in ((+1, (rec == _B2B) | neither), (-1, (rec == _B2C) | neither))
    ]
    # A tie between the sides goes to the more probable one (up when as probable).
    prefer_down = probabilities[:, 0] > probabilities[:, 2]
    resolved = np.zeros(n, dtype=bool)
    length = np.zeros(n, dtype=np.int64)
    up = np.zeros(n, dtype=bool)  # the side taken
    steps = np.zeros((n, q), dtype=np.int64)
    after = x.copy()
    to = np.full(n, -1, dtype=np.int64)
    earliest = np.zeros(n, dtype=np.int64)  # of the flip's changes (see _Side.earliest)
    for k in range(q):
        taking = [(side, side.step(c, k, resolved)) for side in sides]
        if not any(local.size for _, local in taking):
            break
        decided = _recommend(
            c,
            np.concatenate([s.changed[lo] for s, lo in taking]),
            np.concatenate([s.rows[lo] for s, lo in taking]),
            np.concatenate([s.earliest[lo] for s, lo in taking]),
            head,
        )
        # What each side's k-th change gives each row, in full-size arrays.
        hit = np.zeros((2, n), dtype=bool)
        got = np.zeros((2, n), dtype=np.int64)
        start = 0
        for i, (side, local) in enumerate(taking):
            who = side.rows[local]
            got[i, who] = decided[start : start + len(local)]
            start += len(local)
            hit[i, who] = got[i, who] != rec[who]
        # Rows changed by both sides at this k keep their preferred side.
        take_up = hit[0] & ~(hit[1] & prefer_down)
        for i, (side, local) in enumerate(taking):
            mine = (take_up if i == 0 else hit[1] & ~take_up)[side.rows[local]]
            local = local[mine]
            who = side.rows[local]
            resolved[who] = True
            length[who] = k + 1
            up[who] = i == 0
            steps[who] = side.taken[local]
            after[who] = side.changed[local]
            to[who] = got[i, who]
            earliest[who] = side.earliest[local]
    last_step = np.maximum(length - 1, 0)
    column = steps[np.arange(n), last_step]
    trial = _Trial(head, earliest)
    return _mildest(c, x, leans, weight, rec, length, up, column, after, to, steps, trial)


@dataclass
class _Trial:
    """What the flip's decisions resume from: each row's fold before the dimension they
    resume at (`block.Arrays.resume_at`), and the first dimension its changes are in."""

    head: block.State
    earliest: Ints


def _recommend(c: Compiled, answers: Ints, rows: Ints, earliest: Ints, head: block.State) -> Ints:
    """block.recommend for changed `answers` (answered order) of these `rows` of the block:
    those whose changes all lie at or after the dimension the decisions resume at are
    folded from there, from their answers' fold before it (`head`), the others in full."""
    import numpy as np

    arrays = c.arrays
    in_bank_order = _bank_order(c, answers)
    if not arrays.resume_at:
        return block.recommend(arrays, in_bank_order)
    resume = earliest >= arrays.resume_at
    got = np.empty(len(answers), dtype=np.int64)
    for these, start in ((~resume, 0), (resume, arrays.resume_at)):
        if these.any():
            state = head.rows(rows[these]) if start else None
            got[these] = block.recommend(arrays, in_bank_order[these], start, state)
    return got


def _mildest(
    c: Compiled,
    x: Ints,
    leans: Floats,
    weight: Floats,
    rec: Ints,
    length: Ints,
    up: Bools,
    column: Ints,
    after: Ints,
    to: Ints,
    steps: Ints,
    trial: _Trial,
) -> _Flipped:
    """The last change of each flip made the mildest option toward its side that still
    changes the recommendation (the furthest one does), mildest first as the engine
    tries them; then the flips as `_Flipped`."""
    import numpy as np

    n = len(x)
    everyone = np.arange(n)
    pending = length > 0
    own_lean = leans[everyone, column]
    best = np.where(up, c.best[1][column], c.best[-1][column])
    sign = np.where(up, 1.0, -1.0)
    base = 100.0 * weight[everyone, column] * sign
    last = best.copy()
    for p in range(c.width):
        option = np.where(up, c.mild[1][column, p], c.mild[-1][column, p])
        toward = base * (c.leans[column, option] - own_lean) > engine.EPSILON
        # The furthest option (first of its lean, as the engine's max) is known to change it.
        pending &= ~(toward & (option == best))
        trying = np.flatnonzero(pending & toward)
        if trying.size:
            answers = after[trying].copy()
            answers[np.arange(len(trying)), column[trying]] = option[trying]
            got = _recommend(c, answers, trying, trial.earliest[trying], trial.head)
            found = got != rec[trying]
            rows = trying[found]
            last[rows] = option[rows]
            to[rows] = got[found]
            pending[rows] = False
    done = length > 0
    after[everyone[done], column[done]] = last[done]
    longest = int(length.max()) if n else 0
    steps = steps[:, :longest]
    rows = everyone[:, None]
    return _Flipped(steps, x[rows, steps], after[rows, steps], length, to)


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
