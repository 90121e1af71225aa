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


def runtime_only_python(directory: Path) -> Path:
    """A venv in `directory` holding pmfit and only what `pip install pmfit` brings (its
    runtime dependencies, linked from this environment), as a user has it: this
    environment has the test tools too, and what they bring can change what a runtime
    library imports (msgspec imports typing_extensions whenever it is installed).
    Returns the venv's python; a `pmfit` console script stands beside it."""
    import importlib.metadata as metadata
    import subprocess
    import sysconfig

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    python = directory / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    here = Path(sysconfig.get_path("purelib"))
    wanted, seen = ["pmfit"], set()
    while wanted:
        name = canonicalize_name(wanted.pop())
        if name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement.name)
        for top in {Path(str(f)).parts[0] for f in dist.files or []} - {".."}:
            if top.endswith(".pth"):
                (site / top).write_bytes((here / top).read_bytes())
            elif not (site / top).exists():
                (site / top).symlink_to(here / top)
    script = Path(sys.executable).with_name("pmfit").read_text(encoding="utf-8")
    pmfit = python.with_name("pmfit")
    pmfit.write_text(f"#!{python}\n" + script.split("\n", 1)[1], encoding="utf-8")
    pmfit.chmod(0o755)
    return python


def timed(command: list[str], env: dict[str, str] = ENV) -> float:
    """Seconds to run `command` to its end, its output dropped."""
    import subprocess
    import time

    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
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
