"""Scoring many respondents at once: readers, a vectorised scorer, writers.

Nothing here imports typer or rich; the CLI (`pmfit.cli.batch`) parses options,
calls `pmfit.batch.run.run_batch` and formats the summary.
"""
