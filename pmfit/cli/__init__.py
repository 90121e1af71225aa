"""The command line: a thin layer that parses, calls the core, and formats.

Each command lives in a module of its own, imported only when the command runs or is
listed (`pmfit.cli.app.COMMAND_MODULES`). The command modules do not use
`from __future__ import annotations`: typer reads every parameter's annotation when it
builds a command, and string annotations would have to be evaluated (compiled) one by
one, which costs several milliseconds.
"""

from __future__ import annotations

from pmfit.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="pmfit")
