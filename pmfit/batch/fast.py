"""The engine's method over a whole block of respondents at once, with numpy.

`pmfit.scoring.engine.score` is the definition; this module is an optimisation
of it and must give the same bytes (tests check it on random answer sets). So
every float is computed with the engine's own operations in the engine's own
order: Python's `sum()` (plain left-to-right before 3.12, Neumaier-compensated
since) is reproduced column by column, `round()` and `math.erfc` are Python's
own, and floats are written by msgspec as the engine's output is.

A block is a matrix of option indices (`-1` = skipped), one row per respondent,
one column per question in bank order. Output pieces that repeat across
respondents (an answer block, a dimension's entry, a rationale item, a flip
change) are encoded once per distinct value and looked up by an integer code (a
code for "nothing" pads rows with fewer items); the block's pieces form an n x k
matrix that is joined once.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from pmfit.bank.model import Bank, Dimension
from pmfit.batch.compact import COMPACT_SCHEMA_ID, CompactReason
from pmfit.scoring import block, engine
from pmfit.scoring.result import (
    RESULT_SCHEMA_ID,
    BankRef,
    DimensionScore,
    Flag,
    FlipChange,
    QuoteOut,
    RationaleItem,
    Toward,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from pmfit.scoring.block import Bools, Floats, Ints

    Objects = npt.NDArray[np.object_]

_encode = msgspec.json.encode
#: Python 3.12 made sum() of floats compensated (Neumaier); older versions add plainly.
COMPENSATED_SUM = sys.version_info >= (3, 12)
_RECOMMENDATIONS = tuple(r.encode() for r in block.RECOMMENDATIONS)
_B2B, _EITHER, _B2C, _TOO_CLOSE, _INSUFFICIENT = range(5)
#: Codes per grouped piece: larger groups mean fewer pieces to join per line, but more
#: distinct pieces to encode and keep (each a few hundred bytes).
GROUP_CODES = 256
#: A contribution is within +-100 points: +-10,000 hundredths, offset to stay positive,
#: and doubled to carry the sign bit.
_HUNDREDTHS = 10_000
_VALUES = 2 * (2 * _HUNDREDTHS + 1)
_FLAGS_HEAD = b',"flags":['
_FLAGS_TAIL = b"]}\n"


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


def _floats(values: Sequence[float]) -> list[bytes]:
    """Each value as msgspec writes it (one encode call for the whole list)."""
    if not values:
        return []
    return _encode(list(values))[1:-1].split(b",")


class _Lazy:
    """Pieces encoded on first use, keyed by an integer code below `size`.

    A small code space is a dense table indexed directly (no sorting per block);
    a large one falls back to the distinct codes of each block.
    """

    DENSE = 1 << 16

    def __init__(self, build: Callable[[int], bytes], size: int) -> None:
        import numpy as np

        self.build = build
        self.dense = size <= self.DENSE
        self.table = np.empty(size if self.dense else 0, dtype=object)
        self.filled = np.zeros(size if self.dense else 0, dtype=bool)
        self.cache: dict[int, bytes] = {}

    def lookup(self, codes: Ints) -> Objects:
        import numpy as np

        if self.dense:
            missing = ~self.filled[codes]
            if missing.any():
                for code in np.unique(codes[missing]).tolist():
                    self.table[code] = self.build(code)
                    self.filled[code] = True
            found: Objects = self.table[codes]
            return found
        unique, inverse = np.unique(codes, return_inverse=True)
        table = np.empty(len(unique), dtype=object)
        for i, code in enumerate(unique.tolist()):
            piece = self.cache.get(code)
            if piece is None:
                piece = self.cache[code] = self.build(code)
            table[i] = piece
        result: Objects = table[inverse.reshape(-1)]
        return result


class Compiled:
    """A bank turned into lookup tables for block scoring."""

    def __init__(self, bank: Bank, *, with_quotes: bool = False) -> None:
        import numpy as np

        self.bank = bank
        self.with_quotes = with_quotes
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
        weights = [d.weight for d in bank.dimensions]
        self.dim_weights = np.array(weights, dtype=np.float64)
        self.membership = np.zeros((len(questions), len(bank.dimensions)), dtype=np.int64)
        self.membership[np.arange(len(questions)), self.dim_of] = 1
        self.n_options = np.array([len(q.options) for q in self.ordered], dtype=np.int64)
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
        self._prefix(bank)
        self._tables()
        self.recommendation_pieces = np.array(
            [b'},"recommendation":"' + r + b'","confidence":' for r in _RECOMMENDATIONS],
            dtype=object,
        )
        #: After the flip's changes: what they would get, by recommendation code; the
        #: last entry is for no change at all.
        self.flip_to_pieces = np.array(
            [b'],"flip_to":"' + r + b'"' for r in _RECOMMENDATIONS] + [b'],"flip_to":null'],
            dtype=object,
        )

    def _prefix(self, bank: Bank) -> None:
        schema = RESULT_SCHEMA_ID if self.with_quotes else COMPACT_SCHEMA_ID
        ref = BankRef(id=bank.id, version=bank.version, sha256=bank.sha256)
        self.head = b'{"schema":' + _encode(schema) + b',"bank":' + _encode(ref) + b',"respondent":'

    def _tables(self) -> None:
        # Few, wide pieces make the final join cheap: consecutive questions (bank order)
        # and consecutive dimensions are grouped while their joint codes stay small.
        self.answer_groups = [
            (group, radix, self._answers_piece(group, radix, first=i == 0, last=i == n - 1))
            for groups in [self._group([[i] for i in range(self.n_questions)], bank_order=True)]
            for n in [len(groups)]
            for i, (group, radix) in enumerate(groups)
        ]
        by_dimension = [
            [j for j in range(self.n_questions) if self.dim_of[j] == d]
            for d in range(self.n_dimensions)
        ]
        self.dimension_groups = []
        dims = self._group(by_dimension, bank_order=False, keep_units=True)
        start = 0  # units are the dimensions in bank order, those without questions too
        for i, (group, radix) in enumerate(dims):
            dimensions = self.bank.dimensions[start : start + len(group)]
            start += len(group)
            piece = self._dimension_piece(
                dimensions, group, radix, first=i == 0, last=i == len(dims) - 1
            )
            self.dimension_groups.append(([j for unit in group for j in unit], radix, piece))
        self.no_change = self.n_questions * 2 * self.width**2
        self.flip_piece = _Lazy(self._flip_change, self.no_change + 1)
        self.reason_cache: dict[tuple[int, float], bytes] = {}
        self.no_reason = self.n_questions * self.width * 2 * _VALUES
        self.reason_piece = _Lazy(self._reason_piece, self.no_reason + 1)

    def _group(
        self, units: list[list[int]], bank_order: bool, keep_units: bool = False
    ) -> list[Any]:
        """Consecutive units of columns, grouped while the product of their radices fits."""
        groups: list[Any] = []
        current: list[Any] = []
        radix: list[int] = []
        for unit in units:
            unit_radix = self._radix(unit, bank_order)
            if current and math.prod(radix) * math.prod(unit_radix) > GROUP_CODES:
                groups.append((current, radix))
                current, radix = [], []
            current += [unit] if keep_units else unit
            radix += unit_radix
        if current or not groups:
            groups.append((current, radix))
        return groups

    def _radix(self, columns: list[int], bank_order: bool) -> list[int]:
        qs = self.bank.questions if bank_order else self.ordered
        return [len(qs[c].options) + 1 for c in columns]

    def _decode(self, code: int, radix: list[int]) -> list[int]:
        """A mixed-radix code back to option indices (-1 = skipped)."""
        digits = []
        for base in radix:
            digits.append(code % base - 1)
            code //= base
        return digits

    def _answers_piece(self, block: list[int], radix: list[int], first: bool, last: bool) -> _Lazy:
        questions = self.bank.questions
        head = b',"answers":{' if first else b","
        tail = b'},"score":' if last else b""

        def build(code: int) -> bytes:
            parts = []
            for i, k in zip(block, self._decode(code, radix), strict=True):
                q = questions[i]
                parts.append(_encode(q.id) + b":" + _encode(None if k < 0 else q.options[k].id))
            return head + b",".join(parts) + tail

        return _Lazy(build, math.prod(radix))

    def _dimension_piece(
        self,
        dimensions: list[Dimension],
        group: list[list[int]],
        radix: list[int],
        first: bool,
        last: bool,
    ) -> _Lazy:
        head = b',"dimensions":[' if first else b","
        tail = b'],"rationale":[' if last else b""

        def build(code: int) -> bytes:
            digits = iter(self._decode(code, radix))
            entries = []
            for dimension, unit in zip(dimensions, group, strict=True):
                leans = [
                    self.ordered[j].options[k].lean
                    for j, k in zip(unit, [next(digits) for _ in unit], strict=True)
                    if k >= 0
                ]
                value = round(100.0 * sum(leans) / len(leans), 2) if leans else None
                entry = DimensionScore(
                    id=dimension.id,
                    weight=dimension.weight,
                    score=value,
                    answered=len(leans),
                    questions=len(unit),
                )
                entries.append(_encode(entry))
            return head + b",".join(entries) + tail

        return _Lazy(build, math.prod(radix))

    def _flip_change(self, code: int) -> bytes:
        if code == self.no_change:
            return b""
        w = self.width
        j, rest = divmod(code, w * w * 2)
        comma, rest = divmod(rest, w * w)
        old, new = divmod(rest, w)
        q = self.ordered[j]
        change = FlipChange(question=q.id, from_=q.options[old].id, to=q.options[new].id)
        return (b"," if comma else b"") + _encode(change)

    def _reason_piece(self, code: int) -> bytes:
        """A rationale item from its code (see `_rationale`); `no_reason` is no item."""
        if code == self.no_reason:
            return b""
        answer, value = divmod(code, _VALUES)
        answer, comma = divmod(answer, 2)
        hundredths, negative = divmod(value, 2)
        hundredths -= _HUNDREDTHS
        contribution = -0.0 if negative and not hundredths else hundredths / 100.0
        piece = self.reason(*divmod(answer, self.width), contribution)
        return b"," + piece if comma else piece

    def reason(self, j: int, k: int, points: float) -> bytes:
        key = (j * self.width + k, points)
        piece = self.reason_cache.get(key)
        if piece is None:
            q = self.ordered[j]
            option = q.options[k]
            item: Any
            # The code keeps the contribution's sign (a -0.0 included), which is the way
            # the unrounded points pushed.
            toward: Toward = "B2B" if math.copysign(1.0, points) < 0 else "B2C"
            if self.with_quotes:
                item = RationaleItem(
                    question=q.id,
                    option=option.id,
                    dimension=q.dimension,
                    lean=option.lean,
                    contribution=round(points, 2),
                    toward=toward,
                    sources=[
                        QuoteOut(answer=s.answer, side=s.side, es=s.quote.es, en=s.quote.en)
                        for s in q.sources
                        if s.speaks_for(toward)
                    ],
                )
            else:
                item = CompactReason(
                    question=q.id, option=option.id, contribution=round(points, 2), toward=toward
                )
            piece = self.reason_cache[key] = _encode(item)
        return piece


def _codes(x: Ints, columns: list[int], radix: list[int]) -> Ints:
    import numpy as np

    code = np.zeros(x.shape[0], dtype=np.int64)
    scale = 1
    for c, base in zip(columns, radix, strict=True):
        code += (x[:, c] + 1) * scale
        scale *= base
    return code


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


def score_block(c: Compiled, bank_codes: Ints, respondents: Sequence[str | None]) -> list[bytes]:
    """One JSON line (with its newline) per row of `bank_codes`."""
    return list(map(b"".join, _pieces(c, bank_codes, respondents).tolist()))


def score_bytes(c: Compiled, bank_codes: Ints, respondents: Sequence[str | None]) -> bytes:
    """The lines of `score_block`, joined: one copy of the output, no object per line."""
    return b"".join(_pieces(c, bank_codes, respondents).ravel().tolist())


def _matrix(n: int, columns: list[Any]) -> Objects:
    """Columns of pieces (each a constant, a list, an object array, or an n x w block of
    w columns) as one n x k matrix."""
    import numpy as np

    widths = [column.shape[1] if _is_block(column) else 1 for column in columns]
    pieces: Objects = np.empty((n, sum(widths)), dtype=object)
    at = 0
    for column, width in zip(columns, widths, strict=True):
        if _is_block(column):
            pieces[:, at : at + width] = column
        else:
            pieces[:, at] = column
        at += width
    return pieces


def _is_block(column: Any) -> bool:
    """An n x k array of pieces (several columns at once), not a single column."""
    return getattr(column, "ndim", 1) == 2


def _pieces(c: Compiled, bank_codes: Ints, respondents: Sequence[str | None]) -> Objects:
    """Each row's line as pieces to join, one row of the matrix per respondent."""
    import numpy as np

    n = bank_codes.shape[0]
    if n == 0:
        return np.empty((0, 0), dtype=object)
    band = c.bank.thresholds.either
    x = bank_codes[:, c.order].astype(np.int64)
    decided = _decide(c, x)
    answered, leans, weight = decided.answered, decided.leans, decided.weight
    value, rec, decisions = decided.value, decided.rec, decided.decisions
    confidence = decisions.probabilities[np.arange(n), decisions.lead]
    p = decisions.probabilities
    numbers = _floats(
        np.concatenate(
            [
                pyround(value, 2),
                pyround(decisions.low, 2),
                pyround(decisions.high, 2),
                pyround(confidence, 3),
            ]
            + [pyround(p[:, i].copy(), 3) for i in range(3)]
        ).tolist()
    )
    scores, lows, highs, confidences, b2b, either, b2c = (
        numbers[i * n : (i + 1) * n] for i in range(7)
    )

    columns: list[Any] = [c.head, list(map(_encode, respondents))]
    for group, radix, lazy in c.answer_groups:
        columns.append(lazy.lookup(_codes(bank_codes, group, radix)))
    columns.append(scores)
    columns.append(b',"interval":{"low":')
    columns.append(lows)
    columns.append(b',"high":')
    columns.append(highs)
    columns.append(c.recommendation_pieces[rec])
    columns.append(confidences)
    columns.append(b',"probabilities":{"B2B":')
    columns.append(b2b)
    columns.append(b',"either":')
    columns.append(either)
    columns.append(b',"B2C":')
    columns.append(b2c)
    columns.append(b"}")
    for group, radix, lazy in c.dimension_groups:
        columns.append(lazy.lookup(_codes(x, group, radix)))
    columns.append(_rationale(c, x, leans, weight, answered, rec))
    columns.append(b'],"flip":[')
    # The flip starts from the score's side of the band, as the engine's does.
    eps = engine.EPSILON
    shown = pyround(value, 2)
    side = np.where(shown > band + eps, _B2C, np.where(shown < -band - eps, _B2B, _EITHER))
    side = np.where(rec == _INSUFFICIENT, _INSUFFICIENT, side)
    flip_pieces, after, flipped = _flip(c, x, leans, answered, weight, value, side, band)
    columns.append(flip_pieces)
    # What the changed answers would get, decided by the same rule (as the engine does).
    # Only the recommendation is needed, so only the model's decision is made (not the
    # score, weights and leans of `_decide`), and only for the rows with a flip.
    flip_to = np.full(n, len(_RECOMMENDATIONS), dtype=np.int64)
    if flipped.any():
        flip_to[flipped] = block.decide(c.arrays, _bank_order(c, after[flipped])).recommendation
    columns.append(c.flip_to_pieces[flip_to])
    columns.append(_flags(c, x, leans, answered, decisions.random_ratio))
    return _matrix(n, columns)


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
) -> Objects:
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
    # An item's bytes depend on the answer, on whether a comma goes before it, and on the
    # rounded contribution only: hundredths (and the sign, for a -0.0) make an exact code.
    rounded = pyround(points[rows, order], 2)
    hundredths = np.rint(rounded * 100.0).astype(np.int64) + _HUNDREDTHS
    value = hundredths * 2 + np.signbit(rounded)
    comma = np.arange(size)[None, :] > 0
    answer = (order * c.width + x[rows, order]) * 2 + comma
    codes = np.where(taken, answer * _VALUES + value, c.no_reason)
    pieces: Objects = c.reason_piece.lookup(codes.reshape(-1)).reshape(n, size)
    return pieces


