"""Machine output: deterministic JSON (the same input gives the same bytes)."""

from __future__ import annotations

import msgspec

from pmfit.scoring.result import Result


def result_json(result: Result) -> str:
    return msgspec.json.format(msgspec.json.encode(result), indent=2).decode() + "\n"


def result_line(result: Result) -> bytes:
    """One compact JSON line, for JSONL streams."""
    return msgspec.json.encode(result) + b"\n"
