"""The shipped bank: coverage of the thread, languages, keying, and the short form's fidelity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from conftest import DATA, ROOT
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank, Dimension, Question
from pmfit.lint import keying_share, lint
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


def test_every_quote_records_the_side_it_speaks_for(bank: Bank) -> None:
    # Read from the YAML itself, not through the loader that requires it.
    raw = yaml.safe_load((ROOT / "questions" / "questions.yaml").read_text(encoding="utf-8"))
    sides = [s.get("side") for q in raw["questions"] for s in q["sources"]]
    assert len(sides) == sum(len(q.sources) for q in bank.questions) > 50
    assert set(sides) == {"B2B", "B2C", "both"}
    # The thread argues both sides, and so do the quotes: a B2B answer has quotes to show.
    assert sides.count("B2B") >= 15 and sides.count("B2C") >= 15


@pytest.mark.parametrize("persona", PERSONAS, ids=[p["id"] for p in PERSONAS])
def test_a_persona_sees_no_quote_for_the_other_side(bank: Bank, persona: dict) -> None:
    for result in (score(bank, persona["answers"]), score(bank, _extreme(bank, -1))):
        assert result.rationale
        for item in result.rationale:
            assert all(s.side in (item.toward, "both") for s in item.sources), item.question
            assert item.toward == result.recommendation


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
    assert 10 <= len(short.questions) <= 14
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


def test_the_heaviest_dimensions_have_two_short_questions_each(bank: Bank) -> None:
    """With one short question per dimension, a single answer to a weight-3 dimension
    decided too many short-form results; two halve each answer's share."""
    heaviest = sorted(bank.dimensions, key=lambda d: -d.weight)[:2]
    assert {d.id for d in heaviest} == {"problem_focus", "buyer_user"}
    short = bank.short_form()
    for d in heaviest:
        assert sum(q.dimension == d.id for q in short.questions) >= 2, d.id
    # and the short form still asks a declared pair from both sides
    assert any(all(q.short for q in map(bank.question, p)) for p in bank.pairs)


