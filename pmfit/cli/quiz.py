"""`pmfit quiz`: the interactive quiz (coming; until then, say so plainly)."""

from __future__ import annotations

import typer

from pmfit.cli.app import app, environment


@app.command()
def quiz(ctx: typer.Context) -> None:
    """Take the quiz in your terminal."""
    env = environment(ctx)
    env.error(
        "pmfit quiz is coming soon; meanwhile: pmfit template > me.yaml, fill it in, "
        "then pmfit score me.yaml"
    )
