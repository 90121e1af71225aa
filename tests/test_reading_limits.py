"""Rule 2, reading: every input has a bounded cost, and each limit is refused in one line.

Bombs run in a child process under an address-space limit and a generous timeout: a
regression shows as a MemoryError or a timeout, never as a slow assertion.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time

import pytest

from conftest import MINI
from pmfit.limits import (
    MAX_DEPTH,
    MAX_ECHO_CHARS,
    MAX_FIELD_CHARS,
    MAX_NUMBER_CHARS,
    MAX_ROW_BYTES,
)

#: Address space for a child: Python, numpy and the bank, with room to spare; a bomb
#: expanded even a little (the review saw 3 GB) breaks it.
CHILD_MEMORY = 1 << 30
PMFIT = (sys.executable, "-m", "pmfit")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def pmfit(
    *args: str, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """pmfit in a child with bounded memory; the timeout is generous on purpose."""
    return subprocess.run(
        [*PMFIT, *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
        env={**os.environ, "PMFIT_DEBUG": ""},
    )


def _laughs(depth: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth + 1)]
    return "\n".join(lines) + f"\nanswers:\n  problem-1: a\nrespondent: *a{depth}\n"


ALIAS_REFUSED = (
    "this value is repeated through an alias (*name): aliases are not allowed; write the value out"
)


def test_billion_laughs_in_an_answers_file_is_refused_in_one_line(tmp_path) -> None:
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text(_laughs())
    assert len(bomb.read_bytes()) < 600
    run = pmfit("score", "--bank", str(MINI), str(bomb))
    assert run.returncode == 2
    assert run.stderr == f"{bomb}:1:5: {ALIAS_REFUSED}\n"


def test_billion_laughs_as_a_batch_yaml_document_rejects_that_document(tmp_path) -> None:
    docs = tmp_path / "docs.yaml"
    docs.write_text("respondent: ok\nanswers: {problem-1: a}\n---\n" + _laughs())
    run = pmfit("batch", "--bank", str(MINI), str(docs))
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        f"{docs}:4:5: document 2: {ALIAS_REFUSED}",
        "scored 1; rejected 1",
    ]
    assert json.loads(run.stdout)["respondent"] == "ok"


def test_billion_laughs_in_a_bank_file_is_refused(tmp_path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    (bank / "zz-bomb.yaml").write_text(_laughs())
    run = pmfit("bank", "validate", str(bank))
    assert run.returncode == 2
    assert run.stderr.endswith(f"zz-bomb.yaml:1:5: {ALIAS_REFUSED}\n")
    assert len(run.stderr.splitlines()) == 1


def test_merge_keys_are_plain_keys_and_aliases_are_refused(cli, tmp_path) -> None:
    sheet = tmp_path / "merge.yaml"
    sheet.write_text("base: &b {problem-1: a}\nanswers:\n  <<: *b\n")
    run = cli("score", "--bank", str(MINI), str(sheet))
    assert run.exit_code == 2
    assert run.stderr == f"{sheet}:1:7: {ALIAS_REFUSED}\n"


DEPTH = f"nested more than {MAX_DEPTH} levels deep (at most {MAX_DEPTH})"


def test_deep_json_and_yaml_are_refused_not_a_recursion_error(cli, tmp_path) -> None:
    deep_json = tmp_path / "deep.json"
    deep_json.write_text('{"answers": ' + "[" * 5000 + "]" * 5000 + "}")
    run = cli("score", "--bank", str(MINI), str(deep_json))
    assert (run.exit_code, run.stderr) == (2, f"{deep_json}:1:{12 + MAX_DEPTH}: {DEPTH}\n")

    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text(
        "answers:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(600)) + "  " * 601 + "x\n"
    )
    run = cli("score", "--bank", str(MINI), str(deep_yaml))
    assert run.exit_code == 2
    assert run.stderr.endswith(f": {DEPTH}\n") and len(run.stderr.splitlines()) == 1

    # Just within the limit, the nesting itself is fine (the sheet is what is wrong).
    ok = tmp_path / "ok.json"
    ok.write_text(
        '{"answers": {"problem-1": ' + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "}}"
    )
    run = cli("score", "--bank", str(MINI), str(ok))
    assert "must be an option id or blank" in run.stderr


def test_long_numbers_are_refused_without_converting_them(cli, tmp_path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"respondent": ' + "7" * 5000 + ', "answers": {}}')
    run = cli("score", "--bank", str(MINI), str(big))
    limit = f"a number longer than {MAX_NUMBER_CHARS} characters (at most {MAX_NUMBER_CHARS})"
    assert (run.exit_code, run.stderr) == (2, f"{big}:1:16: {limit}\n")
    yaml = tmp_path / "big.yaml"
    yaml.write_text("respondent: " + "7" * 5000 + "\nanswers: {}\n")
    run = cli("score", "--bank", str(MINI), str(yaml))
    assert (run.exit_code, run.stderr) == (2, f"{yaml}:1:13: {limit}\n")


def test_an_answer_sheet_over_the_size_limit_is_refused_unread(tmp_path) -> None:
    for name in ("/dev/zero",):
        run = pmfit("score", "--bank", str(MINI), name)
        assert run.returncode == 2
        assert run.stderr == (
            f"{name}: longer than {MAX_ROW_BYTES:,} bytes (an answer sheet or row is at most that)\n"
        )


def test_binary_input_to_batch_and_report_is_refused_before_reading(tmp_path) -> None:
    refusal = (
        "/dev/zero:1:1: not a text file (a NUL byte): pmfit reads UTF-8, or UTF-16 that "
        "starts with its byte-order mark (or --encoding)\n"
    )
    for command in ("batch", "report"):
        run = pmfit(command, "--bank", str(MINI), "/dev/zero")
        assert (run.returncode, run.stderr) == (2, refusal)


def test_a_long_jsonl_line_is_one_rejected_row_and_the_next_is_scored(tmp_path) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("wb") as f:
        f.write(b'{"respondent": "a", "answers": {}}\n')
        f.write(b'{"respondent": "' + b"x" * (3 * MAX_ROW_BYTES) + b'", "answers": {}}\n')
        f.write(b'{"respondent": "c", "answers": {}}\n')
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        run = pmfit("batch", "--bank", str(MINI), str(path), "-j", jobs, "-o", str(out))
        assert run.returncode == 1
        assert run.stderr.splitlines() == [
            f"{path}:2: longer than {MAX_ROW_BYTES:,} bytes (an answer sheet or row is at most that)",
            "scored 2; rejected 1",
        ]
        assert [json.loads(x)["respondent"] for x in out.read_text().splitlines()] == ["a", "c"]


@pytest.mark.slow
@pytest.mark.parametrize("given", ["file", "pipe", "stdin-file"])
def test_long_lines_on_the_parallel_path_cut_across_blocks(tmp_path, given) -> None:
    """Lines over the limit straddling several blocks of the parallel path (a file's
    blocks, or a stream's reads), among 40,000 short rows: each is rejected once, where
    it starts, and every other row is scored."""
    path = tmp_path / "many.jsonl"
    good = b'{"respondent": "r", "answers": {"problem-1": "a"}}\n'
    with path.open("wb") as f:
        for i in range(40_000):
            if i in (5, 20_000, 39_999):
                f.write(b'{"respondent": "' + b"y" * (MAX_ROW_BYTES + 700_000) + b'"}\n')
            else:
                f.write(good)
    out = tmp_path / "out.jsonl"
    args = ["batch", "--bank", str(MINI), "-j", "2", "-o", str(out)]
    if given == "file":
        run, shown = pmfit(*args, str(path)), str(path)
    elif given == "pipe":
        run, shown = pmfit(*args, "-", stdin=path.read_bytes()), "<stdin>"
    else:
        with path.open("rb") as stdin:
            run = subprocess.run(
                [*PMFIT, *args, "-"],
                stdin=stdin,
                capture_output=True,
                text=True,
                timeout=60,
                preexec_fn=_limit_memory,
            )
        shown = "<stdin>"
    assert run.returncode == 1
    assert [line.split(": ")[0] for line in run.stderr.splitlines()] == [
        f"{shown}:6",
        f"{shown}:20001",
        f"{shown}:40000",
        "scored 39,997; rejected 3",
    ]
    assert len(out.read_bytes().splitlines()) == 39_997


def test_a_csv_cell_over_the_limit_rejects_its_row(cli, tmp_path) -> None:
    path = tmp_path / "cell.csv"
    big = "x" * (MAX_FIELD_CHARS + 1)
    path.write_text(f'respondent,problem-1\nr1,a\nr2,{big}\nr3,"{big}"\nr4,b\n')
    run = cli("batch", "--bank", str(MINI), str(path))
    cell = f"a cell longer than {MAX_FIELD_CHARS:,} characters (at most {MAX_FIELD_CHARS:,})"
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{path}:3: row 2: {cell}",
        f"{path}:4: row 3: {cell}",
        "scored 2; rejected 2",
    ]


def test_echoed_values_are_shortened(cli, tmp_path) -> None:
    value = "z" * 100_000
    sheet = tmp_path / "opt.yaml"
    sheet.write_text(f"answers:\n  problem-1: {value}\n")
    run = cli("score", "--bank", str(MINI), str(sheet))
    assert run.exit_code == 2
    assert run.stderr == (
        f"{sheet}:2:14: answers.problem-1: unknown option '{'z' * MAX_ECHO_CHARS}'… (100,000 characters) "
        "(allowed: a, b, c, or blank to skip)\n"
    )
    run = cli("score", "--bank", str(MINI), "--answer", f"problem-1={value}")
    assert run.exit_code == 2 and len(run.stderr) < 400
    csv = tmp_path / "opt.csv"
    csv.write_text(f"respondent,problem-1\nr,{value[:100_000]}\n")
    run = cli("batch", "--bank", str(MINI), str(csv))
    assert run.exit_code == 1 and len(run.stderr) < 400


def test_a_large_indented_json_array_from_stdin_is_read_whole(cli, tmp_path) -> None:
    sheets = [
        {"respondent": f"r{i}", "answers": {"problem-1": "abc"[i % 3], "buyer-1": "ab"[i % 2]}}
        for i in range(10_000)
    ]
    jsonl = "".join(json.dumps(s) + "\n" for s in sheets)
    expected = cli("batch", "--bank", str(MINI), "-", "--input-format", "jsonl", input=jsonl)
    for indent in (None, 1, 4):
        array = json.dumps(sheets, indent=indent)
        run = cli("batch", "--bank", str(MINI), "-", "--input-format", "json", input=array)
        assert (run.exit_code, run.stderr) == (0, "scored 10,000; rejected 0\n")
        assert run.stdout == expected.stdout


def test_a_bad_utf8_byte_in_an_array_rejects_that_item_only(cli, tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(
        b'[{"respondent": "a", "answers": {}},\n {"respondent": "b\xff", "answers": {}},\n'
        b' {"respondent": "c", "answers": {}}]'
    )
    run = cli("batch", "--bank", str(MINI), str(path))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{path}:2:19: item 2: not valid UTF-8 (byte 0xff)",
        "scored 2; rejected 1",
    ]


def test_utf16_with_a_bom_is_decoded_and_without_is_refused(cli, tmp_path) -> None:
    text = "respondent,problem-1\nr1,a\nr2,q\n"
    for encoding in ("utf-16", "utf-16-be"):
        path = tmp_path / f"{encoding}.csv"
        data = text.encode(encoding)
        path.write_bytes(data if encoding == "utf-16" else b"\xfe\xff" + data)
        run = cli("batch", "--bank", str(MINI), str(path))
        assert run.exit_code == 1
        assert run.stderr.splitlines()[-1] == "scored 1; rejected 1"
    bare = tmp_path / "bare.csv"
    bare.write_bytes(text.encode("utf-16-le"))
    run = cli("batch", "--bank", str(MINI), str(bare))
    assert run.exit_code == 2
    assert run.stderr == (
        f"{bare}:1:2: not a text file (a NUL byte): pmfit reads UTF-8, or UTF-16 that "
        "starts with its byte-order mark (or --encoding)\n"
    )
    sheet = tmp_path / "u16.yaml"
    sheet.write_bytes("respondent: ü\nanswers: {problem-1: a}\n".encode("utf-16"))
    run = cli("score", "--bank", str(MINI), str(sheet), "--json")
    assert run.exit_code == 0 and json.loads(run.stdout)["respondent"] == "ü"


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("jsonl", [b'{"respondent": "r%d", "answers": {"problem-1": "a"}}\n']),
        ("csv", [b"respondent,problem-1\n", b"r%d,a\n"]),
        ("yaml", [b"respondent: r%d\nanswers: {problem-1: a}\n---\n"]),
        ("json", [b"[\n", b'{"respondent": "r%d", "answers": {"problem-1": "a"}},\n']),
    ],
)
@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pipe_that_stays_open_is_scored_as_rows_arrive(kind, rows, jobs) -> None:
    """Each row's result comes out while the writer still holds the pipe open."""
    child = subprocess.Popen(
        [*PMFIT, "batch", "--bank", str(MINI), "-", "--input-format", kind, "-j", jobs],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin and child.stdout
    received: list[bytes] = []
    got = threading.Event()

    def read() -> None:
        assert child.stdout
        for line in child.stdout:
            received.append(line)
            got.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    prefix, row = (rows[0], rows[1]) if len(rows) == 2 else (b"", rows[0])
    child.stdin.write(prefix)
    try:
        for i in range(3):
            got.clear()
            child.stdin.write(row.replace(b"%d", str(i).encode()))
            child.stdin.flush()
            # A generous wait: the result must come while stdin is still open.
            assert got.wait(timeout=60), f"no result for row {i} while the input stays open"
            assert len(received) == i + 1
            time.sleep(0.2)
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    reader.join(timeout=60)
    assert [json.loads(x)["respondent"] for x in received] == ["r0", "r1", "r2"]


def test_a_yaml_document_over_the_limit_is_one_rejected_document(cli, tmp_path) -> None:
    docs = tmp_path / "docs.yaml"
    filler = "".join(f"# {'c' * 1000}\n" for _ in range(MAX_ROW_BYTES // 1000 + 10))
    docs.write_text(
        "respondent: a\nanswers: {}\n---\n" + filler + "respondent: b\n---\nrespondent: c\n"
    )
    run = cli("batch", "--bank", str(MINI), str(docs))
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{docs}:3: document 2: longer than {MAX_ROW_BYTES:,} bytes (an answer sheet or row "
        "is at most that)",
        "scored 2; rejected 1",
    ]


def test_utf16_input_without_an_extension_is_recognised(cli, tmp_path) -> None:
    path = tmp_path / "export"
    path.write_bytes('{"respondent": "ü", "answers": {"problem-1": "a"}}\n'.encode("utf-16"))
    run = cli("batch", "--bank", str(MINI), str(path))
    assert (run.exit_code, run.stderr) == (0, "scored 1; rejected 0\n")
    assert json.loads(run.stdout)["respondent"] == "ü"


def test_the_piped_quiz_refuses_an_over_long_line() -> None:
    line = b"x" * (MAX_ROW_BYTES + 10) + b"\n"
    run = pmfit("quiz", "--bank", str(MINI), stdin=b"1\n" + line)
    assert run.returncode == 2
    assert run.stderr == (
        f"<stdin>:2: longer than {MAX_ROW_BYTES:,} bytes (an answer sheet or row is at most that)\n"
    )
