"""The measurement model behind the decision: what the answers say about the full quiz.

A respondent has a position t in [-1, 1]. On each question they choose the option
whose lean is nearest to t plus normal noise of standard deviation sigma (options
with the same lean share its chance equally). Their *noise-free* answers (the option
nearest to t itself, on every question of the form) give their true score, and the
side of the band it falls on is their true outcome: B2B, either or B2C. That is
what a recommendation claims, and what `pmfit bank simulate` checks it against.

Respondents also differ across dimensions: someone can be B2B on evidence and B2C on
release cadence. So the model is a mixture of two parts, equally likely a priori:

one position
    t answers every question (the position above). The posterior over t (a grid of
    `CELLS` cells, uniform prior; sigma one of `SIGMAS`, uniform prior, summed out)
    gives the probability of each true outcome.
a position per dimension
    each dimension d has its own position t_d = t + normal noise of sd `TAU`, clipped
    to [-1, 1], and its questions answer from t_d. The true score is then a sum of the
    dimensions' shares, which are independent given (sigma, t): each dimension's answers
    give the mean and variance of its share (its t_d summed out on the grid), and the
    true score is taken as normal with the sums of those. On a coarser grid (`B_CELLS`
    positions, sigma one of `B_SIGMAS`): t matters here only through the dimensions'
    positions, which keep the fine grid.

The parts are weighed by how well each explains the answers (their evidence), so
consistent answers are read as one position and answers that differ across dimensions
as positions per dimension. A bank of one dimension uses the one-position part alone
(its one position is the respondent's: the parts coincide). A dimension's answers
enter the per-dimension part through one row per answer pattern (`dimension_row`),
the same for every respondent with that pattern.

A further component, answering at random (every option equally likely), is kept beside
the one-position part: its likelihood against that part's is the person-fit measure
behind the `misfit` flag.

Everything here is a table that depends on the bank alone, computed once per bank
and shared by the engine (`pmfit.scoring.engine`), the batch scorer and the
simulator; the per-respondent arithmetic (products, sums, comparisons) is done
in the same order everywhere, so every path gives the same bytes.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Sequence
from itertools import repeat
from operator import add, mul, truediv
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from pmfit.bank.model import Bank, Question

if TYPE_CHECKING:
    from pmfit.scoring.result import Recommendation
    from pmfit.scoring.stored import StoredTables

#: Cells of the grid over t: midpoints of CELLS equal cells of [-1, 1].
CELLS = 40  # even: the cells pair up as mirror images
SIGMAS = (0.5, 0.75, 1.0, 1.25, 1.5)
#: The least probability an option gets: one slip cannot rule a position out.
FLOOR = 1e-4
#: The likelihood vectors are rescaled by their maximum after this many pairs of
#: questions (`pairs`), so that long banks never underflow (a division by the maximum
#: is exact in every path).
RESCALE_EVERY = 8
#: The per-dimension part: the sd of a dimension's position around t (as the simulator's
#: per-dimension respondents have it, pmfit.simulate.DIMENSION_SD), its grid over t
#: (midpoints of B_CELLS equal cells of [-1, 1]) and its noise levels (indices in SIGMAS).
TAU = 0.59
B_CELLS = 6
B_SIGMAS = (0, 2, 4)
#: The prior probability of the one-position part (the per-dimension part has the rest).
ONE_POSITION = 0.5
#: Added to the true score's sd so that a variance of 0 divides nothing by 0.
SD_FLOOR = 1e-9
#: The normal tail is read from a table over [-TAIL_RANGE, TAIL_RANGE], TAIL_STEPS
#: entries per unit, linearly between them (within 1e-5; the same floats in every path).
TAIL_RANGE = 8.0
TAIL_STEPS = 64
OUTCOMES: tuple[Recommendation, Recommendation, Recommendation] = ("B2B", "either", "B2C")


def positions(cells: int = CELLS) -> list[float]:
    """The cells' midpoints, exactly symmetric about 0 (so mirrored banks mirror exactly)."""
    return [(2 * i - (cells - 1)) / cells for i in range(cells)]


