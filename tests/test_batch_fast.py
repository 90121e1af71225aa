"""The vectorised scorer gives exactly the engine's bytes, on random answer sets."""

from __future__ import annotations

import dataclasses
import math
import random
import sys

import msgspec
import numpy as np
import pytest
from banks import banks
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MINI, ROOT, examples
from pmfit.bank.loading import load_bank
from pmfit.batch.compact import COMPACT_SCHEMA_ID, CompactResult, compact
from pmfit.batch.encode import Encoder
from pmfit.batch.fast import Compiled, pysum
from pmfit.batch.fast import score as score_fast
from pmfit.render.json import result_line
from pmfit.schemas import compact_result_schema
from pmfit.scoring.engine import score
from pmfit.text.literal import literal_bytes

BANKS = [MINI] + ([ROOT / "questions"] if (ROOT / "questions" / "bank.yaml").is_file() else [])


def _expected(bank, row, respondent, with_quotes):
    answers = {
        q.id: (None if k < 0 else q.options[k].id) for q, k in zip(bank.questions, row, strict=True)
    }
    result = score(bank, answers, respondent)
    return result_line(result) if with_quotes else msgspec.json.encode(compact(result)) + b"\n"


def score_bytes(bank, rows, respondents, with_quotes=False, inert=False) -> bytes:
    """The rows' block scored, then encoded (`inert`: through the terminal filter, as
    `pmfit batch` writes it)."""
    scored = score_fast(Compiled(bank), np.array(rows, dtype=np.int64), respondents)
    return Encoder(bank, with_quotes=with_quotes, inert=inert).lines(scored)


def score_block(bank, rows, respondents, with_quotes=False) -> list[bytes]:
    return score_bytes(bank, rows, respondents, with_quotes).splitlines(keepends=True)


def _rows(bank, draw_index):
    return st.lists(
        st.tuples(*(st.integers(-1, len(q.options) - 1) for q in bank.questions)),
        min_size=1,
        max_size=40,
    )


@pytest.mark.parametrize("bank_dir", BANKS, ids=lambda p: p.name)
@pytest.mark.parametrize("with_quotes", [False, True], ids=["compact", "with-quotes"])
def test_random_answer_sets_give_the_engines_bytes(bank_dir, with_quotes) -> None:
    bank = load_bank(bank_dir)

    names = st.text(alphabet=st.characters(codec="utf-8"), max_size=5) | st.sampled_from(
        ["\x1b]0;x\x07", "a\u202eb", "\x9b31m", "c\rd", "\u2066"]
    )

    @settings(max_examples=examples(60), deadline=None)
    @given(_rows(bank, None), st.lists(st.one_of(st.none(), names), max_size=40))
    def check(rows, names):
        respondents = [names[i] if i < len(names) else None for i in range(len(rows))]
        lines = score_block(bank, rows, respondents, with_quotes)
        expected = [
            _expected(bank, row, r, with_quotes) for row, r in zip(rows, respondents, strict=True)
        ]
        assert lines == expected
        # As written: the same lines through the terminal filter, piece by piece.
        inert = score_bytes(bank, rows, respondents, with_quotes, inert=True)
        assert inert == literal_bytes(b"".join(expected))

    check()


@pytest.mark.parametrize("with_quotes", [False, True], ids=["compact", "with-quotes"])
def test_random_banks_give_the_engines_bytes(with_quotes) -> None:
    """Random banks: 2-5 options, weights at the bounds, quote sides, declared pairs,
    dimensions without questions, skips. The rationale's sides, the quotes kept for each,
    flip_to and the flags agree with the engine."""

    @settings(max_examples=examples(150), deadline=None)
    @given(st.data())
    def check(data):
        bank = data.draw(banks(max_dimensions=5, max_questions=8, max_options=5, with_pairs=True))
        rows = data.draw(_rows(bank, None))
        lines = score_block(bank, rows, [None] * len(rows), with_quotes)
        assert lines == [_expected(bank, row, None, with_quotes) for row in rows]

    check()


def test_a_dimension_without_questions_is_listed_as_the_engine_lists_it() -> None:
    from banks import make_bank

    bank = make_bank([1.0, 2.0, 1.0], [(0, [-1.0, 1.0]), (2, [-1.0, 0.0, 1.0])])
    line = score_block(bank, [[1, 2]], [None])[0]
    assert line == _expected(bank, [1, 2], None, False)
    dims = msgspec.json.decode(line)["dimensions"]
    assert [(d["id"], d["score"], d["answered"], d["questions"]) for d in dims] == [
        ("d0", 100.0, 1, 1),
        ("d1", None, 0, 0),
        ("d2", 100.0, 1, 1),
    ]


