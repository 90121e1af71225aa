"""The cohort report as Markdown, for pasting into a document."""

from __future__ import annotations

from pmfit.report.stats import Report
from pmfit.text.numbers import fixed_or_dash, share_or_dash, signed


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def report_markdown(report: Report) -> str:
    bank = report.bank
    out = [
        "# Cohort report",
        "",
        f"{report.respondents:,} respondents; bank `{bank['id']}` {bank['version']}.",
        "",
        "## Recommendations",
        "",
        "| recommendation | count | share |",
        "|---|---:|---:|",
    ]
    for name, share in report.recommendations.items():
        out.append(f"| {name} | {share.count:,} | {share_or_dash(share.share)} |")
    out += [
        "",
        "## Scores",
        "",
        f"Mean {fixed_or_dash(report.score.mean)}, "
        f"standard deviation {fixed_or_dash(report.score.sd)} "
        "(-100 is wholly B2B, +100 wholly B2C).",
        "",
        "| score | count | |",
        "|---|---:|---|",
    ]
    most = max((b.count for b in report.histogram), default=0)
    for b in report.histogram:
        bar = "█" * (round(b.count / most * 30) if most else 0)
        out.append(f"| {signed(b.low)} to {signed(b.high)} | {b.count:,} | {bar} |")
    out += ["", "## Dimensions", "", "| dimension | scored | mean | sd |", "|---|---:|---:|---:|"]
    for d in report.dimensions:
        out.append(f"| {_cell(d.id)} | {d.n:,} | {fixed_or_dash(d.mean)} | {fixed_or_dash(d.sd)} |")
    out += ["", "## Quality flags", "", "| flag | results | share |", "|---|---:|---:|"]
    for code, share in report.flags.items():
        out.append(f"| {code} | {share.count:,} | {share_or_dash(share.share)} |")
    rel = report.reliability
    ci = "" if rel.ci95 is None else f" (95% CI {rel.ci95[0]:.3f} to {rel.ci95[1]:.3f}, Feldt)"
    out += [
        "",
        "## Item analysis",
        "",
        f"Cronbach's alpha: **{fixed_or_dash(rel.alpha, 3)}**{ci}, over {rel.items} items and the "
        f"{rel.respondents:,} respondents who answered every question. Item scores are the "
        "options' leans (B2C high).",
        "",
        "| question | answers (by option) | skipped | item-rest r | alpha if dropped | flag |",
        "|---|---|---:|---:|---:|---|",
    ]
    for item in report.items:
        dist = ", ".join(f"{k}: {v:,}" for k, v in item.distribution.items())
        flag = {"negative": "negative: mis-keyed?", "low": "low (< 0.2)"}.get(item.flag or "", "")
        out.append(
            f"| {_cell(item.question)} | {_cell(dist)} | {share_or_dash(item.skipped_share)} | "
            f"{fixed_or_dash(item.item_rest, 3)} | "
            f"{fixed_or_dash(item.alpha_if_dropped, 3)} | {flag} |"
        )
    return "\n".join(out) + "\n"
