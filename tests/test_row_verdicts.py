"""Rule 3, one row, one verdict: whatever is wrong with a row rejects that row alone,
with its line, the counts add up, and the same bad sheet gets the same words from
`pmfit score`, every batch format and `pmfit report`."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import MINI
from pmfit.limits import MAX_DEPTH, MAX_NUMBER_CHARS

GOOD = '{"respondent": "ok", "answers": {"problem-1": "a"}}'

#: (name, a sheet written as JSON, which is also YAML unless said, the verdict's words)
BAD_SHEETS = [
    (
        "unknown-option",
        '{"respondent": "r", "answers": {"problem-1": "z"}}',
        "answers.problem-1: unknown option 'z' (allowed: a, b, c, or blank to skip)",
    ),
    (
        "duplicate-key",
        '{"respondent": "r", "answers": {"problem-1": "a", "problem-1": "b"}}',
        "answers: duplicate key 'problem-1'",
    ),
    (
        "duplicate-top-level-key",
        '{"answers": {"problem-1": "a"}, "answers": {"buyer-1": "b"}}',
        "document: duplicate key 'answers'",
    ),
    (
        "unknown-field",
        '{"respondent": "r", "answers": {}, "extra": "x"}',
        "unknown field 'extra' (allowed: respondent, answers)",
    ),
    (
        "deep",
        '{"answers": {"problem-1": ' + "[" * 100 + "]" * 100 + "}}",
        f"nested more than {MAX_DEPTH} levels deep (at most {MAX_DEPTH})",
    ),
    (
        "long-number",
        '{"respondent": ' + "9" * 5000 + ', "answers": {}}',
        f"a number longer than {MAX_NUMBER_CHARS} characters (at most {MAX_NUMBER_CHARS})",
    ),
    (
        "answers-not-a-mapping",
        '{"respondent": "r", "answers": ["problem-1"]}',
        "answers: must be a mapping of question id to option id",
    ),
]
JSON_ONLY = [
    (
        "lone-surrogate",
        '{"respondent": "a\\ud800b", "answers": {}}',
        "respondent: not valid Unicode (a lone surrogate \\ud800)",
    ),
    (
        "lone-surrogate-key",
        '{"answers": {"k\\udc80": "a"}}',
        "answers: not valid Unicode (a lone surrogate \\udc80)",
    ),
]


def _message(line: str) -> str:
    """A message line without its place (`file:line[:col]: [item N: ][respondent 'x': ]`)."""
    parts = line.split(": ")
    rest = parts[1:]
    while rest and (rest[0].startswith(("item ", "row ", "document ", "respondent "))):
        rest = rest[1:]
    return ": ".join(rest)


@pytest.mark.parametrize(("name", "sheet", "words"), BAD_SHEETS + JSON_ONLY)
def test_the_same_bad_sheet_gets_the_same_words_everywhere(cli, tmp_path, name, sheet, words):
    one = tmp_path / "one.json"
    one.write_text(sheet)
    run = cli("score", "--bank", str(MINI), str(one))
    assert run.exit_code == 2
    assert [_message(x) for x in run.stderr.splitlines()] == [words]

    inputs = {
        "in.jsonl": f"{GOOD}\n{sheet}\n{GOOD}\n",
        "in.json": f"[{GOOD},\n{sheet},\n{GOOD}]\n",
    }
    if (name, sheet, words) in BAD_SHEETS:
        inputs["in.yaml"] = f"{GOOD}\n---\n{sheet}\n---\n{GOOD}\n"
        one_yaml = tmp_path / "one.yaml"
        one_yaml.write_text(sheet)
        run = cli("score", "--bank", str(MINI), str(one_yaml))
        assert run.exit_code == 2
        assert [_message(x) for x in run.stderr.splitlines()] == [words]
    for file, text in inputs.items():
        path = tmp_path / file
        path.write_text(text)
        for command in ("batch", "report"):
            run = cli(command, "--bank", str(MINI), str(path))
            assert run.exit_code == 1, (file, command, run.stderr)
            *rejections, summary = run.stderr.splitlines()
            assert [_message(x) for x in rejections] == [words], (file, command)
            assert rejections[0].startswith(f"{path}:{3 if file == 'in.yaml' else 2}")
            verb = "scored" if command == "batch" else "reported"
            assert summary == f"{verb} 2; rejected 1"


def test_yaml_scalars_are_read_as_written(cli, tmp_path) -> None:
    written = ["010", "0123", "007", "0x1F", "1:30", "1_000", "yes", "off", "1.50", "true"]
    docs = tmp_path / "ids.yaml"
    docs.write_text("".join(f"---\nrespondent: {w}\nanswers: {{problem-1: a}}\n" for w in written))
    run = cli("batch", "--bank", str(MINI), str(docs))
    assert run.exit_code == 0, run.stderr
    assert [json.loads(x)["respondent"] for x in run.stdout.splitlines()] == written
    for w in written:
        sheet = tmp_path / "one.yaml"
        sheet.write_text(f"respondent: {w}\nanswers: {{problem-1: a}}\n")
        run = cli("score", "--bank", str(MINI), str(sheet), "--json")
        assert json.loads(run.stdout)["respondent"] == w
    # JSON numbers and literals are their text too.
    jsonl = tmp_path / "ids.jsonl"
    jsonl.write_text('{"respondent": 010.50, "answers": {}}\n{"respondent": true, "answers": {}}\n')
    run = cli("batch", "--bank", str(MINI), str(jsonl))
    assert run.stderr.splitlines()[0].startswith(f"{jsonl}:1:")  # 010.50 is not JSON
    assert [json.loads(x)["respondent"] for x in run.stdout.splitlines()] == ["true"]


def test_option_ids_that_yaml_11_would_retype_are_matched_as_written(cli, tmp_path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    questions = bank / "questions.yaml"
    questions.write_text(
        questions.read_text()
        .replace("{id: a, lean: -1,", '{id: "yes", lean: -1,', 1)
        .replace("{id: b, lean: 0,", '{id: "010", lean: 0,', 1)
    )
    for option in ("yes", "010"):
        sheet = tmp_path / "s.yaml"
        sheet.write_text(f"answers:\n  problem-1: {option}\n")
        run = cli("score", "--bank", str(bank), str(sheet), "--json")
        assert run.exit_code == 0, run.stderr
        assert json.loads(run.stdout)["answers"]["problem-1"] == option
    docs = tmp_path / "d.yaml"
    docs.write_text("answers: {problem-1: yes}\n---\nanswers: {problem-1: 010}\n")
    csv = tmp_path / "d.csv"
    csv.write_text("respondent,problem-1\nr1,yes\nr2,010\n")
    for path in (docs, csv):
        run = cli("batch", "--bank", str(bank), str(path))
        assert run.exit_code == 0, run.stderr
        assert [json.loads(x)["answers"]["problem-1"] for x in run.stdout.splitlines()] == [
            "yes",
            "010",
        ]


def test_duplicate_keys_on_the_fast_jsonl_path_are_caught(cli, tmp_path) -> None:
    """Every other row valid, so the block goes through the typed decoder first."""
    rows = [GOOD] * 50
    rows[20] = '{"respondent":"dup","answers":{"problem-1":"a","problem-1":"c"}}'
    rows[30] = '{"respondent":"d2","respondent":"d3","answers":{}}'
    rows[40] = '{"respondent":"O\\"Brien","answers":{"problem-1":"b"}}'  # escaped quote: fine
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(rows) + "\n")
    run = cli("batch", "--bank", str(MINI), str(path))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{path}:21: respondent 'dup': answers: duplicate key 'problem-1'",
        f"{path}:31: respondent 'd3': document: duplicate key 'respondent'",
        "scored 48; rejected 2",
    ]
    assert json.loads(run.stdout.splitlines()[38])["respondent"] == 'O"Brien'


def test_a_stray_quote_in_a_csv_costs_one_row(cli, tmp_path) -> None:
    rows = [f"r{i},a" for i in range(10_000)]
    rows[5000] = '"r5000,a'
    path = tmp_path / "stray.csv"
    path.write_text("respondent,problem-1\n" + "\n".join(rows) + "\n")
    run = cli("batch", "--bank", str(MINI), str(path))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f'{path}:5002: row 5001: an opening quote (") that is not closed: a quoted cell must '
        "close within 100 lines and leave the row with the header's 2 cells; this row alone "
        "is rejected",
        "scored 9,999; rejected 1",
    ]


def test_csv_quotes_line_ends_and_carriage_returns(cli, tmp_path) -> None:
    cases = {
        # An unterminated quote near the end: the rows after it are still rows.
        "unterminated.csv": ('respondent,problem-1\nr1,a\n"r2,a\nr3,a\nr4,a\n', 3, 1),
        # A quoted cell may span lines.
        "multiline.csv": ('respondent,problem-1\n"two\nlines",a\nr2,b\n', 2, 0),
        # Two stray quotes a few lines apart still cost only their own rows.
        "two.csv": ('respondent,problem-1\nr1,a\n"r2,a\nr3,a\n"r4,a\nr5,a\n', 3, 2),
        "cr-in-cell.csv": ("respondent,problem-1\nr1,a\nr2,a\rb\nr3,a\n", 2, 1),
        "cr-only.csv": ("respondent,problem-1\rr1,a\rr2,b\rr3,c\r", 3, 0),
        "crlf.csv": ("respondent,problem-1\r\nr1,a\r\nr2,b\r\n", 2, 0),
    }
    for name, (text, scored, rejected) in cases.items():
        path = tmp_path / name
        path.write_bytes(text.encode())
        run = cli("batch", "--bank", str(MINI), str(path))
        assert run.stderr.splitlines()[-1] == f"scored {scored}; rejected {rejected}", name
        assert len(run.stdout.splitlines()) == scored
        assert run.exit_code == (1 if rejected else 0)


def test_report_rejects_malformed_result_rows_one_by_one(cli, tmp_path) -> None:
    answers = tmp_path / "a.jsonl"
    answers.write_text(f"{GOOD}\n" * 6)
    results = tmp_path / "r.jsonl"
    cli("batch", "--bank", str(MINI), str(answers), "-o", str(results))
    rows = [json.loads(x) for x in results.read_text().splitlines()]
    rows[0]["dimensions"] = rows[0]["dimensions"][:1]
    rows[1]["recommendation"] = "PWNED"
    rows[2]["score"] = 1e300
    rows[3]["score"] = -5000
    rows[4]["flags"] = [{"code": "nope"}]
    lines = [json.dumps(r) for r in rows]
    lines.insert(5, '{"a": ' + "[" * 5000 + "]" * 5000 + "}")
    results.write_text("\n".join(lines) + "\n")
    run = cli("report", "--bank", str(MINI), str(results), "--json")
    assert run.exit_code == 1
    assert json.loads(run.stdout)["respondents"] == 1
    err = run.stderr.splitlines()
    assert [x.split(": ")[0] for x in err[:-1]] == [f"{results}:{n}" for n in range(1, 7)]
    assert err[0].endswith("not a pmfit result: 1 dimensions, but the bank has 4")
    assert "PWNED" in err[1] and "<= 100.0" in err[2] and ">= -100.0" in err[3]
    assert err[-1] == "reported 1; rejected 6"


def test_bad_rows_mid_file_on_the_parallel_path_reject_only_themselves(cli, tmp_path) -> None:
    bad = {
        100_000: '{"respondent":"a\\ud800b","answers":{}}',
        100_001: '{"answers":' + "[" * 5000 + "]" * 5000 + "}",
        100_002: '{"respondent":' + "9" * 5000 + ',"answers":{}}',
        100_003: '{"respondent":"d","answers":{"problem-1":"a","problem-1":"b"}}',
    }
    path = tmp_path / "big.jsonl"
    with path.open("w") as f:
        for i in range(200_000):
            f.write(bad.get(i, GOOD) + "\n")
    out = tmp_path / "out.jsonl"
    run = cli("batch", "--bank", str(MINI), str(path), "-j", "2", "-o", str(out))
    assert run.exit_code == 1
    err = run.stderr.splitlines()
    assert [re.sub(r"(:\d+):\d+$", r"\1", x.split(": ")[0]) for x in err] == [
        *(f"{path}:{n + 1}" for n in sorted(bad)),
        "scored 199,996; rejected 4",
    ]
    assert out.read_bytes().count(b"\n") == 199_996


def test_an_input_whose_name_is_not_utf8_keeps_its_errors_file(cli, tmp_path) -> None:
    """The retest: a file name in Latin-1 (or any bytes) is a real Linux name; with
    --errors, the rejected row's record (which names the file) crashed the run after the
    work, exit 3. Its bytes are now JSON's \\udcXX escapes, and read back as the name."""
    import os

    name = os.fsdecode(b"caf\xe9.jsonl")
    (tmp_path / name).write_text(GOOD + "\n" + '{"answers": {"nope": "a"}}\n')
    run = cli(
        "batch",
        "--bank",
        str(MINI),
        str(tmp_path / name),
        "-o",
        str(tmp_path / "out.jsonl"),
        "--errors",
        str(tmp_path / "err.jsonl"),
    )
    assert run.exit_code == 1, run.stderr
    record = json.loads((tmp_path / "err.jsonl").read_text())
    assert (record["file"], record["line"]) == (str(tmp_path / name), 2)
