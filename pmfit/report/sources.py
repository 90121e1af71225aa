"""Result lines into the report's accumulator, whether read from a file or just scored."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import msgspec

from pmfit.answers import row_too_long
from pmfit.bank.model import Bank
from pmfit.batch.lines import Line, LineSplitter, TooLong
from pmfit.batch.pipeline import Results
from pmfit.batch.rows import OptionIndex, Rejection
from pmfit.batch.scored import FLAG_CODES, Scored
from pmfit.limits import MAX_ECHO_CHARS, shown
from pmfit.report.stats import Accumulator
from pmfit.scoring.block import RECOMMENDATIONS
from pmfit.scoring.result import FlagCode, Recommendation

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BLOCK = 4096

#: What the accumulator reads of a scored block (see `Accumulator.add`).
Columns = tuple[
    "npt.NDArray[np.int64]",
    "npt.NDArray[np.float64]",
    "npt.NDArray[np.int64]",
    "npt.NDArray[np.float64]",
    "npt.NDArray[np.bool_]",
]


def report_columns(scored: Scored) -> Columns:
    return (
        scored.codes,
        scored.score,
        scored.recommendation,
        scored.dimension_scores,
        scored.flags,
    )


class Accumulated(Results):
    """Answers scored straight into the accumulator: blocks, no result lines."""

    prepare = staticmethod(report_columns)

    def __init__(self, accumulator: Accumulator) -> None:
        self.accumulator = accumulator

    def take(self, prepared: Columns) -> None:
        self.accumulator.add(*prepared)


#: A score, overall or of a dimension, is in -100..100 (B2B .. B2C).
_Score = Annotated[float, msgspec.Meta(ge=-100.0, le=100.0)]


class _Dimension(msgspec.Struct):
    score: _Score | None


class _Flag(msgspec.Struct):
    code: FlagCode


class _BankRef(msgspec.Struct):
    id: str
    version: str
    sha256: str


class _Result(msgspec.Struct):
    """The fields of a result (full or compact) that the report uses."""

    bank: _BankRef
    answers: dict[str, str | None]
    score: _Score
    recommendation: Recommendation
    dimensions: list[_Dimension]
    flags: list[_Flag]


class _Answers(msgspec.Struct):
    """What `--rescore` reads of a result: its bank and its answers."""

    bank: _BankRef
    answers: dict[str, str | None]


def shorten(text: str) -> str:
    """A message from the decoder, which may quote the input, cut to a line's length."""
    limit = 4 * MAX_ECHO_CHARS
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class BankMismatch(Exception):
    def __init__(self, line: int, found: _BankRef) -> None:
        self.line = line
        self.found = found
        super().__init__(
            f"scored with bank {found.id} {found.version} (sha256 {found.sha256[:12]})"
        )


def looks_like_results(head: bytes) -> bool:
    """Result lines carry a schema and a recommendation; answer sheets do not."""
    return b'"recommendation"' in head and b'"schema"' in head


class ResultLines:
    """A sink for result lines: bytes in, whole lines decoded into the accumulator."""

    def __init__(
        self,
        bank: Bank,
        accumulator: Accumulator,
        shown: str = "<results>",
        on_rejection: Callable[[Rejection], None] = lambda r: None,
        rescore: bool = False,
    ) -> None:
        self.bank = bank
        self.accumulator = accumulator
        self.shown = shown
        self.on_rejection = on_rejection
        self.index = OptionIndex(bank)
        self.decode = msgspec.json.Decoder(_Result).decode
        #: Score each result's answers again with `bank` (results of another version of
        #: it), keeping the answers whose question and option it still has.
        self.rescore = rescore
        self.decode_answers = msgspec.json.Decoder(_Answers).decode
        #: With rescore: the versions the results were scored with, and how many results
        #: lost an answer to each question the bank no longer has (or no longer offers).
        self.versions: set[str] = set()
        self.dropped: dict[str, int] = {}
        self.splitter = LineSplitter()
        self.pending: list[tuple[int, Line]] = []
        self.line = 0
        self.rejected = 0

    def write(self, data: bytes) -> None:
        for raw in self.splitter.feed(data):
            self._add(raw)

    def close(self) -> None:
        last = self.splitter.close()
        if last is not None:
            self._add(last)
        self._flush()

    def _add(self, raw: Line) -> None:
        self.line += 1
        if isinstance(raw, TooLong):
            self.pending.append((self.line, raw))
        elif raw.strip() and raw.strip() not in (b"[", b"]"):
            self.pending.append((self.line, raw.strip().rstrip(b",")))
        if len(self.pending) >= BLOCK:
            self._flush()

    def _flush(self) -> None:
        import numpy as np

        codes, scores, recommendations, dims, flags = [], [], [], [], []
        n_dimensions = len(self.bank.dimensions)
        for line, raw in self.pending:
            if isinstance(raw, TooLong):
                self._reject(line, row_too_long("").message)
                continue
            try:
                result = self._rescored(line, raw) if self.rescore else self.decode(raw)
            except (msgspec.DecodeError, ValueError, RecursionError) as error:
                reason = str(error) if not isinstance(error, RecursionError) else "nested too deep"
                self._reject(line, f"not a pmfit result: {shorten(reason)}")
                continue
            if result.bank.sha256 != self.bank.sha256:
                raise BankMismatch(line, result.bank)
            if len(result.dimensions) != n_dimensions:
                self._reject(
                    line,
                    f"not a pmfit result: {len(result.dimensions)} dimensions, but the bank "
                    f"has {n_dimensions}",
                )
                continue
            try:
                codes.append(self.index.codes(result.answers))
            except KeyError as error:
                self._reject(
                    line, f"answers do not fit the bank: {shown(str(error.args[0]))} is not known"
                )
                continue
            scores.append(result.score)
            recommendations.append(RECOMMENDATIONS.index(result.recommendation))
            dims.append([np.nan if d.score is None else d.score for d in result.dimensions])
            codes_of_row = {f.code for f in result.flags}
            flags.append([code in codes_of_row for code in FLAG_CODES])
        self.pending = []
        if codes:
            self.accumulator.add(
                np.array(codes, dtype=np.int64),
                np.array(scores, dtype=np.float64),
                np.array(recommendations, dtype=np.int64),
                np.array(dims, dtype=np.float64).reshape(len(codes), n_dimensions),
                np.array(flags, dtype=bool).reshape(len(codes), len(FLAG_CODES)),
            )

    def _rescored(self, line: int, raw: bytes) -> _Result:
        from pmfit.scoring.engine import score

        found = self.decode_answers(raw)
        if found.bank.id != self.bank.id:
            raise BankMismatch(line, found.bank)
        self.versions.add(found.bank.version)
        answers, dropped = self.bank.fitting(found.answers)
        for qid in dropped:
            if found.answers[qid] is not None:  # a skip loses nothing
                self.dropped[qid] = self.dropped.get(qid, 0) + 1
        result = score(self.bank, answers)
        return _Result(
            bank=_BankRef(self.bank.id, self.bank.version, self.bank.sha256),
            answers=result.answers,
            score=result.score,
            recommendation=result.recommendation,
            dimensions=[_Dimension(d.score) for d in result.dimensions],
            flags=[_Flag(f.code) for f in result.flags],
        )

    def _reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        self.on_rejection(Rejection(self.shown, line, reason))
