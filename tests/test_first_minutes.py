"""A new user's first ten minutes: help, completion, colour, the end of the quiz."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from banks import bank_of
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from conftest import MINI, ROOT
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Text
from pmfit.i18n import t
from pmfit.render.result_view import lean_words, result_view, unquoted
from pmfit.scoring.engine import score
from pmfit.text.numbers import signed

# real terminals and shells: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

COMMANDS = [
    [],
    ["quiz"],
    ["score"],
    ["batch"],
    ["report"],
    ["template"],
    ["schema"],
    ["bank"],
    ["bank", "validate"],
    ["bank", "show"],
    ["bank", "coverage"],
    ["bank", "schema"],
    ["bank", "compile"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "pmfit")
def test_h_is_help(cli, command: list[str]) -> None:
    short = cli(*command, "-h")
    long = cli(*command, "--help")
    assert (short.exit_code, long.exit_code) == (0, 0)
    assert short.stdout == long.stdout
    assert short.stdout.startswith("Usage: pmfit")
    assert "-h, --help" in short.stdout


def test_completion_installs_and_completes(tmp_path: Path) -> None:
    """`pmfit --install-completion bash` writes a script that bash sources, and with it
    Tab completes commands and option values."""
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "SHELL": "/bin/bash",
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
    }
    run = subprocess.run(
        ["pmfit", "--install-completion", "bash"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    script = tmp_path / ".bash_completions" / "pmfit.sh"
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        done = subprocess.run(
            [
                "bash",
                "-c",
                f"source '{script}'; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                '_pmfit_completion pmfit; printf "%s\\n" "${COMPREPLY[@]}"',
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        return done.stdout.split()

    assert complete("pmfit", "qu") == ["quiz"]
    assert complete("pmfit", "report", "--format", "") == ["table", "json", "md", "html"]


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOXES = re.compile("[\u2500-\u259f]")
SHEET = ["-a", "problem-1=c", "-a", "buyer-1=a", "-a", "release-1=b"]


@pytest.mark.parametrize(
    "command",
    [
        ["score", "--bank", str(MINI), *SHEET],
        ["report", "--bank", str(MINI), "COHORT"],
        ["bank", "show", str(MINI)],
        ["bank", "coverage", str(MINI)],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_no_color_turns_off_colour_only(cli, tmp_path: Path, command: list[str]) -> None:
    """The same screen as with colour, less the colour codes: in every command."""
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("respondent,problem-1,buyer-1\nana,a,b\nben,c,a\ncy,b,b\n")
    command = [str(cohort) if word == "COHORT" else word for word in command]
    coloured = cli(*command, tty=True)
    uncoloured = cli(*command, tty=True, env={"NO_COLOR": "1"})
    assert (coloured.exit_code, uncoloured.exit_code) == (0, 0), coloured.stderr
    assert ANSI.search(coloured.stdout)
    assert not ANSI.search(uncoloured.stdout)
    assert uncoloured.stdout == ANSI.sub("", coloured.stdout)


def test_plain_is_the_switch_for_no_box_drawing(cli) -> None:
    fancy = cli("score", "--bank", str(MINI), *SHEET, tty=True, env={"NO_COLOR": "1"})
    assert BOXES.search(fancy.stdout)
    plain = cli("score", "--bank", str(MINI), *SHEET, "--plain", tty=True)
    assert plain.exit_code == 0
    assert not ANSI.search(plain.stdout) and not BOXES.search(plain.stdout)
    assert plain.stdout.startswith("Recommendation: B2C\n")


def test_the_recommendation_is_on_screen_when_the_quiz_ends(tmp_path: Path) -> None:
    """In a 24-line terminal the full quiz's long result scrolls its top away; the last
    line printed says the recommendation, so it is on screen."""
    from test_quiz_pty import ASK, Quiz, _visible

    bank = ROOT / "questions"
    quiz = Quiz(tmp_path, size=(24, 80), bank=bank)
    for n in range(29):
        quiz.expect(ASK)
        quiz.child.expect(": ")
        quiz.child.sendline("2" if n % 3 else "1")
    status, screen = quiz.finish()
    assert status == 0
    lines = _visible(screen).rstrip("\n").split("\n")
    assert max(map(len, lines)) <= 80  # so each is one line of the terminal
    last_screen = "\n".join(lines[-24:])
    assert "Recommendation" not in last_screen  # the card's top has scrolled away...
    # ...and the summary is last (wrapped at 80 columns)
    summary = " ".join(" ".join(lines[-2:]).split())  # the same words, whatever the wrap
    loaded = load_bank(bank)
    result = score(
        loaded, {q.id: q.options[0 if n % 3 == 0 else 1].id for n, q in enumerate(loaded.questions)}
    )
    expected = f"Your result: {t('rec.' + result.recommendation, 'en')} — {lean_words(result, 'en')}, score {signed(result.score)}. The reasons are above."
    assert summary == expected


@pytest.mark.parametrize("width", [80, 100])
def test_report_never_cuts_a_question_id(cli, width: int) -> None:
    example = ROOT / "docs" / "example-cohort.csv"
    run = cli("report", str(example), tty=True, width=width, env={"NO_COLOR": "1"})
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(map(len, lines)) <= width
    for question in load_bank().questions:
        assert any(re.match(rf"  {question.id} ", line) for line in lines), question.id
    assert "…" not in run.stdout


SIGNED_ZERO = re.compile(r"(?<![\w.])[-+]0(?![.\d])")


@given(st.floats(-1000, 1000), st.integers(0, 3))
def test_signed_never_says_minus_zero(value: float, digits: int) -> None:
    text = signed(value, digits)
    if round(value, digits) == 0:
        assert text == f"{0:.{digits}f}"
    else:
        assert text == f"{value:+.{digits}f}"


@pytest.mark.parametrize("plain", [False, True])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_score_near_zero_is_never_minus_zero(plain: bool, lang: str) -> None:
    """A score of -0.2 is shown as 0 in the card, its sentences and its bars' labels."""
    bank = bank_of([("d", 1.0)], [("q1", "d", [-0.006, 1.0]), ("q2", "d", [0.002, -1.0])])
    result = score(bank, {"q1": "o0", "q2": "o0"})
    assert -0.5 < result.score < 0
    console = Console(width=80, file=io.StringIO(), color_system=None, markup=False)
    console.print(result_view(result, bank, lang, plain=plain, width=80))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert not SIGNED_ZERO.search(out), out
    assert re.search(r"(Score|Puntuación) 0[ ,]", out)


