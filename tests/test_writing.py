"""Rule 1, writing: one mechanism (pmfit.writing) for every file pmfit writes.

Regular files and new names are replaced atomically, keeping mode and owner; a symlink's
target is replaced; devices, FIFOs, sockets and stdout are streamed to, never replaced;
a directory, an unwritable place, an input of the run or two outputs naming one file are
refused before any work, in one line, exit 2; no run leaves a temporary file, and a full
disk is one line naming the output, exit 2. Cases numbered as in the adversarial review
(shared/reviews/adversarial-0d07357.md). CI runs as root: device nodes are made with
mknod in a temporary directory, never the real /dev/null.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from disks import tiny_disk

from conftest import MINI, ROOT

ROW = '{"respondent": "ana", "answers": {"problem-1": "c"}}\n'
BAD = '{"respondent": "cy", "answers": {"problem-1": "z"}}\n'


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory holding only in.jsonl, and the working directory, so messages show
    the short names a user would type."""
    directory = tmp_path / "work"
    directory.mkdir()
    (directory / "in.jsonl").write_text(ROW + BAD)
    monkeypatch.chdir(directory)
    return directory


def _batch(cli, *args: str):
    return cli("batch", "--bank", str(MINI), *args)


def _names(directory: Path) -> list[str]:
    """Every name in the directory: a temporary file left behind would show here."""
    return sorted(p.name for p in directory.iterdir())


def _result_lines(data: bytes | str) -> list[str]:
    text = data.decode() if isinstance(data, bytes) else data
    return [json.loads(line)["respondent"] for line in text.splitlines()]


def _mknod_or_skip(path: Path, major: int, minor: int) -> None:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root (CI runs as root)")
    path.chmod(0o666)  # crw-rw-rw-, whatever the umask, as /dev/null is


# --- refused before any work: one line naming the path and why, exit 2 -----------------


def test_64_output_naming_the_input_is_refused_and_the_input_kept(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "in.jsonl")
    assert (run.exit_code, run.stderr) == (
        2,
        "in.jsonl: is also an input (in.jsonl); write to another file\n",
    )
    assert (work / "in.jsonl").read_text() == ROW + BAD


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_64_output_naming_the_input_through_a_link_is_refused(cli, work, link) -> None:
    (os.symlink if link == "symlink" else os.link)("in.jsonl", "other.jsonl")
    run = _batch(cli, "in.jsonl", "-o", "other.jsonl")
    assert (run.exit_code, run.stderr) == (
        2,
        "other.jsonl: is also an input (in.jsonl); write to another file\n",
    )
    assert (work / "in.jsonl").read_text() == ROW + BAD


