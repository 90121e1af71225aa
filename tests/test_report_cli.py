"""`pmfit report` output formats and statuses."""

from __future__ import annotations

import json

from test_report_stats import HAND, tiny_bank

from conftest import MINI


def _answers(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("respondent,t1,t2,t3\n" + "".join(",".join(r) + "\n" for r in HAND))
    return path


def test_markdown_report(cli, tmp_path) -> None:
    bank = tiny_bank(tmp_path / "tiny")
    run = cli("report", "--bank", str(bank), str(_answers(tmp_path)), "--format", "md")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "# Cohort report"
    assert "4 respondents; bank `tiny` 0.1.0." in lines
    assert any(line.startswith("Cronbach's alpha: **0.867** (95% CI 0.12") for line in lines)
    assert "| t1 | a: 2, b: 0, c: 2 | 0.0% | 0.962 | 0.593 |  |" in lines
    assert "\x1b" not in run.stdout


def test_table_on_a_terminal_and_json_when_piped(cli, tmp_path) -> None:
    bank = tiny_bank(tmp_path / "tiny")
    answers = str(_answers(tmp_path))
    table = cli("report", "--bank", str(bank), answers, tty=True, width=120)
    assert table.exit_code == 0
    assert "Cronbach's alpha 0.867" in table.stdout
    assert "item-rest r" in table.stdout
    piped = cli("report", "--bank", str(bank), answers)
    assert json.loads(piped.stdout)["reliability"]["alpha"] == 0.867
    plain = cli("report", "--bank", str(bank), answers, tty=True, env={"NO_COLOR": "1"})
    assert "\x1b[3" not in plain.stdout


def test_bad_result_lines_are_reported_and_the_rest_counted(cli, tmp_path) -> None:
    (tmp_path / "a.jsonl").write_text('{"answers": {"problem-1": "c"}}\n' * 3)
    cli("batch", "--bank", str(MINI), str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "r.jsonl"))
    lines = (tmp_path / "r.jsonl").read_text().splitlines()
    lines.insert(1, '{"schema": "x", "recommendation": 3}')
    (tmp_path / "r.jsonl").write_text("\n".join(lines) + "\n")
    run = cli("report", "--bank", str(MINI), str(tmp_path / "r.jsonl"), "--json")
    assert run.exit_code == 1
    assert json.loads(run.stdout)["respondents"] == 3
    err = run.stderr.splitlines()
    assert err[0].startswith(f"{tmp_path / 'r.jsonl'}:2: not a pmfit result: ")
    assert err[-1] == "reported 3; rejected 1"


def test_report_of_bad_answers_rejects_rows_like_batch(cli, tmp_path) -> None:
    bank = tiny_bank(tmp_path / "tiny")
    path = tmp_path / "answers.csv"
    path.write_text("respondent,t1,t2,t3\nr1,c,c,c\nr2,x,c,c\n")
    run = cli("report", "--bank", str(bank), str(path), "--json")
    assert run.exit_code == 1
    assert json.loads(run.stdout)["respondents"] == 1
    assert run.stderr.splitlines() == [
        f"{path}:3: row 2: respondent 'r2': t1: unknown option 'x' (allowed: a, b, c, or blank to skip)",
        "reported 1; rejected 1",
    ]


def test_an_empty_input_gives_an_empty_report(cli, tmp_path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    run = cli("report", "--bank", str(MINI), str(empty), "--json")
    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["respondents"] == 0
    assert report["recommendations"]["B2C"] == {"count": 0, "share": None}
    assert report["score"]["mean"] is None
    assert cli("report", "--bank", str(MINI), str(empty), "--format", "md").exit_code == 0


def test_report_from_answers_on_workers_is_the_report_from_results(
    cli, tmp_path, monkeypatch
) -> None:
    """Answers scored by worker processes go straight into the accumulator: the same
    report as from one process, and as from the batch's result lines; the same
    rejections, in input order."""
    from test_batch_cli import _cohort

    import pmfit.batch.parallel as parallel
    import pmfit.batch.run as run_module

    monkeypatch.setattr(run_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "BLOCK_BYTES", 2000)
    text, _ = _cohort(600, bad_every=75)
    answers = tmp_path / "answers.jsonl"
    answers.write_text(text)
    args = ("report", "--bank", str(MINI), str(answers), "--json")
    workers, alone = cli(*args, "-j", "2"), cli(*args, "-j", "1")
    assert workers.exit_code == alone.exit_code == 1
    assert (workers.stdout, workers.stderr) == (alone.stdout, alone.stderr)
    assert workers.stderr.splitlines()[-1] == "reported 592; rejected 8"
    results = tmp_path / "results.jsonl"
    cli("batch", "--bank", str(MINI), str(answers), "-o", str(results))
    from_results = cli("report", "--bank", str(MINI), str(results), "--json")
    assert json.loads(from_results.stdout) == json.loads(workers.stdout)
