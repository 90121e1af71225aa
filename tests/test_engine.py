"""The scoring engine: worked examples and Hypothesis properties."""

from __future__ import annotations

import math

import msgspec
import pytest
from banks import banks_with_answers, make_bank, mirrored
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MINI, examples
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank
from pmfit.scoring.engine import PER_SIDE, InvalidAnswers, score

MIRROR = {
    "B2B": "B2C",
    "B2C": "B2B",
    "either": "either",
    "too_close": "too_close",
    "insufficient": "insufficient",
}


def test_worked_example_on_the_mini_bank() -> None:
    bank = load_bank(MINI)
    # problem_focus (w3): +1 and +1 -> 1; buyer_user (w2): +1; release (w1.5): +1;
    # risk_reward (w1): -1.  (3 + 2 + 1.5 - 1) / 7.5 = 0.7333
    result = score(
        bank, {"problem-1": "c", "problem-2": "a", "buyer-1": "a", "release-1": "b", "risk-1": "b"}
    )
    assert result.score == 73.33
    assert result.recommendation == "B2C"
    assert [d.score for d in result.dimensions] == [100.0, 100.0, 100.0, -100.0]
    assert [d.answered for d in result.dimensions] == [2, 1, 1, 1]
    # Five answers of eight: B2C is likely, not certain.
    assert 0.75 <= result.confidence < 0.95
    assert result.confidence == result.probabilities.B2C
    assert result.interval.low < result.interval.high < 100.0
    # The strongest push toward B2C first: buyer-1 carries 2/7.5 of the score.
    assert [r.question for r in result.rationale] == [
        "buyer-1",
        "problem-1",
        "problem-2",
        "release-1",
    ]
    assert result.rationale[0].contribution == 26.67
    assert result.rationale[0].sources[0].answer == 4


def test_sufficiency_is_by_the_weight_answered() -> None:
    bank = load_bank(MINI)  # weights 3, 2, 1.5, 1 over 2 questions each: 7.5
    # risk-1 settles 1 / 7.5 / 2 = 6.7% of the score: too little to say.
    one = score(bank, {"risk-1": "a"})
    assert one.recommendation == "insufficient"
    assert one.flip == [] and one.rationale == []
    # One answer in the heaviest dimension settles 3 / 7.5 / 2 = 20%: still too little
    # (the default minimum is 25%), however strong.
    assert score(bank, {"problem-1": "c"}).recommendation == "insufficient"
    # With a second dimension's answer, 33%: the probabilities decide, and two answers
    # that disagree decide nothing.
    split = score(bank, {"problem-1": "c", "buyer-1": "b"})
    assert split.recommendation == "too_close" and split.confidence < 0.75
    nothing = score(bank, {})
    assert nothing.recommendation == "insufficient" and nothing.score == 0.0


def test_one_answer_does_not_stand_in_for_a_dimension() -> None:
    bank = load_bank()  # the shipped bank
    b2b = {q.id: min(q.options, key=lambda o: o.lean).id for q in bank.questions}
    # Every question of the two heaviest dimensions: 27% of the weight, six answers.
    heavy = {
        q.id: b2b[q.id] for q in bank.questions if q.dimension in ("problem_focus", "buyer_user")
    }
    assert score(bank, heavy).recommendation == "B2B"
    # One answer in each of the six lightest dimensions: as many answers, 18% of the weight.
    light, seen = {}, set()
    for q in sorted(
        bank.questions, key=lambda q: next(d.weight for d in bank.dimensions if d.id == q.dimension)
    ):
        if q.dimension not in seen and len(seen) < 6:
            seen.add(q.dimension)
            light[q.id] = b2b[q.id]
    assert score(bank, light).recommendation == "insufficient"


def test_unknown_question_or_option_is_rejected() -> None:
    bank = load_bank(MINI)
    with pytest.raises(InvalidAnswers) as caught:
        score(bank, {"nope": "a", "problem-1": "z"})
    assert caught.value.problems == [
        "unknown question 'nope'",
        "question 'problem-1': unknown option 'z' (allowed: a, b, c)",
    ]


def test_even_split_of_strong_answers_is_not_confident() -> None:
    bank = load_bank()  # the shipped bank
    extremes = {}
    for i, q in enumerate(bank.questions):
        ranked = sorted(q.options, key=lambda o: o.lean)
        extremes[q.id] = (ranked[0] if i % 2 else ranked[-1]).id
    result = score(bank, extremes)
    assert abs(result.score) < 40
    assert result.recommendation == "too_close" and result.confidence < 0.75
    assert result.interval.high - result.interval.low > 30
    # ...whereas all-strong-B2C answers are confidently B2C.
    strong = score(bank, {q.id: max(q.options, key=lambda o: o.lean).id for q in bank.questions})
    assert strong.recommendation == "B2C" and strong.confidence > 0.95


