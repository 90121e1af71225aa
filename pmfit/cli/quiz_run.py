"""The quiz's two loops: at a terminal (keys, saving, resuming) and from a pipe.

Lines are read whole (type, then Enter): that works the same in any terminal,
under a screen reader, in a pseudo-terminal and from a pipe.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from pmfit.cli.environment import Environment
from pmfit.errors import AnswersError, InputError, Problem
from pmfit.exit_status import ExitStatus
from pmfit.i18n import t
from pmfit.limits import MAX_ROW_BYTES
from pmfit.quiz import keys
from pmfit.quiz.progress import (
    ProgressBusy,
    ProgressError,
    Restored,
    discard,
    hold,
    keep_aside,
    load,
    progress_path,
    restore,
    save,
)
from pmfit.quiz.session import Form, Session, form_bank

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from pmfit.bank.model import Bank


class Options(NamedTuple):
    form: Form
    adaptive: bool
    exact: bool
    restart: bool
    lang: str | None
    json: bool
    save: str | None
    plain: bool
    bank_path: str | None
    resume_command: str


class _Quit(Exception):
    """The respondent asked to stop (q, or end of input at a terminal)."""


def _read(stream: IO[str]) -> str | None:
    # Bounded: a line longer than any answer (a pasted file, /dev/zero) is cut here and
    # refused by the piped quiz; a terminal's own line limit is far smaller.
    line = stream.readline(MAX_ROW_BYTES + 1)
    return None if line == "" else line


def _edit_line() -> str | None:
    """A line typed at the terminal with readline's editing: arrows move, backspace and
    Ctrl-A/E work, up recalls an earlier answer, instead of escape codes in the line.

    Python's input() edits only when its stdin and stdout are the terminal; with
    `pmfit quiz --json > me.json` stdout is a file, so the terminal (stderr) stands in
    for fd 1 while the line is read, and the file is put back at once."""
    import os

    try:
        import readline
    except ImportError:  # no GNU readline here (Windows: its console edits lines itself)
        readline = None  # type: ignore[assignment]
    if readline is not None:
        # Keep the screen free of mode switches: no bracketed-paste or meta-key codes.
        readline.parse_and_bind("set enable-bracketed-paste off")
        readline.parse_and_bind("set enable-meta-key off")
    sys.stdout.flush()
    swap = not os.isatty(1) and os.isatty(2)
    saved = os.dup(1) if swap else None
    if saved is not None:
        os.dup2(2, 1)
    try:
        return input() + "\n"
    except EOFError:
        return None
    finally:
        if saved is not None:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


class Terminal:
    """One quiz at a terminal: the session, where it is saved, how it talks."""

    def __init__(self, env: Environment, options: Options, bank: Bank, ui: Console) -> None:
        self.env = env
        self.options = options
        self.bank = bank
        self.ui = ui
        self.lang = options.lang or env.language
        self.path = progress_path(bank.id, options.form, options.adaptive, exact=options.exact)
        self.session: Session | None = None
        #: Why the last save failed (None: saved, or nothing to save yet).
        self.unsaved: str | None = None
        #: Why nothing may be saved at all this time (an unreadable save left in place).
        self.no_saving: str | None = None
        self.lock: int | None = None

    def read(self) -> str | None:
        """A line typed at the terminal; None at its end (Ctrl-D). Editable (arrows,
        Delete, history) when stdin is the process's real terminal."""
        import errno

        try:
            if self.env.stdin is sys.stdin and sys.stdin.isatty():
                return _edit_line()
            return _read(self.env.stdin)
        except OSError as error:
            if error.errno == errno.EIO:  # the terminal has hung up: SIGHUP is on its way
                from pmfit.interrupts import Terminated

                raise Terminated(signal.SIGHUP) from None
            raise

    def say(self, renderable: RenderableType | str, end: str = "\n") -> None:
        from rich.text import Text

        self.ui.print(Text(renderable) if isinstance(renderable, str) else renderable, end=end)
        self.ui.file.flush()

    def save(self) -> bool:
        """Save the progress; if that fails, say once where and why, and go on: the
        answers stay in memory and the next answer tries again. Whether it is saved."""
        from pmfit.writing import WriteError

        if self.session is None:
            return True
        reason = self.no_saving
        if reason is None:
            try:
                save(self.session, self.lang, self.path, self.bank.sha256)
            except WriteError as error:
                reason = error.reason
            except OSError as error:
                reason = error.strerror or str(error)
        if reason is not None and reason != self.unsaved:
            self.say(t("quiz.save_failed", self.lang, path=self.path, reason=reason))
        elif reason is None and self.unsaved is not None:
            self.say(t("quiz.save_again", self.lang, path=self.path))
        self.unsaved = reason
        return reason is None

    def release(self) -> None:
        if self.lock is not None:
            import os

            os.close(self.lock)
            self.lock = None

    def open(self) -> bool:
        """Start or resume; False if the respondent quit at the resume offer."""
        from pmfit.render.quiz_view import welcome

        try:
            self.lock = hold(self.path)
        except ProgressBusy:
            raise InputError(
                [
                    Problem(
                        str(self.path),
                        None,
                        None,
                        t("quiz.busy", self.lang, command=self.options.resume_command),
                    )
                ]
            ) from None
        if self.options.restart:
            discard(self.path)
        else:
            try:
                saved = load(self.path)
            except ProgressError as error:
                self._keep_aside(str(error))
                saved = None
            if saved is not None:
                if self.options.lang is None:
                    self.lang = saved.lang if saved.lang in ("en", "es") else self.lang
                self.say(
                    t(
                        "quiz.resume",
                        self.lang,
                        answered=len(saved.answers),
                        total=len(form_bank(self.bank, saved.form).questions),
                        when=saved.saved_at.replace("T", " ").replace("+00:00", " UTC"),
                    )
                )
                choice = self._offer()
                if choice == "quit":
                    return False
                if choice == "resume":
                    self._resume(restore(saved, self.bank))
                    return True
                discard(self.path)
        self.session = Session.start(
            self.bank, self.options.form, self.options.adaptive, self.options.exact
        )
        self.say(welcome(self.bank, self.session, self.lang, self.options.plain))
        return True

    def _keep_aside(self, reason: str) -> None:
        try:
            aside = keep_aside(self.path)
        except OSError as error:
            why = error.strerror or str(error)
            self.no_saving = t("quiz.not_moved", self.lang, reason=why)
            self.env.error(
                t("quiz.unreadable_kept", self.lang, path=self.path, reason=reason, why=why)
            )
            return
        self.env.error(t("quiz.unreadable", self.lang, path=self.path, reason=reason, aside=aside))

    def _offer(self) -> str:
        while True:
            self.say(t("quiz.resume.ask", self.lang), end="")
            line = self.read()
            if line is None:
                return "quit"
            typed = line.strip().lower()
            if typed == "":
                return "resume"
            if typed in ("r", "restart", "n", "new"):
                return "restart"
            if typed in ("q", "quit"):
                return "quit"
            self.say(t("quiz.resume.hint", self.lang))

    def _resume(self, restored: Restored) -> None:
        self.session = restored.session
        if restored.bank_changed:
            self.say(t("quiz.bank_changed", self.lang, kept=restored.kept))
        if restored.dropped:
            self.say(
                t(
                    "quiz.bank_dropped",
                    self.lang,
                    count=len(restored.dropped),
                    questions=", ".join(restored.dropped),
                )
            )
        self.say(t("quiz.resumed", self.lang, n=self.session.number))

    def offer_more(self) -> bool:
        """After a short form that ends too close to call, offer the rest of the full quiz;
        True if the respondent takes it (the session then continues into the full bank)."""
        session = self.session
        assert session is not None
        if session.form != "short":
            return False
        if session.result().recommendation != "too_close":
            return False
        rest = [q.id for q in self.bank.questions if q.id not in session.answers]
        if not rest:
            return False
        while True:
            self.say(t("quiz.continue", self.lang, rest=len(rest)), end="")
            line = self.read()
            if line is None:
                self.say("")
                return False
            typed = line.strip().lower()
            if typed in ("", "y", "yes", "s", "si", "sí"):
                break
            if typed in ("r", "n", "no", "q"):
                return False
            self.say(t("quiz.continue.hint", self.lang))
        discard(self.path)
        self.session = session.continued(self.bank)
        self.path = progress_path(self.bank.id, "full", session.adaptive, exact=session.exact)
        self.save()
        return True

    def run(self) -> None:
        """Ask until the quiz is over; _Quit when the respondent stops."""
        from pmfit.render.quiz_view import hint, prompt_text, question_view, why_view

        session = self.session
        assert session is not None
        plain = self.options.plain
        quitting = False
        while (question := session.current()) is not None:
            self.say(question_view(session, question, self.lang, plain))
            if session.adaptive:
                self.save()  # it has just chosen its next question: resume on that one
            while True:
                self.say(prompt_text(question, self.lang), end="")
                line = self.read()
                if line is None:
                    self.say("")
                    raise _Quit
                action = keys.interactive(line, question, session.reached())
                last = len(question.options)
                if isinstance(action, keys.Answer):
                    session.answer(action.option)
                elif isinstance(action, keys.Invalid):
                    key = "quiz.hint.blank" if action.blank else "quiz.hint"
                    self.say(hint(t(key, self.lang, typed=line.strip(), last=last), plain))
                    continue
                elif action.command == "keep":
                    session.answer(session.previous_answer())
                elif action.command == "skip":
                    session.answer(None)
                    self.say(t("quiz.skipped", self.lang))
                elif action.command == "back":
                    if not session.back():
                        self.say(hint(t("quiz.first", self.lang), plain))
                        continue
                elif action.command == "why":
                    self.say(why_view(self.bank, question, self.lang, plain))
                    continue
                elif action.command == "help":
                    self.say(t("quiz.keys", self.lang))
                    continue
                else:  # quit
                    if quitting or self.save():
                        raise _Quit
                    # Not saved: quitting now would lose the answers. Say so; q again quits.
                    self.say(t("quiz.quit_unsaved", self.lang))
                    quitting = True
                    continue
                self.save()
                quitting = False
                break


