"""The quiz's pure core: navigation, keys, the adaptive order, saved progress."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from quiz_helpers import small_banks

from conftest import MINI, examples
from pmfit.bank.loading import load_bank
from pmfit.quiz import keys
from pmfit.quiz.bound import reach
from pmfit.quiz.progress import ProgressError, discard, load, progress_path, restore, save
from pmfit.quiz.session import STOP_CONFIDENCE, Session, estimated_minutes

BANK = load_bank(MINI)


def test_linear_navigation_back_and_change() -> None:
    s = Session.start(BANK)
    assert s.current() is not None and s.current().id == "problem-1"
    assert not s.back()
    s.answer("a")
    s.answer(None)
    assert s.number == 3
    assert s.back() and s.current().id == "buyer-1"
    assert s.reached() and s.previous_answer() is None
    s.answer("b")
    assert s.answers == {"problem-1": "a", "buyer-1": "b"}
    with pytest.raises(ValueError):
        s.answer("zz")
    while s.current() is not None:
        s.answer(None)
    assert s.position == s.total == 8
    assert s.stop is None
    with pytest.raises(IndexError):
        s.answer(None)


def test_short_form_asks_only_short_questions() -> None:
    s = Session.start(BANK, "short")
    assert s.order == [q.id for q in BANK.questions if q.short]


def test_keys_at_a_terminal() -> None:
    q = BANK.question("problem-1")
    assert keys.interactive("2\n", q, False) == keys.Answer("b")
    assert keys.interactive(" B \n", q, False) == keys.Do("back")
    assert keys.interactive("s", q, False) == keys.Do("skip")
    assert keys.interactive("?", q, False) == keys.Do("why")
    assert keys.interactive("q", q, False) == keys.Do("quit")
    assert keys.interactive("Help", q, False) == keys.Do("help")
    assert keys.interactive("\n", q, True) == keys.Do("keep")
    assert keys.interactive("\n", q, False) == keys.Invalid("\n", blank=True)
    assert keys.interactive("4", q, False) == keys.Invalid("4")
    assert keys.interactive("c", q, False) == keys.Invalid("c")  # ids are for pipes
    assert keys.interactive("²", q, False) == keys.Invalid("²")


def test_keys_from_a_pipe() -> None:
    q = BANK.question("problem-1")
    assert keys.piped("b\n", q) == keys.Answer("b")  # an option id, not "back"
    assert keys.piped("3\n", q) == keys.Answer("c")
    assert keys.piped("  \n", q) == keys.Do("skip")
    assert keys.piped("x", q) == keys.Invalid("x")


@settings(max_examples=examples(60), deadline=None)
@given(st.data())
def test_adaptive_stops_exactly_when_the_bound_settles(data: st.DataObject) -> None:
    bank = data.draw(small_banks())
    s = Session.start(bank, adaptive=True, exact=True)
    while (q := s.current()) is not None:
        # Asked only while the result is not settled exactly on its side.
        if s.answers:
            settled = reach(bank, s.answers).decided
            assert settled is None or settled != s.result().recommendation
        s.answer(data.draw(st.sampled_from([None, *(o.id for o in q.options)])))
    assert len(set(s.order)) == len(s.order)
    if s.stop is not None:
        assert s.stop.asked == len(s.order) < s.total
        assert s.stop.kind == "exact"
        assert s.stop.reach.decided == s.result().recommendation


def test_adaptive_asks_the_heaviest_questions_first() -> None:
    s = Session.start(BANK, adaptive=True)
    # Weight share times the spread of the leans: problem-1 and problem-2 (weight 3 of
    # 7.5, over two questions, spread 2) first, in bank order.
    assert s.current().id == "problem-1"
    s.answer("c")
    assert s.current().id == "problem-2"


def test_adaptive_stops_when_the_result_is_decided_with_confidence() -> None:
    bank = load_bank()  # the shipped bank
    s = Session.start(bank, adaptive=True)
    while (q := s.current()) is not None:
        s.answer(max(q.options, key=lambda o: o.lean).id)  # every answer wholly B2C
    assert s.stop is not None and s.stop.kind == "predictive"
    # The exact bound would need far more answers: the rest could still drag the score down.
    assert reach(bank, s.answers).decided is None
    exact = Session.start(bank, adaptive=True, exact=True)
    while (q := exact.current()) is not None:
        exact.answer(max(q.options, key=lambda o: o.lean).id)
    assert exact.stop is not None and exact.stop.kind == "exact"
    assert s.stop.asked < exact.stop.asked < exact.total
    assert s.stop.asked < 10
    result = s.result()
    assert result.recommendation == "B2C" and result.confidence >= STOP_CONFIDENCE


def test_progress_round_trip(tmp_path: Path) -> None:
    path = progress_path(BANK.id, "full", False, tmp_path)
    s = Session.start(BANK)
    s.answer("c")
    s.answer(None)
    s.back()
    save(s, "es", path, BANK.sha256)
    saved = load(path)
    assert saved is not None and saved.lang == "es" and saved.position == 1
    restored = restore(saved, BANK)
    assert not restored.bank_changed and restored.dropped == []
    assert restored.session.answers == {"problem-1": "c", "buyer-1": None}
    assert restored.session.position == 1
    discard(path)
    assert load(path) is None


def test_progress_is_saved_in_the_state_directory(tmp_path: Path) -> None:
    # conftest points XDG_STATE_HOME at tmp_path / "state".
    assert progress_path("mini", "short", True).is_relative_to(tmp_path / "state")


def test_damaged_progress_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{not json")
    with pytest.raises(ProgressError):
        load(path)
    path.write_text(json.dumps({"version": 99}))
    with pytest.raises(ProgressError):
        load(path)


def test_restore_on_a_changed_bank_keeps_what_still_fits(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    s = Session.start(BANK)
    for option in ("c", "a", "b"):
        s.answer(option)
    save(s, "en", path, "old-hash")
    saved = load(path)
    assert saved is not None
    changed = msgspec.structs.replace(
        BANK, questions=[q for q in BANK.questions if q.id != "buyer-1"]
    )
    restored = restore(saved, changed)
    assert restored.bank_changed
    assert restored.dropped == ["buyer-1"]
    assert restored.session.answers == {"problem-1": "c", "release-1": "b"}
    # Resumes at the first question not yet reached in the new order.
    assert restored.session.current().id == "risk-1"


def test_estimated_minutes_grow_with_the_reading() -> None:
    assert (
        1 <= estimated_minutes(BANK.questions, "en") < estimated_minutes(BANK.questions * 10, "en")
    )