def test_flags() -> None:
    bank = load_bank(MINI)
    first = score(bank, {q.id: q.options[0].id for q in bank.questions}).flags
    assert [f.code for f in first] == ["straight_lining"]
    assert first[0].detail == "every answer is the first option of its question"
    last = score(bank, {q.id: q.options[-1].id for q in bank.questions}).flags
    assert last[0].detail == "every answer is the last option of its question"
    skips = score(bank, {"problem-1": "a", "buyer-1": "a", "release-1": "a"}).flags
    assert [f.code for f in skips] == ["many_skips"]
    assert skips[0].detail == "5 of 8 questions skipped"
    consistent = {q.id: max(q.options, key=lambda o: o.lean).id for q in bank.questions}
    assert score(bank, consistent).flags == []


# Uniformly random answers to the shipped bank (random.Random(0)): ten times likelier
# at random than under any position of the model.
RANDOM = "baadeceabcedcbdccacadecbbacab"


def test_misfit_flags_answers_that_fit_random_choice() -> None:
    bank = load_bank()
    answers = {q.id: o for q, o in zip(bank.questions, RANDOM, strict=True)}
    flags = score(bank, answers).flags
    assert [f.code for f in flags] == ["misfit"]
    assert flags[0].detail == (
        "the answers fit random choice ten times better than a consistent preference"
    )
    # Every answer one step toward the middle makes them consistent enough.
    middle = score(bank, {q.id: q.options[len(q.options) // 2].id for q in bank.questions})
    assert "misfit" not in [f.code for f in middle.flags]
    # ...and all-middle answers are a straight line (the middle option), flagged as such.
    assert [f.code for f in middle.flags] == ["straight_lining"]
    assert middle.flags[0].detail == "every answer is the middle option of its question"


@settings(max_examples=examples(300), deadline=None)
@given(banks_with_answers())
def test_score_interval_and_confidence_are_bounded(
    case: tuple[Bank, dict[str, str | None]],
) -> None:
    bank, answers = case
    result = score(bank, answers)
    assert -100 <= result.score <= 100
    assert -100 <= result.interval.low <= result.interval.high <= 100
    p = result.probabilities
    assert sum((p.B2B, p.either, p.B2C)) == pytest.approx(1.0, abs=0.002)
    assert result.confidence == max(p.B2B, p.either, p.B2C)
    if result.recommendation in ("B2B", "either", "B2C"):
        assert getattr(p, result.recommendation) == result.confidence >= 0.75
    for d in result.dimensions:
        assert d.score is None or -100 <= d.score <= 100


@settings(max_examples=examples(300), deadline=None)
@given(banks_with_answers())
def test_mirroring_every_lean_mirrors_the_result(case: tuple[Bank, dict[str, str | None]]) -> None:
    bank, answers = case
    result, mirror = score(bank, answers), score(mirrored(bank), answers)
    assert mirror.score == -result.score
    assert mirror.recommendation == MIRROR[result.recommendation]
    assert mirror.confidence == result.confidence
    p, q = result.probabilities, mirror.probabilities
    assert (q.B2B, q.either, q.B2C) == (p.B2C, p.either, p.B2B)
    assert [f.code for f in mirror.flags] == [f.code for f in result.flags]
    assert (mirror.interval.low, mirror.interval.high) == (
        -result.interval.high,
        -result.interval.low,
    )


@settings(max_examples=examples(300), deadline=None)
@given(banks_with_answers(), st.data())
def test_a_more_b2c_answer_never_lowers_the_score(
    case: tuple[Bank, dict[str, str | None]], data: st.DataObject
) -> None:
    bank, answers = case
    answered = [q for q in bank.questions if answers[q.id] is not None]
    if not answered:
        return
    q = data.draw(st.sampled_from(answered))
    current = next(o for o in q.options if o.id == answers[q.id])
    higher = [o for o in q.options if o.lean >= current.lean]
    new = data.draw(st.sampled_from(higher))
    before = score(bank, answers)
    after = score(bank, {**answers, q.id: new.id})
    assert after.score >= before.score
    # The probabilities are not monotone answer by answer, and are not tested as if they
    # were: the model sums over noise levels, so an answer that makes the others look more
    # (or less) consistent narrows (or widens) the posterior, which can move a tail
    # probability against the answer (Hypothesis found P(B2C) 0.154 -> 0.148 for a lean
    # of -0.7 -> -0.6, and P(B2B) 0.036 -> 0.037). The README says so. What is kept:
    # ...a more B2C answer never turns a B2C recommendation into another one, nor another
    # into B2B.
    if before.recommendation == "B2C" and after.recommendation != "insufficient":
        assert after.recommendation == "B2C"
    if after.recommendation == "B2B":
        assert before.recommendation in ("B2B", "insufficient")


@settings(max_examples=examples(100), deadline=None)
@given(banks_with_answers())
def test_scoring_is_deterministic_to_the_byte(case: tuple[Bank, dict[str, str | None]]) -> None:
    bank, answers = case
    copy = msgspec.json.decode(msgspec.json.encode(bank), type=Bank)
    reordered = dict(reversed(list(answers.items())))
    assert msgspec.json.encode(score(bank, answers)) == msgspec.json.encode(score(copy, reordered))


@settings(max_examples=examples(200), deadline=None)
@given(banks_with_answers())
def test_every_reason_says_its_push_and_keeps_only_quotes_for_it(
    case: tuple[Bank, dict[str, str | None]],
) -> None:
    bank, answers = case
    result = score(bank, answers)
    for item in result.rationale:
        # The sign of the contribution (a rounded -0.0 included) is the push.
        assert math.copysign(1, item.contribution) == (-1 if item.toward == "B2B" else 1)
        # No quote that argues for the other side; every quote that speaks for this one.
        assert all(s.side in (item.toward, "both") for s in item.sources)
        assert [s.es for s in item.sources] == [
            s.quote.es
            for s in bank.question(item.question).sources
            if s.side in (item.toward, "both")
        ]
    towards = [item.toward for item in result.rationale]
    if result.recommendation in ("B2B", "B2C"):
        assert set(towards) <= {result.recommendation}
    elif result.recommendation != "insufficient":
        # Neither side: the strongest reasons on both sides, as far as the answers have them.
        pushes = {
            "B2C" if lean > 0 else "B2B"
            for q in bank.questions
            if answers[q.id] is not None
            for lean in [next(o.lean for o in q.options if o.id == answers[q.id])]
            if lean != 0
        }
        assert set(towards) == pushes
        assert max(towards.count("B2B"), towards.count("B2C")) <= PER_SIDE


def test_a_result_on_neither_side_shows_the_strongest_reasons_on_both_sides() -> None:
    # Three strong B2C answers and three strong B2B ones in one dimension: too close to
    # call; by strength alone (all equal) the first five would be taken, in order.
    bank = make_bank([1.0], [(0, [-1, 1])] * 6, either=15)
    answers = {"q0": "o1", "q1": "o0", "q2": "o1", "q3": "o1", "q4": "o0", "q5": "o0"}
    result = score(bank, answers)
    assert result.recommendation == "too_close"
    assert [(r.question, r.toward) for r in result.rationale] == [
        ("q0", "B2C"),
        ("q1", "B2B"),
        ("q2", "B2C"),
        ("q3", "B2C"),
        ("q4", "B2B"),
    ]
    assert [s.es for s in result.rationale[1].sources] == ["cita q1 B2B", "cita q1 both"]


def test_the_normal_tail_is_close_to_the_exact_one() -> None:
    from pmfit.scoring.model import upper_tail

    for i in range(-900, 901):
        z = i / 100
        assert upper_tail(z) == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)), abs=1e-5)


