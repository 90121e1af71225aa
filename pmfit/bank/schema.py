"""The published JSON Schemas, generated from the same structs that validate."""

from __future__ import annotations

from typing import Any

import msgspec

from pmfit.bank.model import BankFile, QuestionsFile
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
