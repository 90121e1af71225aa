"""`pmfit batch` on a form export (titles and labels) against the id-based CSV of the
same answers, padded with an ignored column of the same labels so that both files are
about the same size: what is left is the cost of the header-mapping layer.

Both are run alternately in the same session (the machine is noisy, so only the
ratio of the medians means anything):

    python bench/form_export.py [--rows 20000] [--runs 7]

Goal: the form export's median within 1.3 times the id-based CSV's.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
from pathlib import Path

from common import compare, pmfit_command, timed

from pmfit.bank.loading import load_bank


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    bank = load_bank(None)
    rng = random.Random(1)
    picked = [
        [q.options[rng.randrange(len(q.options))] for q in bank.questions] for _ in range(args.rows)
    ]
    pmfit = pmfit_command()
    with tempfile.TemporaryDirectory() as tmp:
        ids, form = Path(tmp) / "ids.csv", Path(tmp) / "form.csv"
        notes = [" ".join(o.label.en for o in row) for row in picked]
        write(
            ids,
            ["respondent", *(q.id for q in bank.questions), "notes"],
            [[f"p{i}", *(o.id for o in row), notes[i]] for i, row in enumerate(picked)],
        )
        write(
            form,
            ["Timestamp", "Your name", *(f"{q.prompt.en} [{q.id}]" for q in bank.questions)],
            [
                ["11/30/2026 9:02:11", f"p{i}", *(o.label.en for o in row)]
                for i, row in enumerate(picked)
            ],
        )
        print(
            f"{args.rows} respondents: ids.csv {ids.stat().st_size:,} bytes, "
            f"form.csv {form.stat().st_size:,} bytes"
        )

        def run(path: Path) -> float:
            out = str(Path(tmp) / "out.jsonl")
            errors = str(Path(tmp) / "errors.jsonl")
            return timed([*pmfit, "batch", str(path), "-o", out, "--errors", errors])

        compare(lambda: run(form), lambda: run(ids), args.runs, ("form export", "id-based CSV"))


if __name__ == "__main__":
    main()