@pytest.mark.slow
def test_64_output_naming_stdin_is_refused(work) -> None:
    with open(work / "in.jsonl", "rb") as stdin:
        run = subprocess.run(
            [sys.executable, "-m", "pmfit", "batch", "--bank", str(MINI), "-", "-o", "in.jsonl"],
            stdin=stdin,
            capture_output=True,
            cwd=work,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert (run.returncode, run.stderr) == (
        2,
        b"in.jsonl: is also this run's standard input; write to another file\n",
    )
    assert (work / "in.jsonl").read_text() == ROW + BAD


def test_65_errors_and_output_naming_one_file_are_refused(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "res.jsonl", "--errors", "./res.jsonl")
    assert (run.exit_code, run.stderr) == (
        2,
        "./res.jsonl: is named by both --output and --errors; give each its own file\n",
    )
    assert _names(work) == ["in.jsonl"]


def test_65_an_existing_file_named_twice_through_a_symlink_is_refused(cli, work) -> None:
    (work / "res.jsonl").write_text("old\n")
    os.symlink("res.jsonl", "alias.jsonl")
    run = _batch(cli, "in.jsonl", "-o", "res.jsonl", "--errors", "alias.jsonl")
    assert (run.exit_code, run.stderr) == (
        2,
        "alias.jsonl: is named by both --output and --errors; give each its own file\n",
    )
    assert (work / "res.jsonl").read_text() == "old\n"


def test_66_errors_naming_the_input_is_refused_and_the_input_kept(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "r.jsonl", "--errors", "in.jsonl")
    assert (run.exit_code, run.stderr) == (
        2,
        "in.jsonl: is also an input (in.jsonl); write to another file\n",
    )
    assert (work / "in.jsonl").read_text() == ROW + BAD
    assert _names(work) == ["in.jsonl"]


def test_every_clash_is_reported_at_once(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "in.jsonl", "--errors", "in.jsonl")
    assert (run.exit_code, run.stderr.splitlines()) == (
        2,
        [
            "in.jsonl: is also an input (in.jsonl); write to another file",
            "in.jsonl: is also an input (in.jsonl); write to another file",
            "in.jsonl: is named by both --output and --errors; give each its own file",
        ],
    )


def test_73_a_missing_directory_is_refused(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "nowhere/out.jsonl")
    assert (run.exit_code, run.stderr) == (
        2,
        "nowhere/out.jsonl: no such directory to write into\n",
    )


def test_74_an_empty_output_name_is_refused(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "")
    assert (run.exit_code, run.stdout, run.stderr) == (
        2,
        "",
        "--output: an empty file name; give a file name (or - for stdout, where allowed)\n",
    )


def test_dash_output_is_stdout(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "-")
    assert run.exit_code == 1
    assert _result_lines(run.stdout) == ["ana"]
    assert _names(work) == ["in.jsonl"]


@pytest.mark.parametrize("name", [".", "sub"])
def test_75_a_directory_is_refused_before_any_work_and_leaves_nothing(cli, work, name) -> None:
    (work / "sub").mkdir()
    run = _batch(cli, "in.jsonl", "-o", name)
    assert (run.exit_code, run.stderr) == (
        2,
        f"{name}: is a directory; give the name of a file to write\n",
    )
    assert _names(work) == ["in.jsonl", "sub"]
    assert _names(work / "sub") == []


def test_13_errors_into_a_directory_writes_no_output_either(cli, work) -> None:
    (work / "d").mkdir()
    (work / "out.jsonl").write_text("old\n")
    run = _batch(cli, "in.jsonl", "-o", "out.jsonl", "--errors", "d")
    assert (run.exit_code, run.stderr) == (
        2,
        "d: is a directory; give the name of a file to write\n",
    )
    assert (work / "out.jsonl").read_text() == "old\n"
    assert _names(work) == ["d", "in.jsonl", "out.jsonl"]


def test_13_errors_in_a_missing_directory_leaves_no_temporary_output(cli, work) -> None:
    run = _batch(cli, "in.jsonl", "-o", "out.jsonl", "--errors", "gone/err.jsonl")
    assert (run.exit_code, run.stderr) == (2, "gone/err.jsonl: no such directory to write into\n")
    assert _names(work) == ["in.jsonl"]


def test_76_a_251_character_name_is_written(cli, work) -> None:
    name = "o" * 245 + ".jsonl"
    assert len(name) == 251
    run = _batch(cli, "in.jsonl", "-o", name)
    assert run.exit_code == 1
    assert _result_lines((work / name).read_bytes()) == ["ana"]
    assert _names(work) == sorted(["in.jsonl", name])


def test_76_a_name_over_the_limit_is_one_line(cli, work) -> None:
    name = "o" * 250 + ".jsonl"
    run = _batch(cli, "in.jsonl", "-o", name)
    assert (run.exit_code, run.stderr) == (
        2,
        f"{name}: the name is too long for the file system (256 bytes)\n",
    )
    assert _names(work) == ["in.jsonl"]


def test_a_symlink_loop_is_one_line(cli, work) -> None:
    os.symlink("loop", "loop")
    run = _batch(cli, "in.jsonl", "-o", "loop")
    assert (run.exit_code, run.stderr) == (2, "loop: a symlink loop: it leads nowhere\n")


# --- regular files: replaced atomically, mode and owner kept; links followed ---------


def test_67_a_symlink_is_followed_and_its_target_replaced(cli, work) -> None:
    (work / "important.txt").write_text("old\n")
    (work / "sym").mkdir()
    os.symlink("../important.txt", "sym/link.jsonl")
    run = _batch(cli, "in.jsonl", "-o", "sym/link.jsonl")
    assert run.exit_code == 1
    assert (work / "sym" / "link.jsonl").is_symlink()
    assert os.readlink(work / "sym" / "link.jsonl") == "../important.txt"
    assert _result_lines((work / "important.txt").read_bytes()) == ["ana"]
    assert _names(work) == ["important.txt", "in.jsonl", "sym"]
    assert _names(work / "sym") == ["link.jsonl"]


def test_a_dangling_symlink_creates_its_target(cli, work) -> None:
    os.symlink("made.jsonl", "link.jsonl")
    run = _batch(cli, "in.jsonl", "-o", "link.jsonl")
    assert run.exit_code == 1
    assert (work / "link.jsonl").is_symlink()
    assert _result_lines((work / "made.jsonl").read_bytes()) == ["ana"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444, 0o604])
