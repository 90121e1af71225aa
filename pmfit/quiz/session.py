"""One quiz in progress: which questions, in what order, where we are, what was answered.

A linear quiz walks the form's questions in bank order. An adaptive one asks the
questions that weigh most first, and stops once the result so far is decided and
either the exact bound (`pmfit.quiz.bound`) shows that no way of answering or
skipping the rest could move the score off its side of the band, or its
confidence is at least STOP_CONFIDENCE, at which the rest changes it for fewer
than 1 in 20 simulated respondents like this one (`pmfit bank simulate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from pmfit.bank.model import Bank, Question

if TYPE_CHECKING:
    from pmfit.quiz.bound import Reach
    from pmfit.scoring.result import Result

Form = Literal["full", "short"]


def form_bank(bank: Bank, form: Form) -> Bank:
    return bank.short_form() if form == "short" else bank


def _share(bank: Bank, question: Question) -> float:
    """The question's most possible pull on a complete quiz: its part of the weight, times
    the spread of its leans."""
    weight = next(d.weight for d in bank.dimensions if d.id == question.dimension)
    total = sum(d.weight for d in bank.dimensions)
    siblings = sum(1 for q in bank.questions if q.dimension == question.dimension)
    spread = max(o.lean for o in question.options) - min(o.lean for o in question.options)
    return weight / total / siblings * spread


def adaptive_order(bank: Bank) -> list[str]:
    """The adaptive quiz's order: the questions that weigh most in the full score first,
    ties in bank order. Every answer tells as much about the respondent's position; the
    heaviest settle most of the score."""
    ranked = sorted(enumerate(bank.questions), key=lambda item: (-_share(bank, item[1]), item[0]))
    return [q.id for _, q in ranked]


#: The predictive stop: a decided result this probable is changed by the rest of the
#: quiz for fewer than 1 in 20 simulated respondents like this one (`pmfit bank simulate`).
STOP_CONFIDENCE = 0.97


class Stop(NamedTuple):
    """An adaptive quiz that ended early: after `asked` of `total`, why, and the reach of
    the rest."""

    asked: int
    total: int
    reach: Reach
    #: "exact": the result so far is decided and no completion can move the score off
    #: its side of the band; "predictive": the result so far is decided with at least
    #: STOP_CONFIDENCE.
    kind: Literal["exact", "predictive"] = "exact"
    confidence: float = 1.0


class Session:
    def __init__(
        self,
        bank: Bank,
        form: Form = "full",
        adaptive: bool = False,
        order: list[str] | None = None,
        position: int = 0,
        answers: dict[str, str | None] | None = None,
        exact: bool = False,
    ) -> None:
        self.bank = bank  # the form's bank: the full bank or its short form
        self.form: Form = form
        self.adaptive = adaptive
        #: Adaptive only: stop by the exact bound alone, never by the predictive rule.
        self.exact = exact
        #: The questions in the order they are asked. Linear: all of them. Adaptive: those
        #: asked so far (the last may be the one on screen, not yet answered).
        self.order = [] if order is None else order
        self.position = position
        #: Question id -> option id, or None for a skipped question. Only questions reached.
        self.answers: dict[str, str | None] = {} if answers is None else answers
        #: Set when an adaptive quiz ends early: how far it got and the reach of the rest.
        self.stop: Stop | None = None

    @classmethod
    def start(
        cls, bank: Bank, form: Form = "full", adaptive: bool = False, exact: bool = False
    ) -> Session:
        chosen = form_bank(bank, form)
        order = [] if adaptive else [q.id for q in chosen.questions]
        return cls(bank=chosen, form=form, adaptive=adaptive, order=order, exact=exact)

    @property
    def total(self) -> int:
        return len(self.bank.questions)

    def current(self) -> Question | None:
        """The question on screen; None when the quiz is over (every question reached,
        or, adaptively, once the rest could no longer change the recommendation)."""
        if self.position < len(self.order):
            return self.bank.question(self.order[self.position])
        if not self.adaptive:
            return None
        # Deferred: a linear quiz never needs the bound (or the engine) to start.
        from pmfit.quiz.bound import reach

        self.stop = None
        chosen = next((q for q in adaptive_order(self.bank) if q not in self.order), None)
        if chosen is None:
            return None
        if self.answers:
            bound = reach(self.bank, self.answers)
            result = self.result()
            decided = result.recommendation in ("B2B", "either", "B2C")
            if self.exact and bound.decided is not None and bound.decided == result.recommendation:
                # Exact: no completion moves the score off the side the result states.
                self.stop = Stop(asked=len(self.order), total=self.total, reach=bound)
                return None
            if decided and not self.exact and result.confidence >= STOP_CONFIDENCE:
                self.stop = Stop(
                    asked=len(self.order),
                    total=self.total,
                    reach=bound,
                    kind="predictive",
                    confidence=result.confidence,
                )
                return None
        self.order.append(chosen)
        return self.bank.question(chosen)

    def continued(self, bank: Bank) -> Session:
        """This short form's answers carried into the full quiz of `bank`: the questions
        answered so far come first (already reached), then the rest of the full form, in
        bank order or, adaptively, as the adaptive quiz picks them."""
        asked = [q for q in self.order if q in self.answers]
        if self.adaptive:
            return Session(
                bank,
                "full",
                True,
                order=asked,
                position=len(asked),
                answers=dict(self.answers),
                exact=self.exact,
            )
        rest = [q.id for q in bank.questions if q.id not in self.answers]
        return Session(
            bank, "full", False, order=asked + rest, position=len(asked), answers=dict(self.answers)
        )

    def previous_answer(self) -> str | None:
        """The option already chosen for the question on screen, if any."""
        if self.position >= len(self.order):
            return None
        return self.answers.get(self.order[self.position])

    def reached(self) -> bool:
        """Whether the question on screen was answered or skipped before."""
        return self.position < len(self.order) and self.order[self.position] in self.answers

    def answer(self, option_id: str | None) -> None:
        """Answer (or, with None, skip) the question on screen and move on."""
        question = self.current()
        if question is None:
            raise IndexError("the quiz is over")
        if option_id is not None and option_id not in {o.id for o in question.options}:
            raise ValueError(f"{question.id}: no option {option_id!r}")
        self.answers[question.id] = option_id
        self.position += 1

    def back(self) -> bool:
        """Step back to the previous question; False at the first."""
        if self.position == 0:
            return False
        self.position -= 1
        return True

    @property
    def number(self) -> int:
        """1-based number of the question on screen."""
        return self.position + 1

    def answered_count(self) -> int:
        return sum(1 for v in self.answers.values() if v is not None)

    def result(self) -> Result:
        """The result so far, on the form's whole bank: what the answers say about the full
        quiz. An adaptive quiz counts as skipped only the questions it asked."""
        from pmfit.scoring.engine import score

        return score(self.bank, self.answers, asked=set(self.answers) if self.adaptive else None)


READING_WORDS_PER_MINUTE = 240  # a typical adult silent-reading pace
SECONDS_TO_DECIDE = 8


def estimated_minutes(questions: list[Question], lang: str) -> int:
    """About how long the questions take: reading the prompt and options, then choosing."""
    words = sum(
        len(q.prompt.get(lang).split()) + sum(len(o.label.get(lang).split()) for o in q.options)
        for q in questions
    )
    seconds = words / READING_WORDS_PER_MINUTE * 60 + SECONDS_TO_DECIDE * len(questions)
    return max(1, round(seconds / 60))
