"""Where results go: stdout or a file written atomically, as JSONL, a JSON array or CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal, Protocol

import msgspec

from pmfit.bank.model import Bank
from pmfit.scoring.model import OUTCOMES

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


def csv_columns(bank: Bank) -> list[str]:
    """A flat header: one column per field, per dimension and per question."""
    columns = [
        "respondent",
        "recommendation",
        "score",
        "interval_low",
        "interval_high",
        "confidence",
        *(f"probability.{outcome}" for outcome in OUTCOMES),
    ]
    for d in bank.dimensions:
        columns += [f"{d.id}.score", f"{d.id}.answered"]
    columns += ["rationale", "flip", "flip_to", "flags", "bank"]
    columns += [f"answer.{q.id}" for q in bank.questions]
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


def csv_row(line: _Line, formula_guard: bool = True) -> list[str]:
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
    row.append(
        text(
            "; ".join(
                f"{r['question']}={r['option']} ({r['contribution']:+g} toward {r['toward']})"
                for r in line.rationale
            )
        )
    )
    row.append(text("; ".join(f"{f['question']}: {f['from']} -> {f['to']}" for f in line.flip)))
    row.append(text(line.flip_to or ""))
    row.append(text("; ".join(f["code"] for f in line.flags)))
    row.append(text(f"{line.bank['id']}@{line.bank['version']}"))
    row += [text(value or "") for value in line.answers.values()]
    return row


class CsvTable(Formatter):
    """CSV for a spreadsheet or pandas: a header, then one flat row per result."""

    def __init__(self, bank: Bank, *, formula_guard: bool = True) -> None:
        self.bank = bank
        self.formula_guard = formula_guard
        self.decode = msgspec.json.Decoder(_Line).decode

    def _rows(self, rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode("utf-8")

    def start(self) -> bytes:
        return self._rows([csv_columns(self.bank)])

    def chunk(self, data: bytes) -> bytes:
        guard = self.formula_guard
        return self._rows([csv_row(self.decode(line), guard) for line in data.splitlines()])


def formatter(kind: OutputFormat, bank: Bank, *, formula_guard: bool = True) -> Formatter:
    if kind == "csv":
        return CsvTable(bank, formula_guard=formula_guard)
    if kind == "json":
        return JsonArray()
    return Formatter()