@functools.lru_cache(maxsize=1)
def kernel() -> tuple[tuple[float, ...], ...]:
    """kernel[t][u]: the probability that a dimension's position lies in cell u of the
    grid given t (B_CELLS positions): t plus normal noise of sd TAU, clipped to [-1, 1]
    (the end cells take the clipped tails). Mirror-exact: kernel[-1 - t][-1 - u] is
    kernel[t][u]."""
    found = _shipped()
    return tuple(found.kernel) if found is not None else _kernel()


@functools.lru_cache(maxsize=1)
def _kernel() -> tuple[tuple[float, ...], ...]:
    edges = [-math.inf, *((2 * u - CELLS) / CELLS for u in range(1, CELLS)), math.inf]
    return tuple(
        tuple(_between((edges[u] - t) / TAU, (edges[u + 1] - t) / TAU) for u in range(CELLS))
        for t in positions(B_CELLS)
    )


@functools.lru_cache(maxsize=1)
def tail_table() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The normal upper tail at TAIL_STEPS points per unit of [-TAIL_RANGE, TAIL_RANGE],
    and each step's difference to the next."""
    found = _shipped()
    if found is None:
        return _tail_table()
    from pmfit.scoring.stored import float_list, floats

    return tuple(float_list(floats(found.tail))), tuple(float_list(floats(found.step)))


@functools.lru_cache(maxsize=1)
def _tail_table() -> tuple[tuple[float, ...], tuple[float, ...]]:
    size = int(2 * TAIL_RANGE * TAIL_STEPS)
    root2 = math.sqrt(2.0)
    value = [0.5 * math.erfc((i / TAIL_STEPS - TAIL_RANGE) / root2) for i in range(size + 1)]
    return tuple(value), tuple(b - a for a, b in itertools.pairwise(value))


def upper_tail(z: float) -> float:
    """P(Z > z) for a standard normal Z, from `tail_table` (block.py reads the same
    table with the same operations)."""
    value, step = tail_table()
    x = (min(max(z, -TAIL_RANGE), TAIL_RANGE) + TAIL_RANGE) * TAIL_STEPS
    i = min(int(x), len(step) - 1)
    return value[i] + (x - i) * step[i]


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


@functools.lru_cache(maxsize=64)
def _nearest_on_grid(leans: tuple[float, ...], grid: tuple[float, ...]) -> list[int]:
    """`nearest` at each grid position, for a question with these leans."""
    return [min(range(len(leans)), key=lambda i: abs(leans[i] - t)) for t in grid]


def cuts(leans: Sequence[float]) -> tuple[list[float], list[list[int]]]:
    """A question's distinct leans, ascending, as (cut points between them, the options
    of each lean). A position between two cut points answers with that lean."""
    distinct = sorted(set(leans))
    groups = [[i for i, x in enumerate(leans) if x == v] for v in distinct]
    return [(a + b) / 2 for a, b in itertools.pairwise(distinct)], groups


def option_likelihoods(question: Question) -> list[list[float]]:
    """For each option, its probability at each (sigma, cell) of the grid, flattened
    sigma-major; the random component's 1/K is added as the last column."""
    return list(Likelihoods(tuple(o.lean for o in question.options)))


class Likelihoods:
    """A question's `option_likelihoods`, each option's vector computed on first use:
    scoring one respondent reads only the options chosen (and the flip's), so a single
    score builds a fraction of the bank's vectors; the batch scorer reads them all."""

    __slots__ = ("leans", "stored")

    def __init__(self, leans: tuple[float, ...], stored: StoredVectors | None = None) -> None:
        self.leans = leans
        self.stored = stored  # the vectors read from the shipped tables, if any

    def __len__(self) -> int:
        return len(self.leans)

    def __getitem__(self, option: int) -> list[float]:
        if not 0 <= option < len(self.leans):
            raise IndexError(option)
        if self.stored is not None:
            return self.stored[option]
        return _option_likelihood(self.leans, option)

    def __iter__(self) -> Iterator[list[float]]:
        return (self[k] for k in range(len(self.leans)))


