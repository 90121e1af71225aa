"""Cost of making input text inert on stdout, as a share of `pmfit batch IN > FILE`.

Every byte pmfit writes to stdout passes `pmfit.text.literal.literal_bytes`. This
times the batch to stdout (a separate process, wall clock) and, alternately,
`literal_bytes` over exactly the bytes it wrote (in this process); the machine is
noisy, so only the ratio of medians means anything:

    python bench/terminal_safety.py [--n 50000] [--runs 7] [--with-quotes]

ratio = (batch + pass) / batch. Goal: <= 1.10.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ENV, pmfit_command

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pmfit.bank.loading import load_bank  # noqa: E402
from pmfit.text.literal import literal_bytes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--with-quotes", action="store_true")
    args = parser.parse_args()

    bank = load_bank()
    rng = random.Random(7)
    pmfit = pmfit_command()
    extra = ["--with-quotes"] if args.with_quotes else []
    with tempfile.TemporaryDirectory() as tmp:
        sheets = Path(tmp, "in.jsonl")
        with sheets.open("w") as out:
            for i in range(args.n):
                answers = {q.id: rng.choice(q.options).id for q in bank.questions}
                out.write(json.dumps({"respondent": f"r{i}", "answers": answers}) + "\n")
        target = Path(tmp, "out.jsonl")

        def batch() -> float:
            start = time.perf_counter()
            with target.open("wb") as sink:
                subprocess.run(
                    [*pmfit, "batch", str(sheets), *extra],
                    check=True,
                    stdout=sink,
                    stderr=subprocess.DEVNULL,
                    env=ENV,
                )
            return time.perf_counter() - start

        batch()
        written = target.read_bytes()
        assert literal_bytes(written) == written  # nothing to escape: the common case

        def check() -> float:
            start = time.perf_counter()
            literal_bytes(written)
            return time.perf_counter() - start

        batches, passes = [], []
        for _ in range(args.runs):
            batches.append(batch())
            passes.append(check())
        b, p = statistics.median(batches), statistics.median(passes)
        print(f"batch > FILE ({len(written) / 1e6:.0f} MB): median {b * 1000:.0f} ms")
        print(f"literal_bytes over it: median {p * 1000:.1f} ms")
        print(f"ratio {(b + p) / b:.3f} (goal <= 1.10)")


if __name__ == "__main__":
    main()
