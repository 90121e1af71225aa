"""Benchmark: a JSONL line over the row limit costs time linear in its length.

    python bench/long_line.py            # lines of 64 and 256 MiB
    python bench/long_line.py --mib 32

Writes two files, each one over-long line (a respondent of N and 4N MiB) followed by a
valid row, and times `pmfit batch FILE -j1` and `-j2 -o` on each, alternately, in the
same run. The line is rejected as one row either way; linear reading means the ratio
of the two times is about 4 (the review measured 50, 100 and 200 MB lines at 2.4, 7.8
and 30 s: quadratic, a ratio near 16 for 4x the length; start-up makes short runs
look better than linear).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ENV, pmfit_command

ROW = b'{"respondent": "ok", "answers": {}}\n'


def write(path: Path, mib: int) -> None:
    with path.open("wb") as f:
        f.write(b'{"respondent": "')
        chunk = b"x" * (1 << 20)
        for _ in range(mib):
            f.write(chunk)
        f.write(b'", "answers": {}}\n')
        f.write(ROW)


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    run = subprocess.run(args, capture_output=True, env=ENV)
    elapsed = time.perf_counter() - start
    assert run.returncode == 1 and b"scored 1; rejected 1" in run.stderr, run.stderr[-300:]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        short, long = Path(tmp) / "short.jsonl", Path(tmp) / "long.jsonl"
        write(short, options.mib)
        write(long, 4 * options.mib)
        for label, extra in (("-j1", ["-j", "1"]), ("-j2 -o", ["-j", "2", "-o", f"{tmp}/o"])):
            times: dict[Path, list[float]] = {short: [], long: []}
            for _ in range(options.runs):
                for path in (short, long):
                    times[path].append(timed([*pmfit_command(), "batch", str(path), *extra]))
            a, b = statistics.median(times[short]), statistics.median(times[long])
            print(
                f"{label}: {options.mib} MiB line {a:.2f} s, {4 * options.mib} MiB line "
                f"{b:.2f} s; ratio {b / a:.1f} (linear or better: at most 4; quadratic: about 16)"
            )


if __name__ == "__main__":
    main()
