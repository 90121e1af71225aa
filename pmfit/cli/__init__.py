"""The command line: a thin layer that parses, calls the core, and formats.

Each command lives in a module of its own, imported only when the command runs or is
listed (`pmfit.cli.app.COMMAND_MODULES`). The command modules do not use
`from __future__ import annotations`: typer reads every parameter's annotation when it
builds a command, and string annotations would have to be evaluated (compiled) one by
one, which costs several milliseconds.
"""

from __future__ import annotations

from pmfit.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app(prog_name="pmfit")
    finally:
        _settle_before_exit()


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
