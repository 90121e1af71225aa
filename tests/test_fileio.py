"""The one write helper: regular files replaced atomically; nothing else ever replaced."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import MINI
from pmfit.errors import InputError
from pmfit.fileio import atomic_write_bytes


def test_a_fifo_is_never_replaced(tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as error:
        atomic_write_bytes(fifo, b"x")
    assert error.value.lines() == [
        f"{fifo}: not a regular file (a device or a pipe): pmfit writes only to regular files "
        "(leave out -o to write to stdout)"
    ]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path) -> None:
    target = tmp_path / "real.txt"
    target.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new"
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "later.txt")
    atomic_write_bytes(dangling, b"made")
    assert dangling.is_symlink() and (tmp_path / "later.txt").read_bytes() == b"made"


def test_cli_output_onto_a_pipe_or_a_directory_is_one_line(cli, tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    run = cli("form", "--bank", str(MINI), "-o", str(fifo))
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr.startswith(f"{fifo}: not a regular file (a device or a pipe)")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("respondent,problem-1\nann,a\n")
    run = cli("batch", "--bank", str(MINI), str(sheet), "-o", str(tmp_path))
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        f"{tmp_path}: a directory: pmfit writes only to regular files (leave out -o to write "
        "to stdout)\n"
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
