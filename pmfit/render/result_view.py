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
from pmfit.i18n import t
from pmfit.render.literal import literal
from pmfit.scoring.result import Result

SIDE_STYLE = {
    "B2B": "cyan",
    "B2C": "magenta",
    "either": "green",
    "too_close": "yellow",
    "insufficient": "yellow",
}
#: The why-section shows the strongest quotes behind the recommendation, at most this many.
QUOTES_SHOWN = 5
NARROW = 60
SHORT_PROMPT = 90


def explanation(result: Result, lang: str) -> str:
    """What the recommendation claims, in words, with its probability."""
    p = result.probabilities
    if result.recommendation in ("B2B", "B2C"):
        side = result.recommendation
        return t("rec.explain.side", lang, side=side, p=percent(getattr(p, side)))
    if result.recommendation == "either":
        return t("rec.explain.either", lang, p=percent(p.either))
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
        return t("rec.too_close", lang)
    size = abs(result.score)
    side = "B2C" if result.score > 0 else "B2B"
    if result.recommendation == "either":
        lean = t("lean.none", lang)
    elif size < 35:
        lean = t("lean.mild", lang, side=side)
    elif size < 60:
        lean = t("lean.clear", lang, side=side)
    else:
        lean = t("lean.strong", lang, side=side)
    c = result.confidence
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
                confidence=percent(result.confidence),
            )
        )
    meter_width = 21 if width is None else max(5, min(21, width - 16))
    summary = Text.assemble(
        (t(f"rec.{result.recommendation}", lang), f"bold {SIDE_STYLE[result.recommendation]}"),
        "\n" + words if words else "",
        "\n" + explained if explained else "",
        "\n\n",
        score_meter(result.score, meter_width),
        "\n",
        f"{t('score', lang)} {result.score:+.0f}, {interval} (90%)",
        # An undecided result has no confidence to state: the explanation gives the odds.
        "" if undecided else f"  ·  {t('confidence', lang)} {percent(result.confidence)}",
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
        stacked = Text(t("dimensions", lang) + "  (B2B │ B2C)", style="bold")
        for d in result.dimensions:
            stacked.append("\n" + names.get(d.id, d.id) + "\n")
            stacked.append_text(diverging_bar(d.score, half=8))
            score = "–" if d.score is None else f"{d.score:+.0f}"
            stacked.append(f" {score:>4} {d.answered}/{d.questions}")
        return stacked
    table = Table(
        title=t("dimensions", lang), box=box.SIMPLE, show_header=True, title_justify="left"
    )
    table.add_column(t("dimension", lang))
    table.add_column("B2B │ B2C", no_wrap=True)
    table.add_column(t("score", lang), justify="right")
    table.add_column(t("answered", lang), justify="right")
    for d in result.dimensions:
        table.add_row(
            Text(names.get(d.id, d.id)),
            diverging_bar(d.score),
            "–" if d.score is None else f"{d.score:+.0f}",
            f"{d.answered}/{d.questions}",
        )
    return table


def _why(result: Result, bank: Bank, lang: str, plain: bool) -> RenderableType:
    questions = {q.id: q for q in bank.questions}
    names = {d.id: literal(d.name.get(lang)) for d in bank.dimensions}
    bullet = "- " if plain else "• "
    parts: list[RenderableType] = [Text(t("why", lang), style="" if plain else "bold")]
    shown = 0
    for item in result.rationale:
        if shown >= QUOTES_SHOWN:
            break
        q = questions[item.question]
        label = next(o.label.get(lang) for o in q.options if o.id == item.option)
        dimension = names.get(item.dimension, item.dimension)
        if shown:
            parts.append(Text(""))
        parts.append(Text(bullet + literal(short_prompt(q, lang)), style="" if plain else "bold"))
        parts.append(
            Padding(
                Text(t("why.item", lang, label=literal(label), dimension=dimension)),
                (0, 0, 0, 2),
                expand=False,
            )
        )
        for s in item.sources[: QUOTES_SHOWN - shown]:
            shown += 1
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


def _change(result: Result, bank: Bank, lang: str, plain: bool) -> Text:
    questions = {q.id: q for q in bank.questions}
    bullet = "- " if plain else "• "
    change = Text(t("flip", lang), style="" if plain else "bold")
    if result.recommendation == "insufficient":
        share = f"{bank.thresholds.min_answered_weight:.0%}"
        change.append("\n" + t("flip.insufficient", lang, share=share))
    elif not result.flip:
        change.append("\n" + t("flip.none", lang))
    for c in result.flip:
        q = questions[c.question]
        labels = {o.id: literal(o.label.get(lang)) for o in q.options}
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


def _flags(result: Result, lang: str, plain: bool) -> Text:
    bullet = "- " if plain else "• "
    flags = Text(t("flags", lang), style="" if plain else "bold yellow")
    for f in result.flags:
        if f.code == "many_skips":
            skipped = sum(1 for v in result.answers.values() if v is None)
            words = t("flag.many_skips", lang, count=skipped, total=len(result.answers))
        else:
            words = t(f"flag.{f.code}", lang, questions=", ".join(f.questions))
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
        parts += [gap, _flags(result, lang, plain)]
    return Group(*parts)
