"""`pmfit bank show --json`: the bank as the engine sees it, without what only loading
and validation need (the thread's map, thresholds, pairs).

Dimensions, options and sources are the model's own structs, so their JSON is the
model's; only a question's fields are reordered (its `short` mark next to its id).
"""

from __future__ import annotations

import msgspec

from pmfit.bank.model import Bank, Dimension, Option, Source, Text


class NormalisedQuestion(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    dimension: str
    short: bool
    prompt: Text
    options: list[Option]
    sources: list[Source]


class NormalisedBank(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    version: str
    sha256: str
    dimensions: list[Dimension]
    questions: list[NormalisedQuestion]


def normalised(bank: Bank) -> NormalisedBank:
    return NormalisedBank(
        id=bank.id,
        version=bank.version,
        sha256=bank.sha256,
        dimensions=bank.dimensions,
        questions=[
            NormalisedQuestion(
                id=q.id,
                dimension=q.dimension,
                short=q.short,
                prompt=q.prompt,
                options=q.options,
                sources=q.sources,
            )
            for q in bank.questions
        ],
    )
