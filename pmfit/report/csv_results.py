"""`pmfit batch --format csv` results (with or without `--excel`) into the report.

Rows are read by the batch CSV reader's own record reader (quoted cells, CRLF, a BOM,
the same limits); the columns the report uses are found by name, as the batch writer
names them for the bank. Each bad row is one rejection with its line. The CSV names
its bank as id@version only (no digest), so that is what is checked.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

from pmfit.answers import answer_problems
from pmfit.bank.model import Bank
from pmfit.batch.rows import Rejection
from pmfit.errors import InputError, Problem
from pmfit.limits import shown
from pmfit.report.sources import BankMismatch, BankRef, Columns, ResultReader
from pmfit.report.stats import FLAG_CODES
from pmfit.scoring.block import RECOMMENDATIONS

if TYPE_CHECKING:
    from pmfit.batch.csv_rows import Record
    from pmfit.batch.readers import Readable


def _plain(cell: str) -> str:
    """A text cell without the ' the writer puts before what a spreadsheet would run."""
    from pmfit.batch.writers import FORMULA_START

    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


def _score(name: str, cell: str, blank: bool = False) -> float:
    """A score cell: a number in -100..100 (NaN for a blank, where one is allowed)."""
    text = cell.strip()
    if blank and not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -100.0 <= value <= 100.0:  # NaN too
        raise ValueError(f"{name}: {shown(cell)} is not a number in -100..100")
    return value


class _Layout:
    """Where each field the report uses is, by the header's names."""

    def __init__(self, bank: Bank, names: list[str]) -> None:
        from pmfit.batch.writers import column

        at = {name.strip(): k for k, name in enumerate(names)}

        def where(names: list[str]) -> list[tuple[str, int]]:
            return [(name, at.get(name, -1)) for name in names]

        self.width = len(names)
        self.respondent = at.get("respondent")
        self.recommendation = at.get("recommendation", -1)
        self.score = at.get("score", -1)
        self.bank = at.get("bank", -1)
        self.dimensions = where([column(f"{d.id}_score") for d in bank.dimensions])
        self.flags = where([column(f"flag_{code}") for code in FLAG_CODES])
        self.answers = where([column(f"answer_{q.id}") for q in bank.questions])
        fields = where(["recommendation", "score", "bank"])
        self.missing = [
            name for name, k in [*fields, *self.dimensions, *self.flags, *self.answers] if k < 0
        ]


class _Rows:
    """Rows read so far, as lists, until there are enough for a block."""

    def __init__(self) -> None:
        self.codes: list[list[int]] = []
        self.scores: list[float] = []
        self.recommendations: list[int] = []
        self.dimensions: list[list[float]] = []
        self.flags: list[list[bool]] = []

    def columns(self) -> Columns:
        import numpy as np

        n = len(self.scores)
        return Columns(
            np.array(self.codes, dtype=np.int64).reshape(n, -1),
            np.array(self.scores, dtype=np.float64),
            np.array(self.recommendations, dtype=np.int64),
            np.array(self.dimensions, dtype=np.float64).reshape(n, -1),
            np.array(self.flags, dtype=bool).reshape(n, len(FLAG_CODES)),
        )


def csv_results(reader: ResultReader, stream: Readable) -> None:
    """Batch CSV results from `stream` into `reader`'s accumulator."""
    from pmfit.batch.csv_rows import line_text, read_records, record_cells
    from pmfit.batch.readers import BLOCK_ROWS, PAUSE, physical_lines

    lines = physical_lines(stream)
    header = next((x for x in lines if x[1] is not PAUSE), None)
    if header is None:
        return
    try:
        names = record_cells(line_text(header[1]), ",")  # type: ignore[arg-type]
    except ValueError as error:
        raise InputError([Problem(reader.shown, 1, None, f"header: {error}")]) from None
    rows = _Reader(reader, _Layout(reader.bank, names))
    pending: list[tuple[int, Record]] = []
    row_number = 0
    for record in read_records(lines, ",", rows.layout.width):
        if record is None:
            continue
        if record.cells is not None and not any(map(str.strip, record.cells)):
            continue
        row_number += 1
        pending.append((row_number, record))
        if len(pending) >= BLOCK_ROWS:
            rows.block(pending)
            pending = []
    rows.block(pending)


