"""An interrupted `pmfit batch -o FILE` leaves nothing under FILE and no temporary file,
and no worker outlives it: a real process, a real signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import MINI, ROOT, default_signals

# signals to child processes: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow


def _big_input(path, rows: int = 300_000) -> None:
    line = json.dumps(
        {"respondent": "r", "answers": {"problem-1": "c", "buyer-1": "a", "release-1": None}}
    )
    path.write_text((line + "\n") * rows)


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "workers"])
@pytest.mark.parametrize(
    "sig",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
    ids=["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL"],
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
    workers = _children(process.pid)
    assert len(workers) == (0 if jobs == "1" else int(jobs) - 1)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert not out.exists()
    # The workers end with their parent, even one killed outright (the system ends them).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.01)
    assert not any(_alive(w) for w in workers)
    if sig == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
        return  # nothing can clean up after SIGKILL; the final name is still untouched
    assert process.returncode == 128 + sig
    assert stderr.decode().splitlines()[-1] == "pmfit: interrupted"
    assert sorted(p.name for p in work.iterdir()) == ["in.jsonl"]


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(p) for p in listing.read().split()]


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper (the test runner adopts none)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


ORPHAN = """
import os, sys, time
from pmfit.batch.parallel import worker_signals

parent = os.getpid()
child = os.fork()
if child == 0:
    worker_signals(parent)
    while True:  # busy, never asking whether its parent is still there
        pass
print(child, flush=True)
time.sleep(600)
"""


def test_a_busy_worker_dies_with_its_parent_even_by_sigkill() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, env=env, text=True
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.01)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive
