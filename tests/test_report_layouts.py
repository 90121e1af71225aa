"""`pmfit report` reads results in every layout they come in, one verdict per bad item."""

from __future__ import annotations

import io
import json
import random

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINI, examples
from pmfit.bank.loading import load_bank
from pmfit.limits import MAX_ROW_BYTES
from pmfit.report import report_of

BANK = load_bank(MINI)


def _sheets(seed: int, n: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "respondent": f"r{i}",
            "answers": {
                q.id: rng.choice([None, *[o.id for o in q.options]]) for q in BANK.questions
            },
        }
        for i in range(n)
    ]


def _jsonl(sheets: list[dict[str, object]]) -> str:
    return "".join(json.dumps(s) + "\n" for s in sheets)


def _batch(cli, answers: str, *options: str) -> str:
    run = cli("batch", "--bank", str(MINI), "-", "--input-format", "jsonl", *options, input=answers)
    assert run.exit_code == 0, run.stderr
    return run.stdout


def _layouts(cli, answers: str) -> dict[str, str]:
    """The same results in every layout `report` reads."""
    jsonl = _batch(cli, answers)
    rows = [json.loads(line) for line in jsonl.splitlines()]
    return {
        "results.jsonl": jsonl,
        "batch.json": _batch(cli, answers, "--format", "json"),
        "one-line.json": json.dumps(rows),
        "indented.json": json.dumps(rows, indent=2) + "\n",
        "documents.json": "".join(json.dumps(r, indent=2) + "\n" for r in rows),
        # As `jq -S .` writes them: keys sorted, so the schema comes last.
        "sorted.json": json.dumps(rows, indent=2, sort_keys=True) + "\n",
        "results.csv": _batch(cli, answers, "--format", "csv"),
        "excel.csv": _batch(cli, answers, "--excel"),
    }


def test_every_layout_gives_the_report_of_the_answers(cli, tmp_path) -> None:
    answers = _jsonl(_sheets(1, 40))
    (tmp_path / "a.jsonl").write_text(answers)
    want = cli("report", "--bank", str(MINI), str(tmp_path / "a.jsonl"), "--json")
    assert want.exit_code == 0 and json.loads(want.stdout)["respondents"] == 40
    for name, text in _layouts(cli, answers).items():
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        run = cli("report", "--bank", str(MINI), str(path), "--json")
        assert (run.exit_code, run.stderr, run.stdout) == (0, "", want.stdout), name
        # From stdin too, where only the content tells the layout.
        piped = cli("report", "--bank", str(MINI), "-", "--json", input=text.encode("utf-8"))
        assert (piped.exit_code, piped.stdout) == (0, want.stdout), name


def test_pmfit_score_json_in_a_loop_is_read(cli, tmp_path) -> None:
    """`for f in *.yaml; do pmfit score $f --json; done > all.json`: full results, each
    pretty-printed, one after another."""
    sheets = _sheets(2, 3)
    documents = ""
    for i, sheet in enumerate(sheets):
        path = tmp_path / f"s{i}.json"
        path.write_text(json.dumps(sheet))
        run = cli("score", "--bank", str(MINI), str(path), "--json")
        assert run.exit_code == 0
        documents += run.stdout
    (tmp_path / "all.json").write_text(documents)
    (tmp_path / "a.jsonl").write_text(_jsonl(sheets))
    run = cli("report", "--bank", str(MINI), str(tmp_path / "all.json"), "--json")
    want = cli("report", "--bank", str(MINI), str(tmp_path / "a.jsonl"), "--json")
    assert (run.exit_code, run.stderr, run.stdout) == (0, "", want.stdout)


def _bad(cli, path, text: str) -> tuple[int, list[str], dict[str, object]]:
    """Exit status, stderr lines and the report of `text` written to `path`."""
    path.write_text(text)
    run = cli("report", "--bank", str(MINI), str(path), "--json")
    return run.exit_code, run.stderr.splitlines(), json.loads(run.stdout)


def test_a_bad_item_in_each_layout_is_one_rejection_with_its_place(cli, tmp_path) -> None:
    layouts = _layouts(cli, _jsonl(_sheets(3, 3)))
    rows = [json.loads(line) for line in layouts["results.jsonl"].splitlines()]
    bad = {**rows[1], "score": 400}
    why = "not a pmfit result: Expected `float` <= 100.0 - at `$.score`"

    lines = layouts["results.jsonl"].splitlines()
    # The rest is reported as if the bad item were not there.
    (tmp_path / "kept.jsonl").write_text(f"{lines[0]}\n{lines[2]}\n")
    kept = json.loads(cli("report", "--bank", str(MINI), str(tmp_path / "kept.jsonl")).stdout)
    lines[1] = json.dumps(bad)
    path = tmp_path / "r.jsonl"
    assert _bad(cli, path, "\n".join(lines) + "\n") == (
        1,
        [f"{path}:2: {why}", "reported 2; rejected 1"],
        kept,
    )
    path = tmp_path / "r.json"
    assert _bad(cli, path, json.dumps([rows[0], bad, rows[2]], indent=2)) == (
        1,
        [
            f"{path}:{2 + len(json.dumps(rows[0], indent=2).splitlines())}:3: item 2: {why}",
            "reported 2; rejected 1",
        ],
        kept,
    )
    path = tmp_path / "one.json"
    at = len(json.dumps(rows[0])) + 4  # after "[" and ", "
    assert _bad(cli, path, json.dumps([rows[0], bad, rows[2]])) == (
        1,
        [f"{path}:1:{at}: item 2: {why}", "reported 2; rejected 1"],
        kept,
    )
    path = tmp_path / "docs.json"
    first = json.dumps(rows[0], indent=2) + "\n"
    text = first + json.dumps(bad, indent=2) + "\n" + json.dumps(rows[2], indent=2) + "\n"
    assert _bad(cli, path, text) == (
        1,
        [f"{path}:{len(first.splitlines()) + 1}: {why}", "reported 2; rejected 1"],
        kept,
    )
    path = tmp_path / "r.csv"
    csv_lines = layouts["results.csv"].splitlines()
    cells = csv_lines[2].split(",")
    cells[2] = "400"
    csv_lines[2] = ",".join(cells)
    assert _bad(cli, path, "\n".join(csv_lines) + "\n") == (
        1,
        [
            f"{path}:3: row 2: respondent 'r1': score: '400' is not a number in -100..100",
            "reported 2; rejected 1",
        ],
        kept,
    )


def test_a_broken_item_costs_that_item_only(cli, tmp_path) -> None:
    """A line cut short, a string never closed, items over the limit (ending just past
    it, or not for megabytes): each is one rejection, and reading goes on with the next
    line that starts a value."""
    rows = _batch(cli, _jsonl(_sheets(4, 3))).splitlines()
    path = tmp_path / "r.jsonl"
    text = "\n".join(
        [
            rows[0],
            rows[1][:50],
            '{"schema": "x',
            rows[1],
            "{" + " " * MAX_ROW_BYTES,
            rows[2],
            '{"a": "' + "x" * (3 * MAX_ROW_BYTES),
            rows[0],
            "",
        ]
    )
    code, err, report = _bad(cli, path, text)
    assert (code, report["respondents"]) == (1, 4)
    assert [line.split(": ", 1)[0] for line in err[:-1]] == [f"{path}:{n}" for n in (2, 3, 5, 7)]
    assert err[0].startswith(f"{path}:2: not a pmfit result: ")
    too_long = f"longer than {MAX_ROW_BYTES:,} bytes (an answer sheet or row is at most that)"
    assert err[2:] == [f"{path}:5: {too_long}", f"{path}:7: {too_long}", "reported 4; rejected 4"]


def test_a_truncated_array_reports_what_came_and_says_so(cli, tmp_path) -> None:
    text = _batch(cli, _jsonl(_sheets(5, 3)), "--format", "json")
    path = tmp_path / "r.json"
    cut = text.rindex("{")  # the last item, cut half way
    code, err, report = _bad(cli, path, text[: cut + 40])
    assert (code, report["respondents"]) == (1, 2)
    assert err[0].startswith(f"{path}:4:1: item 3: not a pmfit result: ")
    assert err[1:] == [
        f"{path}:4: the array is not closed (no `]` before the end of the file)",
        "reported 2; rejected 1",
    ]


@pytest.mark.parametrize("name", ["empty.json", "empty.jsonl", "empty.csv", "blank.json"])
def test_an_empty_file_is_an_empty_report(cli, tmp_path, name) -> None:
    path = tmp_path / name
    path.write_text("\n \n" if name.startswith("blank") else "")
    run = cli("report", "--bank", str(MINI), str(path), "--json")
    assert (run.exit_code, run.stderr) == (0, "")
    assert json.loads(run.stdout)["respondents"] == 0


