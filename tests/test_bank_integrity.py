"""One bank, one truth: what is scored is exactly the bank's files, read by one set of rules.

The cases of the adversarial review (findings 4 and 8, table rows 31-52) and more:
a compiled bank is used only where pmfit put it and only for the bytes it came
from; weights are bounded; a bank directory gives up only its own regular files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import numpy as np
import pytest
from banks import banks, broken_bank, where
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MINI, ROOT, examples
from pmfit.bank import loading
from pmfit.bank.files import MAX_FILE_BYTES
from pmfit.bank.loading import COMPILED_FILE, load_bank
from pmfit.batch.compact import compact
from pmfit.batch.encode import Encoder
from pmfit.batch.fast import Compiled
from pmfit.batch.fast import score as score_fast
from pmfit.errors import BankError
from pmfit.scoring.engine import score

ANSWERS = {"problem-1": "a", "buyer-1": "a", "release-1": "a", "risk-1": "a"}


def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "me.json"
    path.write_text(json.dumps({"answers": ANSWERS}))
    return path


def problems(bank: Path) -> list[str]:
    with pytest.raises(BankError) as caught:
        load_bank(bank, use_cache=False)
    return caught.value.lines()


# --- A compiled bank is trusted only as pmfit's own compile of exactly these files


def forge(compiled: Path) -> None:
    """Flip every lean of a compiled bank, keeping the hash it claims."""
    data = json.loads(compiled.read_text())
    for q in data["bank"]["questions"]:
        for o in q["options"]:
            o["lean"] = -o["lean"]
    compiled.write_text(json.dumps(data))


def compiled_copy(bank_dir: Path, tmp_path: Path) -> Path:
    """A genuine compiled copy of `bank_dir`, as pmfit would write it, beside it."""
    target = bank_dir / COMPILED_FILE
    target.write_bytes(loading.compiled_bytes(load_bank(bank_dir, use_cache=False)))
    return target


def test_a_forged_compiled_bank_beside_a_copy_of_the_shipped_bank_is_ignored(
    cli, tmp_path: Path
) -> None:
    """Review finding 4: the forgery carried the shipped bank's hash and opposite leans."""
    forged = tmp_path / "forged"
    shutil.copytree(ROOT / "questions", forged)
    forge(forged / COMPILED_FILE)
    me = tmp_path / "me.json"
    template = json.loads(cli("template", "--format", "json").stdout)
    me.write_text(json.dumps({"answers": {q: "a" for q in template["answers"]}}))
    shipped = json.loads(cli("score", str(me), "--json").stdout)
    run = cli("score", "--bank", str(forged), str(me), "--json")
    assert run.exit_code == 0
    assert json.loads(run.stdout) == shipped  # the YAML's answer, under the YAML's hash

    check = cli("bank", "validate", str(forged))
    assert (check.exit_code, check.stdout) == (2, "")
    assert check.stderr == (
        f"{forged / COMPILED_FILE}: is not pmfit's compile of this bank's YAML files "
        "(it differs from them); pmfit does not use it; delete it\n"
    )


def test_bank_validate_accepts_a_compiled_copy_that_matches(cli, tmp_path: Path) -> None:
    bank = broken_bank(tmp_path, {})
    compiled_copy(bank, tmp_path)
    assert cli("bank", "validate", str(bank)).exit_code == 0


