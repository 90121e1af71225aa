"""Cohort reports: statistics and item analysis of many results, or of answers scored
on the way.

From Python, `report_of` makes the report `pmfit report` prints::

    from pmfit.report import report_of

    run = report_of("results.jsonl")
    print(run.report.respondents, run.report.reliability.alpha, run.rejected)

Nothing here imports typer or rich; the CLI (`pmfit.cli.report`) parses options, calls
`report_of` and formats the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmfit.report.run import ReportRun, report_of

__all__ = ["ReportRun", "report_of"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `import pmfit.report.stats` (say) need not load the readers.
    if name in __all__:
        from pmfit.report import run

        return getattr(run, name)
    raise AttributeError(name)
