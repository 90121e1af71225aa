"""Why the short form and the full form disagree, which short form agrees best, and how
well any short form could agree.

    python bench/short_form.py breakdown [--n 20000] [--seed 1]
    python bench/short_form.py search    [--n 20000] [--seed 1] [--size 14] [--exhaustive]
    python bench/short_form.py bound     [--n 4000]  [--seed 5] [--draws 200]

Respondents come from `pmfit.simulate.respondents` under both response models (one-factor
and per-dimension) at noise sd 1.0 (alpha about 0.89). Both forms are decided with the
engine's own block decision (`pmfit.scoring.block`, equal to `pmfit score` bit for bit),
the short form on its own questions as `pmfit quiz --short` scores it.

breakdown
    Short form's recommendation against the full form's, every pair of the five outcomes,
    per model; how often they would agree if the short form decided at another
    probability than the engine's (for the scoring's owners: the bank cannot set it);
    with the quiz's offer to go on when the short form is too close to call; and, for
    comparison, the agreement of the score's side alone (B2B, either, B2C by the band,
    as bank 1.0.0's engine recommended).
search
    Every short form that keeps the rules (each dimension asked; the two heaviest twice;
    a declared pair asked; at most 4 minutes, and 630 words, in each language; and, checked
    on those printed, reversing one answer changes at most 20% of short results), found by
    swaps from the shipped one:
    replace one question by another until no swap raises the agreement (the mean over
    both models); with --exhaustive, every rule-keeping short form of --size questions.
    Prints the best, the shipped one and their figures, also on fresh respondents
    (seed + 1): the search's own sample flatters its pick.
bound
    The most any scoring of a short form could agree with the full form's recommendation:
    for each respondent, the full form's recommendation given only the short answers is
    uncertain (the other answers are still to come); the best a short form can do is to
    say the likeliest one. Under the one-factor model (the scoring model's own
    assumption), with the respondent's noise known, estimated by drawing the
    other answers `--draws` times from the posterior of the position; and the looser
    bound of a scorer that knows the position exactly (under the per-dimension model too,
    every dimension's position). Printed for the shipped short form and for short forms
    of k questions (random subsets of the bank, k = 14 ... 29): the size a short form
    needs for 88%.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Sequence

import msgspec
import numpy as np
from bank_balance import words  # bench/ is the script's own directory

from pmfit import simulate
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank
from pmfit.quiz.session import estimated_minutes
from pmfit.scoring import block, engine

NOISE = 1.0
DECIDED = (0, 1, 2)  # B2B, either, B2C in block.RECOMMENDATIONS
GOAL = 0.88
MAX_WORDS = 630
MAX_MINUTES = 4
MAX_REVERSAL = 0.20


def with_short(bank: Bank, members: frozenset[str]) -> Bank:
    """The bank with exactly `members` in its short form."""
    return msgspec.structs.replace(
        bank,
        questions=[msgspec.structs.replace(q, short=q.id in members) for q in bank.questions],
    )


class Sample:
    """Simulated answers under one model, and the full form's decisions on them."""

    def __init__(self, bank: Bank, kind: str, n: int, seed: int) -> None:
        self.kind = kind
        sim = simulate.respondents(bank, n, NOISE, kind, np.random.default_rng(seed))
        self.chosen = sim.chosen
        self.full = block.decide(block.Arrays(bank), sim.chosen)
        self.full_side = simulate.truth(block.Arrays(bank), sim.chosen)


def short_decisions(bank: Bank, sample: Sample) -> tuple[block.Decisions, block.Arrays]:
    columns = [j for j, q in enumerate(bank.questions) if q.short]
    arrays = block.Arrays(bank.short_form())
    return block.decide(arrays, sample.chosen[:, columns]), arrays


def agreement(bank: Bank, sample: Sample) -> float:
    short, _ = short_decisions(bank, sample)
    return float((short.recommendation == sample.full.recommendation).mean())


def worst_reversal(bank: Bank, sample: Sample) -> tuple[str, float]:
    """The short question whose answer, replaced by its mirror option, changes the most
    short-form recommendations, and that share."""
    short_bank = bank.short_form()
    columns = [j for j, q in enumerate(bank.questions) if q.short]
    arrays = block.Arrays(short_bank)
    chosen = sample.chosen[:, columns]
    base = block.decide(arrays, chosen).recommendation
    worst = ("", 0.0)
    for c, q in enumerate(short_bank.questions):
        leans = np.array([o.lean for o in q.options])
        # The option nearest minus the chosen lean (the first of equals), as bank_balance.
        mirror = np.argmin(np.abs(-leans[chosen[:, c], None] - leans[None, :]), axis=1)
        changed = chosen.copy()
        changed[:, c] = mirror
        share = float((block.decide(arrays, changed).recommendation != base).mean())
        if share > worst[1]:
            worst = (q.id, share)
    return worst


