"""Time from launching `pmfit quiz` to its first question on screen, in a pseudo-terminal,
against `python -c "import typer, rich.console"` run the same way.

Both are run alternately in the same session (the machine is noisy, so only the
ratio of the medians means anything):

    python bench/quiz_startup.py [--runs 21]

Goal: pmfit quiz's median within 1.3 times the baseline's. The quiz runs on the
shipped bank with a warm bank cache (as every run after the first does), in a
throw-away state directory, with --restart so that no resume offer comes first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pexpect
from common import ENV, compare, pmfit_command

FIRST_QUESTION = "Your answer"


def timed(command: list[str], env: dict[str, str], until: str | None) -> float:
    """Seconds from spawning `command` in a pty until `until` is on screen (or it exits)."""
    start = time.perf_counter()
    child = pexpect.spawn(
        command[0], command[1:], env=env, dimensions=(24, 80), encoding="utf-8", timeout=30
    )
    child.expect(pexpect.EOF if until is None else until)
    elapsed = time.perf_counter() - start
    if until is not None:
        child.terminate(force=True)
    child.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()

    pmfit = pmfit_command()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **ENV,
            "XDG_STATE_HOME": str(Path(tmp, "state")),
            "XDG_CACHE_HOME": str(Path(tmp, "cache")),
            "LANG": "en_US.UTF-8",
            "TERM": "xterm-256color",
        }
        env.pop("PMFIT_BANK", None)
        candidate = [*pmfit, "quiz", "--restart"]
        baseline = [sys.executable, "-c", "import typer, rich.console"]
        compare(
            lambda: timed(candidate, env, FIRST_QUESTION),
            lambda: timed(baseline, env, None),
            args.runs,
            ("pmfit quiz, first question", "import typer, rich.console"),
        )


if __name__ == "__main__":
    main()
