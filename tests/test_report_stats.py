"""The report's figures against hand-worked values and an independent numpy computation."""

from __future__ import annotations

import json
import math
import random
import shutil

import numpy as np
import pytest
import yaml

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.report.fdist import f_quantile


def tiny_bank(target):
    """Three questions (t1..t3), options a/b/c with leans -1, 0, +1, on three dimensions."""
    shutil.copytree(MINI / "source", target / "source")
    meta = yaml.safe_load((MINI / "bank.yaml").read_text())
    meta.update(id="tiny", dimensions=meta["dimensions"][:3], pairs=[])
    mini = yaml.safe_load((MINI / "questions.yaml").read_text())["questions"]
    sources = {q["dimension"]: q["sources"] for q in mini}
    questions = [
        {
            "id": f"t{i + 1}",
            "dimension": d["id"],
            "prompt": {"en": f"Q{i + 1}?", "es": f"¿P{i + 1}?"},
            "options": [
                {"id": k, "lean": v, "label": {"en": k, "es": k}}
                for k, v in (("a", -1), ("b", 0), ("c", 1))
            ],
            "sources": sources[d["id"]],
        }
        for i, d in enumerate(meta["dimensions"])
    ]
    (target / "bank.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True))
    (target / "questions.yaml").write_text(yaml.safe_dump({"questions": questions}))
    return target


@pytest.fixture
def tiny(tmp_path):
    return tiny_bank(tmp_path / "tiny")


def _report(cli, bank, tmp_path, sheets, *extra):
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in sheets))
    run = cli("report", "--bank", str(bank), str(path), "--json", *extra)
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


HAND = [  # leans of t1, t2, t3 for four respondents (c = +1, b = 0, a = -1)
    ("r1", "c", "c", "c"),
    ("r2", "c", "b", "c"),
    ("r3", "a", "b", "a"),
    ("r4", "a", "a", "b"),
]


def test_alpha_item_rest_and_alpha_if_dropped_worked_by_hand(cli, tiny, tmp_path) -> None:
    # Item variances (n-1): t1 4/3, t2 2/3, t3 11/12; totals 3, 2, -2, -2 have variance 83/12.
    # alpha = 3/2 * (1 - (35/12) / (83/12)) = 72/83.
    # t1 against the rest (2, 1, -1, -1): r = 5 / sqrt(4 * 6.75) = 5 / sqrt(27).
    # Dropping t1: items t2, t3 with total variance 9/4: alpha = 2 * (1 - (19/12) / (9/4)) = 16/27.
    sheets = [{"respondent": r, "answers": {"t1": a, "t2": b, "t3": c}} for r, a, b, c in HAND]
    report = _report(cli, tiny, tmp_path, sheets)
    rel = report["reliability"]
    assert rel["alpha"] == round(72 / 83, 3)
    assert (rel["respondents"], rel["items"]) == (4, 3)
    t1 = report["items"][0]
    assert t1["item_rest"] == round(5 / math.sqrt(27), 3)
    assert t1["alpha_if_dropped"] == round(16 / 27, 3)
    assert t1["distribution"] == {"a": 2, "b": 0, "c": 2}
    # Feldt, from printed F tables: F(.975; 3, 6) = 6.5988 and F(.975; 6, 3) = 14.735.
    low = 1 - (1 - 72 / 83) * 6.5988
    high = 1 - (1 - 72 / 83) / 14.735
    assert rel["ci95"] == pytest.approx([low, high], abs=1.5e-3)


def test_f_quantiles_against_tables_and_numeric_integration() -> None:
    assert f_quantile(0.975, 10, 20) == pytest.approx(2.7737, abs=1e-4)
    assert f_quantile(0.95, 5, 10) == pytest.approx(3.3258, abs=1e-4)
    assert f_quantile(0.99, 1, 1) == pytest.approx(4052.18, rel=1e-4)
    # The F density integrated with the trapezium rule up to the quantile gives p.
    for p, d1, d2 in ((0.025, 7, 40), (0.975, 7, 40), (0.5, 30, 300)):
        q = f_quantile(p, d1, d2)
        x = np.linspace(1e-9, q, 200_001)
        log_density = (
            math.lgamma((d1 + d2) / 2)
            - math.lgamma(d1 / 2)
            - math.lgamma(d2 / 2)
            + (d1 / 2) * math.log(d1 / d2)
            + (d1 / 2 - 1) * np.log(x)
            - ((d1 + d2) / 2) * np.log1p(d1 * x / d2)
        )
        trapezium = getattr(np, "trapezoid", None) or np.trapz
        assert trapezium(np.exp(log_density), x) == pytest.approx(p, abs=1e-4)


