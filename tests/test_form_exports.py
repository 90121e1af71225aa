"""Form exports as each tool writes them score exactly like the id-based CSV of the same answers.

Each export is built from `pmfit form`'s own text (the titles and labels a coach pastes or
the Apps Script creates), laid out as the tool's CSV export is: its own columns, its
header text, its quoting, encoding and line ends, a skipped question as an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
import random
import unicodedata
from dataclasses import dataclass

import msgspec
import pytest

from pmfit.bank.loading import load_bank
from pmfit.batch.compact import compact
from pmfit.scoring.engine import score

BANK = load_bank(None)


@dataclass
class Form:
    """What `pmfit form` printed: the name question's title, and each question's title
    and option labels, in order."""

    name: str
    titles: list[str]
    labels: list[list[str]]


def _form(cli, lang: str, *args: str) -> Form:
    run = cli("form", "--lang", lang, *args)
    assert run.exit_code == 0, run.stderr
    blocks = [block.splitlines() for block in run.stdout.split("\n\n")]
    questions = blocks[2:]
    assert len(questions) == len(BANK.short_form().questions if args else BANK.questions)
    return Form(
        name=blocks[1][1],
        titles=[block[1] for block in questions],
        labels=[block[2:] for block in questions],
    )


@dataclass
class Person:
    name: str
    email: str
    #: The option index chosen for each question, None when skipped.
    choices: list[int | None]


def _cohort(seed: int = 7, size: int = 12) -> list[Person]:
    rng = random.Random(seed)
    names = ["Ana Pérez", "Ben O'Neil", "Chloé Dupont", "José Ñúñez", "Zoë, Ltd."]
    people = []
    for i in range(size):
        name = names[i] if i < len(names) else f"Person {i}"
        choices = [
            None if rng.random() < 0.15 else rng.randrange(len(q.options)) for q in BANK.questions
        ]
        people.append(Person(name, f"p{i}@example.org", choices))
    return people


def _id_csv(people: list[Person]) -> str:
    """The reference: `respondent` and question ids, option ids in the cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["respondent", *(q.id for q in BANK.questions)])
    for p in people:
        cells = [
            "" if k is None else q.options[k].id
            for q, k in zip(BANK.questions, p.choices, strict=True)
        ]
        writer.writerow([p.name, *cells])
    return out.getvalue()


def _labels(form: Form, p: Person) -> list[str]:
    return ["" if k is None else form.labels[i][k] for i, k in enumerate(p.choices)]


def _write(rows: list[list[str]], **dialect: object) -> str:
    out = io.StringIO()
    csv.writer(out, **dialect).writerows(rows)  # type: ignore[arg-type]
    return out.getvalue()


def google_forms(form: Form, people: list[Person], *, collect_email: bool = False) -> bytes:
    """Responses > Download responses (.csv): "Timestamp", then "Email Address" when the
    form collects emails, then each item's title in form order; every field quoted; the
    chosen option's text in the cell, an empty cell for a skipped question."""
    who = ["Email Address"] if collect_email else [form.name]
    rows = [["Timestamp", *who, *form.titles]]
    for i, p in enumerate(people):
        stamp = f"11/{i + 1}/2026 9:{i:02d}:07"
        rows.append([stamp, p.email if collect_email else p.name, *_labels(form, p)])
    return _write(rows, quoting=csv.QUOTE_ALL, lineterminator="\r\n").encode("utf-8")


def excel_csv_utf8(rows: list[list[str]]) -> bytes:
    """Excel's "CSV UTF-8 (Comma delimited)": a BOM, CRLF, quotes only where needed."""
    return b"\xef\xbb\xbf" + _write(rows, lineterminator="\r\n").encode("utf-8")


def excel_csv_windows(rows: list[list[str]]) -> bytes:
    """Excel's "CSV (Comma delimited)" on a Western European Windows: cp1252, no BOM."""
    return _write(rows, lineterminator="\r\n").encode("cp1252")


def excel_unicode_text(rows: list[list[str]]) -> bytes:
    """Excel's "Unicode Text": UTF-16 little-endian with a BOM, tab-separated, CRLF."""
    return _write(rows, delimiter="\t", lineterminator="\r\n").encode("utf-16")


def _microsoft_rows(form: Form, people: list[Person], *, anyone: bool) -> list[list[str]]:
    asked = [form.name] if anyone else []
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    rows = [[*header, *asked, *form.titles]]
    for i, p in enumerate(people):
        account = ["anonymous", ""] if anyone else [p.email, p.name]
        times = [f"11/{i + 1}/26 9:{i:02d}:07", f"11/{i + 1}/26 9:{i + 5:02d}:41"]
        own = [p.name] if anyone else []
        rows.append([str(i + 1), *times, *account, "", *own, *_labels(form, p)])
    return rows