@pytest.mark.parametrize("width", [80, 50])
def test_the_b2b_b2c_header_sits_over_the_bars_axis(width: int) -> None:
    bank = load_bank(MINI)
    result = score(bank, {"problem-1": "c", "buyer-1": "a", "release-1": "b"})
    console = Console(width=width, file=io.StringIO(), color_system=None, markup=False)
    console.print(result_view(result, bank, "en", width=width))
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    (header,) = [line for line in lines if "B2B │ B2C" in line]
    panel = ("│", "╭", "╰")  # the recommendation panel's own borders
    bars = [
        line for line in lines if "│" in line and "B2B" not in line and not line.startswith(panel)
    ]
    assert len(bars) >= 3
    assert {line.index("│") for line in bars} == {header.index("│")}


def _card(result, bank, lang: str = "en", plain: bool = False) -> str:
    console = Console(width=100, file=io.StringIO(), color_system=None, markup=False)
    console.print(result_view(result, bank, lang, plain=plain, width=100))
    return " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_notes_name_questions_as_the_respondent_saw_them(lang: str) -> None:
    bank = load_bank(MINI)
    # The first option everywhere but three skipped: five answers, many skips.
    answers = {q.id: q.options[0].id for q in bank.questions}
    answers.update({"problem-2": None, "buyer-2": None, "release-2": None})
    result = score(bank, answers)
    assert [f.code for f in result.flags] == ["many_skips"]
    card = _card(result, bank, lang)
    # No note shows a question by its id.
    assert not any(q.id in card for q in bank.questions)


def test_a_label_in_quotes_is_quoted_once() -> None:
    """The shipped bank has labels that are quotations; the card quotes labels itself."""
    bank = load_bank(MINI)
    question = bank.question("problem-1")
    quoted = msgspec.structs.replace(
        question.options[2], label=Text(en="“End users' problems”", es="«Los del usuario»")
    )
    options = [*question.options[:2], quoted]
    bank = msgspec.structs.replace(
        bank,
        questions=[
            msgspec.structs.replace(q, options=options) if q.id == "problem-1" else q
            for q in bank.questions
        ],
    )
    result = score(bank, {"problem-1": "c", "buyer-1": "a", "release-1": "a"})
    for lang, once in (("en", "“End users' problems”"), ("es", "«Los del usuario»")):
        card = _card(result, bank, lang)
        assert once in card
        for twice in ("““", "””", "«“", "”»", "««", "»»", "“«", "»”"):
            assert twice not in card
    assert unquoted("“a” and “b”") == "“a” and “b”"  # two quotations are left alone
    assert unquoted("'x'") == "x"


