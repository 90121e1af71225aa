"""Where results go: stdout or a file written atomically, as JSONL, a JSON array or CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal, Protocol, get_args

import msgspec

from pmfit.bank.model import Bank
from pmfit.scoring.model import OUTCOMES
from pmfit.scoring.result import FlagCode
from pmfit.text.literal import literal_bytes
from pmfit.text.numbers import signed

OutputFormat = Literal["jsonl", "json", "csv"]


class Sink(Protocol):
    def write(self, data: bytes) -> object: ...


class Formatter:
    """JSONL: each result line as scored."""

    def start(self) -> bytes:
        return b""

    def chunk(self, data: bytes) -> bytes:
        """Output for `data`, whole result lines as scored."""
        return data

    def end(self) -> bytes:
        return b""


class JsonArray(Formatter):
    """One JSON array, one result per line of it, so it still diffs and greps well."""

    def __init__(self) -> None:
        self.first = True

    def start(self) -> bytes:
        return b"["

    def chunk(self, data: bytes) -> bytes:
        head = b"\n" if self.first else b",\n"
        self.first = False
        return head + data[:-1].replace(b"\n", b",\n")

    def end(self) -> bytes:
        return b"]\n" if self.first else b"\n]\n"


class _Line(msgspec.Struct):
    bank: dict[str, str]
    respondent: str | None
    answers: dict[str, str | None]
    score: float
    interval: dict[str, float]
    recommendation: str
    confidence: float
    probabilities: dict[str, float]
    dimensions: list[dict[str, Any]]
    rationale: list[dict[str, Any]]
    flip: list[dict[str, Any]]
    flip_to: str | None
    flags: list[dict[str, Any]]


def column(name: str) -> str:
    """A column name that pandas, DuckDB and spreadsheet formulas take unquoted: letters,
    digits and underscores (ids may hold hyphens; dots would read as attribute access)."""
    return name.replace("-", "_").replace(".", "_")


FLAG_CODES: tuple[str, ...] = get_args(FlagCode)


def csv_columns(bank: Bank) -> list[str]:
    """A flat header: one column per field, per dimension, per flag and per question."""
    columns = [
        "respondent",
        "recommendation",
        "score",
        "interval_low",
        "interval_high",
        "confidence",
        *(column(f"probability_{outcome}").lower() for outcome in OUTCOMES),
    ]
    for d in bank.dimensions:
        columns += [column(f"{d.id}_score"), column(f"{d.id}_answered")]
    columns += [column(f"flag_{code}") for code in FLAG_CODES]
    columns += ["rationale", "flip", "flip_to", "bank"]
    columns += [column(f"answer_{q.id}") for q in bank.questions]
    return columns


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


#: A spreadsheet reads a cell starting with one of these as a formula, which can run
#: commands or send data away ("CSV injection"); such text cells get a leading '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(cell: str) -> str:
    """`cell`, with a leading ' if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _as_is(cell: str) -> str:
    return cell


def csv_row(
    line: _Line, labels: dict[tuple[str, str], str], formula_guard: bool = True
) -> list[str]:
    """One flat row; text cells (never numbers, so -12.5 stays a number) guarded."""
    text = guard_formula if formula_guard else _as_is
    row = [
        text(line.respondent or ""),
        text(line.recommendation),
        _number(line.score),
        _number(line.interval["low"]),
        _number(line.interval["high"]),
        _number(line.confidence),
        *(_number(line.probabilities[outcome]) for outcome in OUTCOMES),
    ]
    for d in line.dimensions:
        row += [_number(d["score"]), str(d["answered"])]
    codes = {f["code"] for f in line.flags}
    row += ["true" if code in codes else "false" for code in FLAG_CODES]
    # Readable: which question, the answer as the respondent saw it, and its pull in points.
    row.append(
        text(
            "; ".join(
                f"{r['question']}: \u201c{labels.get((r['question'], r['option']), r['option'])}"
                f"\u201d ({signed(r['contribution'], 1)} toward {r['toward']})"
                for r in line.rationale
            )
        )
    )
    row.append(
        text(
            "; ".join(
                f"{f['question']}: "
                + (
                    f"\u201c{labels.get((f['question'], f['from']), f['from'])}\u201d"
                    if f["from"]
                    else "(skipped)"
                )
                + f" -> \u201c{labels.get((f['question'], f['to']), f['to'])}\u201d"
                for f in line.flip
            )
        )
    )
    row.append(text(line.flip_to or ""))
    row.append(text(f"{line.bank['id']}@{line.bank['version']}"))
    row += [text(value or "") for value in line.answers.values()]
    return row


class CsvTable(Formatter):
    """CSV for pandas, DuckDB or a spreadsheet: a header, then one flat row per result.
    `excel`: a UTF-8 byte-order mark and CRLF line ends, as Excel expects."""

    def __init__(self, bank: Bank, *, excel: bool = False, formula_guard: bool = True) -> None:
        self.bank = bank
        self.excel = excel
        self.formula_guard = formula_guard
        self.decode = msgspec.json.Decoder(_Line).decode
        self.labels = {(q.id, o.id): o.label.en for q in bank.questions for o in q.options}

    def _rows(self, rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n" if self.excel else "\n").writerows(rows)
        # CSV has no escapes of its own: a control character in a cell is shown as the
        # terminal filter shows it (`\x1b`), in a file as on stdout.
        return literal_bytes(out.getvalue().encode("utf-8"))

    def start(self) -> bytes:
        return (b"\xef\xbb\xbf" if self.excel else b"") + self._rows([csv_columns(self.bank)])

    def chunk(self, data: bytes) -> bytes:
        guard = self.formula_guard
        return self._rows(
            [csv_row(self.decode(line), self.labels, guard) for line in data.splitlines()]
        )


def formatter(
    kind: OutputFormat, bank: Bank, *, excel: bool = False, formula_guard: bool = True
) -> Formatter:
    if kind == "csv":
        return CsvTable(bank, excel=excel, formula_guard=formula_guard)
    if kind == "json":
        return JsonArray()
    return Formatter()
