"""JSONL rows: a typed msgspec decoder for the common case, `pmfit score`'s checks otherwise.

The fast decoder knows the bank: each question is a field whose type only
admits that question's option ids, so a line that decodes is already valid, and
each option comes back as an enum member that a single dict maps to its index.
Any line the fast decoder refuses is read again the slow way, which accepts what
`pmfit score` accepts (numbers as ids, padded blanks) and words the rejection.
"""

from __future__ import annotations

import enum
import itertools
import json
import operator
from collections.abc import Callable
from typing import Any

import msgspec

from pmfit.answers import sheet_from_document
from pmfit.bank.model import Bank
from pmfit.batch.rows import Block, OptionIndex, Rejection
from pmfit.errors import AnswersError
from pmfit.located import Located


class _Member(enum.Enum):
    # Enum hashes by name in Python code; identity hashing keeps the lookup in C.
    __hash__ = object.__hash__


class LineDecoder:
    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.file = "<input>"
        self.index = OptionIndex(bank)
        self.lookup: dict[Any, int] = {None: -1}
        fields: list[tuple[str, Any, Any]] = []
        for i, q in enumerate(bank.questions):
            make: Any = _Member
            members = make(f"Q{i}", {f"o{k}": o.id for k, o in enumerate(q.options)})
            for k, member in enumerate(members):
                self.lookup[member] = k
            fields.append((f"q{i}", members | None, None))
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
        sheet = msgspec.defstruct(
            "Sheet",
            [
                ("respondent", str | None, None),
                ("answers", answers, msgspec.field(default_factory=answers)),
            ],
            forbid_unknown_fields=True,
            kw_only=True,
            gc=False,
        )
        self._decode: Callable[[bytes], Any] = msgspec.json.Decoder(sheet).decode

    def block(self, lines: list[bytes], first_line: int, file: str) -> Block:
        """Decode `lines` of `file` (numbered from `first_line`); blank lines are not rows."""
        self.file = file
        block = Block()
        try:
            sheets = list(map(self._decode, lines))
        except (msgspec.DecodeError, ValueError):
            return self._one_by_one(lines, first_line)
        import numpy as np

        n_questions = self.index.n_questions
        answers = map(operator.attrgetter("answers"), sheets)
        members = itertools.chain.from_iterable(map(msgspec.structs.astuple, answers))
        flat = np.fromiter(
            map(self.lookup.__getitem__, members), dtype=np.int64, count=len(sheets) * n_questions
        )
        block.array = flat.reshape(len(sheets), n_questions)
        block.respondents = [s.respondent for s in sheets]
        return block

    def _one_by_one(self, lines: list[bytes], first_line: int) -> Block:
        block = Block()
        for offset, line in enumerate(lines):
            number = first_line + offset
            try:
                sheet = self._decode(line)
            except (msgspec.DecodeError, ValueError):
                if not line.strip():
                    continue
                self._slow(line, number, block)
                continue
            astuple = msgspec.structs.astuple
            block.codes.append([self.lookup[v] for v in astuple(sheet.answers)])
            block.respondents.append(sheet.respondent)
        return block

    def _slow(self, line: bytes, number: int, block: Block) -> None:
        def reject(reason: str, respondent: str | None = None) -> None:
            block.rejections.append(Rejection(self.file, number, reason, respondent=respondent))

        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            reject(f"not valid UTF-8 (byte 0x{line[error.start]:02x} at column {error.start + 1})")
            return
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            reject(f"malformed JSON at column {error.colno}: {error.msg}")
            return
        respondent = value.get("respondent") if isinstance(value, dict) else None
        shown = str(respondent) if isinstance(respondent, (str, int)) else None
        try:
            sheet = sheet_from_document(self.bank, Located(self.file, value))
        except AnswersError as error:
            reject("; ".join(p.message for p in error.problems), shown)
            return
        block.codes.append(self.index.codes(sheet.answers))
        block.respondents.append(sheet.respondent)
