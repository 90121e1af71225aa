"""The adaptive exact stop against brute force: every completion scored by the engine.

The bound settles the side of the band the score is on (or that too little can be
answered), which is what the exact stop promises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from quiz_helpers import completions, make_bank, partial_answers, small_banks

from conftest import examples
from pmfit.bank.model import Bank
from pmfit.quiz.bound import current_value, reach
from pmfit.scoring.engine import score, side


def _brute(bank: Bank, answers: dict[str, str | None]) -> tuple[set[str], list[float]]:
    recommendations: set[str] = set()
    scores: list[float] = []
    for full in completions(bank, answers):
        result = score(bank, full)
        insufficient = result.recommendation == "insufficient"
        recommendations.add("insufficient" if insufficient else side(bank, full))
        if any(v is not None for v in full.values()):
            scores.append(result.score)
    return recommendations, scores


@settings(max_examples=examples(400), deadline=None)
@given(st.data())
def test_bound_matches_brute_force(data: st.DataObject) -> None:
    bank = data.draw(small_banks())
    answers = data.draw(partial_answers(bank))
    bound = reach(bank, answers)
    recommendations, scores = _brute(bank, answers)
    expected = next(iter(recommendations)) if len(recommendations) == 1 else None
    assert bound.decided == expected, (recommendations, bound)
    assert bound.insufficient_reachable == ("insufficient" in recommendations)
    if scores:
        # The engine rounds scores to 2 decimals.
        assert bound.low == pytest.approx(min(scores), abs=0.006)
        assert bound.high == pytest.approx(max(scores), abs=0.006)


@settings(max_examples=examples(200), deadline=None)
@given(st.data())
def test_current_value_is_the_engine_score(data: st.DataObject) -> None:
    bank = data.draw(small_banks())
    answers = data.draw(partial_answers(bank))
    assert current_value(bank, answers) == pytest.approx(score(bank, answers).score, abs=0.006)


def test_a_new_dimension_makes_the_score_nonlinear() -> None:
    # d0 (weight 1) answered +1; one open question in d1 (weight 3) with leans -1..+1.
    # Its answer -1 gives (1 - 3) / 4 = -50, skipping keeps +100: the reach is -50..+100,
    # which a bound linear in the remaining leans would get wrong.
    bank = make_bank(
        [("d0", 1.0), ("d1", 3.0)],
        [("q0", "d0", [-1.0, 1.0]), ("q1", "d1", [-1.0, 0.0, 1.0])],
        min_dims=0.5,
    )
    bound = reach(bank, {"q0": "o1"})
    assert (bound.low, bound.high) == (pytest.approx(-50.0), pytest.approx(100.0))
    assert bound.decided is None


def test_settled_when_no_completion_can_cross_the_band() -> None:
    bank = make_bank(
        [("d0", 3.0), ("d1", 1.0)],
        [("q0", "d0", [-1.0, 1.0]), ("q1", "d0", [-1.0, 1.0]), ("q2", "d1", [-0.5, 0.5])],
        either=15.0,
        min_dims=0.5,
    )
    # d0 = +1 from two answers; q2 at worst: (3*1 - 0.5) / 4 = 62.5 > 15.
    bound = reach(bank, {"q0": "o1", "q1": "o1"})
    assert bound.decided == "B2C"
    assert bound.low == pytest.approx(62.5)