def typeform(form: Form, people: list[Person]) -> bytes:
    """Results > Responses > Download > CSV: "#" (the response token), each question's
    title, then Response Type, Start Date (UTC), Stage Date (UTC), Submit Date (UTC),
    Network ID and Tags; UTF-8 with a BOM."""
    tail = ["Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)"]
    rows = [["#", form.name, *form.titles, *tail, "Network ID", "Tags"]]
    for i, p in enumerate(people):
        token = f"{i:04d}x9kq2hmv3t1w7e5b"
        dates = [f"2026-11-{i + 1:02d} 09:{i:02d}:07", "", f"2026-11-{i + 1:02d} 09:{i + 5:02d}:41"]
        rows.append([token, p.name, *_labels(form, p), "completed", *dates, f"{i:010x}", ""])
    return b"\xef\xbb\xbf" + _write(rows, lineterminator="\n").encode("utf-8")


def limesurvey(form: Form, people: list[Person], lang: str) -> bytes:
    """Responses > Export: CSV, headings "Full question text", responses "Full answers":
    Response ID, Date submitted, Last page, Start language, Seed, then each question;
    every field quoted."""
    rows = [["Response ID", "Date submitted", "Last page", "Start language", "Seed", form.name]]
    rows[0] += form.titles
    for i, p in enumerate(people):
        meta = [str(i + 1), f"2026-11-{i + 1:02d} 09:{i:02d}:07", "1", lang, str(1000 + i)]
        rows.append([*meta, p.name, *_labels(form, p)])
    return _write(rows, quoting=csv.QUOTE_ALL, lineterminator="\n").encode("utf-8")


@pytest.fixture
def reference(cli, tmp_path):
    people = _cohort()
    path = tmp_path / "ids.csv"
    path.write_text(_id_csv(people), encoding="utf-8")
    run = cli("batch", str(path))
    assert (run.exit_code, run.stderr) == (0, f"scored {len(people)}; rejected 0\n")
    return people, run.stdout


