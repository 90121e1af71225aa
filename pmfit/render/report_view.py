"""The cohort report as Rich tables and bars, for a terminal."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from pmfit.render.result_view import SIDE_STYLE
from pmfit.report.stats import Report
from pmfit.text.numbers import fixed_or_dash, share_or_dash, signed


def _bar(count: int, most: int, width: int = 30) -> str:
    return "█" * (round(count / most * width) if most else 0)


def report_view(report: Report, plain: bool = False) -> RenderableType:
    """Tables with bars; `plain`: the same tables without rules or bars (--plain)."""
    rule = None if plain else box.SIMPLE
    parts: list[RenderableType] = []
    bank = report.bank
    parts.append(
        Text.assemble(
            ("Cohort report", "bold"),
            f": {report.respondents:,} respondents, bank {bank['id']} {bank['version']}",
        )
    )

    recs = Table(title="Recommendations", box=rule, title_justify="left")
    recs.add_column("recommendation")
    recs.add_column("count", justify="right")
    recs.add_column("share", justify="right")
    recs.add_column("")
    most = max((s.count for s in report.recommendations.values()), default=0)
    for name, share in report.recommendations.items():
        recs.add_row(
            Text(name, style=SIDE_STYLE.get(name, "")),
            f"{share.count:,}",
            share_or_dash(share.share),
            Text("" if plain else _bar(share.count, most, 20), style=SIDE_STYLE.get(name, "")),
        )
    parts.append(recs)

    hist = Table(
        title=f"Scores: mean {fixed_or_dash(report.score.mean)}, "
        f"sd {fixed_or_dash(report.score.sd)}",
        box=rule,
        title_justify="left",
    )
    hist.add_column("score", justify="right")
    hist.add_column("count", justify="right")
    hist.add_column("")
    most = max((b.count for b in report.histogram), default=0)
    for b in report.histogram:
        style = "cyan" if b.high <= 0 else "magenta"
        hist.add_row(
            f"{signed(b.low)}..{signed(b.high)}",
            f"{b.count:,}",
            Text("" if plain else _bar(b.count, most), style=style),
        )
    parts.append(hist)

    dims = Table(title="Dimensions", box=rule, title_justify="left")
    for name, justify in (
        ("dimension", "left"),
        ("scored", "right"),
        ("mean", "right"),
        ("sd", "right"),
    ):
        dims.add_column(name, justify=justify)  # type: ignore[arg-type]
    for d in report.dimensions:
        dims.add_row(Text(d.id), f"{d.n:,}", fixed_or_dash(d.mean), fixed_or_dash(d.sd))
    parts.append(dims)

    flags = Table(title="Quality flags", box=rule, title_justify="left")
    flags.add_column("flag")
    flags.add_column("results", justify="right")
    flags.add_column("share", justify="right")
    for code, share in report.flags.items():
        flags.add_row(code, f"{share.count:,}", share_or_dash(share.share))
    parts.append(flags)

    rel = report.reliability
    ci = "" if rel.ci95 is None else f" (95% CI {rel.ci95[0]:.3f} to {rel.ci95[1]:.3f})"
    parts.append(
        Text.assemble(
            ("Reliability: ", "bold"),
            f"Cronbach's alpha {fixed_or_dash(rel.alpha, 3)}{ci}, {rel.items} items, "
            f"{rel.respondents:,} respondents who answered every question",
        )
    )
    items = Table(title="Items", box=rule, title_justify="left")
    # A question id is what a coach looks up: never cut it; the other columns wrap.
    longest = max((len(item.question) for item in report.items), default=8)
    items.add_column("question", no_wrap=True, min_width=longest)
    for name, justify in (
        ("answers (by option)", "left"),
        ("skipped", "right"),
        ("item-rest r", "right"),
        ("alpha if dropped", "right"),
        ("flag", "left"),
    ):
        items.add_column(name, justify=justify)  # type: ignore[arg-type]
    for item in report.items:
        flag = {"negative": "negative: mis-keyed?", "low": "low (< 0.2)"}.get(item.flag or "", "")
        items.add_row(
            Text(item.question),
            Text(" ".join(f"{k}:{v:,}" for k, v in item.distribution.items())),
            share_or_dash(item.skipped_share),
            fixed_or_dash(item.item_rest, 3),
            fixed_or_dash(item.alpha_if_dropped, 3),
            Text(flag, style="red" if item.flag == "negative" else "yellow"),
        )
    parts.append(items)
    return Group(*parts)
