"""Each input format, bad rows rejected with their place, every result equal to `pmfit score`."""

from __future__ import annotations

import json

import msgspec
import pytest

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.batch.compact import compact
from pmfit.render.json import result_line
from pmfit.scoring.engine import score

HEADER = "respondent,problem-1,buyer-1,release-1,risk-1,problem-2,buyer-2,release-2,risk-2"


def _engine_line(answers, respondent, with_quotes=False):
    result = score(load_bank(MINI), answers, respondent)
    return result_line(result) if with_quotes else msgspec.json.encode(compact(result)) + b"\n"


def _csv_answers(line):
    cells = line.split(",")
    ids = HEADER.split(",")[1:]
    return cells[0] or None, {q: (c or None) for q, c in zip(ids, cells[1:], strict=True)}


def test_spreadsheet_csv_with_bom_crlf_and_quoted_cells(cli, tmp_path) -> None:
    rows = ["ann,a,b,a,b,b,a,b,b", "bob,c,a,b,a,a,c,a,a", "cy,,,,,,,,", "dee,b,a,,b,a,b,a,"]
    data = "\ufeff" + HEADER + "\r\n" + '"ann",a,b,a,b,b,a,b,b\r\n' + "\r\n".join(rows[1:]) + "\r\n"
    path = tmp_path / "export.csv"
    path.write_bytes(data.encode("utf-8"))
    run = cli("batch", "--bank", str(MINI), str(path))
    assert run.exit_code == 0, run.stderr
    assert run.stderr == "scored 4; rejected 0\n"
    expected = b"".join(_engine_line(a, r) for r, a in map(_csv_answers, rows))
    assert run.stdout.encode() == expected


def test_semicolon_csv_as_european_spreadsheets_export(cli, tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HEADER.replace(",", ";") + "\n" + "x;c;a;b;a;a;c;a;a\n")
    run = cli("batch", "--bank", str(MINI), str(path))
    assert run.exit_code == 0, run.stderr
    assert run.stdout.encode() == _engine_line(_csv_answers("x,c,a,b,a,a,c,a,a")[1], "x")


def test_bad_rows_are_rejected_with_their_rows_and_the_rest_scored(cli, tmp_path) -> None:
    good = ["g1,a,b,a,b,b,a,b,b", "g2,c,a,b,a,a,c,a,a", "g3,b,,,,,,,a"]
    lines = [
        HEADER.encode(),
        good[0].encode(),
        b"bad1,a,b,a",  # wrong number of cells
        good[1].encode(),
        b"bad2,z,b,a,b,b,a,b,b",  # unknown option
        b"bad3,a,b,a,b,b,a\xff,b,b",  # invalid UTF-8
        good[2].encode(),
    ]
    path = tmp_path / "cohort.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    errors = tmp_path / "errors.jsonl"
    run = cli("batch", "--bank", str(MINI), str(path), "--errors", str(errors))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{path}:3: row 2: respondent 'bad1': 4 cells, but the header has 9",
        f"{path}:5: row 4: respondent 'bad2': problem-1: unknown option 'z' "
        "(allowed: a, b, c, or blank to skip)",
        f"{path}:6: row 5: not valid UTF-8 (byte 0xff at column 17)",
        f"scored 3; rejected 3; see {errors}",
    ]
    records = [json.loads(line) for line in errors.read_text().splitlines()]
    assert [(r["line"], r["row"], r["respondent"]) for r in records] == [
        (3, 2, "bad1"),
        (5, 4, "bad2"),
        (6, 5, None),
    ]
    expected = b"".join(_engine_line(a, r) for r, a in map(_csv_answers, good))
    assert run.stdout.encode() == expected


