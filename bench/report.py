"""Benchmark: `pmfit report` over results in each layout it reads, against `pmfit batch`
scoring the same rows, same run.

    python bench/report.py --n 200000               # the issue's goal: batch / report >= 1.0
    python bench/report.py --n 20000 --bank tests/data/mini --jobs 1

Generates N synthetic respondents (as bench/batch.py does), scores them with
`pmfit batch` to JSONL, a JSON array and CSV, makes an indented array and pretty-printed
documents one after another (as `pmfit score --json` in a loop writes them) from the
JSONL, then times, each as its own process and interleaved run by run so drifting load
on a shared machine hits all alike: `pmfit batch in.jsonl -o out.jsonl` and
`pmfit report FILE --json` for each layout. Prints each one's best wall and CPU time
and batch time / report time per layout (>= 1.0: reading results is at least as fast
as scoring the answers), and checks every layout gives the same report.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from batch import default_bank, generate, measure  # noqa: E402

MIB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--bank", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (best is kept)")
    parser.add_argument("--jobs", default=None, help="passed to pmfit batch --jobs")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    bank = args.bank or default_bank()
    pmfit = [sys.executable, "-m", "pmfit"]
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        source = work / "in.jsonl"
        started = time.perf_counter()
        generate(bank, args.n, source)
        batch = [*pmfit, "batch", "--bank", str(bank), str(source), "-o", str(work / "out.jsonl")]
        if args.jobs:
            batch += ["--jobs", args.jobs]
        layouts = {"jsonl": work / "out.jsonl"}
        for kind, name in (("json", "array.json"), ("csv", "table.csv")):
            command = [*pmfit, "batch", "--bank", str(bank), str(source), "-f", kind]
            subprocess.run([*command, "-o", str(work / name)], check=True, capture_output=True)
            layouts[kind] = work / name
        subprocess.run(batch, check=True, capture_output=True)
        layouts["indented"] = work / "indented.json"
        layouts["documents"] = work / "documents.json"
        # One result at a time (a list of them all would take gigabytes): an array as
        # `json.dumps(rows, indent=2)` writes it, and documents one after another.
        with (
            layouts["jsonl"].open("rb") as results,
            layouts["indented"].open("w") as indented,
            layouts["documents"].open("w") as documents,
        ):
            indented.write("[")
            for i, line in enumerate(results):
                pretty = json.dumps(json.loads(line), indent=2)
                documents.write(pretty + "\n")
                indented.write(("\n" if i == 0 else ",\n") + textwrap.indent(pretty, "  "))
            indented.write("\n]")
        print(
            f"bank {bank}; {args.n:,} respondents; results "
            + ", ".join(f"{k} {p.stat().st_size / MIB:.0f} MiB" for k, p in layouts.items())
            + f" (made in {time.perf_counter() - started:.0f} s)"
        )
        runs: dict[str, list[dict[str, float]]] = {"batch": []}
        reports: dict[str, bytes] = {}
        for _ in range(args.repeat):
            runs["batch"].append(measure(batch))
            for kind, path in layouts.items():
                command = [*pmfit, "report", "--bank", str(bank), str(path), "--json"]
                runs.setdefault(kind, []).append(measure(command))
        for kind, path in layouts.items():
            command = [*pmfit, "report", "--bank", str(bank), str(path), "--json"]
            reports[kind] = subprocess.run(command, check=True, capture_output=True).stdout
        best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
        for kind, r in best.items():
            name = "batch" if kind == "batch" else f"report {kind}"
            ratio = (
                ""
                if kind == "batch"
                else f"  batch/report {best['batch']['seconds'] / r['seconds']:.2f} wall, "
                f"{best['batch']['cpu'] / r['cpu']:.2f} cpu"
            )
            print(
                f"{name:18} {r['seconds']:6.2f} s wall {r['cpu']:6.2f} s cpu "
                f"(sampled) peak RSS {r['peak_rss_sum'] / MIB:5.1f} MiB{ratio}"
            )
        same = len(set(reports.values())) == 1
        print(f"every layout gives the same report: {'yes' if same else 'NO'}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