def _words(questions: list, lang: str) -> int:
    return sum(
        len(q.prompt.get(lang).split()) + sum(len(o.label.get(lang).split()) for o in q.options)
        for q in questions
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_forms_take_at_most_nine_and_four_minutes(bank: Bank, lang: str) -> None:
    """At the welcome's pace (240 words a minute and 8 seconds to choose per question),
    the full form takes at most 9 minutes and the short one at most 4, in each language."""
    from pmfit.quiz.session import estimated_minutes

    full, short = bank.questions, bank.short_form().questions
    assert estimated_minutes(full, lang) <= 9
    assert estimated_minutes(short, lang) <= 4
    # the words themselves, so that a change of pace in the estimate cannot hide growth
    assert _words(full, lang) <= 1350
    assert _words(short, lang) <= 630


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


def _simulated(bank: Bank, kind: str) -> tuple[Any, Any, Any]:
    """4,000 respondents at noise sd 1.0: their answers, the full form's recommendation
    codes and the short form's."""
    import numpy as np

    from pmfit import simulate
    from pmfit.scoring import block

    chosen = simulate.respondents(bank, 4000, 1.0, kind, np.random.default_rng(7)).chosen
    columns = [j for j, q in enumerate(bank.questions) if q.short]
    full = block.decide(block.Arrays(bank), chosen).recommendation
    short = block.decide(block.Arrays(bank.short_form()), chosen[:, columns]).recommendation
    return chosen[:, columns], full, short


@pytest.mark.parametrize("kind", ["one-factor", "per-dimension"])
def test_the_short_form_almost_never_says_the_other_side(bank: Bank, kind: str) -> None:
    """With half the answers the short form is less often sure, not sure of something
    else: it says the full form's opposite side to at most 1% of respondents, nearly every
    disagreement has one form too close to call, and it agrees with most (a short form of
    10 questions agrees with 72%: the floor catches a shrunken one)."""
    from pmfit.scoring import block

    _, full, short = _simulated(bank, kind)
    b2b, b2c = block.RECOMMENDATIONS.index("B2B"), block.RECOMMENDATIONS.index("B2C")
    opposite = ((full == b2b) & (short == b2c)) | ((full == b2c) & (short == b2b))
    assert opposite.mean() <= 0.01
    # Nearly every disagreement is one form too close to call.
    differ = full != short
    undecided = (full == block.TOO_CLOSE) | (short == block.TOO_CLOSE)
    assert (differ & undecided).sum() >= 0.95 * differ.sum()
    # bench/short_form.py breakdown: 77% (seed 1, n 20,000)
    assert (full == short).mean() >= 0.72


@pytest.mark.parametrize("kind", ["one-factor", "per-dimension"])
def test_no_single_short_form_answer_decides_the_result(bank: Bank, kind: str) -> None:
    """Reversing any one short-form answer (the option nearest minus its lean) changes at
    most 20% of short-form recommendations."""
    import numpy as np

    from pmfit.scoring import block

    chosen, _, short = _simulated(bank, kind)
    arrays = block.Arrays(bank.short_form())
    for c, q in enumerate(bank.short_form().questions):
        leans = np.array([o.lean for o in q.options])
        changed = chosen.copy()
        changed[:, c] = np.argmin(np.abs(-leans[chosen[:, c], None] - leans[None, :]), axis=1)
        assert (block.decide(arrays, changed).recommendation != short).mean() <= 0.20, q.id


def test_coverage_reports_no_uncovered_paragraph(cli) -> None:
    run = cli("bank", "coverage", "--json")
    report = json.loads(run.stdout)
    assert report["covered"] == report["needed"] > 25
    assert not [p for p in report["paragraphs"] if p["uncovered"]]
    assert report["sentences_covered"] == report["sentences_needed"] > 60
    assert run.stderr == (
        f"coverage: {report['covered']} of {report['needed']} paragraphs and "
        f"{report['sentences_covered']} of {report['sentences_needed']} sentences that bear on "
        "a preference are quoted (0 uncovered)\n"
    )
    ignored = {p["line"] for p in report["paragraphs"] if p["no_preference"]}
    assert {1, 21, 23, 25, 72, 74, 80} <= ignored  # the question, greeting and links


def _sentences(report: dict, line: int) -> list[dict]:
    return next(p for p in report["paragraphs"] if p["line"] == line)["sentences"]


def test_coverage_counts_sentences_the_claims_the_review_named(cli) -> None:
    """Paragraph coverage hid claims no question asked (line 42's advice to choose by
    experience; line 32's product marketing; line 36's retention focus): each sentence is
    now quoted by a question or set aside with a reason."""
    report = json.loads(cli("bank", "coverage", "--json").stdout)
    line_42 = _sentences(report, 42)[-1]
    assert line_42["text"].startswith("También entra en el tipo de espacio")
    assert line_42["questions"] == [] and "experience" in line_42["no_preference"]
    website = [s for s in _sentences(report, 32) if "sitio web" in s["text"]]
    assert website and website[0]["questions"] == ["go-to-market-1"]
    kras = [s for s in _sentences(report, 32) if "KRAs" in s["text"]]
    assert kras[0]["questions"] == ["go-to-market-2"]
    assert "retention-3" in _sentences(report, 36)[0]["questions"]
    assert "retention-3" in _sentences(report, 30)[0]["questions"]
    assert "emulate" in next(p for p in report["paragraphs"] if p["line"] == 80)["no_preference"]


def test_coverage_flags_a_sentence_nothing_quotes_or_sets_aside(cli, tmp_path: Path) -> None:
    import shutil

    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "questions", bank)
    text = (bank / "bank.yaml").read_text(encoding="utf-8")
    start = text.index("    - line: 44\n")
    end = text.index("    - line: 48\n")
    (bank / "bank.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    run = cli("bank", "coverage", str(bank), "--json")
    report = json.loads(run.stdout)
    assert [p["line"] for p in report["paragraphs"] if p["uncovered"]] == [44]
    assert [s["text"] for s in _sentences(report, 44) if s["uncovered"]] == [
        "Aunque todo depende del producto y la hoja de ruta en sí."
    ]
    assert run.stderr.endswith("are quoted (1 uncovered)\n")
    table = cli("bank", "coverage", str(bank), "--format", "table", width=200)
    assert "uncovered: Aunque todo depende del producto" in table.stdout


def test_a_set_aside_sentence_must_be_verbatim_on_its_line(cli, tmp_path: Path) -> None:
    import shutil

    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "questions", bank)
    path = bank / "bank.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('sentence: "Bueno, hay 2 aspectos para esto."', 'sentence: "Bueno, hay 3"'),
        encoding="utf-8",
    )
    run = cli("bank", "validate", str(bank))
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "hay 3" in t)
    assert run.exit_code == 2
    assert run.stderr == (
        f"{path}:{line}:17: no_preference: line 48 does not contain this sentence verbatim "
        "(white space may differ; `…` marks an elision)\n"
    )


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
    negation = (
        f"{path}:{line}:{col}: warning: question 'risk-1' option 'b': label (en) is worded as a "
        "negation; state the other side positively"
    )
    assert negation in run.stderr.splitlines()
    assert cli("bank", "validate", str(bank), "--strict").exit_code == 2


