"""The result as Rich renderables: a recommendation panel, dimension bars, reasons.

Every text from a bank or an answers file goes in as `rich.text.Text` (through
`literal`, which makes control characters visible), never as markup, so
`[bold]` in a prompt prints as written.

Three layouts: the full one (a panel, a table of diverging bars); a narrow one
below 60 columns (the bars stacked under each dimension's name); and a plain
one (`plain=True`) of words only, with no colour and no box drawing, for screen
readers, NO_COLOR and 40-column terminals.
"""

from __future__ import annotations

import re

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pmfit.bank.model import Bank, Question
from pmfit.i18n import MESSAGES, t
from pmfit.scoring.result import Result
from pmfit.text.literal import literal
from pmfit.text.numbers import signed

SIDE_STYLE = {
    "B2B": "cyan",
    "B2C": "magenta",
    "either": "green",
    "too_close": "yellow",
    "insufficient": "yellow",
}
#: The why-section shows at most this many quotes, shared out so every reason gets one
#: before any gets a second.
QUOTES_SHOWN = 5
#: The most certainty a view states: a handful of answers never makes a result certain.
CONFIDENCE_CEILING = 0.99
#: Beside a many-skips note the words stop at "somewhat confident" (below "fairly").
SKIPS_CEILING = 0.74
NARROW = 60
SHORT_PROMPT = 90


def shown_confidence(result: Result) -> tuple[float, bool]:
    """The confidence a view states, and whether many skips capped it.

    The engine's figure stays in the JSON; a view never states more than
    `CONFIDENCE_CEILING`, and beside a many-skips flag no more than `SKIPS_CEILING`:
    the figure then rests on too few of the questions to be called very sure.
    """
    skips = any(f.code == "many_skips" for f in result.flags)
    ceiling = SKIPS_CEILING if skips else CONFIDENCE_CEILING
    return min(result.confidence, ceiling), skips and result.confidence > ceiling


def confidence_figure(result: Result, lang: str) -> str:
    """ "97%", or "at most 74%" when many skips capped it."""
    shown, capped = shown_confidence(result)
    figure = percent(shown)
    return t("conf.at_most", lang, figure=figure) if capped else figure


def explanation(result: Result, lang: str) -> str:
    """What the recommendation claims, in words, with its probability."""
    p = result.probabilities
    # A decided result's own probability is its confidence: stated as the panel states it.
    if result.recommendation in ("B2B", "B2C"):
        side = result.recommendation
        return t("rec.explain.side", lang, side=side, p=confidence_figure(result, lang))
    if result.recommendation == "either":
        return t("rec.explain.either", lang, p=confidence_figure(result, lang))
    if result.recommendation == "too_close":
        ranked = sorted(
            [("B2B", p.B2B), (t("outcome.either", lang), p.either), ("B2C", p.B2C)],
            key=lambda item: -item[1],
        )
        (first, p1), (second, p2) = ranked[:2]
        return t(
            "rec.explain.too_close",
            lang,
            first=first,
            p1=percent(p1),
            second=second,
            p2=percent(p2),
        )
    return ""


def lean_words(result: Result, lang: str) -> str:
    """ "clear B2C lean, fairly confident" for a result."""
    if result.recommendation == "insufficient":
        return t("rec.insufficient", lang)
    if result.recommendation == "too_close":
        # Undecided: the most probable outcome, with its probability.
        p = result.probabilities
        lead = max([("B2B", p.B2B), ("either", p.either), ("B2C", p.B2C)], key=lambda x: x[1])
        name = lead[0] if lead[0] != "either" else t("outcome.either", lang)
        return t("lean.toward", lang, side=name, p=percent(lead[1]))
    size = abs(result.score)
    side = "B2C" if result.score > 0 else "B2B"
    if result.recommendation not in ("B2B", "B2C"):
        lean = t("lean.none", lang)
    elif size < 35:
        lean = t("lean.mild", lang, side=side)
    elif size < 60:
        lean = t("lean.clear", lang, side=side)
    else:
        lean = t("lean.strong", lang, side=side)
    c, _ = shown_confidence(result)
    key = (
        "conf.very"
        if c >= 0.9
        else "conf.fairly"
        if c >= 0.75
        else ("conf.somewhat" if c >= 0.5 else "conf.low")
    )
    return f"{lean}, {t(key, lang)}"


