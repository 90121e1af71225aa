"""`pmfit quiz` with no terminal on stdin: one answer per line, never a hang."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINI, ROOT
from pmfit.bank.loading import load_bank
from pmfit.scoring.engine import score

BANK = ("--bank", str(MINI))


def test_one_answer_per_line_numbers_ids_and_blanks(cli) -> None:
    run = cli("quiz", *BANK, "--json", input="3\na\n\n1\nb\n2\n1\n2\n")
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    expected = {
        "problem-1": "c",
        "buyer-1": "a",
        "release-1": None,
        "risk-1": "a",
        "problem-2": "b",
        "buyer-2": "b",
        "release-2": "a",
        "risk-2": "b",
    }
    assert data["answers"] == expected
    assert data["recommendation"] == score(load_bank(MINI), expected).recommendation
    assert run.stderr == ""


def test_end_of_input_ends_the_quiz(cli) -> None:
    run = cli("quiz", *BANK, "--json", input="3\n")
    assert run.exit_code == 0
    data = json.loads(run.stdout)
    assert data["answers"]["problem-1"] == "c"
    assert [v for k, v in data["answers"].items() if k != "problem-1"] == [None] * 7
    assert data["recommendation"] == "insufficient"


def test_empty_input_gives_insufficient_not_a_hang(cli) -> None:
    run = cli("quiz", *BANK, input="")
    assert run.exit_code == 0
    assert "Not enough answers to say" in run.stdout


def test_a_bad_line_is_a_located_error(cli) -> None:
    run = cli("quiz", *BANK, input="1\n7\n")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr == (
        "<stdin>:2: answers.buyer-1: unknown option '7' "
        "(allowed: a, b, a number 1-2, or blank to skip)\n"
    )


def test_the_card_goes_to_stdout_without_json(cli) -> None:
    run = cli("quiz", *BANK, "--plain", input="3\n1\n2\n1\n1\n1\n1\n1\n")
    assert run.exit_code == 0
    assert run.stdout.startswith("Recommendation: ")
    assert "By dimension" in run.stdout


def test_adaptive_from_a_pipe_stops_and_says_so(cli) -> None:
    # Every answer the most B2C option of whichever question comes next: 3 = c, 1 = a,...
    bank = load_bank(MINI)
    most_b2c = {
        q.id: 1 + [o.lean for o in q.options].index(max(o.lean for o in q.options))
        for q in bank.questions
    }
    # The adaptive order is problem-1, problem-2, buyer-1, buyer-2 for this answer set.
    lines = [most_b2c[q] for q in ("problem-1", "problem-2", "buyer-1", "buyer-2")]
    feed = "".join(f"{n}\n" for n in lines)
    run = cli("quiz", *BANK, "--adaptive", "--exact", "--json", input=feed)
    assert run.exit_code == 0
    assert run.stderr.startswith(
        "Stopped after 4 of 8: the other 4 could not move your score across the band"
    )
    data = json.loads(run.stdout)
    assert data["recommendation"] == "B2C"
    # Scored on the whole bank (the decision is about the full quiz), but the questions
    # never asked are not "skipped".
    asked = ["buyer-1", "buyer-2", "problem-1", "problem-2"]
    assert sorted(q for q, o in data["answers"].items() if o is not None) == asked
    assert len(data["answers"]) == 8
    assert not [f for f in data["flags"] if f["code"] == "many_skips"]


def test_short_form(cli) -> None:
    run = cli("quiz", *BANK, "--short", "--json", input="3\n1\n2\n1\n")
    assert run.exit_code == 0
    data = json.loads(run.stdout)
    assert list(data["answers"]) == [q.id for q in load_bank(MINI).short_form().questions]


@pytest.mark.parametrize(
    ("name", "marker"),
    [("card.svg", "<svg"), ("card.html", "<html"), ("card.txt", "Recommendation")],
)
def test_save_writes_the_card_by_extension(cli, tmp_path: Path, name: str, marker: str) -> None:
    target = tmp_path / name
    run = cli("quiz", *BANK, "--save", str(target), input="3\n1\n2\n1\n1\n1\n1\n1\n")
    assert run.exit_code == 0, run.stderr
    text = target.read_text()
    assert marker in text
    assert "Recommendation" in text
    assert "By dimension" in text.replace("&#160;", " ")
    assert run.stderr == f"Wrote {target}\n"


def test_the_quiz_result_and_its_card_show_sides_and_no_certainty(cli, tmp_path: Path) -> None:
    # Every answer on the B2C side: the engine says over 99%, the card and the result 99%.
    target = tmp_path / "card.txt"
    run = cli("quiz", *BANK, "--save", str(target), input="3\n1\n2\n1\n1\n3\n1\n2\n")
    assert run.exit_code == 0, run.stderr
    for card in (run.stdout, target.read_text()):
        text = " ".join(card.split())  # the same words, whatever the wrapping
        assert "Confidence 99%" in text and "100%" not in text
        assert text.count("which points to B2C") == 5 and "which points to B2B" not in text
        # Two changes make it too close to call: the heaviest dimension B2B against six
        # B2C answers, which the model reads as positions that differ by dimension.
        assert "What would make it “too close to call”" in text


def test_bad_options_are_refused_before_the_quiz(cli) -> None:
    run = cli("quiz", *BANK, "--save", "card.pdf", input="1\n")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr == "--save: 'card.pdf': the name must end in .svg, .html or .txt\n"
    run = cli("quiz", *BANK, "--lang", "fr", input="1\n")
    assert run.exit_code == 2
    assert "'fr' is not one of 'en', 'es'" in run.stderr
    nowhere = "/nonexistent-pmfit-dir/card.svg"
    run = cli("quiz", *BANK, "--save", nowhere, input="1\n")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == f"{nowhere}: no such directory to write into\n"


def test_piped_quiz_leaves_saved_progress_alone(cli, tmp_path: Path) -> None:
    run = cli("quiz", *BANK, input="1\n")
    assert run.exit_code == 0
    assert not (tmp_path / "state").exists() or not list((tmp_path / "state").rglob("*.json"))


@pytest.mark.slow
def test_stdin_from_dev_null_in_a_real_process(tmp_path: Path) -> None:
    """The real program with stdin at EOF ends at once (a hang would time out)."""
    done = subprocess.run(
        [sys.executable, "-m", "pmfit", "quiz", *BANK, "--json"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["recommendation"] == "insufficient"
