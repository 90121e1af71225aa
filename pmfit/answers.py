"""Answer sheets: `{"respondent": "...", "answers": {question_id: option_id}}` in YAML or JSON.

A blank answer (null or empty) means skipped. Every problem is reported with its
file, line and field; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from pmfit.bank.model import Bank, Question
from pmfit.errors import AnswersError, InputError, Problem, merge_problems
from pmfit.fileio import decode_text
from pmfit.limits import MAX_ECHO_CHARS, MAX_ROW_BYTES, shown
from pmfit.located import Located, load_json, load_yaml

ALLOWED_KEYS = ("respondent", "answers")


class AnswerSheet(NamedTuple):
    respondent: str | None
    answers: dict[str, str | None]


def scalar_text(value: Any) -> str | None:
    """A scalar as the text the user wrote: the loaders keep YAML and JSON scalars as
    text, and JSON's `true`/`false` are spelled back. None for null; TypeError for a
    mapping or a list."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, (str, int, float)):
        raise TypeError(value)
    return str(value)


def _option_text(value: Any) -> str | None:
    text = scalar_text(value)
    return None if text is None else text.strip() or None


def _field(qid: str) -> str:
    return qid if len(qid) <= MAX_ECHO_CHARS else shown(qid)


def answer_problems(
    bank: Bank, qid: str, option: str | None, *, numbered: bool = False
) -> str | None:
    """Why `qid: option` does not fit the bank, or None when it does. `numbered`: the
    options' numbers are allowed too (the quiz)."""
    known = {q.id: q for q in bank.questions}
    question = known.get(qid)
    if question is None:
        return "unknown question (`pmfit template` lists the ids)"
    if option is not None and option not in {o.id for o in question.options}:
        allowed = ", ".join(o.id for o in question.options)
        if numbered:
            allowed = f"{allowed}, a number 1-{len(question.options)}"
        return f"unknown option {shown(option)} (allowed: {allowed}, or blank to skip)"
    return None


def _typed_option(question: Question, typed: str) -> str | None:
    """The option id that `typed` names: its id (any case) or its number, 1 first."""
    for o in question.options:
        if o.id.lower() == typed.lower():
            return o.id
    if (
        typed.isascii()
        and typed.isdigit()
        and len(typed) < 10
        and 1 <= int(typed) <= len(question.options)
    ):
        return question.options[int(typed) - 1].id
    return None


def sheet_from_document(bank: Bank, doc: Located, base: tuple[str | int, ...] = ()) -> AnswerSheet:
    """Validate one located answers object against the bank."""
    value = doc.value
    for part in base:
        value = value[part]
    if not isinstance(value, dict):
        raise AnswersError(
            [doc.problem(base, "expected a mapping with 'answers' (and optionally 'respondent')")]
        )
    problems: list[Problem] = []
    for key in value:
        if key not in ALLOWED_KEYS:
            problems.append(
                doc.problem(
                    (*base, key),
                    f"unknown field {shown(key)} (allowed: {', '.join(ALLOWED_KEYS)})",
                    key=True,
                )
            )
    try:
        respondent = scalar_text(value.get("respondent"))
    except TypeError:
        problems.append(doc.problem((*base, "respondent"), "respondent: must be text"))
        respondent = None
    raw = value.get("answers", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(
            doc.problem(
                (*base, "answers"), "answers: must be a mapping of question id to option id"
            )
        )
        raw = {}
    answers: dict[str, str | None] = {}
    for qid, option in raw.items():
        where = (*base, "answers", qid)
        try:
            text = _option_text(option)
        except TypeError:
            problems.append(
                doc.problem(where, f"answers.{_field(qid)}: must be an option id or blank")
            )
            continue
        reason = answer_problems(bank, qid, text)
        if reason:
            problems.append(
                doc.problem(
                    where,
                    f"answers.{_field(qid)}: {reason}",
                    key=reason.startswith("unknown question"),
                )
            )
            continue
        answers[qid] = text
    if problems or doc.problems:
        error = AnswersError(merge_problems(doc.problems, problems))
        error.respondent = respondent
        raise error
    return AnswerSheet(respondent, answers)


def parse_sheet(data: bytes, file: str, kind: str, *, marks: bool) -> Located:
    """One answer sheet's bytes as a located document, the one way every input reads
    one: `pmfit score`, each batch row (JSONL line, JSON array item, YAML document) and
    `pmfit report` from answers. `kind` is "json", "yaml" or "auto" (by name and first
    character). Raises InputError, naming the limit, for a sheet pmfit does not read."""
    if len(data) > MAX_ROW_BYTES:
        raise InputError([row_too_long(file)])
    text = decode_text(data, file)
    if kind == "json" or (
        kind == "auto" and (file.endswith(".json") or text.lstrip()[:1] in ("{", "["))
    ):
        return load_json(text, file, marks=marks)
    return load_yaml(text, file, text_scalars=True)


def row_too_long(file: str, line: int | None = None) -> Problem:
    return Problem(
        file,
        line,
        None,
        f"longer than {MAX_ROW_BYTES:,} bytes (an answer sheet or row is at most that)",
    )


def sheet_from_pairs(
    bank: Bank, pairs: Iterable[str], respondent: str | None = None
) -> AnswerSheet:
    """`--answer QID=OPTION` options, each checked; a question given twice is an error.
    Typed by hand, so OPTION may be an option's id in any case or its number."""
    problems: list[Problem] = []
    answers: dict[str, str | None] = {}
    for pair in pairs:
        qid, sep, option = pair.partition("=")
        qid, option = qid.strip(), option.strip()
        if not sep or not qid:
            problems.append(
                Problem(
                    "--answer",
                    None,
                    None,
                    f"{shown(pair)}: expected QUESTION=OPTION (OPTION blank to skip)",
                )
            )
            continue
        if qid in answers:
            problems.append(Problem("--answer", None, None, f"{_field(qid)}: duplicate answer"))
            continue
        question = next((q for q in bank.questions if q.id == qid), None)
        chosen = _typed_option(question, option) if question is not None and option else None
        if question is not None and option and chosen is None:
            reason = answer_problems(bank, qid, option, numbered=True)
            problems.append(Problem("--answer", None, None, f"{_field(qid)}: {reason}"))
            continue
        reason = answer_problems(bank, qid, chosen)
        if reason:
            problems.append(Problem("--answer", None, None, f"{_field(qid)}: {reason}"))
            continue
        answers[qid] = chosen
    if problems:
        raise AnswersError(problems)
    return AnswerSheet(respondent, answers)
