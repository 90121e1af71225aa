"""Scoring a large JSONL file on every core, each process writing its results in place.

The file is cut into blocks of whole lines about BLOCK_BYTES apart: block k starts
at the first line that starts at or after k * BLOCK_BYTES, so any process can find
a block's bounds with two small reads, and nobody reads the file ahead. The parent
and its workers claim the next block from a shared counter as soon as they are
free (a slow or preempted process holds up no one), decode and score it, then take
its turn: in input order, a shared offset gives the block its place in the output
file, where it is written with `pwrite`, and a shared line count numbers its
rejected rows. A process whose turn has not come yet keeps the scored block and
goes on to the next one (up to MAX_PENDING blocks), so no one waits on another's
block. Results never travel through the parent: workers send it only rejections
and counts, which it reports in input order. The output file's bytes are exactly
what a single process would have written.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import errno
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from pmfit.bank.model import Bank
from pmfit.batch.lines import Line, TooLong
from pmfit.batch.rows import Rejection
from pmfit.batch.writers import Output
from pmfit.interrupts import forking
from pmfit.limits import MAX_ROW_BYTES

BLOCK_BYTES = 1 << 19
#: Scored blocks a process may keep while earlier blocks are still being scored.
MAX_PENDING = 2
_SCAN = 1 << 12
#: How often (seconds) the parent, waiting for its turn, looks for workers' reports.
_POLL = 0.005
#: How often (seconds) a worker waiting for its turn checks that the parent still runs.
_ORPHAN_CHECK = 0.5


def boundary(fd: int, k: int, start: int, size: int) -> int:
    """Where block k of the file open at `fd` starts: the first line start at or after
    `start + k * BLOCK_BYTES` (`size` when there is none), looked for within
    MAX_ROW_BYTES. A line longer than that (which is rejected) may be cut by block
    boundaries: the block where it starts rejects it, the others skip their part."""
    if k == 0:
        return start
    at = start + k * BLOCK_BYTES - 1
    limit = min(size, at + MAX_ROW_BYTES + 1)
    while at < limit:
        data = os.pread(fd, min(_SCAN, limit - at), at)
        if not data:
            break
        end = data.find(b"\n")
        if end >= 0:
            return at + end + 1
        at += len(data)
    return size if at >= size else start + k * BLOCK_BYTES


@dataclass
class _Scored:
    index: int
    output: bytes
    rejections: list[Rejection]
    rows: int
    newlines: int
    end: int


@dataclass
class _Shared:
    """What every process sees: set up by the parent before the workers fork."""

    bank: Bank
    output: Output
    shown: str
    path: str
    out_path: str
    start: int
    size: int
    claim: Any
    turn: Any
    offset: Any
    first: Any
    lines: Any
    condition: Any


class _Runner:
    """One process's loop: claim a block, score it, take the turns that have come."""

    def __init__(self, shared: _Shared, report: Callable[[Any], None]) -> None:
        from pmfit.batch.run import Scorer

        self.shared = shared
        self.report = report
        self.formatter = shared.output.formatter(shared.bank)
        self.scorer = Scorer(shared.bank, self.formatter.chunk)
        self.pending: collections.deque[_Scored] = collections.deque()
        self.fd_in = os.open(shared.path, os.O_RDONLY)
        self.fd_out = os.open(shared.out_path, os.O_WRONLY)

    def close(self) -> None:
        os.close(self.fd_in)
        os.close(self.fd_out)

    def claim(self) -> tuple[int, int] | None:
        """The next block's index and where it begins, or None when the file is done."""
        s = self.shared
        with s.claim.get_lock():
            k = int(s.claim.value)
            s.claim.value += 1
        begin = boundary(self.fd_in, k, s.start, s.size)
        return None if begin >= s.size else (k, begin)

    def score(self, k: int, begin: int) -> None:
        s = self.shared
        end = boundary(self.fd_in, k + 1, s.start, s.size)
        data = os.pread(self.fd_in, end - begin, begin)
        parts = data.split(b"\n")
        newlines = len(parts) - 1
        lines: list[Line] = list(parts)
        if end < s.size and parts[-1]:
            # A line over the limit starts here and goes on past this block.
            lines[-1] = TooLong(len(parts[-1]))
        elif not parts[-1]:
            lines.pop()
        if begin > s.start and os.pread(self.fd_in, 1, begin - 1) != b"\n":
            # The tail of a line over the limit that began in an earlier block (rejected
            # there), or, with no line end in this block, its middle.
            lines[0:1] = [b""] if newlines else []
        lines = [
            x if isinstance(x, TooLong) or len(x) <= MAX_ROW_BYTES else TooLong(len(x))
            for x in lines
        ]
        # Numbered from 1 within the block; the turn adds the lines before it.
        block = self.scorer.decoder.block(lines, 1, s.shown)
        output = self.scorer.score(block)
        scored = _Scored(k, output, block.rejections, len(block), newlines, end)
        self.pending.append(scored)

    def ready(self) -> bool:
        return bool(self.pending) and self.shared.turn.value == self.pending[0].index

    def take_turns(self) -> None:
        """Write every kept block whose turn has come, in order."""
        s = self.shared
        while self.ready():
            scored = self.pending.popleft()
            with s.condition:
                at = int(s.offset.value)
                # Nothing written yet: the output's first chunk (a JSON array's first
                # item takes no comma).
                output = self.formatter.place(scored.output, bool(s.first.value))
                if output:
                    s.first.value = 0
                s.offset.value += len(output)
                before = int(s.lines.value)
                s.lines.value += scored.newlines
                s.turn.value += 1
                s.condition.notify_all()
            os.pwrite(self.fd_out, output, at)
            rejections = [
                dataclasses.replace(r, line=None if r.line is None else r.line + before)
                for r in scored.rejections
            ]
            self.report((scored.index, rejections, scored.rows, scored.end))

    def wait_turn(self, timeout: float | None = None) -> None:
        s = self.shared
        with s.condition:
            s.condition.wait_for(self.ready, timeout)

    def run(self, wait_turn: Callable[[], None], between: Callable[[], None]) -> None:
        """Score blocks until none is left; `wait_turn` blocks until the oldest kept
        block's turn may have come, `between` runs after each block."""
        while (claimed := self.claim()) is not None:
            self.score(*claimed)
            self.take_turns()
            between()
            while len(self.pending) > MAX_PENDING:
                wait_turn()
                self.take_turns()
        while self.pending:
            wait_turn()
            self.take_turns()


