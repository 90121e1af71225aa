"""Options several commands share, and the one rule for choosing their output format."""

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from pmfit.cli.environment import Environment

if TYPE_CHECKING:
    from pmfit.bank.model import Bank


class OutputFormat(str, enum.Enum):
    table = "table"
    json = "json"


class Language(str, enum.Enum):
    en = "en"
    es = "es"


class InputFormatChoice(str, enum.Enum):
    csv = "csv"
    jsonl = "jsonl"
    json = "json"
    yaml = "yaml"


InputFormatOption = Annotated[
    InputFormatChoice | None,
    typer.Option(
        "--input-format",
        help="csv, jsonl, json or yaml [default: by extension, else by content]",
        show_default=False,
    ),
]
ShortFormOption = Annotated[
    bool,
    typer.Option(
        "--short",
        help="The short form: its questions only, scored as `pmfit quiz --short` scores them.",
    ),
]
RespondentColumnOption = Annotated[
    str | None,
    typer.Option(
        "--respondent-column",
        metavar="NAME",
        help="CSV: the column naming each respondent [default: respondent, else a column "
        "whose header looks like a name or an email]",
        show_default=False,
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        metavar="NAME",
        help="The input's text encoding [default: UTF-8, or UTF-16 when it starts with "
        "a byte-order mark]",
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="table or json [default: table on a terminal, json when piped]",
        show_default=False,
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Short for --format json.")]
LangOption = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        help="Language of the text [default: from LC_ALL/LANG, else en]",
        show_default=False,
    ),
]

PlainOption = Annotated[
    bool,
    typer.Option(
        "--plain",
        help="No colour, no box drawing: words only, for screen readers and narrow "
        "terminals (NO_COLOR turns off colour only).",
    ),
]


def wants_json(env: Environment, format: OutputFormat | None, json_flag: bool) -> bool:
    """--json or --format json; with neither, JSON exactly when stdout is not a terminal."""
    if json_flag:
        return True
    if format is None:
        return not env.is_tty("stdout")
    return format is OutputFormat.json


def load_form(bank_path: str | None, short: bool) -> "Bank":
    """The bank, or with --short its short form (an error if it has none)."""
    from pmfit.bank.loading import load_bank
    from pmfit.errors import InputError, Problem

    bank = load_bank(bank_path)
    if not short:
        return bank
    if not any(q.short for q in bank.questions):
        reason = f"bank {bank.id} has no short form (no question is marked short)"
        raise InputError([Problem("--short", None, None, reason)])
    return bank.short_form()


def language(env: Environment, chosen: Language | None) -> str:
    return chosen.value if chosen is not None else env.language
