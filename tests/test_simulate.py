"""The simulator, on banks whose answers are known, and `pmfit bank simulate`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from banks import make_bank

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.quiz.session import Session
from pmfit.scoring import block, engine
from pmfit.simulate import Adaptive, adaptive, full_scores, respondents, simulate, truth

FIVE = [-1.0, -0.5, 0.0, 0.5, 1.0]


def identical(n: int = 10):
    """One dimension of n identical five-option questions."""
    return make_bank([1.0], [(0, FIVE)] * n, either=15.0)


def test_noise_free_answers_are_the_nearest_option() -> None:
    bank = identical(4)
    sim = respondents(bank, 2000, 0.5, "one-factor", np.random.default_rng(1))
    t = np.array(sim.t)
    nearest = np.argmin(np.abs(t[:, None] - np.array(FIVE)[None, :]), axis=1)
    # Identical questions: every noise-free answer is the option nearest t.
    assert (sim.noise_free == nearest[:, None]).all()
    # The true outcome: B2B below t = -0.25 (nearest lean -0.5 or -1), B2C above 0.25.
    arrays = block.Arrays(bank)
    expected = np.where(t < -0.25, 0, np.where(t > 0.25, 2, 1))
    assert (truth(arrays, sim.noise_free) == expected).all()


def test_the_simulators_score_is_the_engines() -> None:
    bank = load_bank(MINI)
    arrays = block.Arrays(bank)
    rng = np.random.default_rng(2)
    chosen = np.array(
        [[rng.integers(-1, len(q.options)) for q in bank.questions] for _ in range(200)]
    )
    values = full_scores(arrays, chosen)
    for row, value in zip(chosen.tolist(), values.tolist(), strict=True):
        answers = {
            q.id: q.options[k].id for q, k in zip(bank.questions, row, strict=True) if k >= 0
        }
        assert round(value, 2) == pytest.approx(engine.score(bank, answers).score, abs=0.006)


def test_known_figures_on_a_bank_of_identical_questions() -> None:
    report = simulate(identical(), n=4000, seed=3, noises=(0.5,), models=("one-factor",))
    row = report["rows"][0]
    # t uniform on [-1, 1]: B2B below -0.25 (37.5%), either inside +-0.25 (25%), B2C above.
    true = row["full"]["true_outcomes"]
    assert true["B2B"] == pytest.approx(0.375, abs=0.03)
    assert true["either"] == pytest.approx(0.25, abs=0.03)
    assert true["B2C"] == pytest.approx(0.375, abs=0.03)
    # Ten parallel items: reliability is high; a neutral respondent answers the middle.
    assert row["alpha"] > 0.9
    assert report["neutral"]["score"] == 0.0
    assert report["neutral"]["recommendation"] == "either"
    # The model is the one the respondents follow: stated confidence is what happens.
    for name in ("B2B", "B2C"):
        assert row["full"]["calibration"][name]["ece"] <= 0.05
    # Straight lines are all caught; every answer of a straight line is the same.
    assert report["flags"]["straight_lines"] == 1.0


def test_a_bank_of_one_dimension_without_noise_is_exact() -> None:
    """No noise: every answer is the noise-free one, so the outcome is the truth
    whenever the quiz decides, and a retest repeats it."""
    bank = make_bank([2.0], [(0, [-1.0, 1.0]), (0, [-1.0, 0.0, 1.0]), (0, FIVE)] * 3)
    report = simulate(bank, n=2000, seed=4, noises=(0.0,), models=("one-factor",))
    full = report["rows"][0]["full"]
    assert full["retest_agreement"] == 1.0
    for name in ("B2B", "B2C"):
        assert full["calibration"][name]["observed"] >= 0.97


def test_the_simulated_adaptive_quiz_is_the_sessions() -> None:
    """The simulator's adaptive quiz asks and stops exactly as `pmfit quiz --adaptive`."""
    bank = load_bank()  # the shipped bank
    sim = respondents(bank, 40, 1.0, "one-factor", np.random.default_rng(5))
    asked, final, _ = adaptive(Adaptive(bank), sim.chosen)
    for row, n_asked, code in zip(sim.chosen.tolist(), asked.tolist(), final.tolist(), strict=True):
        session = Session.start(bank, adaptive=True)
        while (q := session.current()) is not None:
            session.answer(q.options[row[bank.questions.index(q)]].id)
        assert len(session.order) == n_asked
        result = session.result()
        assert result.recommendation == block.RECOMMENDATIONS[code]


def test_simulate_json_is_reproducible(cli) -> None:
    args = ("bank", "simulate", str(MINI), "--respondents", "100", "--seed", "9", "--json")
    first, second = cli(*args), cli(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    report = json.loads(first.stdout)
    assert report["seed"] == 9 and report["respondents"] == 100
    assert [(r["model"], r["noise"]) for r in report["rows"]] == [
        (m, s) for m in ("one-factor", "per-dimension") for s in (0.5, 1.0, 1.5)
    ]
    other = cli(*args[:-2], "10", "--json")
    assert other.stdout != first.stdout


def test_simulate_table(cli) -> None:
    run = cli("bank", "simulate", str(MINI), "-n", "100", "--format", "table")
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert lines[0] == "mini 0.1.0: 8 questions; 100 simulated respondents per row, seed 0"
    assert lines[3].split()[:4] == ["model", "noise", "alpha", "B2B"]
    assert lines[-1].startswith("Neutral respondent (t = 0, no noise): score ")


def test_respondents_whose_dimensions_differ_are_calibrated() -> None:
    """Per-dimension respondents on the shipped bank: the model's per-dimension part
    keeps 'either' and the sides honest (the one-position model alone stated 'either'
    at 0.85 where 0.70 came true)."""
    report = simulate(load_bank(), n=4000, seed=11, noises=(0.5,), models=("per-dimension",))
    calibration = report["rows"][0]["full"]["calibration"]
    for name in ("B2B", "B2C", "too_close"):
        assert calibration[name]["ece"] <= 0.05, name
    either = calibration["either"]
    assert either["count"] >= 100
    assert abs(either["confidence"] - either["observed"]) <= 0.10