def test_71_72_an_existing_file_keeps_its_mode(cli, work, mode) -> None:
    out = work / "out.jsonl"
    out.write_text("old\n")
    out.chmod(mode)
    writable = os.access(out, os.W_OK)
    run = _batch(cli, "in.jsonl", "-o", "out.jsonl")
    if not writable:  # 0444 as a user: refused, kept (root may write, as with `>`)
        assert (run.exit_code, run.stderr) == (
            2,
            "out.jsonl: is read-only; pmfit leaves it as it is (make it writable, or write "
            "elsewhere)\n",
        )
        assert out.read_text() == "old\n"
        return
    assert run.exit_code == 1
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert _result_lines(out.read_bytes()) == ["ana"]


def test_72_an_existing_file_keeps_its_owner(cli, work) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root (CI runs as root)")
    out = work / "private.jsonl"
    out.write_text("old\n")
    os.chown(out, 65534, 65534)
    out.chmod(0o640)
    run = _batch(cli, "in.jsonl", "-o", "private.jsonl")
    assert run.exit_code == 1
    st = out.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (65534, 65534, 0o640)


def test_a_new_file_gets_the_usual_mode(cli, work) -> None:
    umask = os.umask(0o027)
    try:
        _batch(cli, "in.jsonl", "-o", "new.jsonl")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((work / "new.jsonl").stat().st_mode) == 0o640


# --- character devices, FIFOs, sockets, stdout: streamed, never replaced ---------------


def test_68_a_device_node_is_written_to_and_stays_a_device(cli, work) -> None:
    _mknod_or_skip(work / "fakenull", 1, 3)
    run = _batch(cli, "in.jsonl", "-o", "fakenull", "--errors", "fakenull")
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.splitlines()[-1] == "scored 1; rejected 1; see fakenull"
    st = (work / "fakenull").lstat()
    assert stat.S_ISCHR(st.st_mode)
    assert st.st_rdev == os.makedev(1, 3)
    assert _names(work) == ["fakenull", "in.jsonl"]


def test_77_a_full_device_is_one_line_naming_it(cli, work) -> None:
    _mknod_or_skip(work / "full", 1, 7)  # what /dev/full is: every write fails with ENOSPC
    (work / "in.jsonl").write_text(ROW)
    run = _batch(cli, "in.jsonl", "-o", "full")
    assert (run.exit_code, run.stderr) == (
        2,
        "full: no space left on the device; what came before was written\n",
    )
    assert stat.S_ISCHR((work / "full").lstat().st_mode)


def test_a_fifo_is_streamed_to_in_order_and_stays_a_fifo(cli, work) -> None:
    rows = "".join(f'{{"respondent": "r{i}", "answers": {{}}}}\n' for i in range(3000))
    (work / "many.jsonl").write_text(rows)
    os.mkfifo(work / "pipe")
    received: list[bytes] = []

    def read() -> None:
        with open(work / "pipe", "rb") as fifo:
            received.append(fifo.read())

    reader = threading.Thread(target=read)
    reader.start()
    run = _batch(cli, "many.jsonl", "-o", "pipe", "--jobs", "1")
    reader.join(timeout=60)
    assert run.exit_code == 0
    assert _result_lines(received[0]) == [f"r{i}" for i in range(3000)]
    assert stat.S_ISFIFO((work / "pipe").lstat().st_mode)
    assert _names(work) == ["in.jsonl", "many.jsonl", "pipe"]


