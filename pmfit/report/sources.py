"""Results into the report's accumulator, as columns, whatever their layout.

Results are read as pmfit writes them and as people gather them: JSONL, a JSON array
(one line or many), pretty-printed documents one after another (`pmfit score --json`
in a loop), or a mix of these, all cut into items by `pmfit.batch.json_items.JsonItems`;
and `pmfit batch --format csv` (with or without `--excel`). Each item is decoded by a
typed msgspec decoder built for the bank, which reads only the fields the report uses
and checks them as it goes (the bank's digest, each answer an option of its question,
scores in range), so a block of good results becomes arrays with no per-result work in
Python. An item it refuses is decoded again by a general decoder, which words the
rejection (one item, one verdict, with its line) or finds the bank is another one.
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

import msgspec

from pmfit.answers import row_too_long
from pmfit.bank.model import Bank
from pmfit.batch.lines import Line, TooLong
from pmfit.batch.pipeline import Results
from pmfit.batch.rows import OptionIndex, Rejection
from pmfit.batch.scored import Scored
from pmfit.limits import MAX_ECHO_CHARS, shown
from pmfit.report.stats import FLAG_CODES, Accumulator
from pmfit.scoring.block import RECOMMENDATIONS
from pmfit.scoring.result import FlagCode, Recommendation

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from pmfit.batch.json_items import Items
    from pmfit.batch.readers import Readable

#: A score, overall or of a dimension, is in -100..100 (B2B .. B2C).
_Score = Annotated[float, msgspec.Meta(ge=-100.0, le=100.0)]


class _Dimension(msgspec.Struct, gc=False):
    score: _Score | None


class _Flag(msgspec.Struct):
    code: FlagCode


class BankRef(msgspec.Struct):
    id: str
    version: str
    #: Empty when the results do not say (batch CSV names the bank as id@version).
    sha256: str = ""


class _Result(msgspec.Struct):
    """The fields of a result (full or compact) that the report uses."""

    bank: BankRef
    answers: dict[str, str | None]
    score: _Score
    recommendation: Recommendation
    dimensions: list[_Dimension]
    flags: list[_Flag]


class _Answers(msgspec.Struct):
    """What `--rescore` reads of a result: its bank and its answers."""

    bank: BankRef
    answers: dict[str, str | None]


class BankMismatch(Exception):
    """Results scored with another bank (or another version of it) than the loaded one."""

    def __init__(self, line: int, found: BankRef) -> None:
        self.line = line
        self.found = found
        super().__init__(f"scored with bank {found.id} {found.version}")


class Columns(NamedTuple):
    """A block of results as `Accumulator.add` takes them."""

    codes: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]
    recommendations: npt.NDArray[np.int64]
    dimensions: npt.NDArray[np.float64]
    flags: npt.NDArray[np.bool_]


class _Member(enum.Enum):
    # Enum hashes by name in Python code; identity hashing keeps the lookup in C.
    __hash__ = object.__hash__


def _members(name: str, values: Iterable[str]) -> Any:
    make: Any = _Member
    return make(name, {f"v{k}": v for k, v in enumerate(values)})


class _Typed:
    """A decoder of results for one bank: only the fields the report uses, each checked."""

    def __init__(self, bank: Bank) -> None:
        from pmfit.batch.jsonl import answers_type

        # The answers as an answer sheet's are read: a question left out is skipped.
        answers, self.lookup = answers_type(bank)
        self.lookup[msgspec.UNSET] = -1
        recommendation = _members("Recommendation", RECOMMENDATIONS)
        self.recommendation = {member: k for k, member in enumerate(recommendation)}
        flag = _members("Flag", FLAG_CODES)
        self.flag = {member: k for k, member in enumerate(flag)}
        flag_item = msgspec.defstruct("Flag", [("code", flag)], gc=False)
        # Only results of this very bank decode here; any other goes the slow way.
        bank_ref = msgspec.defstruct("Bank", [("sha256", Literal[bank.sha256])], gc=False)
        result = msgspec.defstruct(
            "Result",
            [
                ("bank", bank_ref),
                ("answers", answers),
                ("score", _Score),
                ("recommendation", recommendation),
                ("dimensions", list[_Dimension]),
                ("flags", list[flag_item]),  # type: ignore[valid-type]
            ],
            gc=False,
        )
        self.decode: Callable[[bytes], Any] = msgspec.json.Decoder(result).decode

    def attempt(self, item: Line) -> Any:
        try:
            return self.decode(item)  # type: ignore[arg-type]
        except (msgspec.DecodeError, ValueError, TypeError, RecursionError):
            return None


#: Where an item starts: its line, its column (when the line may hold several) and its
#: number in its array (None for a line or document of its own).
Place = tuple[int, int | None, int | None]


class ResultReader:
    """Result items into an accumulator, each bad item one rejection with its place.

    `rescore`: score each result's answers again with `bank` (results of another
    version of it), keeping the answers whose question and option it still has.
    """

    def __init__(
        self,
        bank: Bank,
        accumulator: Accumulator,
        shown_name: str = "<results>",
        on_rejection: Callable[[Rejection], None] = lambda r: None,
        rescore: bool = False,
    ) -> None:
        self.bank = bank
        self.accumulator = accumulator
        self.shown = shown_name
        self.on_rejection = on_rejection
        self.rescore = rescore
        self.index = OptionIndex(bank)
        self.typed = _Typed(bank)
        self.decode = msgspec.json.Decoder(_Result).decode
        self.decode_answers = msgspec.json.Decoder(_Answers).decode
        #: With rescore: the versions the results were scored with, and how many results
        #: lost an answer to each question the bank no longer has (or no longer offers).
        self.versions: set[str] = set()
        self.dropped: dict[str, int] = {}

    # -- sources ----------------------------------------------------------------

    def items(self, cut: Items) -> None:
        """Items cut from JSON (a line, a document, or an element of an array)."""
        lines, cols, ordinals = cut.lines, cut.cols, cut.ordinals

        def place(i: int) -> Place:
            ordinal = ordinals[i]
            return lines[i], None if ordinal is None else cols[i], ordinal

        self.block(cut.items, place, cut.values)
        for rejection in cut.broken:
            self.reject(rejection)

    def block(
        self,
        items: Sequence[Line],
        place: Callable[[int], Place],
        decoded: Sequence[Any] | None = None,
    ) -> None:
        """Decode `items` (those not `decoded` already by the typed decoder) and add the
        good ones to the accumulator, in one go."""
        typed = self.typed
        n_dimensions = len(self.bank.dimensions)
        results: list[Any]
        if self.rescore:
            results = [None] * len(items)
        elif decoded is not None and None not in decoded:
            results = list(decoded)
        elif decoded is not None:
            attempt = typed.attempt
            results = [attempt(x) if d is None else d for x, d in zip(items, decoded, strict=True)]
        else:
            try:
                results = list(map(typed.decode, items))  # type: ignore[arg-type]
            except (msgspec.DecodeError, ValueError, TypeError, RecursionError):
                results = list(map(typed.attempt, items))
        lengths = [len(r.dimensions) if r is not None else -1 for r in results]
        if lengths.count(n_dimensions) == len(results):  # every one decoded and whole
            self.accumulator.add(*self._columns(results))
            return
        slow: list[tuple[_Result, list[int]]] = []
        good: list[Any] = []
        for i, result in enumerate(results):
            if result is not None and lengths[i] == n_dimensions:
                good.append(result)
                continue
            line, col, ordinal = place(i)
            if result is not None:
                reason = (
                    f"not a pmfit result: {lengths[i]} dimensions, but the bank has {n_dimensions}"
                )
            else:
                outcome = self._slow(items[i], line)
                if not isinstance(outcome, str):
                    slow.append(outcome)
                    continue
                reason = outcome
            unit = {} if ordinal is None else {"row": ordinal, "unit": "item", "col": col}
            self.reject(Rejection(self.shown, line, reason, **unit))  # type: ignore[arg-type]
        if good:
            self.accumulator.add(*self._columns(good))
        if slow:
            self.accumulator.add(*_plain_columns(slow))

    def reject(self, rejection: Rejection) -> None:
        self.on_rejection(rejection)

    # -- decoding ---------------------------------------------------------------

    def _columns(self, results: list[Any]) -> Columns:
        import numpy as np

        typed = self.typed
        n = len(results)
        n_questions, n_dimensions = self.index.n_questions, len(self.bank.dimensions)
        answers = map(msgspec.structs.astuple, map(operator.attrgetter("answers"), results))
        codes = np.fromiter(
            map(typed.lookup.__getitem__, itertools.chain.from_iterable(answers)),
            dtype=np.int64,
            count=n * n_questions,
        ).reshape(n, n_questions)
        scores = np.fromiter(map(operator.attrgetter("score"), results), np.float64, count=n)
        recommendations = np.fromiter(
            map(
                typed.recommendation.__getitem__,
                map(operator.attrgetter("recommendation"), results),
            ),
            np.int64,
            count=n,
        )
        dimension_lists = map(operator.attrgetter("dimensions"), results)
        # A null score becomes NaN as numpy converts it.
        dimensions = np.array(
            list(map(operator.attrgetter("score"), itertools.chain.from_iterable(dimension_lists))),
            dtype=np.float64,
        ).reshape(n, n_dimensions)
        flag_lists = list(map(operator.attrgetter("flags"), results))
        per_result = np.fromiter(map(len, flag_lists), np.int64, count=n)
        flag_codes = np.fromiter(
            map(
                typed.flag.__getitem__,
                map(operator.attrgetter("code"), itertools.chain.from_iterable(flag_lists)),
            ),
            np.int64,
        )
        flags = np.zeros((n, len(FLAG_CODES)), dtype=bool)
        flags[np.repeat(np.arange(n), per_result), flag_codes] = True
        return Columns(codes, scores, recommendations, dimensions, flags)

    def _slow(self, raw: Line, line: int) -> tuple[_Result, list[int]] | str:
        """One item the typed decoder refused, read by the general one: the result and
        its codes, or why it is rejected. BankMismatch if it is another bank's."""
        if isinstance(raw, TooLong):
            return row_too_long("").message
        try:
            result = self._rescored(line, raw) if self.rescore else self.decode(raw)
        except (msgspec.DecodeError, ValueError, RecursionError) as error:
            reason = str(error) if not isinstance(error, RecursionError) else "nested too deep"
            return f"not a pmfit result: {shown(reason, quote=False, limit=4 * MAX_ECHO_CHARS)}"
        if result.bank.sha256 != self.bank.sha256:
            raise BankMismatch(line, result.bank)
        if len(result.dimensions) != len(self.bank.dimensions):
            return (
                f"not a pmfit result: {len(result.dimensions)} dimensions, but the bank "
                f"has {len(self.bank.dimensions)}"
            )
        try:
            return result, self.index.codes(result.answers)
        except KeyError as error:
            return f"answers do not fit the bank: {shown(str(error.args[0]))} is not known"

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
            bank=BankRef(self.bank.id, self.bank.version, self.bank.sha256),
            answers=result.answers,
            score=result.score,
            recommendation=result.recommendation,
            dimensions=[_Dimension(d.score) for d in result.dimensions],
            flags=[_Flag(f.code) for f in result.flags],
        )


