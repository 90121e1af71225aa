"""The shipped bank: coverage of the thread, languages, keying, and the short form's fidelity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import DATA, ROOT
from pmfit.bank.lint import keying_share, lint
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank
from pmfit.scoring.engine import score

THREAD = ROOT / "questions" / "source" / "b2b-vs-b2c-product-management.es.txt"
SEED_THREAD = ROOT.parent / "shared" / "seed" / "b2b-vs-b2c-product-management.es.txt"
PERSONAS = yaml.safe_load((DATA / "personas.yaml").read_text(encoding="utf-8"))["personas"]


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(use_cache=False)


def fold(text: str) -> str:
    return " ".join(text.split())


def test_the_shipped_thread_is_the_seed_thread() -> None:
    if not SEED_THREAD.exists():
        pytest.skip("no shared/seed beside this checkout")
    assert THREAD.read_bytes() == SEED_THREAD.read_bytes()


def test_every_quote_is_verbatim_inside_its_answer(bank: Bank) -> None:
    # Checked here independently of the loader's own matcher.
    lines = THREAD.read_text(encoding="utf-8").splitlines()
    ranges = {a.number: a.lines for a in bank.source.answers}
    assert sorted(ranges) == [1, 2, 3, 4, 5]
    for q in bank.questions:
        for s in q.sources:
            lo, hi = ranges[s.answer]
            inside = fold(" \n ".join(lines[lo - 1 : hi]))
            position = 0
            for fragment in filter(None, (fold(f) for f in s.quote.es.split("…"))):
                found = inside.find(fragment, position)
                assert found >= 0, (q.id, s.answer, fragment)
                position = found + len(fragment)
            assert s.quote.en.strip() and s.quote.en != s.quote.es


def test_every_text_has_both_languages_and_the_spanish_is_not_a_copy(bank: Bank) -> None:
    texts = [bank.title, bank.source.question]
    texts += [t for d in bank.dimensions for t in (d.name, d.description)]
    texts += [q.prompt for q in bank.questions]
    texts += [o.label for q in bank.questions for o in q.options]
    texts += [a.role for a in bank.source.answers]
    for text in texts:
        assert text.en.strip() and text.es.strip()
        assert text.en != text.es, text


def test_dog_food_is_translated_as_the_idiom(bank: Bank) -> None:
    quotes = [
        s.quote for q in bank.questions for s in q.sources if "comida para perros" in s.quote.es
    ]
    assert quotes and all("eat your own dog food" in q.en for q in quotes)


def test_shape_sizes_and_keying(bank: Bank) -> None:
    assert 10 <= len(bank.dimensions) <= 14
    assert 24 <= len(bank.questions) <= 36
    short = bank.short_form()
    assert 10 <= len(short.questions) <= 12
    # The short form covers every dimension it can: here, all of them.
    assert {q.dimension for q in short.questions} == {d.id for d in bank.dimensions}
    share = keying_share(bank.questions)
    assert share is not None and 0.35 <= share <= 0.65
    for d in bank.dimensions:
        questions = [q for q in bank.questions if q.dimension == d.id]
        leans = [o.lean for q in questions for o in q.options]
        assert min(leans) < 0 < max(leans), d.id
        b2b_first = sum(q.options[0].lean < 0 for q in questions)
        assert abs(b2b_first - (len(questions) - b2b_first)) <= 1, d.id
    assert len(bank.pairs) >= 3
    graded = {abs(o.lean) for q in bank.questions for o in q.options} - {0.0, 1.0}
    assert graded, "leans are graded, not all ±1"
    assert lint(bank) == []


def test_central_dimensions_weigh_most(bank: Bank) -> None:
    weights = {d.id: d.weight for d in bank.dimensions}
    top = max(weights.values())
    assert weights["problem_focus"] == weights["buyer_user"] == top


def _extreme(bank: Bank, side: int) -> dict[str, str | None]:
    return {q.id: max(q.options, key=lambda o: side * o.lean).id for q in bank.questions}


@pytest.mark.parametrize("side", [-1, 1], ids=["all-B2B", "all-B2C"])
def test_short_form_agrees_with_full_form_at_the_extremes(bank: Bank, side: int) -> None:
    answers = _extreme(bank, side)
    full = score(bank, answers)
    short = bank.short_form()
    assert full.recommendation == ("B2C" if side > 0 else "B2B")
    assert score(short, {q.id: answers[q.id] for q in short.questions}).recommendation == (
        full.recommendation
    )


@pytest.mark.parametrize("persona", PERSONAS, ids=[p["id"] for p in PERSONAS])
def test_short_form_agrees_with_full_form_for_the_personas(bank: Bank, persona: dict) -> None:
    answers = persona["answers"]
    full = score(bank, answers)
    short_bank = bank.short_form()
    short = score(short_bank, {q.id: answers.get(q.id) for q in short_bank.questions})
    # The short form never says the other side; with twelve answers it may not decide yet
    # (and the quiz then offers the rest).
    assert full.recommendation == persona["expected"]
    assert short.recommendation in (persona["expected"], "too_close")
    # Mixed profiles: some answers go against the overall direction.
    side = 1 if persona["expected"] == "B2C" else -1
    leans = [
        next(o.lean for o in bank.question(q).options if o.id == a) for q, a in answers.items()
    ]
    assert any(side * x < 0 for x in leans)


def test_coverage_reports_no_uncovered_paragraph(cli) -> None:
    run = cli("bank", "coverage", "--json")
    report = json.loads(run.stdout)
    assert report["covered"] == report["needed"] > 25
    assert not [p for p in report["paragraphs"] if p["uncovered"]]
    assert run.stderr == (
        f"coverage: {report['covered']} of {report['needed']} paragraphs that bear on a "
        "preference are quoted (0 uncovered)\n"
    )
    ignored = {p["line"] for p in report["paragraphs"] if p["no_preference"]}
    assert {1, 21, 23, 25, 72, 74, 80} <= ignored  # the question, greeting and links


def test_coverage_flags_a_paragraph_no_question_quotes(cli, tmp_path: Path) -> None:
    import shutil

    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "questions", bank)
    text = (bank / "bank.yaml").read_text(encoding="utf-8")
    (bank / "bank.yaml").write_text(
        text.replace(
            '    - {line: 5, why: "says the core skills and methodologies are the same in both"}\n',
            "",
        ),
        encoding="utf-8",
    )
    report = json.loads(cli("bank", "coverage", str(bank), "--json").stdout)
    assert [p["line"] for p in report["paragraphs"] if p["uncovered"]] == [5]
    table = cli("bank", "coverage", str(bank), "--format", "table", width=160)
    assert "UNCOVERED" in table.stdout


def test_validate_the_shipped_bank(cli, bank: Bank) -> None:
    run = cli("bank", "validate", "--strict")
    share = keying_share(bank.questions)
    assert share is not None
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout == (
        f"{bank.id} {bank.version}: {len(bank.questions)} questions "
        f"({len(bank.short_form().questions)} in the short form), {len(bank.dimensions)} "
        f"dimensions, first option leans B2B in {share:.0%}; 0 warnings\n"
    )


def test_validate_lints_keying_and_negations(cli, tmp_path: Path) -> None:
    import shutil

    from conftest import MINI

    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    path = bank / "questions.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '{id: b, lean: -1, label: {en: "Low risk and stress, steady rewards"',
        '{id: b, lean: -1, label: {en: "Not high risk"',
    )
    path.write_text(text, encoding="utf-8")
    run = cli("bank", "validate", str(bank))
    assert run.exit_code == 0
    line, col = next(
        (n, t.index("{id: b") + 6)
        for n, t in enumerate(text.splitlines(), 1)
        if "Not high risk" in t
    )
    assert run.stderr == (
        f"{path}:{line}:{col}: warning: question 'risk-1' option 'b': label (en) is worded as a "
        "negation; state the other side positively\n"
    )
    assert cli("bank", "validate", str(bank), "--strict").exit_code == 2


def test_bank_show_json_has_the_documented_shape(cli, bank: Bank) -> None:
    shown = json.loads(cli("bank", "show", "--json").stdout)
    assert list(shown) == ["id", "version", "sha256", "dimensions", "questions"]
    assert shown["sha256"] == bank.sha256
    assert set(shown["dimensions"][0]) >= {"id", "weight", "name"}
    question = shown["questions"][0]
    assert list(question) == ["id", "dimension", "short", "prompt", "options", "sources"]
    assert list(question["options"][0]) == ["id", "label", "lean"]
    assert list(question["sources"][0]) == ["answer", "quote"]
    assert list(question["sources"][0]["quote"]) == ["es", "en"]
    assert len(shown["questions"]) == len(bank.questions)


def test_the_compiled_bank_is_up_to_date(bank: Bank) -> None:
    """questions/bank.compiled.json is what a fresh install loads: it must match the YAML."""
    import msgspec

    from pmfit.bank.loading import COMPILED_FILE, CompiledBank, bank_files, fingerprint

    compiled = msgspec.json.decode(
        (ROOT / "questions" / COMPILED_FILE).read_bytes(), type=CompiledBank
    )
    stale = "stale: run `pmfit bank compile questions` and commit the result"
    assert compiled.fingerprint == fingerprint(bank_files(), bank.source.file), stale
    assert compiled.bank == bank, stale


def test_the_shipped_bank_loads_without_yaml_or_a_cache(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pmfit.bank.loading import load_bank; load_bank(); "
        "print(sorted(m for m in ('yaml', 'platformdirs', 'pmfit.bank.validating') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, text=True, capture_output=True, check=True
    )
    assert run.stdout == "[]\n"
    assert not (tmp_path / "cache").exists()


def test_the_bank_schema_beside_the_bank_is_up_to_date(cli) -> None:
    """questions/bank.schema.json lets an editor check the bank as it is typed (the YAML
    files name it in a yaml-language-server comment); it must be `pmfit bank schema`."""
    shipped = (ROOT / "questions" / "bank.schema.json").read_text(encoding="utf-8")
    assert shipped == cli("bank", "schema").stdout, (
        "run `pmfit bank schema > questions/bank.schema.json`"
    )
    for path in (ROOT / "questions").glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=bank.schema.json", path.name
