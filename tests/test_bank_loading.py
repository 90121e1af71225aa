"""Loading a bank: strict, safe, and every problem as one `file:line:col: message` line."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from banks import broken_bank, hits, where

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.errors import BankError


def problems(bank: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(bank)
    with pytest.raises(BankError) as caught:
        load_bank(bank, use_cache=False)
    return caught.value.lines()


def test_mini_bank_loads() -> None:
    bank = load_bank(MINI, use_cache=False)
    assert [d.id for d in bank.dimensions] == [
        "problem_focus",
        "buyer_user",
        "release_cadence",
        "risk_reward",
    ]
    assert len(bank.questions) == 8
    assert bank.pairs == [["problem-1", "problem-2"]]


def test_every_error_in_the_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = broken_bank(
        tmp_path,
        {
            "questions.yaml": [
                (
                    '{id: a, lean: -1, label: {en: "A business',
                    '{id: a, lean: 1.5, label: {en: "A business',
                ),
                (
                    'label: {en: "Both equally", es: "Ambos por igual"}',
                    'label: {en: "Both equally"}',
                ),
                (
                    "dimension: buyer_user\n    short: true",
                    "dimension: buyer_usr\n    short: true\n    colour: red",
                ),
                (
                    "Lo construyes hoy, puedes ver el impacto mañana.",
                    "Lo construyes hoy, ves el impacto mañana.",
                ),
                ("  - id: risk-2", "  - id: risk-1"),
            ]
        },
    )
    both = '{en: "Both equally"}'
    quoted = '"Lo construyes hoy, ves'
    first_risk, second_risk = hits(bank, "questions.yaml", "- id: risk-1", 6)
    assert problems(bank, monkeypatch) == [
        f"{where(bank, 'questions.yaml', '1.5')}: question 'problem-1' option 'a': "
        "lean 1.5 must be from -1 to 1",
        f"{where(bank, 'questions.yaml', both)}: question 'problem-1' "
        "option 'b': label: missing required field 'es'",
        f"{where(bank, 'questions.yaml', 'buyer_usr')}: question 'buyer-1': unknown dimension "
        "'buyer_usr' (allowed: buyer_user, problem_focus, release_cadence, risk_reward)",
        f"{where(bank, 'questions.yaml', 'colour')}: question 'buyer-1': unknown field 'colour' "
        "(allowed: id, dimension, prompt, options, sources, short)",
        f"{where(bank, 'questions.yaml', quoted)}: question 'release-1' "
        "source #1: "
        "quote is not verbatim in the thread (each fragment between '…' must be)",
        f"{first_risk}: question 'risk-1': duplicate id",
        f"{second_risk}: question 'risk-1': duplicate id",
    ]


def test_quote_attributed_to_the_wrong_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = broken_bank(
        tmp_path,
        {
            "questions.yaml": [
                (
                    '      - answer: 3\n        side: B2C\n        quote:\n          es: "Lo construyes',
                    '      - answer: 2\n        side: B2C\n        quote:\n          es: "Lo construyes',
                ),
            ]
        },
    )
    assert problems(bank, monkeypatch) == [
        f"{where(bank, 'questions.yaml', 'Lo construyes', -1)}: question 'release-1' source #1: "
        "quote is from answer 3, not answer 2 (lines 28-48)"
    ]


def test_every_quote_names_the_side_it_speaks_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = broken_bank(
        tmp_path,
        {
            "questions.yaml": [
                ("      - answer: 3\n        side: B2C\n", "      - answer: 3\n"),
                (
                    "      - answer: 5\n        side: B2C\n",
                    "      - answer: 5\n        side: b2c\n",
                ),
            ]
        },
    )
    assert problems(bank, monkeypatch) == [
        f"{where(bank, 'questions.yaml', '- answer: 3', 2)}: question 'release-1' source #1: "
        "missing required field 'side'",
        f"{where(bank, 'questions.yaml', 'b2c')}: question 'risk-1' source #1: "
        "side 'b2c' is not one of B2B, B2C, both",
    ]


def test_elided_quote_fragments_must_each_be_verbatim_and_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # release-2 quotes two fragments of one paragraph joined by an ellipsis: valid as shipped.
    assert "…" in load_bank(MINI, use_cache=False).question("release-2").sources[0].quote.es
    bank = broken_bank(
        tmp_path,
        {
            "questions.yaml": [
                (
                    "mayores en el caso del gerente de producto B2C … el PM debe actuar",
                    "mayores en el caso del gerente de producto B2C … el PM debe correr",
                ),
            ]
        },
    )
    assert len(problems(bank, monkeypatch)) == 1
    swapped = broken_bank(
        tmp_path / "2",
        {
            "questions.yaml": [
                (
                    'es: "Las oportunidades para experimentar son mayores en el caso del gerente de '
                    'producto B2C … el PM debe actuar con mucho cuidado para lograr los cambios"',
                    'es: "el PM debe actuar con mucho cuidado para lograr los cambios … Las oportunidades '
                    'para experimentar son mayores en el caso del gerente de producto B2C"',
                ),
            ]
        },
    )
    assert "not verbatim" in problems(swapped, monkeypatch)[0]


def test_folded_white_space_in_a_quote_is_allowed(tmp_path: Path) -> None:
    bank = broken_bank(
        tmp_path,
        {
            "questions.yaml": [
                ("Lo construyes hoy, puedes ver", "Lo construyes   hoy,  puedes ver"),
            ]
        },
    )
    assert load_bank(bank, use_cache=False).question("release-1")


def test_python_tags_are_errors_never_executed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "executed"
    bank = broken_bank(
        tmp_path,
        {
            "bank.yaml": [
                ("version: 0.1.0", f'version: !!python/object/apply:os.system ["touch {marker}"]'),
            ]
        },
    )
    assert problems(bank, monkeypatch) == [
        f"{where(bank, 'bank.yaml', '!!python')}: tag '!!python/object/apply:os.system' is not "
        "allowed (only plain YAML values; nothing is ever constructed from tags)"
    ]
    assert not marker.exists()


def test_duplicate_yaml_keys_and_malformed_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = broken_bank(
        tmp_path, {"bank.yaml": [("version: 0.1.0", "version: 0.1.0\nversion: 0.2.0")]}
    )
    assert problems(bank, monkeypatch) == [
        f"{where(bank, 'bank.yaml', 'version: 0.2.0')}: document: duplicate key 'version'"
    ]
    bad = broken_bank(tmp_path / "2", {"bank.yaml": [("id: mini", "id: [mini")]})
    found = problems(bad, monkeypatch)
    assert len(found) == 1 and found[0].startswith("bank.yaml:") and "malformed YAML" in found[0]


def test_bank_level_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    languages = broken_bank(
        tmp_path / "2", {"bank.yaml": [("languages: [en, es]", "languages: [en, fr]")]}
    )
    # Every problem, not only the first: 'fr' is not allowed, and 'es' is then missing.
    assert problems(languages, monkeypatch) == [
        f"{where(languages, 'bank.yaml', '[en, fr]')}: languages: must include 'es'",
        f"{where(languages, 'bank.yaml', 'fr]')}: languages #2 'fr' is not one of en, es",
    ]
    bank = broken_bank(
        tmp_path,
        {
            "bank.yaml": [
                ("  - [problem-1, problem-2]", "  - [problem-1, problem-9]"),
                ("  - id: risk_reward\n    weight: 1", "  - id: risk_reward\n    weight: 0"),
            ]
        },
    )
    assert problems(bank, monkeypatch) == [
        f"{where(bank, 'bank.yaml', 'weight: 0', 8)}: dimension 'risk_reward': "
        "weight 0 must be from 0.01 to 100",
        f"{where(bank, 'bank.yaml', 'problem-9')}: pair #1: unknown question 'problem-9'",
    ]


def test_validated_bank_is_cached_and_revalidated_when_a_file_changes(tmp_path: Path) -> None:
    bank_dir = broken_bank(tmp_path, {})
    first = load_bank(bank_dir)
    cached = list((tmp_path / "cache" / "pmfit").glob("bank-*.json"))
    assert len(cached) == 1
    assert msgspec.json.decode(cached[0].read_bytes())["bank"] == msgspec.to_builtins(first)
    assert load_bank(bank_dir) == first
    path = bank_dir / "bank.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("version: 0.1.0", "version: 0.1.1"),
        encoding="utf-8",
    )
    second = load_bank(bank_dir)
    assert second.version == "0.1.1" and second.sha256 != first.sha256
    # The thread is part of the bank too.
    thread = bank_dir / "source" / "thread.es.txt"
    thread.write_text(
        thread.read_text(encoding="utf-8").replace("Lo construyes hoy", "Hoy"), encoding="utf-8"
    )
    with pytest.raises(BankError):
        load_bank(bank_dir)


@pytest.mark.slow
def test_a_cache_hit_parses_no_yaml(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pmfit.bank.loading import load_bank; load_bank(sys.argv[1]); "
        "print(sorted(m for m in ('yaml', 'pmfit.bank.validating') if m in sys.modules))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(MINI)],
            env=env,
            text=True,
            capture_output=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs == ["['pmfit.bank.validating', 'yaml']\n", "[]\n"]


def test_bank_compile_keeps_another_bank_in_the_cache_until_a_file_changes(
    cli, tmp_path: Path
) -> None:
    """Only pmfit's own compile is trusted: another bank's goes into the user's cache,
    where pmfit put it, never beside the bank, where anyone could have."""
    import stat

    from pmfit.bank.loading import COMPILED_FILE

    bank_dir = broken_bank(tmp_path, {})
    run = cli("bank", "compile", str(bank_dir))
    (compiled,) = (tmp_path / "cache" / "pmfit").glob("bank-*.json")
    assert (run.exit_code, run.stdout) == (0, f"wrote {compiled}\n")
    assert not (bank_dir / COMPILED_FILE).exists()
    assert stat.S_IMODE(compiled.stat().st_mode) & 0o044  # readable, not a private temp file
    bank = load_bank(bank_dir)
    assert msgspec.json.decode(compiled.read_bytes())["bank"] == msgspec.to_builtins(bank)
    path = bank_dir / "bank.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("0.1.0", "0.1.2"), encoding="utf-8")
    assert load_bank(bank_dir).version == "0.1.2"


def test_a_directory_without_bank_yaml_is_not_a_bank(cli, tmp_path: Path) -> None:
    run = cli("bank", "validate", str(tmp_path))
    assert (run.exit_code, run.stderr) == (2, f"{tmp_path}: not a bank: it has no bank.yaml\n")


def test_a_bad_byte_in_a_bank_file_is_named_by_line_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = broken_bank(tmp_path, {})
    path = bank / "questions.yaml"
    line, col = where(bank, "questions.yaml", "Both ", 5).split(":")[1:]
    path.write_bytes(path.read_bytes().replace(b"Both equally", b"Both \xffqually", 1))
    assert problems(bank, monkeypatch) == [
        f"questions.yaml:{line}:{col}: not valid UTF-8 (byte 0xff)"
    ]