def test_the_shipped_bank_s_compiled_copy_is_used_only_for_the_bytes_it_came_from(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = broken_bank(tmp_path, {})
    monkeypatch.setattr(loading, "shipped_bank_dir", lambda: shipped)
    compiled = compiled_copy(shipped, tmp_path)
    assert load_bank() == load_bank(use_cache=False)
    assert not (tmp_path / "cache").exists()  # the compiled copy was enough

    # Edited YAML: the compiled copy no longer matches it, and is not used.
    yaml = shipped / "questions.yaml"
    yaml.write_text(yaml.read_text().replace("lean: -1,", "lean: -0.5,", 1))
    assert load_bank() == load_bank(use_cache=False)
    assert load_bank().question("problem-1").options[0].lean == -0.5

    # A compiled copy edited by hand, its hash kept: bank validate says so.
    compiled_copy(shipped, tmp_path)
    forge(compiled)
    run = cli("bank", "validate")
    assert run.exit_code == 2
    assert run.stderr.endswith("differs from them); run `pmfit bank compile` to remake it\n")
    assert cli("bank", "compile").exit_code == 0
    assert cli("bank", "validate").exit_code == 0


def test_a_compiled_bank_naming_a_thread_outside_the_bank_is_not_used(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = broken_bank(tmp_path, {})
    monkeypatch.setattr(loading, "shipped_bank_dir", lambda: shipped)
    compiled = compiled_copy(shipped, tmp_path)
    data = json.loads(compiled.read_text())
    data["bank"]["source"]["file"] = "../../../../etc/hostname"
    compiled.write_text(json.dumps(data))
    assert load_bank().source.file == "source/thread.es.txt"


def test_a_stale_user_cache_entry_is_not_used(tmp_path: Path) -> None:
    bank = broken_bank(tmp_path, {})
    first = load_bank(bank)
    (cached,) = (tmp_path / "cache" / "pmfit").glob("bank-*.json")
    data = msgspec.json.decode(cached.read_bytes())
    data["bank"]["sha256"] = "0" * 64
    data["bank"]["version"] = "forged"
    cached.write_bytes(msgspec.json.encode(data))
    assert load_bank(bank) == first


# --- Weights and leans: finite, bounded, and a clear line when YAML reads text


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (".inf", "weight inf must be from 0.01 to 100"),
        ("1.0e+308", "weight 1e+308 must be from 0.01 to 100"),
        ("0", "weight 0 must be from 0.01 to 100"),
        ("-1", "weight -1 must be from 0.01 to 100"),
        (".nan", "weight nan must be from 0.01 to 100"),
        ("1.0e-300", "weight 1e-300 must be from 0.01 to 100"),
        ("1e-300", "weight: '1e-300' is read as text, not a number; write it as 1.0e-300"),
        ("1e400", "weight: '1e400' is read as text, not a number; write it as 1.0e+400"),
        ('"2"', "weight: '2' is read as text, not a number; write it without quotes"),
    ],
)
def test_absurd_weights_are_validation_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, message: str
) -> None:
    """Review finding 8 and rows 33-36: .inf validated clean, then wrote invalid JSON."""
    bank = broken_bank(
        tmp_path,
        {
            "bank.yaml": [
                (
                    "  - id: risk_reward\n    weight: 1",
                    "  - id: risk_reward\n    weight: " + written,
                )
            ]
        },
    )
    monkeypatch.chdir(bank)
    line = where(bank, "bank.yaml", "weight: " + written, 8)
    assert problems(bank) == [f"{line}: dimension 'risk_reward': {message}"]


