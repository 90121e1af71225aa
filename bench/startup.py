"""Start-up cost of `pmfit score ANSWERS --json` against a bare `import typer`.

Both are run alternately in the same session (the machine is noisy, so only the
ratio of the medians means anything):

    python bench/startup.py [--runs 21] [--msgspec]

Goal: pmfit's median within 1.3 times the bare typer import's. With --msgspec, a third
command, `python -c "import typer, msgspec"`, runs in the same alternation: its ratio is
the share of msgspec's import (which `pmfit score` pays for its bank and result structs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import compare, pmfit_command, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--msgspec", action="store_true", help="also time typer + msgspec")
    args = parser.parse_args()

    pmfit = pmfit_command()
    with tempfile.TemporaryDirectory() as tmp:
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
        baseline = [sys.executable, "-c", "import typer"]
        if args.msgspec:
            with_msgspec = [sys.executable, "-c", "import typer, msgspec"]
            times: dict[str, list[float]] = {"score": [], "typer": [], "msgspec": []}
            for command in (candidate, baseline, with_msgspec):
                timed(command)  # warm the bank cache and the OS file cache
            for _ in range(args.runs):
                times["score"].append(timed(candidate))
                times["typer"].append(timed(baseline))
                times["msgspec"].append(timed(with_msgspec))
            base = statistics.median(times["typer"])
            print(
                f"pmfit score --json {statistics.median(times['score']) / base:.2f}, "
                f"import typer, msgspec {statistics.median(times['msgspec']) / base:.2f} "
                f"(of import typer's median, {base * 1000:.1f} ms; {args.runs} runs)"
            )
            return
        compare(
            lambda: timed(candidate),
            lambda: timed(baseline),
            args.runs,
            ("pmfit score --json", "import typer"),
        )


if __name__ == "__main__":
    main()