class StoredVectors:
    """A question's option vectors in the shipped tables (`pmfit.scoring.stored`), each
    made a list on first use."""

    __slots__ = ("floats", "lists", "start")

    def __init__(self, floats: memoryview[float], start: int, options: int) -> None:
        self.floats = floats
        self.start = start
        self.lists: list[list[float] | None] = [None] * options

    def __getitem__(self, option: int) -> list[float]:
        found = self.lists[option]
        if found is None:
            from pmfit.scoring.stored import float_list

            width = len(SIGMAS) * CELLS + 1
            at = self.start + option * width
            found = self.lists[option] = float_list(self.floats[at : at + width])
        return found


@functools.lru_cache(maxsize=1024)
def _option_likelihood(leans: tuple[float, ...], option: int) -> list[float]:
    # Questions with the same leans (most of a bank) share their vectors: built once.
    points, groups = cuts(leans)
    bounds = [-math.inf, *points, math.inf]
    j = next(j for j, group in enumerate(groups) if option in group)
    grid = positions()
    row = [0.0] * (len(SIGMAS) * CELLS)
    for s, sigma in enumerate(SIGMAS):
        for g, t in enumerate(grid):
            p = _between((bounds[j] - t) / sigma, (bounds[j + 1] - t) / sigma)
            row[s * CELLS + g] = max(FLOOR, p / len(groups[j]))
    return [*row, 1.0 / len(leans)]


class Tables(msgspec.Struct, frozen=True):
    """What the decision needs from a bank, computed once."""

    #: likelihood[j][k]: question j (bank order), option k: a vector of
    #: len(SIGMAS) * CELLS model columns and one random column.
    likelihood: list[Likelihoods]
    #: For each cell: the index in OUTCOMES of the true outcome at that position.
    truth: list[int]
    #: For each cell: the true score (-100..100) at that position.
    true_score: list[float]
    #: Each question's share of the full score (its dimension's weight over the total,
    #: over the dimension's questions): how much of the score an answer settles.
    share: list[float]
    #: The dimensions with questions, in the order `posterior` folds them (`_dimensions`):
    #: each one's questions, in bank order.
    dimensions: list[tuple[int, ...]]
    #: For each of those dimensions and each cell: its share of the true score (-100..100
    #: in all) when its position is at that cell.
    contribution: list[list[float]]
    #: The half-width of the "either" band.
    band: float
    #: The prior probability of the one-position part: ONE_POSITION, or 1 for a bank of
    #: one dimension, whose one position is the respondent's (the parts coincide there,
    #: and the per-dimension part's normal true score would only blur it).
    one_position: float
    #: dimension_row's rows already built: for each dimension, by answer pattern.
    rows: list[dict[tuple[int, ...], DimensionRow]]
    #: For each dimension: its questions' strides in a pattern's code, the sum over them
    #: of (option + 1) * stride (options + 1 values per question, a skip first) ...
    strides: list[list[int]]
    #: ... and, from the shipped tables, the rows of all its patterns by code (None when
    #: they are not there: computed as needed).
    stored_rows: list[memoryview[float] | None]
    #: _pair_likelihood's products already made, by (first question, its option, the
    #: second's option).
    pair_products: dict[tuple[int, int, int], list[float]]


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


def _build(bank: Bank, *, use_stored: bool = True) -> Tables:
    leans = [tuple(o.lean for o in q.options) for q in bank.questions]
    dimensions = _dimensions(bank)
    stored = _stored_for(bank) if use_stored else None
    stored_rows: list[memoryview[float] | None] = [None] * len(dimensions)
    if stored is not None:
        from pmfit.scoring.stored import floats

        every, vectors, start = floats(stored.likelihood), {}, 0
        for k in stored.leans:
            vectors[k] = StoredVectors(every, start, len(k))
            start += len(k) * (len(SIGMAS) * CELLS + 1)
        likelihood = [Likelihoods(k, vectors[k]) for k in leans]
        true_score, contribution, truth = stored.true_score, stored.contribution, stored.truth
        rows, start = floats(stored.rows), 0
        for d, count in enumerate(stored.patterns):
            if count:
                stored_rows[d] = rows[start : start + count * ROW_WIDTH]
                start += count * ROW_WIDTH
    else:
        likelihood = [Likelihoods(k) for k in leans]
        true_score, contribution = _true_scores(bank)
        truth = [outcome(v, bank.thresholds.either) for v in true_score]
    weights = {d.id: d.weight for d in bank.dimensions}
    counts: dict[str, int] = {}
    for q in bank.questions:
        counts[q.dimension] = counts.get(q.dimension, 0) + 1
    total = math.fsum(weights[d] for d in counts)
    return Tables(
        likelihood=likelihood,
        truth=truth,
        true_score=true_score,
        share=[weights[q.dimension] / counts[q.dimension] / total for q in bank.questions],
        dimensions=dimensions,
        contribution=contribution,
        band=bank.thresholds.either,
        one_position=ONE_POSITION if len(dimensions) > 1 else 1.0,
        rows=[{} for _ in dimensions],
        strides=[_strides(bank, members) for members in dimensions],
        stored_rows=stored_rows,
        pair_products={},
    )


