"""Would a measurement model with dimension-level deviation calibrate pmfit's outcomes?

The prototype of the mixture that is now the engine's model (pmfit/scoring/model.py, on
coarser grids there); its "engine" variant is the one-position model the engine used
before, kept for comparison. `python bench/calibration.py` measures the engine itself.

A numpy prototype, not the engine: it recomputes the outcome probabilities for the
simulator's respondents (`pmfit bank simulate`'s response models, noises and seed) under
a few variants, and prints the share, expected calibration error, mean stated confidence
and observed rate of each recommendation (B2B, either, B2C, close = too_close), as
`pmfit.simulate.calibration` measures them.

Variants (pass any of them; the default runs all):
- engine: one position t for every dimension (the engine's model; tau = 0). Reproduces
  the README's simulate table.
- soft: the engine's likelihood, but the truth at each t widened by dimension deviation
  (t_d = t + N(0, 0.59), clipped; Monte Carlo, seeded): widens the posterior everywhere,
  whatever the answers say.
- mix: a mixture of the engine's model (tau = 0) and a hierarchical one (tau = 0.59, the
  simulator's DIMENSION_SD), equal prior weight. In the hierarchical part each dimension
  has its own position t_d ~ N(t, tau) (clipped to [-1, 1]) on the same grid, its
  questions answer from t_d, and the true score's distribution given (sigma, t) and the
  answers is taken as normal (sum of the dimensions' posterior means and variances).

With --table, prints `pmfit bank simulate --format table` (its seed and n) with the
engine's decision replaced by the mixture's (insufficient kept): every other figure (retest,
adaptive quiz, short form) as the mixture would give it.

Run: python bench/calibration_model.py [engine|soft|mix ...] [--n 1000] [--seed 0] [--table]
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from pmfit import simulate
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank
from pmfit.scoring import block, engine, model

DIMENSION_SD = simulate.DIMENSION_SD
NAMES = ("B2B", "either", "B2C", "close")


def _phi(x: Any) -> Any:
    erfc = np.frompyfunc(math.erfc, 1, 1)
    return (0.5 * erfc(-np.asarray(x, dtype=float) / math.sqrt(2))).astype(float)


class Prototype:
    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.arrays = block.Arrays(bank)
        self.grid = np.array(model.positions())
        dims = {d.id: i for i, d in enumerate(bank.dimensions)}
        self.column = np.array([dims[q.dimension] for q in bank.questions])
        self.d = len(bank.dimensions)
        weights = np.array([d.weight for d in bank.dimensions])
        total = weights[np.unique(self.column)].sum()
        # contribution[d, c]: dimension d's share of the true score at cell c.
        mean = np.zeros((self.d, model.CELLS))
        for d in range(self.d):
            qs = [q for q in bank.questions if dims[q.dimension] == d]
            for c, t in enumerate(self.grid):
                if qs:
                    mean[d, c] = np.mean([q.options[model.nearest(q, t)].lean for q in qs])
        self.contribution = 100 * weights[:, None] * mean / total

    def _log_by_dimension(self, chosen: Any) -> Any:
        n, q = chosen.shape
        like = self.arrays.likelihood[np.arange(q)[None, :], chosen][:, :, :-1]
        out = np.zeros((n, self.d, len(model.SIGMAS) * model.CELLS))
        for j in range(q):
            out[:, self.column[j]] += np.log(like[:, j])
        return out.reshape(n, self.d, len(model.SIGMAS), model.CELLS)

    def engine(self, chosen: Any) -> tuple[Any, Any]:
        """(log evidence, outcome probabilities) under one position for all dimensions."""
        total = self._log_by_dimension(chosen).sum(axis=1)
        top = total.max(axis=(1, 2), keepdims=True)
        like = np.exp(total - top)
        truth = self.arrays.truth
        p = np.stack([(like * (truth == o)).sum(axis=(1, 2)) for o in range(3)], axis=1)
        evidence = like.sum(axis=(1, 2))
        return np.log(evidence) + top[:, 0, 0], p / evidence[:, None]

    def soft(self, chosen: Any, seed: int = 1, draws: int = 20000) -> Any:
        rng = np.random.default_rng(seed)
        e = rng.normal(0, DIMENSION_SD, (draws, self.d))
        table = np.zeros((model.CELLS, 3))
        for g, t in enumerate(self.grid):
            own = np.clip(t + e, -1, 1)[:, self.column]
            true = simulate.truth(self.arrays, simulate._choose(self.bank, own))
            table[g] = np.bincount(true, minlength=3) / draws
        table = (table + table[::-1, ::-1]) / 2
        total = self._log_by_dimension(chosen).sum(axis=1)
        marginal = np.exp(total - total.max(axis=(1, 2), keepdims=True)).sum(axis=1)
        p = marginal @ table
        return p / p.sum(axis=1, keepdims=True)

    def _kernel(self, tau: float) -> Any:
        edges = np.linspace(-1, 1, model.CELLS + 1)
        kernel = np.zeros((model.CELLS, model.CELLS))
        for g, t in enumerate(self.grid):
            cdf = _phi((edges - t) / tau)
            p = np.diff(cdf)
            p[0] += cdf[0]  # clipped at the ends, as the simulator clips t_d
            p[-1] += 1 - cdf[-1]
            kernel[g] = p
        return kernel

    def hierarchical(self, chosen: Any, tau: float) -> tuple[Any, Any]:
        log = self._log_by_dimension(chosen)
        top = log.max(axis=3, keepdims=True)
        like = np.exp(log - top)  # n, dimension, sigma, t_d
        kernel = self._kernel(tau)  # t, t_d
        c = self.contribution
        mass = np.einsum("ndsu,tu->ndst", like, kernel)
        mean = np.einsum("ndsu,tu,du->ndst", like, kernel, c) / mass
        square = np.einsum("ndsu,tu,du->ndst", like, kernel, c**2) / mass
        mu = mean.sum(axis=1)
        sd = np.sqrt(np.maximum(square - mean**2, 0).sum(axis=1)) + 1e-9
        band = self.bank.thresholds.either
        low = _phi((-band - mu) / sd)
        high = 1 - _phi((band - mu) / sd)
        log_mass = (np.log(mass) + top).sum(axis=1)  # n, sigma, t
        peak = log_mass.max(axis=(1, 2), keepdims=True)
        weight = np.exp(log_mass - peak)
        evidence = weight.sum(axis=(1, 2))
        p = np.stack([(weight * x).sum(axis=(1, 2)) for x in (low, 1 - low - high, high)], axis=1)
        return np.log(evidence) + peak[:, 0, 0], p / evidence[:, None]

    def mix(self, chosen: Any) -> Any:
        parts = [self.engine(chosen), self.hierarchical(chosen, DIMENSION_SD)]
        log = np.stack([e for e, _ in parts], axis=1)
        post = np.exp(log - log.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        return sum(post[:, i : i + 1] * p for i, (_, p) in enumerate(parts))


def calibration(p: Any, true: Any) -> dict[str, tuple[float, float, float, float]]:
    lead, confidence = p.argmax(axis=1), p.max(axis=1)
    code = np.where(confidence >= engine.DECIDE, lead, 3)
    hit = lead == true
    out = {}
    for i, name in enumerate(NAMES):
        rows = code == i
        if rows.sum() < 20:  # too few to bin
            continue
        c, h = confidence[rows], hit[rows]
        bins = np.minimum((c * simulate.BINS).astype(int), simulate.BINS - 1)
        ece = sum(
            (bins == b).mean() * abs(c[bins == b].mean() - h[bins == b].mean())
            for b in range(simulate.BINS)
            if (bins == b).any()
        )
        out[name] = (float(rows.mean()), float(ece), float(c.mean()), float(h.mean()))
    return out


def mixture_table(n: int, seed: int) -> str:
    from pmfit.render.simulate_view import simulate_text

    engine_decide = block.decide
    prototypes: dict[int, Prototype] = {}

    def decide(arrays: block.Arrays, chosen: Any) -> block.Decisions:
        found = engine_decide(arrays, chosen)
        proto = prototypes.get(id(arrays.bank))
        if proto is None:
            proto = prototypes[id(arrays.bank)] = Prototype(arrays.bank)
        p = proto.mix(chosen)
        lead = np.argmax(p, axis=1)
        code = np.where(p[np.arange(len(lead)), lead] >= engine.DECIDE, lead, block.TOO_CLOSE)
        code = np.where(found.recommendation == block.INSUFFICIENT, block.INSUFFICIENT, code)
        return found._replace(recommendation=code, lead=lead, probabilities=p)

    block.decide = decide  # type: ignore[assignment]
    try:
        return simulate_text(simulate.simulate(load_bank(), n=n, seed=seed))
    finally:
        block.decide = engine_decide


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("variants", nargs="*", default=["engine", "soft", "mix"])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    if args.table:
        print(mixture_table(args.n, args.seed), end="")
        return
    proto = Prototype(load_bank())
    # The simulator's respondents, drawn in its order from its seed.
    rng = np.random.default_rng(args.seed)
    rows = []
    for kind in simulate.MODELS:
        for noise in simulate.NOISES:
            sim = simulate.respondents(proto.bank, args.n, noise, kind, rng)
            rows.append((kind, noise, sim.chosen, simulate.truth(proto.arrays, sim.noise_free)))
    for variant in args.variants:
        print(f"== {variant}: share ECE stated/observed per recommendation (n {args.n})")
        worst = 0.0
        for kind, noise, chosen, true in rows:
            p = proto.engine(chosen)[1] if variant == "engine" else getattr(proto, variant)(chosen)
            cells = []
            for name, (share, ece, c, h) in calibration(p, true).items():
                cells.append(f"{name} {share:4.0%} {ece:.3f} {c:.2f}/{h:.2f}")
                worst = max(worst, ece)
            print(f"{kind:<13} {noise:3.1f}  " + "  ".join(cells))
        print(f"worst ECE {worst:.3f}")


if __name__ == "__main__":
    main()