@pytest.mark.parametrize("bank_dir", BANKS, ids=lambda p: p.name)
def test_skip_heavy_and_uniform_blocks_match_the_engine(bank_dir) -> None:
    """Thousands of rows across skip rates, straight-liners included (insufficient,
    too_close, many_skips, straight_lining, misfit and long flips all occur)."""
    bank = load_bank(bank_dir)
    rng = random.Random(7)
    rows = []
    for skip in (0.0, 0.1, 0.4, 0.7, 0.95):
        for _ in range(300):
            rows.append(
                [
                    -1 if rng.random() < skip else rng.randrange(len(q.options))
                    for q in bank.questions
                ]
            )
    rows += [[k % len(q.options) for q in bank.questions] for k in range(3)]
    lines = score_block(bank, rows, [None] * len(rows))
    expected = [_expected(bank, row, None, False) for row in rows]
    assert lines == expected
    seen = b"".join(lines)
    markers = [b'"insufficient"', b'"too_close"', b'"many_skips"', b'"straight_lining"']
    # Eight questions can never be ten times likelier at random; the shipped bank's can.
    markers += [b'"B2B"', b'"B2C"'] + ([b'"misfit"'] if len(bank.questions) > 20 else [])
    for marker in markers:
        assert marker in seen, marker


def test_compact_line_matches_its_published_schema() -> None:
    bank = load_bank(MINI)
    line = score_block(bank, [[2, 0, 1, 0, 0, 2, 0, 0]], ["ann"])[0]
    decoded = msgspec.json.decode(line, type=CompactResult)
    assert decoded.schema == COMPACT_SCHEMA_ID
    assert decoded.rationale and decoded.rationale[0].question == "problem-1"
    import jsonschema

    jsonschema.validate(msgspec.json.decode(line), compact_result_schema())


def _neumaier(values: list[float]) -> float:
    """Python 3.12's sum() of floats, written out independently (CPython bltinmodule.c)."""
    total, compensation = 0.0, 0.0
    for x in values:
        t = total + x
        if abs(total) >= abs(x):
            compensation += (total - t) + x
        else:
            compensation += (x - t) + total
        total = t
    if compensation and math.isfinite(compensation):
        total += compensation
    return total


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=4), min_size=1, max_size=20),
    st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=20, max_size=20),
)
def test_pysum_reproduces_both_kinds_of_python_sum(rows, masks) -> None:
    terms = np.array(rows)
    mask = np.array(masks[: len(rows)])
    plain = pysum(terms, mask, compensated=False)
    compensated = pysum(terms, mask, compensated=True)
    for r, row in enumerate(rows):
        picked = [x for x, m in zip(row, masks[r], strict=True) if m]
        naive = 0.0
        for x in picked:
            naive += x
        assert plain[r] == naive and math.copysign(1, plain[r]) == math.copysign(1, naive)
        assert compensated[r] == _neumaier(picked)
        this_python = sum(picked)
        assert (compensated if sys.version_info >= (3, 12) else plain)[r] == this_python


