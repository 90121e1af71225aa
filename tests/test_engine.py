"""The scoring engine: worked examples and Hypothesis properties."""

from __future__ import annotations

import itertools
import math

import msgspec
import pytest
from banks import banks_with_answers, make_bank
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank
from pmfit.scoring.engine import PER_SIDE, InvalidAnswers, score

MIRROR = {"B2B": "B2C", "B2C": "B2B", "either": "either", "insufficient": "insufficient"}


def mirrored(bank: Bank) -> Bank:
    return msgspec.structs.replace(
        bank,
        questions=[
            msgspec.structs.replace(
                q, options=[msgspec.structs.replace(o, lean=-o.lean) for o in q.options]
            )
            for q in bank.questions
        ],
    )


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
    assert result.interval.low < result.score < result.interval.high == 100.0
    # The strongest push toward B2C first: buyer-1 carries 2/7.5 of the score.
    assert [r.question for r in result.rationale] == [
        "buyer-1",
        "problem-1",
        "problem-2",
        "release-1",
    ]
    assert result.rationale[0].contribution == 26.67
    assert result.rationale[0].sources[0].answer == 4


def test_fewer_than_half_the_dimensions_is_insufficient() -> None:
    bank = load_bank(MINI)
    one = score(bank, {"problem-1": "c"})
    assert one.recommendation == "insufficient" and one.confidence == 0.0
    assert one.flip == [] and one.rationale == []
    two = score(bank, {"problem-1": "c", "buyer-1": "a"})
    assert two.recommendation == "B2C"
    nothing = score(bank, {})
    assert (nothing.score, nothing.interval.low, nothing.interval.high) == (0.0, -100.0, 100.0)


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
    assert result.confidence < 0.75
    assert result.interval.high - result.interval.low > 30
    # ...whereas all-strong-B2C answers are confidently B2C.
    strong = score(bank, {q.id: max(q.options, key=lambda o: o.lean).id for q in bank.questions})
    assert strong.recommendation == "B2C" and strong.confidence > 0.95


def test_flags() -> None:
    bank = load_bank(MINI)
    first = {q.id: q.options[0].id for q in bank.questions}
    codes = [f.code for f in score(bank, first).flags]
    # Every first option, and problem-1 (a: -1) with problem-2 (a: +1) disagree strongly.
    assert codes == ["straight_lining", "contradiction"]
    contradiction = score(bank, first).flags[1]
    assert contradiction.questions == ["problem-1", "problem-2"]
    skips = score(bank, {"problem-1": "a", "buyer-1": "a", "release-1": "a"}).flags
    assert [f.code for f in skips] == ["many_skips"]
    assert skips[0].detail == "5 of 8 questions skipped"
    consistent = {q.id: max(q.options, key=lambda o: o.lean).id for q in bank.questions}
    assert score(bank, consistent).flags == []


@settings(max_examples=300, deadline=None)
@given(banks_with_answers())
def test_score_interval_and_confidence_are_bounded(
    case: tuple[Bank, dict[str, str | None]],
) -> None:
    bank, answers = case
    result = score(bank, answers)
    assert -100 <= result.score <= 100
    assert -100 <= result.interval.low <= result.score + 0.01
    assert result.score - 0.01 <= result.interval.high <= 100
    assert 0 <= result.confidence <= 1
    for d in result.dimensions:
        assert d.score is None or -100 <= d.score <= 100


@settings(max_examples=300, deadline=None)
@given(banks_with_answers())
def test_mirroring_every_lean_mirrors_the_result(case: tuple[Bank, dict[str, str | None]]) -> None:
    bank, answers = case
    result, mirror = score(bank, answers), score(mirrored(bank), answers)
    assert mirror.score == -result.score
    assert mirror.recommendation == MIRROR[result.recommendation]
    assert mirror.confidence == result.confidence
    assert (mirror.interval.low, mirror.interval.high) == (
        -result.interval.high,
        -result.interval.low,
    )


@settings(max_examples=300, deadline=None)
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
    before = score(bank, answers).score
    after = score(bank, {**answers, q.id: new.id}).score
    assert after >= before


