"""The batch run: read, score and write block by block, in input order.

JSONL, the format for large cohorts, is decoded and scored on every core when
the input is large. A regular file scored into an `-o` file goes through
`pmfit.batch.parallel`: this process and its workers each read, score and write
blocks in place. Otherwise (a pipe, stdout) worker processes score blocks that
the parent reads and hands out, and the parent writes the results back in
order; either way a bounded number of blocks is in flight, so memory does not
grow with the input. Other formats, and small inputs, are scored in this
process.
"""

from __future__ import annotations

import collections
import errno
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from pmfit.bank.model import Bank
from pmfit.batch.csv_rows import csv_blocks
from pmfit.batch.forms import DEFAULT_READING, Reading
from pmfit.batch.json_array import json_blocks
from pmfit.batch.lines import Line
from pmfit.batch.readers import (
    Chunk,
    InputFormat,
    Readable,
    jsonl_chunks,
    yaml_blocks,
)
from pmfit.batch.rows import Block, Rejection
from pmfit.batch.scored import Scored
from pmfit.batch.writers import Output, Sink
from pmfit.writing import AtomicFile

#: Below this many bytes of JSONL, starting worker processes costs more than it saves.
PARALLEL_BYTES = 4 << 20


@dataclass
class Input:
    shown: str
    stream: Readable
    format: InputFormat
    size: int | None = None
    #: The file's path (None for stdin).
    path: str | None = None
    #: The first bytes of the input as the readers will see them (UTF-8, LF), not yet read.
    head: bytes = b""
    #: The stream is not the file's bytes as stored (decoded from another encoding, CR
    #: line ends read as LF, or not a regular file): workers must not read the file.
    transcoded: bool = False


@dataclass
class Summary:
    scored: int = 0
    rejected: int = 0
    rejections: int = 0


class Stop(Exception):
    """`--strict`: the first rejection ends the run."""

    def __init__(self, rejection: Rejection) -> None:
        self.rejection = rejection
        super().__init__(str(rejection))


class Stage(Protocol):
    """What each process makes of a scored block, before it goes to the `Results`: small
    (picklable), so that a worker process builds its own."""

    def build(self, bank: Bank) -> Callable[[Scored], Any]: ...


class Results:
    """Where scored blocks go, in input order: `take` gets what `stage` made of each
    (`prepare`, in this process)."""

    stage: Stage
    prepare: Callable[[Scored], Any]

    def start(self) -> None:
        pass

    def take(self, prepared: Any) -> None:
        raise NotImplementedError

    def end(self) -> None:
        pass


class Written(Results):
    """Results written to `sink` in `output`'s format."""

    def __init__(self, bank: Bank, sink: Sink, output: Output) -> None:
        self.sink = sink
        self.stage = self.output = output
        self.formatter = output.formatter(bank)
        self.prepare = self.formatter.chunk
        self.empty = True

    def start(self) -> None:
        self.sink.write(self.formatter.start())

    def take(self, prepared: Any) -> None:
        if prepared:
            self.sink.write(self.formatter.place(prepared, self.empty))
            self.empty = False

    def end(self) -> None:
        self.sink.write(self.formatter.end(self.empty))


class Scorer:
    """Per process: the compiled bank and the JSONL decoder, built once; `prepare` makes
    what goes on of each scored block (`Stage.build`)."""

    def __init__(self, bank: Bank, prepare: Callable[[Scored], Any]) -> None:
        from pmfit.batch.fast import Compiled
        from pmfit.batch.jsonl import LineDecoder

        self.compiled = Compiled(bank)
        self.decoder = LineDecoder(bank)
        self.prepare = prepare

    def score(self, block: Block) -> Any:
        from pmfit.batch.fast import score

        codes = block.matrix(self.compiled.n_questions)
        return self.prepare(score(self.compiled, codes, block.respondents))

    def jsonl(self, file: str, first: int, lines: list[Line]) -> tuple[Any, list[Rejection], int]:
        block = self.decoder.block(lines, first, file)
        return self.score(block), block.rejections, len(block)


_worker: Scorer | None = None


def worker_signals(parent: int) -> None:
    """In a worker: the parent alone handles Ctrl-C, SIGTERM and SIGHUP, then ends its
    workers; and a worker whose parent dies (even by SIGKILL) dies at once with it,
    instead of scoring on into a file nobody will rename."""
    from pmfit.interrupts import default_in_worker

    default_in_worker()
    if sys.platform.startswith("linux"):  # the kernel sends the signal
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _start_worker(bank: Bank, stage: Stage, parent: int) -> None:
    global _worker
    worker_signals(parent)
    _worker = Scorer(bank, stage.build(bank))


