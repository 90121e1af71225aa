"""Numbers as people read them: signed scores that are never "-0", decimals by language."""

from __future__ import annotations


class Sided(float):
    """A float that, formatted, shows no sign when it rounds to zero: "0", not "-0" or
    "+0" (a score that rounds to zero leans neither way). `t()` passes every float of a
    message through it, so no message can say "-0"."""

    def __format__(self, spec: str) -> str:
        text = float.__format__(self, spec)
        if any(c in "123456789" for c in text):
            return text
        return text.replace("-", "", 1).replace("+", "", 1)


def signed(value: float, digits: int = 0) -> str:
    """+12, -3, 0: a score with its side's sign; one that rounds to zero has none."""
    return format(Sided(value), f"+.{digits}f")


def decimal(value: float, digits: int, lang: str = "en") -> str:
    """1,234.5 in English, 1.234,5 in Spanish; never "-0"."""
    text = format(Sided(value), f",.{digits}f")
    return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text


def fixed_or_dash(value: float | None, digits: int = 2) -> str:
    """`value` to `digits` decimals, or "–" when there is none (a table's empty cell)."""
    return "–" if value is None else f"{value:.{digits}f}"


def share_or_dash(value: float | None) -> str:
    """A share as a percentage to one decimal, or "–" when there is none."""
    return "–" if value is None else f"{value:.1%}"
