"""The command line: a thin layer that parses, calls the core, and formats.

The command modules do not use `from __future__ import annotations`: typer reads
every parameter's annotation at start-up, and string annotations would have to be
evaluated (compiled) one by one, which costs several milliseconds on every run.
"""

# ruff: noqa: I001  (the import order of the command modules is --help's order)
from __future__ import annotations

from pmfit.cli import quiz, score, form, batch, report, template, bank_commands  # noqa: F401  (they register commands)
from pmfit.cli.app import app


def main() -> None:
    app(prog_name="pmfit")