def keeps_rules(bank: Bank, members: frozenset[str]) -> bool:
    """Every rule of the short form but reversal (checked on the best ones: it is slow)."""
    questions = [q for q in bank.questions if q.id in members]
    count = {d.id: sum(q.dimension == d.id for q in questions) for d in bank.dimensions}
    heaviest = sorted(bank.dimensions, key=lambda d: -d.weight)[:2]
    return (
        all(count.values())
        and all(count[d.id] >= 2 for d in heaviest)
        and any(all(q in members for q in pair) for pair in bank.pairs)
        and all(
            words(questions, lang) <= MAX_WORDS
            and estimated_minutes(questions, lang) <= MAX_MINUTES
            for lang in ("en", "es")
        )
    )


def breakdown(bank: Bank, n: int, seed: int) -> None:
    names = block.RECOMMENDATIONS
    print(f"bank {bank.id} {bank.version}; n={n} per model, seed={seed}, noise sd={NOISE}")
    for kind in simulate.MODELS:
        sample = Sample(bank, kind, n, seed)
        short, arrays = short_decisions(bank, sample)
        s, f = short.recommendation, sample.full.recommendation
        columns = [j for j, q in enumerate(bank.questions) if q.short]
        side = simulate.truth(arrays, sample.chosen[:, columns])
        print(f"\n{kind}: same outcome {np.mean(s == f):.1%}")
        print("short form (rows) by full form (columns), % of respondents")
        print(" " * 13 + "".join(f"{name:>13}" for name in names) + "        total")
        for i, row in enumerate(names):
            cells = [100 * np.mean((s == i) & (f == j)) for j in range(len(names))]
            print(f"{row:>13}" + "".join(f"{c:13.1f}" for c in cells) + f"{sum(cells):13.1f}")
        totals = [100 * np.mean(f == j) for j in range(len(names))]
        print(f"{'total':>13}" + "".join(f"{c:13.1f}" for c in totals))
        undecided = (s == block.TOO_CLOSE) & (f != block.TOO_CLOSE)
        decided = (s != block.TOO_CLOSE) & (f == block.TOO_CLOSE)
        print(
            f"disagreements: short too close, full decided {np.mean(undecided):.1%}; "
            f"short decided, full too close {np.mean(decided):.1%}; "
            f"other {np.mean((s != f) & ~undecided & ~decided):.1%}"
        )
        top = short.probabilities[np.arange(len(s)), short.lead]
        bars = []
        for bar in (0.6, 0.65, 0.7, 0.75, 0.8):
            at = np.where(np.isin(s, (block.TOO_CLOSE, *DECIDED)) & (top < bar), block.TOO_CLOSE, s)
            at = np.where((s == block.TOO_CLOSE) & (top >= bar), short.lead, at)
            bars.append(f"{bar:.2f}: {np.mean(at == f):.1%}")
        print(
            f"the short form deciding at another probability (engine: {engine.DECIDE}): "
            + ", ".join(bars)
        )
        offer = np.where(s == block.TOO_CLOSE, f, s)
        print(
            "with the quiz's offer taken (a short form too close to call goes on to the full "
            f"quiz): same outcome {np.mean(offer == f):.1%}, asking "
            f"{np.mean(np.where(s == block.TOO_CLOSE, len(bank.questions), len(columns))):.1f}"
            " questions on average"
        )
        print(
            "score's side only (B2B / either / B2C by the band): "
            f"same {np.mean(side == sample.full_side):.1%}, "
            f"opposite {np.mean(np.abs(side - sample.full_side) == 2):.1%}"
        )


def every_short_form(bank: Bank, size: int) -> list[frozenset[str]]:
    """Every set of `size` questions that keeps the rules (each dimension at least once,
    so the search over them is over how many and which of each dimension's questions)."""
    groups = [[q.id for q in bank.questions if q.dimension == d.id] for d in bank.dimensions]
    out: list[frozenset[str]] = []

    def extend(i: int, chosen: tuple[str, ...]) -> None:
        if i == len(groups):
            if len(chosen) == size and keeps_rules(bank, frozenset(chosen)):
                out.append(frozenset(chosen))
            return
        room = size - len(chosen) - (len(groups) - i - 1)
        for k in range(1, min(room, len(groups[i])) + 1):
            for part in itertools.combinations(groups[i], k):
                extend(i + 1, chosen + part)

    extend(0, ())
    return out


