"""The shipped bank's model tables, stored beside it (`pmfit.scoring.stored`): up to
date, read back as the very floats computed, and ignored once the bank or the model
differs from the ones they were made from."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import msgspec
import pytest

from conftest import ROOT
from pmfit.bank.loading import load_bank
from pmfit.bank.model import Bank
from pmfit.scoring import model, stored

TABLES = ROOT / "questions" / stored.TABLES_FILE


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(ROOT / "questions")


def test_the_stored_tables_are_up_to_date(bank: Bank) -> None:
    stale = "stale: run `pmfit bank compile questions` and commit the result"
    assert TABLES.read_bytes() == model.stored_tables(bank), stale


def test_the_stored_tables_are_the_computed_ones(bank: Bank) -> None:
    read = model._build(bank)
    computed = model._build(bank, use_stored=False)
    assert all(r is not None for r in read.stored_rows)
    assert all(c is None for c in computed.stored_rows)
    assert all(v.stored is not None for v in read.likelihood)
    for a, b in zip(read.likelihood, computed.likelihood, strict=True):
        assert list(a) == list(b)
    for field in ("truth", "true_score", "contribution", "share", "dimensions", "strides"):
        assert getattr(read, field) == getattr(computed, field), field
    assert model.kernel() == model._kernel()
    assert model.tail_table() == model._tail_table()
    # Every answer pattern's row, as the posterior reads it.
    rng = random.Random(7)
    for d, members in enumerate(read.dimensions):
        for _ in range(40):
            pattern = tuple(rng.randrange(-1, len(bank.questions[j].options)) for j in members)
            assert model.dimension_row(read, d, pattern) == model._dimension_row(
                computed, d, pattern
            )


def test_tables_are_computed_for_a_bank_that_differs_from_the_shipped_one(bank: Bank) -> None:
    # The same sha256 (a bank built in code can carry any), another band.
    other = msgspec.structs.replace(
        bank, thresholds=msgspec.structs.replace(bank.thresholds, either=bank.thresholds.either + 1)
    )
    assert model._stored_for(bank) is not None
    assert model._stored_for(other) is None
    assert all(v.stored is None for v in model.tables(other).likelihood)


@pytest.mark.parametrize(
    "damage",
    ["another model", "truncated", "not a tables file", "missing", "big header"],
)
def test_a_tables_file_that_is_not_this_models_is_not_read(tmp_path: Path, damage: str) -> None:
    path = tmp_path / stored.TABLES_FILE
    shutil.copy(TABLES, path)
    assert model.tables_in(path) is not None
    data = path.read_bytes()
    if damage == "another model":
        path.write_bytes(data.replace(model._model_digest(), b"0" * 64, 1))
        assert stored.read(path) is not None
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "not a tables file":
        path.write_bytes(b"pmfit-model-tables 2 " + data.partition(b" 1 ")[2])
    elif damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"pmfit-model-tables 1 " + b"x" * 100_000)
    assert model.tables_in(path) is None
