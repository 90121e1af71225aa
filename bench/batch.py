"""Benchmark: `pmfit batch` against a bare `json.loads` loop over the same JSONL, same run.

    python bench/batch.py --n 1000000            # the issue's goals: see the ratios printed
    python bench/batch.py --n 100000 --bank tests/data/mini

Generates N synthetic respondents against the bank (the shipped one, else the
test mini bank): each has a latent B2B/B2C lean, answers through a logistic
choice over the options' leans and skips 5% of questions. Then, each as its own
process, timed on the wall clock, interleaved run by run so drifting machine load
hits all alike:

- bare:    `for line in file: json.loads(line)` (the standard library's cost of reading it);
- batch:   `pmfit batch in.jsonl -o out.jsonl` (every result field computed and written);
- stdout:  `pmfit batch in.jsonl > file` (the same, through stdout);
- csv:     `pmfit batch in.jsonl -f csv -o out.csv`;
- answers: `pmfit report in.jsonl --json` (scored straight into the report);
- report:  `pmfit report out.jsonl --json` over the batch's results.

Ratios (the issue's goals): bare / batch and bare / stdout (>= 1.0), batch / csv
time (CSV throughput relative to JSONL, >= 0.8), batch / report (>= 1.0), answers /
batch (<= 1.2). Memory is the peak over the whole process tree (the command and
every worker), sampled from /proc every 20 ms: the sum of RSS (counts pages shared
between a parent and its forked workers once per process, so it over-states) and
the sum of PSS (shares such pages out; the tree's real footprint). Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pmfit.bank.loading import load_bank, shipped_bank_dir  # noqa: E402

MIB = 1024 * 1024


def default_bank() -> Path:
    shipped = shipped_bank_dir()
    return shipped if (shipped / "bank.yaml").is_file() else ROOT / "tests" / "data" / "mini"


def generate(bank_dir: Path, n: int, path: Path, seed: int = 1) -> None:
    import math

    bank = load_bank(bank_dir)
    rng = random.Random(seed)
    questions = [
        (json.dumps(q.id), [json.dumps(o.id) for o in q.options], [o.lean for o in q.options])
        for q in bank.questions
    ]
    with path.open("w") as out:
        for i in range(n):
            trait = rng.gauss(0.0, 1.0)
            parts = []
            for qid, options, leans in questions:
                if rng.random() < 0.05:
                    parts.append(f"{qid}:null")
                    continue
                weights = [math.exp(1.5 * trait * lean) for lean in leans]
                parts.append(f"{qid}:{rng.choices(options, weights)[0]}")
            out.write(f'{{"respondent":"r{i:07d}","answers":{{{",".join(parts)}}}}}\n')


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def _kib(path: str, key: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = 0
        self.peak_pss = 0
        self.processes = 0
        self.cpu = 0.0
        self.ticks: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = _tree(self.pid)
            self.processes = max(self.processes, len(pids))
            rss = sum(_kib(f"/proc/{p}/status", "VmRSS:") for p in pids)
            pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
            self.peak_rss = max(self.peak_rss, rss * 1024)
            self.peak_pss = max(self.peak_pss, pss * 1024)
            for p in pids:  # user + system time of every process seen, last reading kept
                try:
                    with open(f"/proc/{p}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    self.ticks[p] = int(fields[11]) + int(fields[12])
                except OSError:
                    pass
            self.cpu = sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")
            time.sleep(0.02)


def measure(command: list[str], stdout: int | None = subprocess.DEVNULL) -> dict[str, float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    sampler = Sampler(process.pid)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err.decode()}")
    return {
        "seconds": elapsed,
        "cpu": sampler.cpu,
        "peak_rss_sum": sampler.peak_rss,
        "peak_pss_sum": sampler.peak_pss,
        "processes": sampler.processes,
    }


BARE = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--bank", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=None, help="runs of each (best is kept)")
    parser.add_argument("--jobs", default=None, help="passed to pmfit batch --jobs")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--with-quotes", action="store_true")
    parser.add_argument(
        "--only", default="bare,batch,stdout,csv,answers,report", help="which to run"
    )
    args = parser.parse_args()
    bank = args.bank or default_bank()
    repeat = args.repeat or (3 if args.n <= 200_000 else 1)
    only = args.only.split(",")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        source = work / "in.jsonl"
        t = time.perf_counter()
        generate(bank, args.n, source)
        size = source.stat().st_size
        print(
            f"bank {bank}; {args.n:,} respondents, {size / MIB:.1f} MiB of JSONL "
            f"(generated in {time.perf_counter() - t:.1f} s); {os.cpu_count()} cores"
        )
        pmfit = [sys.executable, "-m", "pmfit"]
        options = ["--bank", str(bank)] + (["--jobs", args.jobs] if args.jobs else [])
        batch = [*pmfit, "batch", *options, str(source)]
        if args.with_quotes:
            batch.append("--with-quotes")
        commands: dict[str, tuple[list[str], Path | None]] = {
            "bare": ([sys.executable, "-c", BARE, str(source)], None),
            "batch": ([*batch, "-o", str(work / "out.jsonl")], None),
            "stdout": (batch, work / "stdout.jsonl"),
            "csv": ([*batch, "-f", "csv", "-o", str(work / "out.csv")], None),
            "answers": ([*pmfit, "report", *options, str(source), "--json"], None),
            "report": (
                [*pmfit, "report", "--bank", str(bank), str(work / "out.jsonl"), "--json"],
                None,
            ),
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
        for _ in range(repeat):  # interleaved, so drifting machine load hits all alike
            for name, (command, stdout) in commands.items():
                if name not in only or (name == "report" and "batch" not in only):
                    continue
                if stdout is None:
                    runs[name].append(measure(command))
                else:
                    with stdout.open("wb") as handle:
                        runs[name].append(measure(command, stdout=handle.fileno()))

        def line(name: str, r: dict[str, float]) -> str:
            return (
                f"{name:8} {r['seconds']:7.2f} s wall {r['cpu']:7.2f} s cpu (sampled)  "
                f"peak RSS sum {r['peak_rss_sum'] / MIB:6.1f} MiB  "
                f"PSS sum {r['peak_pss_sum'] / MIB:6.1f} MiB  "
                f"({int(r['processes'])} processes)"
            )

        best = {}
        for name, found in runs.items():
            for r in found:
                print(line(name, r))
            if found:
                best[name] = min(found, key=lambda r: r["seconds"])

        def ratio(label: str, top: str, bottom: str, goal: str) -> None:
            if top in best and bottom in best:
                value = best[top]["seconds"] / best[bottom]["seconds"]
                print(f"{label}: {value:.2f} ({goal})")

        ratio("bare / batch -o", "bare", "batch", "goal >= 1.0")
        ratio("bare / batch to stdout", "bare", "stdout", "goal >= 1.0")
        ratio("CSV throughput / JSONL (batch / csv time)", "batch", "csv", "goal >= 0.8")
        ratio("report from results (batch / report time)", "batch", "report", "goal >= 1.0")
        ratio("report from answers / batch time", "answers", "batch", "goal <= 1.2")
        for name in ("batch", "stdout", "csv", "answers", "report"):
            if name in best:
                r = best[name]
                print(
                    f"{name} peak: RSS sum {r['peak_rss_sum'] / MIB:.1f} MiB, "
                    f"PSS sum {r['peak_pss_sum'] / MIB:.1f} MiB (goal < 100 MiB)"
                )


if __name__ == "__main__":
    main()