def search(bank: Bank, n: int, seed: int, size: int, exhaustive: bool) -> None:
    samples = [Sample(bank, kind, n, seed) for kind in simulate.MODELS]
    shipped = frozenset(q.id for q in bank.questions if q.short)
    ids = [q.id for q in bank.questions]
    cache: dict[frozenset[str], float] = {}

    def value(members: frozenset[str]) -> float:
        if members not in cache:
            candidate = with_short(bank, members)
            cache[members] = float(np.mean([agreement(candidate, s) for s in samples]))
        return cache[members]

    def neighbours(members: frozenset[str]) -> list[frozenset[str]]:
        out = []
        if len(members) < size:
            out += [members | {q} for q in ids if q not in members]
        out += [members - {a} | {b} for a in members for b in ids if b not in members]
        return [m for m in out if len(m) <= size and keeps_rules(bank, m)]

    def climb(start: frozenset[str]) -> frozenset[str]:
        current = start
        while True:
            best = max(neighbours(current), key=value, default=current)
            if value(best) <= value(current):
                return current
            current = best

    if exhaustive:
        best = max([*every_short_form(bank, size), shipped], key=value)
    else:
        best = climb(shipped)
    ranked = sorted(cache, key=value, reverse=True)
    # The search picks the best on its own sample: judge the pick on fresh respondents.
    fresh = [Sample(bank, kind, n, seed + 1) for kind in simulate.MODELS]
    print(
        f"bank {bank.id} {bank.version}; n={n} per model, seed={seed}, noise sd={NOISE}; "
        f"{len(cache)} short forms of at most {size} tried "
        f"({'every one that keeps the rules' if exhaustive else 'swaps from the shipped one'})"
    )
    for lang in ("en", "es"):
        shortest = sorted(bank.questions, key=lambda q: words([q], lang))[: size + 1]
        print(
            f"{size + 1} questions ({lang}): the shortest take {words(shortest, lang)} words, "
            f"about {estimated_minutes(shortest, lang)} minutes (limit {MAX_MINUTES})"
        )
    rows = [("shipped", shipped), ("best", best)] + [
        (f"#{i + 1}", m) for i, m in enumerate(ranked[:5]) if m not in (shipped, best)
    ]
    for label, members in rows:
        candidate = with_short(bank, members)
        per_model = [agreement(candidate, s) for s in samples]
        held_out = [agreement(candidate, s) for s in fresh]
        reversal = max((worst_reversal(candidate, s) for s in samples), key=lambda w: w[1])
        questions = [q for q in bank.questions if q.id in members]
        print(
            f"{label:>8}: same outcome {per_model[0]:.1%} one-factor, {per_model[1]:.1%} "
            f"per-dimension (fresh seed {seed + 1}: {held_out[0]:.1%}, {held_out[1]:.1%}); "
            f"worst reversal {reversal[1]:.1%} ({reversal[0]}); "
            f"words en {words(questions, 'en')}, es {words(questions, 'es')}; "
            f"{'keeps' if reversal[1] <= MAX_REVERSAL else 'BREAKS'} the reversal rule"
        )
        swapped = ", ".join(sorted(members - shipped)) or "(as shipped)"
        if shipped - members:
            swapped += " in; out: " + ", ".join(sorted(shipped - members))
        print(f"          {swapped}")


def _phi(x: np.ndarray) -> np.ndarray:
    erf = np.frompyfunc(math.erf, 1, 1)
    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)).astype(float))


def bayes_agreement(
    bank: Bank,
    columns: Sequence[int],
    n: int,
    draws: int,
    rng: np.random.Generator,
    known_position: bool = False,
) -> float:
    """E[max over outcomes of P(full form says it | the short answers)]: the agreement of
    the best possible scoring of these short questions, one-factor model, noise known.
    With `known_position`, the scorer knows the respondent's position too: the most any
    short form of these answers could agree, however well its questions measured."""
    full = block.Arrays(bank)
    sim = simulate.respondents(bank, n, NOISE, "one-factor", rng)
    grid = np.linspace(-1.0, 1.0, 401)
    leans = [np.array([o.lean for o in q.options]) for q in bank.questions]
    log_post = np.zeros((n, len(grid)))
    for j in columns:
        order = np.argsort(leans[j])
        sorted_leans = leans[j][order]
        cuts = np.concatenate([[-np.inf], (sorted_leans[1:] + sorted_leans[:-1]) / 2, [np.inf]])
        p = np.empty((len(order), len(grid)))
        for rank, k in enumerate(order):
            p[k] = _phi((cuts[rank + 1] - grid) / NOISE) - _phi((cuts[rank] - grid) / NOISE)
        log_post += np.log(np.maximum(p[sim.chosen[:, j]], 1e-300))
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    cdf = np.cumsum(post / post.sum(axis=1, keepdims=True), axis=1)
    others = [j for j in range(len(bank.questions)) if j not in set(columns)]
    best = np.zeros(n)
    for start in range(0, n, 200):
        rows = np.arange(start, min(n, start + 200))
        if known_position:
            t = np.repeat(np.array(sim.t)[rows], draws)
        else:
            cells = np.array([np.searchsorted(cdf[i], rng.uniform(size=draws)) for i in rows])
            t = grid[np.minimum(cells, len(grid) - 1)].reshape(-1)
        chosen = np.repeat(sim.chosen[rows], draws, axis=0)
        for j in others:
            position = t + rng.normal(0.0, NOISE, len(t))
            chosen[:, j] = np.argmin(np.abs(position[:, None] - leans[j][None, :]), axis=1)
        said = block.decide(full, chosen).recommendation.reshape(len(rows), draws)
        counts = np.stack([(said == o).sum(axis=1) for o in range(len(block.RECOMMENDATIONS))])
        best[rows] = counts.max(axis=0) / draws
    return float(best.mean())


