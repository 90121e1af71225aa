"""Score one respondent's answers against a bank.

score
    The weighted mean, over the dimensions with at least one answer, of the mean
    lean of that dimension's answered questions, times 100: where the answers
    given so far point.
recommendation, confidence, probabilities, interval
    What the answers say about the respondent's full quiz, under the measurement
    model of `pmfit.scoring.model` (one position behind every answer, or a position
    per dimension, weighed by the answers): the probability that their noise-free
    answers to every question would come out B2B, either or B2C, and a 90% interval
    for that true score (from the one-position reading). The recommendation is the
    most probable outcome when its probability is at least DECIDE; below that it is
    "too_close" (the answers do not decide). Before the answers settle
    `thresholds.min_answered_weight` of the score's weight (each question carries
    its dimension's weight over the dimension's questions) it is "insufficient". The
    confidence is the probability of the most probable outcome, whatever the
    recommendation. A dimension answered once counts as one answer about the
    respondent, not as the whole dimension: the model pools answers, it does not
    extrapolate them.
flags
    straight_lining: at least STRAIGHT_LINE_MINIMUM answers, all at the same
    relative position (every first, every last or every middle option) or all
    with the same lean. misfit: at least as many answers, MISFIT_RATIO times
    likelier if chosen at random than under the model's one-position reading,
    averaged over its positions and noise levels (a person-fit measure, tuned with
    `pmfit bank simulate`).
    many_skips: more than `thresholds.many_skips` skipped.
rationale
    Each reason is an answer, the side it pushed toward (the sign of its points)
    and the question's quotes that speak for that side or both. B2B and B2C
    show the answers that pushed their way; any other outcome with reasons
    (either, too_close) shows the strongest on each side.
flip, flip_to
    The fewest answer changes that change the recommendation, and the
    recommendation they give (decided by the same rule as these answers). B2B looks
    toward B2C, B2C toward B2B, either and too_close both ways (fewer changes wins;
    on a tie, the more probable side); changes come largest score move first, each
    to the option furthest that way, the last to the mildest option that still
    changes it. Insufficient answers, or none that any such change changes: no flip.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import msgspec

from pmfit.bank.model import Bank, Question
from pmfit.scoring import model
from pmfit.scoring.result import (
    BankRef,
    DimensionScore,
    Flag,
    FlipChange,
    Interval,
    Probabilities,
    QuoteOut,
    RationaleItem,
    Recommendation,
    Result,
    Toward,
)

#: The least probability of the most probable outcome that makes it the recommendation.
DECIDE = 0.75
#: The likelihood ratio (random choice over the model) above which answers are flagged.
MISFIT_RATIO = 10.0
MISFIT_DETAIL = "the answers fit random choice ten times better than a consistent preference"
RATIONALE_SIZE = 5
#: A result on neither side shows reasons from both: at most this many from one side.
PER_SIDE = RATIONALE_SIZE - RATIONALE_SIZE // 2
STRAIGHT_LINE_MINIMUM = 6
EPSILON = 1e-9


class InvalidAnswers(ValueError):
    """Answers naming a question or an option that the bank does not have."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def check_answers(bank: Bank, answers: Mapping[str, str | None]) -> list[str]:
    """Every problem with `answers` against `bank`, as sentences (empty when fine)."""
    problems = []
    known = {q.id: q for q in bank.questions}
    for qid, oid in answers.items():
        question = known.get(qid)
        if question is None:
            problems.append(f"unknown question {qid!r}")
        elif oid is not None and oid not in {o.id for o in question.options}:
            allowed = ", ".join(o.id for o in question.options)
            problems.append(f"question {qid!r}: unknown option {oid!r} (allowed: {allowed})")
    return problems


class _Answered(msgspec.Struct, frozen=True):
    question: Question
    position: int  # the option's index in the question
    lean: float
    weight: float  # c_i: this answer's share of the score


def recommend(value: float, band: float) -> Recommendation:
    return model.OUTCOMES[model.outcome(value, band, EPSILON)]