def _plain_columns(rows: list[tuple[_Result, list[int]]]) -> Columns:
    """Columns of results read the slow way (rare, or --rescore)."""
    import numpy as np

    codes = [RECOMMENDATIONS.index(r.recommendation) for r, _ in rows]
    flags = np.zeros((len(rows), len(FLAG_CODES)), dtype=bool)
    for i, (result, _) in enumerate(rows):
        for flag in result.flags:
            flags[i, FLAG_CODES.index(flag.code)] = True
    return Columns(
        np.array([c for _, c in rows], dtype=np.int64).reshape(len(rows), -1),
        np.array([r.score for r, _ in rows], dtype=np.float64),
        np.array(codes, dtype=np.int64),
        np.array([[d.score for d in r.dimensions] for r, _ in rows], dtype=np.float64).reshape(
            len(rows), -1
        ),
        flags,
    )


def report_columns(scored: Scored) -> Columns:
    """What the accumulator reads of a scored block."""
    return Columns(
        scored.codes,
        scored.score,
        scored.recommendation,
        scored.dimension_scores,
        scored.flags,
    )


class Accumulated(Results):
    """Answers scored straight into the accumulator: blocks, no result lines."""

    prepare = staticmethod(report_columns)
    reads_flips = False

    def __init__(self, accumulator: Accumulator) -> None:
        self.accumulator = accumulator

    def take(self, prepared: Columns) -> None:
        self.accumulator.add(*prepared)


def json_results(reader: ResultReader, stream: Readable) -> None:
    """Results in any JSON layout, from `stream`, into `reader`."""
    from pmfit.batch.json_items import ONE_VALUE, JsonItems

    # Lines are checked by the typed decoder, so they are decoded once (with --rescore
    # results are of another bank, which it refuses: any JSON value will do).
    check = ONE_VALUE if reader.rescore else reader.typed.decode
    for cut in JsonItems(stream, reader.shown, sequence=True, what="a result", check=check):
        reader.items(cut)


def looks_like_results(head: bytes) -> bool:
    """Results carry a pmfit result schema and their bank's digest (JSON, in whatever
    order its keys come: `jq -S` puts the bank second), or a recommendation and a bank
    (batch CSV); answer sheets have none of these."""
    if b'"schema"' in head and b"pmfit.dev/schema/result" in head:
        return True
    if b'"bank"' in head and b'"sha256"' in head:
        return True
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r")
    return {b"recommendation", b"score", b"bank"} <= set(first.split(b","))
