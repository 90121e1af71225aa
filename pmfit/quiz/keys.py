"""What a typed line means at a question.

At a terminal a number answers and letters are commands (`b` back, `s` skip,
`?` why, `q` save and quit, `h` help); Enter keeps an earlier answer. Read from
a pipe, a line is an option's number or id and a blank line skips, so that a
file of answers needs no commands (and option `b` is not mistaken for back).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pmfit.bank.model import Question

Command = Literal["back", "skip", "why", "quit", "help", "keep"]

_COMMANDS: dict[str, Command] = {
    "b": "back",
    "back": "back",
    "s": "skip",
    "skip": "skip",
    "?": "why",
    "why": "why",
    "q": "quit",
    "quit": "quit",
    "h": "help",
    "help": "help",
}


class Answer(NamedTuple):
    option: str


class Do(NamedTuple):
    command: Command


class Invalid(NamedTuple):
    """Not an answer or a command; `blank` when nothing was typed."""

    typed: str
    blank: bool = False


Action = Answer | Do | Invalid


def _number(text: str, question: Question) -> str | None:
    if text.isascii() and text.isdigit():
        n = int(text)
        if 1 <= n <= len(question.options):
            return question.options[n - 1].id
    return None


def interactive(line: str, question: Question, has_previous: bool) -> Action:
    """A line typed at a terminal."""
    text = line.strip().lower()
    if not text:
        return Do("keep") if has_previous else Invalid(line, blank=True)
    option = _number(text, question)
    if option is not None:
        return Answer(option)
    command = _COMMANDS.get(text)
    return Do(command) if command else Invalid(line)


def piped(line: str, question: Question) -> Action:
    """A line read from a pipe or file: an option id or number; blank skips."""
    text = line.strip()
    if not text:
        return Do("skip")
    for o in question.options:
        if o.id == text:
            return Answer(o.id)
    option = _number(text, question)
    return Answer(option) if option is not None else Invalid(line)
