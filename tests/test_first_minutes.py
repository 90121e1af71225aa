"""A new user's first ten minutes: help, completion, colour, the end of the quiz."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [
    [],
    ["quiz"],
    ["score"],
    ["batch"],
    ["report"],
    ["template"],
    ["schema"],
    ["bank"],
    ["bank", "validate"],
    ["bank", "show"],
    ["bank", "coverage"],
    ["bank", "schema"],
    ["bank", "compile"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "pmfit")
def test_h_is_help(cli, command: list[str]) -> None:
    short = cli(*command, "-h")
    long = cli(*command, "--help")
    assert (short.exit_code, long.exit_code) == (0, 0)
    assert short.stdout == long.stdout
    assert short.stdout.startswith("Usage: pmfit")
    assert "-h, --help" in short.stdout


def test_completion_installs_and_completes(tmp_path: Path) -> None:
    """`pmfit --install-completion bash` writes a script that bash sources, and with it
    Tab completes commands and option values."""
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "SHELL": "/bin/bash",
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
    }
    run = subprocess.run(
        ["pmfit", "--install-completion", "bash"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    script = tmp_path / ".bash_completions" / "pmfit.sh"
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        done = subprocess.run(
            [
                "bash",
                "-c",
                f"source '{script}'; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                '_pmfit_completion pmfit; printf "%s\\n" "${COMPREPLY[@]}"',
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        return done.stdout.split()

    assert complete("pmfit", "qu") == ["quiz"]
    assert complete("pmfit", "report", "--format", "") == ["table", "json", "md", "html"]
