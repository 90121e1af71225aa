"""Small banks built in code, and a Hypothesis strategy for random ones with answers."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import msgspec
from hypothesis import strategies as st

from conftest import MINI
from pmfit.bank.model import (
    Bank,
    Dimension,
    Option,
    Question,
    Quote,
    Side,
    Source,
    Text,
    Thread,
    ThreadAnswer,
    Thresholds,
)

#: By default every question has a quote for each side, so that filtering by side shows.
EVERY_SIDE: tuple[Side, ...] = ("B2B", "B2C", "both")
sides = st.lists(st.sampled_from(EVERY_SIDE), min_size=1, max_size=3)


def text(s: str) -> Text:
    return Text(en=s, es=s)


def sources_for(qid: str, quote_sides: Sequence[Side]) -> list[Source]:
    """One quote per side in `quote_sides`; its text names the question and the side."""
    return [
        Source(answer=1, side=side, quote=Quote(es=f"cita {qid} {side}", en=f"quote {qid} {side}"))
        for side in quote_sides
    ]


def bank_of(
    dims: list[tuple[str, float]],
    questions: list[tuple[str, str, list[float]]],
    *,
    either: float = 15.0,
    min_dims: float = 0.5,
    pairs: list[list[str]] | None = None,
    quote_sides: Sequence[Sequence[Side]] | None = None,
) -> Bank:
    """dims: (id, weight); questions: (id, dimension id, option leans o0, o1, ...);
    quote_sides: for each question, the sides of its quotes (default: one of each)."""
    per_question = quote_sides or [EVERY_SIDE] * len(questions)
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
                sources=sources_for(qid, quote_sides_),
            )
            for (qid, dim, leans), quote_sides_ in zip(questions, per_question, strict=True)
        ],
        pairs=pairs or [],
    )


def make_bank(
    dimensions: list[float],
    questions: list[tuple[int, list[float]]],
    *,
    either: float = 15.0,
    pairs: list[list[str]] | None = None,
    quote_sides: Sequence[Sequence[Side]] | None = None,
) -> Bank:
    """dimensions: their weights (ids d0, d1, ...); questions: (dimension index, leans)."""
    return bank_of(
        [(f"d{i}", w) for i, w in enumerate(dimensions)],
        [(f"q{j}", f"d{d}", leans) for j, (d, leans) in enumerate(questions)],
        either=either,
        pairs=pairs,
        quote_sides=quote_sides,
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
        # The bounds a bank may use (0.01 and 100) too: the engine and the batch scorer
        # must agree there as well.
        st.lists(
            st.sampled_from([0.01, 0.5, 1.0, 1.5, 2.0, 3.0, 100.0]),
            min_size=n_dims,
            max_size=n_dims,
        )
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
    quote_sides = draw(st.lists(sides, min_size=len(questions), max_size=len(questions)))
    pairs = None
    if with_pairs and len(questions) >= 2:
        ids = st.integers(0, len(questions) - 1)
        drawn = draw(st.lists(st.tuples(ids, ids).filter(lambda p: p[0] != p[1]), max_size=3))
        pairs = [[f"q{a}", f"q{b}"] for a, b in drawn]
    return make_bank(weights, questions, either=either, pairs=pairs, quote_sides=quote_sides)


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


def broken_bank(tmp_path: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of the mini bank with textual edits applied (each must match once)."""
    bank = tmp_path / "bank"
    shutil.copytree(MINI, bank)
    for name, pairs in edits.items():
        path = bank / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return bank


def hits(bank: Path, name: str, needle: str, offset: int = 0) -> list[str]:
    """`name:line:col` of each line holding `needle` (col of needle + offset)."""
    lines = (bank / name).read_text(encoding="utf-8").splitlines()
    return [
        f"{name}:{n}:{line.index(needle) + 1 + offset}"
        for n, line in enumerate(lines, 1)
        if needle in line
    ]


def where(bank: Path, name: str, needle: str, offset: int = 0) -> str:
    found = hits(bank, name, needle, offset)
    assert found, needle
    return found[0]


def mirrored(bank: Bank) -> Bank:
    """The bank with every lean negated: B2B answers become B2C ones."""
    return msgspec.structs.replace(
        bank,
        questions=[
            msgspec.structs.replace(
                q, options=[msgspec.structs.replace(o, lean=-o.lean) for o in q.options]
            )
            for q in bank.questions
        ],
    )
