"""The quiz's screens rendered on a fixed-width Rich console."""

from __future__ import annotations

import io
import re

import msgspec
from rich.console import Console, RenderableType

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Text
from pmfit.quiz.session import Session
from pmfit.render.quiz_view import question_view, welcome, why_view
from pmfit.text.literal import literal

BANK = load_bank(MINI)


def render(renderable: RenderableType, width: int = 80, colour: bool = False) -> str:
    console = Console(
        width=width,
        file=io.StringIO(),
        color_system="truecolor" if colour else None,
        force_terminal=colour,
        markup=False,
    )
    console.print(renderable)
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def test_welcome_says_what_where_how_long_and_the_keys() -> None:
    out = " ".join(render(welcome(BANK, Session.start(BANK), "en")).split())
    assert "B2B or B2C product management fits you better" in out
    assert "five product managers' answers to" in out
    assert "What is the difference between B2B and B2C product management?" in out
    assert "8 questions, about" in out and "minutes" in out
    assert "In a hurry? pmfit quiz --short asks 4 of them (about 1 minute)." in out
    short = " ".join(render(welcome(BANK, Session.start(BANK, "short"), "en")).split())
    assert "In a hurry" not in short
    assert "b back, s skip, ? why this question, q save and quit" in out


def test_welcome_adaptive_and_spanish() -> None:
    out = " ".join(render(welcome(BANK, Session.start(BANK, adaptive=True), "es")).split())
    assert "cinco product managers" in out
    assert "Como mucho 8 preguntas" in out


def test_question_shows_progress_dimension_prompt_and_numbered_options() -> None:
    s = Session.start(BANK)
    q = s.current()
    assert q is not None
    out = render(question_view(s, q, "en", plain=True), width=40)
    assert out.splitlines()[1:6] == [
        "Question 1 of 8. Problem focus",
        "Which problems would you rather solve?",
        "  1. A business's problems",
        "  2. Both equally",
        "  3. An end user's problems",
    ]


def test_an_earlier_answer_is_shown() -> None:
    s = Session.start(BANK)
    s.answer("b")
    s.back()
    q = s.current()
    assert q is not None
    plain = render(question_view(s, q, "en", plain=True))
    assert "  2. Both equally (your answer)" in plain
    assert "Your earlier answer: 2. Press Enter to keep it" in plain
    fancy = render(question_view(s, q, "en"))
    assert "  2. Both equally ◀" in fancy
    assert "─" * 20 + " Question 1 of 8" in fancy  # nothing done yet: all light


def test_why_quotes_spanish_and_english_with_who_said_them() -> None:
    q = BANK.question("buyer-2")
    out = " ".join(render(why_view(BANK, q, "en", plain=True), width=40).split())
    quote = q.sources[0].quote
    assert f"es: \u201c{quote.es}\u201d" in out
    assert f"en: \u201c{quote.en}\u201d" in out
    assert "- answer 4, a PM on buyer versus user" in out
    assert "Buyer and user: Whether the buyer is the user" in out


def test_bank_text_is_shown_literally_even_in_colour() -> None:
    q = msgspec.structs.replace(
        BANK.questions[0],
        prompt=Text(en="[bold]Really[/bold] \x1b]0;pwned\x07 \x1b[2J?", es="x"),
    )
    bank = msgspec.structs.replace(BANK, questions=[q, *BANK.questions[1:]])
    s = Session.start(bank)
    out = render(question_view(s, q, "en"), colour=True)
    assert "[bold]Really[/bold] \\x1b]0;pwned\\x07 \\x1b[2J?" in out
    # The only escape sequences left are Rich's own styles (ESC [ ... m).
    assert re.sub(r"\x1b\[[0-9;]*m", "", out).count("\x1b") == 0


def test_literal_escapes_controls_but_keeps_newlines_tabs_and_text() -> None:
    assert literal("a\tb\nc") == "a\tb\nc"
    # DEL and C1 as JSON's own escapes, so that JSON output stays valid JSON.
    assert literal("\x1b[1m\r\x7f\x9b") == "\\x1b[1m\\x0d\\u007f\\u009b"
    assert literal("line\r\n") == "line\r\n"
    assert literal("abc\u202eevil") == "abc\\u202eevil"
    assert literal("¿Qué? «sí» — “ok” ✓") == "¿Qué? «sí» — “ok” ✓"
