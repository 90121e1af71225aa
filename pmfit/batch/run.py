"""The batch run: read, score and write block by block, in input order.

A large JSONL input that the processes can read themselves (a regular file, or a
stream at a descriptor, as stored) is scored on every core by
`pmfit.batch.parallel`; every other input, and a small one, in this process. Either
way a bounded number of blocks is in flight, so memory does not grow with the
input.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pmfit.bank.model import Bank
from pmfit.batch.csv_rows import csv_blocks
from pmfit.batch.forms import DEFAULT_READING, Reading
from pmfit.batch.json_array import json_blocks
from pmfit.batch.pipeline import Results, Scorer, Written
from pmfit.batch.readers import InputFormat, Readable, jsonl_chunks, yaml_blocks
from pmfit.batch.rows import Rejection
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
    #: A descriptor whose bytes, after `unread`, are the stream's as stored (stdin not
    #: read through a buffer): workers may read it themselves.
    fd: int | None = None
    unread: Callable[[], bytes] | None = None


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
    scorer = Scorer(bank, results)
    jobs = default_jobs() if jobs is None else jobs
    done_before = 0

    def emit(prepared: Any, rejections: list[Rejection], scored: int) -> None:
        for rejection in rejections:
            summary.rejections += 1
            summary.rejected += rejection.rows
            if strict:
                raise Stop(rejection)
            on_rejection(rejection)
        if scored and prepared is not None:  # None: written by a worker already
            results.take(prepared)
        summary.scored += scored

    results.start()
    for source in inputs:
        big = source.size is None or source.size >= PARALLEL_BYTES
        progress = _after(on_progress, done_before)
        if not (
            source.format == "jsonl"
            and jobs > 1
            and big
            and _parallel(scorer, source, results, jobs, emit, progress)
        ):
            if source.format == "jsonl":
                for first, lines, position, _ in jsonl_chunks(source.stream):
                    emit(*scorer.jsonl(source.shown, first, lines))
                    progress(position)
            else:
                if source.format == "csv":
                    blocks = csv_blocks(bank, source.stream, source.shown, reading)
                else:
                    reader = {"json": json_blocks, "yaml": yaml_blocks}[source.format]
                    blocks = reader(bank, source.stream, source.shown)
                for block in blocks:
                    emit(scorer.score(block), block.rejections, len(block))
                    progress(block.position)
        done_before += source.size or 0
    results.end()
    return summary


def _after(on_progress: Callable[[int], None], before: int) -> Callable[[int], None]:
    return lambda done: on_progress(before + done)


def _parallel(
    scorer: Scorer,
    source: Input,
    results: Results,
    jobs: int,
    emit: Callable[[Any, list[Rejection], int], None],
    on_progress: Callable[[int], None],
) -> bool:
    """Score `source` with `pmfit.batch.parallel`, if the processes can read it
    themselves; False, having read nothing, if not."""
    from pmfit.batch import parallel

    if not parallel.can_fork():
        return False
    if source.path is not None and not source.transcoded:
        where = parallel.Source(source.shown, path=source.path)
    elif source.fd is not None and source.unread is not None:
        head = source.unread()
        head = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
        where = parallel.Source(source.shown, fd=source.fd, head=head)
    else:
        return False
    target = parallel.Target("parent")
    formatter = None
    if isinstance(results, Written):
        formatter = results.formatter
        sink = results.sink
        if isinstance(sink, AtomicFile):
            sink.handle.flush()
            target = parallel.Target("file", sink.handle.fileno(), sink.handle.tell())
        elif (fd := getattr(sink, "fd", None)) is not None:
            target = parallel.Target("stream", fd)
        target.first = results.empty
    written = parallel.score_in_parallel(scorer, formatter, jobs, where, target, emit, on_progress)
    if target.destination == "file":
        assert isinstance(results, Written) and isinstance(results.sink, AtomicFile)
        results.sink.handle.seek(target.offset + written)
    if written:
        assert isinstance(results, Written)
        results.empty = False
    return True
