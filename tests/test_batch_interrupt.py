"""An interrupted `pmfit batch -o FILE` leaves nothing under FILE: a real process, a real signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import MINI, ROOT, default_signals


def _big_input(path, rows: int = 300_000) -> None:
    line = json.dumps(
        {"respondent": "r", "answers": {"problem-1": "c", "buyer-1": "a", "release-1": None}}
    )
    path.write_text((line + "\n") * rows)


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "workers"])
@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_interrupted_run_leaves_no_file_under_the_final_name(tmp_path, sig, jobs) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _big_input(work / "in.jsonl")
    out = work / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pmfit",
            "batch",
            "--bank",
            str(MINI),
            str(work / "in.jsonl"),
            "-o",
            str(out),
            "--jobs",
            jobs,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + 60
    temporary = []
    # Wait until results are being written to the temporary file, then interrupt.
    while time.monotonic() < deadline and process.poll() is None:
        temporary = [p for p in work.iterdir() if p.name.startswith(".out.jsonl.")]
        if temporary and temporary[0].stat().st_size > 0:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the run finished before it could be interrupted"
    assert temporary
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert not out.exists()
    if sig == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
        return  # nothing can clean up after SIGKILL; the final name is still untouched
    assert process.returncode == 130
    assert stderr.decode().splitlines()[-1] == "pmfit: interrupted"
    assert sorted(p.name for p in work.iterdir()) == ["in.jsonl"]
