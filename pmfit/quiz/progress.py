"""An unfinished quiz, saved after every answer so that it can be resumed.

One JSON file per bank id and form, in the platform's user state directory
(XDG_STATE_HOME on Linux). It records the bank's hash, so that a quiz saved
against another version of the bank resumes with the answers that still fit:
those whose question, and chosen option, still exist.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Literal, NamedTuple

import msgspec

from pmfit.bank.model import Bank
from pmfit.fileio import atomic_write_bytes
from pmfit.quiz.session import Form, Session, form_bank

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


class ProgressError(Exception):
    """A saved quiz that cannot be read (damaged, or from another pmfit)."""


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
    atomic_write_bytes(path, data, make_parents=True)


def load(path: Path) -> Saved | None:
    """The saved quiz at `path`; None if there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ProgressError(error.strerror or str(error)) from None
    try:
        saved = msgspec.json.decode(data, type=Saved)
    except msgspec.DecodeError as error:
        raise ProgressError(str(error)) from None
    if saved.version != PROGRESS_VERSION:
        raise ProgressError(f"saved by another version of pmfit (format {saved.version})")
    return saved


def discard(path: Path) -> None:
    path.unlink(missing_ok=True)


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