def test_validate_warns_when_the_neutral_respondent_scores_off_centre(cli, tmp_path) -> None:
    """The mini bank's two-option questions put its middle respondent at -4: release-1's
    options lean -0.5 and +1, so a respondent with no preference picks -0.5."""
    import shutil

    from conftest import MINI

    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    run = cli("bank", "validate", str(bank))
    assert run.exit_code == 0
    at = f"{bank / 'bank.yaml'}:2:1: warning: "
    assert run.stderr.splitlines() == [
        at + "centring (full form): a respondent who picks the option nearest the middle "
        "everywhere scores -4.0; keep it within ±2 by balancing the leans of each question's "
        "middle options",
        at + "centring (full form): respondents at +0.2 and -0.2 score +39.3 and -47.3; they "
        "should mirror within 3 points",
    ]
    assert cli("bank", "validate", str(bank), "--strict").exit_code == 2


def test_the_neutral_respondent_scores_zero_and_mild_preferences_mirror(bank: Bank) -> None:
    from pmfit.lint import positional_score

    for form in (bank, bank.short_form()):
        assert abs(positional_score(form, 0.0)) <= 2.0
        assert abs(positional_score(form, 0.2) + positional_score(form, -0.2)) <= 3.0
        # and the positions are really answered one way or the other
        assert positional_score(form, 0.6) > 15 > -15 > positional_score(form, -0.6)


def test_bank_show_json_has_the_documented_shape(cli, bank: Bank) -> None:
    shown = json.loads(cli("bank", "show", "--json").stdout)
    assert list(shown) == ["id", "version", "sha256", "dimensions", "questions"]
    assert shown["sha256"] == bank.sha256
    assert set(shown["dimensions"][0]) >= {"id", "weight", "name"}
    question = shown["questions"][0]
    assert list(question) == ["id", "dimension", "short", "prompt", "options", "sources"]
    assert list(question["options"][0]) == ["id", "label", "lean"]
    assert list(question["sources"][0]) == ["answer", "side", "quote"]
    assert list(question["sources"][0]["quote"]) == ["es", "en"]
    assert len(shown["questions"]) == len(bank.questions)
    # The view carries the model's data unchanged: it converts back to the bank's own.
    assert [msgspec.convert(d, Dimension) for d in shown["dimensions"]] == bank.dimensions
    assert [msgspec.convert(q, Question) for q in shown["questions"]] == bank.questions


def test_coverage_json_counts_what_its_paragraphs_say(cli) -> None:
    """On a bank that leaves most of the thread uncovered: the counts, the summary line and
    each paragraph's and sentence's `uncovered` agree."""
    run = cli("bank", "coverage", str(DATA / "mini"), "--json")
    report = json.loads(run.stdout)
    needed = [p for p in report["paragraphs"] if p["no_preference"] is None]
    bearing = [s for p in needed for s in p["sentences"] if s["no_preference"] is None]
    for p in report["paragraphs"]:
        for s in p["sentences"]:
            assert s["uncovered"] == (s["no_preference"] is None and not s["questions"])
        assert p["uncovered"] == (
            p["no_preference"] is None
            and (not p["questions"] or any(s["uncovered"] for s in p["sentences"]))
        )
    assert report["needed"] == len(needed)
    assert report["covered"] == len([p for p in needed if not p["uncovered"]]) > 0
    assert report["sentences_needed"] == len(bearing)
    assert report["sentences_covered"] == len([s for s in bearing if s["questions"]]) > 0
    uncovered = report["sentences_needed"] - report["sentences_covered"]
    assert uncovered > 0
    assert run.stderr.endswith(f"are quoted ({uncovered} uncovered)\n")


def test_the_compiled_bank_is_up_to_date(bank: Bank) -> None:
    """questions/bank.compiled.json is what a fresh install loads: it must match the YAML."""
    from pmfit.bank.loading import COMPILED_FILE, compiled_bytes

    stale = "stale: run `pmfit bank compile questions` and commit the result"
    assert (ROOT / "questions" / COMPILED_FILE).read_bytes() == compiled_bytes(bank), stale


@pytest.mark.slow
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


