"""Form exports as they come: columns matched to questions, cells to options.

Google Forms, Microsoft Forms, Typeform and LimeSurvey export one row per respondent,
headed by each question as the respondent saw it (with the `[id]` tag `pmfit form` puts
in every title) and filled with the chosen option's label. This layer sits in front of
the CSV reader: it maps the header onto the bank once, before any row is read, and then
turns each cell into an option index. An id-based CSV is the simplest case of the same
rules (a header that is a question id, cells that are option ids).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pmfit.answers import answer_problems
from pmfit.bank.model import LANGUAGES, Bank, Option
from pmfit.i18n import t

#: Curly quotes, guillemets and primes as the straight quotes people type.
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_TAG = re.compile(r"\[([^\[\]]*)\]")
_EMAIL = re.compile(r"\b(?:e-?mail|correo)\b")
_NAME = re.compile(r"\b(?:name|nombre)\b")
#: The notice names at most this many ignored columns, each cut to this many characters.
_LISTED = 8
_NAME_WIDTH = 40
#: At most this many spellings of a question's options are remembered as typed.
_REMEMBERED = 256


def normalise(text: str) -> str:
    """Text compared as a person reads it: NFC, any case, any spacing, any quote style."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split()).casefold()


@dataclass(frozen=True)
class Reading:
    """How `pmfit batch` and `pmfit report` read a CSV header: the respondent column to
    use (None: `respondent`, else one that looks like a name or an email) and where the
    one notice about the header goes."""

    respondent_column: str | None = None
    notice: Callable[[str], None] = field(default=lambda line: None)


#: `respondent` (else a name or email column), notices dropped: for library callers.
DEFAULT_READING = Reading()


@dataclass
class Header:
    """What each column of a CSV header is."""

    #: The question index of each column; None for the respondent and ignored columns.
    columns: list[int | None]
    #: The language of each question column's header text (None: an id, no text).
    languages: list[str | None]
    respondent: int | None = None
    #: Set when the respondent column was found by the look of its header.
    respondent_guessed: str | None = None
    ignored: list[str] = field(default_factory=list)
    #: Problems that make every row unreadable: the file is rejected with one line.
    problems: list[str] = field(default_factory=list)

    def notice(self) -> str | None:
        """One line about columns the reader chose for itself, or None."""
        parts = []
        if self.ignored:
            shown = [_short(name) for name in self.ignored[:_LISTED]]
            more = len(self.ignored) - len(shown)
            listed = ", ".join(repr(name) for name in shown) + (f" and {more} more" if more else "")
            count = len(self.ignored)
            what = "1 column that matches" if count == 1 else f"{count} columns that match"
            parts.append(f"ignored {what} no question: {listed}")
        if self.respondent_guessed is not None:
            parts.append(
                f"respondents named by column {_short(self.respondent_guessed)!r} "
                "(--respondent-column NAME to choose another)"
            )
        return "; ".join(parts) or None


def _short(name: str) -> str:
    return name if len(name) <= _NAME_WIDTH else name[: _NAME_WIDTH - 1] + "\u2026"