def test_a_socket_is_streamed_to(cli, work) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("sock")
    server.listen(1)
    received: list[bytes] = []

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            chunks = []
            while data := connection.recv(65536):
                chunks.append(data)
            received.append(b"".join(chunks))

    thread = threading.Thread(target=serve)
    thread.start()
    run = _batch(cli, "in.jsonl", "-o", "sock")
    thread.join(timeout=60)
    server.close()
    assert run.exit_code == 1
    assert _result_lines(received[0]) == ["ana"]
    assert stat.S_ISSOCK((work / "sock").lstat().st_mode)


def _pmfit(work: Path, *args: str, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "pmfit", "batch", "--bank", str(MINI), *args],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        **kwargs,
    )


@pytest.mark.slow
def test_68_stdout_as_a_file_is_written_in_place_not_replaced(work) -> None:
    """`-o /dev/stdout`, or a link to it, with stdout a file: the file is appended to, as
    the shell opened it, never replaced by another."""
    os.symlink("/proc/self/fd/1", "lnk1")
    with open(work / "so.txt", "wb") as stdout:
        stdout.write(b"before\n")
        stdout.flush()
        inode = os.fstat(stdout.fileno()).st_ino
        for name in ("/dev/stdout", "lnk1"):
            run = _pmfit(work, "in.jsonl", "-o", name, stdout=stdout, stderr=subprocess.PIPE)
            assert run.returncode == 1
    text = (work / "so.txt").read_text().splitlines()
    assert text[0] == "before"
    assert _result_lines("\n".join(text[1:])) == ["ana", "ana"]
    assert (work / "so.txt").stat().st_ino == inode
    assert (work / "lnk1").is_symlink()


@pytest.mark.slow
def test_68_stdout_and_stderr_as_pipes(work) -> None:
    run = _pmfit(
        work,
        "in.jsonl",
        "-o",
        "/dev/stdout",
        "--errors",
        "/dev/stderr",
        capture_output=True,
    )
    assert run.returncode == 1
    assert _result_lines(run.stdout) == ["ana"]
    errors = run.stderr.decode().splitlines()
    assert json.loads(errors[1])["respondent"] == "cy"
    assert errors[-1] == "scored 1; rejected 1; see /dev/stderr"


# --- full disk, file too large: one line naming the output, exit 2, nothing left -------


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "workers-in-place"])
def test_77_78_79_file_too_large_is_one_line_old_file_kept_no_temporary(work, jobs) -> None:
    rows = "".join(
        f'{{"respondent": "r{i}", "answers": {{"problem-1": "c"}}}}\n' for i in range(90_000)
    )
    (work / "big.jsonl").write_text(rows)
    assert len(rows) > 4 << 20  # large enough for the workers to write in place
    (work / "out.jsonl").write_text("old\n")
    run = _pmfit(
        work,
        "big.jsonl",
        "-o",
        "out.jsonl",
        "--jobs",
        jobs,
        capture_output=True,
        preexec_fn=_limit_file_size(1 << 20),
    )
    assert (run.returncode, run.stderr.decode()) == (
        2,
        "out.jsonl: the file would be larger than this system or your limit (ulimit -f) "
        "allows; it is unchanged\n",
    )
    assert (work / "out.jsonl").read_text() == "old\n"
    assert _names(work) == ["big.jsonl", "in.jsonl", "out.jsonl"]


@pytest.mark.slow
def test_80_file_too_large_on_stdout_is_one_line(work) -> None:
    rows = "".join(f'{{"respondent": "r{i}", "answers": {{}}}}\n' for i in range(2000))
    (work / "many.jsonl").write_text(rows)
    with open(work / "so.txt", "wb") as stdout:
        run = _pmfit(
            work,
            "many.jsonl",
            "--jobs",
            "1",
            stdout=stdout,
            stderr=subprocess.PIPE,
            preexec_fn=_limit_file_size(100_000),
        )
    assert (run.returncode, run.stderr.decode()) == (
        2,
        "<stdout>: cannot write: File too large\n",
    )


# --- unprivileged: run as nobody, where that can be done reliably ----------------------

