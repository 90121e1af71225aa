"""Where `pmfit batch`'s time goes per row, stage by stage, in one process.

    python bench/batch_stages.py [--n 20000] [--block 400] [--rounds 2]

Generates N synthetic respondents as bench/batch.py does (the shipped bank), reads
them into blocks of --block lines (a worker's 256 KiB blocks hold about 400 of these)
and times, over the same blocks, in microseconds per row: a bare `json.loads` of each
line (the baseline), decoding the lines into a block, scoring it without "what would
change it" (`fast.score(..., flips=False)`, as the report from answers scores), scoring
it with it (as `pmfit batch` scores), and encoding the scored blocks as JSONL. No
reading or writing of files is timed. The machine is noisy: compare figures of one run
(or of runs taken alternately, for two trees), and each against the bare loop.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from batch import generate  # noqa: E402

from pmfit.bank.loading import load_bank, shipped_bank_dir  # noqa: E402
from pmfit.batch import fast  # noqa: E402
from pmfit.batch.jsonl import LineDecoder  # noqa: E402
from pmfit.batch.scored import Scored  # noqa: E402
from pmfit.batch.writers import Output  # noqa: E402


def per_row(lines: Sequence[bytes], size: int, run: Callable[[int], object]) -> float:
    """Microseconds per row of run(start) over every block's start."""
    start = time.perf_counter()
    for i in range(0, len(lines), size):
        run(i)
    return (time.perf_counter() - start) / len(lines) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--block", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    bank_dir = shipped_bank_dir()
    bank = load_bank(bank_dir)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        generate(bank_dir, args.n, path)
        lines = path.read_bytes().splitlines(keepends=True)
    size = args.block
    decoder = LineDecoder(bank)
    compiled = fast.Compiled(bank)
    formatter = Output().formatter(bank)
    blocks = {
        i: decoder.block(lines[i : i + size], i + 1, "in") for i in range(0, len(lines), size)
    }
    scored: dict[int, Scored] = {}

    def score(i: int, flips: bool) -> Scored:
        block = blocks[i]
        matrix = block.matrix(compiled.n_questions)
        return fast.score(compiled, matrix, block.respondents, flips=flips)

    def score_kept(i: int) -> None:
        scored[i] = score(i, True)

    print(f"{args.n:,} rows of the shipped bank in blocks of {size}; microseconds per row")
    for _ in range(args.rounds):
        figures = {
            "bare json.loads": per_row(
                lines, size, lambda i: [json.loads(line) for line in lines[i : i + size]]
            ),
            "decode": per_row(
                lines, size, lambda i: decoder.block(lines[i : i + size], i + 1, "in")
            ),
            "score without flips": per_row(lines, size, lambda i: score(i, False)),
            "score with flips": per_row(lines, size, score_kept),
            "encode": per_row(
                lines, size, lambda i: formatter.place(formatter.chunk(scored[i]), False)
            ),
        }
        print("; ".join(f"{name} {value:.2f}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
