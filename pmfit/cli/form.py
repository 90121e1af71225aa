"""`pmfit form`: the quiz as a form for a cohort, to paste or to create by script."""

import enum
from typing import Annotated

import typer

from pmfit.cli.app import BankOption, app, environment
from pmfit.cli.options import LangOption, ShortFormOption, language, load_form


class FormFormat(str, enum.Enum):
    text = "text"
    apps_script = "apps-script"


class RespondentItem(str, enum.Enum):
    name = "name"
    email = "email"


@app.command()
def form(
    ctx: typer.Context,
    format: Annotated[
        FormFormat,
        typer.Option(
            "--format",
            "-f",
            help="text (to paste, item by item) or apps-script (a Google Apps Script "
            "that creates the whole form).",
        ),
    ] = FormFormat.text,
    short: ShortFormOption = False,
    required: Annotated[
        bool,
        typer.Option(
            "--required/--optional",
            help="Whether every question must be answered (pmfit scores skips too).",
        ),
    ] = False,
    respondent: Annotated[
        RespondentItem,
        typer.Option(
            "--respondent",
            help="How respondents are named: a required name question, or their email "
            "address (the Apps Script turns on Google's email collection).",
        ),
    ] = RespondentItem.name,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write it here instead of stdout (a file is replaced atomically).",
            show_default=False,
        ),
    ] = None,
    lang: LangOption = None,
    bank_path: BankOption = None,
) -> None:
    """Print the quiz as a form: each question's title ends with its [id], which
    `pmfit batch` reads back from the form's CSV export with the option labels."""
    from pmfit.cli.outputs import planned_output, refuse_output_clashes
    from pmfit.i18n import t
    from pmfit.render.form import apps_script, form_text
    from pmfit.writing import write_planned

    env = environment(ctx)
    target = planned_output(output)
    refuse_output_clashes(target, env, [], bank_path)
    bank = load_form(bank_path, short)
    chosen = language(env, lang)
    render = apps_script if format is FormFormat.apps_script else form_text
    text = render(bank, chosen, respondent=respondent.value, required=required)
    if target is None:
        env.stdout.write(text)
        return
    write_planned(target, text.encode("utf-8"))
    if format is FormFormat.apps_script:
        env.error(t("form.wrote.script", chosen, path=output))
    else:
        env.error(t("quiz.wrote", chosen, path=output))
