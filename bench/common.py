"""What the benchmark scripts share: how to run pmfit as a user would."""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

# An installed pmfit has its bytecode compiled (pip does it), as typer and rich have
# theirs; a source checkout gets it on a warm-up run, unless the environment forbids
# writing it (this machine sets PYTHONDONTWRITEBYTECODE).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def pmfit_command() -> list[str]:
    """The installed console script beside this Python, else `python -m pmfit`."""
    script = Path(sys.executable).with_name("pmfit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pmfit"]


def timed(command: list[str]) -> float:
    """Seconds to run `command` to its end, its output dropped."""
    import subprocess
    import time

    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def compare(
    ours: Callable[[], float], theirs: Callable[[], float], runs: int, labels: tuple[str, str]
) -> None:
    """Time both alternately (after one warm-up each), print medians and the ratio."""
    ours()  # warm the bank cache and the OS file cache
    theirs()
    a_times, b_times = [], []
    for _ in range(runs):
        a_times.append(ours())
        b_times.append(theirs())
    a, b = statistics.median(a_times), statistics.median(b_times)
    width = max(map(len, labels)) + 1
    print(f"{labels[0] + ':':<{width}} median {a * 1000:.1f} ms over {runs} runs")
    print(f"{labels[1] + ':':<{width}} median {b * 1000:.1f} ms over {runs} runs")
    print(f"ratio {a / b:.2f} (goal <= 1.30)")
