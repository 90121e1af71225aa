"""SIGTERM and SIGHUP unwind like Ctrl-C: temporary files are removed, progress is saved.

Left to their default, they end the process on the spot (a closed terminal sends
SIGHUP), leaving a half-written temporary file behind. Raised as an exception
instead, they run every `finally` and `except` on the way out, and the exit
status is still 128 + the signal's number, as the shell reports a killed process.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

#: The signals that end a run as an interrupt does.
UNWINDING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """128 + the signal: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + getattr(interrupt, "signum", signal.SIGINT)


@contextlib.contextmanager
def unwinding() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise Terminated (in the main thread only)."""

    def interrupt(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    # Ctrl-C keeps Python's own handler, but is restored too, after `hold_off`.
    previous = {signal.SIGINT: signal.getsignal(signal.SIGINT)}
    try:
        for signum in UNWINDING:
            previous[signum] = signal.signal(signum, interrupt)
    except ValueError:  # not the main thread: leave the signals alone
        previous = {}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(signum, handler)


def hold_off() -> None:
    """From here on, Ctrl-C, SIGTERM and SIGHUP are ignored (until `unwinding` ends):
    the process is already on its way out, and its last save must not be cut short."""
    with contextlib.suppress(ValueError):  # not the main thread
        for signum in (signal.SIGINT, *UNWINDING):
            signal.signal(signum, signal.SIG_IGN)


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """While workers are started: Ctrl-C, SIGTERM and SIGHUP wait (blocked, not lost).

    A worker forked with the parent's handlers would raise Terminated wherever it is
    (inside multiprocessing's own start-up, say) and never end, and a pool that fails
    to start all its workers ends those it started with SIGTERM. Forked with these
    signals blocked, a worker takes them only once `default_in_worker` has set its own
    handlers; the parent takes any that came meanwhile as soon as the block ends."""
    held = {signal.SIGINT, *UNWINDING}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def default_in_worker() -> None:
    """In a worker process: the parent alone handles Ctrl-C, SIGTERM and SIGHUP, then
    ends its workers; a worker that inherited the parent's handler would not end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in UNWINDING:
        signal.signal(signum, signal.SIG_DFL)
    # Started under `forking`: a SIGTERM sent meanwhile ends the worker now.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, *UNWINDING})
