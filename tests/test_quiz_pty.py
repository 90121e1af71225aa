"""`pmfit quiz` driven in a real pseudo-terminal, as a person would use it."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest

from conftest import MINI, ROOT, default_signals
from pmfit.bank.loading import load_bank
from pmfit.scoring.engine import score

# a real pseudo-terminal: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ASK = "Your answer"
PROMPTS = {q.id: q.prompt.en for q in load_bank(MINI).questions}
MINI_ORDER = list(PROMPTS)


class Quiz:
    """One spawned `pmfit quiz`, its whole output kept for assertions."""

    def __init__(
        self,
        tmp: Path,
        *args: str,
        size: tuple[int, int] = (24, 100),
        env: dict[str, str] | None = None,
        json_to: Path | None = None,
        bank: Path = MINI,
        preexec: Callable[[], None] = default_signals,
    ) -> None:
        environ = {
            **os.environ,
            "XDG_STATE_HOME": str(tmp / "state"),
            "XDG_CACHE_HOME": str(tmp / "cache"),
            "LANG": "en_US.UTF-8",
            "TERM": "xterm-256color",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        argv = [sys.executable, "-m", "pmfit", "quiz", "--bank", str(bank), *args]
        if json_to is not None:
            # stdout to a file, the interface on the terminal: `pmfit quiz --json > me.json`.
            command = f"exec {shlex.join(argv)} --json > {shlex.quote(str(json_to))}"
            argv = ["/bin/sh", "-c", command]
        self.child = pexpect.spawn(
            argv[0],
            argv[1:],
            env=environ,
            dimensions=size,
            encoding="utf-8",
            timeout=15,
            preexec_fn=preexec,
        )
        self.seen: list[str] = []

    def expect(self, pattern: str | list[str]) -> int:
        index = self.child.expect(pattern)
        self.seen.append(self.child.before + self.child.after)
        return int(index)

    def answer(self, text: str) -> None:
        self.expect(ASK)
        self.child.expect(r": ")
        self.child.sendline(text)

    def current(self) -> str:
        """Wait for the next question; its id."""
        qid = self.next_or()
        assert qid is not None
        return qid

    def next_or(self, *ends: str) -> str | None:
        """The next question's id, or None if one of `ends` comes first."""
        ids = list(PROMPTS)
        index = self.expect([re.escape(PROMPTS[i]) for i in ids] + list(ends))
        return ids[index] if index < len(ids) else None

    def finish(self) -> tuple[int, str]:
        self.child.expect(pexpect.EOF)
        self.seen.append(self.child.before)
        self.child.close()
        status = self.child.exitstatus
        if status is None:
            status = 128 + (self.child.signalstatus or 0)
        return status, "".join(self.seen)


def _visible(output: str) -> str:
    return ANSI.sub("", output).replace("\r", "")


def _words(output: str) -> str:
    """The visible text with line wrapping undone."""
    return " ".join(_visible(output).split())


def _answers(path: Path) -> dict[str, str | None]:
    return dict(json.loads(path.read_text())["answers"])


def test_whole_quiz_to_its_result(tmp_path: Path) -> None:
    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, json_to=out)
    quiz.expect("five product managers")
    quiz.expect("8 questions, about")
    for qid, number in zip(MINI_ORDER, "31121212", strict=True):
        assert quiz.current() == qid
        quiz.answer(number)
    status, screen = quiz.finish()
    assert status == 0
    text = _visible(screen)
    assert "Recommendation" in text and "By dimension" in text and "What would make it" in text
    data = json.loads(out.read_text())
    bank = load_bank(MINI)
    expected = {
        q.id: q.options[int(n) - 1].id for q, n in zip(bank.questions, "31121212", strict=True)
    }
    assert data["answers"] == expected
    assert data["recommendation"] == score(bank, expected).recommendation
    # The result is on the terminal too, and the JSON went only to the file.
    assert '"schema"' not in screen
    # Finished: nothing left to resume.
    assert not list((tmp_path / "state").rglob("*.json"))


