"""The result card rendered on a fixed-width Rich console: wide, narrow and plain."""

from __future__ import annotations

import io
import re

import msgspec
from banks import banks_with_answers
from hypothesis import given, settings
from rich.console import Console, RenderableType

from conftest import MINI, examples
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank, Option, Question, Text
from pmfit.render.result_view import QUOTES_SHOWN, result_view, score_meter
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
    assert "What would make it" in out and "instead of" in out
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


# The Why and What-would-change-it sections, exactly, through the CLI.
SCORE = ["score", "--bank", str(MINI), "--format", "table"]


def _section(out: str, start: str, end: str | None = None) -> str:
    """From the line `start` up to (not including) the line starting with `end`, with
    Rich's trailing padding stripped from each line."""
    lines = [line.rstrip() for line in out.splitlines()]
    first = lines.index(start)
    last = next(
        (i for i in range(first + 1, len(lines)) if end and lines[i].startswith(end)), len(lines)
    )
    return "\n".join(lines[first:last]).strip("\n") + "\n"


def _answers(**chosen: str) -> list[str]:
    return [arg for qid, oid in chosen.items() for arg in ("-a", f"{qid.replace('_', '-')}={oid}")]


def test_a_b2b_result_shows_only_quotes_for_b2b_and_what_would_change_it(cli) -> None:
    # buyer-1 has a quote for each side: only the B2B one may follow a B2B answer, and
    # a reason with no quote for its side (problem-2's quote speaks for B2C) stands alone.
    answers = _answers(problem_1="a", buyer_1="b", release_1="a", risk_1="b", problem_2="b")
    run = cli(*SCORE, *answers, "-a", "buyer-2=c")
    assert run.exit_code == 0
    assert _section(run.stdout, "Why", "What would make it") == (
        "Why\n"
        "• Which problems would you rather solve?\n"
        "  You chose “A business's problems” (Problem focus), which points to B2B\n"
        "  “Como PM, si está dispuesto a resolver los problemas del usuario final, elija B2C y,"
        " en caso de\n"
        "  que los problemas comerciales lo atraigan más, elija B2B.”\n"
        "  “As a PM, if you are keen to solve end-user problems, choose B2C, and if business"
        " problems appeal\n"
        "  to you more, choose B2B.”\n"
        "  — answer 2, a B2B SaaS PM\n"
        "\n"
        "• What draws you more?\n"
        "  You chose “Problems of a role, a team, an industry” (Problem focus), which points to B2B\n"
        "\n"
        "• Who would you rather build for?\n"
        "  You chose “An executive buyer and their teams” (Buyer and user), which points to B2B\n"
        "  “En B2B, el comprador y el usuario rara vez son la misma persona”\n"
        "  “In B2B, the buyer and the user are rarely the same person”\n"
        "  — answer 4, a PM on buyer versus user\n"
        "\n"
        "• Which trade-off suits you?\n"
        "  You chose “Low risk and stress, steady rewards” (Risk and reward), which points to B2B\n"
        "\n"
        "• How soon do you want to see your work live?\n"
        "  You chose “In long, planned releases” (Release cadence), which points to B2B\n"
    )
    # One answer moved to the other end leaves two answers each way: too close to call.
    assert _section(run.stdout, "What would make it “too close to call”") == (
        "What would make it “too close to call”\n"
        "• Which problems would you rather solve? — “An end user's problems” instead of “A"
        " business's\n"
        "problems”\n"
    )
    assert "“en B2C, el comprador" not in run.stdout


EITHER = _answers(problem_1="b", buyer_1="a", buyer_2="a", release_1="a", risk_1="a", risk_2="a")


def test_a_result_on_neither_side_shows_the_strongest_reasons_on_both_sides(cli) -> None:
    run = cli(*SCORE, *EITHER)
    assert run.exit_code == 0 and "Too close to call" in run.stdout
    assert _section(run.stdout, "Why: your strongest reasons on each side", "What would") == (
        "Why: your strongest reasons on each side\n"
        "• Who would you rather build for?\n"
        "  You chose “People who buy and use it themselves” (Buyer and user), which points to B2C\n"
        "  “en B2C, el comprador y el usuario suelen ser la misma persona”\n"
        "  “in B2C, the buyer and the user are usually the same person”\n"
        "  — answer 4, a PM on buyer versus user\n"
        "\n"
        "• Which value would you rather deliver?\n"
        "  You chose “Strategic value to an executive” (Buyer and user), which points to B2B\n"
        "  “debe crear soluciones que brinden valor estratégico al comprador ejecutivo con"
        " productos que\n"
        "  tengan valor táctico para los usuarios”\n"
        "  “you must build solutions that deliver strategic value to the executive buyer with"
        " products that\n"
        "  have tactical value for users”\n"
        "  — answer 4, a PM on buyer versus user\n"
        "\n"
        "• How soon do you want to see your work live?\n"
        "  You chose “In long, planned releases” (Release cadence), which points to B2B\n"
        "\n"
        "• Which trade-off suits you?\n"
        "  You chose “High risk and stress, high rewards” (Risk and reward), which points to B2C\n"
        "  “B2C = ciclos de vida del producto cortos, producción de alto volumen, alto riesgo /"
        " estrés, altas\n"
        "  recompensas”\n"
        "  “B2C = short product life cycles, high-volume output, high risk / stress, high"
        " rewards”\n"
        "  — answer 5, a PM's short summary\n"
        "\n"
        "• Which life cycle do you prefer?\n"
        "  You chose “Long product life cycles” (Risk and reward), which points to B2B\n"
        "  “B2B = ciclos de vida del producto largos”\n"
        "  “B2B = long product life cycles”\n"
        "  — answer 5, a PM's short summary\n"
    )
    # Too close to call, and one change from B2B (B2C, as far away, is the less probable).
    title = "What would make it B2B"
    assert _section(run.stdout, title) == (
        f"{title}\n"
        "• Which problems would you rather solve? — “A business's problems” instead of “Both"
        " equally”\n"
    )


