"""The command line: a thin layer that parses, calls the core, and formats.

Each command lives in a module of its own, imported only when the command runs or is
listed (`pmfit.cli.app.COMMAND_MODULES`). The command modules do not use
`from __future__ import annotations`: typer reads every parameter's annotation when it
builds a command, and string annotations would have to be evaluated (compiled) one by
one, which costs several milliseconds.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import NoReturn

# Importing the command line (typer and its click) makes tens of thousands of objects
# that live as long as the process, and no garbage: the collector's passes over them,
# every 700 allocations during the import and in every collection of the older
# generations after it, find nothing. So it is off while they load, and they are then
# frozen (`gc.freeze`: kept out of every later collection, including the one at exit):
# 4-5 ms of a `pmfit score`, a tenth of a bare `import typer` (bench/startup.py).
_collecting = gc.isenabled()
gc.disable()
try:
    from pmfit.cli.app import app
finally:
    if _collecting:
        gc.freeze()
        gc.enable()

__all__ = ["app", "console", "main"]


def main() -> None:
    try:
        app(prog_name="pmfit")
    finally:
        _settle_before_exit()


def console() -> NoReturn:
    """The `pmfit` command (`python -m pmfit` too): `main`, then the process ends.

    Once the command is done and its output flushed, what the interpreter's shutdown
    still does is free every object one at a time and tear the modules down, for the
    OS to take the memory back anyway (1 ms of a `pmfit score`). So, when nothing else
    runs (one thread), the exit handlers registered with `atexit` run here, stdout and
    stderr are flushed, and the process exits with the command's status. Anything
    unusual (another thread, an exit handler or a flush that fails, a status that is not
    a number) takes the interpreter's own way out instead.
    """
    import atexit
    import threading

    try:
        main()
        status: object = 0
    except SystemExit as end:
        status = end.code
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if not isinstance(status, int | None) or threading.active_count() > 1 or not run_handlers:
        raise SystemExit(status)
    try:
        run_handlers()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except BaseException:
        raise SystemExit(status) from None
    os._exit((status or 0) & 0xFF)


def _settle_before_exit() -> None:
    """Spare the interpreter's shutdown its slowest part, which does nothing for us.

    At exit, once the modules are dropped, CPython's cyclic garbage collector walks every
    object left and frees each module, class and function cycle one at a time, only to
    hand the memory back to the OS: for `pmfit score`, 0.19-0.28 of a bare `import
    typer`'s time, against 0.03-0.08 once frozen (`bench/startup.py --breakdown`).
    The command has finished: collect the garbage it left in the young generations now
    (their finalizers run, as they would have at exit; 0.5 ms), then freeze the rest so
    that the shutdown's collections skip it. What is frozen is what was imported and
    what stays referenced to the end (modules, the cached bank), and any garbage cycle
    old enough to have left the young generations, whose finalizers then do not run:
    nothing depends on them (Python does not promise finalizers at exit either), as
    pmfit closes every file it writes itself (`pmfit.writing`), and the interpreter
    still runs every `atexit` handler and flushes and closes stdout and stderr.
    """
    import gc

    gc.collect(1)
    gc.freeze()