def test_a_bank_of_one_dimension_is_read_with_one_position() -> None:
    """With one dimension the respondent's position is the dimension's: the per-dimension
    part is left out, and ten middle answers are balanced (not blurred into too_close)."""
    from banks import make_bank

    from pmfit.scoring.model import ONE_POSITION, tables

    five = [-1.0, -0.5, 0.0, 0.5, 1.0]
    one = make_bank([1.0], [(0, five)] * 10)
    assert tables(one).one_position == 1.0
    assert score(one, {f"q{j}": "o2" for j in range(10)}).recommendation == "either"
    two = make_bank([1.0, 1.0], [(0, five), (1, five)] * 5)
    assert tables(two).one_position == ONE_POSITION < 1.0


@settings(max_examples=examples(100), deadline=None)
@given(st.data())
def test_a_folded_posterior_is_the_posterior_folded_afresh(data: st.DataObject) -> None:
    """`model.Fold` starts each answer set from the last one's state where they agree:
    over a run of answer sets, each a few changes from the one before (as the flip's), it
    gives the floats that folding each afresh gives."""
    from pmfit.scoring.model import Fold, posterior, tables

    bank, answers = data.draw(banks_with_answers())
    tab = tables(bank)
    chosen = [
        -1 if answers[q.id] is None else [o.id for o in q.options].index(answers[q.id])
        for q in bank.questions
    ]
    fold = Fold()
    for _ in range(data.draw(st.integers(1, 6))):
        assert posterior(tab, chosen, fold) == posterior(tab, chosen)
        twin = fold.copy() if data.draw(st.booleans()) else fold
        for _ in range(data.draw(st.integers(0, 2))):
            j = data.draw(st.integers(0, len(bank.questions) - 1))
            chosen[j] = data.draw(st.integers(-1, len(bank.questions[j].options) - 1))
        fold = twin
