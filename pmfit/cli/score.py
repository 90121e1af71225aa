"""`pmfit score`: score one answer sheet."""

from typing import Annotated

import typer

from pmfit.cli.app import BankOption, app, environment
from pmfit.cli.options import (
    FormatOption,
    JsonFlag,
    LangOption,
    PlainOption,
    language,
    wants_json,
)
from pmfit.errors import AnswersError, Problem


@app.command()
def score(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Argument(
            metavar="FILE", help="Answers as YAML or JSON; - reads stdin.", show_default=False
        ),
    ] = None,
    answer: Annotated[
        list[str] | None,
        typer.Option(
            "--answer",
            "-a",
            metavar="QID=OPTION",
            help="An answer (repeatable), over the file's: OPTION is an option's id (any "
            "case) or number, or blank to skip.",
        ),
    ] = None,
    respondent: Annotated[
        str | None,
        typer.Option("--respondent", metavar="NAME", help="Who answered (overrides the file's)."),
    ] = None,
    format: FormatOption = None,
    json_: JsonFlag = False,
    lang: LangOption = None,
    plain: PlainOption = False,
    bank_path: BankOption = None,
) -> None:
    """Score answers and recommend B2B, B2C or either, with the reasons."""
    from pmfit.answers import AnswerSheet, sheet_from_document, sheet_from_pairs
    from pmfit.bank.loading import load_bank
    from pmfit.cli.inputs import read_text
    from pmfit.located import load_document
    from pmfit.scoring.engine import score as score_answers

    env = environment(ctx)
    if file is None and not answer:
        raise AnswersError(
            [
                Problem(
                    "pmfit score",
                    None,
                    None,
                    "give an answers FILE, - for stdin, or --answer QID=OPTION "
                    "(see `pmfit template`)",
                )
            ]
        )
    bank = load_bank(bank_path)
    sheet = AnswerSheet(None, {})
    if file is not None:
        text, shown = read_text(file, env)
        sheet = sheet_from_document(bank, load_document(text, shown))
    if answer:
        # What is typed on the command line wins over the file: try another answer
        # without editing it.
        extra = sheet_from_pairs(bank, answer)
        sheet = AnswerSheet(sheet.respondent, {**sheet.answers, **extra.answers})
    result = score_answers(bank, sheet.answers, respondent or sheet.respondent)

    if wants_json(env, format, json_):
        from pmfit.render.json import result_json

        env.stdout.write(result_json(result))
    else:
        from pmfit.render.result_view import result_view

        console = env.console(plain=plain)
        console.print(
            result_view(result, bank, language(env, lang), plain=plain, width=console.width)
        )
