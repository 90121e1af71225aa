"""`pmfit report` as a library: results or answers in, the report and its counts out.

    from pmfit.report import report_of

    run = report_of("results.jsonl")  # the shipped bank, or bank=load_bank(path)
    run.report.reliability.alpha, run.rejected

The source is a path, a binary stream, or a `pmfit.batch.run.Input` (as
`pmfit.batch.inputs.open_inputs` opens it, with an encoding and a format). Results are
read in any layout (`pmfit.report.sources`, `pmfit.report.csv_results`); anything else
is taken for answers, in any format `pmfit batch` reads, and scored on the way. Bad
rows are passed to `on_rejection` and counted; results of another bank raise
`InputError`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, BinaryIO

from pmfit.bank.model import Bank
from pmfit.batch.forms import Reading
from pmfit.batch.rows import Rejection
from pmfit.errors import InputError, Problem

if TYPE_CHECKING:
    from pmfit.batch.inputs import Given
    from pmfit.batch.readers import InputFormat
    from pmfit.batch.run import Input
    from pmfit.report.sources import BankRef, ResultReader
    from pmfit.report.stats import Report

#: How much of a stream is looked at to tell results from answers.
HEAD_BYTES = 4096


@dataclass
class ReportRun:
    report: Report
    #: Input rows rejected, and the rejections that stand for them (a CSV header can
    #: stand for every row).
    rejected: int = 0
    rejections: int = 0
    #: With rescore: the bank versions the results were scored with, and per question
    #: how many results lost their answer to it (the bank no longer has it or its option).
    rescored_from: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)


def _looked_at(source: Input) -> Input:
    """`source` with at least HEAD_BYTES of head when it starts as pretty-printed JSON
    does (a pipe may have sent only its first line yet), so a result shows what it is."""
    first = source.head.lstrip().split(b"\n", 1)[0].strip()
    if len(source.head) >= HEAD_BYTES or first not in (b"{", b"["):
        return source
    from pmfit.batch.inputs import Peekable

    parts, size = [], 0
    while size < HEAD_BYTES:
        data = source.stream.read(HEAD_BYTES - size)
        if not data:
            break
        parts.append(data)
        size += len(data)
    head = b"".join(parts)
    # What was read is held here now: workers must not read the file or descriptor.
    return dataclasses.replace(
        source,
        stream=Peekable(source.stream, head),  # type: ignore[arg-type]
        head=head,
        transcoded=True,
        fd=None,
        unread=None,
    )


def report_of(
    source: Given | Input,
    *,
    bank: Bank | None = None,
    rescore: bool = False,
    jobs: int | None = None,
    input_format: InputFormat | None = None,
    encoding: str | None = None,
    respondent_column: str | None = None,
    stdin: IO[bytes] | BinaryIO | None = None,
    on_rejection: Callable[[Rejection], None] | None = None,
    on_notice: Callable[[str], None] = lambda message: None,
) -> ReportRun:
    """The cohort report of `source`, as `pmfit report` makes it.

    `source`: a file name, a binary stream, or an input opened by `open_inputs` ("-"
    reads `stdin`). Results of `bank` (the shipped bank when None) in any layout; with
    `rescore`, results of another version of it, their answers scored again. Anything
    else is answers, scored with `bank` (`jobs` worker processes; `input_format`,
    `encoding` and `respondent_column` as for `pmfit batch`). Every rejected row goes to
    `on_rejection`; `on_notice` gets remarks about the input (a guessed respondent
    column). Bad input, and results of another bank, raise `pmfit.errors.InputError`.
    """
    from pmfit.batch.inputs import open_inputs
    from pmfit.batch.run import Input

    if bank is None:
        from pmfit.bank.loading import load_bank, shipped_bank_dir

        bank = load_bank(shipped_bank_dir())
    reading = Reading(respondent_column, on_notice)
    with contextlib.ExitStack() as stack:
        if not isinstance(source, Input):
            (source,) = open_inputs(
                [source], stack, forced=input_format, encoding=encoding, stdin=stdin
            )
        return _report(bank, _looked_at(source), rescore, jobs, reading, on_rejection)


def _report(
    bank: Bank,
    source: Input,
    rescore: bool,
    jobs: int | None,
    reading: Reading,
    on_rejection: Callable[[Rejection], None] | None,
) -> ReportRun:
    from pmfit.report.sources import BankMismatch, ResultReader
    from pmfit.report.stats import Accumulator

    counts = [0, 0]  # rows rejected, rejections

    def rejected(rejection: Rejection) -> None:
        counts[0] += rejection.rows
        counts[1] += 1
        if on_rejection is not None:
            on_rejection(rejection)

    accumulator = Accumulator(bank)
    reader = ResultReader(bank, accumulator, source.shown, rejected, rescore=rescore)
    try:
        _read(bank, source, reader, jobs, reading, rejected)
    except BankMismatch as error:
        raise InputError(
            [Problem(source.shown, error.line, None, _mismatch(bank, error.found, source))]
        ) from None
    return ReportRun(
        accumulator.report(),
        rejected=counts[0],
        rejections=counts[1],
        rescored_from=sorted(reader.versions),
        dropped=dict(sorted(reader.dropped.items())),
    )


def _read(
    bank: Bank,
    source: Input,
    reader: ResultReader,
    jobs: int | None,
    reading: Reading,
    rejected: Callable[[Rejection], None],
) -> None:
    from pmfit.report.csv_results import csv_results
    from pmfit.report.sources import Accumulated, json_results, looks_like_results

    if source.format != "yaml" and looks_like_results(source.head):
        if source.format == "csv":
            if reader.rescore:
                raise InputError(
                    [
                        Problem(
                            source.shown,
                            None,
                            None,
                            "--rescore reads the answers in JSON results; report the batch's "
                            "JSONL (or JSON) results instead of its CSV",
                        )
                    ]
                )
            csv_results(reader, source.stream)
        else:
            json_results(reader, source.stream)
        return
    from pmfit.batch.run import run_batch

    scored = Accumulated(reader.accumulator)
    run_batch(bank, [source], scored, jobs=jobs, on_rejection=rejected, reading=reading)


def _mismatch(bank: Bank, found: BankRef, source: Input) -> str:
    """Why results of another bank are not reported, and what to do."""
    digest = f" (sha256 {found.sha256[:12]})" if found.sha256 else ""
    if found.id == bank.id and source.format != "csv":
        # Another version of the same bank: the answers can be scored again.
        return (
            f"results of bank {found.id} {found.version}{digest}, not the loaded "
            f"{bank.version} (sha256 {bank.sha256[:12]}): pass --rescore to score their "
            f"answers again with {bank.version}, or --bank with the bank they were scored with"
        )
    return (
        f"scored with bank {found.id} {found.version}{digest}, not the loaded bank "
        f"{bank.id} {bank.version} (sha256 {bank.sha256[:12]}); pass --bank with the "
        "bank these results were scored with"
    )