def run_terminal(env: Environment, options: Options) -> int:
    from pmfit.bank.loading import load_bank

    bank = load_bank(options.bank_path)
    # The interface goes to the terminal: stderr, unless only stdout is one.
    on_stdout = not env.is_tty("stderr") and env.is_tty("stdout") and not options.json
    ui = env.console(stderr=not on_stdout, plain=options.plain)
    terminal = Terminal(env, options, bank, ui)
    try:
        return _run_held(env, options, terminal, ui if options.json or on_stdout else None)
    finally:
        terminal.release()


def _run_held(env: Environment, options: Options, terminal: Terminal, card: Console | None) -> int:
    from pmfit.interrupts import exit_status, hold_off

    try:
        if not terminal.open():
            return ExitStatus.OK
        terminal.run()
        while terminal.offer_more():
            terminal.run()
    except _Quit:
        hold_off()  # the last save is not to be cut short
        with contextlib.suppress(OSError):
            if terminal.save():
                terminal.say(t("quiz.saved", terminal.lang, command=options.resume_command))
            else:
                terminal.say(_unsaved(terminal))
        return ExitStatus.OK
    except KeyboardInterrupt as interrupt:
        hold_off()
        # After SIGHUP the terminal is gone: saving matters, telling cannot fail the exit.
        with contextlib.suppress(OSError):
            saved = terminal.save()
            terminal.say("")
            if terminal.session is None:
                message = "pmfit: interrupted"
            elif saved:
                message = t("quiz.interrupted", terminal.lang, command=options.resume_command)
            else:
                message = _unsaved(terminal)
            terminal.say(message)
        return exit_status(interrupt)
    session = terminal.session
    assert session is not None
    with contextlib.suppress(OSError):  # finished: a stale save is only offered again
        discard(terminal.path)
    if session.stop is None:
        terminal.say("")
        terminal.say(t("quiz.done", terminal.lang))
    _finish(env, options, session, terminal.lang, card)
    return ExitStatus.OK


