"""The process exit statuses, documented in the README."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    #: A batch scored what it could and rejected some input.
    SOME_REJECTED = 1
    #: Bad usage or bad input (a bank, an answers file, an option).
    BAD_INPUT = 2
    #: Something failed that is not the input's fault (a worker process died, a bug):
    #: one line says what; `pmfit --debug` shows the traceback.
    FAILED = 3
    #: Interrupted by Ctrl-C (128 + SIGINT). SIGTERM and SIGHUP end a run the same way,
    #: with 128 + their number (143, 129): see `pmfit.interrupts`.
    INTERRUPTED = 130
    #: Whoever read stdout closed it early, as with `| head` (128 + SIGPIPE).
    BROKEN_PIPE = 141
