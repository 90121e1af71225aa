"""The quiz's screens as Rich renderables: welcome, a question, why it is asked.

Bank text goes through `literal` and into `Text`, never markup. In plain mode
there is no colour, no box drawing and no progress bar: lines of words that a
screen reader reads well and that wrap at 40 columns.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from pmfit.bank.model import Bank, Question
from pmfit.i18n import duration, number_words, t
from pmfit.quiz.session import Session, estimated_minutes
from pmfit.scoring.result import Result
from pmfit.text.literal import literal
from pmfit.text.numbers import signed

PROGRESS_CELLS = 20


def welcome(bank: Bank, session: Session, lang: str, plain: bool = False) -> RenderableType:
    """What pmfit does, where the questions come from, how long, the keys."""
    title = Text(literal(bank.title.get(lang)), style="" if plain else "bold")
    intro = Text(
        t(
            "quiz.intro",
            lang,
            people=number_words(len(bank.source.answers), lang),
            thread=literal(bank.source.question.get(lang)),
        )
    )
    minutes = estimated_minutes(session.bank.questions, lang)
    key = "quiz.length.adaptive" if session.adaptive else "quiz.length"
    length = Text(t(key, lang, count=session.total, duration=duration(minutes, lang)))
    short = bank.short_form().questions
    if session.form == "full" and not session.adaptive and 0 < len(short) < session.total:
        # The full form takes a while; say how to get a recommendation sooner.
        hint = t(
            "quiz.length.short_hint",
            lang,
            count=len(short),
            duration=duration(estimated_minutes(short, lang), lang),
        )
        length.append(" " + hint)
    keys = Text(t("quiz.keys", lang), style="" if plain else "dim")
    saved = Text(t("quiz.saved_note", lang), style="" if plain else "dim")
    return Group(title, intro, length, keys, saved)


def _progress(session: Session, lang: str, plain: bool) -> Text:
    key = "quiz.progress.adaptive" if session.adaptive else "quiz.progress"
    line = Text(t(key, lang, n=session.number, total=session.total))
    if plain:
        return line
    done = round(session.position / max(1, session.total) * PROGRESS_CELLS)
    # Heavy for done, light for to come: the bar reads without colour too (NO_COLOR).
    bar = Text.assemble(("━" * done, "green"), ("─" * (PROGRESS_CELLS - done), "bright_black"), " ")
    return Text.assemble(bar, line)


def question_view(
    session: Session, question: Question, lang: str, plain: bool = False
) -> RenderableType:
    """Progress and the dimension's name, the prompt, the numbered options, any earlier answer."""
    dimension = next(d for d in session.bank.dimensions if d.id == question.dimension)
    header = _progress(session, lang, plain)
    header.append(" · " if not plain else ". ")
    header.append(literal(dimension.name.get(lang)), style="" if plain else "bold")
    parts: list[RenderableType] = [
        Text(""),
        header,
        Text(literal(question.prompt.get(lang)), style="" if plain else "bold"),
    ]
    previous = session.previous_answer()
    for number, option in enumerate(question.options, start=1):
        chosen = option.id == previous
        line = Text(f"  {number}. ")
        line.append(literal(option.label.get(lang)), style="bold" if chosen and not plain else "")
        if chosen:
            line.append(" (" + t("quiz.chosen", lang) + ")" if plain else " ◀")
        parts.append(line)
    if session.reached():
        if previous is None:
            parts.append(Text(t("quiz.previous.skipped", lang), style="" if plain else "dim"))
        else:
            position = next(i for i, o in enumerate(question.options, 1) if o.id == previous)
            parts.append(Text(t("quiz.previous", lang, n=position), style="" if plain else "dim"))
    return Group(*parts)


def prompt_text(question: Question, lang: str) -> Text:
    return Text(t("quiz.ask", lang, last=len(question.options)))


def why_view(bank: Bank, question: Question, lang: str, plain: bool = False) -> RenderableType:
    """The question's quotes: the Spanish original and the English translation, with who
    said them (the answer's number in the thread and the answerer's role)."""
    dimension = next((d for d in bank.dimensions if d.id == question.dimension), None)
    parts: list[RenderableType] = [Text(t("quiz.why", lang), style="" if plain else "bold")]
    if dimension is not None:
        parts.append(
            Text(
                literal(f"{dimension.name.get(lang)}: {dimension.description.get(lang)}"),
                style="" if plain else "dim",
            )
        )
    parts.append(Text(t("quiz.why.thread", lang)))
    for source in question.sources:
        said_by = t(
            "said_by",
            lang,
            n=source.answer,
            role=literal(bank.source.answer(source.answer).role.get(lang)),
        )
        parts.append(
            Text.assemble(
                ("  es: " if plain else "  ", ""),
                (f"\u201c{literal(source.quote.es)}\u201d", "" if plain else "italic"),
                "\n",
                "  en: " if plain else "  ",
                f"\u201c{literal(source.quote.en)}\u201d",
                "\n",
                ("  - " if plain else "  \u2014 ", ""),
                (said_by, "" if plain else "dim"),
            )
        )
    return Group(*parts)


def hint(message: str, plain: bool = False) -> Text:
    return Text(message, style="" if plain else "yellow")


def summary_line(result: Result, lang: str, plain: bool = False) -> Text:
    """The result in one line, printed last, so that it is on screen after the card
    has scrolled its top away."""
    from pmfit.render.result_view import SIDE_STYLE, lean_words

    recommendation = t(f"rec.{result.recommendation}", lang)
    if result.recommendation == "insufficient":
        line = t("quiz.summary.insufficient", lang, recommendation=recommendation)
    else:
        line = t(
            "quiz.summary",
            lang,
            recommendation=recommendation,
            words=lean_words(result, lang),
            score=signed(result.score),
        )
    style = "" if plain else f"bold {SIDE_STYLE.get(result.recommendation, '')}"
    return Text(line, style=style.strip())
