"""Lint a valid bank: what is legal but weakens the quiz.

Each finding names what it is about (a dimension, a question, an option) so the
CLI can point at the line that declares it. Linting scores the bank (is it centred?),
so it sits above both the bank and the scoring engine, not inside `pmfit.bank`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import msgspec

from pmfit.bank.model import Bank, Question
from pmfit.scoring.engine import score
from pmfit.text.literal import controls

KEYING_RANGE = (0.35, 0.65)
#: A respondent with no preference (on every question, the option nearest the middle)
#: should score within this many points of 0.
CENTRE_TOLERANCE = 2.0
#: Respondents at +MIRROR_AT and -MIRROR_AT should score within this many points of
#: each other's opposite.
MIRROR_AT = 0.2
MIRROR_TOLERANCE = 3.0
_NEGATION = {
    "en": re.compile(r"^(not|no|don't|do not|never|none)\b", re.IGNORECASE),
    "es": re.compile(r"^(no|nunca|ningún|ninguna|nada)\b", re.IGNORECASE),
}


@dataclass(frozen=True)
class Finding:
    subject: tuple[
        str, ...
    ]  # ("question", id) / ("question", id, "option", id) / ("dimension", id)
    message: str


def first_leans_b2b(question: Question) -> bool | None:
    """Whether the first-listed option leans B2B (None when it is neutral)."""
    lean = question.options[0].lean
    return None if lean == 0 else lean < 0


def keying_share(questions: list[Question]) -> float | None:
    """Share of keyed questions whose first option leans B2B."""
    keyed = [k for k in map(first_leans_b2b, questions) if k is not None]
    return sum(keyed) / len(keyed) if keyed else None


def nearest_options(question: Question, position: float) -> tuple[str, str]:
    """The option whose lean is nearest `position`, broken first one way then the other:
    the same id twice unless two options are equally near (one each side)."""
    distance = [abs(o.lean - position) for o in question.options]
    nearest = [
        o.id for o, d in zip(question.options, distance, strict=True) if d <= min(distance) + 1e-9
    ]
    return nearest[0], nearest[-1]


def positional_score(bank: Bank, position: float) -> float:
    """The score of a respondent who, on every question, picks the option whose lean is
    nearest `position` (-1 B2B ... +1 B2C). Where two options are equally near, each is
    taken half the time: the score is linear in each answer's lean, so the mean of the
    two tie-breaks is the expected score."""
    ties = [nearest_options(q, position) for q in bank.questions]
    one = {q.id: t[0] for q, t in zip(bank.questions, ties, strict=True)}
    other = {q.id: t[1] for q, t in zip(bank.questions, ties, strict=True)}
    return (score(bank, one).score + score(bank, other).score) / 2


def centring(bank: Bank, form: str) -> list[Finding]:
    """A bank is centred when a respondent with no preference scores about 0, and mild
    preferences either way score about the same distance from it; unbalanced leans
    among the options nearest the middle push everyone one way."""
    if not bank.questions:
        return []
    findings = []
    middle = positional_score(bank, 0.0)
    if abs(middle) > CENTRE_TOLERANCE:
        findings.append(
            Finding(
                ("bank",),
                f"centring ({form}): a respondent who picks the option nearest the middle "
                f"everywhere scores {middle:+.1f}; keep it within ±{CENTRE_TOLERANCE:g} by "
                "balancing the leans of each question's middle options",
            )
        )
    up, down = positional_score(bank, MIRROR_AT), positional_score(bank, -MIRROR_AT)
    if abs(up + down) > MIRROR_TOLERANCE:
        findings.append(
            Finding(
                ("bank",),
                f"centring ({form}): respondents at {MIRROR_AT:+g} and {-MIRROR_AT:+g} score "
                f"{up:+.1f} and {down:+.1f}; they should mirror within "
                f"{MIRROR_TOLERANCE:g} points",
            )
        )
    return findings


def lint(bank: Bank) -> list[Finding]:
    findings: list[Finding] = []
    for d in bank.dimensions:
        questions = [q for q in bank.questions if q.dimension == d.id]
        if not questions:
            findings.append(Finding(("dimension", d.id), f"dimension {d.id!r}: has no questions"))
            continue
        leans = [o.lean for q in questions for o in q.options]
        if not any(x < 0 for x in leans):
            findings.append(
                Finding(("dimension", d.id), f"dimension {d.id!r}: no option leans B2B (lean < 0)")
            )
        if not any(x > 0 for x in leans):
            findings.append(
                Finding(("dimension", d.id), f"dimension {d.id!r}: no option leans B2C (lean > 0)")
            )
    share = keying_share(bank.questions)
    if share is not None and not KEYING_RANGE[0] <= share <= KEYING_RANGE[1]:
        findings.append(
            Finding(
                ("bank",),
                f"keying: the first option leans B2B in {share:.0%} of "
                f"questions; keep it between 35% and 65%",
            )
        )
    for q in bank.questions:
        for o in q.options:
            for lang, pattern in _NEGATION.items():
                if pattern.match(o.label.get(lang)):
                    findings.append(
                        Finding(
                            ("question", q.id, "option", o.id),
                            f"question {q.id!r} option {o.id!r}: label ({lang}) is "
                            f"worded as a negation; state the other side positively",
                        )
                    )
        if not any(o.lean < 0 for o in q.options) or not any(o.lean > 0 for o in q.options):
            findings.append(
                Finding(
                    ("question", q.id),
                    f"question {q.id!r}: needs an option on each side (a lean < 0 and a lean > 0)",
                )
            )
    findings += _control_characters(bank)
    by_id = {q.id: q for q in bank.questions}
    for first, second in bank.pairs:
        a, b = by_id[first], by_id[second]
        if a.dimension != b.dimension:
            findings.append(
                Finding(
                    ("pair", first), f"pair {first!r}/{second!r}: questions of different dimensions"
                )
            )
        if first_leans_b2b(a) == first_leans_b2b(b):
            findings.append(
                Finding(
                    ("pair", first),
                    f"pair {first!r}/{second!r}: keyed the same way; a pair asks "
                    f"from opposite sides",
                )
            )
    findings += centring(bank, "full form")
    if any(q.short for q in bank.questions):
        findings += centring(bank.short_form(), "short form")
    return findings


def _strings(
    value: object, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def thread_controls(text: str) -> list[tuple[int, str]]:
    """Each line of the thread holding a control character or a bidi override, with its
    warning: quotes are checked against the thread, so what it hides, they can hide."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        shown = controls(line)
        if shown:
            found.append(
                (
                    number,
                    f"the thread contains {', '.join(dict.fromkeys(shown))} "
                    f"(control characters or bidi overrides); pmfit shows them escaped",
                )
            )
    return found


