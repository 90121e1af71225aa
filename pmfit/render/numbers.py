"""Numbers as people read them: signed scores that are never "-0", shares, decimals."""

from __future__ import annotations


def signed(value: float, digits: int = 0) -> str:
    """+12, -3, 0: a score with its side's sign; one that rounds to zero has none."""
    rounded = round(value, digits)
    if rounded == 0:
        return f"{0:.{digits}f}"
    return f"{rounded:+.{digits}f}"


def decimal(value: float, digits: int, lang: str = "en") -> str:
    """1,234.5 in English, 1.234,5 in Spanish."""
    text = f"{round(value, digits) + 0.0:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text