def test_csv_columns_that_are_no_question_are_ignored_with_one_notice(cli, tmp_path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("respondent,problem-1,nonsense,problem-9\nann,a,b,x\nbob,c,a,y\n\n")
    run = cli("batch", "--bank", str(MINI), str(path))
    assert run.exit_code == 0
    assert run.stderr.splitlines() == [
        f"{path}: ignored 2 columns that match no question: 'nonsense', 'problem-9'",
        "scored 2; rejected 0",
    ]
    expected = _engine_line({"problem-1": "a"}, "ann") + _engine_line({"problem-1": "c"}, "bob")
    assert run.stdout.encode() == expected


def test_jsonl_bad_lines(cli, tmp_path) -> None:
    good = [
        {"respondent": "a", "answers": {"problem-1": "c", "buyer-1": "a"}},
        {"respondent": 7, "answers": {"problem-1": " a ", "risk-1": ""}},
        {"answers": {"release-2": "b"}},
    ]
    raw = [
        json.dumps(good[0]).encode(),
        b"{not json",
        json.dumps(good[1]).encode(),
        b"",
        json.dumps({"answers": {"nope": "a"}}).encode(),
        b'{"respondent":"z","answers":{"problem-1":"\xff"}}',
        json.dumps({"respondent": "q", "answers": {"buyer-1": "c"}}).encode(),
        json.dumps(good[2]).encode(),
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\r\n".join(raw) + b"\r\n")
    run = cli("batch", "--bank", str(MINI), str(path))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{path}:2: malformed JSON at column 2: Expecting property name enclosed in double quotes",
        f"{path}:5: answers.nope: unknown question (`pmfit template` lists the ids)",
        f"{path}:6: not valid UTF-8 (byte 0xff at column 43)",
        f"{path}:7: respondent 'q': answers.buyer-1: unknown option 'c' "
        "(allowed: a, b, or blank to skip)",
        "scored 3; rejected 4",
    ]
    expected = [
        _engine_line({"problem-1": "c", "buyer-1": "a"}, "a"),
        _engine_line({"problem-1": "a", "risk-1": None}, "7"),
        _engine_line({"release-2": "b"}, None),
    ]
    assert run.stdout.encode() == b"".join(expected)


def test_json_array_and_yaml_documents(cli, tmp_path) -> None:
    array = tmp_path / "in.json"
    array.write_text(
        '[\n {"respondent": "a", "answers": {"problem-1": "c"}},\n'
        ' {"answers": {"problem-1": "q"}},\n {"answers": {}}\n]\n'
    )
    run = cli("batch", "--bank", str(MINI), str(array))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{array}:3: item 2: answers.problem-1: unknown option 'q' "
        "(allowed: a, b, c, or blank to skip)",
        "scored 2; rejected 1",
    ]
    assert run.stdout.encode() == _engine_line({"problem-1": "c"}, "a") + _engine_line({}, None)

    docs = tmp_path / "in.yaml"
    docs.write_text(
        "respondent: a\nanswers:\n  problem-1: c\n---\nrespondent: b\nanswers:\n"
        "  buyer-1: zz\n---\n# only a comment\n---\nanswers: {buyer-1: a}\n"
    )
    run = cli("batch", "--bank", str(MINI), str(docs))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{docs}:7: document 2: respondent 'b': answers.buyer-1: "
        "unknown option 'zz' (allowed: a, b, or blank to skip)",
        "scored 2; rejected 1",
    ]
    assert run.stdout.encode() == _engine_line({"problem-1": "c"}, "a") + _engine_line(
        {"buyer-1": "a"}, None
    )


def test_broken_json_array_rejects_the_rest_with_one_line(cli, tmp_path) -> None:
    array = tmp_path / "in.json"
    array.write_text('[{"answers": {"problem-1": "c"}},\n {"answers": {"problem-1": "a"}\n')
    run = cli("batch", "--bank", str(MINI), str(array))
    assert run.exit_code == 1
    assert run.stdout.encode() == _engine_line({"problem-1": "c"}, None)
    assert run.stderr.splitlines()[0].startswith(f"{array}:2: item 2: malformed JSON")


@pytest.mark.parametrize("kind", ["jsonl", "csv", "json", "yaml"])
def test_stdin_with_input_format(cli, kind) -> None:
    text = {
        "jsonl": '{"respondent": "s", "answers": {"problem-1": "b"}}\n',
        "csv": "respondent,problem-1\ns,b\n",
        "json": '[{"respondent": "s", "answers": {"problem-1": "b"}}]',
        "yaml": "respondent: s\nanswers: {problem-1: b}\n",
    }[kind]
    run = cli("batch", "--bank", str(MINI), "-", "--input-format", kind, input=text)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.encode() == _engine_line({"problem-1": "b"}, "s")


def test_with_quotes_equals_pmfit_score_json(cli, tmp_path) -> None:
    answers = {"problem-1": "c", "buyer-1": "a", "release-1": "b", "risk-1": None}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"respondent": "ann", "answers": answers}) + "\n")
    batch = cli("batch", "--bank", str(MINI), str(path), "--with-quotes")
    sheet = tmp_path / "one.json"
    sheet.write_text(json.dumps({"respondent": "ann", "answers": answers}))
    single = cli("score", "--bank", str(MINI), str(sheet), "--json")
    assert batch.exit_code == single.exit_code == 0
    assert json.loads(batch.stdout) == json.loads(single.stdout)
    assert batch.stdout.encode() == _engine_line(answers, "ann", with_quotes=True)