def _unsaved(terminal: Terminal) -> str:
    """The answers that could not be saved, as a command that scores them."""
    import shlex

    assert terminal.session is not None
    given = [f"{qid}={oid}" for qid, oid in terminal.session.answers.items() if oid is not None]
    command = ["pmfit", "score"]
    if terminal.options.bank_path is not None:
        command += ["--bank", terminal.options.bank_path]
    for answer in given:
        command += ["--answer", answer]
    return t(
        "quiz.not_saved",
        terminal.lang,
        path=terminal.path,
        reason=terminal.unsaved,
        command=shlex.join(command),
    )


def run_piped(env: Environment, options: Options) -> int:
    """One answer per line from stdin (number or option id; blank skips) until the quiz
    ends or the input does; saved progress is neither read nor written."""
    from pmfit.answers import answer_problems, row_too_long
    from pmfit.bank.loading import load_bank

    bank = load_bank(options.bank_path)
    session = Session.start(bank, options.form, options.adaptive, options.exact)
    lang = options.lang or env.language
    number = 0
    while (question := session.current()) is not None:
        line = _read(env.stdin)
        if line is None:
            break
        number += 1
        if len(line) > MAX_ROW_BYTES:
            raise AnswersError([row_too_long("<stdin>", number)])
        action = keys.piped(line, question)
        if isinstance(action, keys.Answer):
            session.answer(action.option)
        elif isinstance(action, keys.Do):
            session.answer(None)
        else:
            # The words `pmfit score` uses for the same answer (and the numbers a quiz takes).
            reason = answer_problems(bank, question.id, line.strip(), numbered=True)
            raise AnswersError(
                [Problem("<stdin>", number, None, f"answers.{question.id}: {reason}")]
            )
    # With --json the card is for a person: shown only if stderr is a terminal.
    if options.json:
        terminal = env.console(stderr=True, plain=options.plain) if env.is_tty("stderr") else None
        _finish(env, options, session, lang, terminal, show_card=terminal is not None)
    else:
        _finish(env, options, session, lang, None)
    return ExitStatus.OK