class Matcher:
    """The bank's questions and options under every spelling a form export may use."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.ids = {q.id: i for i, q in enumerate(bank.questions)}
        #: Normalised question id or prompt (either language) -> (question, language).
        self.titles: dict[str, tuple[int, str | None]] = {}
        for i, q in enumerate(bank.questions):
            for lang in LANGUAGES:
                self.titles.setdefault(normalise(q.prompt.get(lang)), (i, lang))
        for i, q in enumerate(bank.questions):
            self.titles[normalise(q.id)] = (i, None)
        #: Per question: option ids and spellings already met, exactly as typed -> option index.
        self.exact = [{o.id: k for k, o in enumerate(q.options)} for q in bank.questions]
        #: Per question: every normalised spelling -> option index.
        self.spellings = [_spellings(q.options) for q in bank.questions]

    def question(self, name: str) -> tuple[int, str | None] | None:
        """The question a column header names: by id, by an `[id]` tag, or by its prompt."""
        key = normalise(name)
        if key in self.titles:
            return self.titles[key]
        for tag in _TAG.findall(name):
            index = self.ids.get(normalise(tag))
            if index is not None:
                rest = normalise(_TAG.sub(" ", name))
                found = self.titles.get(rest)
                return index, found[1] if found and found[0] == index else "en"
        return None

    def option(self, question: int, cell: str) -> int | None:
        """The option a cell names: by id, by number (1 = first), or by label; None if none."""
        k = self.exact[question].get(cell)
        if k is not None:
            return k
        k = self.spellings[question].get(normalise(cell))
        # A cell that names an option as typed is remembered, so a column of labels is
        # normalised once per label, not once per row (a bounded set: the options' spellings
        # as they occur; cells that match nothing are not kept).
        if k is not None and len(self.exact[question]) < _REMEMBERED:
            self.exact[question][cell] = k
        return k

    def problem(self, question: int, cell: str, language: str | None) -> str:
        """Why a cell names no option, in the header's terms: ids or labels."""
        q = self.bank.questions[question]
        if language is None:
            return f"{q.id}: {answer_problems(self.bank, q.id, cell)}"
        labels = ", ".join(repr(o.label.get(language)) for o in q.options)
        return f"{q.id}: {cell!r} is not one of its options (allowed: {labels}, or blank to skip)"

    def header(self, names: Sequence[str], respondent_column: str | None = None) -> Header:
        """Each column's meaning; problems for a header no row of which can be read."""
        header = Header(columns=[None] * len(names), languages=[None] * len(names))
        wanted = normalise(respondent_column or "respondent")
        first: dict[int, int] = {}
        unmatched: list[int] = []
        for n, name in enumerate(names):
            tags = {normalise(tag) for tag in _TAG.findall(name)}
            if header.respondent is None and (normalise(name) == wanted or wanted in tags):
                header.respondent = n
                continue
            found = self.question(name) if name.strip() else None
            if found is None:
                unmatched.append(n)
                continue
            index, language = found
            if index in first:
                header.problems.append(
                    f"column {n + 1}, {_short(name)!r}: question {self.bank.questions[index].id} "
                    f"again (also column {first[index] + 1})"
                )
                continue
            first[index] = n
            header.columns[n], header.languages[n] = index, language
        if header.respondent is None and respondent_column is not None:
            header.problems.append(
                f"no column is headed {respondent_column!r} (--respondent-column)"
            )
        elif header.respondent is None:
            # `pmfit form`'s own name question first: a tool's account "Name" column is
            # blank when anyone may answer (Microsoft Forms), while ours is required.
            ours = {normalise(t("form.name", lang)) for lang in LANGUAGES}
            looks = (lambda key: key in ours, _NAME.search, _EMAIL.search)
            for look in looks:
                guess = next((n for n in unmatched if look(normalise(names[n]))), None)
                if guess is not None:
                    header.respondent, header.respondent_guessed = guess, names[guess]
                    unmatched.remove(guess)
                    break
        header.ignored = [names[n] for n in unmatched if names[n].strip()]
        if not first and header.ignored:
            header.problems.append(
                f"no column is a question of bank {self.bank.id} (a header matches by question "
                "id, by an [id] tag, or by the question's text: `pmfit form` prints them)"
            )
        return header


def _spellings(options: Sequence[Option]) -> dict[str, int]:
    """Normalised option id, number and labels (both languages) -> option index.

    Ids come first, then numbers, then labels; a label two options share names neither.
    """
    keys: dict[str, int] = {normalise(o.id): k for k, o in enumerate(options)}
    for k in range(len(options)):
        keys.setdefault(str(k + 1), k)
    labels: dict[str, set[int]] = {}
    for k, o in enumerate(options):
        for lang in LANGUAGES:
            labels.setdefault(normalise(o.label.get(lang)), set()).add(k)
    for label, owners in labels.items():
        if len(owners) == 1:
            keys.setdefault(label, owners.pop())
    return keys
