"""Scored blocks as output: JSONL, a JSON array or CSV, each read from the block itself.

A formatter's `chunk` depends on the block alone (so a worker process can make it);
`place` fits a chunk to where it lands in the output (the JSON array's first item
takes no comma), in the one process that writes in order.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

from pmfit.bank.model import Bank
from pmfit.batch.encode import Encoder
from pmfit.batch.scored import FLAG_CODES, Scored
from pmfit.render.literal import literal_bytes
from pmfit.render.numbers import signed
from pmfit.scoring.block import RECOMMENDATIONS
from pmfit.scoring.model import OUTCOMES

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Objects = npt.NDArray[np.object_]

OutputFormat = Literal["jsonl", "json", "csv"]


class Sink(Protocol):
    def write(self, data: bytes) -> object: ...


class Formatter:
    """Output made of scored blocks."""

    def start(self) -> bytes:
        return b""

    def chunk(self, scored: Scored) -> bytes:
        raise NotImplementedError

    def place(self, chunk: bytes, first: bool) -> bytes:
        """`chunk` as written where it lands: as the first chunk of the output or not."""
        return chunk

    def end(self, empty: bool) -> bytes:
        """The output's end, after no results at all if `empty`."""
        return b""


class JsonLines(Formatter):
    """JSONL: one result line per respondent."""

    def __init__(self, bank: Bank, *, with_quotes: bool = False) -> None:
        self.encoder = Encoder(bank, with_quotes=with_quotes)

    def chunk(self, scored: Scored) -> bytes:
        # The one terminal filter, applied where the results are made, so that every
        # path (stdout, an -o file, workers writing into it) holds the same inert bytes.
        # JSON writes C0 controls escaped; the C1 controls and bidi overrides it leaves
        # raw become JSON's own \u escapes, so the data is unchanged.
        return literal_bytes(self.encoder.lines(scored))


class JsonArray(JsonLines):
    """One JSON array, one result per line of it, so it still diffs and greps well."""

    def start(self) -> bytes:
        return b"["

    def chunk(self, scored: Scored) -> bytes:
        return literal_bytes(self.encoder.items(scored, first=False))

    def place(self, chunk: bytes, first: bool) -> bytes:
        # Every chunk's items start with ",\n"; the array's first item has no comma.
        return chunk[1:] if first and chunk else chunk

    def end(self, empty: bool) -> bytes:
        return b"]\n" if empty else b"\n]\n"


def column(name: str) -> str:
    """A column name that pandas, DuckDB and spreadsheet formulas take unquoted: letters,
    digits and underscores (ids may hold hyphens; dots would read as attribute access)."""
    return name.replace("-", "_").replace(".", "_")


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