def _strides(bank: Bank, members: tuple[int, ...]) -> list[int]:
    strides, stride = [], 1
    for j in members:
        strides.append(stride)
        stride *= len(bank.questions[j].options) + 1
    return strides


def pattern_count(bank: Bank, members: Sequence[int]) -> int:
    """How many answer patterns a dimension with these questions has (skips too)."""
    return math.prod(len(bank.questions[j].options) + 1 for j in members)


def _dimensions(bank: Bank) -> list[tuple[int, ...]]:
    """The dimensions with questions, each one's questions in bank order: the order in
    which `posterior` folds them. Those whose questions carry the least of the score come
    first (on a tie, in bank order): the flip's changes come largest score move first, so
    they mostly fall in the last dimensions folded, and each of its decisions, resumed
    from the state before the first dimension changed (`Fold`), folds those alone."""
    weights = {d.id: d.weight for d in bank.dimensions}
    found = [
        members
        for d in bank.dimensions
        if (members := tuple(j for j, q in enumerate(bank.questions) if q.dimension == d.id))
    ]
    return sorted(found, key=lambda m: weights[bank.questions[m[0]].dimension] / len(m))


def _true_scores(bank: Bank) -> tuple[list[float], list[list[float]]]:
    """For each cell of the grid, the true score at that position; and for each dimension
    with questions, its share of the true score there."""
    # Questions with the same leans have the same noise-free answers: found once per leans.
    grid = positions()
    leans = [tuple(o.lean for o in q.options) for q in bank.questions]
    answers = {k: _nearest_on_grid(k, tuple(grid)) for k in dict.fromkeys(leans)}
    # Neighbouring cells mostly give the same answers, so the same score: computed once.
    by_answers: dict[tuple[int, ...], float] = {}
    true_score = []
    for g in range(len(grid)):
        chosen = tuple(answers[k][g] for k in leans)
        if chosen not in by_answers:
            by_answers[chosen] = full_score(bank, chosen)
        true_score.append(by_answers[chosen])
    weights = {d.id: d.weight for d in bank.dimensions}
    total = math.fsum(weights[d] for d in {q.dimension for q in bank.questions})
    # A dimension's share of the true score at each cell: its weight times the mean lean
    # of its noise-free answers there, over the total weight.
    contribution = []
    for members in _dimensions(bank):
        weight = weights[bank.questions[members[0]].dimension]
        contribution.append(
            [
                100.0
                * weight
                * math.fsum(bank.questions[j].options[answers[leans[j]][g]].lean for j in members)
                / len(members)
                / total
                for g in range(len(grid))
            ]
        )
    return true_score, contribution