def test_back_shows_the_earlier_answer_and_changes_it(tmp_path: Path) -> None:
    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, json_to=out)
    quiz.answer("1")
    quiz.answer("2")
    assert quiz.current() == "release-1"
    quiz.answer("b")
    assert quiz.current() == "buyer-1"
    quiz.expect("Your earlier answer: 2")
    quiz.answer("1")  # changed
    quiz.answer("")  # Enter on a new question is only a hint
    quiz.expect("Type a number from 1 to 2")
    for number in "21212":
        quiz.answer(number)
    quiz.answer("1")
    status, _ = quiz.finish()
    assert status == 0
    answers = _answers(out)
    assert answers["problem-1"] == "a" and answers["buyer-1"] == "a"


def test_skip_and_invalid_keys(tmp_path: Path) -> None:
    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, json_to=out)
    quiz.answer("s")
    quiz.expect("Skipped.")
    quiz.answer("9")
    quiz.expect("is not an answer here")
    quiz.answer("hello")
    quiz.expect("is not an answer here")
    for number in "1111111":
        quiz.answer(number)
    status, _ = quiz.finish()
    assert status == 0
    answers = _answers(out)
    assert answers["problem-1"] is None
    assert answers["buyer-1"] == "a"


def test_why_shows_the_quotes_with_who_said_them(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path)
    quiz.answer("?")
    quiz.expect("Why this question")
    quiz.expect("answer 2, a B2B SaaS PM")
    quiz.answer("q")
    status, screen = quiz.finish()
    assert status == 0
    said = _words(screen)
    bank = load_bank(MINI)
    quote = bank.question("problem-1").sources[0].quote
    assert f"\u201c{quote.es}\u201d" in said  # the Spanish original
    assert f"\u201c{quote.en}\u201d" in said  # and the English translation


def test_quit_then_resume_at_the_same_question(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path)
    for number in "312":
        quiz.answer(number)
    assert quiz.current() == "risk-1"
    quiz.answer("q")
    quiz.expect("Saved. To carry on")
    quiz.expect("pmfit quiz --bank")
    status, _ = quiz.finish()
    assert status == 0
    saved = list((tmp_path / "state").rglob("*.json"))
    assert len(saved) == 1

    out = tmp_path / "me.json"
    again = Quiz(tmp_path, json_to=out)
    again.expect("unfinished quiz: 3 of 8 questions done")
    again.expect("Press Enter to resume")
    again.child.sendline("")
    again.expect("Resuming at question 4")
    assert again.current() == "risk-1"
    for number in "11111":
        again.answer(number)
    status, _ = again.finish()
    assert status == 0
    assert _answers(out)["problem-1"] == "c"


def test_end_of_input_at_the_terminal_saves_like_q(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path)
    quiz.answer("3")
    quiz.expect(ASK)
    quiz.child.sendeof()
    quiz.expect("Saved. To carry on")
    assert quiz.finish()[0] == 0
    assert len(list((tmp_path / "state").rglob("*.json"))) == 1


def test_a_damaged_saved_quiz_is_reported_and_started_over(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path)
    quiz.answer("3")
    quiz.answer("q")
    quiz.finish()
    (saved,) = (tmp_path / "state").rglob("*.json")
    saved.write_text("{half a file")
    again = Quiz(tmp_path)
    again.expect("could not read the saved quiz")
    again.expect("Question 1 of 8")
    again.answer("q")
    assert again.finish()[0] == 0


def test_restart_flag_starts_over(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path)
    quiz.answer("3")
    quiz.answer("q")
    quiz.finish()
    again = Quiz(tmp_path, "--restart")
    again.expect("Question 1 of 8")
    assert again.current() == "problem-1"
    again.answer("q")
    _, screen = again.finish()
    assert "unfinished quiz" not in screen


def test_ctrl_c_saves_and_exits_130_then_resumes(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path)
    quiz.answer("3")
    quiz.answer("1")
    assert quiz.current() == "release-1"
    quiz.expect(ASK)
    quiz.child.sendintr()
    quiz.expect("Interrupted. Your answers are saved")
    status, screen = quiz.finish()
    assert status == 130
    assert "Traceback" not in screen

    again = Quiz(tmp_path)
    again.expect("unfinished quiz")
    again.child.sendline("")
    again.expect("Question 3 of 8")
    assert again.current() == "release-1"
    again.answer("q")
    assert again.finish()[0] == 0


