"""What would change the result: the fewest answer changes that change the recommendation."""

from __future__ import annotations

from banks import banks_with_answers, make_bank, mirrored
from hypothesis import given, settings

from conftest import examples
from pmfit.bank.model import Bank
from pmfit.scoring.engine import score

Answers = dict[str, str | None]


def _recommendation(bank: Bank, answers: Answers, changes: dict[str, str]) -> str:
    return score(bank, {**answers, **changes}).recommendation


def _lean(bank: Bank, question: str, option: str | None) -> float:
    return next(o.lean for o in bank.question(question).options if o.id == option)


def _greedy(bank: Bank, answers: Answers, direction: int) -> list[tuple[str, str]]:
    """The changes toward one side (+1 up, -1 down) in the order the flip takes them:
    the largest score move first (ties by question id), each to the furthest option."""
    weights = {d.id: d.weight for d in bank.dimensions}
    answered = [q for q in bank.questions if answers[q.id] is not None]
    counts = {d: sum(1 for q in answered if q.dimension == d) for d in weights}
    total = sum(weights[d] for d in weights if counts[d])
    moves = []
    for q in answered:
        share = weights[q.dimension] / (counts[q.dimension] * total)
        best = max(q.options, key=lambda o: direction * o.lean)
        gain = 100.0 * share * direction * (best.lean - _lean(bank, q.id, answers[q.id]))
        if gain > 1e-9:
            moves.append((-gain, q.id, best.id))
    return [(qid, best) for _, qid, best in sorted(moves)]


@settings(max_examples=examples(200), deadline=None)
@given(banks_with_answers())
def test_the_flip_is_the_fewest_greedy_changes_that_change_the_recommendation(
    case: tuple[Bank, Answers],
) -> None:
    bank, answers = case
    result = score(bank, answers)
    current = result.recommendation
    if current == "insufficient":
        assert (result.flip, result.flip_to) == ([], None)
        return
    ways = {"B2B": [+1], "B2C": [-1]}.get(current, [+1, -1])
    sequences = {d: _greedy(bank, answers, d) for d in ways}
    k = len(result.flip)
    # No shorter prefix of the greedy changes, toward any side looked at, changes it
    # (and with no flip, none at all does).
    for d in ways:
        for j in range(1, min(k - 1 if k else len(sequences[d]), len(sequences[d])) + 1):
            assert _recommendation(bank, answers, dict(sequences[d][:j])) == current
    if not k:
        assert result.flip_to is None
        return
    changes = {c.question: c.to for c in result.flip}
    assert result.flip_to == _recommendation(bank, answers, changes) != current
    for c in result.flip:
        assert c.from_ == answers[c.question] != c.to
    first = result.flip[0]
    d = (
        1
        if _lean(bank, first.question, first.to) > _lean(bank, first.question, first.from_)
        else -1
    )
    assert d in ways
    # The flip is that side's first k greedy changes, the last to the mildest option
    # toward that side that changes the recommendation.
    prefix = sequences[d][: k - 1]
    assert [(c.question, c.to) for c in result.flip[:-1]] == prefix
    last = result.flip[-1]
    assert last.question == sequences[d][k - 1][0]
    was, now = _lean(bank, last.question, last.from_), _lean(bank, last.question, last.to)
    for option in bank.question(last.question).options:
        if d * was < d * option.lean < d * now:
            moved = {**dict(prefix), last.question: option.id}
            assert _recommendation(bank, answers, moved) == current
    # Both sides as short: the more probable side (its rounded probability says so when
    # it differs), else up.
    other = sequences.get(-d, [])
    p = result.probabilities
    if (
        len(ways) == 2
        and len(other) >= k
        and p.B2B != p.B2C
        and _recommendation(bank, answers, dict(other[:k])) != current
    ):
        assert d == (-1 if p.B2B > p.B2C else 1)


def _flip(bank: Bank, answers: Answers) -> tuple[str, list[tuple[str, str, str]], str | None]:
    result = score(bank, answers)
    return (
        result.recommendation,
        [(c.question, c.from_ or "", c.to) for c in result.flip],
        result.flip_to,
    )


FIVE = make_bank([1.0], [(0, [-1, -0.5, 0, 0.5, 1])] * 8, either=15)


