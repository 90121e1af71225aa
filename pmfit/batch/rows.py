"""What readers hand to the scorer: blocks of valid rows, and rejections with their place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pmfit.bank.model import Bank
from pmfit.errors import InputError
from pmfit.limits import shown

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


@dataclass(frozen=True)
class Rejection:
    """One input row that was not scored, and why.

    `line` is the line where the row starts; `row` counts rows (CSV data rows,
    YAML documents, JSON array items) when that differs from the line.
    """

    file: str
    line: int | None
    reason: str
    row: int | None = None
    unit: str = "row"
    respondent: str | None = None
    #: How many input rows this rejection stands for (a rejected CSV header: all of them).
    rows: int = 1
    #: The column on `line`, when the problem is at one place (a JSON syntax error).
    col: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.line is not None and self.col is not None:
            where += f":{self.col}"
        parts = [where]
        if self.row is not None:
            parts.append(f"{self.unit} {self.row}")
        if self.respondent is not None:
            parts.append(f"respondent {shown(self.respondent)}")
        return ": ".join([*parts, self.reason])

    @classmethod
    def of(
        cls,
        error: InputError,
        file: str,
        line: int | None,
        *,
        row: int | None = None,
        unit: str = "row",
        col: int = 1,
    ) -> Rejection:
        """A sheet the answer-sheet reader refused, as the rejection of the row starting at
        `line` and `col`: the same messages `pmfit score` gives, joined; the first one's
        place in the file."""
        first = error.problems[0]
        respondent = getattr(error, "respondent", None)
        if respondent is not None:  # a lone surrogate kept visible, and writable as UTF-8
            respondent = respondent.encode("utf-8", "backslashreplace").decode("utf-8")
        at = first.col
        if first.line == 1 and at is not None:
            at += col - 1
        if line is not None and first.line is not None:
            line += first.line - 1
        return cls(
            file,
            line,
            "; ".join(p.message for p in error.problems),
            row=row,
            unit=unit,
            respondent=respondent,
            col=at if first.line is not None else None,
        )

    def record(self) -> dict[str, Any]:
        """The rejection as one object of `--errors FILE`."""
        return {
            "file": self.file,
            "line": self.line,
            self.unit: self.row,
            "respondent": self.respondent,
            "column": self.col,
            "reason": self.reason,
            "rows": self.rows,
        }


@dataclass
class Block:
    """Rows read and checked, ready to score: option indices (-1 = skipped), in bank order."""

    codes: list[list[int]] = field(default_factory=list)
    respondents: list[str | None] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    #: Input bytes consumed up to the end of this block (for a progress bar).
    position: int = 0
    #: The codes as a matrix already (set by the fast JSONL decoder instead of `codes`).
    array: npt.NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return len(self.codes) if self.array is None else len(self.array)

    def matrix(self, n_questions: int) -> npt.NDArray[np.int64]:
        import numpy as np

        if self.array is not None:
            return self.array
        if not self.codes:
            return np.zeros((0, n_questions), dtype=np.int64)
        return np.array(self.codes, dtype=np.int64)


class OptionIndex:
    """Question and option ids to positions, for turning checked answers into codes."""

    def __init__(self, bank: Bank) -> None:
        self.columns = {q.id: i for i, q in enumerate(bank.questions)}
        self.options = [{o.id: k for k, o in enumerate(q.options)} for q in bank.questions]
        self.n_questions = len(bank.questions)

    def codes(self, answers: Mapping[str, str | None]) -> list[int]:
        """Answers already checked against the bank, as one row of codes."""
        row = [-1] * self.n_questions
        for qid, oid in answers.items():
            if oid is not None:
                column = self.columns[qid]
                row[column] = self.options[column][oid]
        return row
