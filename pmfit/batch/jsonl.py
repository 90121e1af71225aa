"""JSON rows (JSONL lines, JSON array items): a typed msgspec decoder for the common
case, the answer-sheet reader `pmfit score` uses for every other row.

The fast decoder knows the bank: each question is a field whose type only admits
that question's option ids, so a row that decodes is valid, and each option comes
back as an enum member that a single dict maps to its index. Two things it cannot
see are checked on the bytes: a key given twice (msgspec keeps the last) and a value
over the length limit. A row's double quotes number exactly two per key and two per
text value when no key repeats and no text holds an escaped quote, so a row whose
count differs, or that is longer than one value may be, is read again the slow way:
the answer-sheet reader accepts what `pmfit score` accepts (numbers as ids, padded
blanks, escaped quotes) and words the rejection as it does.
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from pmfit.answers import parse_sheet, row_too_long, sheet_from_document
from pmfit.bank.model import Bank
from pmfit.batch.lines import Line, TooLong
from pmfit.batch.rows import Block, OptionIndex, Rejection
from pmfit.errors import InputError
from pmfit.limits import MAX_FIELD_CHARS

_UNSET = msgspec.UNSET
_QUOTES = operator.methodcaller("count", b'"')


class _Member(enum.Enum):
    # Enum hashes by name in Python code; identity hashing keeps the lookup in C.
    __hash__ = object.__hash__


class LineDecoder:
    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.file = "<input>"
        self.index = OptionIndex(bank)
        #: Option codes: -1 null (skipped), -2 absent (also skipped, but not in the row).
        self.lookup: dict[Any, int] = {None: -1, _UNSET: -2}
        fields: list[tuple[str, Any, Any]] = []
        for i, q in enumerate(bank.questions):
            make: Any = _Member
            members = make(f"Q{i}", {f"o{k}": o.id for k, o in enumerate(q.options)})
            for k, member in enumerate(members):
                self.lookup[member] = k
            fields.append((f"q{i}", members | None | msgspec.UnsetType, _UNSET))
        answers = msgspec.defstruct(
            "Answers",
            fields,
            rename={f"q{i}": q.id for i, q in enumerate(bank.questions)},
            forbid_unknown_fields=True,
            kw_only=True,
            # Enum members, None and strings make no cycles; untracked structs keep the
            # garbage collector from walking a block's worth of them again and again.
            gc=False,
        )
        self.no_answers = answers()
        sheet = msgspec.defstruct(
            "Sheet",
            [
                ("respondent", str | None | msgspec.UnsetType, _UNSET),
                ("answers", answers | msgspec.UnsetType, _UNSET),
            ],
            forbid_unknown_fields=True,
            kw_only=True,
            gc=False,
        )
        self._decode: Callable[[bytes], Any] = msgspec.json.Decoder(sheet).decode

    def block(self, lines: Sequence[Line], first_line: int, file: str) -> Block:
        """JSONL: `lines` of `file`, numbered from `first_line`; blank lines are not rows."""
        self.file = file
        block = self._fast(lines)
        if block is not None:
            return block
        block = Block()
        for offset, line in enumerate(lines):
            if isinstance(line, bytes) and not line.strip():
                continue
            self._row(line, first_line + offset, block, None, "row", 1)
        return block

    def items(
        self,
        items: Sequence[Line],
        lines: Sequence[int],
        cols: Sequence[int],
        first: int,
        file: str,
    ) -> Block:
        """A JSON array's items, each with the line and column it starts at, numbered
        from `first`."""
        self.file = file
        block = self._fast(items)
        if block is not None:
            return block
        block = Block()
        for offset, item in enumerate(items):
            self._row(item, lines[offset], block, first + offset, "item", cols[offset])
        return block

    def _fast(self, rows: Sequence[Line]) -> Block | None:
        """Every row at once when every row is valid and plain, else None."""
        try:
            sheets = list(map(self._decode, rows))  # type: ignore[arg-type]
        except (msgspec.DecodeError, ValueError, TypeError):
            return None
        if max(map(len, rows), default=0) > MAX_FIELD_CHARS:
            return None
        import numpy as np

        n, n_questions = len(sheets), self.index.n_questions
        answers = [self.no_answers if s.answers is _UNSET else s.answers for s in sheets]
        members = itertools.chain.from_iterable(map(msgspec.structs.astuple, answers))
        flat = np.fromiter(
            map(self.lookup.__getitem__, members), dtype=np.int64, count=n * n_questions
        ).reshape(n, n_questions)
        outer = np.fromiter(
            (
                (s.respondent is not _UNSET)
                + (type(s.respondent) is str)
                + (s.answers is not _UNSET)
                for s in sheets
            ),
            dtype=np.int64,
            count=n,
        )
        expected = 2 * (outer + (flat != -2).sum(axis=1) + (flat >= 0).sum(axis=1))
        quotes = np.fromiter(map(_QUOTES, rows), dtype=np.int64, count=n)
        if not np.array_equal(quotes, expected):
            return None
        flat[flat == -2] = -1
        block = Block()
        block.array = flat
        block.respondents = [None if s.respondent is _UNSET else s.respondent for s in sheets]
        return block

    def _row(
        self, row: Line, line: int, block: Block, ordinal: int | None, unit: str, col: int
    ) -> None:
        """One row the fast decoder did not take: checked as `pmfit score` checks a sheet."""
        fast = self._fast([row])
        if fast is not None:
            block.codes.extend(fast.matrix(self.index.n_questions).tolist())
            block.respondents.extend(fast.respondents)
            return
        try:
            if isinstance(row, TooLong):
                raise InputError([row_too_long(self.file)])
            sheet = sheet_from_document(self.bank, parse_sheet(row, self.file, "json", marks=False))
        except InputError as error:
            block.rejections.append(
                Rejection.of(error, self.file, line, row=ordinal, unit=unit, col=col)
            )
            return
        block.codes.append(self.index.codes(sheet.answers))
        block.respondents.append(sheet.respondent)