AS_NOBODY = """
import os, sys
from typer.testing import CliRunner
from pmfit.cli import app
args = sys.argv[1:]
# What pmfit imports, imported while still root (Python itself may live where nobody
# may read): the same run into scratch files first.
warm = args[: args.index("-o")] + ["-o", "warm.jsonl", "--errors", "warm-errors.jsonl"]
CliRunner().invoke(app, warm)
os.unlink("warm.jsonl")
os.unlink("warm-errors.jsonl")
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
sys.argv = ["pmfit", *args]
from pmfit.cli import main
main()
"""


@pytest.fixture
def nobody_work() -> Iterator[Path]:
    """A directory of nobody's, where nobody can reach it (pytest's are root's only)."""
    import shutil
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("running as another user needs root (CI runs as root)")
    directory = Path(tempfile.mkdtemp(prefix="pmfit-nobody-"))
    try:
        (directory / "in.jsonl").write_text(ROW + BAD)
        os.chmod(directory / "in.jsonl", 0o644)
        # A copy of the bank: the checkout may be where nobody may read.
        shutil.copytree(MINI, directory / "bank")
        for path in [directory / "bank", *(directory / "bank").rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        os.chown(directory, 65534, 65534)
        yield directory
    finally:
        shutil.rmtree(directory)


def _as_nobody(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", AS_NOBODY, "batch", "--bank", "bank", "in.jsonl", *args],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PMFIT_NO_CACHE": "1"},
        capture_output=True,
        text=True,
    )


NOBODY_REJECTS = (
    "in.jsonl:2: respondent 'cy': answers.problem-1: unknown option 'z' "
    "(allowed: a, b, c, or blank to skip)\n"
)


def test_69_as_nobody_a_device_in_a_root_directory_works_and_is_untouched(nobody_work) -> None:
    """As /dev/null is: a node anyone may write, in a directory only root may write."""
    dev = nobody_work / "dev"
    dev.mkdir(mode=0o755)
    _mknod_or_skip(dev / "null", 1, 3)
    before = (dev / "null").stat()
    run = _as_nobody(nobody_work, "-o", "dev/null", "--errors", "dev/null")
    assert (run.returncode, run.stderr) == (
        1,
        NOBODY_REJECTS + "scored 1; rejected 1; see dev/null\n",
    )
    after = (dev / "null").stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert sorted(p.name for p in dev.iterdir()) == ["null"]


def test_69_as_nobody_stdout_and_stderr_work(nobody_work) -> None:
    run = _as_nobody(nobody_work, "-o", "/dev/stdout", "--errors", "/dev/stderr")
    assert run.returncode == 1
    assert _result_lines(run.stdout) == ["ana"]
    assert json.loads(run.stderr.splitlines()[1])["respondent"] == "cy"


def test_70_as_nobody_a_read_only_directory_is_refused(nobody_work) -> None:
    work = nobody_work
    (work / "rodir").mkdir(mode=0o555)
    run = _as_nobody(work, "-o", "rodir/out.jsonl")
    assert (run.returncode, run.stderr) == (
        2,
        "rodir/out.jsonl: cannot write in its directory (permission denied)\n",
    )
    assert _names(work / "rodir") == []


def test_71_as_nobody_a_read_only_file_is_refused_and_kept(nobody_work) -> None:
    work = nobody_work
    (work / "ro.jsonl").write_text("old\n")
    os.chown(work / "ro.jsonl", 65534, 65534)
    (work / "ro.jsonl").chmod(0o444)
    run = _as_nobody(work, "-o", "ro.jsonl")
    assert (run.returncode, run.stderr) == (
        2,
        "ro.jsonl: is read-only; pmfit leaves it as it is (make it writable, or write elsewhere)\n",
    )
    assert (work / "ro.jsonl").read_text() == "old\n"
    assert stat.S_IMODE((work / "ro.jsonl").stat().st_mode) == 0o444


# --- the other writers go through the same mechanism ------------------------------------


def test_quiz_save_onto_a_directory_is_refused_before_the_quiz(cli, work) -> None:
    (work / "card.svg").mkdir()
    run = cli("quiz", "--bank", str(MINI), "--save", "card.svg", input="1\n")
    assert (run.exit_code, run.stderr) == (
        2,
        "card.svg: is a directory; give the name of a file to write\n",
    )


