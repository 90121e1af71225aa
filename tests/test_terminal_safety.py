"""Nothing from input drives the terminal: every input kind, through every command.

An escape sequence (a window title, a screen clear), a C1 control, a bare CR and
bidi overrides go in through answers (keys and values), respondent ids, bank
text (version included), result files, progress files and file names; no raw
control character or bidi override may come out on stdout or stderr, whatever
the command and whether or not the output is a terminal.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import MINI
from pmfit.bank.loading import load_bank
from pmfit.scoring.engine import score
from pmfit.text.literal import literal, literal_bytes

#: A window-title OSC ended by BEL, a screen clear, C1 CSI, a bare CR, and bidi overrides.
PAYLOAD = "\x1b]0;PWN\x07\x1b[2J\x9b31m\rX\u202eevil\u2066"
#: What must never reach the terminal raw (Rich's own colours aside, on a terminal).
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")
PIECES = ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\r", "\u202e", "\u2066")


def assert_inert(run, *, tty: bool) -> None:
    for name, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        if tty:  # Rich may colour the output; the payload's own pieces must not be live
            assert not [p for p in PIECES if p in text.replace("\r\n", "\n")], (name, text)
        else:
            assert not RAW.search(text), (name, text)


def evil_bank(root: Path) -> Path:
    """The mini bank with the payload in its version and in texts of every kind."""
    bank = root / "evil bank"
    shutil.copytree(MINI, bank)
    escaped = json.dumps(PAYLOAD)[1:-1]  # YAML double-quoted strings take JSON's escapes
    meta = (bank / "bank.yaml").read_text()
    for old in ("version: 0.1.0", 'en: "Mini bank"', 'en: "Problem focus"', 'en: "a B2B SaaS PM"'):
        key, value = old.split(": ", 1)
        value = value.strip('"')
        meta = meta.replace(old, f'{key}: "{value}{escaped}"', 1)
    (bank / "bank.yaml").write_text(meta)
    questions = (bank / "questions.yaml").read_text()
    for old in ('en: "Which problems would you rather solve?"', 'en: "A business\'s problems"'):
        key, value = old.split(": ", 1)
        questions = questions.replace(old, f'{key}: "{value.strip(chr(34))}{escaped}"', 1)
    (bank / "questions.yaml").write_text(questions)
    thread = bank / "source" / "thread.es.txt"
    lines = thread.read_text().split("\n")
    lines[-2] += PAYLOAD.replace("\r", "")  # a paragraph nothing quotes; no new line
    thread.write_text("\n".join(lines))
    return bank


GOOD = {"problem-1": "a", "buyer-1": "b", "release-1": "a", "risk-1": "b"}


def inputs(root: Path) -> dict[str, Path]:
    """One file per input kind and format, the payload in each."""
    files: dict[str, Path] = {}

    def put(name: str, text: str) -> None:
        files[name] = root / name
        files[name].write_text(text, encoding="utf-8")

    put("respondent.json", json.dumps({"respondent": PAYLOAD, "answers": GOOD}))
    put("key.json", json.dumps({"answers": {**GOOD, f"k{PAYLOAD}": "a"}}))
    put("value.json", json.dumps({"answers": {**GOOD, "problem-1": f"a{PAYLOAD}"}}))
    put(
        "sheets.jsonl",
        "\n".join(
            json.dumps(row)
            for row in (
                {"respondent": PAYLOAD, "answers": GOOD},
                {"respondent": "=1+1", "answers": {f"k{PAYLOAD}": "a"}},
                {"respondent": "ok", "answers": {"problem-1": PAYLOAD}},
            )
        )
        + "\n",
    )
    header = ["respondent", *GOOD, f"k{PAYLOAD}"]
    rows = [
        [PAYLOAD, *GOOD.values(), ""],
        ["ok", PAYLOAD, "", "", "", ""],
    ]
    put(
        "sheets.csv",
        "\r\n".join(",".join(json.dumps(c) for c in row) for row in [header, *rows]) + "\r\n",
    )
    result = msgspec.to_builtins(score(load_bank(MINI), GOOD, respondent=PAYLOAD))
    other = {**result, "bank": {**result["bank"], "version": PAYLOAD}}
    put(
        "results.jsonl",
        "".join(
            json.dumps(r) + "\n"
            for r in (
                result,
                other,
                {**result, "x": PAYLOAD},
                {**result, "recommendation": PAYLOAD},
            )
        ),
    )
    named = root / f"name{PAYLOAD}.json"
    named.write_text("{not json " + PAYLOAD)
    files["named"] = named
    files["missing"] = root / f"missing{PAYLOAD}.yaml"
    return files


def commands(root: Path) -> list[tuple[str, list[str], str | None]]:
    """(label, arguments, stdin) for every command, each fed the payload some way."""
    f = inputs(root)
    bank = str(evil_bank(root))
    mini = str(MINI)
    cases: list[tuple[str, list[str], str | None]] = []
    for name in ("respondent.json", "key.json", "value.json", "named", "missing"):
        for fmt in ("json", "table"):
            cases.append(
                (
                    f"score {name} {fmt}",
                    ["score", "--bank", mini, str(f[name]), "--format", fmt],
                    None,
                )
            )
    for fmt in ("jsonl", "json", "csv"):
        for name in ("sheets.jsonl", "sheets.csv", "named", "missing"):
            cases.append(
                (
                    f"batch {name} {fmt}",
                    [
                        "batch",
                        "--bank",
                        mini,
                        str(f[name]),
                        "--format",
                        fmt,
                        "--errors",
                        str(root / "e.jsonl"),
                    ],
                    None,
                )
            )
        cases.append(
            (
                f"batch bank {fmt}",
                ["batch", "--bank", bank, str(f["respondent.json"]), "--format", fmt],
                None,
            )
        )
    for fmt in ("table", "json", "md"):
        for name in ("results.jsonl", "sheets.jsonl", "named", "missing"):
            cases.append(
                (
                    f"report {name} {fmt}",
                    ["report", "--bank", mini, str(f[name]), "--format", fmt],
                    None,
                )
            )
    for fmt in ("table", "json"):
        cases.append(
            (
                f"score bank {fmt}",
                ["score", "--bank", bank, str(f["respondent.json"]), "--format", fmt],
                None,
            )
        )
        cases.append((f"bank show {fmt}", ["bank", "show", bank, "--format", fmt], None))
        cases.append((f"bank coverage {fmt}", ["bank", "coverage", bank, "--format", fmt], None))
    cases += [
        ("bank validate", ["bank", "validate", bank], None),
        ("bank validate missing", ["bank", "validate", str(f["missing"])], None),
        ("bank compile", ["bank", "compile", bank], None),
        ("template yaml", ["template", "--bank", bank], None),
        ("template json", ["template", "--bank", bank, "--format", "json"], None),
        ("quiz bank", ["quiz", "--bank", bank], "1\n2\n"),
        ("quiz bank json", ["quiz", "--bank", bank, "--json"], "1\n"),
        ("quiz answer", ["quiz", "--bank", mini], f"{PAYLOAD}\n"),
        ("quiz save", ["quiz", "--bank", mini, "--save", str(f["missing"])], "1\n"),
        ("version", ["--version"], None),
        ("unknown command", [f"x{PAYLOAD}"], None),
        ("unknown option", ["score", f"--x{PAYLOAD}"], None),
        ("unknown root option", [f"--x{PAYLOAD}"], None),
        ("bad choice", ["score", "--format", PAYLOAD, str(f["respondent.json"])], None),
    ]
    return cases


@pytest.mark.parametrize("tty", [False, True], ids=["piped", "terminal"])
def test_no_input_reaches_the_terminal_raw(cli, tmp_path: Path, tty: bool) -> None:
    cases = commands(tmp_path)
    assert len(cases) > 50
    silent = []
    for label, args, stdin in cases:
        env = {"PMFIT_BANK": str(tmp_path / "evil bank")} if label == "version" else None
        run = cli(*args, input=stdin, tty=tty, env=env)
        assert run.exit_code in (0, 1, 2), (label, run.exit_code, run.stderr)
        assert_inert(run, tty=tty)
        if "PWN" not in run.stdout + run.stderr:
            silent.append(label)
    # Each case shows the payload (made inert) somewhere, but for these, which have no
    # reason to: the score card does not show the respondent, a JSON template holds only
    # ids, a compile names the file it wrote.
    assert silent == [
        "score respondent.json table",
        "bank compile",
        "template json",
    ], silent


def test_a_damaged_progress_file_is_reported_inertly(cli, tmp_path: Path) -> None:
    """The saved quiz lives in the state directory; its text is input too."""
    saved = tmp_path / "state" / "pmfit" / "quiz" / "mini-full.json"
    saved.parent.mkdir(parents=True)
    for text in (
        json.dumps({"version": PAYLOAD, "bank_id": PAYLOAD}),
        json.dumps(
            {
                "bank_id": "mini",
                "bank_sha256": PAYLOAD,
                "form": "full",
                "adaptive": False,
                "lang": PAYLOAD,
                "order": [PAYLOAD, "problem-1"],
                "position": 1,
                "answers": {PAYLOAD: PAYLOAD, "problem-1": PAYLOAD},
                "saved_at": PAYLOAD,
            }
        ),
        PAYLOAD,
    ):
        saved.write_text(text)
        for tty in (False, True):
            run = cli("quiz", "--bank", str(MINI), input="1\n", tty=tty)
            assert run.exit_code in (0, 2), run.stderr
            assert_inert(run, tty=tty)


def test_json_output_keeps_the_data_exactly(cli, tmp_path: Path) -> None:
    """The escapes used on stdout are JSON's own: a JSON reader gets the payload back."""
    f = inputs(tmp_path)
    run = cli("score", "--bank", str(MINI), str(f["respondent.json"]), "--json")
    assert json.loads(run.stdout)["respondent"] == PAYLOAD
    run = cli("batch", "--bank", str(MINI), str(f["respondent.json"]))
    assert json.loads(run.stdout)["respondent"] == PAYLOAD
    show = cli("bank", "show", str(evil_bank(tmp_path)), "--json")
    assert json.loads(show.stdout)["version"] == "0.1.0" + PAYLOAD


