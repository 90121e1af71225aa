"""The command line: a thin layer that parses, calls the core, and formats."""

from __future__ import annotations

from pmfit.cli import bank_commands, batch, quiz, report, score, template  # noqa: F401  (registers commands)
from pmfit.cli.app import app


def main() -> None:
    app(prog_name="pmfit")