def _work(task: tuple[str, int, list[Line]]) -> tuple[Any, list[Rejection], int]:
    assert _worker is not None
    return _worker.jsonl(*task)


def in_place(source: Input, results: Results) -> bool:
    """Workers can write results straight into the output file: JSONL to an -o file."""
    return (
        source.path is not None
        and not source.transcoded
        and isinstance(results, Written)
        and isinstance(results.sink, AtomicFile)
    )


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_batch(
    bank: Bank,
    inputs: list[Input],
    results: Results,
    *,
    strict: bool = False,
    jobs: int | None = None,
    on_rejection: Callable[[Rejection], None] = lambda r: None,
    on_progress: Callable[[int], None] = lambda done: None,
    reading: Reading = DEFAULT_READING,
) -> Summary:
    """Score every input into `results`; rejections go to `on_rejection` as they are found."""
    summary = Summary()
    scorer = Scorer(bank, results.prepare)
    jobs = default_jobs() if jobs is None else jobs
    done_before = 0

    def emit(prepared: Any, rejections: list[Rejection], scored: int) -> None:
        for rejection in rejections:
            summary.rejections += 1
            summary.rejected += rejection.rows
            if strict:
                raise Stop(rejection)
            on_rejection(rejection)
        if scored and prepared is not None:  # None: written in place already
            results.take(prepared)
        summary.scored += scored

    results.start()
    for source in inputs:
        big = source.size is None or source.size >= PARALLEL_BYTES
        if source.format == "jsonl" and jobs > 1 and big and in_place(source, results):
            from pmfit.batch.parallel import score_file_in_place

            assert isinstance(results, Written) and source.path is not None
            sink = results.sink
            assert isinstance(sink, AtomicFile)
            sink.handle.flush()
            at = sink.handle.tell()
            written = score_file_in_place(
                bank,
                results.output,
                results.empty,
                jobs,
                source.shown,
                source.path,
                str(sink.temporary),
                at,
                lambda rejections, scored: emit(None, rejections, scored),
                lambda done, base=done_before: on_progress(base + done),  # type: ignore[misc]
            )
            sink.handle.seek(at + written)
            results.empty = results.empty and not written
        elif source.format == "jsonl":
            chunks = jsonl_chunks(source.stream)
            if not (
                jobs > 1
                and big
                and _parallel(
                    bank, results.stage, jobs, source.shown, chunks, emit, on_progress, done_before
                )
            ):
                for first, lines, position, _ in chunks:
                    output, rejections, scored = scorer.jsonl(source.shown, first, lines)
                    emit(output, rejections, scored)
                    on_progress(done_before + position)
        else:
            if source.format == "csv":
                blocks = csv_blocks(bank, source.stream, source.shown, reading)
            else:
                reader = {"json": json_blocks, "yaml": yaml_blocks}[source.format]
                blocks = reader(bank, source.stream, source.shown)
            for block in blocks:
                emit(scorer.score(block), block.rejections, len(block))
                on_progress(done_before + block.position)
        done_before += source.size or 0
    results.end()
    return summary


def _parallel(
    bank: Bank,
    stage: Stage,
    jobs: int,
    shown: str,
    chunks: Iterator[Chunk],
    emit: Callable[[Any, list[Rejection], int], None],
    on_progress: Callable[[int], None],
    done_before: int,
) -> bool:
    """Score `chunks` in a pool of `jobs` workers; False, having read none, if the system
    will not start them."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pending: collections.deque[tuple[Any, int]] = collections.deque()
    start = (bank, stage, os.getpid())
    from pmfit.interrupts import forking

    try:
        with forking():
            pool = context.Pool(jobs, initializer=_start_worker, initargs=start)
    except OSError as error:
        # The system starts no more processes (`ulimit -u`, memory): score in this one,
        # as -j 1 would (the pool stops the workers it did start; no chunk is read yet).
        if error.errno in (errno.EAGAIN, errno.ENOMEM):
            return False
        raise
    with pool:
        try:
            for first, lines, position, idle in chunks:
                pending.append((pool.apply_async(_work, ((shown, first, lines),)), position))
                # A few blocks in flight keep every worker busy; more would only use memory.
                # When the input pauses, every result is written before waiting for more.
                while len(pending) > (0 if idle else 2 * jobs):
                    result, at = pending.popleft()
                    emit(*result.get())
                    on_progress(done_before + at)
            while pending:
                result, at = pending.popleft()
                emit(*result.get())
                on_progress(done_before + at)
        except BaseException:
            pool.terminate()
            raise
    return True