def test_a_bank_with_an_infinite_weight_is_refused_by_score_and_batch(cli, tmp_path: Path) -> None:
    bank = broken_bank(tmp_path, {"bank.yaml": [("weight: 3", "weight: .inf")]})
    me = sheet(tmp_path)
    for command in (["score", str(me)], ["batch", str(me)], ["bank", "validate", str(bank)]):
        run = cli(*command, *(["--bank", str(bank)] if command[0] != "bank" else []))
        assert run.exit_code == 2, command
        assert run.stdout == ""
        assert run.stderr.endswith("weight inf must be from 0.01 to 100\n")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (".nan", "lean nan must be from -1 to 1"),
        ("-.inf", "lean -inf must be from -1 to 1"),
        ("1.0000000001", "lean 1.0000000001 must be from -1 to 1"),
        ("1e400", "lean: '1e400' is read as text, not a number; write it as 1.0e+400"),
        ('"0.5"', "lean: '0.5' is read as text, not a number; write it without quotes"),
    ],
)
def test_leans_outside_the_scale_or_written_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, message: str
) -> None:
    """Rows 31-32."""
    old = '{id: a, lean: -1, label: {en: "A business\'s problems"'
    bank = broken_bank(tmp_path, {"questions.yaml": [(old, old.replace("-1", written))]})
    monkeypatch.chdir(bank)
    assert problems(bank) == [
        f"{where(bank, 'questions.yaml', 'lean: ', 6)}: question 'problem-1' option 'a': {message}"
    ]


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "either: 15",
            "either: 150",
            "either: ",
            "document: thresholds.either 150 must be from 0 to 100",
        ),
        (
            "either: 15",
            "either: -0.5",
            "either: ",
            "document: thresholds.either -0.5 must be from 0 to 100",
        ),
        (
            "many_skips: 0.3",
            "many_skips: 2",
            "many_skips: ",
            "document: thresholds.many_skips 2 must be from 0 to 1",
        ),
    ],
)
def test_every_field_with_a_declared_range_names_its_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, needle: str, message: str
) -> None:
    """One rule for every bounded number: the range comes from the field's declaration in
    the bank model (as for leans and weights above), not from a message per field."""
    bank = broken_bank(tmp_path, {"bank.yaml": [(old, new)]})
    monkeypatch.chdir(bank)
    line = where(bank, "bank.yaml", needle, len(needle))
    assert problems(bank) == [f"{line}: {message}"]


# --- Pairs


def test_a_pair_declared_both_ways_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 40: it gave two "contradiction" flags for one pair."""
    bank = broken_bank(
        tmp_path,
        {
            "bank.yaml": [
                (
                    "  - [problem-1, problem-2]",
                    "  - [problem-1, problem-2]\n  - [problem-2, problem-1]",
                )
            ]
        },
    )
    monkeypatch.chdir(bank)
    assert problems(bank) == [
        f"{where(bank, 'bank.yaml', '[problem-2, problem-1]')}: pair #2: repeats pair #1 "
        "(a pair is declared once, in either order)"
    ]


def test_a_three_item_pair_does_not_hide_the_other_pairs_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 41: only `needs at most 2 items` was reported."""
    bank = broken_bank(
        tmp_path,
        {
            "bank.yaml": [
                (
                    "  - [problem-1, problem-2]",
                    "  - [problem-1, problem-2, buyer-1]\n  - [problem-1, nope-9]\n"
                    "  - [buyer-1, buyer-1]\n  - [problem-1, problem-2]",
                )
            ]
        },
    )
    monkeypatch.chdir(bank)
    assert problems(bank) == [
        f"{where(bank, 'bank.yaml', '[problem-1, problem-2, buyer-1]')}: pair #1: needs at most 2 items",
        f"{where(bank, 'bank.yaml', 'nope-9')}: pair #2: unknown question 'nope-9'",
        f"{where(bank, 'bank.yaml', '[buyer-1, buyer-1]')}: pair #3: a question cannot pair with itself",
    ]


# --- Reading a bank directory: its own regular files only, never hanging


