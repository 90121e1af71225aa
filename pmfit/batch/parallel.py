"""Scoring a large JSONL file on every core, each worker writing its results in place.

The parent only finds block boundaries (newlines, ~1 MiB apart) and hands out
(offset, length) ranges: workers read their range of the input themselves,
decode and score it, then take the next output offset in input order (a shared
counter passed from block to block) and write their bytes there with `pwrite`.
Results never travel through the parent, so it stays small and idle, and the
output file's bytes are exactly what a single process would have written.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

from pmfit.bank.model import Bank
from pmfit.batch.rows import Rejection

BLOCK_BYTES = 1 << 20

_state: dict[str, Any] = {}


def ranges(path: str, start_line: int = 1) -> Iterator[tuple[int, int, int]]:
    """(offset, length, first line number) of blocks of whole lines of the file at `path`."""
    with open(path, "rb") as handle:
        head = handle.read(3)
        offset = 3 if head == b"\xef\xbb\xbf" else 0
        handle.seek(offset)
        line = start_line
        carry = b""
        block_start = offset
        while True:
            data = handle.read(4 * BLOCK_BYTES)
            if not data:
                if carry:
                    yield block_start, len(carry), line
                return
            data = carry + data
            cut = 0
            while len(data) - cut >= BLOCK_BYTES:
                end = data.find(b"\n", cut + BLOCK_BYTES - 1)
                if end < 0:
                    break
                yield block_start, end + 1 - cut, line
                line += data.count(b"\n", cut, end + 1)
                block_start += end + 1 - cut
                cut = end + 1
            carry = data[cut:]


def _start(bank: Bank, with_quotes: bool, turn: Any, offset: Any, condition: Any) -> None:
    from pmfit.batch.run import Scorer

    _state.update(
        scorer=Scorer(bank, with_quotes), turn=turn, offset=offset, condition=condition, files={}
    )


def _start_worker(bank: Bank, with_quotes: bool, turn: Any, offset: Any, condition: Any) -> None:
    from pmfit.batch.run import worker_signals

    worker_signals()
    _start(bank, with_quotes, turn, offset, condition)


def _fd(path: str, flags: int) -> int:
    files: dict[tuple[str, int], int] = _state["files"]
    key = (path, flags)
    if key not in files:
        files[key] = os.open(path, flags)
    return files[key]


def _work(task: tuple[int, str, str, int, int, int, str]) -> tuple[list[Rejection], int]:
    index, shown, path, start, length, first_line, out_path = task
    turn, offset, condition = _state["turn"], _state["offset"], _state["condition"]
    output = b""
    try:
        data = os.pread(_fd(path, os.O_RDONLY), length, start)
        lines = data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        block = _state["scorer"].decoder.block(lines, first_line, shown)
        output = _state["scorer"].score(block)
    finally:
        # Always take this block's turn, even after a failure, so no later block waits forever.
        with condition:
            condition.wait_for(lambda: turn.value == index)
            at = offset.value
            offset.value += len(output)
            turn.value += 1
            condition.notify_all()
    os.pwrite(_fd(out_path, os.O_WRONLY), output, at)
    return block.rejections, len(block)


def score_file_in_place(
    bank: Bank,
    with_quotes: bool,
    jobs: int,
    shown: str,
    path: str,
    out_path: str,
    out_offset: int,
    emit: Callable[[list[Rejection], int], None],
    on_progress: Callable[[int], None],
) -> int:
    """Score the JSONL file at `path` into `out_path` from `out_offset`; the bytes written."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    turn = context.Value("q", 0, lock=False)
    offset = context.Value("q", out_offset, lock=False)
    condition = context.Condition()
    # This process takes every `jobs`-th block itself, so `jobs` processes do the work.
    _start(bank, with_quotes, turn, offset, condition)
    pending: collections.deque[tuple[bool, Any, int]] = collections.deque()

    def drain() -> None:
        here, job, done = pending.popleft()
        # By now every earlier block has taken its turn, so a block of our own never waits.
        emit(*(_work(job) if here else job.get()))
        on_progress(done)

    with context.Pool(
        jobs - 1, initializer=_start_worker, initargs=(bank, with_quotes, turn, offset, condition)
    ) as pool:
        try:
            for index, (start, length, line) in enumerate(ranges(path)):
                task = (index, shown, path, start, length, line, out_path)
                if index % jobs == jobs - 1:
                    pending.append((True, task, start + length))
                else:
                    pending.append((False, pool.apply_async(_work, (task,)), start + length))
                # A few blocks in flight keep every worker busy; more would only use memory.
                while len(pending) > 2 * jobs:
                    drain()
            while pending:
                drain()
        except BaseException:
            pool.terminate()
            raise
        finally:
            for fd in _state.pop("files", {}).values():
                os.close(fd)
        return int(offset.value) - out_offset