def _flip(
    c: Compiled,
    x: Ints,
    leans: Floats,
    answered: Bools,
    weight: Floats,
    value: Floats,
    rec: Ints,
    band: float,
) -> tuple[Objects, Ints, Bools]:
    """The flip's pieces, the answers with its changes made, and which rows have one."""
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
    w = c.width
    code = ((steps * 2 + (stage > 0)) * w + old) * w + target
    live = stage < length[:, None]
    code = np.where(live, code, c.no_change)
    pieces: Objects = c.flip_piece.lookup(code.reshape(-1)).reshape(n, longest)
    after = x.copy()
    rows, stages = np.nonzero(live)
    after[rows, steps[rows, stages]] = target[rows, stages]
    return pieces, after, length > 0


def _flags(c: Compiled, x: Ints, leans: Floats, answered: Bools, ratio: Floats) -> list[bytes]:
    """engine._flags for each row: rows without a flag share one piece, the others are
    built one by one with the engine's own wording."""
    import numpy as np

    n, q = x.shape
    n_answered = answered.sum(axis=1)
    # x is in the engine's answered order (c.order); straight_lines reads bank order.
    straight = block.straight_lines(c.arrays, _bank_order(c, x))
    misfit = (n_answered >= engine.STRAIGHT_LINE_MINIMUM) & (ratio > engine.MISFIT_RATIO)
    skipped = q - n_answered
    many = (skipped / q > c.bank.thresholds.many_skips + engine.EPSILON) if q else skipped < 0
    pieces = [_FLAGS_HEAD + _FLAGS_TAIL] * n
    for r in np.flatnonzero(straight | misfit | many).tolist():
        cols = np.flatnonzero(answered[r]).tolist()
        ids = [c.ordered[j].id for j in cols]
        flags = []
        if straight[r]:
            line = engine.straight_line(
                [(int(x[r, j]), len(c.ordered[j].options), float(leans[r, j])) for j in cols]
            )
            assert line is not None
            flags.append(Flag(code="straight_lining", questions=ids, detail=line))
        if misfit[r]:
            flags.append(Flag(code="misfit", questions=ids, detail=engine.MISFIT_DETAIL))
        if many[r]:
            order_mask = np.zeros(q, dtype=bool)
            order_mask[c.order] = ~answered[r]
            skipped_ids = [
                qq.id for qq, s in zip(c.bank.questions, order_mask.tolist(), strict=True) if s
            ]
            flags.append(
                Flag(
                    code="many_skips",
                    questions=skipped_ids,
                    detail=f"{len(skipped_ids)} of {q} questions skipped",
                )
            )
        pieces[r] = _FLAGS_HEAD + b",".join(_encode(f) for f in flags) + _FLAGS_TAIL
    return pieces