def answered_order(bank: Bank) -> list[int]:
    """Question indices in the order `_answered` lists answers: by dimension, then in
    bank order (the batch scorer and its encoder lay their columns out in it)."""
    dim_index = {d.id: i for i, d in enumerate(bank.dimensions)}
    return sorted(
        range(len(bank.questions)), key=lambda i: (dim_index[bank.questions[i].dimension], i)
    )


def _answered(
    bank: Bank, answers: Mapping[str, str | None]
) -> tuple[dict[str, list[tuple[Question, int, float]]], list[_Answered]]:
    """The answers by dimension, and each answer with its share of the score."""
    weights = {d.id: d.weight for d in bank.dimensions}
    by_dimension: dict[str, list[tuple[Question, int, float]]] = {d.id: [] for d in bank.dimensions}
    for q in bank.questions:
        oid = answers.get(q.id)
        if oid is not None:
            position = next(i for i, o in enumerate(q.options) if o.id == oid)
            by_dimension[q.dimension].append((q, position, q.options[position].lean))

    answered_dims = [d for d, items in by_dimension.items() if items]
    total_weight = sum(weights[d] for d in answered_dims)
    answered: list[_Answered] = []
    for d in answered_dims:
        items = by_dimension[d]
        share = weights[d] / (len(items) * total_weight)
        answered += [_Answered(q, pos, lean, share) for q, pos, lean in items]
    return by_dimension, answered


def _value(answered: list[_Answered]) -> float:
    return 100.0 * sum(a.weight * a.lean for a in answered)


def side(bank: Bank, answers: Mapping[str, str | None]) -> Recommendation:
    """The side of the band the (unrounded) score is on: what the flip and the exact
    adaptive stop are about."""
    return recommend(_value(_answered(bank, answers)[1]), bank.thresholds.either)


class _Decision(msgspec.Struct, frozen=True):
    """What the answers decide, before any explanation of it."""

    by_dimension: dict[str, list[tuple[Question, int, float]]]
    answered: list[_Answered]
    value: float
    post: model.Posterior
    recommendation: Recommendation
    lead: int  # the most probable outcome's index in model.OUTCOMES
    chosen: list[int]  # an option index per question, in bank order (-1 = skipped)
    fold: model.Fold  # where the posterior got to: the flip's decisions start from it


def _decide(bank: Bank, answers: Mapping[str, str | None]) -> _Decision:
    by_dimension, answered = _answered(bank, answers)
    chosen = [
        next(i for i, o in enumerate(q.options) if o.id == answers[q.id])
        if answers.get(q.id) is not None
        else -1
        for q in bank.questions
    ]
    fold = model.Fold()
    post = model.posterior(model.tables(bank), chosen, fold)
    recommendation, lead = decide(post, bank.thresholds.min_answered_weight)
    return _Decision(
        by_dimension, answered, _value(answered), post, recommendation, lead, chosen, fold
    )


def score(
    bank: Bank,
    answers: Mapping[str, str | None],
    respondent: str | None = None,
    *,
    asked: Collection[str] | None = None,
) -> Result:
    """Score `answers` ({question id: option id or None}) against `bank`.

    `asked`, for a quiz that did not ask every question (the adaptive quiz), names the
    questions it asked: only those count as skipped when unanswered. The decision is
    about the whole bank either way."""
    problems = check_answers(bank, answers)
    if problems:
        raise InvalidAnswers(problems)
    decision = _decide(bank, answers)
    by_dimension, answered, value, post = (
        decision.by_dimension,
        decision.answered,
        decision.value,
        decision.post,
    )
    recommendation, lead = decision.recommendation, decision.lead
    probabilities = post.probabilities
    flip, flip_to = _flip(bank, answers, answered, decision)

    return Result(
        bank=BankRef(id=bank.id, version=bank.version, sha256=bank.sha256),
        respondent=respondent,
        answers={q.id: answers.get(q.id) for q in bank.questions},
        score=round(value, 2),
        interval=Interval(low=round(post.low, 2), high=round(post.high, 2)),
        recommendation=recommendation,
        confidence=round(probabilities[lead], 3),
        probabilities=Probabilities(
            B2B=round(probabilities[0], 3),
            either=round(probabilities[1], 3),
            B2C=round(probabilities[2], 3),
        ),
        dimensions=[
            DimensionScore(
                id=d.id,
                weight=d.weight,
                score=(
                    round(
                        100.0 * sum(x for _, _, x in by_dimension[d.id]) / len(by_dimension[d.id]),
                        2,
                    )
                    if by_dimension[d.id]
                    else None
                ),
                answered=len(by_dimension[d.id]),
                questions=sum(1 for q in bank.questions if q.dimension == d.id),
            )
            for d in bank.dimensions
        ],
        rationale=_rationale(answered, recommendation),
        flip=flip,
        flip_to=flip_to,
        flags=_flags(bank, answers, answered, post, asked),
    )


