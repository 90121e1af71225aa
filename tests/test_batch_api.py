"""`pmfit.batch.score_files`: a batch from Python, without the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import platform

import pytest
from test_batch_cli import _cohort, _expected

import pmfit.batch.parallel as parallel
import pmfit.batch.run as run_module
from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.batch import Counts, score_files
from pmfit.batch.run import Stop
from pmfit.errors import InputError


@pytest.fixture
def bank():
    return load_bank(MINI)


@pytest.fixture
def work(tmp_path):
    path = tmp_path / "work"
    path.mkdir()
    return path


def test_paths_in_a_file_out(work, bank) -> None:
    text, sheets = _cohort(60, bad_every=20)
    (work / "in.jsonl").write_text(text)
    seen = []
    counts = score_files(
        [work / "in.jsonl"],
        work / "out.jsonl",
        bank=bank,
        errors=work / "errors.jsonl",
        on_rejection=seen.append,
    )
    assert counts == Counts(scored=57, rejected=3, rejections=3)
    assert (work / "out.jsonl").read_bytes() == _expected(sheets)
    assert [r.line for r in seen] == [20, 40, 60]
    errors = [json.loads(x) for x in (work / "errors.jsonl").read_text().splitlines()]
    assert [(e["line"], e["respondent"]) for e in errors] == [(20, "r19"), (40, "r39"), (60, "r59")]
    assert sorted(p.name for p in work.iterdir()) == ["errors.jsonl", "in.jsonl", "out.jsonl"]


def test_streams_in_and_out_as_csv(bank) -> None:
    text, sheets = _cohort(5)
    out = io.BytesIO()
    counts = score_files([io.BytesIO(text.encode())], out, bank=bank, format="csv")
    assert counts == Counts(5, 0, 0)
    table = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert [row["respondent"] for row in table] == [s["respondent"] for s in sheets]
    results = [json.loads(x) for x in _expected(sheets).splitlines()]
    assert [float(row["score"]) for row in table] == [r["score"] for r in results]


def test_a_json_array_to_a_text_stream(bank) -> None:
    text, sheets = _cohort(4)
    out = io.StringIO()
    score_files([io.BytesIO(text.encode())], out, bank=bank, format="json")
    assert json.loads(out.getvalue()) == [json.loads(x) for x in _expected(sheets).splitlines()]


def test_bad_input_is_refused_before_any_output(work, bank) -> None:
    with pytest.raises(InputError) as refused:
        score_files([work / "nope.jsonl"], work / "out.jsonl", bank=bank)
    assert str(refused.value.problems[0]) == f"{work / 'nope.jsonl'}: no such file"
    assert not (work / "out.jsonl").exists()


def test_strict_stops_and_commits_nothing(work, bank) -> None:
    text, _ = _cohort(30, bad_every=10)
    (work / "in.jsonl").write_text(text)
    with pytest.raises(Stop) as stop:
        score_files([str(work / "in.jsonl")], str(work / "out.jsonl"), bank=bank, strict=True)
    assert stop.value.rejection.line == 10
    assert sorted(p.name for p in work.iterdir()) == ["in.jsonl"]


@pytest.mark.parametrize("destination", ["file", "stream", "text"])
def test_workers_give_the_single_process_bytes(tmp_path, monkeypatch, bank, destination) -> None:
    """Any destination: a file (written in place), a stream at a descriptor (written in
    turn), a stream without one (through this process)."""
    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "BLOCK_BYTES", 2500)
    text, sheets = _cohort(500, bad_every=70)
    (tmp_path / "in.jsonl").write_text(text)
    if destination == "file":
        counts = score_files([tmp_path / "in.jsonl"], tmp_path / "out", bank=bank, jobs=2)
        written = (tmp_path / "out").read_bytes()
    elif destination == "stream":
        with open(tmp_path / "out", "wb") as handle:
            counts = score_files([tmp_path / "in.jsonl"], handle, bank=bank, jobs=2)
        written = (tmp_path / "out").read_bytes()
    else:
        out = io.StringIO()
        counts = score_files([tmp_path / "in.jsonl"], out, bank=bank, jobs=2)
        written = out.getvalue().encode()
    assert counts == Counts(493, 7, 7)
    assert written == _expected(sheets)


def test_a_raw_stream_is_read_by_the_workers_too(tmp_path, monkeypatch, bank) -> None:
    """An unbuffered stream (stdin as `pmfit batch -` opens it) is read at its
    descriptor by every process, from where the caller left it."""
    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    text, sheets = _cohort(800)
    (tmp_path / "in.jsonl").write_text("skipped line\n" + text)
    out = io.BytesIO()
    fd = os.open(tmp_path / "in.jsonl", os.O_RDONLY)
    with open(fd, "rb", buffering=0) as raw:
        raw.read(len("skipped line\n"))
        counts = score_files([raw], out, bank=bank, jobs=2)
    assert counts == Counts(800, 0, 0)
    assert out.getvalue() == _expected(sheets)


@pytest.mark.parametrize("format", ["json", "csv"])
@pytest.mark.parametrize("destination", ["file", "stream", "text"])
def test_workers_write_every_format_as_one_process(
    tmp_path, monkeypatch, bank, format, destination
) -> None:
    """A JSON array's first item (no comma) and a CSV header, whichever process writes
    the first block, and wherever it goes."""

    def run(jobs: int) -> bytes:
        target = tmp_path / f"out{jobs}"
        if destination == "file":
            score_files([tmp_path / "in.jsonl"], target, bank=bank, jobs=jobs, format=format)
            return target.read_bytes()
        if destination == "stream":
            with open(target, "wb") as handle:
                score_files([tmp_path / "in.jsonl"], handle, bank=bank, jobs=jobs, format=format)
            return target.read_bytes()
        out = io.StringIO()
        score_files([tmp_path / "in.jsonl"], out, bank=bank, jobs=jobs, format=format)
        return out.getvalue().encode()

    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "BLOCK_BYTES", 2500)
    # The first blocks hold only rejected rows: the first item written comes later.
    text, _ = _cohort(300)
    (tmp_path / "in.jsonl").write_text('{"answers": {"problem-1": "zz"}}\n' * 200 + text)
    alone = run(1)
    assert run(2) == alone
    if format == "json":
        assert len(json.loads(alone)) == 300
    else:
        assert len(list(csv.reader(io.StringIO(alone.decode())))) == 301


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_batch_commands_allocator_settings_take_on_glibc() -> None:
    """What `pmfit batch` and `pmfit report` set before scoring (see batch/allocator.py;
    bench/batch.py measures what it saves)."""
    from pmfit.batch.allocator import reuse_freed_memory

    assert reuse_freed_memory() is True