def _leans() -> dict[str, list[float]]:
    return {q.id: [o.lean for o in q.options] for q in load_bank(MINI).questions}


def test_adaptive_stops_early_on_a_clear_cut_answer_set(tmp_path: Path) -> None:
    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, "--adaptive", json_to=out)
    quiz.expect("At most 8 questions")
    leans = _leans()
    asked = 0
    while (qid := quiz.next_or("Stopped after")) is not None:
        asked += 1
        quiz.answer(str(1 + leans[qid].index(max(leans[qid]))))  # the most B2C option
    quiz.expect(
        rf"{asked} of 8: the other {8 - asked} (could not move your score|would change this)"
    )
    status, _ = quiz.finish()
    assert status == 0
    assert asked < 8
    assert json.loads(out.read_text())["recommendation"] == "B2C"


# An answer set that stays in the balance to the last question (found by brute force:
# after every prefix of the adaptive order, some completion still changes the result).
BALANCED = {
    "problem-1": "a",
    "buyer-1": "a",
    "release-1": "a",
    "risk-1": "a",
    "problem-2": "a",
    "buyer-2": "b",
    "release-2": "a",
    "risk-2": "a",
}


def test_adaptive_does_not_stop_on_a_balanced_answer_set(tmp_path: Path) -> None:
    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, "--adaptive", json_to=out)
    bank = load_bank(MINI)
    asked = []
    while (qid := quiz.next_or("last question", "Stopped after")) is not None:
        asked.append(qid)
        options = [o.id for o in bank.question(qid).options]
        quiz.answer(str(1 + options.index(BALANCED[qid])))
    status, screen = quiz.finish()
    assert status == 0
    assert "Stopped after" not in screen
    assert sorted(asked) == sorted(BALANCED)
    assert _answers(out) == BALANCED


def test_forty_columns(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path, size=(24, 40))
    for number in "31121212":
        quiz.answer(number)
    status, screen = quiz.finish()
    assert status == 0
    lines = _visible(screen).split("\n")
    assert "Recommendation" in _visible(screen)
    too_wide = [line for line in lines if len(line) > 40]
    assert too_wide == []


@pytest.mark.parametrize("how", [("--plain",), ("NO_COLOR",)])
def test_plain_and_no_color_have_no_colour_or_box_drawing(
    tmp_path: Path, how: tuple[str, ...]
) -> None:
    args, env = (how, None) if how[0] == "--plain" else ((), {"NO_COLOR": "1"})
    quiz = Quiz(tmp_path, *args, size=(24, 40), env=env)
    for number in "31121212":
        quiz.answer(number)
    status, screen = quiz.finish()
    assert status == 0
    assert "\x1b" not in screen
    if how[0] == "--plain":
        assert not re.search("[\u2500-\u259f]", screen)
        assert "Recommendation: " in screen
    else:  # NO_COLOR turns off colour only: the boxes, bars and progress bar stay
        assert "╭─ Recommendation ─" in re.sub("─+", "─", screen)
        assert "━━━━━─────" in screen  # question 4 of 8: heavy done, light to come
    assert max(len(line) for line in screen.replace("\r", "").split("\n")) <= 40


def test_spanish_everywhere(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path, "--lang", "es")
    quiz.expect("cinco product managers")
    quiz.expect("Pregunta 1 de 8")
    quiz.expect(re.escape("¿Qué problemas prefieres resolver?"))
    quiz.expect("Tu respuesta")
    quiz.child.sendline("x")
    quiz.expect("no es una respuesta válida")
    for number in "31121212":
        quiz.expect("Tu respuesta")
        quiz.child.expect(": ")
        quiz.child.sendline(number)
    status, screen = quiz.finish()
    assert status == 0
    text = _visible(screen)
    assert "Recomendación" in text and "Por dimensión" in text
    assert "Recommendation" not in text


