"""The `pmfit` command (and `python -m pmfit`): the command line, run as a process of its
own. What only such a process may do to the interpreter is done here, not in
`pmfit.cli`, which a program may import too."""

from __future__ import annotations

import gc
import os
import sys
from typing import NoReturn


def run() -> NoReturn:
    """`pmfit.cli.main`, in a process that ends as soon as the command is done.

    Importing the command line (typer and its click) makes tens of thousands of objects
    that live as long as the process, and no garbage: the collector's passes over them,
    every 700 allocations during the import and in every collection of the older
    generations after it (the one at exit included), find nothing. So the collector is
    off while they load, and they are then frozen (`gc.freeze`: kept out of every later
    collection): 4-5 ms of a `pmfit score`, a tenth of a bare `import typer`
    (bench/startup.py).

    Once the command is done and its output flushed, what the interpreter's shutdown
    still does is free every object one at a time and tear the modules down, for the OS
    to take the memory back anyway (1 ms of a `pmfit score`). So, when nothing else runs
    (one thread), the exit handlers registered with `atexit` run here, stdout and stderr
    are flushed, and the process exits with the command's status. Anything unusual
    (another thread, an exit handler or a flush that fails, a status that is not a
    number) takes the interpreter's own way out instead.
    """
    import atexit
    import threading

    collecting = gc.isenabled()
    gc.disable()
    try:
        from pmfit.cli import main
    finally:
        if collecting:
            gc.freeze()
            gc.enable()
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


if __name__ == "__main__":
    run()
