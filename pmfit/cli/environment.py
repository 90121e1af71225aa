"""What the CLI knows about where it runs: one object, so tests can fake it.

Streams are looked up when used, not when the object is made, so a test can
build an Environment (say, one that claims stdout is a terminal) before typer's
CliRunner swaps the real streams.
"""

from __future__ import annotations

import os
import sys
import typing
from typing import IO, TYPE_CHECKING

from pmfit.text.literal import VisibleText

if TYPE_CHECKING:
    from rich.console import Console


def language_from(environ: dict[str, str]) -> str:
    """POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG; "es_ES.UTF-8" gives "es"."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Environment:
    def __init__(
        self,
        environ: dict[str, str] | None = None,
        *,
        stdin_isatty: bool | None = None,
        stdout_isatty: bool | None = None,
        stderr_isatty: bool | None = None,
        width: int | None = None,
        debug: bool = False,
    ) -> None:
        self.environ = dict(os.environ) if environ is None else environ
        #: None means "ask the stream itself".
        self.stdin_isatty = stdin_isatty
        self.stdout_isatty = stdout_isatty
        self.stderr_isatty = stderr_isatty
        self.width = width
        self.debug = debug

    @property
    def stdin(self) -> IO[str]:
        return sys.stdin

    # Every text pmfit writes (results, errors, notices, help) goes through these two,
    # or through `console()`: this is where input text loses the power to drive a
    # terminal (see pmfit.text.literal).
    @property
    def stdout(self) -> IO[str]:
        return typing.cast("IO[str]", VisibleText(sys.stdout))

    @property
    def stderr(self) -> IO[str]:
        return typing.cast("IO[str]", VisibleText(sys.stderr))

    def is_tty(self, name: str) -> bool:
        told: bool | None = getattr(self, f"{name}_isatty")
        return _isatty(getattr(self, name)) if told is None else told

    @property
    def no_color(self) -> bool:
        return bool(self.environ.get("NO_COLOR"))

    @property
    def language(self) -> str:
        return language_from(self.environ)

    @property
    def columns(self) -> int | None:
        if self.width is not None:
            return self.width
        try:
            return int(self.environ["COLUMNS"])
        except (KeyError, ValueError):
            return None

    def console(self, *, stderr: bool = False, plain: bool = False) -> Console:
        """A Rich console on stdout or stderr; Rich is imported only when one is needed."""
        from pmfit.render.console import VisibleConsole

        name = "stderr" if stderr else "stdout"
        tty = self.is_tty(name)
        return VisibleConsole(
            # The raw stream: the console makes input text literal itself, and its own
            # escape sequences (colours) must reach the terminal as they are.
            file=getattr(sys, name),
            force_terminal=tty and not plain,
            force_interactive=tty and not plain,
            no_color=self.no_color or plain,
            color_system=None if (self.no_color or plain or not tty) else "auto",
            width=self.columns,
            highlight=False,
            markup=False,
            emoji=False,
        )

    def error(self, line: str) -> None:
        """One line on stderr, never interpreted as markup, control characters shown."""
        print(line, file=self.stderr)