@settings(max_examples=100, deadline=None)
@given(banks_with_answers())
def test_scoring_is_deterministic_to_the_byte(case: tuple[Bank, dict[str, str | None]]) -> None:
    bank, answers = case
    copy = msgspec.json.decode(msgspec.json.encode(bank), type=Bank)
    reordered = dict(reversed(list(answers.items())))
    assert msgspec.json.encode(score(bank, answers)) == msgspec.json.encode(score(copy, reordered))


def _changed(bank: Bank, answers: dict[str, str | None], changes: dict[str, str]) -> str:
    return score(bank, {**answers, **changes}).recommendation


@settings(max_examples=150, deadline=None)
@given(banks_with_answers())
def test_flip_is_the_fewest_changes_that_change_the_recommendation(
    case: tuple[Bank, dict[str, str | None]],
) -> None:
    bank, answers = case
    result = score(bank, answers)
    if result.recommendation == "insufficient":
        assert result.flip == []
        return
    answered = [q for q in bank.questions if answers[q.id] is not None]
    flip = {c.question: c.to for c in result.flip}
    for c in result.flip:
        assert c.from_ == answers[c.question] != c.to
    if flip:
        assert _changed(bank, answers, flip) != result.recommendation
    # Brute force: no smaller set of changes to answered questions changes it.
    limit = len(flip) if flip else len(answered) + 1
    for size in range(1, limit):
        for questions in itertools.combinations(answered, size):
            options = [[o.id for o in q.options if o.id != answers[q.id]] for q in questions]
            for chosen in itertools.product(*options):
                changes = dict(zip((q.id for q in questions), chosen, strict=True))
                assert _changed(bank, answers, changes) == result.recommendation, changes


def test_flip_uses_the_mildest_last_change() -> None:
    bank = make_bank([1.0], [(0, [-1, 0, 1]), (0, [-1, 0, 1])], either=15)
    result = score(bank, {"q0": "o2", "q1": "o2"})  # score 100
    # Moving one answer to the neutral option gives 50 (still B2C); to -1 gives 0 (either).
    assert [(c.question, c.to) for c in result.flip] == [("q0", "o0")]
    either = score(bank, {"q0": "o2", "q1": "o0"})  # score 0: one mild move leaves the band
    assert either.recommendation == "either"
    assert len(either.flip) == 1 and either.flip[0].to == "o1"
    assert math.isclose(score(bank, {"q0": "o2", "q1": "o1"}).score, 50.0)


@settings(max_examples=200, deadline=None)
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


def test_an_either_result_shows_the_strongest_reasons_on_both_sides() -> None:
    # Four strong B2C answers and two B2B answers in one dimension: score +33 would be
    # B2C, so a wide band (40) makes it "either"; by strength alone all five would be B2C.
    bank = make_bank([1.0], [(0, [-1, 1])] * 6, either=40)
    answers = {"q0": "o1", "q1": "o1", "q2": "o1", "q3": "o1", "q4": "o0", "q5": "o0"}
    result = score(bank, answers)
    assert result.recommendation == "either"
    assert [(r.question, r.toward) for r in result.rationale] == [
        ("q0", "B2C"),
        ("q1", "B2C"),
        ("q2", "B2C"),
        ("q4", "B2B"),
        ("q5", "B2B"),
    ]
    assert [s.es for s in result.rationale[3].sources] == ["cita q4 B2B", "cita q4 both"]


@settings(max_examples=150, deadline=None)
@given(banks_with_answers())
def test_flip_to_is_what_the_changed_answers_get(case: tuple[Bank, dict[str, str | None]]) -> None:
    bank, answers = case
    result = score(bank, answers)
    if not result.flip:
        assert result.flip_to is None
        return
    changed = score(bank, {**answers, **{c.question: c.to for c in result.flip}})
    assert result.flip_to == changed.recommendation != result.recommendation


def test_flip_to_can_jump_past_the_band() -> None:
    # One heavy answer from +1 to -1 carries the score from +50 to -50: B2B, not "either".
    bank = make_bank([3.0, 1.0], [(0, [-1, 1]), (1, [-1, 1])], either=15)
    result = score(bank, {"q0": "o1", "q1": "o0"})
    assert (result.recommendation, result.score) == ("B2C", 50.0)
    assert [(c.question, c.to) for c in result.flip] == [("q0", "o0")]
    assert result.flip_to == "B2B"
