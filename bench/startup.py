"""Start-up cost of `pmfit score ANSWERS --json` against a bare `import typer`.

Both are run alternately in the same session (the machine is noisy, so only the
ratio of the medians means anything):

    python bench/startup.py [--runs 21]

Goal: pmfit's median within 1.3 times the bare typer import's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import compare, pmfit_command, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
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
        compare(
            lambda: timed(candidate),
            lambda: timed(baseline),
            args.runs,
            ("pmfit score --json", "import typer"),
        )


if __name__ == "__main__":
    main()