def run_pmfit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """In a child process with a deadline, so that a regression hangs nothing."""
    env = {**os.environ, "PMFIT_NO_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pmfit", *args],
        cwd=cwd,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_a_fifo_in_a_bank_is_refused_not_waited_on(tmp_path: Path) -> None:
    """Row 48: `bank validate` never returned."""
    bank = broken_bank(tmp_path, {})
    os.mkfifo(bank / "zz.yaml")
    run = run_pmfit("bank", "validate", "bank", cwd=tmp_path)
    assert (run.returncode, run.stdout) == (2, "")
    assert (
        run.stderr
        == "bank/zz.yaml: is a FIFO, not a regular file; a bank reads only regular files\n"
    )


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_device_in_a_bank_is_refused(tmp_path: Path) -> None:
    bank = broken_bank(tmp_path, {})
    os.mknod(bank / "dev.yaml", 0o666 | 0o020000, os.makedev(1, 5))  # like /dev/zero
    run = run_pmfit("bank", "validate", "bank", cwd=tmp_path)
    assert (run.returncode, run.stderr) == (
        2,
        "bank/dev.yaml: is a character device, not a regular file; a bank reads only regular files\n",
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("zz.yaml", "/dev/zero"),  # row 49: 6.3 GB in 20 s
        ("source/thread.es.txt", "/dev/zero"),  # row 50
        ("zz.yaml", "/etc/hostname"),
    ],
)
def test_links_out_of_the_bank_are_refused(tmp_path: Path, name: str, target: str) -> None:
    bank = broken_bank(tmp_path, {})
    (bank / name).unlink(missing_ok=True)
    (bank / name).symlink_to(target)
    run = run_pmfit("score", "--bank", "bank", "-", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.endswith(" is outside the bank directory; a bank reads only its own files\n")
    assert run.stderr.count("\n") == 1


def test_a_link_inside_the_bank_is_followed(tmp_path: Path) -> None:
    bank = broken_bank(tmp_path, {})
    (bank / "questions.yaml").rename(bank / "real.txt")
    (bank / "questions.yaml").symlink_to("real.txt")
    assert len(load_bank(bank, use_cache=False).questions) == 8


@pytest.mark.parametrize("written", ["../../../../../../etc/passwd", "/etc/passwd", "../gone.txt"])
def test_source_file_must_stay_inside_the_bank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    """Row 51: /etc/passwd was read, and its line count reported."""
    bank = broken_bank(
        tmp_path, {"bank.yaml": [("file: source/thread.es.txt", f"file: {written}")]}
    )
    monkeypatch.chdir(bank)
    assert problems(bank) == [
        f"{where(bank, 'bank.yaml', written)}: source: file {written!r} "
        "is outside the bank directory; a bank reads only its own files"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "loop", ["zz.yaml", "bank.yaml", "."], ids=["a yaml file", "bank.yaml", "the directory"]
)
def test_a_symlink_loop_is_one_line(tmp_path: Path, loop: str) -> None:
    """Rows 45-47: exit 3 RuntimeError, or "it has no bank.yaml"."""
    bank = broken_bank(tmp_path, {})
    if loop == ".":
        (tmp_path / "a").symlink_to("b")
        (tmp_path / "b").symlink_to("a")
        shown = "a"
    else:
        (bank / loop).unlink(missing_ok=True)
        (bank / loop).symlink_to(loop)
        shown = f"bank/{loop}"
    run = run_pmfit("score", "--bank", "a" if loop == "." else "bank", "-", cwd=tmp_path)
    assert (run.returncode, run.stderr) == (2, f"{shown}: is a symbolic link loop\n")


def test_a_bank_file_has_a_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = broken_bank(tmp_path, {})
    (bank / "zz.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    monkeypatch.chdir(tmp_path)
    assert problems(bank) == ["bank/zz.yaml: is larger than 4 MiB, the limit for a bank file"]


def test_the_mini_bank_reads_as_before() -> None:
    assert len(load_bank(MINI, use_cache=False).questions) == 8


# --- The engine and the batch scorer agree on every valid bank, weights at the bounds too


@settings(max_examples=examples(150), deadline=None)
@given(banks(), st.data())
def test_the_batch_scorer_agrees_with_the_engine_on_random_banks(bank, data) -> None:
    """Review finding 8: with weights of 1e308 the two gave different answers."""
    rows = data.draw(
        st.lists(
            st.tuples(*(st.integers(-1, len(q.options) - 1) for q in bank.questions)),
            min_size=1,
            max_size=8,
        )
    )
    scored = score_fast(Compiled(bank), np.array(rows, dtype=np.int64), [None] * len(rows))
    lines = Encoder(bank).lines(scored).splitlines(keepends=True)
    for row, line in zip(rows, lines, strict=True):
        answers = {
            q.id: None if k < 0 else q.options[k].id
            for q, k in zip(bank.questions, row, strict=True)
        }
        assert line == msgspec.json.encode(compact(score(bank, answers))) + b"\n"


def test_bank_compile_says_so_when_caching_is_off(cli, tmp_path: Path) -> None:
    bank = broken_bank(tmp_path, {})
    run = cli("bank", "compile", str(bank), env={"PMFIT_NO_CACHE": "1"})
    assert (run.exit_code, run.stderr) == (2, f"{bank}: not compiled: PMFIT_NO_CACHE is set\n")


#: The mini bank's first quote (problem-1, source #1).
MINI_PROBLEM_QUOTE = (
    "Como PM, si está dispuesto a resolver los problemas del usuario final, elija B2C y, "
    "en caso de que los problemas comerciales lo atraigan más, elija B2B."
)


@pytest.mark.parametrize(
    ("written", "read_as"), [("yes", "true or false"), ("010", "a whole number")]
)
def test_an_option_id_yaml_reads_as_another_type_says_to_quote_it(
    tmp_path: Path, written: str, read_as: str
) -> None:
    """The retest's case 44: an unquoted `yes` as an option id said only "option True: id:
    must be text", which does not tell the author what to do."""
    option = '{id: a, lean: -1, label: {en: "A business\'s problems"'
    bank = broken_bank(
        tmp_path, {"questions.yaml": [(option, option.replace("id: a", f"id: {written}"))]}
    )
    assert [p.split(": ", 1)[1] for p in problems(bank)] == [
        f"question 'problem-1' option #1: id: must be text, not {read_as}; "
        'put the value in quotes, as in "yes"'
    ]


@pytest.mark.parametrize(
    "quote",
    [
        # Lone words of the thread, spliced into a claim it does not make (case 43).
        "B2C … B2B.",
        "Como … elija B2B.",
        # Two real phrases of one answer, but from two paragraphs the thread never joins.
        "Como PM, si está dispuesto … El desarrollo de productos y los ciclos",
    ],
)
def test_an_elision_cannot_join_words_the_thread_did_not_say_together(
    tmp_path: Path, quote: str
) -> None:
    """The retest's case 43: `B2C … B2B.` validated, each fragment being verbatim."""
    bank = broken_bank(tmp_path, {"questions.yaml": [(MINI_PROBLEM_QUOTE, quote)]})
    assert [p.split(": ", 1)[1] for p in problems(bank)] == [
        "question 'problem-1' source #1: the fragments of a quote with '…' must stand in one "
        "paragraph and each have at least two words, so an elision never joins words the "
        "thread did not say together"
    ]


def test_an_elision_within_one_paragraph_of_phrases_is_a_quote(tmp_path: Path) -> None:
    quote = "Como PM, si está dispuesto … los problemas comerciales"
    bank = broken_bank(tmp_path, {"questions.yaml": [(MINI_PROBLEM_QUOTE, quote)]})
    assert load_bank(bank, use_cache=False).questions[0].sources[0].quote.es == quote


def test_bank_validate_warns_about_controls_in_the_thread(cli, tmp_path: Path) -> None:
    """The retest: every other bank text was linted for control characters and bidi
    overrides, the thread (which quotes are checked against) was not."""
    bank = broken_bank(tmp_path, {})
    thread = bank / "source" / "thread.es.txt"
    before = cli("bank", "validate", str(bank)).stdout
    lines = thread.read_text().splitlines()
    thread.write_text("\n".join([*lines, "Un final \x1b]0;título\x07 con \u202etexto"]) + "\n")
    run = cli("bank", "validate", str(bank))
    assert run.exit_code == 0
    assert (
        f"{thread}:{len(lines) + 1}:1: warning: the thread contains \\x1b, \\x07, \\u202e "
        "(control characters or bidi overrides); pmfit shows them escaped"
    ) in run.stderr.splitlines()
    warnings = int(before.rsplit("; ", 1)[1].split()[0])
    assert run.stdout == before.replace(f"; {warnings} warnings", f"; {warnings + 1} warnings")
    assert cli("bank", "validate", "--strict", str(bank)).exit_code == 2