def decide(post: model.Posterior, min_share: float) -> tuple[Recommendation, int]:
    """The recommendation, and the index (in model.OUTCOMES) of the most probable outcome."""
    p = post.probabilities
    lead = max(range(3), key=lambda i: p[i])  # the first of equals
    if post.answered_share < min_share - EPSILON or post.answered_share <= 0:
        return "insufficient", lead
    if p[lead] >= DECIDE:
        return model.OUTCOMES[lead], lead
    return "too_close", lead


def toward(points: float) -> Toward:
    """The side an answer pushed toward, from the sign of its points."""
    return "B2C" if points > 0 else "B2B"


def _rationale(answered: list[_Answered], recommendation: Recommendation) -> list[RationaleItem]:
    """The answers that pushed hardest toward the recommended side, with the quotes that
    speak for that side; for any other decided outcome (balanced, undecided), the
    strongest on each side, at most `PER_SIDE` from either."""
    if recommendation == "insufficient":
        return []
    points = [(100.0 * a.weight * a.lean, a) for a in answered if a.lean != 0]
    if recommendation in ("B2C", "B2B"):
        sign = 1.0 if recommendation == "B2C" else -1.0
        ranked = sorted((p for p in points if sign * p[0] > 0), key=lambda p: -sign * p[0])
    else:
        ranked = []
        taken = {"B2B": 0, "B2C": 0}
        for p in sorted(points, key=lambda p: -abs(p[0])):
            side = toward(p[0])
            if taken[side] < PER_SIDE:
                taken[side] += 1
                ranked.append(p)
    return [
        RationaleItem(
            question=a.question.id,
            option=a.question.options[a.position].id,
            dimension=a.question.dimension,
            lean=a.lean,
            contribution=round(points_, 2),
            toward=toward(points_),
            sources=[
                QuoteOut(answer=s.answer, side=s.side, es=s.quote.es, en=s.quote.en)
                for s in a.question.sources
                if s.speaks_for(toward(points_))
            ],
        )
        for points_, a in ranked[:RATIONALE_SIZE]
    ]


def _greedy(answered: list[_Answered], direction: int) -> list[tuple[_Answered, str]]:
    """The changes toward one side (direction +1 up, -1 down), in the order the flip takes
    them: each answer to its option furthest that way, the largest score move first
    (ties by question id). Each change moves the score by 100 * c_i * (new - old)
    independently of the others, so the first k are the k that move it furthest."""
    moves = []
    for a in answered:
        best = max(a.question.options, key=lambda o: direction * o.lean)
        gain = 100.0 * a.weight * direction * (best.lean - a.lean)
        if gain > EPSILON:
            moves.append((gain, a, best.id))
    moves.sort(key=lambda m: (-m[0], m[1].question.id))
    return [(a, best) for _, a, best in moves]


def directions(recommendation: Recommendation, probabilities: tuple[float, ...]) -> tuple[int, ...]:
    """The sides a flip looks toward (+1 up, toward B2C; -1 down, toward B2B), the
    preferred one first: B2B looks up, B2C down, insufficient nowhere. A result on
    neither side (either, too_close) looks both ways, and when both need as many
    changes it goes toward the more probable side (up when those are equal)."""
    if recommendation == "insufficient":
        return ()
    if recommendation == "B2B":
        return (+1,)
    if recommendation == "B2C":
        return (-1,)
    return (-1, +1) if probabilities[0] > probabilities[2] else (+1, -1)


