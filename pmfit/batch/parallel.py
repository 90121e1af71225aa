"""Scoring JSONL on every core: this process and its workers each claim, score and
write blocks, taking turns in input order. The one way a large JSONL input is
scored in parallel.

Claiming a block: from a regular file, block k starts at the first line that
starts at or after k * BLOCK_BYTES, so any process finds a block's bounds with two
small reads (`pread`) and nobody reads the file ahead. From any other descriptor
(a pipe, a terminal), the claiming process reads what has arrived, under the claim
lock, and keeps the unfinished last line in shared memory for the next claim: a
pipe that pauses is scored as its rows come.

Taking the turn: a shared counter says whose block is next. At its turn a process
gives its block its place: in an output file, a shared offset (it writes there with
`pwrite`, outside the lock); on a stream (stdout), it writes the block before
passing the turn; otherwise (a report's accumulator, an output without a
descriptor) the block goes to this process, which takes the blocks in order. A
shared line count numbers rejected rows. A process whose turn has not come keeps
its scored block and goes on to the next (up to MAX_PENDING), so no one waits on
another's block. Rejections and counts go to this process, which reports them in
input order. The output's bytes are exactly what a single process would write.

A worker that fails sends its exception, which ends the run here; one killed
outright ends it with one line; workers die with this process (`worker_signals`).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import errno
import multiprocessing
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Literal

from pmfit.batch.lines import Line, LineSplitter, TooLong
from pmfit.batch.pipeline import Scorer
from pmfit.batch.readers import READ_SIZE
from pmfit.batch.rows import Rejection
from pmfit.batch.writers import Formatter
from pmfit.interrupts import forking
from pmfit.limits import MAX_ROW_BYTES

BLOCK_BYTES = 1 << 18
#: Scored blocks a process may keep while earlier blocks are still being scored.
MAX_PENDING = 2
_SCAN = 1 << 12
#: How often (seconds) this process, waiting for its turn, looks for workers' reports.
_POLL = 0.005
#: How often (seconds) a worker waiting for its turn checks that its parent still runs.
_ORPHAN_CHECK = 0.5

#: Where a block's results go at its turn (see the module's docstring).
Destination = Literal["file", "stream", "parent"]


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


@dataclass
class Source:
    """A JSONL input the processes read themselves: a regular file by `path` (from byte
    `start`, past a byte-order mark), or the stream at descriptor `fd` (its first bytes,
    already read, in `head`)."""

    shown: str
    path: str | None = None
    start: int = 0
    fd: int | None = None
    head: bytes = b""


@dataclass
class Target:
    """Where the results go: a file (`fd`, written from `offset`), a stream (`fd`,
    written in order), or this process (`take`, in order)."""

    destination: Destination
    fd: int | None = None
    offset: int = 0
    #: Nothing has been written yet: the next block is the output's first.
    first: bool = True


@dataclass
class _Scored:
    index: int
    prepared: Any
    rejections: list[Rejection]
    rows: int
    newlines: int
    end: int


@dataclass
class _Shared:
    """What every process sees: set up by the parent before the workers fork."""

    scorer: Scorer
    formatter: Formatter | None
    source: Source
    target: Target
    size: int
    claim: Any
    turn: Any
    offset: Any
    first: Any
    lines: Any
    condition: Any
    #: A stream's unfinished last line (or, over MAX_ROW_BYTES, its length so far).
    carry: Any
    carry_length: Any
    dropped: Any
    position: Any


class _Runner:
    """One process's loop: claim a block, score it, take the turns that have come."""

    def __init__(self, shared: _Shared, report: Callable[[Any], None]) -> None:
        self.shared = shared
        self.report = report
        # Built before the workers forked: they share it (and its caches fill per process).
        self.scorer = shared.scorer
        # For placing blocks in the output (not for a target "parent", which places them).
        self.formatter = shared.formatter if shared.target.destination != "parent" else None
        self.pending: collections.deque[_Scored] = collections.deque()
        path = shared.source.path
        self.fd_in = os.open(path, os.O_RDONLY) if path is not None else shared.source.fd

    def close(self) -> None:
        if self.shared.source.path is not None and self.fd_in is not None:
            os.close(self.fd_in)

    def claim(self) -> tuple[int, list[Line], int, int] | None:
        """The next block: its index, lines (numbered from 1 within it), newlines and
        where it ends; None when the input is done."""
        if self.shared.source.path is not None:
            return self._claim_from_file()
        return self._claim_from_stream()

    def _claim_from_file(self) -> tuple[int, list[Line], int, int] | None:
        s = self.shared
        assert self.fd_in is not None
        with s.claim.get_lock():
            k = int(s.claim.value)
            s.claim.value += 1
        start = s.source.start
        begin = boundary(self.fd_in, k, start, s.size)
        if begin >= s.size:
            return None
        end = boundary(self.fd_in, k + 1, start, s.size)
        data = os.pread(self.fd_in, end - begin, begin)
        parts = data.split(b"\n")
        newlines = len(parts) - 1
        lines: list[Line] = list(parts)
        if end < s.size and parts[-1]:
            # A line over the limit starts here and goes on past this block.
            lines[-1] = TooLong(len(parts[-1]))
        elif not parts[-1]:
            lines.pop()
        if begin > start and os.pread(self.fd_in, 1, begin - 1) != b"\n":
            # The tail of a line over the limit that began in an earlier block (rejected
            # there), or, with no line end in this block, its middle.
            lines[0:1] = [b""] if newlines else []
        lines = [
            x if isinstance(x, TooLong) or len(x) <= MAX_ROW_BYTES else TooLong(len(x))
            for x in lines
        ]
        return k, lines, newlines, end

    def _claim_from_stream(self) -> tuple[int, list[Line], int, int] | None:
        """What has arrived, in whole lines; the unfinished last line stays shared."""
        s = self.shared
        assert self.fd_in is not None
        with s.claim.get_lock():
            if s.claim.value < 0:  # the stream has ended
                return None
            k = int(s.claim.value)
            splitter = LineSplitter()
            if s.carry_length.value:
                splitter.pieces = [bytes(s.carry[: s.carry_length.value])]
                splitter.size = int(s.carry_length.value)
            splitter.dropped = int(s.dropped.value)
            lines: list[Line] = []
            data = s.source.head if k == 0 else b""
            while True:
                if not data:
                    data = os.read(self.fd_in, READ_SIZE)
                s.position.value += len(data)
                if not data:
                    last = splitter.close()
                    if last is not None and (isinstance(last, TooLong) or last.strip()):
                        lines.append(last)
                    s.claim.value = -1
                    break
                lines += splitter.feed(data)
                data = b""
                if lines:
                    s.claim.value += 1
                    break
            carry = b"".join(splitter.pieces)
            s.carry[: len(carry)] = carry
            s.carry_length.value = len(carry)
            s.dropped.value = splitter.dropped
            end = int(s.position.value)
        if not lines:  # the stream ended
            return None
        return k, lines, len(lines), end

    def score(self, k: int, lines: list[Line], newlines: int, end: int) -> None:
        # Numbered from 1 within the block; the turn adds the lines before it.
        block = self.scorer.decoder.block(lines, 1, self.shared.source.shown)
        prepared = self.scorer.score(block) if len(block) else None
        self.pending.append(_Scored(k, prepared, block.rejections, len(block), newlines, end))

    def ready(self) -> bool:
        return bool(self.pending) and self.shared.turn.value == self.pending[0].index

    def take_turns(self) -> None:
        """Place every kept block whose turn has come, in order."""
        s = self.shared
        destination = s.target.destination
        while self.ready():
            scored = self.pending.popleft()
            output = b""
            with s.condition:
                if self.formatter is not None and scored.prepared is not None:
                    # Nothing written yet: the output's first chunk (a JSON array's first
                    # item takes no comma).
                    output = self.formatter.place(scored.prepared, bool(s.first.value))
                    if output:
                        s.first.value = 0
                at = int(s.offset.value)
                s.offset.value += len(output)
                before = int(s.lines.value)
                s.lines.value += scored.newlines
                if destination == "stream" and output:
                    # In order on a stream: written before the turn passes.
                    _write_all(s.target.fd, output)
                s.turn.value += 1
                s.condition.notify_all()
            if destination == "file" and output:
                os.pwrite(s.target.fd, output, at)  # type: ignore[arg-type]
            rejections = [
                dataclasses.replace(r, line=None if r.line is None else r.line + before)
                for r in scored.rejections
            ]
            prepared = scored.prepared if destination == "parent" else None
            self.report((scored.index, prepared, rejections, scored.rows, scored.end))

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


