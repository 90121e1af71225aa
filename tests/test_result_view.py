"""The result card rendered on a fixed-width Rich console: wide, narrow and plain."""

from __future__ import annotations

import io
import re

import msgspec
from rich.console import Console, RenderableType

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank, Option, Question, Text
from pmfit.render.result_view import result_view, score_meter
from pmfit.scoring.engine import score

BANK = load_bank(MINI)
B2C = {
    "problem-1": "c",
    "buyer-1": "a",
    "release-1": "b",
    "risk-1": "a",
    "problem-2": "a",
    "buyer-2": "c",
    "release-2": "a",
    "risk-2": "b",
}
BOX = re.compile("[\u2500-\u259f]")
# Uniformly random answers to the shipped bank that fit random choice ten times better.
RANDOM = "baadeceabcedcbdccacadecbbacab"


def render(renderable: RenderableType, width: int = 80) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, markup=False)
    console.print(renderable)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return str(output)


def test_wide_card_has_panel_meter_bars_quotes_and_flip() -> None:
    result = score(BANK, {**B2C, "risk-1": "b"})
    out = render(result_view(result, BANK, "en"))
    assert "╭" in out and "Recommendation" in out
    assert "B2C" in out.splitlines()[1]
    assert "lean" in out and "confident" in out and "likely between" in out
    assert "B2B │ B2C" in out
    assert "Problem focus" in out and "Buyer and user" in out
    assert "Why" in out and "answer 2, a B2B SaaS PM" in out
    assert "What would change it" in out and "instead of" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_plain_card_is_words_only_and_fits_forty_columns() -> None:
    result = score(BANK, B2C)
    out = render(result_view(result, BANK, "en", plain=True, width=40), width=40)
    assert not BOX.search(out)
    assert out.startswith("Recommendation: B2C\nstrong B2C lean")
    assert "- Problem focus: +100, leans B2C (2 of 2 answered)" in " ".join(out.split("\n"))
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 40


def test_narrow_card_stacks_the_bars() -> None:
    result = score(BANK, B2C)
    out = render(result_view(result, BANK, "en", width=40), width=40)
    assert max(len(line) for line in out.splitlines()) <= 40
    lines = out.splitlines()
    at = lines.index("Problem focus")
    assert "│" in lines[at + 1] and "+100 2/2" in lines[at + 1]


def test_at_most_five_quotes_with_who_said_them() -> None:
    result = score(BANK, B2C)
    out = render(result_view(result, BANK, "en"))
    attributions = re.findall(r"— answer \d, ", out)
    assert 3 <= len(attributions) <= 5
    # Each quote twice: the Spanish original and the English translation.
    first = result.rationale[0].sources[0]
    flat = " ".join(out.split())
    assert f"\u201c{first.es}\u201d" in flat and f"\u201c{first.en}\u201d" in flat


def test_insufficient_says_so_once() -> None:
    result = score(BANK, {"problem-1": "c"})
    out = render(result_view(result, BANK, "en"))
    assert out.count("Not enough answers to say") == 1
    assert "they need to settle at least 25% of the score" in out


def test_flags_in_words() -> None:
    first = {q.id: q.options[0].id for q in BANK.questions}
    out = " ".join(render(result_view(score(BANK, first), BANK, "en")).split())
    assert "About your answers" in out
    assert "You chose the same option position for every question" in out
    shipped = load_bank()
    answers = dict(zip((q.id for q in shipped.questions), RANDOM, strict=True))
    out = " ".join(render(result_view(score(shipped, answers), shipped, "es")).split())
    assert "Tus respuestas encajan diez veces mejor con una elección al azar" in out


def test_spanish_card() -> None:
    out = render(result_view(score(BANK, B2C), BANK, "es"))
    assert "Recomendación" in out and "Por dimensión" in out and "Por qué" in out
    assert "respuesta 2, un PM de SaaS B2B" in out


def test_score_meter_ends() -> None:
    def slots(value: float) -> str:
        return score_meter(value).plain.removeprefix("B2B ├").removesuffix("┤ B2C")

    assert slots(-100).index("●") == 0
    assert slots(100).index("●") == len(slots(100)) - 1 == 20
    assert slots(0).index("●") == 10 and "┼" not in slots(0)


def _hostile(bank: Bank) -> Bank:
    q = bank.questions[0]
    evil = msgspec.structs.replace(
        q,
        prompt=Text(en="[bold]Evil[/bold] \x1b[31mred\x1b[0m prompt?", es="x"),
        options=[
            Option(id=o.id, label=Text(en=f"[red]{o.id}[/red]\x07", es="x"), lean=o.lean)
            for o in q.options
        ],
    )
    questions: list[Question] = [evil, *bank.questions[1:]]
    return msgspec.structs.replace(bank, questions=questions)


def test_bank_text_is_printed_literally() -> None:
    bank = _hostile(BANK)
    result = score(bank, B2C)
    console = Console(width=100, file=io.StringIO(), color_system="truecolor", force_terminal=True)
    console.print(result_view(result, bank, "en"))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "You chose \u201c[red]c[/red]\\x07\u201d" in out
    assert "\x07" not in out and "\x1b[31mred" not in out