def _flip(
    bank: Bank,
    answers: Mapping[str, str | None],
    answered: list[_Answered],
    decision: _Decision,
) -> tuple[list[FlipChange], Recommendation | None]:
    """The fewest changes that change the recommendation, and what it becomes.

    Toward each side in `directions`, the changes are taken in `_greedy` order: k is
    the least number of them after which the answers get another recommendation
    (decided by the same rule as these). The model need not be monotone in the
    answers, so every k is tried in turn, both sides in step (the preferred side first
    at each k). The k-th change then uses the mildest option of its question, toward
    that side, that still changes the recommendation: the advice asks for no more than
    it must. No change in either direction changing it: no flip."""
    current = decision.recommendation
    ways = directions(current, decision.post.probabilities)
    sequences = {d: _greedy(answered, d) for d in ways}
    longest = max((len(s) for s in sequences.values()), default=0)
    tab = model.tables(bank)
    column = {q.id: j for j, q in enumerate(bank.questions)}
    minimum = bank.thresholds.min_answered_weight
    # Each side's answers with its first k changes made, folded from the last ones.
    changed = {d: decision.chosen[:] for d in ways}
    folds = {d: decision.fold.copy() for d in ways}

    def recommendation(d: int, question: Question, option: str) -> Recommendation:
        chosen = changed[d]
        chosen[column[question.id]] = next(
            i for i, o in enumerate(question.options) if o.id == option
        )
        return decide(model.posterior(tab, chosen, folds[d]), minimum)[0]

    for k in range(1, longest + 1):
        for d in ways:
            sequence = sequences[d]
            if k > len(sequence):
                continue
            last, furthest = sequence[k - 1]
            gets = recommendation(d, last.question, furthest)
            if gets == current:
                continue
            # The mildest option toward this side that still changes it (the furthest does).
            for option in sorted(last.question.options, key=lambda o: d * o.lean):
                if 100.0 * last.weight * d * (option.lean - last.lean) <= EPSILON:
                    continue
                to = gets if option.id == furthest else recommendation(d, last.question, option.id)
                if to != current:
                    chosen = [*sequence[: k - 1], (last, option.id)]
                    changes = [
                        FlipChange(
                            question=a.question.id, from_=a.question.options[a.position].id, to=new
                        )
                        for a, new in chosen
                    ]
                    return changes, to
    return [], None


def places(position: int, size: int) -> set[str]:
    """Where an option sits in its question: first, last, middle (the centre option, or
    either of the two central ones of an even number; none of two)."""
    found = set()
    if position == 0:
        found.add("first")
    if position == size - 1:
        found.add("last")
    if size >= 3 and position in ((size - 1) // 2, size // 2):
        found.add("middle")
    return found


def straight_line(answered: list[tuple[int, int, float]]) -> str | None:
    """How answers (position, number of options, lean) form a straight line, if they do:
    the same relative position throughout, or the same lean."""
    if len(answered) < STRAIGHT_LINE_MINIMUM:
        return None
    for place in ("first", "last", "middle"):
        if all(place in places(position, size) for position, size, _ in answered):
            return f"every answer is the {place} option of its question"
    if len({lean for _, _, lean in answered}) == 1:
        return f"every answer leans {answered[0][2]:+g}"
    return None


def _flags(
    bank: Bank,
    answers: Mapping[str, str | None],
    answered: list[_Answered],
    post: model.Posterior,
    asked: Collection[str] | None = None,
) -> list[Flag]:
    flags: list[Flag] = []
    line = straight_line([(a.position, len(a.question.options), a.lean) for a in answered])
    if line is not None:
        flags.append(
            Flag(code="straight_lining", questions=[a.question.id for a in answered], detail=line)
        )
    if len(answered) >= STRAIGHT_LINE_MINIMUM and post.random_ratio > MISFIT_RATIO:
        flags.append(
            Flag(
                code="misfit",
                questions=[a.question.id for a in answered],
                detail=MISFIT_DETAIL,
            )
        )
    put = [q.id for q in bank.questions if asked is None or q.id in asked]
    skipped = [qid for qid in put if answers.get(qid) is None]
    if put and len(skipped) / len(put) > bank.thresholds.many_skips + EPSILON:
        flags.append(
            Flag(
                code="many_skips",
                questions=skipped,
                detail=f"{len(skipped)} of {len(put)} questions skipped",
            )
        )
    return flags