def test_b2b_looks_toward_b2c_and_the_last_change_is_the_mildest() -> None:
    answers: Answers = {f"q{j}": "o0" for j in range(8)}
    # Two answers moved to the other end leave it B2B; the third moved halfway does not.
    assert _flip(FIVE, answers) == (
        "B2B",
        [("q0", "o0", "o4"), ("q1", "o0", "o4"), ("q2", "o0", "o3")],
        "too_close",
    )
    assert _recommendation(FIVE, answers, {"q0": "o4", "q1": "o4", "q2": "o2"}) == "B2B"
    # B2C mirrors it, toward B2B.
    assert _flip(mirrored(FIVE), answers) == (
        "B2C",
        [("q0", "o0", "o4"), ("q1", "o0", "o4"), ("q2", "o0", "o3")],
        "too_close",
    )


def test_either_changes_to_whatever_comes_first() -> None:
    answers: Answers = {f"q{j}": "o2" for j in range(8)}
    # One answer at the B2C end makes balanced answers too close to call; halfway does not.
    assert _flip(FIVE, answers) == ("either", [("q0", "o2", "o4")], "too_close")
    assert _recommendation(FIVE, answers, {"q0": "o3"}) == "either"


TWO_DIMENSIONS = make_bank([2.0, 1.0], [(0, [-1, 0, 1])] * 3 + [(1, [-1, 0, 1])] * 3, either=15)


def _answers(options: list[int]) -> Answers:
    return {f"q{j}": f"o{k}" for j, k in enumerate(options)}


def test_too_close_goes_to_the_side_needing_fewer_changes() -> None:
    answers = _answers([0, 0, 1, 1, 2, 2])
    result = score(TWO_DIMENSIONS, answers)
    # B2B is the more probable side, yet B2C is two changes away and B2B further.
    assert result.probabilities.B2B > result.probabilities.B2C
    assert _flip(TWO_DIMENSIONS, answers) == (
        "too_close",
        [("q0", "o0", "o2"), ("q1", "o0", "o2")],
        "B2C",
    )
    down = _greedy(TWO_DIMENSIONS, answers, -1)
    assert _recommendation(TWO_DIMENSIONS, answers, dict(down[:2])) == "too_close"


def test_a_tie_goes_to_the_more_probable_side() -> None:
    answers = _answers([0, 0, 0, 2, 2, 2])
    result = score(TWO_DIMENSIONS, answers)
    assert result.probabilities.B2B > result.probabilities.B2C
    # Two changes up change it too (to B2C); two down win the tie.
    up = _greedy(TWO_DIMENSIONS, answers, +1)
    assert _recommendation(TWO_DIMENSIONS, answers, dict(up[:2])) != "too_close"
    assert _flip(TWO_DIMENSIONS, answers) == (
        "too_close",
        [("q3", "o2", "o0"), ("q4", "o2", "o0")],
        "B2B",
    )
    # Mirrored, the tie goes up.
    assert _flip(mirrored(TWO_DIMENSIONS), answers) == (
        "too_close",
        [("q3", "o2", "o0"), ("q4", "o2", "o0")],
        "B2C",
    )


def test_an_exact_tie_of_sides_goes_up() -> None:
    bank = make_bank([1.0], [(0, [-1, 1])] * 6, either=15)
    answers = _answers([1, 0, 1, 1, 0, 0])
    result = score(bank, answers)
    assert (result.probabilities.B2B, result.probabilities.B2C) == (0.5, 0.5)
    assert _flip(bank, answers) == ("too_close", [("q1", "o0", "o1")], "B2C")
    assert _recommendation(bank, answers, {"q0": "o0"}) == "B2B"  # down was as short


def test_no_flip_when_no_change_changes_it() -> None:
    # Every option is B2B: moving every answer to the mildest still says B2B.
    bank = make_bank([1.0], [(0, [-1, -0.9])] * 6)
    assert _flip(bank, _answers([0] * 6)) == ("B2B", [], None)
    assert _recommendation(bank, _answers([0] * 6), dict(_answers([1] * 6))) == "B2B"


def test_insufficient_answers_have_no_flip() -> None:
    bank = make_bank([1.0, 1.0], [(0, [-1, 1]), (1, [-1, 1])] * 3)
    assert _flip(bank, {"q0": "o0"}) == ("insufficient", [], None)
