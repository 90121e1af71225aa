"""Answer sheets: `{"respondent": "...", "answers": {question_id: option_id}}` in YAML or JSON.

A blank answer (null or empty) means skipped. Every problem is reported with its
file, line and field; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from pmfit.bank.model import Bank, Question
from pmfit.errors import AnswersError, Problem, merge_problems
from pmfit.located import Located

ALLOWED_KEYS = ("respondent", "answers")


class AnswerSheet(NamedTuple):
    respondent: str | None
    answers: dict[str, str | None]


def _option_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(value)
    return str(value).strip() or None


def answer_problems(bank: Bank, qid: str, option: str | None) -> str | None:
    """Why `qid: option` does not fit the bank, or None when it does."""
    known = {q.id: q for q in bank.questions}
    question = known.get(qid)
    if question is None:
        return "unknown question (`pmfit template` lists the ids)"
    if option is not None and option not in {o.id for o in question.options}:
        allowed = ", ".join(o.id for o in question.options)
        return f"unknown option {option!r} (allowed: {allowed}, or blank to skip)"
    return None


def _typed_option(question: Question, typed: str) -> str | None:
    """The option id that `typed` names: its id (any case) or its number, 1 first."""
    for o in question.options:
        if o.id.lower() == typed.lower():
            return o.id
    if typed.isascii() and typed.isdigit() and 1 <= int(typed) <= len(question.options):
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
                    f"unknown field {key!r} (allowed: {', '.join(ALLOWED_KEYS)})",
                    key=True,
                )
            )
    respondent = value.get("respondent")
    if respondent is not None and not isinstance(respondent, (str, int)):
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
            problems.append(doc.problem(where, f"answers.{qid}: must be an option id or blank"))
            continue
        reason = answer_problems(bank, qid, text)
        if reason:
            problems.append(
                doc.problem(
                    where, f"answers.{qid}: {reason}", key=reason.startswith("unknown question")
                )
            )
            continue
        answers[qid] = text
    if problems or doc.problems:
        raise AnswersError(merge_problems(doc.problems, problems))
    return AnswerSheet(None if respondent is None else str(respondent), answers)


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
                    f"{pair!r}: expected QUESTION=OPTION (OPTION blank to skip)",
                )
            )
            continue
        if qid in answers:
            problems.append(Problem("--answer", None, None, f"{qid}: duplicate answer"))
            continue
        question = next((q for q in bank.questions if q.id == qid), None)
        chosen = _typed_option(question, option) if question is not None and option else None
        if question is not None and option and chosen is None:
            allowed = ", ".join(o.id for o in question.options)
            problems.append(
                Problem(
                    "--answer",
                    None,
                    None,
                    f"{qid}: unknown option {option!r} (allowed: {allowed}, a number "
                    f"1-{len(question.options)}, or blank to skip)",
                )
            )
            continue
        reason = answer_problems(bank, qid, chosen)
        if reason:
            problems.append(Problem("--answer", None, None, f"{qid}: {reason}"))
            continue
        answers[qid] = chosen
    if problems:
        raise AnswersError(problems)
    return AnswerSheet(respondent, answers)
