"""The model's cost per respondent: `block.decide` in this tree against a git revision's.

    python bench/model_cost.py [--rev main] [--n 20000] [--block 770] [--rounds 3]
    python bench/model_cost.py --scorer batch     # the whole batch scorer (fast.score)

`--scorer batch` times `pmfit.batch.fast.score` instead (every result field, the flip's
decisions included), still without reading or writing.

Extracts the revision's pmfit/ and questions/ to a temporary directory, then times, in
separate processes taken alternately (the machine is noisy: only the ratio means
anything), the best of seven `block.decide` calls over the same simulated respondents
(the shipped bank, one-factor at noise 1.0, 5% skipped), in blocks of --block rows as
`pmfit batch` decides them (its 256 KiB blocks hold about 770 rows). CPU time of the
process, not wall time: other work on the machine does not count. Prints the best time
of each and the ratio this tree / revision.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TIMED = r"""
import sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from pmfit.bank.loading import load_bank
from pmfit.scoring import block
bank = load_bank()
arrays = block.Arrays(bank)
rng = np.random.default_rng(0)
n = int(sys.argv[2])
t = rng.uniform(-1, 1, n)
chosen = np.empty((n, len(bank.questions)), dtype=np.int64)
for j, q in enumerate(bank.questions):
    leans = np.array([o.lean for o in q.options])
    noisy = t + rng.normal(0, 1.0, n)
    chosen[:, j] = np.argmin(np.abs(noisy[:, None] - leans[None, :]), axis=1)
chosen[rng.random(chosen.shape) < 0.05] = -1
size = int(sys.argv[3])
if sys.argv[4] == "batch":
    from pmfit.batch import fast
    compiled = fast.Compiled(bank)
    def run(rows):
        fast.score(compiled, rows, [None] * len(rows))
else:
    def run(rows):
        block.decide(arrays, rows)
best = float("inf")
for _ in range(7):
    start = time.process_time()
    for i in range(0, n, size):
        run(chosen[i : i + size])
    best = min(best, time.process_time() - start)
print(best)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="main")
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--block", type=int, default=770)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scorer", choices=("decide", "batch"), default="decide")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", args.rev, "pmfit", "questions"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, path in ((args.rev, tmp), ("this tree", str(ROOT))):
                out = subprocess.run(
                    [sys.executable, "-c", TIMED, path, str(args.n), str(args.block), args.scorer],
                    cwd=path,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                best[name] = min(best.get(name, float("inf")), float(out))
    for name, seconds in best.items():
        what = "block.decide" if args.scorer == "decide" else "fast.score"
        print(f"{name:>10}: {what} {seconds * 1000:7.1f} ms for {args.n:,} respondents")
    print(f"ratio this tree / {args.rev}: {best['this tree'] / best[args.rev]:.2f}")


if __name__ == "__main__":
    main()
