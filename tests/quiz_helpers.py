"""Small banks built in memory, and a hypothesis strategy for random ones."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

from banks import bank_of as make_bank
from hypothesis import strategies as st

from pmfit.bank.model import Bank

__all__ = ["completions", "make_bank", "partial_answers", "small_banks"]


LEANS = st.sampled_from([-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0])


@st.composite
def small_banks(draw: st.DrawFn) -> Bank:
    n_dims = draw(st.integers(1, 3))
    dims = [(f"d{i}", float(draw(st.integers(1, 4)))) for i in range(n_dims)]
    n_questions = draw(st.integers(1, 5))
    questions = [
        (
            f"q{j}",
            f"d{draw(st.integers(0, n_dims - 1))}",
            draw(st.lists(LEANS, min_size=2, max_size=3)),
        )
        for j in range(n_questions)
    ]
    either = float(draw(st.sampled_from([0, 5, 15, 30])))
    min_dims = draw(st.sampled_from([0.0, 0.34, 0.5, 1.0]))
    return make_bank(dims, questions, either=either, min_dims=min_dims)


@st.composite
def partial_answers(draw: st.DrawFn, bank: Bank) -> dict[str, str | None]:
    """Some questions answered (or skipped); the rest left open."""
    answers: dict[str, str | None] = {}
    for q in bank.questions:
        if draw(st.booleans()):
            answers[q.id] = draw(st.sampled_from([None, *(o.id for o in q.options)]))
    return answers


def completions(bank: Bank, answers: Mapping[str, str | None]) -> Iterator[dict[str, str | None]]:
    """Every way of answering or skipping the questions `answers` leaves open."""
    open_questions = [q for q in bank.questions if q.id not in answers]
    choices = [[None, *(o.id for o in q.options)] for q in open_questions]
    for picked in itertools.product(*choices):
        yield {**answers, **{q.id: c for q, c in zip(open_questions, picked, strict=True)}}