def _independent(leans: np.ndarray, answered: np.ndarray):
    """Textbook formulas, written separately from pmfit.report.stats."""
    complete = answered.all(axis=1)
    x = leans[complete]
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    dropped = []
    for i in range(k):
        y = np.delete(x, i, axis=1)
        dropped.append(
            (k - 1) / (k - 2) * (1 - y.var(axis=0, ddof=1).sum() / y.sum(axis=1).var(ddof=1))
        )
    item_rest = []
    for i in range(k):
        xs, rests = [], []
        for row, mask in zip(leans, answered, strict=True):
            others = [row[j] for j in range(k) if j != i and mask[j]]
            if mask[i] and others:
                xs.append(row[i])
                rests.append(sum(others) / len(others))
        item_rest.append(np.corrcoef(xs, rests)[0, 1])
    return alpha, dropped, item_rest, int(complete.sum())


def test_mini_cohort_with_skips_matches_the_independent_computation(cli, tmp_path) -> None:
    bank = load_bank(MINI)
    rng = random.Random(11)
    sheets = []
    for i in range(700):
        trait = rng.gauss(0, 1)
        answers = {}
        for q in bank.questions:
            if rng.random() < 0.08:
                answers[q.id] = None
                continue
            weights = [math.exp(trait * o.lean * 1.5) for o in q.options]
            answers[q.id] = rng.choices(q.options, weights)[0].id
        sheets.append({"respondent": f"r{i}", "answers": answers})
    # More sheets than one block, so the block-by-block merging is exercised.
    import pmfit.batch.readers as readers

    original = readers.BLOCK_ROWS
    readers.BLOCK_ROWS = 128
    try:
        report = _report(cli, MINI, tmp_path, sheets)
    finally:
        readers.BLOCK_ROWS = original
    leans = np.array(
        [
            [
                0.0
                if s["answers"][q.id] is None
                else next(o.lean for o in q.options if o.id == s["answers"][q.id])
                for q in bank.questions
            ]
            for s in sheets
        ]
    )
    answered = np.array([[s["answers"][q.id] is not None for q in bank.questions] for s in sheets])
    alpha, dropped, item_rest, complete = _independent(leans, answered)
    assert report["reliability"]["respondents"] == complete
    assert report["reliability"]["alpha"] == pytest.approx(alpha, abs=5e-4)
    for item, d, r, q, column in zip(
        report["items"], dropped, item_rest, bank.questions, answered.T, strict=True
    ):
        assert item["question"] == q.id
        assert item["alpha_if_dropped"] == pytest.approx(d, abs=5e-4)
        assert item["item_rest"] == pytest.approx(r, abs=5e-4)
        assert item["skipped"] == int((~column).sum())
        assert sum(item["distribution"].values()) == int(column.sum())
    # Cohort figures: counts and shares from the engine's own results.
    from pmfit.scoring.engine import score

    results = [score(bank, s["answers"]) for s in sheets]
    for rec in ("B2B", "B2C", "either", "insufficient"):
        count = sum(r.recommendation == rec for r in results)
        assert report["recommendations"][rec]["count"] == count
    scores = np.array([r.score for r in results])
    assert report["score"]["mean"] == pytest.approx(scores.mean(), abs=0.006)
    assert report["score"]["sd"] == pytest.approx(scores.std(ddof=1), abs=0.006)
    counts, _ = np.histogram(np.clip(scores, -100, 99.999), bins=20, range=(-100, 100))
    assert [b["count"] for b in report["histogram"]] == counts.tolist()
    for k, dim in enumerate(bank.dimensions):
        values = np.array(
            [r.dimensions[k].score for r in results if r.dimensions[k].score is not None]
        )
        got = report["dimensions"][k]
        assert (got["id"], got["n"]) == (dim.id, len(values))
        assert got["mean"] == pytest.approx(values.mean(), abs=0.006)
        band = bank.thresholds.either
        assert (got["b2b"], got["balanced"], got["b2c"]) == (
            int((values < -band).sum()),
            int((abs(values) <= band).sum()),
            int((values > band).sum()),
        )
    for code in ("straight_lining", "misfit", "many_skips"):
        assert report["flags"][code]["count"] == sum(
            any(f.code == code for f in r.flags) for r in results
        )


