"""`pmfit.__main__.run`, the `pmfit` command: it ends the process as soon as the command is
done, without losing an exit handler, a byte of output, a status or another thread."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import sys\n"
        f"{prelude}\n"
        f"sys.argv = ['pmfit', *{list(args)!r}]\n"
        "from pmfit.__main__ import run\n"
        "run()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "a.json"
    path.write_text('{"answers": {"problem-focus-1": "a"}}', encoding="utf-8")
    return path


def test_the_output_is_whole_and_the_status_kept(tmp_path: Path, sheet: Path) -> None:
    done = _run(tmp_path, "", "score", str(sheet), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["answers"]["problem-focus-1"] == "a"
    bad = _run(tmp_path, "", "score", str(tmp_path / "missing.json"))
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == f"{tmp_path / 'missing.json'}: no such file\n"


def test_exit_handlers_still_run_after_the_output(tmp_path: Path, sheet: Path) -> None:
    prelude = "import atexit; atexit.register(lambda: print('handler ran', flush=True))"
    done = _run(tmp_path, prelude, "score", str(sheet), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("}\nhandler ran\n")


def test_another_thread_is_waited_for(tmp_path: Path, sheet: Path) -> None:
    # A thread still running when the command ends: the interpreter's own exit waits for
    # it, so the console leaves that exit to the interpreter.
    prelude = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.5), print('thread done'))).start()"
    )
    done = _run(tmp_path, prelude, "score", str(sheet), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("thread done\n")
