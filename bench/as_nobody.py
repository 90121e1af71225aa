"""Run `pmfit ARGS` as nobody (uid 65534): bench/adversarial.py's unprivileged cases.

Python itself may live where nobody may not read (a pyenv under /root), so everything pmfit
imports is imported while still root, by a warm run of the same command into scratch
files, and only then are the user and group dropped.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from pmfit.cli import app, main

ROW = '{"respondent":"w","answers":{"problem-focus-1":"a"}}\n{}\n'

with tempfile.TemporaryDirectory() as warm:
    source = Path(warm, "w.jsonl")
    source.write_text(ROW)
    CliRunner().invoke(app, ["batch", str(source), "-o", f"{warm}/o", "--errors", f"{warm}/e"])
    CliRunner().invoke(app, ["batch", str(source), "-j", "2", "--format", "csv"])
    big = Path(warm, "big.jsonl")
    big.write_text(ROW * 40_000)  # past PARALLEL_BYTES: the workers' modules too
    CliRunner().invoke(app, ["batch", str(big), "-j", "2", "-o", f"{warm}/o2"])
    CliRunner().invoke(app, ["batch", "-", "-j", "2"], input=big.read_bytes())
    with contextlib.suppress(Exception):
        import multiprocessing.connection
        import multiprocessing.pool
        import multiprocessing.popen_fork
        import multiprocessing.queues
        import multiprocessing.sharedctypes
        import multiprocessing.synchronize  # noqa: F401
    import encodings.utf_8_sig
    import encodings.utf_16  # noqa: F401
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
sys.argv = ["pmfit", *sys.argv[1:]]
main()
