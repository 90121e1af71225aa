"""Where `pmfit batch`'s time goes, per respondent, against a bare `json.loads` of the line.

    python bench/batch_stages.py [--n 20000] [--block 400] [--repeat 3]

In one process, over the same synthetic JSONL as bench/batch.py, in blocks of the size
a batch worker scores (256 KiB of lines, about 400): the bare loop (`json.loads` of each
line), decoding the lines into answer codes (`LineDecoder.block`), scoring without and
with "what would change it" (`pmfit.batch.fast.score`), one model decision
(`pmfit.scoring.block.decide`) and how many the scoring makes per respondent (each
ends in `block._probabilities`; the flip's fold only from the dimension they resume
at when their changes allow, and read the recommendation alone), and
encoding the results as JSONL. Each figure is the best of `--repeat` runs, in
microseconds per respondent.

From them, the bound that issue 11's goal (batch JSONL >= 1.0x the bare loop) meets on
this machine's cores: the bare loop's time over (decode + score + encode) / cores, which
is what `pmfit batch` could reach with no cost at all beyond those (no reading, writing,
merging or start-up), and the same bound with scoring free (decode + encode only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batch import default_bank, generate  # noqa: E402

from pmfit.bank.loading import load_bank  # noqa: E402
from pmfit.batch import fast  # noqa: E402
from pmfit.batch.jsonl import LineDecoder  # noqa: E402
from pmfit.batch.writers import Output  # noqa: E402
from pmfit.scoring import block  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--block", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    bank_dir = default_bank()
    bank = load_bank(bank_dir)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "in.jsonl")
        generate(bank_dir, args.n, path)
        lines = path.read_bytes().splitlines(keepends=True)
    chunks = [lines[i : i + args.block] for i in range(0, len(lines), args.block)]
    decoder = LineDecoder(bank)
    compiled = fast.Compiled(bank)
    formatter = Output().formatter(bank)
    blocks = [decoder.block(chunk, 1, "in.jsonl") for chunk in chunks]
    codes = [b.matrix(compiled.n_questions) for b in blocks]
    in_bank_order = [c.astype("int64") for c in codes]

    def best(step: Callable[[int], object]) -> float:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            for i in range(len(chunks)):
                step(i)
            times.append(time.perf_counter() - start)
        return min(times) / len(lines) * 1e6

    scored = [fast.score(compiled, codes[i], blocks[i].respondents) for i in range(len(chunks))]
    probabilities = block._probabilities
    rows_decided = 0

    def counted(arrays: block.Arrays, state: block.State) -> object:
        nonlocal rows_decided
        rows_decided += len(state.one)
        return probabilities(arrays, state)

    block._probabilities = counted  # type: ignore[assignment]
    try:
        for i in range(len(chunks)):
            fast.score(compiled, codes[i], blocks[i].respondents)
    finally:
        block._probabilities = probabilities
    per_respondent = rows_decided / len(lines)

    figures = {
        "bare json.loads": best(lambda i: [json.loads(line) for line in chunks[i]]),
        "decode to codes": best(lambda i: decoder.block(chunks[i], 1, "in.jsonl")),
        "score, no flips": best(
            lambda i: fast.score(compiled, codes[i], blocks[i].respondents, flips=False)
        ),
        "score, with flips": best(lambda i: fast.score(compiled, codes[i], blocks[i].respondents)),
        "one decision": best(lambda i: block.decide(compiled.arrays, in_bank_order[i])),
        "encode JSONL": best(lambda i: formatter.place(formatter.chunk(scored[i]), False)),
    }
    cores = os.cpu_count() or 1
    print(f"bank {bank_dir}; {len(lines):,} respondents in blocks of {args.block}; {cores} cores")
    for name, value in figures.items():
        print(f"{name:<20} {value:6.2f} us per respondent")
    print(f"decisions per respondent (scoring with flips): {per_respondent:.2f}")
    bare = figures["bare json.loads"]
    work = figures["decode to codes"] + figures["score, with flips"] + figures["encode JSONL"]
    free = figures["decode to codes"] + figures["encode JSONL"]
    print(f"bound on bare / batch with {cores} cores: {bare / (work / cores):.2f} (goal >= 1.0)")
    print(f"the same with scoring free:   {bare / (free / cores):.2f}")
    print(
        f"the same with flips free:     {bare / ((free + figures['score, no flips']) / cores):.2f}"
    )


if __name__ == "__main__":
    main()