def score_meter(score: float, width: int = 21) -> Text:
    """B2B ├─────●─────┤ B2C: the score's place between the two ends."""
    slots = max(5, width)
    at = round((score + 100) / 200 * (slots - 1))
    line = "".join("●" if i == at else ("┼" if i == slots // 2 else "─") for i in range(slots))
    return Text.assemble(("B2B ", "cyan"), "├", line, "┤", (" B2C", "magenta"))


def diverging_bar(score: float | None, half: int = 10) -> Text:
    """Bars that grow left for B2B and right for B2C from a centre line."""
    if score is None:
        return Text(" " * half + "·" + " " * half, style="dim")
    cells = round(abs(score) / 100 * half)
    if score < 0:
        return Text.assemble(" " * (half - cells), ("█" * cells, "cyan"), "│", " " * half)
    return Text.assemble(" " * half, "│", ("█" * cells, "magenta"), " " * (half - cells))


#: Opening and closing quote marks a label may already be wrapped in.
QUOTES = {"\u201c": "\u201d", "\u00ab": "\u00bb", '"': '"', "'": "'", "\u2018": "\u2019"}


def unquoted(label: str) -> str:
    """A label without the quote marks it is wholly wrapped in: the messages quote it."""
    text = label.strip()
    if len(text) >= 2 and QUOTES.get(text[0]) == text[-1]:
        inner = text[1:-1]
        if text[0] not in inner and text[-1] not in inner:  # one quotation, not two
            return inner
    return label


def axis_header(half: int = 10) -> str:
    """ "B2B │ B2C" with its bar exactly over the centre line of `diverging_bar(half)`."""
    return " " * max(0, half - 4) + "B2B │ B2C"


def percent(share: float) -> str:
    """A share as a whole percentage that never rounds to a certainty it is not."""
    if 0.995 <= share < 1:
        return ">99%"
    if 0 < share < 0.005:
        return "<1%"
    return f"{share:.0%}"


def short_prompt(question: Question, lang: str) -> str:
    """The prompt's first sentence, or its start: enough to recognise the question."""
    prompt = question.prompt.get(lang)
    first = re.split(r"(?<=[.?!])\s", prompt, maxsplit=1)[0]
    if len(first) <= SHORT_PROMPT:
        return first
    return first[: SHORT_PROMPT - 1].rsplit(" ", 1)[0] + "…"


def _summary(result: Result, lang: str, plain: bool, width: int | None) -> RenderableType:
    interval = t("interval.words", lang, low=result.interval.low, high=result.interval.high)
    # "Not enough answers to say" and "Too close to call" are both the headline and the
    # words: say them once.
    undecided = result.recommendation in ("insufficient", "too_close")
    words = "" if undecided else lean_words(result, lang)
    explained = explanation(result, lang)
    if plain:
        return Text(
            f"{t('recommendation', lang)}: {t(f'rec.{result.recommendation}', lang)}\n"
            + (f"{words}.\n" if words else "")
            + (f"{explained}\n" if explained else "")
            + t(
                "score.scale.undecided" if undecided else "score.scale",
                lang,
                score=result.score,
                interval=interval,
                confidence=confidence_figure(result, lang),
            )
        )
    meter_width = 21 if width is None else max(5, min(21, width - 16))
    summary = Text.assemble(
        (
            t(f"rec.{result.recommendation}", lang),
            f"bold {SIDE_STYLE.get(result.recommendation, 'green')}",
        ),
        "\n" + words if words else "",
        "\n" + explained if explained else "",
        "\n\n",
        score_meter(result.score, meter_width),
        "\n",
        f"{t('score', lang)} {signed(result.score)}, {interval} (90%)",
        # An undecided result has no confidence to state: the explanation gives the odds.
        "" if undecided else f"  ·  {t('confidence', lang)} {confidence_figure(result, lang)}",
    )
    return Panel(summary, title=t("recommendation", lang), box=box.ROUNDED, expand=False)


def _dimensions(
    result: Result, bank: Bank, lang: str, plain: bool, width: int | None
) -> RenderableType:
    names = {d.id: literal(d.name.get(lang)) for d in bank.dimensions}
    if plain:
        lines = Text(t("dimensions", lang))
        for d in result.dimensions:
            name = names.get(d.id, d.id)
            if d.score is None:
                words = t("dim.none", lang, name=name, questions=d.questions)
            else:
                side = (
                    t("dim.even", lang)
                    if round(d.score) == 0
                    else t("dim.leans", lang, side="B2C" if d.score > 0 else "B2B")
                )
                words = t(
                    "dim.line",
                    lang,
                    name=name,
                    score=d.score,
                    side=side,
                    answered=d.answered,
                    questions=d.questions,
                )
            lines.append("\n- " + words)
        return lines
    if width is not None and width < NARROW:
        stacked = Text(t("dimensions", lang), style="bold")
        stacked.append("\n" + axis_header(8), style="dim")
        for d in result.dimensions:
            stacked.append("\n" + names.get(d.id, d.id) + "\n")
            stacked.append_text(diverging_bar(d.score, half=8))
            score = "–" if d.score is None else signed(d.score)
            stacked.append(f" {score:>4} {d.answered}/{d.questions}")
        return stacked
    table = Table(
        title=t("dimensions", lang), box=box.SIMPLE, show_header=True, title_justify="left"
    )
    table.add_column(t("dimension", lang))
    table.add_column(axis_header(), no_wrap=True)
    table.add_column(t("score", lang), justify="right")
    table.add_column(t("answered", lang), justify="right")
    for d in result.dimensions:
        table.add_row(
            Text(names.get(d.id, d.id)),
            diverging_bar(d.score),
            "–" if d.score is None else signed(d.score),
            f"{d.answered}/{d.questions}",
        )
    return table


def _shared_quotes(result: Result) -> list[int]:
    """How many quotes each reason shows: `QUOTES_SHOWN` in all, dealt one per reason
    per round in the rationale's order, so no reason (and no side) goes without."""
    counts = [0] * len(result.rationale)
    left = QUOTES_SHOWN
    while left:
        dealt = False
        for i, item in enumerate(result.rationale):
            if left and counts[i] < len(item.sources):
                counts[i] += 1
                left -= 1
                dealt = True
        if not dealt:
            break
    return counts


def _why(result: Result, bank: Bank, lang: str, plain: bool) -> RenderableType:
    questions = {q.id: q for q in bank.questions}
    names = {d.id: literal(d.name.get(lang)) for d in bank.dimensions}
    bullet = "- " if plain else "• "
    one_side = result.recommendation in ("B2B", "B2C")
    title = t("why" if one_side else "why.both", lang)
    parts: list[RenderableType] = [Text(title, style="" if plain else "bold")]
    for i, (item, quotes) in enumerate(zip(result.rationale, _shared_quotes(result), strict=True)):
        q = questions[item.question]
        label = next(o.label.get(lang) for o in q.options if o.id == item.option)
        dimension = names.get(item.dimension, item.dimension)
        if i:
            parts.append(Text(""))
        parts.append(Text(bullet + literal(short_prompt(q, lang)), style="" if plain else "bold"))
        chose = Text(t("why.item", lang, label=literal(unquoted(label)), dimension=dimension))
        chose.append(", ")
        chose.append(
            t("why.toward", lang, side=item.toward), style="" if plain else SIDE_STYLE[item.toward]
        )
        parts.append(Padding(chose, (0, 0, 0, 2), expand=False))
        for s in item.sources[:quotes]:
            said_by = t(
                "said_by",
                lang,
                n=s.answer,
                role=literal(bank.source.answer(s.answer).role.get(lang)),
            )
            quote = Text.assemble(
                "es: " if plain else "",
                (f"\u201c{literal(s.es)}\u201d", "" if plain else "italic"),
                "\n",
                "en: " if plain else "",
                f"\u201c{literal(s.en)}\u201d",
                "\n",
                "- " if plain else "\u2014 ",
                (said_by, "" if plain else "dim"),
            )
            parts.append(Padding(quote, (0, 0, 0, 2), expand=False))
    return Group(*parts)


def outcome_name(recommendation: str, lang: str) -> str:
    """A recommendation as it reads inside a sentence ("B2C", "“either” (both fit)")."""
    key = f"outcome.{recommendation}"
    return t(key if key in MESSAGES else f"rec.{recommendation}", lang)


def _change(result: Result, bank: Bank, lang: str, plain: bool) -> Text:
    questions = {q.id: q for q in bank.questions}
    bullet = "- " if plain else "• "
    if result.flip and result.flip_to is not None:
        title = t("flip.to", lang, to=outcome_name(result.flip_to, lang))
    else:
        title = t("flip", lang)
    change = Text(title, style="" if plain else "bold")
    if result.recommendation == "insufficient":
        share = f"{bank.thresholds.min_answered_weight:.0%}"
        change.append("\n" + t("flip.insufficient", lang, share=share))
    elif not result.flip:
        change.append("\n" + t("flip.none", lang))
    for c in result.flip:
        q = questions[c.question]
        labels = {o.id: literal(unquoted(o.label.get(lang))) for o in q.options}
        before = labels[c.from_] if c.from_ else t("skipped", lang)
        words = t(
            "flip.item",
            lang,
            prompt=literal(short_prompt(q, lang)),
            to=labels[c.to],
            **{"from": before},
        )
        change.append("\n" + bullet + words)
    return change


def titles(bank: Bank, question_ids: list[str], lang: str) -> str:
    """Questions as the respondent saw them: each one's short prompt, quoted, in a list."""
    left, right = ("\u00ab", "\u00bb") if lang == "es" else ("\u201c", "\u201d")
    shown = []
    for qid in question_ids:
        try:
            shown.append(left + unquoted(short_prompt(bank.question(qid), lang)) + right)
        except KeyError:  # not in this bank: its id is all there is
            shown.append(qid)
    return ", ".join(shown)


def _flags(result: Result, bank: Bank, lang: str, plain: bool) -> Text:
    bullet = "- " if plain else "• "
    flags = Text(t("flags", lang), style="" if plain else "bold yellow")
    for f in result.flags:
        if f.code == "many_skips":
            # The flag lists the skipped questions among those put to the respondent (an
            # adaptive quiz does not put them all).
            answered = sum(1 for v in result.answers.values() if v is not None)
            skipped = len(f.questions)
            words = t("flag.many_skips", lang, count=skipped, total=skipped + answered)
        else:
            words = t(f"flag.{f.code}", lang, questions=titles(bank, f.questions, lang))
        flags.append("\n" + bullet + literal(words))
    return flags


def result_view(
    result: Result, bank: Bank, lang: str = "en", *, plain: bool = False, width: int | None = None
) -> RenderableType:
    """The whole result card; `width` (the console's) picks the narrow layout below 60."""
    gap = Text("")
    parts: list[RenderableType] = [
        _summary(result, lang, plain, width),
        gap,
        _dimensions(result, bank, lang, plain, width),
    ]
    if result.rationale:
        parts += [gap, _why(result, bank, lang, plain)]
    parts += [gap, _change(result, bank, lang, plain)]
    if result.flags:
        parts += [gap, _flags(result, bank, lang, plain)]
    return Group(*parts)
