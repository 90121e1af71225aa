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


def answers_type(bank: Bank) -> tuple[Any, dict[Any, int]]:
    """A msgspec struct of a bank's answers, each question a field that admits only its
    option ids (as enum members), and the code of each value a field can hold: the
    option's index, -1 for null (skipped), -2 for absent (also skipped, but not given).
    `msgspec.structs.astuple` gives a decoded struct's values in bank order."""
    lookup: dict[Any, int] = {None: -1, _UNSET: -2}
    fields: list[tuple[str, Any, Any]] = []
    for i, q in enumerate(bank.questions):
        make: Any = _Member
        members = make(f"Q{i}", {f"o{k}": o.id for k, o in enumerate(q.options)})
        for k, member in enumerate(members):
            lookup[member] = k
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
    return answers, lookup


class LineDecoder:
    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.file = "<input>"
        self.index = OptionIndex(bank)
        answers, self.lookup = answers_type(bank)
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
        return self._rows(lines, lambda i: (first_line + i, None, 1), skip_blank=True)

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
        return self._rows(items, lambda i: (lines[i], first + i, cols[i]), skip_blank=False)

    def _rows(
        self,
        rows: Sequence[Line],
        where: Callable[[int], tuple[int, int | None, int]],
        *,
        skip_blank: bool,
    ) -> Block:

        try:
            sheets = list(map(self._decode, rows))  # type: ignore[arg-type]
        except (msgspec.DecodeError, ValueError, TypeError):
            sheets = list(map(self._try_decode, rows))
        fast = [i for i, s in enumerate(sheets) if s is not None]
        flat, plain = self._codes([sheets[i] for i in fast], [rows[i] for i in fast])
        if len(fast) == len(rows) and plain.all():
            block = Block(array=flat)
            block.respondents = [_respondent(s) for s in sheets]
            return block
        # Some rows need the slow way: the block in input order, as lists (as rare as bad
        # rows are, this keeps big temporary arrays, and the heap they fragment, away).
        block = Block()
        taken = dict(zip(fast, flat.tolist(), strict=True))
        plain_rows = dict(zip(fast, plain.tolist(), strict=True))
        for i, row in enumerate(rows):
            codes = taken.get(i)
            if codes is not None and plain_rows[i]:
                block.codes.append(codes)
                block.respondents.append(_respondent(sheets[i]))
                continue
            if skip_blank and isinstance(row, bytes) and not row.strip():
                continue
            line, ordinal, col = where(i)
            scored = self._slow(row, line, block, ordinal, "item" if ordinal else "row", col)
            if scored is not None:
                block.codes.append(scored)
        return block

    def _try_decode(self, row: Line) -> Any:
        try:
            return self._decode(row)  # type: ignore[arg-type]
        except (msgspec.DecodeError, ValueError, TypeError):
            return None

    def _codes(self, sheets: list[Any], rows: list[Line]) -> tuple[Any, Any]:
        """Decoded rows' option codes, and which rows are plain (no key given twice, no
        escaped quote, none longer than one value may be: the quote count checks it)."""
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
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=n)
        flat[flat == -2] = -1
        return flat, (quotes == expected) & (lengths <= MAX_FIELD_CHARS)

    def _slow(
        self, row: Line, line: int, block: Block, ordinal: int | None, unit: str, col: int
    ) -> list[int] | None:
        """One row the fast decoder did not take, checked as `pmfit score` checks a
        sheet: its codes, or None when it is rejected (added to `block`)."""
        try:
            if isinstance(row, TooLong):
                raise InputError([row_too_long(self.file)])
            sheet = sheet_from_document(self.bank, parse_sheet(row, self.file, "json", marks=False))
        except InputError as error:
            block.rejections.append(
                Rejection.of(error, self.file, line, row=ordinal, unit=unit, col=col)
            )
            return None
        block.respondents.append(sheet.respondent)
        return self.index.codes(sheet.answers)


def _respondent(sheet: Any) -> str | None:
    return None if sheet.respondent is _UNSET else sheet.respondent
