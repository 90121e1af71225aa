"""`pmfit batch` end to end: formats, files, exit statuses, counts, parallel workers."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random

import msgspec
import pytest

import pmfit.batch.readers as readers
import pmfit.batch.run as run_module
from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.batch.compact import compact
from pmfit.cli.batch import PROGRESS_BYTES, wants_progress
from pmfit.cli.environment import Environment
from pmfit.scoring.engine import score


def _cohort(n: int, seed: int = 1, bad_every: int = 0) -> tuple[str, list[dict]]:
    bank = load_bank(MINI)
    rng = random.Random(seed)
    lines, sheets = [], []
    for i in range(n):
        answers = {
            q.id: (None if rng.random() < 0.2 else rng.choice(q.options).id) for q in bank.questions
        }
        sheet = {"respondent": f"r{i}", "answers": answers}
        if bad_every and i % bad_every == bad_every - 1:
            lines.append(json.dumps({"respondent": f"r{i}", "answers": {"problem-1": "zz"}}))
        else:
            lines.append(json.dumps(sheet))
            sheets.append(sheet)
    return "\n".join(lines) + "\n", sheets


def _expected(sheets: list[dict]) -> bytes:
    bank = load_bank(MINI)
    return b"".join(
        msgspec.json.encode(compact(score(bank, s["answers"], s["respondent"]))) + b"\n"
        for s in sheets
    )


def test_output_to_file_is_complete_and_stdout_empty(cli, tmp_path) -> None:
    text, sheets = _cohort(50)
    (tmp_path / "in.jsonl").write_text(text)
    out = tmp_path / "sub" / "out.jsonl"
    missing = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "-o", str(out))
    assert (missing.exit_code, missing.stderr) == (2, f"{out}: no such directory to write into\n")
    out.parent.mkdir()
    run = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "-o", str(out))
    assert run.exit_code == 0
    assert run.stdout == ""
    assert run.stderr == "scored 50; rejected 0\n"
    assert out.read_bytes() == _expected(sheets)
    assert [p.name for p in out.parent.iterdir()] == ["out.jsonl"]


def test_json_and_csv_output(cli, tmp_path) -> None:
    text, sheets = _cohort(5)
    (tmp_path / "in.jsonl").write_text(text)
    run = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "-f", "json")
    assert run.exit_code == 0
    assert json.loads(run.stdout) == [json.loads(x) for x in _expected(sheets).splitlines()]

    run = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "-f", "csv")
    assert run.exit_code == 0
    table = list(csv.DictReader(io.StringIO(run.stdout)))
    results = [json.loads(x) for x in _expected(sheets).splitlines()]
    assert len(table) == 5
    for row, result in zip(table, results, strict=True):
        assert row["respondent"] == result["respondent"]
        assert row["recommendation"] == result["recommendation"]
        assert float(row["score"]) == result["score"]
        assert float(row["interval_low"]) == result["interval"]["low"]
        assert float(row["confidence"]) == result["confidence"]
        for outcome, probability in result["probabilities"].items():
            assert float(row[f"probability_{outcome.lower()}"]) == probability
        for d in result["dimensions"]:
            cell = row[f"{d['id']}_score".replace("-", "_")]
            assert (float(cell) if cell else None) == d["score"]
            assert int(row[f"{d['id']}_answered".replace("-", "_")]) == d["answered"]
        codes = {f["code"] for f in result["flags"]}
        for code in ("straight_lining", "misfit", "many_skips"):
            assert row[f"flag_{code}"] == ("true" if code in codes else "false")
        labels = {(q.id, o.id): o.label.en for q in load_bank(MINI).questions for o in q.options}
        assert row["rationale"] == "; ".join(
            f"{r['question']}: \u201c{labels[r['question'], r['option']]}\u201d "
            f"({r['contribution']:+.1f} toward {r['toward']})".replace("(+0.0 ", "(0.0 ")
            for r in result["rationale"]
        )
        assert row["flip_to"] == (result["flip_to"] or "")
        for qid, oid in result["answers"].items():
            assert row[f"answer_{qid}".replace("-", "_")] == (oid or "")
    empty = cli(
        "batch", "--bank", str(MINI), "-", "--input-format", "jsonl", "-f", "json", input=""
    )
    assert empty.stdout == "[]\n"


def test_counts_add_up_and_errors_file(cli, tmp_path) -> None:
    text, sheets = _cohort(100, bad_every=10)
    (tmp_path / "in.jsonl").write_text(text)
    errors = tmp_path / "errors.jsonl"
    run = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "--errors", str(errors))
    assert run.exit_code == 1
    assert run.stderr.splitlines()[-1] == f"scored 90; rejected 10; see {errors}"
    records = [json.loads(x) for x in errors.read_text().splitlines()]
    assert [r["line"] for r in records] == list(range(10, 101, 10))
    assert [r["respondent"] for r in records] == [f"r{i}" for i in range(9, 100, 10)]
    assert run.stdout.encode() == _expected(sheets)


def test_strict_stops_at_the_first_bad_row_with_status_2(cli, tmp_path) -> None:
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    text, _ = _cohort(30, bad_every=10)
    (tmp_path / "in.jsonl").write_text(text)
    out = tmp_path / "out.jsonl"
    run = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "--strict", "-o", str(out))
    assert run.exit_code == 2
    assert run.stderr == (
        f"{tmp_path / 'in.jsonl'}:10: respondent 'r9': answers.problem-1: "
        "unknown option 'zz' (allowed: a, b, c, or blank to skip)\n"
    )
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "in.jsonl"]


def test_missing_input_is_one_line_and_status_2(cli, tmp_path) -> None:
    run = cli("batch", "--bank", str(MINI), str(tmp_path / "nope.csv"))
    assert (run.exit_code, run.stderr) == (2, f"{tmp_path / 'nope.csv'}: no such file\n")
    run = cli("batch", "--bank", str(MINI))
    assert run.exit_code == 2
    assert run.stderr == "pmfit batch: give one or more INPUT files, or - for stdin\n"


def test_several_inputs_in_order(cli, tmp_path) -> None:
    first, a = _cohort(3, seed=1)
    second, b = _cohort(4, seed=2)
    (tmp_path / "a.jsonl").write_text(first)
    (tmp_path / "b.jsonl").write_text(second)
    run = cli("batch", "--bank", str(MINI), str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"))
    assert run.exit_code == 0
    assert run.stdout.encode() == _expected(a + b)


def test_schema_is_published(cli) -> None:
    run = cli("batch", "--schema")
    schema = json.loads(run.stdout)
    assert schema["$id"] == "https://pmfit.dev/schema/result-compact/3"
    reason = schema["$defs"]["CompactReason"]
    assert sorted(reason["required"]) == ["contribution", "option", "question", "toward"]


def test_worker_processes_give_the_same_bytes_in_order(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(readers, "BLOCK_ROWS", 37)
    text, sheets = _cohort(1000, bad_every=97)
    (tmp_path / "in.jsonl").write_text(text)
    parallel = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "--jobs", "2")
    serial = cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "--jobs", "1")
    assert parallel.exit_code == serial.exit_code == 1
    assert parallel.stdout == serial.stdout
    assert parallel.stdout.encode() == _expected(sheets)
    assert parallel.stderr == serial.stderr
    assert parallel.stderr.splitlines()[-1] == "scored 990; rejected 10"


def test_a_failure_mid_stream_leaves_no_file(cli, tmp_path, monkeypatch) -> None:
    import pmfit.batch.fast as fast

    monkeypatch.setattr(readers, "BLOCK_ROWS", 10)
    real = fast.score
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(fast, "score", failing)
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    text, _ = _cohort(100)
    (tmp_path / "in.jsonl").write_text(text)
    out = tmp_path / "out.jsonl"
    run = cli(
        "batch",
        "--bank",
        str(MINI),
        str(tmp_path / "in.jsonl"),
        "-o",
        str(out),
        "--errors",
        str(tmp_path / "errors.jsonl"),
    )
    assert (run.exit_code, run.stderr) == (
        3,
        "pmfit: unexpected error: OSError: disk on fire (run `pmfit --debug ...` for the traceback)\n",
    )
    assert len(calls) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def _raise_in_worker() -> None:
    raise OSError("worker on fire")


def _die_in_worker() -> None:
    import os

    os._exit(9)  # as a kill would: no exception, no report


@pytest.mark.parametrize(
    ("fail", "message"),
    [
        (_raise_in_worker, "OSError: worker on fire"),
        (_die_in_worker, "RuntimeError: a worker process ended with status 9"),
    ],
    ids=["raises", "killed"],
)
def test_a_failing_or_killed_worker_ends_the_run_and_leaves_no_file(
    cli, tmp_path, monkeypatch, fail, message
) -> None:
    """Instead of hanging or leaving half a file: one line, exit 3, nothing written."""
    import os

    import pmfit.batch.fast as fast
    import pmfit.batch.parallel as parallel

    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "BLOCK_BYTES", 2000)
    real = fast.score
    parent = os.getpid()

    def failing_in_a_worker(*args, **kwargs):
        if os.getpid() != parent:
            fail()
        return real(*args, **kwargs)

    monkeypatch.setattr(fast, "score", failing_in_a_worker)
    work = tmp_path / "work"
    work.mkdir()
    text, _ = _cohort(300)
    (work / "in.jsonl").write_text(text)
    run = cli(
        "batch",
        "--bank",
        str(MINI),
        str(work / "in.jsonl"),
        "-o",
        str(work / "out.jsonl"),
        "--jobs",
        "2",
    )
    assert (run.exit_code, run.stderr) == (
        3,
        f"pmfit: unexpected error: {message} (run `pmfit --debug ...` for the traceback)\n",
    )
    assert sorted(p.name for p in work.iterdir()) == ["in.jsonl"]


def test_strict_stops_workers_at_the_first_rejection_in_input_order(
    cli, tmp_path, monkeypatch
) -> None:
    import pmfit.batch.parallel as parallel

    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "BLOCK_BYTES", 1500)
    text, _ = _cohort(400, bad_every=90)
    (tmp_path / "in.jsonl").write_text(text)
    args = ["batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "--strict"]
    parallel_run = cli(*args, "-o", str(tmp_path / "a.jsonl"), "--jobs", "2")
    serial_run = cli(*args, "-o", str(tmp_path / "b.jsonl"), "--jobs", "1")
    assert parallel_run.exit_code == serial_run.exit_code == 2
    assert parallel_run.stderr == serial_run.stderr
    assert f"{tmp_path / 'in.jsonl'}:90:" in parallel_run.stderr
    assert not (tmp_path / "a.jsonl").exists()


def test_progress_only_for_a_terminal_and_a_large_input() -> None:
    tty = Environment(stderr_isatty=True)
    piped = Environment(stderr_isatty=False)
    assert wants_progress(tty, PROGRESS_BYTES)
    assert not wants_progress(tty, PROGRESS_BYTES - 1)
    assert not wants_progress(tty, None)
    assert not wants_progress(piped, 10 * PROGRESS_BYTES)
    assert not wants_progress(tty, 10 * PROGRESS_BYTES, enabled=False)


def test_no_progress_output_when_piped(cli, tmp_path, monkeypatch) -> None:
    import pmfit.cli.batch as batch_cli

    monkeypatch.setattr(batch_cli, "PROGRESS_BYTES", 1)
    text, _ = _cohort(20)
    (tmp_path / "in.jsonl").write_text(text)
    piped = cli(
        "batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o.jsonl")
    )
    assert piped.stderr == "scored 20; rejected 0\n"
    shown = cli(
        "batch",
        "--bank",
        str(MINI),
        str(tmp_path / "in.jsonl"),
        "-o",
        str(tmp_path / "o.jsonl"),
        tty=True,
    )
    assert shown.exit_code == 0
    assert "━" in shown.stderr  # the bar was drawn on the (fake) terminal
    assert shown.stderr.endswith("scored 20; rejected 0\n")


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_workers_writing_in_place_give_the_same_file(cli, tmp_path, monkeypatch, jobs) -> None:
    import pmfit.batch.parallel as parallel

    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "BLOCK_BYTES", 3000)
    text, sheets = _cohort(700, bad_every=50)
    (tmp_path / "in.jsonl").write_bytes(b"\xef\xbb\xbf" + text.encode())
    out = tmp_path / "out.jsonl"
    run = cli(
        "batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "-o", str(out), "--jobs", jobs
    )
    assert run.exit_code == 1
    assert out.read_bytes() == _expected(sheets)
    lines = run.stderr.splitlines()
    assert [int(line.split(":")[1]) for line in lines[:-1]] == list(range(50, 701, 50))
    assert lines[-1] == "scored 686; rejected 14"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_in_place_blocks_cover_the_file_in_whole_lines(tmp_path, monkeypatch, bom) -> None:
    import os

    import pmfit.batch.parallel as parallel

    monkeypatch.setattr(parallel, "BLOCK_BYTES", 7)
    monkeypatch.setattr(parallel, "_SCAN", 3)
    data = bom + b"ab\ncdefghij\n\nk\nlmnopqrstuvw\nxyz"
    (tmp_path / "f").write_bytes(data)
    fd = os.open(tmp_path / "f", os.O_RDONLY)
    try:
        starts = [parallel.boundary(fd, k, len(bom), len(data)) for k in range(len(data) // 7 + 2)]
    finally:
        os.close(fd)
    assert starts[0] == len(bom) and starts[-1] == len(data)
    assert starts == sorted(starts)
    blocks = [data[a:b] for a, b in itertools.pairwise(starts)]
    assert bom + b"".join(blocks) == data
    # Every block but the last ends a line, and each starts where a line starts.
    assert all(block.endswith(b"\n") for block in blocks[:-1] if block)
    assert all(data[a - 1 : a] == b"\n" for a in starts[1:] if a < len(data))
    # Block k starts at the first line start at or after k * BLOCK_BYTES (so none is skipped).
    line_starts = [len(bom)] + [i + 1 for i, c in enumerate(data) if c == ord("\n")]
    for k, a in enumerate(starts[1:], start=1):
        due = len(bom) + k * 7
        assert a == min([s for s in line_starts if s >= due] + [len(data)])


def test_output_file_gets_the_usual_mode(cli, tmp_path) -> None:
    import os

    (tmp_path / "in.jsonl").write_text('{"answers": {}}\n')
    umask = os.umask(0o022)
    try:
        cli("batch", "--bank", str(MINI), str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o"))
    finally:
        os.umask(umask)
    assert (tmp_path / "o").stat().st_mode & 0o777 == 0o644