def test_a_reversed_item_is_flagged_negative(cli, tiny, tmp_path) -> None:
    rng = random.Random(5)
    sheets = []
    for i in range(200):
        side = rng.choice("ac")
        other = "c" if side == "a" else "a"
        noisy = side if rng.random() < 0.85 else other
        sheets.append({"respondent": f"r{i}", "answers": {"t1": side, "t2": noisy, "t3": other}})
    report = _report(cli, tiny, tmp_path, sheets)
    flags = {item["question"]: item["flag"] for item in report["items"]}
    assert flags["t3"] == "negative"
    assert report["items"][2]["item_rest"] < 0


def test_report_from_results_equals_report_from_answers(cli, tmp_path) -> None:
    bank = load_bank(MINI)
    rng = random.Random(2)
    sheets = [
        {
            "respondent": f"r{i}",
            "answers": {
                q.id: rng.choice([None, *[o.id for o in q.options]]) for q in bank.questions
            },
        }
        for i in range(300)
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(s) + "\n" for s in sheets))
    batch = cli(
        "batch", "--bank", str(MINI), str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "r.jsonl")
    )
    assert batch.exit_code == 0
    from_answers = cli("report", "--bank", str(MINI), str(tmp_path / "a.jsonl"), "--json")
    from_results = cli("report", "--bank", str(MINI), str(tmp_path / "r.jsonl"), "--json")
    assert from_answers.stdout == from_results.stdout
    quoted = cli(
        "batch",
        "--bank",
        str(MINI),
        str(tmp_path / "a.jsonl"),
        "--with-quotes",
        "-f",
        "json",
        "-o",
        str(tmp_path / "q.json"),
    )
    assert quoted.exit_code == 0
    from_array = cli("report", "--bank", str(MINI), str(tmp_path / "q.json"), "--json")
    assert from_array.stdout == from_answers.stdout


def test_results_from_another_bank_are_refused(cli, tiny, tmp_path) -> None:
    (tmp_path / "a.jsonl").write_text('{"answers": {"problem-1": "c"}}\n')
    cli("batch", "--bank", str(MINI), str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "r.jsonl"))
    run = cli("report", "--bank", str(tiny), str(tmp_path / "r.jsonl"))
    assert run.exit_code == 2
    assert run.stderr.startswith(f"{tmp_path / 'r.jsonl'}:1: scored with bank mini 0.1.0")
    assert run.stderr.rstrip().endswith("pass --bank with the bank these results were scored with")