@pytest.mark.parametrize("redirected", [False, True], ids=["terminal", "stdout-to-file"])
def test_arrow_keys_edit_the_answer(tmp_path: Path, redirected: bool) -> None:
    """Left arrow and Delete edit the typed line (readline), as in a shell, rather than
    ending up in it as escape codes; also with stdout sent to a file (--json > me.json)."""
    from test_quiz_pty import ASK, Quiz

    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, json_to=out if redirected else None)
    quiz.expect(ASK)
    quiz.child.expect(": ")
    quiz.child.send("2\x1b[D\x1b[3~3\r")  # type 2, left, delete it, type 3, Enter
    quiz.expect("Question 2 of 8")
    for number in "1121212":
        quiz.answer(number)
    status, screen = quiz.finish()
    assert status == 0
    assert "is not an answer" not in screen
    if redirected:
        assert json.loads(out.read_text())["answers"]["problem-1"] == "c"  # option 3
    else:
        assert "You chose “An end user's problems”" in " ".join(screen.split())


def test_batch_csv_for_analysts(cli, tmp_path: Path) -> None:
    import csv as csvlib

    sheet = tmp_path / "sheet.csv"
    sheet.write_text("respondent,problem-1,problem-2,buyer-1\nana,c,b,a\nben,a,b,b\n")
    run = cli("batch", "--bank", str(MINI), str(sheet), "-f", "csv")
    assert run.exit_code == 0, run.stderr
    assert "\r" not in run.stdout and not run.stdout.startswith("\ufeff")
    rows = list(csvlib.reader(io.StringIO(run.stdout)))
    header = rows[0]
    # Names pandas (df.name), DuckDB (SELECT name) and formulas take as they are.
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in header), header
    assert header[header.index("confidence") + 1 : header.index("confidence") + 6] == [
        "probability_b2b",
        "probability_either",
        "probability_b2c",
        "problem_focus_score",
        "problem_focus_answered",
    ]
    table = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [r["flag_many_skips"] for r in table] == ["true", "true"]  # 3 of 8 answered
    assert {r["flag_straight_lining"] for r in table} == {"false"}
    assert table[0]["answer_problem_1"] == "c"
    assert table[0]["rationale"] == (
        "buyer-1: “People who buy and use it themselves” (+40.0 toward B2C); "
        "problem-1: “An end user's problems” (+30.0 toward B2C); "
        "problem-2: “Problems of a role, a team, an industry” (-30.0 toward B2B)"
    )  # three answers, two each way: too close to call, reasons on both sides

    out = tmp_path / "excel.csv"
    excel = cli("batch", "--bank", str(MINI), str(sheet), "--excel", "-o", str(out))
    assert excel.exit_code == 0, excel.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfrespondent,")
    assert data.count(b"\r\n") == 3 and data.count(b"\n") == 3
    assert data[3:].replace(b"\r\n", b"\n").decode() == run.stdout
    wrong = cli("batch", "--bank", str(MINI), str(sheet), "--excel", "-f", "json")
    assert (wrong.exit_code, wrong.stderr) == (2, "--excel: writes CSV, not --format json\n")


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["report", str(ROOT / "docs" / "example-cohort.csv")], "Cronbach's alpha 0.956"),
        (["bank", "show", str(MINI)], "Which problems would you rather solve?"),
        (["bank", "coverage", str(MINI)], "Thread coverage"),
    ],
    ids=lambda c: " ".join(c[:2]) if isinstance(c, list) else "",
)
def test_plain_tables_have_no_box_drawing(cli, command: list[str], shown: str) -> None:
    fancy = cli(*command, tty=True, env={"NO_COLOR": "1"})
    assert BOXES.search(fancy.stdout)
    plain = cli(*command, "--plain", tty=True)
    assert plain.exit_code == 0, plain.stderr
    assert not ANSI.search(plain.stdout) and not BOXES.search(plain.stdout)
    assert shown in plain.stdout
