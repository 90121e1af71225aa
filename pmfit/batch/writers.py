"""Scored blocks as output: JSONL, a JSON array or CSV, each read from the block itself.

A formatter's `chunk` depends on the block alone (so a worker process can make it);
`place` fits a chunk to where it lands in the output (the JSON array's first item
takes no comma), in the one process that writes in order.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

import msgspec

from pmfit.bank.model import Bank
from pmfit.batch.encode import Encoder
from pmfit.batch.scored import FLAG_CODES, POINTS, Scored, points_codes, points_of
from pmfit.scoring.block import RECOMMENDATIONS
from pmfit.scoring.model import OUTCOMES
from pmfit.text.literal import literal, literal_bytes
from pmfit.text.numbers import signed

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
        # Through the terminal filter already, piece by piece (see pmfit.batch.encode).
        return self.encoder.lines(scored)


class JsonArray(JsonLines):
    """One JSON array, one result per line of it, so it still diffs and greps well."""

    def start(self) -> bytes:
        return b"["

    def chunk(self, scored: Scored) -> bytes:
        return self.encoder.items(scored, first=False)

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
    """Each value as Python writes it (its repr: msgspec writes the same shortest digits
    for the rounded values a result holds); an empty cell for NaN (a null)."""
    if not values.size:
        return []
    # Only numbers and nulls: "null" is a whole cell wherever it occurs.
    return msgspec.json.encode(values.tolist()).decode()[1:-1].replace("null", "").split(",")


def _integers(values: npt.NDArray[np.int64]) -> list[str]:
    if not values.size:
        return []
    return msgspec.json.encode(values.tolist()).decode()[1:-1].split(",")


class CsvTable(Formatter):
    """CSV for pandas, DuckDB or a spreadsheet: a header, then one flat row per result,
    its text cells (never numbers, so -12.5 stays a number) guarded against formulas.
    `excel`: a UTF-8 byte-order mark and CRLF line ends, as Excel expects.

    Written as `csv.writer` writes it (tests compare the two), a column at a time:
    a text cell is quoted when it holds a comma, a double quote or a line end's
    character; numbers and the bank's ids that need no quotes are not searched."""

    def __init__(self, bank: Bank, *, excel: bool = False, formula_guard: bool = True) -> None:
        import numpy as np

        self.bank = bank
        self.excel = excel
        self.newline = "\r\n" if excel else "\n"
        self.special = re.compile("[" + re.escape(',"' + self.newline) + "]")
        self.text = guard_formula if formula_guard else _as_is
        cell = self.cell
        self.recommendations = np.array([cell(r) for r in RECOMMENDATIONS] + [""], dtype=object)
        self.bank_cell = cell(f"{bank.id}@{bank.version}")
        self.width = max((len(q.options) for q in bank.questions), default=1)
        # Per question, its options' cells; the last column (-1) is a skip's empty cell.
        self.answers = np.full((len(bank.questions), self.width + 1), "", dtype=object)
        for j, q in enumerate(bank.questions):
            self.answers[j, : len(q.options)] = [cell(o.id) for o in q.options]
        self.reasons: dict[int, tuple[str, bool]] = {}
        self.changes: dict[int, tuple[str, bool]] = {}
        # Consecutive questions' answer cells as one piece (fewer pieces per row to join),
        # while a group's combinations stay few.
        self.answer_groups: list[list[int]] = [[]]
        combinations = 1
        for j, q in enumerate(bank.questions):
            if self.answer_groups[-1] and combinations * (len(q.options) + 1) > ANSWER_CODES:
                self.answer_groups.append([])
                combinations = 1
            self.answer_groups[-1].append(j)
            combinations *= len(q.options) + 1
        self.answer_pieces: dict[tuple[int, ...], dict[int, str]] = {}

    def cell(self, value: str) -> str:
        """A text cell: guarded against formulas, quoted if it must be (as csv.writer
        decides), and through the terminal filter (which neither adds nor removes a
        quote, a comma or a line end, so filtering cells is filtering the rows)."""
        value = self.text(value)
        quoted = self.special.search(value)
        value = literal(value)
        return '"' + value.replace('"', '""') + '"' if quoted else value

    def _rows(self, rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator=self.newline).writerows(rows)
        # CSV has no escapes of its own: a control character in a cell is shown as the
        # terminal filter shows it (`\x1b`), in a file as on stdout.
        return literal_bytes(out.getvalue().encode("utf-8"))

    def start(self) -> bytes:
        return (b"\xef\xbb\xbf" if self.excel else b"") + self._rows([csv_columns(self.bank)])

    def chunk(self, s: Scored) -> bytes:
        import numpy as np

        if not len(s):
            return b""
        n, d = s.dimension_scores.shape
        # Every number at once, column by column: one encode, one split.
        floats = np.concatenate(
            [
                np.stack([s.score, s.low, s.high, s.confidence], axis=1),
                s.probabilities,
                s.dimension_scores,
            ],
            axis=1,
        )
        numbers = _numbers(floats.T.ravel())
        counts = _integers(s.dimension_answered.T.ravel())
        at = (4 + len(OUTCOMES)) * n
        columns: list[list[str]] = [
            self._respondents(s.respondents),
            self.recommendations[s.recommendation].tolist(),
            *(numbers[i * n : (i + 1) * n] for i in range(4 + len(OUTCOMES))),
        ]
        for i in range(d):
            columns.append(numbers[at + i * n : at + (i + 1) * n])
            columns.append(counts[i * n : (i + 1) * n])
        for f in range(len(FLAG_CODES)):
            columns.append(np.where(s.flags[:, f], "true", "false").tolist())
        columns.append(self._rationale(s))
        columns.append(self._flip(s))
        columns.append(self.recommendations[s.flip_to].tolist())
        columns.append([self.bank_cell] * len(s))
        columns += [self._answers(s.codes, group) for group in self.answer_groups]
        end = self.newline
        # Every text cell is through the terminal filter already; numbers need none.
        text = end.join(map(",".join, zip(*columns, strict=True))) + end
        return text.encode("utf-8")

    def _respondents(self, names: list[str | None]) -> list[str]:
        cells = [name or "" for name in names]
        # Looked at once as a whole: nearly always nothing needs a guard, quotes or the
        # filter.
        joined = "".join(cells)
        if (
            self.special.search(joined)
            or literal(joined) != joined
            or any(map(self._guarded, cells))
        ):
            return list(map(self.cell, cells))
        return cells

    def _guarded(self, value: str) -> bool:
        return self.text(value) is not value

    def _answers(self, codes: npt.NDArray[np.int64], group: list[int]) -> list[str]:
        """The answer cells of `group`'s questions, joined, per row."""
        import numpy as np

        if not group:
            return []
        questions = self.bank.questions
        key = np.zeros(codes.shape[0], dtype=np.int64)
        for j in group:
            key = key * (len(questions[j].options) + 1) + (codes[:, j] + 1)
        pieces = self.answer_pieces.setdefault(tuple(group), {})
        unique, inverse = np.unique(key, return_inverse=True)
        texts = []
        for code in unique.tolist():
            text = pieces.get(code)
            if text is None:
                cells, rest = [], code
                for j in reversed(group):
                    rest, k = divmod(rest, len(questions[j].options) + 1)
                    cells.append(self.answers[j, k - 1] if k else "")
                text = pieces[code] = ",".join(reversed(cells))
            texts.append(text)
        found: list[str] = np.array(texts, dtype=object)[inverse.reshape(-1)].tolist()
        return found

    def _rationale(self, s: Scored) -> list[str]:
        """Readable: which question, the answer as the respondent saw it, and its pull in
        points."""

        # An item's text depends on the answer and its rounded contribution only:
        # hundredths (and the sign, for a -0.0) make an exact code.
        points = s.rationale_points
        value = points_codes(points)
        answer = s.rationale_question * self.width + s.rationale_option
        return self._joined(answer * POINTS + value, s.rationale_count, self.reasons, self._reason)

    def _reason(self, code: int) -> str:
        answer, value = divmod(code, POINTS)
        j, k = divmod(answer, self.width)
        points = points_of(value)
        q = self.bank.questions[j]
        # The sign (of a -0.0 too) is the way the unrounded points pushed.
        toward = "B2B" if math.copysign(1.0, points) < 0 else "B2C"
        return f"{q.id}: \u201c{q.options[k].label.en}\u201d ({signed(points, 1)} toward {toward})"

    def _flip(self, s: Scored) -> list[str]:
        w = self.width
        codes = (s.flip_question * w + s.flip_from) * w + s.flip_option
        return self._joined(codes, s.flip_count, self.changes, self._change)

    def _change(self, code: int) -> str:
        w = self.width
        j, rest = divmod(code, w * w)
        old, new = divmod(rest, w)
        q = self.bank.questions[j]
        return (
            f"{q.id}: \u201c{q.options[old].label.en}\u201d -> "
            f"\u201c{q.options[new].label.en}\u201d"
        )

    def _joined(
        self,
        codes: npt.NDArray[np.int64],
        counts: npt.NDArray[np.int64],
        pieces: dict[int, tuple[str, bool]],
        build: Callable[[int], str],
    ) -> list[str]:
        """Per row, the cell of its first `count` items' texts joined by "; ": guarded by
        its first item, quoted if any item must be, filtered. Each piece is made once per
        code and place (first or not), with whether it must be quoted."""
        import numpy as np

        n, size = codes.shape
        if not size:
            return [""] * n
        taken = np.arange(size)[None, :] < counts[:, None]
        # One code per (item, place): after the first, an item carries its separator;
        # the first carries the formula guard, as it starts the cell.
        keyed = np.where(taken, codes * 2 + (np.arange(size)[None, :] > 0), -1)
        unique, inverse = np.unique(keyed, return_inverse=True)
        texts, special = [], []
        for key in unique.tolist():
            found = pieces.get(key)
            if found is None:
                text = "" if key < 0 else build(key // 2)
                if key >= 0 and not key % 2:  # the first item starts the cell
                    text = self.text(text)
                found = pieces[key] = (
                    ("; " if key >= 0 and key % 2 else "") + literal(text),
                    self.special.search(text) is not None,
                )
            texts.append(found[0])
            special.append(found[1])
        places = inverse.reshape(n, size)
        cells = list(map("".join, np.array(texts, dtype=object)[places].tolist()))
        for r in np.flatnonzero(np.array(special)[places].any(axis=1)).tolist():
            cells[r] = '"' + cells[r].replace('"', '""') + '"'
        return cells


#: Combinations of answers at most per piece of a CSV row.
ANSWER_CODES = 4096


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
    turn), else to its binary buffer, else as text. Past any filtering stream: what the
    formatters make is through the terminal filter already.
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