# Bank 1.0.0, as a quiz saved with it records it: its hash and its questions in order.
BANK_1_0_0_SHA256 = "202445d214ced978fa3cca2046ba52bedf3ee126c9d85b7a66034afe918b6b30"
BANK_1_0_0_ORDER = [
    "problem-focus-1",
    "go-to-market-2",
    "buyer-user-1",
    "release-cadence-2",
    "evidence-1",
    "stakeholder-pull-2",
    "customer-concentration-1",
    "product-craft-2",
    "risk-reward-1",
    "own-user-2",
    "release-cadence-1",
    "problem-focus-2",
    "stakeholder-pull-1",
    "evidence-3",
    "product-craft-1",
    "buyer-user-3",
    "go-to-market-1",
    "change-management-2",
    "retention-1",
    "customer-concentration-2",
    "own-user-1",
    "evidence-2",
    "change-management-1",
    "release-cadence-3",
    "buyer-user-2",
    "go-to-market-3",
    "retention-2",
    "risk-reward-2",
    "problem-focus-3",
]
BANK_1_0_0_SHORT = [
    "problem-focus-1",
    "buyer-user-1",
    "evidence-1",
    "customer-concentration-1",
    "risk-reward-1",
    "release-cadence-1",
    "stakeholder-pull-1",
    "product-craft-1",
    "go-to-market-1",
    "retention-1",
    "own-user-1",
    "change-management-1",
]


def _saved_with_1_0_0(form: str, order: list[str], answered: int):
    import msgspec

    from pmfit.quiz.progress import Saved

    answers = {qid: "a" for qid in order[:answered]}
    return msgspec.convert(
        {
            "bank_id": "pmfit-b2b-b2c",
            "bank_sha256": BANK_1_0_0_SHA256,
            "form": form,
            "adaptive": False,
            "lang": "es",
            "order": order,
            "position": answered,
            "answers": answers,
            "saved_at": "2026-11-01T10:00:00+00:00",
        },
        Saved,
    )


def test_a_full_quiz_saved_with_1_0_0_resumes_on_this_bank(bank: Bank) -> None:
    """retention-2 is gone (retention-3 asks another thing): its answer is dropped and
    the quiz resumes at the first question not answered in the new order; every other
    answer is kept, since 1.1.0 removed no option that 1.0.0 had."""
    from pmfit.quiz.progress import restore

    saved = _saved_with_1_0_0("full", BANK_1_0_0_ORDER, 27)  # up to and with retention-2
    restored = restore(saved, bank)
    assert restored.bank_changed
    assert restored.dropped == ["retention-2"]
    assert restored.kept == 26
    assert restored.session.answers == {q: "a" for q in BANK_1_0_0_ORDER[:26]}
    assert restored.session.current().id == "retention-3"


def test_a_short_quiz_saved_with_1_0_0_asks_the_two_new_short_questions(bank: Bank) -> None:
    from pmfit.quiz.progress import restore

    saved = _saved_with_1_0_0("short", BANK_1_0_0_SHORT, 12)
    restored = restore(saved, bank)
    assert restored.bank_changed and restored.dropped == [] and restored.kept == 12
    session = restored.session
    assert session.current().id == "buyer-user-2"
    session.answer("e")
    assert session.current().id == "problem-focus-3"


def test_the_changelog_logs_this_version_question_by_question(bank: Bank) -> None:
    """Every version of the shipped bank has its section, and 1.1.0's names each question
    it changed (all of 1.0.0's) and the ones it removed or added."""
    log = (ROOT / "questions" / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = dict((part.split("\n", 1)[0].strip(), part) for part in log.split("\n## ")[1:])
    assert bank.version in sections
    if bank.version == "1.1.0":
        entries = {
            line[2:].split(":")[0]
            for line in sections["1.1.0"].splitlines()
            if line.startswith("- ")
        }
        assert {q.id for q in bank.questions} | set(BANK_1_0_0_ORDER) <= entries


def test_every_question_quotes_the_thread_for_each_side_it_can_push(bank: Bank) -> None:
    """A reason shows only the quotes that speak for its side: a question whose options
    lean both ways needs a quote for each, except where the thread says nothing for one
    side (it gives custom work no upside: the product-craft questions)."""
    silent = {("product-craft-1", "B2B"), ("product-craft-2", "B2B")}
    for q in bank.questions:
        for toward, sign in (("B2B", -1), ("B2C", 1)):
            if (q.id, toward) in silent or not any(sign * o.lean > 0 for o in q.options):
                continue
            assert any(s.speaks_for(toward) for s in q.sources), (q.id, toward)
