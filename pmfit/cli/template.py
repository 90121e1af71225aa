"""`pmfit template`: a blank answer sheet for the bank."""

import enum
from typing import Annotated

import typer

from pmfit.cli.app import BankOption, app, environment
from pmfit.cli.options import LangOption, language


class TemplateFormat(str, enum.Enum):
    yaml = "yaml"
    json = "json"
    csv = "csv"


@app.command()
def template(
    ctx: typer.Context,
    format: Annotated[
        TemplateFormat, typer.Option("--format", "-f", help="yaml (with comments), json or csv.")
    ] = TemplateFormat.yaml,
    lang: LangOption = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the sheet here instead of stdout (a file is replaced atomically).",
            show_default=False,
        ),
    ] = None,
    bank_path: BankOption = None,
) -> None:
    """Print a blank answer sheet with every question id (blank means skipped)."""
    from pmfit.bank.loading import load_bank
    from pmfit.cli.outputs import planned_output, refuse_output_clashes
    from pmfit.render.template import csv_template, json_template, yaml_template
    from pmfit.writing import write_planned

    env = environment(ctx)
    target = planned_output(output)
    refuse_output_clashes(target, env, [], bank_path)
    bank = load_bank(bank_path)
    if format is TemplateFormat.csv:
        text = csv_template(bank)
    elif format is TemplateFormat.json:
        text = json_template(bank)
    else:
        text = yaml_template(bank, language(env, lang))
    if target is not None:
        write_planned(target, text.encode("utf-8"))
    else:
        env.stdout.write(text)