def test_quiz_save_follows_a_symlink_and_keeps_the_mode(cli, work) -> None:
    (work / "real.txt").write_text("old\n")
    (work / "real.txt").chmod(0o600)
    os.symlink("real.txt", "card.txt")
    run = cli("quiz", "--bank", str(MINI), "--save", "card.txt", "--plain", input="1\n2\n")
    assert run.exit_code == 0
    assert (work / "card.txt").is_symlink()
    assert "B2" in (work / "real.txt").read_text() or "either" in (work / "real.txt").read_text()
    assert stat.S_IMODE((work / "real.txt").stat().st_mode) == 0o600


def test_bank_compile_refuses_to_write_over_one_of_its_files(cli, work, monkeypatch) -> None:
    # Another bank's compiled copy goes to pmfit's cache; a cache entry that is a link
    # to one of the bank's own files must not be written through.
    import shutil

    from pmfit.bank.loading import trusted_compiled_file

    bank = work / "bank"
    shutil.copytree(MINI, bank)
    monkeypatch.setenv("XDG_CACHE_HOME", str(work / "cache"))
    target = trusted_compiled_file(bank)
    assert target is not None
    target.parent.mkdir(parents=True)
    os.symlink(bank / "questions.yaml", target)
    before = (bank / "questions.yaml").read_text()
    run = cli("bank", "compile", "bank", env={"XDG_CACHE_HOME": str(work / "cache")})
    assert (run.exit_code, run.stderr.splitlines()[-1]) == (
        2,
        f"{target}: is also an input (bank/questions.yaml); write to another file",
    )
    assert (bank / "questions.yaml").read_text() == before


def test_an_unwritable_cache_does_not_stop_scoring(cli, work) -> None:
    import shutil

    bank = work / "bank"
    shutil.copytree(MINI, bank)
    (bank / "bank.compiled.json").unlink(missing_ok=True)
    (work / "cache").write_text("a file where the cache directory would go\n")
    run = cli(
        "score",
        "--bank",
        "bank",
        "--answer",
        "problem-1=c",
        "--json",
        env={"XDG_CACHE_HOME": str(work / "cache")},
    )
    assert run.exit_code == 0
    assert json.loads(run.stdout)["answers"]["problem-1"] == "c"


def test_report_output_naming_its_input_is_refused_before_reading(cli, work) -> None:
    _batch(cli, "in.jsonl", "-o", "res.jsonl")
    before = (work / "res.jsonl").read_bytes()
    run = cli("report", "--bank", str(MINI), "res.jsonl", "-o", "res.jsonl")
    assert (run.exit_code, run.stderr) == (
        2,
        "res.jsonl: is also an input (res.jsonl); write to another file\n",
    )
    assert (work / "res.jsonl").read_bytes() == before


def test_report_output_to_a_file_is_the_same_report(cli, work) -> None:
    _batch(cli, "in.jsonl", "-o", "res.jsonl")
    (work / "cohort.md").write_text("old\n")
    (work / "cohort.md").chmod(0o600)
    to_file = cli("report", "--bank", str(MINI), "res.jsonl", "--format", "md", "-o", "cohort.md")
    to_stdout = cli("report", "--bank", str(MINI), "res.jsonl", "--format", "md")
    assert (to_file.exit_code, to_file.stdout) == (0, "")
    assert (work / "cohort.md").read_text() == to_stdout.stdout
    assert stat.S_IMODE((work / "cohort.md").stat().st_mode) == 0o600


def test_template_output_onto_a_bank_file_is_refused(cli, work) -> None:
    import shutil

    shutil.copytree(MINI, work / "bank")
    before = (work / "bank" / "questions.yaml").read_text()
    run = cli("template", "--bank", "bank", "-o", "bank/questions.yaml")
    assert (run.exit_code, run.stderr) == (
        2,
        "bank/questions.yaml: is also an input (bank/questions.yaml); write to another file\n",
    )
    assert (work / "bank" / "questions.yaml").read_text() == before


