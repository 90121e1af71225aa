"""An unfinished quiz, saved after every answer so that it can be resumed.

One JSON file per bank id and form, in the platform's user state directory
(XDG_STATE_HOME on Linux), readable by its owner only. It records the bank's
hash, so that a quiz saved against another version of the bank resumes with the
answers that still fit: those whose question, and chosen option, still exist.

Nothing saved is lost: one quiz at a time holds a saved quiz (`hold`), so two
quizzes cannot overwrite each other's answers; a save that cannot be read
(damaged, empty, from a newer pmfit) is renamed aside (`keep_aside`), never
deleted.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import os
from pathlib import Path
from typing import Literal, NamedTuple

import msgspec

from pmfit.bank.model import Bank
from pmfit.quiz.session import Form, Session, form_bank
from pmfit.writing import write_file

PROGRESS_VERSION = 1


class Saved(msgspec.Struct, kw_only=True):
    version: int = PROGRESS_VERSION
    bank_id: str
    bank_sha256: str
    form: Literal["full", "short"]
    adaptive: bool
    exact: bool = False
    lang: str
    order: list[str]
    position: int
    answers: dict[str, str | None]
    saved_at: str


class _Version(msgspec.Struct):
    version: int = PROGRESS_VERSION


class ProgressError(Exception):
    """A saved quiz that cannot be read (damaged, or from another pmfit)."""


class ProgressBusy(Exception):
    """Another quiz holds this saved quiz."""


def progress_path(
    bank_id: str, form: Form, adaptive: bool, state_dir: Path | None = None, exact: bool = False
) -> Path:
    if state_dir is None:
        from platformdirs import user_state_path

        state_dir = user_state_path("pmfit", appauthor=False)
    mode = ("-adaptive" if adaptive else "") + ("-exact" if adaptive and exact else "")
    name = f"{bank_id}-{form}{mode}.json"
    return state_dir / "quiz" / name


def save(session: Session, lang: str, path: Path, sha256: str) -> None:
    """Write the session's progress atomically; `sha256` is the full bank's hash."""
    saved = Saved(
        bank_id=session.bank.id,
        bank_sha256=sha256,
        form=session.form,
        adaptive=session.adaptive,
        exact=session.exact,
        lang=lang,
        order=session.order,
        position=session.position,
        answers=session.answers,
        saved_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )
    data = msgspec.json.format(msgspec.json.encode(saved), indent=2) + b"\n"
    write_file(path, data, make_parents=True, private=True)


def load(path: Path) -> Saved | None:
    """The saved quiz at `path`; None if there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ProgressError(error.strerror or str(error)) from None
    try:
        # The version first: a newer format may not fit this one's fields.
        version = msgspec.json.decode(data, type=_Version).version
        if version != PROGRESS_VERSION:
            raise ProgressError(f"saved by another version of pmfit (format {version})")
        return msgspec.json.decode(data, type=Saved)
    except msgspec.DecodeError as error:
        raise ProgressError(str(error) if data else "the file is empty") from None


def discard(path: Path) -> None:
    """Remove a saved quiz the respondent has finished or chosen to start over."""
    path.unlink(missing_ok=True)


def keep_aside(path: Path) -> Path:
    """Rename an unreadable saved quiz out of the way (never delete it); its new name."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    n = 1
    while os.path.lexists(aside):
        n += 1
        aside = path.with_name(f"{path.name}.unreadable-{stamp}-{n}")
    os.rename(path, aside)
    return aside


def hold(path: Path) -> int | None:
    """Take the saved quiz at `path` for this process, until it ends: an advisory lock
    on `NAME.lock` beside it, which the system releases when the process ends, however
    it ends. The lock's descriptor; None where locking is not possible (no state
    directory can be made: then nothing can be saved either, so nothing can be lost).
    ProgressBusy if another quiz holds it. Once held, a temporary file left by a quiz
    killed while saving is removed.
    """
    try:
        import fcntl
    except ImportError:  # not on POSIX
        return None
    lock = path.with_name(path.name + ".lock")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ProgressBusy(str(path)) from None
    except OSError:  # a file system without locks
        os.close(fd)
        return None
    # Held: no other quiz is writing this save, so a temporary file beside it is one a
    # quiz killed mid-save (SIGKILL, power loss) could not remove.
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    return fd


class Restored(NamedTuple):
    session: Session
    #: The bank's hash differs from the one the quiz was saved with.
    bank_changed: bool
    #: Answers (including skips) carried over, and those dropped because their
    #: question or chosen option no longer exists.
    kept: int
    dropped: list[str]


def restore(saved: Saved, bank: Bank) -> Restored:
    """The saved quiz as a session on `bank` (the full bank), keeping what still fits."""
    chosen = form_bank(bank, saved.form)
    questions = {q.id for q in chosen.questions}
    answers, dropped = chosen.fitting(saved.answers)
    changed = saved.bank_sha256 != bank.sha256
    if saved.adaptive:
        order = [qid for qid in saved.order if qid in questions]
    else:
        order = [q.id for q in chosen.questions]
    if not changed and not dropped and order == saved.order:
        position = min(max(saved.position, 0), len(order))
    else:
        position = next((i for i, qid in enumerate(order) if qid not in answers), len(order))
    session = Session(
        bank=chosen,
        form=saved.form,
        adaptive=saved.adaptive,
        exact=saved.exact,
        order=order,
        position=position,
        answers=answers,
    )
    return Restored(session=session, bank_changed=changed, kept=len(answers), dropped=dropped)