def test_error_lines_show_the_payload_escaped(cli, tmp_path: Path) -> None:
    f = inputs(tmp_path)
    run = cli("score", "--bank", str(MINI), str(f["missing"]))
    assert run.stderr == f"{literal(str(f['missing']))}: no such file\n"
    assert "\\x1b]0;PWN\\x07\\x1b[2J\\u009b31m\\x0dX\\u202eevil\\u2066" in run.stderr


def test_rich_markup_in_input_is_never_interpreted(cli, tmp_path: Path) -> None:
    """Row 62: markup is shown as written, in tables and in error lines."""
    markup = "[link=https://example.com]click[/link] [bold red]x[/bold red]"
    sheet = tmp_path / "m.json"
    sheet.write_text(json.dumps({"respondent": markup, "answers": {**GOOD, markup: "a"}}))
    run = cli("score", "--bank", str(MINI), str(sheet), "--format", "table", tty=True)
    assert run.exit_code == 2
    assert markup in run.stderr
    sheet.write_text(json.dumps({"respondent": markup, "answers": GOOD}))
    for tty in (False, True):
        table = cli("report", "--bank", str(MINI), str(sheet), "--format", "markdown", tty=tty)
        assert "\x1b]8;" not in table.stdout  # no hyperlink escape
        assert cli("score", "--bank", str(MINI), str(sheet), "--json").stdout.count(markup) == 1