@settings(max_examples=examples(500), deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(-100, 100),
            # Values at and a hair beside the halves, where rounding goes wrong if it can.
            st.integers(-20000, 20000).map(lambda k: (k + 0.5) / 100),
            st.integers(-20000, 20000).map(lambda k: math.nextafter((k + 0.5) / 100, 0)),
            st.integers(-2000, 2000).map(lambda k: (k + 0.5) / 1000),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_pyround_is_pythons_round(values) -> None:
    from pmfit.batch.fast import pyround

    for digits in (2, 3):
        got = pyround(np.array(values), digits).tolist()
        expected = [round(v, digits) for v in values]
        assert [repr(g) for g in got] == [repr(e) for e in expected]


def _engine_results(bank, rows):
    return [
        score(
            bank,
            {
                q.id: None if k < 0 else q.options[k].id
                for q, k in zip(bank.questions, row, strict=True)
            },
        )
        for row in rows
    ]


def test_random_banks_give_the_engines_numbers() -> None:
    """The scored block holds the engine's result as numbers: every field, position by
    position (NaN where the engine has null), on random banks with pairs, empty
    dimensions, 2-5 options and skips."""
    from pmfit.batch.scored import FLAG_CODES
    from pmfit.scoring.block import RECOMMENDATIONS

    @settings(max_examples=examples(150), deadline=None)
    @given(st.data())
    def check(data):
        bank = data.draw(banks(max_dimensions=5, max_questions=8, max_options=5, with_pairs=True))
        rows = data.draw(_rows(bank, None))
        s = score_fast(Compiled(bank), np.array(rows, dtype=np.int64), [None] * len(rows))
        for r, result in enumerate(_engine_results(bank, rows)):
            assert s.codes[r].tolist() == list(rows[r])
            assert RECOMMENDATIONS[s.recommendation[r]] == result.recommendation
            assert s.score[r] == result.score
            assert (s.low[r], s.high[r]) == (result.interval.low, result.interval.high)
            assert s.confidence[r] == result.confidence
            p = result.probabilities
            assert s.probabilities[r].tolist() == [p.B2B, p.either, p.B2C]
            assert [None if v != v else v for v in s.dimension_scores[r].tolist()] == [
                d.score for d in result.dimensions
            ]
            assert s.dimension_answered[r].tolist() == [d.answered for d in result.dimensions]
            count = s.rationale_count[r]
            assert [
                (
                    bank.questions[j].id,
                    bank.questions[j].options[k].id,
                    math.copysign(1, v) * abs(v),
                )
                for j, k, v in zip(
                    s.rationale_question[r, :count].tolist(),
                    s.rationale_option[r, :count].tolist(),
                    s.rationale_points[r, :count].tolist(),
                    strict=True,
                )
            ] == [(i.question, i.option, i.contribution) for i in result.rationale]
            assert [math.copysign(1, v) for v in s.rationale_points[r, :count].tolist()] == [
                -1.0 if i.toward == "B2B" else 1.0 for i in result.rationale
            ]
            count = s.flip_count[r]
            flip = [
                (
                    bank.questions[j].id,
                    bank.questions[j].options[a].id,
                    bank.questions[j].options[b].id,
                )
                for j, a, b in zip(
                    s.flip_question[r, :count].tolist(),
                    s.flip_from[r, :count].tolist(),
                    s.flip_option[r, :count].tolist(),
                    strict=True,
                )
            ]
            assert flip == [(f.question, f.from_, f.to) for f in result.flip]
            flip_to = s.flip_to[r]
            assert (None if flip_to < 0 else RECOMMENDATIONS[flip_to]) == result.flip_to
            assert [FLAG_CODES[i] for i in np.flatnonzero(s.flags[r])] == [
                f.code for f in result.flags
            ]

    check()


def _reference_csv(bank, results, guard, excel=False) -> bytes:
    """The CSV as the result flattened field by field (the reference for CsvTable)."""
    import csv
    import io

    from pmfit.batch.writers import csv_columns
    from pmfit.text.literal import literal_bytes
    from pmfit.text.numbers import signed

    text = (
        (lambda c: "'" + c if c.startswith(("=", "+", "-", "@", "\t", "\r")) else c)
        if guard
        else str
    )
    labels = {(q.id, o.id): o.label.en for q in bank.questions for o in q.options}
    number = lambda v: "" if v is None else repr(v)  # noqa: E731
    rows = [csv_columns(bank)]
    for r in results:
        row = [
            text(r.respondent or ""),
            text(r.recommendation),
            number(r.score),
            number(r.interval.low),
            number(r.interval.high),
            number(r.confidence),
            number(r.probabilities.B2B),
            number(r.probabilities.either),
            number(r.probabilities.B2C),
        ]
        for d in r.dimensions:
            row += [number(d.score), str(d.answered)]
        codes = {f.code for f in r.flags}
        row += [
            "true" if c in codes else "false" for c in ("straight_lining", "misfit", "many_skips")
        ]
        row.append(
            text(
                "; ".join(
                    f"{i.question}: \u201c{labels[i.question, i.option]}\u201d "
                    f"({signed(i.contribution, 1)} toward {i.toward})"
                    for i in r.rationale
                )
            )
        )
        row.append(
            text(
                "; ".join(
                    f"{f.question}: \u201c{labels[f.question, f.from_]}\u201d -> "
                    f"\u201c{labels[f.question, f.to]}\u201d"
                    for f in r.flip
                )
            )
        )
        row.append(text(r.flip_to or ""))
        row.append(text(f"{bank.id}@{bank.version}"))
        row += [text(v or "") for v in r.answers.values()]
        rows.append(row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if excel else "\n").writerows(rows)
    return (b"\xef\xbb\xbf" if excel else b"") + literal_bytes(out.getvalue().encode())


@pytest.mark.parametrize("guard", [True, False], ids=["guarded", "unguarded"])
@pytest.mark.parametrize("excel", [False, True], ids=["lf", "excel"])
def test_random_banks_give_the_engines_csv(guard, excel) -> None:
    """CSV rows come from the block itself: the same cells, quoted as `csv.writer`
    quotes them, as the engine's result flattened, on random banks and respondent names
    (commas, quotes, line ends, formula starts)."""
    from pmfit.batch.writers import CsvTable

    names = st.one_of(
        st.none(),
        st.text(
            alphabet=st.sampled_from(list('ab,"\r\n=+-@ \t\u201c\x1b\x9b\u202e\x7f')), max_size=6
        ),
    )

    @settings(max_examples=examples(60), deadline=None)
    @given(st.data())
    def check(data):
        bank = data.draw(banks(max_dimensions=5, max_questions=8, max_options=5, with_pairs=True))
        rows = data.draw(_rows(bank, None))
        respondents = data.draw(st.lists(names, min_size=len(rows), max_size=len(rows)))
        s = score_fast(Compiled(bank), np.array(rows, dtype=np.int64), respondents)
        table = CsvTable(bank, formula_guard=guard, excel=excel)
        results = _engine_results(bank, rows)
        results = [
            msgspec.structs.replace(r, respondent=n)
            for r, n in zip(results, respondents, strict=True)
        ]
        assert table.start() + table.chunk(s) == _reference_csv(bank, results, guard, excel)

    check()


def _posterior_rows(bank, rows):
    from pmfit.scoring import model

    tab = model.tables(bank)
    return [model.posterior(tab, row) for row in rows]


def test_a_dimension_too_large_to_tabulate_gives_the_engines_floats() -> None:
    """A dimension of seven five-option questions has 6**7 answer patterns, too many to
    build in advance: each block of rows builds the rows of its own patterns."""
    from banks import make_bank

    from pmfit.scoring import block

    five = [-1.0, -0.5, 0.0, 0.5, 1.0]
    bank = make_bank([2.0, 1.0], [(0, five)] * 7 + [(1, [-1.0, 1.0])] * 2)
    arrays = block.Arrays(bank)
    assert arrays.dimensions[0][1] is None and arrays.dimensions[1][1] is not None
    rng = np.random.default_rng(3)
    rows = rng.integers(-1, 5, (600, 9))
    rows[:, 7:] = np.minimum(rows[:, 7:], 1)
    rows[:40] = rows[40:80]  # patterns repeated
    got = block.decide(arrays, rows)
    for i, post in enumerate(_posterior_rows(bank, rows.tolist())):
        assert tuple(got.probabilities[i].tolist()) == post.probabilities
        assert (got.low[i], got.high[i]) == (post.low, post.high)
        assert got.random_ratio[i] == post.random_ratio


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.floats(-1e6, 1e6) | st.sampled_from([-8.0, 8.0, 7.9999, 0.0]), min_size=1))
def test_the_normal_tail_is_the_engines(values) -> None:
    from pmfit.scoring import block, model

    arrays = block.Arrays(load_bank(MINI))
    got = block._upper_tail(arrays, np.array(values))
    assert got.tolist() == [model.upper_tail(z) for z in values]
    assert all(0.0 <= p <= 1.0 for p in got.tolist())


