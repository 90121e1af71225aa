"""Start-up cost of `pmfit score ANSWERS --json` against a bare `import typer`.

Both are run alternately in the same session (the machine is noisy, so only the
ratio of the medians means anything):

    python bench/startup.py [--runs 21] [--msgspec] [--against DIR] [--runtime-only]
    python bench/startup.py [--runs 21] --breakdown [--runtime-only]

Goal: pmfit's median within 1.3 times the bare typer import's. With --msgspec, a third
command, `python -c "import typer, msgspec"`, runs in the same alternation: its ratio is
the share of msgspec's import (which `pmfit score` pays for its bank and result structs).
With --against DIR, `pmfit score` runs in the alternation a second time with the pmfit
package of another checkout first on the path (`git worktree add /tmp/main main`, then
`--against /tmp/main`): a change's effect, before and after, in one run. With either,
the ratios are given as wall time and as CPU time (user + system: less disturbed by
other processes on a busy machine, where wall-time medians can swing by 0.1).

With --breakdown, the steps of `pmfit score` are timed in the same alternation, each as
a child that does one step more than the one before, with the interpreter's shutdown
skipped (`os._exit` once stdout is flushed): import typer; and msgspec; and every pmfit
module the score path imports; and load the bank; the whole command; then the whole
command with its shutdown (`import typer` with its own shutdown is the baseline).
Each step's cost is its ratio minus the one before, as wall time and as CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ENV, compare, pmfit_command, runtime_only_python, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--msgspec", action="store_true", help="also time typer + msgspec")
    parser.add_argument("--breakdown", action="store_true", help="time each step of the path")
    parser.add_argument(
        "--against",
        metavar="DIR",
        help="also time pmfit score with the pmfit of another checkout (a git worktree)",
    )
    parser.add_argument(
        "--runtime-only",
        action="store_true",
        help="run everything in a venv holding only pmfit's runtime dependencies",
    )
    args = parser.parse_args()

    pmfit = pmfit_command()
    with tempfile.TemporaryDirectory() as tmp:
        python = sys.executable
        if args.runtime_only:
            python = str(runtime_only_python(Path(tmp, "venv")))
            pmfit = [str(Path(python).with_name("pmfit"))]
        sheet = json.loads(
            subprocess.run(
                [*pmfit, "template", "--format", "json"], check=True, capture_output=True, text=True
            ).stdout
        )
        ids = list(sheet["answers"])
        bank = json.loads(
            subprocess.run(
                [*pmfit, "bank", "show", "--json"], check=True, capture_output=True, text=True
            ).stdout
        )
        first = {q["id"]: q["options"][0]["id"] for q in bank["questions"]}
        sheet["answers"] = {qid: first[qid] for qid in ids}
        answers = Path(tmp, "answers.json")
        answers.write_text(json.dumps(sheet))

        candidate = [*pmfit, "score", str(answers), "--json"]
        if args.breakdown:
            breakdown(python, candidate, str(answers), args.runs)
            return
        baseline = [python, "-c", "import typer"]
        others: dict[str, tuple[list[str], dict[str, str]]] = {}
        if args.msgspec:
            others["import typer, msgspec"] = ([python, "-c", "import typer, msgspec"], ENV)
        if args.against:
            # `python -m pmfit` both times: the console script names a function of this
            # checkout's, which the other's may not have.
            by_module = [python, "-m", "pmfit", *candidate[-3:]]
            path = os.pathsep.join([args.against, *filter(None, [ENV.get("PYTHONPATH")])])
            others["python -m pmfit score --json"] = (by_module, ENV)
            others[f"python -m pmfit score --json from {args.against}"] = (
                by_module,
                {**ENV, "PYTHONPATH": path},
            )
        if not others:
            compare(
                lambda: timed(candidate),
                lambda: timed(baseline),
                args.runs,
                ("pmfit score --json", "import typer"),
            )
            return
        commands = {
            "pmfit score --json": (candidate, ENV),
            "import typer": (baseline, ENV),
            **others,
        }
        for command, env in commands.values():
            timed_with_cpu(command, env)  # warm the bank cache and the OS file cache
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, (command, env) in commands.items():
                times[label].append(timed_with_cpu(command, env))
        base_wall = statistics.median(wall for wall, _ in times["import typer"])
        base_cpu = statistics.median(cpu for _, cpu in times["import typer"])
        print(
            f"of import typer's median (wall {base_wall * 1000:.1f} ms, "
            f"CPU {base_cpu * 1000:.1f} ms; {args.runs} runs):"
        )
        for label, pairs in times.items():
            wall = statistics.median(w for w, _ in pairs) / base_wall
            cpu = statistics.median(c for _, c in pairs) / base_cpu
            print(f"  wall {wall:.2f}  CPU {cpu:.2f}  {label}")


def breakdown(python: str, candidate: list[str], answers: str, runs: int) -> None:
    """Time each step of `pmfit score ANSWERS --json` (see the module's docstring)."""
    run_app = (
        f"import os, sys; sys.argv = ['pmfit', 'score', {answers!r}, '--json']\n"
        "from pmfit.cli.app import app\n"
        "try:\n    app(prog_name='pmfit')\nexcept SystemExit:\n    pass\n"
    )
    # The pmfit modules the command imports, in the order it imports them.
    modules = listed_modules(python, run_app)
    imports = "import typer, msgspec, " + ", ".join(modules)
    # Every step but the first and the last skips the interpreter's shutdown.
    skip = "; import os, sys; sys.stdout.flush(); os._exit(0)"
    steps = {
        "import typer": [python, "-c", "import typer"],
        "import typer, no shutdown": [python, "-c", "import typer" + skip],
        "+ import msgspec": [python, "-c", "import typer, msgspec" + skip],
        f"+ import {len(modules)} pmfit modules": [python, "-c", imports + skip],
        "+ load the bank": [python, "-c", imports + "; pmfit.bank.loading.load_bank(None)" + skip],
        "+ parse, score, write": [python, "-c", run_app + skip.lstrip("; ")],
        "+ shutdown = pmfit score --json": candidate,
    }
    for command in steps.values():
        timed_with_cpu(command)  # warm the bank cache and the OS file cache
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in steps}
    for _ in range(runs):
        for name, command in steps.items():
            times[name].append(timed_with_cpu(command))
    base_wall = statistics.median(wall for wall, _ in times["import typer"])
    base_cpu = statistics.median(cpu for _, cpu in times["import typer"])
    print(f"of import typer's median: wall {base_wall * 1000:.1f} ms, CPU {base_cpu * 1000:.1f} ms")
    print(f"{'step':<40} {'wall':>6} {'step':>6} {'CPU':>6} {'step':>6}")
    previous = (0.0, 0.0)
    for name, pairs in times.items():
        wall = statistics.median(w for w, _ in pairs) / base_wall
        cpu = statistics.median(c for _, c in pairs) / base_cpu
        steps_ = (wall - previous[0], cpu - previous[1])
        print(f"{name:<40} {wall:6.3f} {steps_[0]:+6.3f} {cpu:6.3f} {steps_[1]:+6.3f}")
        previous = (wall, cpu)
    print(f"({runs} runs; goal: pmfit score --json <= 1.30)")


def listed_modules(python: str, run_app: str) -> list[str]:
    """The pmfit modules that `run_app` leaves imported, in the order they were imported."""
    listing = run_app + "print(*[m for m in sys.modules if m.startswith('pmfit')])"
    output = subprocess.run(
        [python, "-c", listing], check=True, capture_output=True, text=True, env=ENV
    ).stdout
    return output.splitlines()[-1].split()


def timed_with_cpu(command: list[str], env: dict[str, str] = ENV) -> tuple[float, float]:
    """Seconds to run `command` to its end, as wall time and as the child's CPU time."""
    import time

    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        child = subprocess.Popen(command, stdout=devnull, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{command[:3]}... failed: wait status {status}")
    return wall, usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
