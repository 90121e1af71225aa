"""The command line: a thin layer that parses, calls the core, and formats."""

# ruff: noqa: I001  (the import order of the command modules is --help's order)
from __future__ import annotations

from pmfit.cli import quiz, score, batch, report, template, bank_commands  # noqa: F401  (they register commands)
from pmfit.cli.app import app


def main() -> None:
    app(prog_name="pmfit")