class _Reader:
    """Blocks of CSV records into the accumulator: a block of good rows column by column,
    any other row by row, each bad one rejected with its line."""

    def __init__(self, reader: ResultReader, layout: _Layout) -> None:
        bank = reader.bank
        self.reader = reader
        self.bank = bank
        self.layout = layout
        self.label = f"{bank.id}@{bank.version}"
        self.options = [{o.id: k for k, o in enumerate(q.options)} for q in bank.questions]
        self.recommendation_code = {r: k for k, r in enumerate(RECOMMENDATIONS)}

    def block(self, pending: list[tuple[int, Record]]) -> None:
        if not pending:
            return
        columns = self._columns([record.cells for _, record in pending])
        if columns is None:
            columns = self._rows(pending)
        self.reader.accumulator.add(*columns)

    def _columns(self, rows: list[list[str] | None]) -> Columns | None:
        """The block's columns if every row is well formed and every cell as batch writes
        it (else None: the rows are read one by one, for their verdicts)."""
        import numpy as np

        layout = self.layout
        if layout.missing or None in rows:
            return None
        n = len(rows)
        if any(len(row) != layout.width for row in rows):  # type: ignore[arg-type]
            return None
        cells = list(zip(*rows, strict=True))
        if set(cells[layout.bank]) != {self.label}:
            return None
        recommendations = np.fromiter(
            map(self.recommendation_code.get, cells[layout.recommendation], itertools.repeat(-1)),
            np.int64,
            count=n,
        )
        try:
            scores = np.array(cells[layout.score], dtype=np.float64)
            blank = [
                column.count("") for _, column in ((k, cells[k]) for _, k in layout.dimensions)
            ]
            dimensions = np.array(
                [[c or "nan" for c in cells[k]] for _, k in layout.dimensions], dtype=np.float64
            ).T.reshape(n, len(layout.dimensions))
        except ValueError:
            return None
        with np.errstate(invalid="ignore"):
            in_range = (np.abs(scores) <= 100.0).all() and (
                np.isnan(dimensions) | (np.abs(dimensions) <= 100.0)
            ).all()
        # Only a blank cell is a null score (not a "nan" written out).
        if (
            (recommendations < 0).any()
            or not in_range
            or np.isnan(dimensions).sum(axis=0).tolist() != blank
        ):
            return None
        flags = np.zeros((n, len(layout.flags)), dtype=bool)
        for j, (_, k) in enumerate(layout.flags):
            if not set(cells[k]) <= {"true", "false"}:
                return None
            flags[:, j] = np.fromiter(map("true".__eq__, cells[k]), bool, count=n)
        codes = np.empty((n, len(layout.answers)), dtype=np.int64)
        for j, ((_, k), known) in enumerate(zip(layout.answers, self.options, strict=True)):
            codes[:, j] = np.fromiter(
                map({"": -1, **known}.get, cells[k], itertools.repeat(-2)), np.int64, count=n
            )
        if (codes == -2).any():
            return None
        return Columns(codes, scores, recommendations, dimensions, flags)

    def _rows(self, pending: list[tuple[int, Record]]) -> Columns:
        rows = _Rows()
        for row_number, record in pending:
            respondent = None
            cells = record.cells
            at = self.layout.respondent
            if cells is not None and at is not None and at < len(cells):
                respondent = _plain(cells[at]).strip() or None
            try:
                codes, score, recommendation, dimensions, flags = self._row(record)
            except ValueError as error:
                self.reader.reject(
                    Rejection(
                        self.reader.shown,
                        record.line,
                        str(error),
                        row=row_number,
                        respondent=respondent,
                        col=record.col,
                    )
                )
                continue
            rows.codes.append(codes)
            rows.scores.append(score)
            rows.recommendations.append(recommendation)
            rows.dimensions.append(dimensions)
            rows.flags.append(flags)
        return rows.columns()

    def _row(self, record: Record) -> tuple[list[int], float, int, list[float], list[bool]]:
        """One row read and checked; ValueError says what is wrong with it."""
        layout, bank, label = self.layout, self.bank, self.label
        cells = record.cells
        if cells is None:
            raise ValueError(record.problem)
        if len(cells) != layout.width:
            raise ValueError(f"{len(cells)} cells, but the header has {layout.width}")
        found = _plain(cells[layout.bank]).strip() if layout.bank >= 0 else ""
        if found != label and (found or layout.missing):
            bank_id, _, version = found.rpartition("@")
            raise BankMismatch(record.line, BankRef(bank_id or found, version))
        if not found:
            raise ValueError(f"bank: blank (these results are of {label})")
        if layout.missing:
            missing = ", ".join(layout.missing[:3])
            more = len(layout.missing) - 3
            raise InputError(
                [
                    Problem(
                        self.reader.shown,
                        1,
                        None,
                        f"header: not `pmfit batch --format csv` results of bank {label}: "
                        f"no column {missing}" + (f" and {more:,} more" if more > 0 else ""),
                    )
                ]
            )
        recommendation = _plain(cells[layout.recommendation]).strip()
        if recommendation not in RECOMMENDATIONS:
            raise ValueError(
                f"recommendation: {shown(recommendation)} is not one of "
                f"{', '.join(RECOMMENDATIONS)}"
            )
        score = _score("score", cells[layout.score])
        dimensions = [_score(name, cells[k], blank=True) for name, k in layout.dimensions]
        flags = []
        for name, k in layout.flags:
            value = cells[k].strip()
            if value not in ("true", "false"):
                raise ValueError(f"{name}: {shown(value)} is not true or false")
            flags.append(value == "true")
        codes = []
        problems = []
        for (name, k), question, known in zip(
            layout.answers, bank.questions, self.options, strict=True
        ):
            value = _plain(cells[k]).strip()
            code = known.get(value, -2) if value else -1
            if code == -2:
                problems.append(f"{name}: {answer_problems(bank, question.id, value)}")
            codes.append(code)
        if problems:
            raise ValueError("; ".join(problems))
        return codes, score, RECOMMENDATIONS.index(recommendation), dimensions, flags
