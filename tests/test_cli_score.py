"""`pmfit score`, `template`, `schema`, `--version`: exact output and exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import MINI
from pmfit import __version__
from pmfit.bank.loading import load_bank
from pmfit.render.json import result_json
from pmfit.scoring.engine import score

ANSI = re.compile(r"\x1b\[")
B = ["--bank", str(MINI)]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_score_file_gives_the_engines_result_as_json(cli, in_tmp: Path) -> None:
    write(
        in_tmp,
        "me.yaml",
        "respondent: ana\nanswers:\n  problem-1: c\n  buyer-1: a\n  release-1: b\n  risk-1: ''\n",
    )
    run = cli("score", "me.yaml", *B)
    expected = score(
        load_bank(MINI), {"problem-1": "c", "buyer-1": "a", "release-1": "b", "risk-1": None}, "ana"
    )
    assert (run.exit_code, run.stdout, run.stderr) == (0, result_json(expected), "")


def test_json_output_validates_against_the_published_schema(cli, in_tmp: Path) -> None:
    schema = json.loads(cli("schema", "result").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for answers in (
        [],
        ["-a", "problem-1=a", "-a", "buyer-1=b", "-a", "risk-1=b"],
        ["-a", "problem-1=c", "-a", "buyer-1=a", "-a", "release-1=b"],
    ):
        run = cli("score", *answers or ["-a", "problem-1="], *B, "--json")
        assert run.exit_code == 0
        jsonschema.validate(json.loads(run.stdout), schema)
    with pytest.raises(jsonschema.ValidationError):
        bad = json.loads(run.stdout) | {"recommendation": "maybe"}
        jsonschema.validate(bad, schema)


def test_json_and_yaml_and_stdin_inputs_agree(cli, in_tmp: Path) -> None:
    write(in_tmp, "a.json", json.dumps({"answers": {"problem-1": "a", "buyer-1": "b"}}))
    write(in_tmp, "a.yaml", "answers: {problem-1: a, buyer-1: b}\n")
    from_json = cli("score", "a.json", *B).stdout
    assert cli("score", "a.yaml", *B).stdout == from_json
    assert cli("score", "-", *B, input=(in_tmp / "a.json").read_text()).stdout == from_json
    assert cli("score", *B, "-a", "problem-1=a", "--answer", "buyer-1=b").stdout == from_json


def test_every_bad_answer_is_one_located_line_and_exit_2(cli, in_tmp: Path) -> None:
    write(
        in_tmp,
        "a.yaml",
        "respondent: ana\nanswers:\n  problem-1: c\n  nope: a\n"
        "  buyer-1: z\n  release-1: b\n  release-1: a\ncolour: red\n",
    )
    run = cli("score", "a.yaml", *B)
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [
        "a.yaml:4:3: answers.nope: unknown question (`pmfit template` lists the ids)",
        "a.yaml:5:12: answers.buyer-1: unknown option 'z' (allowed: a, b, or blank to skip)",
        "a.yaml:7:3: answers: duplicate key 'release-1'",
        "a.yaml:8:1: unknown field 'colour' (allowed: respondent, answers)",
    ]


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        (
            "a.json",
            '{"answers": {"problem-1": "c",}}',
            "a.json:1:31: malformed JSON: Expecting property name enclosed in double quotes",
        ),
        ("a.yaml", "answers:\n  problem-1: [c\n", "a.yaml:3:1: malformed YAML: "),
        (
            "a.yaml",
            "answers: [a, b]\n",
            "a.yaml:1:10: answers: must be a mapping of question id to option id",
        ),
        (
            "a.yaml",
            "- just\n- a list\n",
            "a.yaml:1:1: expected a mapping with 'answers' (and optionally 'respondent')",
        ),
        (
            "a.yaml",
            "answers:\n  problem-1: !!python/name:os.system\n",
            "a.yaml:2:14: tag '!!python/name:os.system' is not allowed (only plain YAML values; "
            "nothing is ever constructed from tags)",
        ),
    ],
)
def test_malformed_files(cli, in_tmp: Path, name: str, text: str, line: str) -> None:
    write(in_tmp, name, text)
    run = cli("score", name, *B)
    assert (run.exit_code, run.stdout) == (2, "")
    # libyaml and PyYAML word a syntax error differently; the place is what matters.
    assert run.stderr.startswith(line) and run.stderr.count("\n") == 1


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_invalid_utf8_names_the_line(cli, in_tmp: Path, bom: bytes) -> None:
    (in_tmp / "a.yaml").write_bytes(bom + b"answers:\n  problem-1: \xff\n")
    run = cli("score", "a.yaml", *B)
    assert (run.exit_code, run.stderr) == (2, "a.yaml:2:14: not valid UTF-8 (byte 0xff)\n")


def test_usage_errors(cli, in_tmp: Path) -> None:
    assert cli("score", *B).stderr == (
        "pmfit score: give an answers FILE, - for stdin, or --answer QID=OPTION "
        "(see `pmfit template`)\n"
    )
    assert cli("score", "missing.yaml", *B).stderr == "missing.yaml: no such file\n"
    run = cli(
        "score",
        *B,
        "-a",
        "foo",
        "-a",
        "nope=a",
        "-a",
        "problem-1=x",
        "-a",
        "buyer-1=a",
        "-a",
        "buyer-1=b",
    )
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        "--answer: 'foo': expected QUESTION=OPTION (OPTION blank to skip)",
        "--answer: nope: unknown question (`pmfit template` lists the ids)",
        "--answer: problem-1: unknown option 'x' (allowed: a, b, c, a number 1-3, or blank to skip)",
        "--answer: buyer-1: duplicate answer",
    ]
    write(in_tmp, "a.yaml", "answers: {problem-1: a}\n")
    # --answer overrides the file's answer, by id in any case or by number.
    for typed in ("b", "B", "2"):
        run = cli("score", "a.yaml", "-a", f"problem-1={typed}", *B, "--json")
        assert run.exit_code == 0, run.stderr
        assert json.loads(run.stdout)["answers"]["problem-1"] == "b", typed
    run = cli("score", "a.yaml", "-a", "problem-1=", *B, "--json")
    assert json.loads(run.stdout)["answers"]["problem-1"] is None
    for typed in ("0", "4", "bb"):
        run = cli("score", "a.yaml", "-a", f"problem-1={typed}", *B)
        assert (run.exit_code, run.stderr) == (
            2,
            f"--answer: problem-1: unknown option {typed!r} (allowed: a, b, c, a number 1-3, "
            "or blank to skip)\n",
        )
    bad_format = cli("score", "-a", "problem-1=a", *B, "--format", "xml")
    assert (bad_format.exit_code, bad_format.stderr) == (
        2,
        "pmfit score: Invalid value for '--format' / '-f': 'xml' is not one of 'table', "
        "'json'. (see pmfit score --help)\n",
    )
    assert cli("nope").stderr == "pmfit: No such command 'nope'. (see pmfit --help)\n"


def test_debug_lets_the_traceback_through(cli, in_tmp: Path) -> None:
    from pmfit.errors import PmfitError

    with pytest.raises(PmfitError):
        cli("--debug", "score", "missing.yaml", *B)


def test_table_on_a_terminal_with_colour_unless_no_color(cli) -> None:
    args = ["score", *B, "-a", "problem-1=c", "-a", "buyer-1=a", "-a", "release-1=b"]
    coloured = cli(*args, tty=True)
    assert coloured.exit_code == 0 and ANSI.search(coloured.stdout)
    plain = cli(*args, tty=True, env={"NO_COLOR": "1"})
    assert not ANSI.search(plain.stdout)
    # Five of eight skipped: never "very confident" beside the many-skips note.
    assert "strong B2C lean, somewhat confident" in plain.stdout
    assert "“Lo construyes hoy, puedes ver el impacto mañana.”" in plain.stdout
    assert "— answer 3, a PM who moved from B2B to B2C" in plain.stdout
    piped_table = cli(*args, "--format", "table")
    assert not ANSI.search(piped_table.stdout) and "Recommendation" in piped_table.stdout
    spanish = cli(*args, tty=True, env={"NO_COLOR": "1", "LANG": "es_ES.UTF-8"})
    assert "fuerte inclinación B2C, con algo de confianza" in spanish.stdout
    assert "— respuesta 3, un PM que pasó de B2B a B2C" in spanish.stdout


def test_bank_text_is_never_rich_markup(cli, tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    path = bank / "questions.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        '"Which problems would you rather solve?"', '"[bold]Which[/bold] problems?"'
    )
    text = text.replace('"An end user\'s problems"', '"[red]An end user[/red] \\e[31m"')
    path.write_text(text, encoding="utf-8")
    run = cli(
        "score", "--bank", str(bank), "-a", "problem-1=c", "-a", "buyer-1=a", "--format", "table"
    )
    assert run.exit_code == 0, run.stderr
    assert "[bold]Which[/bold] problems?" in run.stdout
    # Markup prints as written; a control character is shown, never obeyed.
    assert "[red]An end user[/red] \\x1b[31m" in run.stdout
    assert "\x1b" not in run.stdout


def test_template_yaml_scores_as_insufficient(cli, in_tmp: Path) -> None:
    sheet = cli("template", *B).stdout
    assert sheet.splitlines()[:9] == [
        "# pmfit answer sheet for bank mini 0.1.0",
        "# Put an option id after each question id; leave it blank to skip the question.",
        "# Score it with: pmfit score THIS_FILE",
        "respondent:",
        "answers:",
        "  # Which problems would you rather solve?",
        "  #   a: A business's problems",
        "  #   b: Both equally",
        "  #   c: An end user's problems",
    ]
    write(in_tmp, "sheet.yaml", sheet)
    result = json.loads(cli("score", "sheet.yaml", *B).stdout)
    assert result["recommendation"] == "insufficient"
    assert set(result["answers"]) == {q.id for q in load_bank(MINI).questions}


def test_template_json_and_csv(cli, in_tmp: Path) -> None:
    ids = [q.id for q in load_bank(MINI).questions]
    assert cli("template", "--format", "csv", *B).stdout == "respondent," + ",".join(ids) + "\n"
    sheet = cli("template", "--format", "json", *B).stdout
    assert json.loads(sheet) == {"respondent": None, "answers": dict.fromkeys(ids)}
    write(in_tmp, "t.json", sheet)
    assert json.loads(cli("score", "t.json", *B).stdout)["recommendation"] == "insufficient"


def test_version_names_the_bank(cli) -> None:
    bank = load_bank(MINI)
    run = cli("--version", env={"PMFIT_BANK": str(MINI)})
    assert run.stdout == f"pmfit {__version__} (bank mini 0.1.0 sha256:{bank.sha256[:12]})\n"


def test_schemas_are_valid_json_schema(cli) -> None:
    for name in ("bank", "result", "answers"):
        schema = json.loads(cli("schema", name).stdout)
        jsonschema.Draft202012Validator.check_schema(schema)
    assert cli("bank", "schema").stdout == cli("schema", "bank").stdout
    assert cli("schema", "nope").exit_code == 2


def test_bank_files_validate_against_the_published_bank_schema(cli) -> None:
    import yaml

    schema = json.loads(cli("schema", "bank").stdout)
    for path in [
        *MINI.glob("*.yaml"),
        *(Path(__file__).parent.parent / "questions").glob("*.yaml"),
    ]:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"questions": [{"id": "x"}]}, schema)


@pytest.mark.slow
def test_a_closed_pipe_stops_quietly() -> None:
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-m", "pmfit", "schema", "result"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # as `| head` does once it has enough
    assert (child.wait(timeout=30), child.stderr.read()) == (141, b"")


@pytest.mark.slow
def test_a_real_process_leaves_every_output_whole(cli, tmp_path: Path) -> None:
    # `pmfit.cli.main` freezes what is left for the collector before the interpreter
    # exits (see `_settle_before_exit`): stdout and a written file still end complete.
    import subprocess
    import sys

    answers = write(tmp_path, "me.yaml", "answers:\n  problem-1: c\n  buyer-1: a\n")
    cohort = write(tmp_path, "in.jsonl", '{"respondent": "r1", "answers": {"risk-1": "b"}}\n' * 50)
    out = tmp_path / "out.jsonl"
    for args, output in (
        (["score", answers, "--json", *B], None),
        (["batch", cohort, "-o", str(out), *B], out),
    ):
        child = subprocess.run([sys.executable, "-m", "pmfit", *args], capture_output=True)
        written = output.read_bytes() if output else child.stdout
        expected = cli(*args)
        assert (child.returncode, child.stderr) == (expected.exit_code, expected.stderr.encode())
        assert written == (output.read_bytes() if output else expected.stdout.encode())