def test_every_answer_set_of_a_small_bank_flips_as_the_engine() -> None:
    """Every answer set (skips included) of a two-dimension bank of three-option questions:
    flips toward either side, ties between the sides, mildest last changes, no flip."""
    import itertools

    from banks import make_bank

    bank = make_bank([2.0, 1.0], [(0, [-1, 0, 1])] * 3 + [(1, [-1, 0, 1])] * 3, either=15)
    rows = [list(r) for r in itertools.product(range(-1, 3), repeat=6)]
    lines = score_block(bank, rows, [None] * len(rows))
    assert lines == [_expected(bank, row, None, False) for row in rows]
    flips = [msgspec.json.decode(line) for line in lines]
    # The bank has what the test is about: flips to several outcomes and of several lengths.
    assert {f["flip_to"] for f in flips} == {"B2B", "B2C", "too_close", None}
    assert {len(f["flip"]) for f in flips} >= {0, 1, 2, 3}


@pytest.mark.parametrize("bank_dir", BANKS, ids=lambda p: p.name)
def test_a_block_for_the_report_is_the_same_block_without_its_flips(bank_dir) -> None:
    """flips=False (the report from answers) leaves out only "what would change it"."""
    bank = load_bank(bank_dir)
    rng = random.Random(11)
    rows = np.array(
        [
            [-1 if rng.random() < 0.2 else rng.randrange(len(q.options)) for q in bank.questions]
            for _ in range(400)
        ]
    )
    compiled = Compiled(bank)
    full = score_fast(compiled, rows, [None] * len(rows))
    lean = score_fast(compiled, rows, [None] * len(rows), flips=False)
    assert (full.flip_count > 0).any()
    assert lean.flip_count.tolist() == [0] * len(rows)
    assert lean.flip_to.tolist() == [-1] * len(rows)
    flip_fields = {"flip_question", "flip_from", "flip_option", "flip_count", "flip_to"}
    for field in dataclasses.fields(full):
        if field.name in flip_fields:
            continue
        a, b = getattr(full, field.name), getattr(lean, field.name)
        assert np.array_equal(a, b, equal_nan=True) if isinstance(a, np.ndarray) else a == b, field


