"""Scored blocks as JSON: the one place that knows a result line's fields and order.

With `inert` (as every writer uses it), each piece goes through the one terminal
filter (`literal_bytes`) as it is made, so the lines hold the same inert bytes
wherever they go (stdout, an -o file, workers writing into it): JSON writes C0
controls escaped; the C1 controls and bidi overrides it leaves raw become JSON's own
\\u escapes, so the data is unchanged. A piece is a whole JSON value or punctuation,
so filtering pieces is filtering lines (tests check both: without the filter the
bytes are msgspec's, with it they are msgspec's filtered).

The bytes are exactly what msgspec writes for the engine's result (`Result`, or the
compact `CompactResult` by default; tests check it on random banks). Pieces that
repeat across respondents (an answer block, a dimension's entry, a rationale item,
a flip change) are encoded once per distinct value and looked up by an integer
code (a code for "nothing" pads rows with fewer items); a block's pieces form an
n x k matrix that is joined once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from pmfit.bank.model import Bank, Dimension
from pmfit.batch.compact import COMPACT_SCHEMA_ID, CompactReason
from pmfit.batch.scored import FLAG_CODES, POINTS, Layout, Scored, points_codes, points_of
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
from pmfit.text.literal import literal_bytes

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from pmfit.scoring.block import Ints

    Objects = npt.NDArray[np.object_]

_encode = msgspec.json.encode
_RECOMMENDATIONS = tuple(r.encode() for r in block.RECOMMENDATIONS)
#: Codes per grouped piece: larger groups mean fewer pieces to join per line, but more
#: distinct pieces to encode and keep (each a few hundred bytes).
GROUP_CODES = 256
_FLAGS_HEAD = b',"flags":['
_FLAGS_TAIL = b"]}"


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

    def __init__(
        self, build: Callable[[int], bytes], size: int, finish: Callable[[bytes], bytes]
    ) -> None:
        import numpy as np

        self.build = build
        self.finish = finish
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
                    self.table[code] = self.finish(self.build(code))
                    self.filled[code] = True
            found: Objects = self.table[codes]
            return found
        unique, inverse = np.unique(codes, return_inverse=True)
        table = np.empty(len(unique), dtype=object)
        for i, code in enumerate(unique.tolist()):
            piece = self.cache.get(code)
            if piece is None:
                piece = self.cache[code] = self.finish(self.build(code))
            table[i] = piece
        result: Objects = table[inverse.reshape(-1)]
        return result


class Encoder(Layout):
    """A bank's result lines: `lines` for JSONL, `items` for a JSON array."""

    def __init__(self, bank: Bank, *, with_quotes: bool = False, inert: bool = True) -> None:
        import numpy as np

        super().__init__(bank)
        self.with_quotes = with_quotes
        self.finish: Callable[[bytes], bytes] = literal_bytes if inert else _as_is
        schema = RESULT_SCHEMA_ID if with_quotes else COMPACT_SCHEMA_ID
        ref = BankRef(id=bank.id, version=bank.version, sha256=bank.sha256)
        self.head = self.finish(
            b'{"schema":' + _encode(schema) + b',"bank":' + _encode(ref) + b',"respondent":'
        )
        self._tables()
        self.recommendation_pieces = np.array(
            [b'},"recommendation":"' + r + b'","confidence":' for r in _RECOMMENDATIONS],
            dtype=object,
        )
        #: After the flip's changes: what they would get, by recommendation code; the
        #: last entry (code -1) is for no change at all.
        self.flip_to_pieces = np.array(
            [b'],"flip_to":"' + r + b'"' for r in _RECOMMENDATIONS] + [b'],"flip_to":null'],
            dtype=object,
        )

    def lines(self, scored: Scored) -> bytes:
        """JSONL: one line per respondent, each with its newline."""
        return self._joined(scored, b"", b"", b"\n")

    def items(self, scored: Scored, first: bool) -> bytes:
        """A JSON array's items, one per line, each but the `first` after a comma (no
        brackets)."""
        return self._joined(scored, b"\n" if first else b",\n", b",\n", b"")

    def _joined(self, scored: Scored, before_first: bytes, before: bytes, after: bytes) -> bytes:
        import numpy as np

        n = len(scored)
        if not n:
            return b""
        pieces = self._pieces(scored)
        separators = np.full(n, before, dtype=object)
        separators[0] = before_first
        return b"".join(_matrix(n, [separators, pieces, after]).ravel().tolist())

    def _pieces(self, s: Scored) -> Objects:
        """Each row's result as pieces to join, one row of the matrix per respondent."""
        import numpy as np

        n = len(s)
        numbers = _floats(
            np.concatenate(
                [s.score, s.low, s.high, s.confidence] + [s.probabilities[:, i] for i in range(3)]
            ).tolist()
        )
        scores, lows, highs, confidences, b2b, either, b2c = (
            numbers[i * n : (i + 1) * n] for i in range(7)
        )
        columns: list[Any] = [self.head, _respondents(s.respondents, self.finish)]
        for group, radix, lazy in self.answer_groups:
            columns.append(lazy.lookup(_codes(s.codes, group, radix)))
        columns += [scores, b',"interval":{"low":', lows, b',"high":', highs]
        columns += [self.recommendation_pieces[s.recommendation], confidences]
        columns += [b',"probabilities":{"B2B":', b2b, b',"either":', either]
        columns += [b',"B2C":', b2c, b"}"]
        x = s.codes[:, self.order]
        for group, radix, lazy in self.dimension_groups:
            columns.append(lazy.lookup(_codes(x, group, radix)))
        columns.append(self._rationale(s))
        columns.append(b'],"flip":[')
        columns.append(self._flip(s))
        columns.append(self.flip_to_pieces[s.flip_to])
        columns.append(self._flags(s))
        return _matrix(n, columns)

    def _rationale(self, s: Scored) -> Objects:
        import numpy as np

        n, size = s.rationale_question.shape
        # An item's bytes depend on the answer, on whether a comma goes before it, and on
        # the rounded contribution only: hundredths (and the sign, for a -0.0) make an
        # exact code.
        rounded = s.rationale_points
        value = points_codes(rounded)
        comma = np.arange(size)[None, :] > 0
        answer = (s.rationale_question * self.width + s.rationale_option) * 2 + comma
        taken = np.arange(size)[None, :] < s.rationale_count[:, None]
        codes = np.where(taken, answer * POINTS + value, self.no_reason)
        pieces: Objects = self.reason_piece.lookup(codes.reshape(-1)).reshape(n, size)
        return pieces

    def _flip(self, s: Scored) -> Objects:
        import numpy as np

        n, longest = s.flip_question.shape
        w = self.width
        stage = np.arange(longest)[None, :]
        code = ((s.flip_question * 2 + (stage > 0)) * w + s.flip_from) * w + s.flip_option
        code = np.where(stage < s.flip_count[:, None], code, self.no_change)
        pieces: Objects = self.flip_piece.lookup(code.reshape(-1)).reshape(n, longest)
        return pieces

    def _flags(self, s: Scored) -> list[bytes]:
        """engine._flags' items: rows without a flag share one piece, the others are
        built one by one with the engine's own wording."""
        import numpy as np

        n, q = s.codes.shape
        pieces = [_FLAGS_HEAD + _FLAGS_TAIL] * n
        # FLAG_CODES is the order in which the engine lists flags.
        straight, misfit, many = (
            FLAG_CODES.index(code) for code in ("straight_lining", "misfit", "many_skips")
        )
        for r in np.flatnonzero(s.flags.any(axis=1)).tolist():
            row = s.codes[r].tolist()
            answered = [j for j in self.order.tolist() if row[j] >= 0]
            ids = [self.bank.questions[j].id for j in answered]
            flags = []
            if s.flags[r, straight]:
                line = engine.straight_line(
                    [
                        (
                            row[j],
                            len(self.bank.questions[j].options),
                            self.bank.questions[j].options[row[j]].lean,
                        )
                        for j in answered
                    ]
                )
                assert line is not None
                flags.append(Flag(code="straight_lining", questions=ids, detail=line))
            if s.flags[r, misfit]:
                flags.append(Flag(code="misfit", questions=ids, detail=engine.MISFIT_DETAIL))
            if s.flags[r, many]:
                skipped_ids = [
                    qq.id for qq, k in zip(self.bank.questions, row, strict=True) if k < 0
                ]
                flags.append(
                    Flag(
                        code="many_skips",
                        questions=skipped_ids,
                        detail=f"{len(skipped_ids)} of {q} questions skipped",
                    )
                )
            pieces[r] = self.finish(
                _FLAGS_HEAD + b",".join(_encode(f) for f in flags) + _FLAGS_TAIL
            )
        return pieces

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
        self.flip_piece = _Lazy(self._flip_change, self.no_change + 1, self.finish)
        self.reason_cache: dict[tuple[int, float], bytes] = {}
        self.no_reason = self.n_questions * self.width * 2 * POINTS
        self.reason_piece = _Lazy(self._reason_piece, self.no_reason + 1, self.finish)

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

        return _Lazy(build, math.prod(radix), self.finish)

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

        return _Lazy(build, math.prod(radix), self.finish)

    def _flip_change(self, code: int) -> bytes:
        if code == self.no_change:
            return b""
        w = self.width
        j, rest = divmod(code, w * w * 2)
        comma, rest = divmod(rest, w * w)
        old, new = divmod(rest, w)
        q = self.bank.questions[j]
        change = FlipChange(question=q.id, from_=q.options[old].id, to=q.options[new].id)
        return (b"," if comma else b"") + _encode(change)

    def _reason_piece(self, code: int) -> bytes:
        """A rationale item from its code (see `_rationale`); `no_reason` is no item."""
        if code == self.no_reason:
            return b""
        answer, value = divmod(code, POINTS)
        answer, comma = divmod(answer, 2)
        contribution = points_of(value)
        piece = self.reason(*divmod(answer, self.width), contribution)
        return b"," + piece if comma else piece

    def reason(self, j: int, k: int, points: float) -> bytes:
        key = (j * self.width + k, points)
        piece = self.reason_cache.get(key)
        if piece is None:
            q = self.bank.questions[j]
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


def _respondents(names: list[str | None], finish: Callable[[bytes], bytes]) -> list[bytes]:
    """Each name as JSON, finished (the filter is tried once on them all: nearly always
    it changes nothing)."""
    encoded = list(map(_encode, names))
    joined = b"".join(encoded)
    if finish(joined) != joined:
        encoded = list(map(finish, encoded))
    return encoded


def _as_is(piece: bytes) -> bytes:
    return piece


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


def _codes(x: Ints, columns: list[int], radix: list[int]) -> Ints:
    import numpy as np

    code = np.zeros(x.shape[0], dtype=np.int64)
    scale = 1
    for c, base in zip(columns, radix, strict=True):
        code += (x[:, c] + 1) * scale
        scale *= base
    return code
