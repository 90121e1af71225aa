"""Domain exceptions. The CLI maps them to one message line each and an exit status."""

from __future__ import annotations

from typing import NamedTuple

from pmfit.exit_status import ExitStatus


# NamedTuples rather than dataclasses on the start-up path: each dataclass costs
# about half a millisecond to create, and every command pays for these.
class Problem(NamedTuple):
    """One located problem in an input file: `file:line:col: message`."""

    file: str
    line: int | None
    col: int | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where}: {self.message}"


def merge_problems(parsing: list[Problem], checking: list[Problem]) -> list[Problem]:
    """Both lists, in file order; a check's complaint about a value the parser already
    rejected (same place, or no place in a document the parser found wrong) is left
    out: it only repeats the first problem."""
    rejected = {(p.file, p.line, p.col) for p in parsing}
    kept = parsing + [
        p
        for p in checking
        if (p.file, p.line, p.col) not in rejected and not (parsing and p.line is None)
    ]
    return sorted(dict.fromkeys(kept), key=lambda p: (p.file, p.line or 0, p.col or 0))


class PmfitError(Exception):
    """Base of every error pmfit reports to a user without a traceback."""

    exit_status: ExitStatus = ExitStatus.BAD_INPUT

    def lines(self) -> list[str]:
        return [str(self)]


class InputError(PmfitError):
    """Bad input, with every problem found (not just the first)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class BankError(InputError):
    """A question bank that does not load or does not validate."""


class AnswersError(InputError):
    """An answers file (or --answer option) that does not fit the bank."""

    #: The sheet's respondent, when it could be read (a batch names it in the rejection).
    respondent: str | None = None
