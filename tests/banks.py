"""Small banks built in code, and a Hypothesis strategy for random ones with answers."""

from __future__ import annotations

from hypothesis import strategies as st

from pmfit.bank.model import (
    Bank,
    Dimension,
    Option,
    Question,
    Quote,
    Source,
    Text,
    Thread,
    ThreadAnswer,
    Thresholds,
)

T = Text(en="x", es="x")


def make_bank(
    dimensions: list[float],
    questions: list[tuple[int, list[float]]],
    *,
    either: float = 15.0,
    pairs: list[list[str]] | None = None,
) -> Bank:
    """dimensions: their weights; questions: (dimension index, option leans)."""
    return Bank(
        id="generated",
        version="0",
        sha256="0" * 64,
        title=T,
        thresholds=Thresholds(either=either),
        source=Thread(
            file="thread.txt",
            question=T,
            answers=[ThreadAnswer(number=1, lines=[1, 1], role=T)],
        ),
        dimensions=[
            Dimension(id=f"d{i}", weight=w, name=T, description=T) for i, w in enumerate(dimensions)
        ],
        questions=[
            Question(
                id=f"q{j}",
                dimension=f"d{d}",
                prompt=T,
                options=[Option(id=f"o{k}", label=T, lean=x) for k, x in enumerate(leans)],
                sources=[Source(answer=1, quote=Quote(es="x", en="x"))],
            )
            for j, (d, leans) in enumerate(questions)
        ],
        pairs=pairs or [],
    )


leans = st.integers(-10, 10).map(lambda n: n / 10)


@st.composite
def banks(draw: st.DrawFn, max_dimensions: int = 4, max_questions: int = 7) -> Bank:
    n_dims = draw(st.integers(1, max_dimensions))
    weights = draw(
        st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), min_size=n_dims, max_size=n_dims)
    )
    questions = draw(
        st.lists(
            st.tuples(st.integers(0, n_dims - 1), st.lists(leans, min_size=2, max_size=4)),
            min_size=1,
            max_size=max_questions,
        )
    )
    either = draw(st.sampled_from([0.0, 10.0, 15.0, 30.0]))
    return make_bank(weights, questions, either=either)


@st.composite
def answer_sets(draw: st.DrawFn, bank: Bank, skips: bool = True) -> dict[str, str | None]:
    answers: dict[str, str | None] = {}
    for q in bank.questions:
        choices = [o.id for o in q.options] + ([None] if skips else [])
        answers[q.id] = draw(st.sampled_from(choices))
    return answers


@st.composite
def banks_with_answers(draw: st.DrawFn, skips: bool = True) -> tuple[Bank, dict[str, str | None]]:
    bank = draw(banks())
    return bank, draw(answer_sets(bank, skips))