def _same(cli, tmp_path, name: str, data: bytes, expected: str, notice: str, *args: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    run = cli("batch", str(path), *args)
    assert run.exit_code == 0, run.stderr
    assert run.stderr.splitlines() == [f"{path}: {notice}", "scored 12; rejected 0"]
    assert run.stdout == expected
    report = cli("report", str(path), "--json", *args)
    ids = cli("report", str(tmp_path / "ids.csv"), "--json")
    assert report.exit_code == 0, report.stderr
    assert json.loads(report.stdout) == json.loads(ids.stdout)


NAMED = "respondents named by column {!r} (--respondent-column NAME to choose another)"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_google_forms_export(cli, tmp_path, reference, lang) -> None:
    people, expected = reference
    form = _form(cli, lang)
    notice = "ignored 1 column that matches no question: 'Timestamp'; " + NAMED.format(form.name)
    _same(cli, tmp_path, "responses.csv", google_forms(form, people), expected, notice)


def test_google_forms_export_collecting_emails(cli, tmp_path, reference) -> None:
    people, _ = reference
    for p in people:
        p.name = p.email
    (tmp_path / "ids.csv").write_text(_id_csv(people), encoding="utf-8")
    expected = cli("batch", str(tmp_path / "ids.csv")).stdout
    form = _form(cli, "en")
    data = google_forms(form, people, collect_email=True)
    notice = "ignored 1 column that matches no question: 'Timestamp'; " + NAMED.format(
        "Email Address"
    )
    _same(cli, tmp_path, "responses.csv", data, expected, notice)


@pytest.mark.parametrize(
    ("save_as", "args"),
    [(excel_csv_utf8, ()), (excel_unicode_text, ()), (excel_csv_windows, ("--encoding", "cp1252"))],
    ids=["csv-utf8", "unicode-text", "csv-cp1252"],
)
@pytest.mark.parametrize("anyone", [False, True], ids=["organisation", "anyone"])
def test_microsoft_forms_export(cli, tmp_path, reference, save_as, args, anyone) -> None:
    people, expected = reference
    form = _form(cli, "es")
    data = save_as(_microsoft_rows(form, people, anyone=anyone))
    # Anyone may answer: the account's Name is blank, the form's own name question is used.
    named = form.name if anyone else "Name"
    own = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    ignored = [column for column in own if column != named]
    listed = ", ".join(map(repr, ignored))
    notice = f"ignored {len(ignored)} columns that match no question: {listed}; "
    notice += NAMED.format(named)
    _same(cli, tmp_path, "responses.txt", data, expected, notice, *args)


def test_typeform_export(cli, tmp_path, reference) -> None:
    people, expected = reference
    form = _form(cli, "en")
    notice = (
        "ignored 7 columns that match no question: '#', 'Response Type', 'Start Date (UTC)', "
        "'Stage Date (UTC)', 'Submit Date (UTC)', 'Network ID', 'Tags'; " + NAMED.format(form.name)
    )
    _same(cli, tmp_path, "responses.csv", typeform(form, people), expected, notice)


def test_limesurvey_export(cli, tmp_path, reference) -> None:
    people, expected = reference
    form = _form(cli, "es")
    notice = (
        "ignored 5 columns that match no question: 'Response ID', 'Date submitted', "
        "'Last page', 'Start language', 'Seed'; " + NAMED.format(form.name)
    )
    _same(cli, tmp_path, "results.csv", limesurvey(form, people, "es"), expected, notice)


def test_titles_and_labels_match_as_people_retype_them(cli, tmp_path, reference) -> None:
    """Without the [id] tags, by the prompt's text: any case, spacing, quote style, NFD
    (as macOS writes it), English and Spanish mixed in one file; cells by label, option
    number or option id."""
    people, expected = reference
    en, es = _form(cli, "en"), _form(cli, "es")

    def retyped(text: str, i: int) -> str:
        text = unicodedata.normalize("NFD", text).replace("'", "\u2019")
        return ("  " + text.upper() + " ") if i % 2 else text.replace(" ", "  ")

    titles = [
        retyped((es if i % 3 else en).titles[i].rsplit(" [", 1)[0], i)
        for i in range(len(en.titles))
    ]
    rows = [["Timestamp", "Your name", *titles]]
    for p in people:
        cells = []
        for i, k in enumerate(p.choices):
            if k is None:
                cells.append("")
            elif i % 4 == 0:
                cells.append(str(k + 1))
            elif i % 4 == 1:
                cells.append(BANK.questions[i].options[k].id.upper())
            else:
                cells.append(retyped((en if i % 2 else es).labels[i][k], i))
        rows.append(["x", p.name, *cells])
    notice = "ignored 1 column that matches no question: 'Timestamp'; " + NAMED.format("Your name")
    _same(cli, tmp_path, "retyped.csv", _write(rows).encode(), expected, notice)


def test_a_label_that_matches_no_option_rejects_its_row_naming_the_labels(cli, tmp_path) -> None:
    """A checkbox question by mistake: Google joins the labels with ", ", Microsoft with ";"."""
    form = _form(cli, "en")
    q = BANK.questions[0]
    header = ["Timestamp", form.name, form.titles[0], form.titles[1]]
    two = f"{form.labels[0][0]}, {form.labels[0][1]}"
    three = f"{form.labels[0][0]};{form.labels[0][3]};"
    rows = [header, ["t", "ann", two, form.labels[1][0]], ["t", "bob", form.labels[0][2], ""]]
    rows.append(["t", "cy", three, ""])
    path = tmp_path / "responses.csv"
    path.write_bytes(_write(rows).encode())
    run = cli("batch", str(path))
    labels = ", ".join(repr(o.label.en) for o in q.options)
    assert run.exit_code == 1
    assert run.stderr.splitlines()[1:] == [
        f"{path}:2: row 1: respondent 'ann': {q.id}: {two!r} is not one of its options "
        f"(allowed: {labels}, or blank to skip)",
        f"{path}:4: row 3: respondent 'cy': {q.id}: {three!r} is not one of its options "
        f"(allowed: {labels}, or blank to skip)",
        "scored 1; rejected 2",
    ]


def test_respondent_column_option(cli, tmp_path) -> None:
    form = _form(cli, "en")
    rows = [["Timestamp", "Email Address", form.name, form.titles[0]]]
    rows.append(["t", "ann@example.org", "Ann", form.labels[0][0]])
    path = tmp_path / "responses.csv"
    path.write_bytes(_write(rows).encode())
    run = cli("batch", str(path), "--respondent-column", "email address")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["respondent"] == "ann@example.org"
    assert run.stderr.splitlines()[0] == (
        f"{path}: ignored 2 columns that match no question: 'Timestamp', 'Your name'"
    )
    missing = cli("batch", str(path), "--respondent-column", "Nombre")
    assert missing.exit_code == 1
    assert missing.stderr.splitlines() == [
        f"{path}:1: header: no column is headed 'Nombre' (--respondent-column); every row "
        "rejected (1)",
        "scored 0; rejected 1",
    ]


def test_a_header_with_no_question_rejects_the_file_once(cli, tmp_path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Timestamp,Score\nt,3\nt,4\n")
    run = cli("batch", str(path))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{path}:1: header: no column is a question of bank {BANK.id} (a header matches by "
        "question id, by an [id] tag, or by the question's text: `pmfit form` prints them); "
        "every row rejected (2)",
        "scored 0; rejected 2",
    ]


def test_a_question_in_two_columns_rejects_the_file(cli, tmp_path) -> None:
    form = _form(cli, "en")
    path = tmp_path / "twice.csv"
    path.write_bytes(
        _write([["respondent", BANK.questions[0].id, form.titles[0]], ["a", "a", "b"]]).encode()
    )
    run = cli("batch", str(path))
    assert run.exit_code == 1
    assert run.stderr.splitlines()[0] == (
        f"{path}:1: header: column 3, {form.titles[0][:39] + '…'!r}: question "
        f"{BANK.questions[0].id} again (also column 2); every row rejected (1)"
    )


def test_utf16_with_a_truncated_last_character_rejects_only_that_row(cli, tmp_path) -> None:
    path = tmp_path / "unicode.txt"
    text = "respondent\tproblem-focus-1\r\nann\ta\r\nbob\tb\r\n"
    path.write_bytes(text.encode("utf-16") + b"x")
    run = cli("batch", str(path))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{path}:4: row 3: respondent '\ufffd': 1 cells, but the header has 2",
        "scored 2; rejected 1",
    ]


def test_an_encoding_that_cannot_read_the_file_is_one_line(cli, tmp_path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("respondent,problem-focus-1\nann,a\n")
    run = cli("batch", str(path), "--encoding", "utf-16", "-o", str(tmp_path / "out.jsonl"))
    assert (run.exit_code, run.stdout) == (2, "")
    assert (
        run.stderr == f"{path}: cannot be read as utf-16: UTF-16 stream does not start with BOM\n"
    )
    assert not (tmp_path / "out.jsonl").exists()


def test_unknown_encoding_is_one_line(cli, tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("respondent\n")
    run = cli("batch", str(path), "--encoding", "klingon")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        "--encoding: unknown encoding 'klingon' (for example utf-8, utf-16, latin-1, cp1252)\n"
    )


def test_short_form_export_scores_as_the_short_quiz(cli, tmp_path) -> None:
    """`pmfit form --short` then `pmfit batch --short`: scored on the short form's questions,
    as `pmfit quiz --short` scores, not as a full quiz with most questions skipped."""
    short = BANK.short_form()
    form = _form(cli, "en", "--short")
    rng = random.Random(3)
    people = [(f"p{i}", [rng.randrange(len(q.options)) for q in short.questions]) for i in range(5)]
    rows = [["Timestamp", form.name, *form.titles]]
    rows += [["t", name, *(form.labels[i][k] for i, k in enumerate(ks))] for name, ks in people]
    path = tmp_path / "short.csv"
    path.write_bytes(_write(rows).encode())
    run = cli("batch", str(path), "--short")
    assert run.exit_code == 0, run.stderr
    expected = b"".join(
        msgspec.json.encode(
            compact(
                score(
                    short,
                    {q.id: q.options[k].id for q, k in zip(short.questions, ks, strict=True)},
                    name,
                )
            )
        )
        + b"\n"
        for name, ks in people
    )
    assert run.stdout.encode() == expected
    full = cli("batch", str(path))
    assert all(
        "many_skips" in [f["code"] for f in json.loads(line)["flags"]]
        for line in full.stdout.splitlines()
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_email_question_of_the_text_form_names_respondents(cli, tmp_path, lang) -> None:
    run = cli("form", "--lang", lang, "--respondent", "email")
    blocks = [block.splitlines() for block in run.stdout.split("\n\n")]
    email, first = blocks[1][1], blocks[2]
    path = tmp_path / "responses.csv"
    path.write_bytes(_write([["#", email, first[1]], ["x1", "ann@example.org", first[2]]]).encode())
    run = cli("batch", str(path))
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["respondent"] == "ann@example.org"
    assert run.stderr.splitlines()[0] == (
        f"{path}: ignored 1 column that matches no question: '#'; " + NAMED.format(email)
    )


def test_utf16_jsonl_to_a_file_with_workers_reads_the_decoded_text(cli, tmp_path) -> None:
    """Workers that read a file themselves would see UTF-16 bytes: a decoded input is
    handed to them by this process instead, and still kept from being overwritten."""
    sheets = [
        {"respondent": f"r{i}", "answers": {"problem-focus-1": "abcde"[i % 5]}} for i in range(9)
    ]
    text = "".join(json.dumps(s) + "\n" for s in sheets)
    utf8, utf16 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    utf8.write_text(text, encoding="utf-8")
    utf16.write_bytes(text.encode("utf-16"))
    out = tmp_path / "out.jsonl"
    run = cli("batch", str(utf16), "-o", str(out), "--jobs", "2")
    assert (run.exit_code, run.stderr) == (0, "scored 9; rejected 0\n")
    assert out.read_bytes() == cli("batch", str(utf8)).stdout.encode()
    clash = cli("batch", str(utf16), "-o", str(utf16))
    assert clash.exit_code == 2
    assert utf16.read_bytes() == text.encode("utf-16")
