"""Scoring many respondents at once: readers, a vectorised scorer, writers.

From Python, `score_files` runs a whole batch, as `pmfit batch` does::

    from pmfit.batch import score_files

    counts = score_files(["responses.csv"], "results.jsonl")
    print(counts.scored, counts.rejected)

Nothing here imports typer or rich; the CLI (`pmfit.cli.batch`) parses options,
calls `score_files` and formats the summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmfit.batch.api import Counts, score_files

__all__ = ["Counts", "score_files"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `import pmfit.batch.rows` (say) need not load the pipeline.
    if name in __all__:
        from pmfit.batch import api

        return getattr(api, name)
    raise AttributeError(name)