#: A spreadsheet reads a cell starting with one of these as a formula, which can run
#: commands or send data away ("CSV injection"); such text cells get a leading '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(cell: str) -> str:
    """`cell`, with a leading ' if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _as_is(cell: str) -> str:
    return cell


def _numbers(values: npt.NDArray[np.float64]) -> list[str]:
    """Each value as Python writes it (repr); an empty cell for NaN (a null)."""
    return ["" if v != v else repr(v) for v in values.tolist()]


class CsvTable(Formatter):
    """CSV for pandas, DuckDB or a spreadsheet: a header, then one flat row per result,
    its text cells (never numbers, so -12.5 stays a number) guarded against formulas.
    `excel`: a UTF-8 byte-order mark and CRLF line ends, as Excel expects."""

    def __init__(self, bank: Bank, *, excel: bool = False, formula_guard: bool = True) -> None:
        import numpy as np

        self.bank = bank
        self.excel = excel
        self.text = guard_formula if formula_guard else _as_is
        text = self.text
        self.recommendations = np.array([text(r) for r in RECOMMENDATIONS] + [""], dtype=object)
        self.bank_cell = text(f"{bank.id}@{bank.version}")
        width = max((len(q.options) for q in bank.questions), default=1)
        # Per question, its options' cells; the last column (-1) is a skip's empty cell.
        self.answers = np.full((len(bank.questions), width + 1), "", dtype=object)
        self.labels = np.full((len(bank.questions), width + 1), "", dtype=object)
        for j, q in enumerate(bank.questions):
            self.answers[j, : len(q.options)] = [text(o.id) for o in q.options]
            self.labels[j, : len(q.options)] = [o.label.en for o in q.options]
        self.reasons: dict[tuple[int, int, float], str] = {}

    def _rows(self, rows: object) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n" if self.excel else "\n").writerows(rows)  # type: ignore[arg-type]
        # CSV has no escapes of its own: a control character in a cell is shown as the
        # terminal filter shows it (`\x1b`), in a file as on stdout.
        return literal_bytes(out.getvalue().encode("utf-8"))

    def start(self) -> bytes:
        return (b"\xef\xbb\xbf" if self.excel else b"") + self._rows([csv_columns(self.bank)])

    def chunk(self, s: Scored) -> bytes:
        import numpy as np

        text = self.text
        columns: list[list[str]] = [
            [text(r or "") for r in s.respondents],
            self.recommendations[s.recommendation].tolist(),
            _numbers(s.score),
            _numbers(s.low),
            _numbers(s.high),
            _numbers(s.confidence),
            *(_numbers(s.probabilities[:, i]) for i in range(len(OUTCOMES))),
        ]
        for d in range(s.dimension_scores.shape[1]):
            columns.append(_numbers(s.dimension_scores[:, d]))
            columns.append(list(map(str, s.dimension_answered[:, d].tolist())))
        for f in range(len(FLAG_CODES)):
            columns.append(np.where(s.flags[:, f], "true", "false").tolist())
        columns.append([text(cell) for cell in self._rationale(s)])
        columns.append([text(cell) for cell in self._flip(s)])
        columns.append(self.recommendations[s.flip_to].tolist())
        columns.append([self.bank_cell] * len(s))
        questions = np.arange(s.codes.shape[1])[None, :]
        answers = self.answers[questions, s.codes]
        columns += answers.T.tolist()
        return self._rows(zip(*columns, strict=True))

    def _rationale(self, s: Scored) -> list[str]:
        """Readable: which question, the answer as the respondent saw it, and its pull in
        points."""
        questions = self.bank.questions
        out = []
        for j_row, k_row, p_row, count in zip(
            s.rationale_question.tolist(),
            s.rationale_option.tolist(),
            s.rationale_points.tolist(),
            s.rationale_count.tolist(),
            strict=True,
        ):
            items = []
            for j, k, points in zip(j_row[:count], k_row[:count], p_row[:count], strict=True):
                key = (j, k, points)
                item = self.reasons.get(key)
                if item is None:
                    # The sign (of a -0.0 too) is the way the unrounded points pushed.
                    toward = "B2B" if math.copysign(1.0, points) < 0 else "B2C"
                    item = self.reasons[key] = (
                        f"{questions[j].id}: \u201c{self.labels[j, k]}\u201d "
                        f"({signed(points, 1)} toward {toward})"
                    )
                items.append(item)
            out.append("; ".join(items))
        return out

    def _flip(self, s: Scored) -> list[str]:
        questions = self.bank.questions
        labels = self.labels
        return [
            "; ".join(
                f"{questions[j].id}: \u201c{labels[j, old]}\u201d -> \u201c{labels[j, new]}\u201d"
                for j, old, new in zip(j_row[:count], old_row[:count], new_row[:count], strict=True)
            )
            for j_row, old_row, new_row, count in zip(
                s.flip_question.tolist(),
                s.flip_from.tolist(),
                s.flip_option.tolist(),
                s.flip_count.tolist(),
                strict=True,
            )
        ]


@dataclass(frozen=True)
class Output:
    """What to write: a format and its options."""

    format: OutputFormat = "jsonl"
    #: JSON: full rationale items, quotes included, as `pmfit score --json`.
    with_quotes: bool = False
    #: CSV: a byte-order mark and CRLF line ends, as Excel expects.
    excel: bool = False
    #: CSV: a ' before a text cell that a spreadsheet would run as a formula.
    formula_guard: bool = True

    def formatter(self, bank: Bank) -> Formatter:
        if self.format == "csv":
            return CsvTable(bank, excel=self.excel, formula_guard=self.formula_guard)
        if self.format == "json":
            return JsonArray(bank, with_quotes=self.with_quotes)
        return JsonLines(bank, with_quotes=self.with_quotes)


class StreamSink:
    """Results on a stream (stdout): every byte written, or one line saying why not.

    Written to its descriptor when it has one (for speed; workers write there too, in
    turn), else to its binary buffer, else as text.
    """

    def __init__(self, stream: IO[Any], shown: str = "<stdout>") -> None:
        self.stream = stream
        self.shown = shown
        try:
            self.fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):  # a test's stdout has no descriptor
            self.fd = None

    def write(self, data: bytes) -> None:
        from pmfit.writing import NO_ROOM, WriteError, write_all

        # Written past any filtering stream, so filtered here: the results on stdout are
        # the one terminal boundary's too.
        data = literal_bytes(data)
        try:
            if self.fd is not None:
                self.stream.flush()
                write_all(self.fd, data)
            elif (buffer := getattr(self.stream, "buffer", None)) is not None:
                buffer.write(data)
                # Each block's results go out as it is scored (a reader of a pipe sees them).
                buffer.flush()
            elif isinstance(self.stream, io.TextIOBase) or hasattr(self.stream, "encoding"):
                self.stream.write(data.decode("utf-8"))
            else:
                self.stream.write(data)
                self.stream.flush()
        except OSError as error:
            if error.errno in NO_ROOM:
                raise WriteError(self.shown, f"cannot write: {error.strerror}") from None
            raise