def test_results_of_another_version_say_so_and_can_be_rescored(cli, tmp_path) -> None:
    """Results of version 0.1.0 reported with 0.2.0 (t3 renamed t4, t2's option b gone):
    one line names both versions and how to score them again; --rescore does, keeping
    the answers whose question and option 0.2.0 still has, as the quiz's resume does."""
    old = tiny_bank(tmp_path / "old")
    new = tmp_path / "new"
    shutil.copytree(old, new)
    meta = yaml.safe_load((new / "bank.yaml").read_text())
    meta["version"] = "0.2.0"
    (new / "bank.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True))
    questions = yaml.safe_load((new / "questions.yaml").read_text())
    questions["questions"][1]["options"].pop(1)
    questions["questions"][2]["id"] = "t4"
    (new / "questions.yaml").write_text(yaml.safe_dump(questions))
    (tmp_path / "a.jsonl").write_text(
        '{"answers": {"t1": "a", "t2": "b", "t3": "c"}}\n'
        '{"answers": {"t1": "c", "t2": "c", "t3": null}}\n'
    )
    results = tmp_path / "r.jsonl"
    batch = cli("batch", "--bank", str(old), str(tmp_path / "a.jsonl"), "-o", str(results))
    assert batch.exit_code == 0
    before, after = load_bank(old), load_bank(new)
    refused = cli("report", "--bank", str(new), str(results))
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"{results}:1: results of bank tiny 0.1.0 (sha256 {before.sha256[:12]}), not the "
        f"loaded 0.2.0 (sha256 {after.sha256[:12]}): pass --rescore to score their answers "
        "again with 0.2.0, or --bank with the bank they were scored with\n"
    )
    rescored = cli("report", "--bank", str(new), str(results), "--rescore", "--json")
    assert rescored.exit_code == 0
    assert rescored.stderr == (
        "rescored with bank tiny 0.2.0 results of 0.1.0; answers dropped because the bank "
        "no longer has their question or option: t2 (1), t3 (1)\n"
    )
    (tmp_path / "kept.jsonl").write_text(
        '{"answers": {"t1": "a"}}\n{"answers": {"t1": "c", "t2": "c"}}\n'
    )
    direct = cli("report", "--bank", str(new), str(tmp_path / "kept.jsonl"), "--json")
    assert json.loads(rescored.stdout) == json.loads(direct.stdout)
    assert json.loads(rescored.stdout)["respondents"] == 2


def test_too_few_respondents_flag_nothing(cli, tiny, tmp_path) -> None:
    """Two or three people give correlations of ±1: no question is accused on that."""
    sheets = [
        {"respondent": "a", "answers": {"t1": "a", "t2": "a", "t3": "c"}},
        {"respondent": "b", "answers": {"t1": "c", "t2": "c", "t3": "a"}},
        {"respondent": "c", "answers": {"t1": "a", "t2": "c", "t3": "c"}},
    ]
    report = _report(cli, tiny, tmp_path, sheets)
    assert report["items"][2]["item_rest"] < 0
    assert [item["flag"] for item in report["items"]] == [None, None, None]


def test_the_accumulator_takes_columns_and_counts_them_in_any_blocks() -> None:
    """`Accumulator.add(codes, scores, recommendations, dimension_scores, flags)`:
    recommendation codes into pmfit.scoring.block.RECOMMENDATIONS and a flag matrix over
    FLAG_CODES are counted as given, and blocks of any size add up to the same report."""
    from pmfit.report.stats import FLAG_CODES, Accumulator
    from pmfit.scoring.block import RECOMMENDATIONS

    bank = load_bank(MINI)
    rng = np.random.default_rng(3)
    n, q, d = 50, len(bank.questions), len(bank.dimensions)
    codes = rng.integers(-1, 2, (n, q))
    scores = rng.uniform(-100, 100, n)
    recommendations = rng.integers(0, len(RECOMMENDATIONS), n)
    dimensions = np.where(rng.random((n, d)) < 0.2, np.nan, rng.uniform(-100, 100, (n, d)))
    flags = rng.random((n, len(FLAG_CODES))) < 0.3
    whole = Accumulator(bank)
    whole.add(codes, scores, recommendations, dimensions, flags)
    report = whole.report()
    for k, name in enumerate(RECOMMENDATIONS):
        assert report.recommendations[name].count == int((recommendations == k).sum())
    assert list(report.recommendations) == ["B2B", "B2C", "either", "too_close", "insufficient"]
    for k, code in enumerate(FLAG_CODES):
        assert report.flags[code].count == int(flags[:, k].sum())
    assert report.dimensions[0].n == int((~np.isnan(dimensions[:, 0])).sum())
    pieces = Accumulator(bank)
    for start, stop in ((0, 7), (7, 8), (8, 8), (8, 50)):
        pieces.add(
            codes[start:stop],
            scores[start:stop],
            recommendations[start:stop],
            dimensions[start:stop],
            flags[start:stop],
        )
    assert pieces.report() == report
