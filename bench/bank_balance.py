"""How balanced the shipped bank is, and how well its short form agrees with the full one.

    python bench/bank_balance.py [--bank DIR] [--n 4000] [--seed 1] [--noise 1.0]

Response model: each simulated respondent has a latent position t, uniform in
[-1, 1] (B2B to B2C); on each question they pick the option whose lean is nearest
t + e, with e ~ Normal(0, noise) drawn afresh per question. Both forms are scored
with the current engine from the same picks.

Prints:
- the score of a respondent at t = 0 (no noise: the option nearest t on every question,
  ties taken half each way, as `pmfit bank validate` lints it) and at t = +0.2 / -0.2,
  with their mirror error |s(+0.2) + s(-0.2)|;
- short vs full: share with the same recommendation, share on opposite sides, and where
  the rest disagree (short too close to call while the full form decides, or the
  reverse; `bench/short_form.py` breaks it down and bounds it); and, for
  scale, the full form against a second, independent full-form administration (same t,
  fresh noise): the short form shares its answers with the full one, so it can agree
  with it more often than the full form agrees with itself, but not by much;
- reversal sensitivity: for each short-form question, the share of short-form results
  whose recommendation changes when that one answer is replaced by its mirror option
  (the option whose lean is nearest minus the chosen lean);
- Cronbach's alpha of the full form under the model;
- words per form (prompt and option labels, as the welcome counts them) and the
  welcome's minutes estimate, per language.
"""

from __future__ import annotations

import argparse
import random

from pmfit.bank.loading import load_bank
from pmfit.bank.model import Question
from pmfit.lint import positional_score
from pmfit.quiz.session import estimated_minutes
from pmfit.scoring.engine import score


def nearest(question: Question, target: float) -> str:
    # Ties go to the option listed first: the order a reader meets them in.
    return min(question.options, key=lambda o: abs(o.lean - target)).id


def mirror(question: Question, option_id: str) -> str:
    lean = next(o.lean for o in question.options if o.id == option_id)
    return nearest(question, -lean)


def words(questions: list[Question], lang: str) -> int:
    return sum(
        len(q.prompt.get(lang).split()) + sum(len(o.label.get(lang).split()) for o in q.options)
        for q in questions
    )


def alpha(rows: list[list[float]]) -> float:
    k = len(rows[0])

    def var(xs: list[float]) -> float:
        m = sum(xs) / len(xs)
        return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)

    items = sum(var([r[i] for r in rows]) for i in range(k))
    return k / (k - 1) * (1 - items / var([sum(r) for r in rows]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", default=None)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, default=1.0)
    args = parser.parse_args()

    bank = load_bank(args.bank)
    short = bank.short_form()
    rng = random.Random(args.seed)
    print(f"bank {bank.id} {bank.version}; n={args.n}, seed={args.seed}, noise sd={args.noise}")

    zero, plus, minus = (positional_score(bank, t) for t in (0.0, 0.2, -0.2))
    print(f"neutral score (t=0): {zero:+.1f}   (goal |.| <= 2)")
    print(
        f"t=+0.2: {plus:+.1f}  t=-0.2: {minus:+.1f}  mirror error: {abs(plus + minus):.1f}"
        "   (goal <= 3)"
    )
    print(f"short form, neutral score (t=0): {positional_score(short, 0.0):+.1f}")

    same = opposite = retest = short_undecided = full_undecided = 0
    flips = {q.id: 0 for q in short.questions}
    leans_rows = []
    for _ in range(args.n):
        t = rng.uniform(-1.0, 1.0)
        answers = {q.id: nearest(q, t + rng.gauss(0.0, args.noise)) for q in bank.questions}
        full = score(bank, answers).recommendation
        short_answers = {q.id: answers[q.id] for q in short.questions}
        brief = score(short, short_answers).recommendation
        same += full == brief
        again = {q.id: nearest(q, t + rng.gauss(0.0, args.noise)) for q in bank.questions}
        retest += score(bank, again).recommendation == full
        opposite += {full, brief} == {"B2B", "B2C"}
        short_undecided += brief == "too_close" != full
        full_undecided += full == "too_close" != brief
        for q in short.questions:
            changed = {**short_answers, q.id: mirror(q, answers[q.id])}
            flips[q.id] += score(short, changed).recommendation != brief
        leans_rows.append(
            [next(o.lean for o in q.options if o.id == answers[q.id]) for q in bank.questions]
        )
    print(f"short vs full, same outcome: {same / args.n:.1%}   (goal >= 88%)")
    print(f"short vs full, opposite sides: {opposite / args.n:.1%}   (goal <= 1%)")
    print(
        f"  disagreeing: short too close, full decided {short_undecided / args.n:.1%}; "
        f"full too close, short decided {full_undecided / args.n:.1%}; "
        f"other {(args.n - same - short_undecided - full_undecided) / args.n:.1%}"
    )
    print(f"full vs a second full administration, same outcome: {retest / args.n:.1%}")
    worst = max(flips.values()) / args.n
    print(f"reversing one short-form answer, worst: {worst:.1%}   (goal <= 20%)")
    for qid, count in sorted(flips.items(), key=lambda kv: -kv[1]):
        print(f"  {qid:<26} {count / args.n:.1%}")
    print(f"Cronbach's alpha, full form: {alpha(leans_rows):.2f}")
    for lang in ("en", "es"):
        print(
            f"words ({lang}): full {words(bank.questions, lang)} "
            f"(about {estimated_minutes(bank.questions, lang)} min), "
            f"short {words(short.questions, lang)} "
            f"(about {estimated_minutes(short.questions, lang)} min)   (goal <= 9 / <= 4 min)"
        )


if __name__ == "__main__":
    main()