def stored_tables(bank: Bank) -> bytes:
    """The tables of `bank` computed afresh, as the file `pmfit.scoring.stored` reads."""
    from pmfit.scoring import stored

    leans = list(dict.fromkeys(tuple(o.lean for o in q.options) for q in bank.questions))
    tail, step = _tail_table()
    tab = _build(bank, use_stored=False)
    # Every row of every dimension the batch scorer builds all rows of, by code.
    patterns, rows = [], []
    for d, members in enumerate(tab.dimensions):
        count = pattern_count(bank, members)
        patterns.append(count if count <= PATTERNS_BUILT else 0)
        for code in range(patterns[-1]):
            pattern = tuple(
                code // stride % (len(bank.questions[j].options) + 1) - 1
                for j, stride in zip(members, tab.strides[d], strict=True)
            )
            row = _dimension_row(tab, d, pattern)
            rows += [*row.like, *row.mean, *row.var]
    tables = stored.StoredTables(
        leans=leans,
        likelihood=stored.float_array(
            x for k in leans for i in range(len(k)) for x in _option_likelihood(k, i)
        ),
        truth=tab.truth,
        true_score=tab.true_score,
        contribution=tab.contribution,
        patterns=patterns,
        rows=stored.float_array(rows),
        kernel=list(_kernel()),
        tail=stored.float_array(tail),
        step=stored.float_array(step),
    )
    return stored.encode(_model_digest(), stored.bank_digest(_key(bank)), tables)


@functools.lru_cache(maxsize=1)
def _model_digest() -> bytes:
    from pmfit.scoring import stored

    try:
        return stored.model_digest(Path(__file__).read_bytes())
    except OSError:
        return b"-"  # no source to vouch for the tables: they are computed


@functools.lru_cache(maxsize=1)
def _shipped_file() -> tuple[bytes, StoredTables] | None:
    from pmfit.bank.loading import shipped_bank_dir
    from pmfit.scoring.stored import TABLES_FILE

    return tables_in(shipped_bank_dir() / TABLES_FILE)


def tables_in(path: Path) -> tuple[bytes, StoredTables] | None:
    """The tables in the file at `path`, and the digest of the bank they were made from,
    if this model made them."""
    from pmfit.scoring import stored

    found = stored.read(path)
    if found is None or found[0] != _model_digest():
        return None
    return found[1], found[2]


def _shipped() -> StoredTables | None:
    found = _shipped_file()
    return None if found is None else found[1]


def _stored_for(bank: Bank) -> StoredTables | None:
    """The shipped tables, if they were made from a bank with the content of `bank`."""
    from pmfit.scoring import stored

    found = _shipped_file()
    if found is None or found[0] != stored.bank_digest(_key(bank)):
        return None
    return found[1]


class DimensionRow(msgspec.Struct, frozen=True):
    """What one dimension's answers (an answer pattern) say in the per-dimension part, at
    each (B_SIGMAS, B_CELLS) position, sigma-major: the likelihood (on the scale of the
    one-position part's product of the same answers), and the mean and variance of the
    dimension's share of the true score."""

    like: list[float]
    mean: list[float]
    var: list[float]


#: dimension_row keeps at most this many rows per dimension (a long quiz meets few), and
#: _pair_likelihood this many products in all.
ROWS_KEPT = 4096
PAIRS_KEPT = 4096
#: A dimension with at most this many answer patterns has the rows of all of them in the
#: shipped tables, and the batch scorer builds them all up front; a larger one builds the
#: rows of the patterns met.
PATTERNS_BUILT = 4096
#: A row's floats: like, mean and var, each at every (B_SIGMAS, B_CELLS) position.
ROW_WIDTH = 3 * len(B_SIGMAS) * B_CELLS


def dimension_row(tab: Tables, d: int, pattern: tuple[int, ...]) -> DimensionRow:
    """The row of dimension d (an index in tab.dimensions) for the answers `pattern` (an
    option index per question of the dimension, -1 = skipped)."""
    kept = tab.rows[d]
    found = kept.get(pattern)
    if found is None:
        if len(kept) >= ROWS_KEPT:
            kept.clear()
        stored = tab.stored_rows[d]
        if stored is None:
            found = _dimension_row(tab, d, pattern)
        else:
            code = 0
            for k, stride in zip(pattern, tab.strides[d], strict=True):
                code += (k + 1) * stride
            from pmfit.scoring.stored import float_list

            values = float_list(stored[code * ROW_WIDTH : (code + 1) * ROW_WIDTH])
            third = ROW_WIDTH // 3
            found = DimensionRow(values[:third], values[third : 2 * third], values[2 * third :])
        kept[pattern] = found
    return found