def _finish(
    env: Environment,
    options: Options,
    session: Session,
    lang: str,
    terminal: Console | None,
    show_card: bool = True,
) -> None:
    """The stop note, the result card (on the `terminal` console if given, else stdout),
    the JSON, the saved card."""
    from pmfit.render.result_view import result_view

    bank = session.bank
    result = session.result()
    out = terminal if terminal is not None else env.console(plain=options.plain)
    to_terminal = terminal is not None or env.is_tty("stdout")
    if session.stop is not None:
        stop = session.stop
        note = t(
            "quiz.stopped" if stop.kind == "exact" else "quiz.stopped.predictive",
            lang,
            asked=stop.asked,
            total=stop.total,
            rest=stop.total - stop.asked,
            low=stop.reach.low,
            high=stop.reach.high,
        )
        if show_card and to_terminal:
            from rich.text import Text

            out.print(Text("\n" + note))
        else:
            env.error(note)
    if show_card:
        if to_terminal:
            out.print("")
        out.print(result_view(result, bank, lang, plain=options.plain, width=out.width))
        if to_terminal:
            from pmfit.render.quiz_view import summary_line

            out.print("")
            out.print(summary_line(result, lang, options.plain))
    if options.json:
        from pmfit.render.json import result_json

        env.stdout.write(result_json(result))
        env.stdout.flush()
    if options.save:
        _save_card(env, options, result_view(result, bank, lang, plain=options.plain), lang)


def _save_card(env: Environment, options: Options, card: RenderableType, lang: str) -> None:
    from pmfit.render.card_files import card_file
    from pmfit.writing import write_file

    assert options.save is not None
    suffix = Path(options.save).suffix.lower()
    text = card_file(card, suffix, lang, options.plain)
    write_file(options.save, text.encode("utf-8"))
    env.error(t("quiz.wrote", lang, path=options.save))
