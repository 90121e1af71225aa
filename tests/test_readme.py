"""Every example in the README runs as written, and its command reference has not drifted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

# every README example in a shell: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"(?:<!-- file: (?P<file>\S+) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


def examples() -> tuple[dict[str, str], list[list[tuple[str, list[str]]]]]:
    """Files the README defines, and each console block: its commands with their output."""
    files: dict[str, str] = {}
    blocks: list[list[tuple[str, list[str]]]] = []
    for match in FENCE.finditer(README):
        if match["file"]:
            files[match["file"]] = match["body"]
        if match["lang"] == "console":
            block: list[tuple[str, list[str]]] = []
            for line in match["body"].splitlines():
                if line.startswith("$ "):
                    block.append((line[2:], []))
                else:
                    block[-1][1].append(line)
            blocks.append(block)
    return files, blocks


FILES, BLOCKS = examples()


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 5 and {"me.yaml", "cohort.jsonl", "sheet.csv"} <= set(FILES)
    quickstart = README.split("<!-- quickstart -->")[1].split("<!-- /quickstart -->")[0]
    lines = [line for line in quickstart.splitlines() if line and not line.startswith("```")]
    assert lines == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/pmfit quiz",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]


@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's examples pipe into jq")
@pytest.mark.parametrize("block", BLOCKS, ids=[b[0][0][:60] for b in BLOCKS])
def test_console_block(block: list[tuple[str, list[str]]], tmp_path: Path) -> None:
    """Each block's commands run in order in one fresh directory, as a reader would."""
    for name, body in FILES.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    shutil.copytree(ROOT / "questions", tmp_path / "questions")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
    }
    for command, expected in block:
        run = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        assert run.returncode == 0, (command, run.stdout)
        assert run.stdout.splitlines() == expected, command


def test_command_reference_is_up_to_date() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, f"run `cog -r README.md`: {run.stdout}{run.stderr}"
