"""The shipped bank's model tables, computed once and shipped beside it.

`pmfit.scoring.model` builds its tables from the bank on first use: 2-3 ms of a single
`pmfit score` (each option's likelihood takes 400 normal tails, each answer pattern's
row of a dimension 50 us). For the shipped bank, `pmfit bank compile` writes them all to
`TABLES_FILE` beside its compiled copy, and they are read back instead of computed while
the file was made by this very `model.py` from a bank with the content of the one in
use: a bank or a model changed since is computed afresh, and a test holds the shipped
file to the tables computed now.

The file is one header line (the format, then the digests of the model's source and of
the bank's content) and the tables as MessagePack, whose floats are the computed floats
bit for bit. The model-wide tables (the kernel, the normal tail) are read for any bank
when the model's digest matches.
"""

# No `from __future__ import annotations`: msgspec would evaluate StoredTables' string
# annotations on the first decode, 0.1 ms of a `pmfit score`.
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import msgspec

from pmfit.fileio import sha256_hex

TABLES_FILE = "bank.model.bin"
_FORMAT = b"pmfit-model-tables 1 "


class StoredTables(msgspec.Struct, array_like=True):
    """What `pmfit.scoring.model` computes from a bank and from its own constants. The
    long ones are float64 arrays, little-endian (`floats` views them): a list of floats
    is decoded one float at a time, an array at once, and a score reads a few vectors."""

    #: Each distinct tuple of option leans, in bank order of first use ...
    leans: list[tuple[float, ...]]
    #: ... and, for each in turn, its options' likelihood vectors, one after another.
    likelihood: memoryview
    truth: list[int]
    true_score: list[float]
    contribution: list[list[float]]
    #: For each dimension with questions, how many answer patterns it has rows for (all
    #: of them, or none for a dimension with more than model.PATTERNS_BUILT) ...
    patterns: list[int]
    #: ... and those rows, dimension after dimension, by pattern code (`model.Tables`).
    rows: memoryview
    kernel: list[tuple[float, ...]]
    tail: memoryview
    step: memoryview


def float_array(values: Iterable[float]) -> memoryview:
    """The values as a float64 array, little-endian (as `StoredTables` has them)."""
    from array import array

    found = array("d", values)
    if sys.byteorder == "big":  # pragma: no cover - no such machine in CI
        found.byteswap()
    return memoryview(found.tobytes())


def floats(data: memoryview) -> "memoryview[float]":
    """The float64 array in `data` (on a little-endian machine: `read`)."""
    return data.cast("d")


def float_list(view: "memoryview[float]") -> list[float]:
    return cast("list[float]", view.tolist())  # typeshed has every memoryview hold ints


def model_digest(model_source: bytes) -> bytes:
    return sha256_hex(model_source).encode()


def bank_digest(bank_key: object) -> bytes:
    """The digest of a bank's content as the model reads it (`model._key`)."""
    return sha256_hex(repr(bank_key).encode()).encode()


def encode(model: bytes, bank: bytes, tables: StoredTables) -> bytes:
    """The tables file: `read` gives back the digests and the tables."""
    return b"%s%s %s\n%s" % (_FORMAT, model, bank, msgspec.msgpack.encode(tables))


def read(path: Path) -> "tuple[bytes, bytes, StoredTables] | None":
    """The model's and the bank's digests in the header of the tables file at `path`,
    and its tables (their arrays views of the file's bytes, not copies); None if it
    cannot be read as such, or on a big-endian machine, whose floats are laid out the
    other way."""
    if sys.byteorder != "little":  # pragma: no cover - no such machine in CI
        return None
    try:
        with path.open("rb") as file:
            data = file.read()
        end = data.index(b"\n")
        if not data.startswith(_FORMAT):
            return None
        model, _, bank = data[len(_FORMAT) : end].partition(b" ")
        tables = msgspec.msgpack.decode(memoryview(data)[end + 1 :], type=StoredTables)
    except (OSError, ValueError, msgspec.DecodeError):
        return None
    return model, bank, tables
