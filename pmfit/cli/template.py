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
    bank_path: BankOption = None,
) -> None:
    """Print a blank answer sheet with every question id (blank means skipped)."""
    from pmfit.bank.loading import load_bank
    from pmfit.render.template import csv_template, json_template, yaml_template

    env = environment(ctx)
    bank = load_bank(bank_path)
    if format is TemplateFormat.csv:
        text = csv_template(bank)
    elif format is TemplateFormat.json:
        text = json_template(bank)
    else:
        text = yaml_template(bank, language(env, lang))
    env.stdout.write(text)