@pytest.mark.parametrize(
    "args",
    [
        ("batch", "in.jsonl", "--errors"),
        ("batch", "in.jsonl", "-o"),
        ("template", "-o"),
        ("form", "-o"),
        ("quiz", "--save"),
    ],
)
def test_an_output_onto_the_banks_thread_is_refused(cli, work, args) -> None:
    # The thread the bank quotes is one of its files as much as its YAML is: the retest
    # found `batch --errors` emptying it (no row rejected, an empty errors file), and
    # `quiz --save` (the thread is a .txt) writing the card over it.
    import shutil

    shutil.copytree(MINI, work / "bank")
    thread = work / "bank" / "source" / "thread.es.txt"
    before = thread.read_text()
    run = cli(args[0], "--bank", "bank", *args[1:], "bank/source/thread.es.txt", input="1\n")
    assert (run.exit_code, run.stderr) == (
        2,
        "bank/source/thread.es.txt: is also an input (bank/source/thread.es.txt); "
        "write to another file\n",
    )
    assert thread.read_text() == before


def test_template_output_to_a_device_and_a_file(cli, work) -> None:
    _mknod_or_skip(work / "fakenull", 1, 3)
    assert cli("template", "--bank", str(MINI), "-f", "csv", "-o", "fakenull").exit_code == 0
    assert stat.S_ISCHR((work / "fakenull").lstat().st_mode)
    run = cli("template", "--bank", str(MINI), "-f", "csv", "-o", "sheet.csv")
    assert run.exit_code == 0
    assert (work / "sheet.csv").read_text() == cli(
        "template", "--bank", str(MINI), "-f", "csv"
    ).stdout


def test_86_strict_keeps_the_old_output_and_writes_the_errors(cli, work) -> None:
    (work / "st.out").write_text("old\n")
    run = _batch(cli, "--strict", "in.jsonl", "-o", "st.out", "--errors", "st.err")
    assert run.exit_code == 2
    assert (work / "st.out").read_text() == "old\n"
    assert [
        json.loads(line)["respondent"] for line in (work / "st.err").read_text().splitlines()
    ] == ["cy"]
    assert _names(work) == ["in.jsonl", "st.err", "st.out"]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_85_a_reader_that_stops_early_ends_the_run_quietly(work, jobs) -> None:
    rows = "".join(f'{{"respondent": "r{i}", "answers": {{}}}}\n' for i in range(90_000))
    (work / "big.jsonl").write_text(rows)
    with open(work / "big.jsonl", "rb") as stdin:
        process = subprocess.Popen(
            [sys.executable, "-m", "pmfit", "batch", "--bank", str(MINI), "-", "--jobs", jobs],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=work,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["respondent"] == "r0"
    process.stdout.close()
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b""
    process.stderr.close()
    assert _names(work) == ["big.jsonl", "in.jsonl"]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "workers-in-place"])
def test_77_78_a_full_disk_is_one_line_old_file_kept_no_temporary(tmp_path, work, jobs) -> None:
    rows = "".join(
        f'{{"respondent": "r{i}", "answers": {{"problem-1": "c"}}}}\n' for i in range(90_000)
    )
    (work / "big.jsonl").write_text(rows)
    with tiny_disk(tmp_path / "tiny", "2m") as tiny:
        (tiny / "out.jsonl").write_text("old\n")
        run = _pmfit(
            work, "big.jsonl", "-o", str(tiny / "out.jsonl"), "--jobs", jobs, capture_output=True
        )
        assert (run.returncode, run.stderr.decode()) == (
            2,
            f"{tiny / 'out.jsonl'}: no space left on the device; it is unchanged\n",
        )
        assert (tiny / "out.jsonl").read_text() == "old\n"
        assert _names(tiny) == ["out.jsonl"]


def test_64_output_naming_a_file_of_the_bank_is_refused(cli, work) -> None:
    import shutil

    shutil.copytree(MINI, work / "bank")
    before = (work / "bank" / "bank.yaml").read_text()
    run = cli("batch", "--bank", "bank", "in.jsonl", "-o", "bank/bank.yaml")
    assert (run.exit_code, run.stderr) == (
        2,
        "bank/bank.yaml: is also an input (bank/bank.yaml); write to another file\n",
    )
    assert (work / "bank" / "bank.yaml").read_text() == before


