"""The `--output FILE` a command writes instead of stdout, planned and checked once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pmfit.cli.environment import Environment

if TYPE_CHECKING:
    from pmfit.batch.run import Input
    from pmfit.writing import Plan


def planned_output(output: str | None) -> Plan | None:
    """The plan for writing `--output`; None for stdout (no option, or `-`)."""
    from pmfit.writing import plan

    return plan(output) if output is not None and output != "-" else None


def refuse_output_clashes(
    target: Plan | None, env: Environment, sources: list[Input], bank_path: str | None
) -> None:
    """Refuse a run whose output (the file, or whatever the shell made stdout) is one of
    the files it reads: its inputs or its bank's."""
    from pmfit.cli.batch import read_by_run, stdout_as_output
    from pmfit.writing import refuse_clashes

    outputs = [("--output", target)] if target is not None else stdout_as_output(env)
    refuse_clashes(outputs, read_by_run(sources, env, bank_path))