def test_literal_bytes_agrees_with_literal() -> None:
    text = f"a{PAYLOAD}\r\n¿qué? “ok” \x7f\x85"
    assert literal_bytes(text.encode()) == literal(text).encode()


@given(st.text(st.characters(codec="utf-8", max_codepoint=0x2100)))
def test_literal_bytes_is_literal_on_utf8_and_leaves_nothing_raw(text: str) -> None:
    shown = literal_bytes(text.encode())
    assert shown == literal(text).encode()
    assert not RAW.search(shown.decode())


@pytest.mark.parametrize(
    ("respondent", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("ana", "ana"),
    ],
)
def test_csv_text_cells_a_spreadsheet_would_run_are_guarded(
    cli, tmp_path: Path, respondent: str, cell: str
) -> None:
    import csv
    import io

    sheet = tmp_path / "s.jsonl"
    answers = {"problem-1": "a"}  # too few: the score and interval are negative numbers
    sheet.write_text(json.dumps({"respondent": respondent, "answers": answers}) + "\n")
    run = cli("batch", "--bank", str(MINI), str(sheet), "--format", "csv")
    header, row = list(csv.reader(io.StringIO(run.stdout)))
    assert row[0] == cell
    assert row[header.index("score")] == "-100.0"  # a number, not guarded
    off = cli("batch", "--bank", str(MINI), str(sheet), "--format", "csv", "--no-csv-formula-guard")
    assert list(csv.reader(io.StringIO(off.stdout)))[1][0] == respondent


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_batch_results_on_a_real_stdout_and_in_a_file_are_inert(tmp_path: Path, fmt) -> None:
    """The retest's finding: batch writes its results straight to stdout's descriptor (and
    workers straight into an -o file), where the CliRunner's wrapped streams never look;
    a C1 CSI, a bidi override and (in CSV, which has no escapes of its own) an ESC
    arrived raw. A real process, stdout a pipe, and the -o file holding the same bytes."""
    import subprocess
    import sys

    f = inputs(tmp_path)
    args = [sys.executable, "-m", "pmfit", "batch", "--bank", str(MINI), "-f", fmt]
    args.append(str(f["respondent.json"]))
    piped = subprocess.run(args, capture_output=True, check=False)
    assert piped.returncode == 0, piped.stderr
    text = piped.stdout.decode()
    assert "PWN" in text and not RAW.search(text), text
    written = subprocess.run([*args, "-o", str(tmp_path / "out")], capture_output=True)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "out").read_bytes() == piped.stdout
    if fmt != "csv":  # JSON's own escapes: the data is kept exactly
        line = text.strip().strip("[]").strip()
        assert json.loads(line)["respondent"] == PAYLOAD
