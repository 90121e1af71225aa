"""Shared fixtures: the CLI through typer's CliRunner, with a fake Environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from pmfit.cli import app
from pmfit.cli.environment import Environment

# Hypothesis: "ci" (the default, what the README's test command and CI run) draws every
# property's full number of examples; "dev" (HYPOTHESIS_PROFILE=dev) a tenth of them, for a
# developer's inner loop together with `-m "not slow"`.
settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(full: int) -> int:
    """A property's number of examples under the loaded profile (`full` under "ci")."""
    return full if PROFILE == "ci" else max(10, full // 10)


ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "mini"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads or writes the real user's cache or state, or inherits colour settings."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in (
        "NO_COLOR",
        "PMFIT_BANK",
        "PMFIT_DEBUG",
        "LC_ALL",
        "LC_MESSAGES",
        "LANG",
        "COLUMNS",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)


def default_signals() -> None:
    """For a child process: Ctrl-C back to its default, whatever this runner inherited.

    A runner started in the background by a non-interactive shell ignores SIGINT, its
    children inherit that, and Python then never raises KeyboardInterrupt: the tests
    of Ctrl-C would fail for a reason that has nothing to do with pmfit.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli() -> Callable[..., Run]:
    """cli(*args, input=None, tty=False, env=None) -> Run, through typer's CliRunner."""

    def invoke(
        *args: str,
        input: str | bytes | None = None,
        tty: bool = False,
        env: dict[str, str] | None = None,
        width: int | None = 100,
    ) -> Run:
        environ = {**os.environ, **(env or {})}
        fake = Environment(
            environ=environ, stdout_isatty=tty, stderr_isatty=tty, stdin_isatty=False, width=width
        )
        result = CliRunner().invoke(
            app, list(args), input=input, obj=fake, env=env, catch_exceptions=False
        )
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke
