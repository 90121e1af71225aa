"""`score_files`: a whole batch from Python, as `pmfit batch` runs it."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from pmfit.bank.model import Bank
from pmfit.batch.forms import Reading
from pmfit.batch.inputs import Given, open_inputs
from pmfit.batch.pipeline import Written
from pmfit.batch.readers import InputFormat
from pmfit.batch.rows import Rejection
from pmfit.batch.run import Input, Stop, run_batch
from pmfit.batch.writers import Output, OutputFormat, Sink, StreamSink
from pmfit.text.literal import literal_bytes
from pmfit.writing import Output as Opened

#: Where results (or rejected rows) go: a file's name (replaced atomically when the run
#: succeeds), a binary or text stream, or an output opened with `pmfit.writing`
#: (committed when the run succeeds, aborted when it fails).
Destination = str | os.PathLike[str] | IO[Any] | BinaryIO | Opened


@dataclass(frozen=True)
class Counts:
    """What a batch did: rows scored, rows rejected (the two add up to the rows read),
    and rejections reported (one rejected CSV header stands for all its rows)."""

    scored: int
    rejected: int
    rejections: int


def score_files(
    inputs: Sequence[Given | Input],
    output: Destination,
    *,
    bank: Bank | None = None,
    format: OutputFormat = "jsonl",
    with_quotes: bool = False,
    excel: bool = False,
    formula_guard: bool = True,
    input_format: InputFormat | None = None,
    encoding: str | None = None,
    respondent_column: str | None = None,
    errors: Destination | None = None,
    strict: bool = False,
    jobs: int | None = None,
    stdin: IO[bytes] | BinaryIO | None = None,
    on_rejection: Callable[[Rejection], None] = lambda rejection: None,
    on_progress: Callable[[int], None] = lambda done: None,
    on_notice: Callable[[str], None] = lambda message: None,
) -> Counts:
    """Score every respondent in `inputs` into `output`, in input order.

    `inputs`: file names, binary streams, or inputs opened by `open_inputs` ("-" reads
    `stdin`); CSV, JSONL, a JSON array or YAML documents, by extension or content
    unless `input_format` says. `bank`: the shipped bank when None. The options are
    `pmfit batch`'s (see its --help). Every rejected row goes to `on_rejection` (and, as
    a JSON line, to `errors`); with `strict`, the first one raises
    `pmfit.batch.run.Stop` and nothing is committed. `on_progress` gets the input bytes
    read so far; `on_notice`, remarks about the input (a guessed respondent column).

    Bad input raises `pmfit.errors.InputError` (before any work when it can be known
    then); a destination that cannot be written, `pmfit.writing.WriteError`.
    """
    if bank is None:
        from pmfit.bank.loading import load_bank, shipped_bank_dir

        bank = load_bank(shipped_bank_dir())
    with contextlib.ExitStack() as stack:
        opened = [x for x in inputs if isinstance(x, Input)]
        named = [x for x in inputs if not isinstance(x, Input)]
        if named and opened:
            raise TypeError("give inputs as names and streams, or as opened Inputs, not both")
        sources = opened or open_inputs(
            named, stack, forced=input_format, encoding=encoding, stdin=stdin
        )
        out, committed = _sink(output, stack)
        error_sink, error_committed = _sink(errors, stack) if errors is not None else (None, [])

        def rejected(rejection: Rejection) -> None:
            on_rejection(rejection)
            if error_sink is not None:
                error_sink.write(error_record(rejection))

        results = Written(
            bank, out, Output(format, with_quotes, excel=excel, formula_guard=formula_guard)
        )
        try:
            summary = run_batch(
                bank,
                sources,
                results,
                strict=strict,
                jobs=jobs,
                on_rejection=rejected,
                on_progress=on_progress,
                reading=Reading(respondent_column, on_notice),
            )
        except Stop as stop:
            for opened_output in committed:
                opened_output.abort()
            if error_sink is not None:
                error_sink.write(error_record(stop.rejection))
            for opened_output in error_committed:
                opened_output.commit()
            raise
        except BaseException as error:
            for opened_output in [*committed, *error_committed]:
                opened_output.abort()
            if isinstance(error, OSError):
                # Workers write the output file themselves: a full disk is met there.
                for opened_output in committed:
                    failure = opened_output.failed(error)
                    if failure is not error:
                        raise failure from None
            raise
        try:
            for opened_output in [*committed, *error_committed]:
                opened_output.commit()
        except BaseException:
            for opened_output in [*committed, *error_committed]:
                opened_output.abort()
            raise
    return Counts(summary.scored, summary.rejected, summary.rejections)


def _sink(destination: Destination, stack: contextlib.ExitStack) -> tuple[Sink, list[Opened]]:
    """Where to write, and the opened outputs to commit (or abort) at the end."""
    from pmfit.writing import AtomicFile, StreamFile, open_output, plan

    if isinstance(destination, (AtomicFile, StreamFile)):
        return destination, [destination]
    if isinstance(destination, (str, os.PathLike)):
        opened = open_output(plan(destination))
        # However the run is left, no temporary file stays; after a commit this does nothing.
        stack.callback(opened.abort)
        return opened, [opened]
    return StreamSink(destination), []


def error_record(rejection: Rejection) -> bytes:
    """One --errors line. A file name need not be UTF-8 (its bytes are kept as lone
    surrogates), so it is written as JSON's \\udcXX escape, not a crash after the work;
    and through the terminal filter, as the results are."""
    text = json.dumps(rejection.record(), ensure_ascii=False)
    return literal_bytes(text.encode("utf-8", "backslashreplace")) + b"\n"
