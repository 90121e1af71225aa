"""What the CLI knows about where it runs: one object, so tests can fake it."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def _language(environ: dict[str, str]) -> str:
    # POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG; "es_ES.UTF-8" -> "es".
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"


@dataclass
class Environment:
    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    width: int | None = None
    debug: bool = False

    def __post_init__(self) -> None:
        def tty(stream: IO[str]) -> bool:
            try:
                return stream.isatty()
            except (AttributeError, ValueError):
                return False

        if self.stdin_isatty is None:
            self.stdin_isatty = tty(self.stdin)
        if self.stdout_isatty is None:
            self.stdout_isatty = tty(self.stdout)
        if self.stderr_isatty is None:
            self.stderr_isatty = tty(self.stderr)
        if self.width is None and "COLUMNS" in self.environ:
            with contextlib.suppress(ValueError):
                self.width = int(self.environ["COLUMNS"])

    @property
    def no_color(self) -> bool:
        return bool(self.environ.get("NO_COLOR"))

    @property
    def language(self) -> str:
        return _language(self.environ)

    def console(self, *, stderr: bool = False, plain: bool = False) -> Console:
        """A Rich console on stdout or stderr; Rich is imported only when one is needed."""
        from rich.console import Console

        stream = self.stderr if stderr else self.stdout
        isatty = self.stderr_isatty if stderr else self.stdout_isatty
        return Console(
            file=stream,
            force_terminal=bool(isatty) and not plain,
            no_color=self.no_color or plain,
            width=self.width,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=False,
        )

    def error(self, line: str) -> None:
        """One line on stderr, as written: never interpreted as markup."""
        print(line, file=self.stderr)
