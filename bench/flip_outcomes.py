"""What "What would change it" says, over simulated respondents of the shipped bank.

    python bench/flip_outcomes.py [--n 1500] [--seed 3]

For each response model and noise level (`pmfit.simulate.respondents`, the same
respondents for a seed), counts each pair (recommendation, what the flip makes it):
`to_<outcome>`, `noflip` (no change of answers would change it), or `stay` (a flip whose
answers keep the recommendation: the flip is defined so that this cannot happen; the
count says it does not). Also the mean number of changes. Scored by the batch scorer,
which gives the engine's flips byte for byte (tests/test_batch_fast.py).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmfit import simulate
from pmfit.bank.loading import load_bank
from pmfit.batch.fast import Compiled, score
from pmfit.scoring.block import RECOMMENDATIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    bank = load_bank()
    compiled = Compiled(bank)
    for kind in ("one-factor", "per-dimension"):
        for noise in (0.5, 1.0):
            rows = simulate.respondents(bank, args.n, noise, kind, np.random.default_rng(args.seed))
            chosen = np.asarray(rows.chosen, dtype=np.int64)
            s = score(compiled, chosen, [None] * len(chosen))
            counts: collections.Counter[tuple[str, str]] = collections.Counter()
            for rec, count, to in zip(
                s.recommendation.tolist(), s.flip_count.tolist(), s.flip_to.tolist(), strict=True
            ):
                outcome = RECOMMENDATIONS[rec]
                if not count:
                    key = "noflip"
                elif RECOMMENDATIONS[to] == outcome:
                    key = "stay"
                else:
                    key = f"to_{RECOMMENDATIONS[to]}"
                counts[(outcome, key)] += 1
            stay = sum(v for (_, key), v in counts.items() if key == "stay")
            flipped = s.flip_count[s.flip_count > 0]
            mean = float(flipped.mean()) if flipped.size else 0.0
            print(f"{kind} noise {noise}: stay {stay} of {args.n}; mean changes {mean:.2f}")
            for (outcome, key), v in sorted(counts.items(), key=lambda item: -item[1]):
                print(f"  {outcome:>12} {key:<14} {v:6d}")


if __name__ == "__main__":
    main()