def test_language_follows_the_environment(tmp_path: Path) -> None:
    quiz = Quiz(tmp_path, env={"LANG": "es_ES.UTF-8"})
    quiz.expect("Pregunta 1 de 8")
    quiz.expect("Tu respuesta")
    quiz.child.sendline("q")
    quiz.expect("Guardado")
    assert quiz.finish()[0] == 0


def _copy_mini(tmp_path: Path) -> Path:
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    return bank


def test_bank_changed_between_save_and_resume(tmp_path: Path) -> None:
    bank = _copy_mini(tmp_path)
    quiz = Quiz(tmp_path, bank=bank)
    for number in "312":
        quiz.answer(number)
    quiz.answer("q")
    assert quiz.finish()[0] == 0

    # buyer-1 goes away; problem-1's chosen option "c" is renamed; release-1 stays.
    questions = bank / "questions.yaml"
    text = questions.read_text()
    start = text.index("  - id: buyer-1")
    end = text.index("  - id: release-1")
    text = text[:start] + text[end:]
    text = text.replace(
        '- {id: c, lean: 1, label: {en: "An end user', '- {id: z, lean: 1, label: {en: "An end user'
    )
    questions.write_text(text)

    out = tmp_path / "me.json"
    again = Quiz(tmp_path, bank=bank, json_to=out)
    again.child.sendline("")
    again.expect("The question bank has changed since you saved")
    again.expect("earlier answers no longer fit and were dropped: problem-1, buyer-1")
    assert again.current() == "problem-1"  # asked again: its answer was dropped
    again.answer("1")
    again.expect("Your earlier answer: 2")  # release-1 kept its answer
    for _ in range(6):
        again.answer("2")
    status, _ = again.finish()
    assert status == 0
    answers = _answers(out)
    assert "buyer-1" not in answers
    assert answers["problem-1"] == "a" and answers["release-1"] == "b"


def test_bank_text_is_shown_literally(tmp_path: Path) -> None:
    bank = _copy_mini(tmp_path)
    questions = bank / "questions.yaml"
    text = questions.read_text().replace(
        '{en: "Which problems would you rather solve?"',
        '{en: "[bold]Which[/bold] problems \\e[31mwould\\e[0m you rather solve?"',
    )
    questions.write_text(text)
    quiz = Quiz(tmp_path, "--plain", bank=bank)
    quiz.expect(re.escape("[bold]Which[/bold] problems \\x1b[31mwould\\x1b[0m you rather"))
    quiz.answer("q")
    status, screen = quiz.finish()
    assert status == 0
    assert "\x1b" not in screen


def test_short_form_too_close_to_call_offers_the_rest_of_the_quiz(tmp_path: Path) -> None:
    """The short form ends too close to call; Enter carries its answers into the full quiz,
    which asks only the questions not yet answered, and the result counts them all."""
    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, "--short", json_to=out)
    short = [q.id for q in load_bank(MINI).questions if q.short]
    for qid in short:
        assert quiz.current() == qid
        quiz.answer("1")  # the first option everywhere: B2B and B2C answers, undecided
    quiz.expect(r"Too close to call after the short form\. 4 more questions")
    quiz.expect(r"Keep going\?")
    quiz.child.sendline("")
    rest = [qid for qid in MINI_ORDER if qid not in short]
    for qid in rest:
        assert quiz.current() == qid
        quiz.answer("1")
    status, screen = quiz.finish()
    assert status == 0
    answers = _answers(out)
    assert sorted(answers) == sorted(MINI_ORDER)
    assert all(answers[qid] is not None for qid in MINI_ORDER)
    assert "Recommendation" in _visible(screen)


def test_short_form_too_close_to_call_can_stop_there(tmp_path: Path) -> None:
    out = tmp_path / "me.json"
    quiz = Quiz(tmp_path, "--short", json_to=out)
    for _ in range(4):
        quiz.answer("1")
    quiz.expect(r"Keep going\?")
    quiz.child.sendline("x")
    quiz.expect("Press Enter to keep going, or r to see the result now.")
    quiz.child.sendline("r")
    status, screen = quiz.finish()
    assert status == 0
    data = json.loads(out.read_text())
    assert data["recommendation"] == "too_close"
    assert len(data["answers"]) == 4
    assert "Too close to call" in _words(screen)