class ParentGone(Exception):
    """The parent ended (killed): a worker stops rather than wait for turns forever."""


def _worker(shared: _Shared, conn: Connection, parent: int) -> None:
    from pmfit.batch.run import worker_signals

    worker_signals(parent)

    def wait_turn() -> None:
        runner.wait_turn(_ORPHAN_CHECK)
        if os.getppid() != parent:
            raise ParentGone

    try:
        runner = _Runner(shared, conn.send)
        runner.run(wait_turn, lambda: None)
        runner.close()
    except BaseException as error:
        # The parent raises it (and ends every worker); the others may be waiting on us.
        # A parent that is gone can hear nothing.
        with contextlib.suppress(OSError):
            conn.send(error)
    finally:
        conn.close()


def score_file_in_place(
    bank: Bank,
    output: Output,
    first: bool,
    jobs: int,
    shown: str,
    path: str,
    out_path: str,
    out_offset: int,
    emit: Callable[[list[Rejection], int], None],
    on_progress: Callable[[int], None],
) -> int:
    """Score the JSONL file at `path` into `out_path` from `out_offset` (as the output's
    `first` chunk, if nothing was written before); the bytes written."""
    methods = multiprocessing.get_all_start_methods()
    context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with open(path, "rb") as handle:
        start = 3 if handle.read(3) == b"\xef\xbb\xbf" else 0
        size = os.fstat(handle.fileno()).st_size
    shared = _Shared(
        bank,
        output,
        shown,
        path,
        out_path,
        start,
        size,
        claim=context.Value("q", 0),
        turn=context.Value("q", 0, lock=False),
        offset=context.Value("q", out_offset, lock=False),
        first=context.Value("b", first, lock=False),
        lines=context.Value("q", 0, lock=False),
        condition=context.Condition(),
    )
    received: dict[int, tuple[list[Rejection], int, int]] = {}
    following = 0

    def report(message: Any) -> None:
        nonlocal following
        if isinstance(message, BaseException):
            raise message
        index, rejections, rows, end = message
        received[index] = (rejections, rows, end)
        # Rejections are reported in input order, whoever scored the block.
        while following in received:
            rejections, rows, end = received.pop(following)
            emit(rejections, rows)
            on_progress(end)
            following += 1

    workers, connections = [], []
    try:
        for _ in range(jobs - 1):
            receiving, sending = context.Pipe(duplex=False)
            worker = context.Process(
                target=_worker, args=(shared, sending, os.getpid()), daemon=True
            )
            try:
                with forking():
                    worker.start()
            except OSError as error:
                # The system starts no more processes (`ulimit -u`, memory): the workers
                # started so far and this process share the blocks.
                receiving.close()
                sending.close()
                if error.errno in (errno.EAGAIN, errno.ENOMEM):
                    break
                raise
            sending.close()
            workers.append(worker)
            connections.append(receiving)
        open_connections = list(connections)

        def collect(timeout: float | None) -> None:
            for conn in wait(open_connections, timeout):
                assert isinstance(conn, Connection)
                try:
                    message = conn.recv()
                except EOFError:
                    open_connections.remove(conn)
                    worker = workers[connections.index(conn)]
                    worker.join()
                    if worker.exitcode:
                        # Killed, say, before it could report: its blocks will never come.
                        raise RuntimeError(
                            f"a worker process ended with status {worker.exitcode}"
                        ) from None
                    continue
                report(message)

        runner = _Runner(shared, report)

        def parent_wait() -> None:
            # The parent also hears from the workers while it waits, so none blocks on it.
            collect(0)
            runner.wait_turn(_POLL)

        try:
            runner.run(parent_wait, lambda: collect(0))
            while open_connections:
                collect(None)
        finally:
            runner.close()
        for worker in workers:
            worker.join()
        return int(shared.offset.value) - out_offset
    except BaseException:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
        raise
    finally:
        for conn in connections:
            conn.close()