def _write_all(fd: int | None, data: bytes) -> None:
    from pmfit.writing import write_all

    assert fd is not None
    write_all(fd, data)


class ParentGone(Exception):
    """The parent ended (killed): a worker stops rather than wait for turns forever."""


def _worker(shared: _Shared, conn: Connection, parent: int) -> None:
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


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def score_in_parallel(
    scorer: Scorer,
    formatter: Formatter | None,
    jobs: int,
    source: Source,
    target: Target,
    emit: Callable[[Any, list[Rejection], int], None],
    on_progress: Callable[[int], None],
) -> int:
    """Score `source` into `target` with this process and up to `jobs - 1` workers, each
    using `scorer` (its `prepare` makes the results; `formatter` places them in a file
    or stream); `emit` gets each block's prepared results (for a target "parent"),
    rejections and count, in input order. The bytes written (for a file or a stream)."""
    context: Any = multiprocessing.get_context("fork")
    size = 0
    if source.path is not None:
        with open(source.path, "rb") as handle:
            source.start = 3 if handle.read(3) == b"\xef\xbb\xbf" else 0
            size = os.fstat(handle.fileno()).st_size
    shared = _Shared(
        scorer,
        formatter,
        source,
        target,
        size,
        claim=context.Value("q", 0),
        turn=context.Value("q", 0, lock=False),
        offset=context.Value("q", target.offset, lock=False),
        first=context.Value("b", target.first, lock=False),
        lines=context.Value("q", 0, lock=False),
        condition=context.Condition(),
        carry=context.RawArray("c", MAX_ROW_BYTES + 1) if source.fd is not None else None,
        carry_length=context.Value("q", 0, lock=False),
        dropped=context.Value("q", 0, lock=False),
        position=context.Value("q", 0, lock=False),
    )
    received: dict[int, tuple[Any, list[Rejection], int, int]] = {}
    following = 0

    def report(message: Any) -> None:
        nonlocal following
        if isinstance(message, BaseException):
            raise message
        index, prepared, rejections, rows, end = message
        received[index] = (prepared, rejections, rows, end)
        # Reported in input order, whoever scored the block.
        while following in received:
            prepared, rejections, rows, end = received.pop(following)
            emit(prepared, rejections, rows)
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
            # This process also hears from the workers while it waits, so none blocks on it.
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
        return int(shared.offset.value) - target.offset
    except BaseException:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
        raise
    finally:
        for conn in connections:
            conn.close()