FEW_PROCESSES = """
import os, resource, sys
from typer.testing import CliRunner
from pmfit.cli import app
args = sys.argv[1:]
# Warm, as root: the parallel paths' modules are imported before the user changes.
CliRunner().invoke(app, ["batch", "--bank", "bank", "big.jsonl", "-j", "2", "-o", "warm"])
with open("big.jsonl", "rb") as big:
    CliRunner().invoke(app, ["batch", "--bank", "bank", "-", "-j", "2"], input=big.read())
os.unlink("warm")
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
# nobody may run no process beyond this one: every worker's fork fails (EAGAIN).
resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))
sys.argv = ["pmfit", *args]
from pmfit.cli import main
main()
"""


@pytest.mark.slow
@pytest.mark.parametrize("path", ["file", "pipe"])
def test_110_workers_the_system_will_not_start_leave_the_work_to_pmfit(nobody_work, path) -> None:
    """`-j 200` under `ulimit -u`: the review saw exit 3 and a worker's traceback; the
    retest still exit 3 (BlockingIOError) on both parallel paths. pmfit scores with
    the workers it could start, or alone, and gives the -j 1 result."""
    rows = (5 << 20) // len(ROW) + 1  # past PARALLEL_BYTES: the parallel paths
    (nobody_work / "big.jsonl").write_text(ROW * rows)
    args = ["batch", "--bank", "bank", "-j", "200"]
    args += ["big.jsonl", "-o", "out.jsonl"] if path == "file" else ["-"]
    with (nobody_work / "big.jsonl").open("rb") as stdin:
        run = subprocess.run(
            [sys.executable, "-c", FEW_PROCESSES, *args],
            cwd=nobody_work,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PMFIT_NO_CACHE": "1"},
            stdin=stdin,
            capture_output=True,
            timeout=300,  # a hang guard, not a speed test: a stuck pool fails, not stalls
        )
    assert (run.returncode, run.stderr.decode()) == (0, f"scored {rows:,}; rejected 0\n"), (
        run.stderr
    )
    out = (nobody_work / "out.jsonl").read_bytes() if path == "file" else run.stdout
    assert _result_lines(out) == ["ana"] * rows


@pytest.mark.slow
def test_stdout_that_is_an_input_is_refused_as_minus_o_dev_stdout_is(work) -> None:
    """The retest: `pmfit batch in.jsonl >> in.jsonl` read its own results back (10.8 MB
    grew to 514 MB, and every result was counted as a rejected row), where `-o
    /dev/stdout` was refused; and `-o - --errors /dev/stdout` mixed the two where `-o
    /dev/stdout --errors /dev/stdout` was refused. Stdout is an output like any other."""
    before = (work / "in.jsonl").read_bytes()
    with open(work / "in.jsonl", "ab") as stdout:
        run = _pmfit(work, "in.jsonl", stdout=stdout, stderr=subprocess.PIPE)
        report = subprocess.run(
            [sys.executable, "-m", "pmfit", "report", "--bank", str(MINI), "in.jsonl"],
            cwd=work,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
    assert (run.returncode, run.stderr) == (
        2,
        b"<stdout>: is also an input (in.jsonl); write to another file\n",
    )
    assert (report.returncode, report.stderr) == (2, run.stderr)
    assert (work / "in.jsonl").read_bytes() == before
    with open(work / "so.txt", "wb") as stdout:
        run = _pmfit(
            work, "in.jsonl", "-o", "-", "--errors", "/dev/stdout", stdout=stdout, stderr=-1
        )
    assert (run.returncode, run.stderr) == (
        2,
        b"/dev/stdout: is named by both the results on stdout and --errors; "
        b"give each its own file\n",
    )
    assert (work / "so.txt").read_bytes() == b""


@pytest.mark.slow
def test_stdout_a_character_device_may_take_the_errors_too(work) -> None:
    _mknod_or_skip(work / "fakenull", 1, 3)
    with open(work / "fakenull", "wb") as stdout:
        run = _pmfit(work, "in.jsonl", "--errors", "/dev/stdout", stdout=stdout, stderr=-1)
    assert run.returncode == 1, run.stderr
    assert stat.S_ISCHR((work / "fakenull").lstat().st_mode)
