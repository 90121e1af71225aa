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


def text(s: str) -> Text:
    return Text(en=s, es=s)


def bank_of(
    dims: list[tuple[str, float]],
    questions: list[tuple[str, str, list[float]]],
    *,
    either: float = 15.0,
    min_dims: float = 0.5,
    pairs: list[list[str]] | None = None,
) -> Bank:
    """dims: (id, weight); questions: (id, dimension id, option leans o0, o1, ...)."""
    return Bank(
        id="gen",
        version="1",
        sha256="0" * 64,
        title=text("Generated"),
        thresholds=Thresholds(either=either, min_answered_dimensions=min_dims),
        source=Thread(
            file="t.txt",
            question=text("Q?"),
            answers=[ThreadAnswer(number=1, lines=[1, 2], role=text("a PM"))],
        ),
        dimensions=[Dimension(id=d, weight=w, name=text(d), description=text(d)) for d, w in dims],
        questions=[
            Question(
                id=qid,
                dimension=dim,
                prompt=text(f"Prompt {qid}"),
                options=[
                    Option(id=f"o{i}", label=text(f"lean {x:+g}"), lean=x)
                    for i, x in enumerate(leans)
                ],
                sources=[Source(answer=1, quote=Quote(es="cita", en="quote"))],
            )
            for qid, dim, leans in questions
        ],
        pairs=pairs or [],
    )


def make_bank(
    dimensions: list[float],
    questions: list[tuple[int, list[float]]],
    *,
    either: float = 15.0,
    pairs: list[list[str]] | None = None,
) -> Bank:
    """dimensions: their weights (ids d0, d1, ...); questions: (dimension index, leans)."""
    return bank_of(
        [(f"d{i}", w) for i, w in enumerate(dimensions)],
        [(f"q{j}", f"d{d}", leans) for j, (d, leans) in enumerate(questions)],
        either=either,
        pairs=pairs,
    )


leans = st.integers(-10, 10).map(lambda n: n / 10)


@st.composite
def banks(
    draw: st.DrawFn,
    max_dimensions: int = 4,
    max_questions: int = 7,
    max_options: int = 4,
    with_pairs: bool = False,
) -> Bank:
    """Random banks; a dimension may have no question (it is listed, never answered)."""
    n_dims = draw(st.integers(1, max_dimensions))
    weights = draw(
        st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), min_size=n_dims, max_size=n_dims)
    )
    questions = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_dims - 1), st.lists(leans, min_size=2, max_size=max_options)
            ),
            min_size=1,
            max_size=max_questions,
        )
    )
    either = draw(st.sampled_from([0.0, 10.0, 15.0, 30.0]))
    pairs = None
    if with_pairs and len(questions) >= 2:
        ids = st.integers(0, len(questions) - 1)
        drawn = draw(st.lists(st.tuples(ids, ids).filter(lambda p: p[0] != p[1]), max_size=3))
        pairs = [[f"q{a}", f"q{b}"] for a, b in drawn]
    return make_bank(weights, questions, either=either, pairs=pairs)


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