def test_the_flip_says_what_it_changes_to_in_spanish(cli) -> None:
    run = cli(*SCORE, *EITHER, "--lang", "es")
    title = "Qué haría que fuera B2B"
    assert _section(run.stdout, title) == (
        f"{title}\n"
        "• ¿Qué problemas prefieres resolver? — «Los de un negocio» en lugar de «Ambos por"
        " igual»\n"
    )
    b2c = cli(
        *SCORE, *_answers(problem_1="c", buyer_1="a", release_1="b", risk_1="b"), "--lang", "es"
    )
    assert "Qué haría que fuera «demasiado igualado para decidir»\n" in b2c.stdout
    english = cli(*SCORE, *_answers(problem_1="c", buyer_1="a", release_1="b", risk_1="b"))
    assert "What would make it “too close to call”\n" in english.stdout


def test_no_view_claims_certainty(cli) -> None:
    # Every answer on the B2C side: the engine's confidence rounds to more than 99%.
    everything = _answers(
        problem_1="c",
        buyer_1="a",
        release_1="b",
        risk_1="a",
        problem_2="a",
        buyer_2="c",
        release_2="a",
        risk_2="b",
    )
    result = score(BANK, dict(a.split("=") for a in everything[1::2]))
    assert result.confidence >= 0.995
    run = cli(*SCORE, *everything)
    assert "strong B2C lean, very confident" in run.stdout
    assert "Confidence 99%" in run.stdout and "100%" not in run.stdout
    plain = render(result_view(result, BANK, "en", plain=True))
    assert "confidence 99%." in plain and "100%" not in plain


def test_many_skips_never_sit_beside_very_confident(cli) -> None:
    # Five of eight answered, all B2C: confident by the numbers, but 3 of 8 skipped.
    answers = _answers(problem_1="c", buyer_1="a", release_1="b", risk_1="a", problem_2="a")
    result = score(BANK, dict(a.split("=") for a in answers[1::2]))
    assert result.confidence >= 0.9 and "many_skips" in {f.code for f in result.flags}
    run = cli(*SCORE, *answers)
    assert "strong B2C lean, somewhat confident" in run.stdout
    assert "Confidence at most 74%" in run.stdout
    assert "You skipped 3 of 8 questions" in run.stdout
    assert "very confident" not in run.stdout and "fairly confident" not in run.stdout
    spanish = cli(*SCORE, *answers, "--lang", "es")
    words = " ".join(spanish.stdout.replace("│", " ").split())
    assert "con algo de confianza" in words and "Confianza como mucho 74%" in words


@settings(max_examples=examples(200), deadline=None)
@given(banks_with_answers())
def test_no_shown_quote_argues_against_the_push_of_its_reason(
    case: tuple[Bank, dict[str, str | None]],
) -> None:
    """On random banks (each quote's text names its side: "cita q3 B2B"), every quote the
    card shows speaks for the side its reason pushed, or for both; none says "100%";
    "very confident" never sits beside the many-skips note."""
    bank, answers = case
    result = score(bank, answers)
    out = render(result_view(result, bank, "en", plain=True), width=200)
    push = None
    shown = 0
    for line in out.splitlines():
        reason = re.search(r"which points to (B2B|B2C)$", line.rstrip())
        if reason:
            push = reason.group(1)
        quote = re.match(r"\s+es: “cita q\d+ (B2B|B2C|both)”", line)
        if quote:
            shown += 1
            assert push is not None and quote.group(1) in (push, "both"), out
    assert shown == min(QUOTES_SHOWN, sum(len(r.sources) for r in result.rationale))
    assert "100%" not in out
    if "many_skips" in {f.code for f in result.flags}:
        assert "very confident" not in out and "fairly confident" not in out
    if result.recommendation in ("B2B", "B2C"):
        assert set(re.findall(r"which points to (B2B|B2C)", out)) <= {result.recommendation}


def test_a_result_no_change_would_change_says_so() -> None:
    from banks import make_bank

    # Every option leans B2B: no change of answers makes it anything but B2B.
    bank = make_bank([1.0], [(0, [-1.0, -0.9])] * 6)
    result = score(bank, {f"q{j}": "o0" for j in range(6)})
    assert (result.recommendation, result.flip, result.flip_to) == ("B2B", [], None)
    out = render(result_view(result, bank, "en"))
    assert "What would change it\nNo change of answers would change this result.\n" in out
    assert "What would make it" not in out