def _control_characters(bank: Bank) -> list[Finding]:
    """Every text of the bank holding a control character or a bidi override: pmfit
    shows them escaped, so they only garble the quiz (or hide what a text says)."""
    findings = []
    raw = msgspec.to_builtins(bank)
    for path, text in _strings(raw):
        found = controls(text)
        if not found:
            continue
        subject: tuple[str, ...] = ("bank",)
        rest = path
        if path[:1] == ("questions",) and isinstance(path[1], int):
            question = bank.questions[path[1]]
            subject, rest = ("question", question.id), path[2:]
            if rest[:1] == ("options",) and isinstance(rest[1], int):
                subject = (*subject, "option", question.options[rest[1]].id)
                rest = rest[2:]
        elif path[:1] == ("dimensions",) and isinstance(path[1], int):
            subject, rest = ("dimension", bank.dimensions[path[1]].id), path[2:]
        name = " ".join(f"{k} {v!r}" for k, v in zip(subject[::2], subject[1::2], strict=False))
        field = ".".join(str(p) for p in rest)
        findings.append(
            Finding(
                subject,
                f"{name or 'bank'}: {field} contains {', '.join(dict.fromkeys(found))} "
                f"(control characters or bidi overrides); pmfit shows them escaped",
            )
        )
    return findings
