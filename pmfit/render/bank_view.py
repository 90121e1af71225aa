"""Rich views of a bank and of its coverage of the thread."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from pmfit.bank.coverage import ParagraphCoverage
from pmfit.bank.model import Bank


def bank_view(bank: Bank, lang: str = "en", plain: bool = False) -> RenderableType:
    rule = None if plain else box.SIMPLE
    names = {d.id: d.name.get(lang) for d in bank.dimensions}
    dims = Table(title=Text(f"{bank.title.get(lang)} ({bank.id} {bank.version})"), box=rule)
    for column in ("dimension", "weight", "questions", "description"):
        dims.add_column(column)
    for d in bank.dimensions:
        count = sum(1 for q in bank.questions if q.dimension == d.id)
        dims.add_row(
            Text(d.name.get(lang)), f"{d.weight:g}", str(count), Text(d.description.get(lang))
        )
    questions = Table(box=rule, show_lines=False)
    for column in ("id", "dimension", "short", "prompt and options (lean)"):
        questions.add_column(column)
    for q in bank.questions:
        body = Text(q.prompt.get(lang))
        for o in q.options:
            body.append(f"\n  {o.id}. {o.label.get(lang)} ({o.lean:+g})")
        questions.add_row(
            q.id, Text(names.get(q.dimension, q.dimension)), "✓" if q.short else "", body
        )
    return Group(dims, questions)


def _excerpt(text: str) -> str:
    """`text` cut to at most 120 characters."""
    return text if len(text) <= 120 else text[:117] + "..."


def coverage_view(rows: list[ParagraphCoverage], plain: bool = False) -> RenderableType:
    table = Table(box=None if plain else box.SIMPLE, title="Thread coverage")
    table.add_column("line", justify="right")
    table.add_column("answer", justify="right")
    table.add_column("paragraph", ratio=3)
    table.add_column("quoted by", ratio=1)
    for r in rows:
        excerpt = Text(_excerpt(r.text))
        if r.uncovered:
            quoted = Text("UNCOVERED", style="bold red")
            if r.questions:
                quoted.append(f" (quoted by {', '.join(r.questions)})", style="")
            for s in r.sentences:
                if s.uncovered:
                    excerpt.append("\nuncovered: ", style="bold red")
                    excerpt.append(_excerpt(s.text))
        elif r.questions:
            quoted = Text(", ".join(r.questions))
        else:
            quoted = Text(f"({r.no_preference})", style="dim")
        table.add_row(str(r.line), str(r.answer or ""), excerpt, quoted)
    return table