@settings(max_examples=examples(200), deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.floats(0, 1e300) | st.floats(0, 1e-300) | st.sampled_from([0.0, 1.0]),
                min_size=cols,
                max_size=cols,
            ),
            min_size=1,
            max_size=20,
        )
    ),
    st.floats(0, 1e301),
)
def test_block_sums_add_left_to_right_as_the_engine(rows, tail) -> None:
    """block's running sums (one accumulation for a few rows, column adds for more: both
    ways are run) and its tail cells (by np.cumsum) add in the engine's order:
    model.posterior's loops, float by float."""
    from pmfit.scoring import block, model

    kept = block.ACCUMULATE_ROWS
    try:
        sums = []
        for limit in (len(rows), len(rows) - 1):
            block.ACCUMULATE_ROWS = limit
            sums.append(block._running(np.array(rows)).tolist())
    finally:
        block.ACCUMULATE_ROWS = kept
    cells = block._tail_cells(np.array(rows), np.full(len(rows), tail)).tolist()
    for r, row in enumerate(rows):
        running = 0.0
        for x in row:
            running += x
        assert sums[0][r] == running and sums[1][r] == running
        assert cells[r] == model._tail_cell(row, tail)


@pytest.mark.parametrize("bank_dir", BANKS, ids=lambda p: p.name)
def test_a_block_scored_in_pieces_is_the_block_scored_whole(bank_dir, monkeypatch) -> None:
    """A block of more than fast.SCORE_ROWS rows is scored that many at a time and the
    pieces joined: every field as one scoring of the whole block gives it (the flip's
    changes up to each row's count; beyond it, padding)."""
    from pmfit.batch import fast

    bank = load_bank(bank_dir)
    rng = random.Random(5)
    rows = np.array(
        [
            [-1 if rng.random() < 0.2 else rng.randrange(len(q.options)) for q in bank.questions]
            for _ in range(300)
        ]
    )
    names = [None if i % 7 == 0 else f"r{i}" for i in range(len(rows))]
    compiled = Compiled(bank)
    for flips in (True, False):
        whole = score_fast(compiled, rows, names, flips=flips)
        monkeypatch.setattr(fast, "SCORE_ROWS", 37)
        pieces = score_fast(compiled, rows, names, flips=flips)
        monkeypatch.undo()
        assert pieces.respondents == whole.respondents == names
        for field in dataclasses.fields(whole):
            a, b = getattr(pieces, field.name), getattr(whole, field.name)
            if field.name in ("flip_question", "flip_from", "flip_option"):
                assert a.shape == b.shape
                kept = np.arange(a.shape[1])[None, :] < whole.flip_count[:, None]
                assert (a[kept] == b[kept]).all(), field.name
            elif field.name != "respondents":
                assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field.name
        if flips:
            assert (whole.flip_count > 1).any()
