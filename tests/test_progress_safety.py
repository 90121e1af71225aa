"""Rule 6, saved progress is never lost: the quiz in a real pseudo-terminal.

One quiz at a time holds a saved quiz (a second is refused, naming the file and what
to do); a save that cannot be read is renamed aside with a note, never deleted; a save
that fails keeps the answers in memory and says where it could not save and how to go
on. Cases numbered as in the adversarial review (shared/reviews/adversarial-0d07357.md).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
from pathlib import Path

import pytest
from disks import fill, read_only, tiny_disk
from test_quiz_pty import ASK, Quiz, _words

from conftest import MINI, default_signals

# quizzes in a real pseudo-terminal: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

SAVED = Path("state") / "pmfit" / "quiz" / "mini-full.json"
RESUME = f"pmfit quiz --bank {MINI}"


def _saved(tmp: Path) -> Path:
    return tmp / SAVED


def _quiz_under(tmp: Path, limit: int) -> Quiz:
    """A quiz whose files may not grow past `limit` bytes (`ulimit -f`): every save
    fails as on a full disk, while the terminal works."""

    def start() -> None:
        default_signals()
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return Quiz(tmp, preexec=start)


def _three_answers_saved(tmp: Path) -> dict[str, str | None]:
    quiz = Quiz(tmp)
    for number in "312":
        quiz.answer(number)
    quiz.answer("q")
    quiz.expect("Saved. To carry on")
    assert quiz.finish()[0] == 0
    return dict(json.loads(_saved(tmp).read_text())["answers"])


def _leftovers(tmp: Path) -> list[str]:
    """Names in the progress directory other than the save and its lock."""
    directory = _saved(tmp).parent
    keep = {SAVED.name, SAVED.name + ".lock"}
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


# --- 88: two quizzes on one saved quiz -------------------------------------------------


def test_88_a_second_quiz_on_the_same_save_is_refused_and_loses_nothing(tmp_path) -> None:
    earlier = _three_answers_saved(tmp_path)
    first = Quiz(tmp_path)
    first.expect("unfinished quiz: 3 of 8")
    first.child.sendline("")
    first.expect("Resuming at question 4")

    second = Quiz(tmp_path)
    status, screen = second.finish()
    assert status == 2
    assert _words(screen) == (
        f"{_saved(tmp_path)}: another pmfit quiz is using this saved quiz; finish or quit "
        f"that one first (q saves it), then run: {RESUME}"
    )

    first.answer("1")
    first.answer("q")
    first.expect("Saved. To carry on")
    assert first.finish()[0] == 0
    answers = dict(json.loads(_saved(tmp_path).read_text())["answers"])
    assert answers == {**earlier, "risk-1": "a"}

    # The first has let go: the next quiz resumes with every answer.
    third = Quiz(tmp_path)
    third.expect("unfinished quiz: 4 of 8")
    third.child.sendline("q")
    assert third.finish()[0] == 0


def test_88_the_hold_ends_with_the_quiz_even_when_killed(tmp_path) -> None:
    _three_answers_saved(tmp_path)
    first = Quiz(tmp_path)
    first.expect("unfinished quiz")
    first.child.kill(signal.SIGKILL)
    first.child.close()
    second = Quiz(tmp_path)
    second.expect("unfinished quiz: 3 of 8")
    second.child.sendline("q")
    assert second.finish()[0] == 0


# --- 89: killed while saving: never corrupt, no temporary file --------------------------


@pytest.mark.parametrize("after", [1, 2, 3, 4, 5])
def test_89_sigkill_at_any_answer_leaves_a_whole_save(tmp_path, after) -> None:
    """SIGKILL cannot be caught: a temporary file may stay, but the save is whole,
    and the next quiz removes the temporary file."""
    quiz = Quiz(tmp_path)
    for number in "31212"[:after]:
        quiz.answer(number)
    quiz.child.kill(signal.SIGKILL)
    quiz.child.close()
    if _saved(tmp_path).exists():
        saved = json.loads(_saved(tmp_path).read_text())
        assert len(saved["answers"]) in (after - 1, after)
    else:  # killed before the first save
        assert after == 1
    again = Quiz(tmp_path)
    again.expect(["unfinished quiz", "Question 1 of 8"])
    again.child.sendline("q")
    again.finish()
    assert _leftovers(tmp_path) == []


def test_89_a_temporary_left_by_a_killed_quiz_is_removed_by_the_next(tmp_path) -> None:
    _three_answers_saved(tmp_path)
    stale = _saved(tmp_path).parent / ".mini-full.json.abcd1234.tmp"
    stale.write_text('{"half a sa')
    other = _saved(tmp_path).parent / ".mini-short.json.abcd1234.tmp"
    other.write_text("another quiz's, maybe being written")
    quiz = Quiz(tmp_path)
    quiz.expect("unfinished quiz: 3 of 8")
    quiz.child.sendline("q")
    quiz.finish()
    assert not stale.exists()
    assert other.exists()


# --- 90, 91: a save that cannot be read is kept aside, with a note ----------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"version": 1, "bank_id": "mi', "Input data was truncated"),
        (b"", "the file is empty"),
        (b"\x00garbage\xff", "malformed"),
        (b'{"version": 2, "answers": {"problem-1": "c"}}', "format 2"),
    ],
    ids=["truncated", "empty", "garbage", "newer"],
)
def test_90_an_unreadable_save_is_renamed_aside_never_deleted(tmp_path, content, reason) -> None:
    _saved(tmp_path).parent.mkdir(parents=True)
    _saved(tmp_path).write_bytes(content)
    quiz = Quiz(tmp_path)
    quiz.expect("Question 1 of 8")
    quiz.answer("q")
    _, screen = quiz.finish()
    (aside,) = _leftovers(tmp_path)
    assert aside.startswith("mini-full.json.unreadable-")
    kept = _saved(tmp_path).parent / aside
    assert kept.read_bytes() == content
    words = _words(screen)
    assert f"pmfit: could not read the saved quiz {_saved(tmp_path)} (" in words
    assert reason in words
    assert f"kept it as {kept} and starting over." in words


def test_90_a_save_from_a_newer_pmfit_is_named_as_such(tmp_path) -> None:
    _saved(tmp_path).parent.mkdir(parents=True)
    _saved(tmp_path).write_text('{"version": 2, "a_new_field": []}')
    quiz = Quiz(tmp_path)
    quiz.expect("Question 1 of 8")
    quiz.answer("q")
    _, screen = quiz.finish()
    assert "(saved by another version of pmfit (format 2))" in _words(screen)


def test_91_a_directory_in_place_of_the_save_is_moved_aside(tmp_path) -> None:
    _saved(tmp_path).mkdir(parents=True)
    (_saved(tmp_path) / "mine.txt").write_text("keep me\n")
    quiz = Quiz(tmp_path)
    quiz.answer("3")
    quiz.answer("q")
    quiz.expect("Saved. To carry on")
    status, screen = quiz.finish()
    assert status == 0
    (aside,) = _leftovers(tmp_path)
    assert (_saved(tmp_path).parent / aside / "mine.txt").read_text() == "keep me\n"
    assert json.loads(_saved(tmp_path).read_text())["answers"] == {"problem-1": "c"}
    assert "Is a directory" in _words(screen)


# --- 92: the save is private, and a file's mode is kept ---------------------------------


def test_92_a_new_save_is_private_and_an_existing_mode_kept(tmp_path) -> None:
    _three_answers_saved(tmp_path)
    assert stat.S_IMODE(_saved(tmp_path).stat().st_mode) == 0o600
    _saved(tmp_path).chmod(0o640)
    quiz = Quiz(tmp_path)
    quiz.expect("unfinished quiz")
    quiz.child.sendline("")
    quiz.answer("1")
    quiz.answer("q")
    quiz.expect("Saved. To carry on")
    assert quiz.finish()[0] == 0
    assert stat.S_IMODE(_saved(tmp_path).stat().st_mode) == 0o640


# --- 93, 94: a save that fails keeps the answers and says where and how -----------------


def test_93_94_a_failing_save_warns_once_and_the_quiz_goes_on_to_its_result(tmp_path) -> None:
    quiz = _quiz_under(tmp_path, limit=16)
    for number in "31212121":
        quiz.answer(number)
    quiz.expect("That was the last question")
    status, screen = quiz.finish()
    assert status == 0
    words = _words(screen)
    warning = (
        f"pmfit: could not save your progress to {_saved(tmp_path)}: the file would be "
        "larger than this system or your limit (ulimit -f) allows; nothing was written. Your "
        "answers are kept while this quiz runs: finish it here, or fix that and answer on "
        "(each answer tries again)."
    )
    assert words.count(warning) == 1
    assert "Your result" in words
    assert not _saved(tmp_path).exists()
    assert _leftovers(tmp_path) == []


def test_93_94_quitting_unsaved_asks_again_then_gives_a_command_with_the_answers(
    tmp_path,
) -> None:
    quiz = _quiz_under(tmp_path, limit=16)
    quiz.answer("3")
    quiz.answer("1")
    quiz.answer("q")
    quiz.expect("quitting now loses them")
    quiz.answer("q")
    status, screen = quiz.finish()
    assert status == 0
    assert _words(screen).endswith(
        f"Not saved: could not write {_saved(tmp_path)} (the file would be larger than this "
        "system or your limit (ulimit -f) allows; nothing was written). To score your answers "
        f"so far, run: pmfit score --bank {MINI} --answer problem-1=c --answer buyer-1=a"
    )


def test_93_94_ctrl_c_unsaved_gives_the_command_and_exits_130(tmp_path) -> None:
    quiz = _quiz_under(tmp_path, limit=16)
    quiz.answer("3")
    quiz.expect(ASK)
    quiz.child.sendintr()
    status, screen = quiz.finish()
    assert status == 130
    assert "To score your answers so far, run: pmfit score --bank" in _words(screen)
    assert "--answer problem-1=c" in _words(screen)


# --- 95 and the other signals: the progress is saved, no temporary file ---------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_95_sigterm_and_sighup_save_and_exit_with_the_signal(tmp_path, sig) -> None:
    quiz = Quiz(tmp_path)
    quiz.answer("3")
    quiz.answer("1")
    quiz.expect(ASK)
    quiz.child.kill(sig)
    status, _ = quiz.finish()
    assert status == 128 + sig
    saved = json.loads(_saved(tmp_path).read_text())
    assert saved["answers"] == {"problem-1": "c", "buyer-1": "a"}
    assert _leftovers(tmp_path) == []


def test_94_a_full_disk_then_room_again_saves_every_answer(tmp_path) -> None:
    with tiny_disk(tmp_path / "state") as state:
        (state / "pmfit" / "quiz").mkdir(parents=True)
        filler = fill(state)
        quiz = Quiz(tmp_path)
        quiz.answer("3")
        quiz.expect("could not save your progress")
        filler.unlink()
        quiz.answer("1")
        quiz.expect("Saved your progress to")
        quiz.answer("q")
        quiz.expect("Saved. To carry on")
        status, screen = quiz.finish()
        assert status == 0
        words = _words(screen)
        assert (
            f"pmfit: could not save your progress to {_saved(tmp_path)}: no space left on the "
            "device; nothing was written." in words
        )
        assert f"Saved your progress to {_saved(tmp_path)} again." in words
        saved = json.loads(_saved(tmp_path).read_text())
        assert saved["answers"] == {"problem-1": "c", "buyer-1": "a"}
        assert _leftovers(tmp_path) == []


def test_95_closing_the_terminal_saves_the_answers(tmp_path) -> None:
    quiz = Quiz(tmp_path)
    quiz.answer("3")
    quiz.answer("1")
    quiz.expect(ASK)
    pid = quiz.child.pid
    os.close(quiz.child.child_fd)  # the terminal window closes: the kernel sends SIGHUP
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGHUP
    saved = json.loads(_saved(tmp_path).read_text())
    assert saved["answers"] == {"problem-1": "c", "buyer-1": "a"}
    assert _leftovers(tmp_path) == []


def test_93_a_read_only_state_directory_keeps_the_answers_and_gives_them_back(tmp_path) -> None:
    with tiny_disk(tmp_path / "state") as state:
        earlier = _three_answers_saved(tmp_path)
        read_only(state)
        quiz = Quiz(tmp_path)
        quiz.expect("unfinished quiz: 3 of 8")
        quiz.child.sendline("")
        quiz.answer("1")
        quiz.expect("could not save your progress")
        quiz.answer("q")
        quiz.expect("quitting now loses them")
        quiz.answer("q")
        status, screen = quiz.finish()
        assert status == 0
        words = _words(screen)
        assert (
            f"pmfit: could not save your progress to {_saved(tmp_path)}: is on a read-only file "
            "system." in words
        )
        given = " ".join(f"--answer {q}={o}" for q, o in {**earlier, "risk-1": "a"}.items())
        assert words.endswith(
            f"To score your answers so far, run: pmfit score --bank {MINI} {given}"
        )
        assert json.loads(_saved(tmp_path).read_text())["answers"] == earlier


def test_90_an_unreadable_save_that_cannot_be_moved_is_left_and_not_saved_over(tmp_path) -> None:
    with tiny_disk(tmp_path / "state") as state:
        _saved(tmp_path).parent.mkdir(parents=True)
        _saved(tmp_path).write_text("{half")
        read_only(state)
        quiz = Quiz(tmp_path)
        quiz.answer("3")
        quiz.answer("q")
        quiz.answer("q")
        _, screen = quiz.finish()
        words = _words(screen)
        assert (
            f"pmfit: could not read the saved quiz {_saved(tmp_path)} (JSON is malformed: object "
            "keys must be strings (byte 1)), nor move it aside (Read-only file system); it is "
            "left as it is, and this quiz will not be saved." in words
        )
        assert _saved(tmp_path).read_text() == "{half"