def _dimension_row(tab: Tables, d: int, pattern: tuple[int, ...]) -> DimensionRow:
    c = tab.contribution[d]
    rows = kernel()
    like, mean, var = [], [], []
    for s in B_SIGMAS:
        a = [1.0] * CELLS
        for j, k in zip(tab.dimensions[d], pattern, strict=True):
            if k >= 0:
                a = list(map(mul, a, tab.likelihood[j][k][s * CELLS :]))
        # Sums over t_d run over mirror pairs of cells, outside in (as in `posterior`).
        for row in rows:
            total = first = second = 0.0
            for u in range(CELLS // 2):
                h = CELLS - 1 - u
                wu = row[u] * a[u]
                wh = row[h] * a[h]
                total += wu + wh
                mu = wu * c[u]
                mh = wh * c[h]
                first += mu + mh
                second += mu * c[u] + mh * c[h]
            m = first / total
            like.append(total)
            mean.append(m)
            var.append(second / total - m * m)
    return DimensionRow(like, mean, var)


class Posterior(msgspec.Struct, frozen=True):
    """What one respondent's answers say, under the model."""

    #: Probability of each true outcome (B2B, either, B2C).
    probabilities: tuple[float, float, float]
    #: A 90% interval for the true score: the true score at the one-position part's
    #: 5th and 95th percentile positions.
    low: float
    high: float
    #: Likelihood of answering at random over the one-position part's (mean over its
    #: grid): above MISFIT_RATIO the answers fit random choice better than any position.
    random_ratio: float
    #: The share of the full score's weight that the answers settle (0..1).
    answered_share: float


class Fold:
    """Where `posterior` got to after each dimension for the last answers it folded: the
    next answers, when they differ from those in a few dimensions (as the flip's changes
    do, one at a time), are folded from the state before the first of those, which gives
    the floats that folding them afresh gives."""

    __slots__ = ("chosen", "states", "tables")

    def __init__(self) -> None:
        self.tables: Tables | None = None  # whose answers these are
        self.chosen: list[int] = []
        #: After each dimension: (one, like, mean, var), lists never changed in place.
        self.states: list[tuple[list[float], list[float], list[float], list[float]]] = []

    def copy(self) -> Fold:
        twin = Fold()
        twin.tables, twin.chosen, twin.states = self.tables, self.chosen, self.states[:]
        return twin

    def start(self, tab: Tables, chosen: Sequence[int]) -> int:
        """The first dimension whose answers differ from the last ones folded."""
        if self.tables is not tab:
            return 0
        for d, members in enumerate(tab.dimensions):
            if any(chosen[j] != self.chosen[j] for j in members):
                return d
        return len(tab.dimensions)


def posterior(tab: Tables, chosen: Sequence[int], fold: Fold | None = None) -> Posterior:
    """The posterior for `chosen`: an option index per question of the bank, -1 = skipped.
    With `fold`, the dimensions that the last answers it folded share are not folded
    again (the same floats: see `Fold`).

    Every sum runs left to right with plain float adds (no `sum()`, which compensates
    from Python 3.12), so the batch scorer reproduces it bit for bit with column adds.
    """
    size = len(B_SIGMAS) * B_CELLS
    start = 0 if fold is None else fold.start(tab, chosen)
    if start:
        one, like, mean, var = fold.states[start - 1]  # type: ignore[union-attr]
    else:
        one = [1.0] * (len(SIGMAS) * CELLS + 1)
        like, mean, var = [1.0] * size, [0.0] * size, [0.0] * size
    # Two questions at a time (a dimension's in order, `pairs`), a dimension at a time;
    # both parts are rescaled by one factor.
    i = sum(len(pairs(members)) for members in tab.dimensions[:start])
    for d in range(start, len(tab.dimensions)):
        members = tab.dimensions[d]
        for questions in pairs(members):
            found = _pair_likelihood(tab, questions, chosen)
            if found is not None:
                one = list(map(mul, one, found))
            if i % RESCALE_EVERY == RESCALE_EVERY - 1:
                top = max(max(one), max(like))
                one = list(map(truediv, one, repeat(top, len(one))))
                like = list(map(truediv, like, repeat(top, len(like))))
            i += 1
        row = dimension_row(tab, d, tuple(chosen[j] for j in members))
        like = list(map(mul, like, row.like))
        mean = list(map(add, mean, row.mean))
        var = list(map(add, var, row.var))
        if fold is not None:
            del fold.states[d:]
            fold.states.append((one, like, mean, var))
    if fold is not None:
        fold.tables, fold.chosen = tab, list(chosen)
    share = 0.0
    for j, k in enumerate(chosen):
        if k >= 0:
            share += tab.share[j]
    marginal = one[:CELLS]
    for s in range(1, len(SIGMAS)):
        marginal = list(map(add, marginal, one[s * CELLS : (s + 1) * CELLS]))
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
    # The per-dimension part: the true score normal at each position, its tails beyond
    # the band's edges; summed over mirror pairs of positions as above.
    band, sqrt = tab.band, math.sqrt
    below, above = [], []
    for m, v in zip(mean, var, strict=True):
        sd = sqrt(max(v, 0.0)) + SD_FLOOR
        below.append((band + m) / sd)
        above.append((band - m) / sd)
    below = list(map(upper_tail, below))
    above = list(map(upper_tail, above))
    spread = 0.0
    by_spread = [0.0, 0.0, 0.0]
    for g in range(B_CELLS // 2):
        for s in range(len(B_SIGMAS)):
            a, b = s * B_CELLS + g, s * B_CELLS + B_CELLS - 1 - g
            spread += like[a] + like[b]
            by_spread[0] += like[a] * below[a] + like[b] * below[b]
            by_spread[1] += like[a] * (1.0 - (below[a] + above[a])) + like[b] * (
                1.0 - (below[b] + above[b])
            )
            by_spread[2] += like[a] * above[a] + like[b] * above[b]
    # Each part's evidence: its mean likelihood over its grid, times its prior.
    columns = float(len(SIGMAS) * CELLS)
    one_weight = tab.one_position / columns
    spread_weight = (1.0 - tab.one_position) / size
    evidence = total * one_weight + spread * spread_weight
    probabilities = tuple(
        (by_outcome[o] * one_weight + by_spread[o] * spread_weight) / evidence for o in range(3)
    )
    # The 5% tails of the one-position part, each counted from its own end.
    tail = 0.05 * total
    return Posterior(
        probabilities=(probabilities[0], probabilities[1], probabilities[2]),
        low=tab.true_score[_tail_cell(marginal, tail)],
        high=tab.true_score[CELLS - 1 - _tail_cell(marginal[::-1], tail)],
        random_ratio=one[-1] * columns / total,
        answered_share=share,
    )


def pairs(members: Sequence[int]) -> list[tuple[int, ...]]:
    """A dimension's questions two by two, in order (the last alone when they are odd):
    the one-position part multiplies a pair's likelihoods first, which halves the
    products per respondent (the batch scorer reads each pair's from a small table)."""
    return [tuple(members[i : i + 2]) for i in range(0, len(members), 2)]


def _pair_likelihood(
    tab: Tables, pair: tuple[int, ...], chosen: Sequence[int]
) -> list[float] | None:
    """The product of a pair's likelihood vectors for the options chosen (a skip's is all
    ones, so it leaves the other's as it is); None when every question is skipped."""
    found = [tab.likelihood[j][chosen[j]] for j in pair if chosen[j] >= 0]
    if len(found) < 2:
        return found[0] if found else None
    # The flip's decisions and the adaptive quiz's steps meet the same pairs again.
    key = (pair[0], chosen[pair[0]], chosen[pair[1]])
    product = tab.pair_products.get(key)
    if product is None:
        if len(tab.pair_products) >= PAIRS_KEPT:
            tab.pair_products.clear()
        product = tab.pair_products[key] = list(map(mul, found[0], found[1]))
    return product


def _tail_cell(marginal: Sequence[float], tail: float) -> int:
    """The first cell at which the running sum from the left reaches `tail`."""
    running = 0.0
    for g, x in enumerate(marginal):
        running += x
        if running >= tail:
            return g
    return len(marginal) - 1