def known_dimension_positions_agreement(
    bank: Bank, columns: Sequence[int], n: int, draws: int, rng: np.random.Generator
) -> float:
    """The per-dimension model's counterpart of `bayes_agreement(known_position=True)`:
    the scorer knows every dimension's position and the short answers; the other answers
    are still to come. (Respondents drawn as `simulate.respondents` draws them, whose
    positions it does not return.)"""
    full = block.Arrays(bank)
    dims = {d.id: i for i, d in enumerate(bank.dimensions)}
    column = np.array([dims[q.dimension] for q in bank.questions])
    leans = [np.array([o.lean for o in q.options]) for q in bank.questions]
    t = rng.uniform(-1.0, 1.0, n)
    own = np.clip(t[:, None] + rng.normal(0, simulate.DIMENSION_SD, (n, len(dims))), -1, 1)
    where = own[:, column]
    chosen = np.stack(
        [
            np.argmin(np.abs((where[:, j] + rng.normal(0, NOISE, n))[:, None] - leans[j]), axis=1)
            for j in range(len(leans))
        ],
        axis=1,
    )
    others = [j for j in range(len(bank.questions)) if j not in set(columns)]
    best = np.zeros(n)
    for start in range(0, n, 200):
        rows = np.arange(start, min(n, start + 200))
        answers = np.repeat(chosen[rows], draws, axis=0)
        places = np.repeat(where[rows], draws, axis=0)
        for j in others:
            position = places[:, j] + rng.normal(0.0, NOISE, len(places))
            answers[:, j] = np.argmin(np.abs(position[:, None] - leans[j][None, :]), axis=1)
        said = block.decide(full, answers).recommendation.reshape(len(rows), draws)
        counts = np.stack([(said == o).sum(axis=1) for o in range(len(block.RECOMMENDATIONS))])
        best[rows] = counts.max(axis=0) / draws
    return float(best.mean())


def bound(bank: Bank, n: int, seed: int, draws: int) -> None:
    rng = np.random.default_rng(seed)
    print(
        f"bank {bank.id} {bank.version}; one-factor, noise sd {NOISE}; n={n}, "
        f"{draws} draws of the other answers each, seed={seed}"
    )
    shipped = [j for j, q in enumerate(bank.questions) if q.short]
    value = bayes_agreement(bank, shipped, n, draws, rng)
    print(f"shipped short form ({len(shipped)} questions): at most {value:.1%}")
    value = bayes_agreement(bank, shipped, n, draws, rng, known_position=True)
    print(f"  the same, the respondent's position known exactly: at most {value:.1%}")
    value = known_dimension_positions_agreement(bank, shipped, n, draws, rng)
    print(f"  per-dimension model, every dimension's position known: at most {value:.1%}")
    total = len(bank.questions)
    for k in sorted({*range(len(shipped), total, 2), total - 1}):
        columns = sorted(rng.choice(total, k, replace=False).tolist())
        value = bayes_agreement(bank, columns, n // 2, draws // 2, rng)
        known = bayes_agreement(bank, columns, n // 2, draws // 2, rng, known_position=True)
        mark = "  <- reaches the goal" if value >= GOAL else ""
        print(
            f"{k} of {total} questions (a random set): at most {value:.1%}; "
            f"position known {known:.1%}{mark}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("breakdown", "search", "bound"))
    parser.add_argument("--bank", default=None)
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--size", type=int, default=14, help="search: most short questions")
    parser.add_argument(
        "--exhaustive", action="store_true", help="search: every short form of --size"
    )
    parser.add_argument("--draws", type=int, default=200, help="bound: draws per respondent")
    args = parser.parse_args()
    bank = load_bank(args.bank)
    if args.mode == "breakdown":
        breakdown(bank, args.n or 20000, 1 if args.seed is None else args.seed)
    elif args.mode == "search":
        search(
            bank, args.n or 20000, 1 if args.seed is None else args.seed, args.size, args.exhaustive
        )
    else:
        bound(bank, args.n or 4000, 5 if args.seed is None else args.seed, args.draws)


if __name__ == "__main__":
    main()
