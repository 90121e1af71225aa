"""The result as Rich renderables: a recommendation panel, dimension bars, reasons.

Every text from a bank or an answers file goes in as `rich.text.Text`, never as
markup, so `[bold]` in a prompt prints as written.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pmfit.bank.model import Bank
from pmfit.i18n import t
from pmfit.scoring.result import Result

SIDE_STYLE = {"B2B": "cyan", "B2C": "magenta", "either": "green", "insufficient": "yellow"}


def lean_words(result: Result, lang: str) -> str:
    """ "clear B2C lean, fairly confident" for a result."""
    if result.recommendation == "insufficient":
        return t("rec.insufficient", lang)
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


def _role(bank: Bank, answer: int, lang: str) -> str:
    for a in bank.source.answers:
        if a.number == answer:
            return a.role.get(lang)
    return ""


def result_view(result: Result, bank: Bank, lang: str = "en") -> RenderableType:
    questions = {q.id: q for q in bank.questions}
    names = {d.id: d.name.get(lang) for d in bank.dimensions}
    parts: list[RenderableType] = []

    headline = Text(
        t(f"rec.{result.recommendation}", lang), style=f"bold {SIDE_STYLE[result.recommendation]}"
    )
    summary = Text.assemble(
        headline,
        "\n",
        lean_words(result, lang),
        "\n\n",
        score_meter(result.score),
        "\n",
        f"{t('score', lang)} {result.score:+.0f}  ·  "
        f"{t('interval', lang)} {result.interval.low:+.0f}..{result.interval.high:+.0f}  ·  "
        f"{t('confidence', lang)} {result.confidence:.0%}",
    )
    parts.append(Panel(summary, title=t("recommendation", lang), box=box.ROUNDED, expand=False))

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
    parts.append(table)

    if result.rationale:
        why = Text(t("why", lang) + "\n", style="bold")
        for item in result.rationale:
            q = questions[item.question]
            label = next(o.label.get(lang) for o in q.options if o.id == item.option)
            why.append("\n• ")
            why.append(q.prompt.get(lang), style="bold")
            why.append("\n  " + t("you_chose", lang, label=label) + "\n")
            for s in item.sources:
                why.append(f"  \u201c{s.es}\u201d\n", style="italic")
                why.append(f"  \u201c{s.en}\u201d\n")
                said_by = t("said_by", lang, n=s.answer, role=_role(bank, s.answer, lang))
                why.append(f"  \u2014 {said_by}\n", style="dim")
        parts.append(why)

    change = Text(t("flip", lang) + "\n", style="bold")
    if result.recommendation == "insufficient":
        change.append(t("flip.insufficient", lang) + "\n")
    elif not result.flip:
        change.append(t("flip.none", lang) + "\n")
    for c in result.flip:
        q = questions[c.question]
        labels = {o.id: o.label.get(lang) for o in q.options}
        before = labels[c.from_] if c.from_ else t("skipped", lang)
        change.append(
            "• "
            + t("flip.item", lang, prompt=q.prompt.get(lang), to=labels[c.to], **{"from": before})
            + "\n"
        )
    parts.append(change)

    if result.flags:
        flags = Text(t("flags", lang) + "\n", style="bold yellow")
        for f in result.flags:
            if f.code == "many_skips":
                skipped = sum(1 for v in result.answers.values() if v is None)
                words = t("flag.many_skips", lang, count=skipped, total=len(result.answers))
            else:
                words = t(f"flag.{f.code}", lang, questions=", ".join(f.questions))
            flags.append("• " + words + "\n")
        parts.append(flags)
    return Group(*parts)