def test_mixed_layouts_in_one_stream(cli, tmp_path) -> None:
    sheets = _sheets(6, 9)
    parts = [_jsonl(sheets[:3]), _jsonl(sheets[3:6]), _jsonl(sheets[6:])]
    jsonl = _batch(cli, parts[0])
    array = _batch(cli, parts[1], "--format", "json")
    documents = "".join(
        json.dumps(json.loads(line), indent=2) + "\n" for line in _batch(cli, parts[2]).splitlines()
    )
    (tmp_path / "all.json").write_text(documents + jsonl + array)
    (tmp_path / "a.jsonl").write_text("".join(parts[2] + parts[0] + parts[1]))
    run = cli("report", "--bank", str(MINI), str(tmp_path / "all.json"), "--json")
    want = cli("report", "--bank", str(MINI), str(tmp_path / "a.jsonl"), "--json")
    assert (run.exit_code, run.stderr) == (0, "")
    assert json.loads(run.stdout) == json.loads(want.stdout)


def test_csv_results_of_another_bank_or_not_results(cli, tmp_path) -> None:
    text = _batch(cli, _jsonl(_sheets(7, 2)), "--format", "csv")
    path = tmp_path / "r.csv"
    path.write_text(text.replace("mini@0.1.0", "mini@0.0.9"))
    run = cli("report", "--bank", str(MINI), str(path))
    assert run.exit_code == 2
    assert run.stderr == (
        f"{path}:2: scored with bank mini 0.0.9, not the loaded bank mini 0.1.0 (sha256 "
        f"{BANK.sha256[:12]}); pass --bank with the bank these results were scored with\n"
    )
    path.write_text(text.replace("answer_risk_2", "answer_risk_9"))
    run = cli("report", "--bank", str(MINI), str(path))
    assert (run.exit_code, run.stderr) == (
        2,
        f"{path}:1: header: not `pmfit batch --format csv` results of bank mini@0.1.0: "
        "no column answer_risk_2\n",
    )
    path.write_text(text.replace("mini@0.1.0", "", 1))
    run = cli("report", "--bank", str(MINI), str(path), "--json")
    assert (run.exit_code, run.stderr.splitlines()) == (
        1,
        [
            f"{path}:2: row 1: respondent 'r0': bank: blank (these results are of mini@0.1.0)",
            "reported 1; rejected 1",
        ],
    )
    path.write_text(text)
    run = cli("report", "--bank", str(MINI), str(path), "--rescore")
    assert run.exit_code == 2
    assert run.stderr.startswith(f"{path}: --rescore reads the answers in JSON results")


def test_the_library_entry_point_takes_a_stream(cli) -> None:
    text = _batch(cli, _jsonl(_sheets(8, 5)))
    run = report_of(io.BytesIO(text.encode()), bank=BANK)
    assert (run.report.respondents, run.rejected, run.rejections) == (5, 0, 0)
    seen = []
    run = report_of(io.BytesIO(b"{}\n" + text.encode()), bank=BANK, on_rejection=seen.append)
    assert (run.report.respondents, run.rejected, len(seen)) == (5, 1, 1)
    assert str(seen[0]).startswith("<stream>:1: not a pmfit result: Object missing required field")


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 10**6), n=st.integers(0, 30))
def test_every_layout_gives_the_same_report(cli, seed: int, n: int) -> None:
    """For random result sets: JSONL == a JSON array == pretty-printed documents one
    after another == batch CSV (and the other layouts)."""
    layouts = _layouts(cli, _jsonl(_sheets(seed, n)))
    reports = {
        name: msgspec.json.encode(report_of(io.BytesIO(text.encode()), bank=BANK).report)
        for name, text in layouts.items()
    }
    assert len(set(reports.values())) == 1, {k: v[:80] for k, v in reports.items()}
    assert json.loads(reports["results.jsonl"])["respondents"] == n


def test_results_with_sorted_keys_are_told_from_answers(cli) -> None:
    """`jq -S .` sorts a result's keys: with the shipped bank its schema then comes past
    the first 4 KiB, but its bank's digest comes second."""
    from pmfit.bank.loading import shipped_bank_dir

    shipped = load_bank(shipped_bank_dir())
    sheet = {"answers": {q.id: q.options[0].id for q in shipped.questions}}
    results = cli("batch", "-", "--input-format", "jsonl", input=_jsonl([sheet, sheet]))
    assert results.exit_code == 0
    rows = [json.loads(line) for line in results.stdout.splitlines()]
    text = json.dumps(rows, indent=2, sort_keys=True)
    assert text.index('"schema"') > 4096
    run = cli("report", "-", "--json", input=text)
    assert (run.exit_code, run.stderr) == (0, "")
    assert json.loads(run.stdout)["respondents"] == 2
