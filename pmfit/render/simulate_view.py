"""`pmfit bank simulate` as plain-text tables (the same text the README shows)."""

from __future__ import annotations

from typing import Any

from pmfit.text.numbers import fixed_or_dash

#: A calibration figure from fewer results than this is shown in brackets: mostly chance.
FEW = 50


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _ece(calibration: dict[str, Any], name: str) -> str:
    figures = calibration.get(name)
    if figures is None:
        return "–"
    text = f"{figures['ece']:.3f}"
    return f"({text})" if figures["count"] < FEW else text


def _either(calibration: dict[str, Any]) -> str:
    figures = calibration.get("either")
    if figures is None:
        return "–"
    text = f"{figures['confidence']:.2f}/{figures['observed']:.2f}"
    return f"({text})" if figures["count"] < FEW else text


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def simulate_text(report: dict[str, Any]) -> str:
    bank = report["bank"]
    out = [
        f"{bank['id']} {bank['version']}: {bank['questions']} questions; "
        f"{report['respondents']} simulated respondents per row, seed {report['seed']}",
        "",
        "Full form (shares of each recommendation; calibration error per recommendation; "
        "either: stated/observed)",
    ]
    rows = []
    for row in report["rows"]:
        full = row["full"]
        shares, cal = full["outcomes"], full["calibration"]
        rows.append(
            [
                row["model"],
                f"{row['noise']:.1f}",
                fixed_or_dash(row["alpha"]),
                _pct(shares["B2B"]),
                _pct(shares["either"]),
                _pct(shares["B2C"]),
                _pct(shares["too_close"]),
                _ece(cal, "B2B"),
                _ece(cal, "B2C"),
                _either(cal),
                _ece(cal, "too_close"),
                _pct(full["retest_agreement"]),
                _pct(full["sure_changed"]),
                _pct(full["flagged"]),
            ]
        )
    out += _table(
        [
            "model",
            "noise",
            "alpha",
            "B2B",
            "either",
            "B2C",
            "close",
            "ECE B2B",
            "ECE B2C",
            "either",
            "ECE close",
            "retest",
            ">=.9 other",
            "flagged",
        ],
        rows,
    )
    out += ["", "Short form and adaptive quiz"]
    rows = []
    for row in report["rows"]:
        short, adaptive = row.get("short"), row["adaptive"]
        cal = short["calibration"] if short else {}
        rows.append(
            [
                row["model"],
                f"{row['noise']:.1f}",
                _pct(short["outcomes"]["too_close"]) if short else "–",
                _ece(cal, "B2B"),
                _ece(cal, "B2C"),
                _either(cal),
                _pct(short["agrees_with_full"]) if short else "–",
                f"{adaptive['asked_median']:.0f}",
                _pct(adaptive["differs_from_full"]),
                _pct(adaptive.get("predictive_differs")),
                fixed_or_dash(adaptive["consistent_asked_median"], 0),
                _pct(adaptive["consistent_differs"]),
            ]
        )
    out += _table(
        [
            "model",
            "noise",
            "close",
            "ECE B2B",
            "ECE B2C",
            "either",
            "= full",
            "asked",
            "!= full",
            "stopped != full",
            "asked |t|>=.4",
            "!= full",
        ],
        rows,
    )
    flags, neutral = report["flags"], report["neutral"]
    careful = ", ".join(f"{_pct(v)} at noise {k}" for k, v in flags["careful"].items())
    out += [
        "",
        f"Flags: careful respondents flagged {careful}; random answering flagged "
        f"{_pct(flags['random'])}; straight lines flagged {_pct(flags['straight_lines'])}.",
        f"Neutral respondent (t = 0, no noise): score {neutral['score']:+.2f}, "
        f"{neutral['recommendation']} at {neutral['confidence']:.2f}.",
    ]
    return "\n".join(out) + "\n"
