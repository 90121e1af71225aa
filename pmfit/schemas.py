"""The published JSON Schemas, generated from the same structs that validate and encode.

Each shape is declared once, where it belongs (the bank's files in `pmfit.bank.model`,
a result in `pmfit.scoring.result`, the compact batch line in `pmfit.batch.compact`);
this module only publishes them, so that no layer below the CLI imports another
layer's declarations to do so.
"""

from __future__ import annotations

from typing import Any

import msgspec

from pmfit.bank.model import BankFile, QuestionsFile
from pmfit.batch.compact import COMPACT_SCHEMA_ID, CompactResult
from pmfit.scoring.result import RESULT_SCHEMA_ID, Result

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _schema(types: tuple[Any, ...], title: str, ident: str) -> dict[str, Any]:
    refs, components = msgspec.json.schema_components(types, ref_template="#/$defs/{name}")
    schema: dict[str, Any] = {"$schema": DIALECT, "$id": ident, "title": title}
    if len(refs) == 1:
        schema.update(refs[0])
    else:
        schema["anyOf"] = list(refs)
    schema["$defs"] = components
    return schema


def bank_schema() -> dict[str, Any]:
    """A bank file: `bank.yaml` (metadata, dimensions) or a further file of questions."""
    return _schema((BankFile, QuestionsFile), "pmfit bank file", "https://pmfit.dev/schema/bank/2")


def result_schema() -> dict[str, Any]:
    return _schema((Result,), "pmfit result", RESULT_SCHEMA_ID)


def compact_result_schema() -> dict[str, Any]:
    """The line `pmfit batch` writes by default (`pmfit batch --schema`)."""
    schema: dict[str, Any] = msgspec.json.schema(CompactResult)
    schema["$id"] = COMPACT_SCHEMA_ID
    return schema


def answers_schema() -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": "https://pmfit.dev/schema/answers/1",
        "title": "pmfit answer sheet",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "respondent": {"type": ["string", "null"]},
            "answers": {
                "type": ["object", "null"],
                "additionalProperties": {"type": ["string", "null"]},
                "description": "question id -> option id; null or empty means skipped",
            },
        },
    }
