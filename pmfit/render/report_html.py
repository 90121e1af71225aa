"""The cohort report as one self-contained web page, in English or Spanish.

Everything is in the page: the styles inline, the charts inline SVG, the system's
own fonts; no script, and nothing fetched from the network, so the file can be
mailed, opened offline or kept as a record. Every text that comes from the
results or the bank (ids, names, prompts, outcome values) is HTML-escaped.

The layout is one column that fits a phone: charts whose lines and labels are
HTML scale with the page (the bars are SVG stretched to their box), and below
640 px the item table turns into one card per question.
"""

from __future__ import annotations

from html import escape

from pmfit.bank.model import Bank
from pmfit.i18n import MESSAGES, t
from pmfit.render.result_view import short_prompt
from pmfit.report.stats import Report
from pmfit.text.literal import literal
from pmfit.text.numbers import decimal, signed

#: The two sides and the known outcomes; any other outcome value gets a grey of its own.
COLOURS = {"B2B": "#0e7490", "B2C": "#a21caf", "either": "#15803d", "insufficient": "#b45309"}
OTHER_COLOURS = ("#64748b", "#4338ca", "#be123c", "#854d0e", "#0f766e")
NEUTRAL = "#a3a3a3"

STYLE = """
:root { color-scheme: light dark; --fg: #1f2937; --muted: #6b7280; --bg: #ffffff;
  --rule: #e5e7eb; --band: #f3f4f6; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e5e7eb; --muted: #9ca3af; --bg: #111827; --rule: #374151; --band: #1f2937; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans",
  Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--rule); }
p.about, p.note, footer { color: var(--muted); font-size: 0.9rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  monospace; font-size: 0.85em; overflow-wrap: anywhere; }
svg { display: block; overflow: visible; }
svg text { fill: currentColor; font-size: 13px; }
.stack { width: 100%; height: 2.25rem; border-radius: 4px; overflow: hidden; }
.legend { list-style: none; padding: 0; margin: 0.5rem 0; display: flex; flex-wrap: wrap;
  gap: 0.25rem 1.25rem; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px;
  margin-right: 0.35em; vertical-align: -0.05em; }
.histogram { width: 100%; height: auto; max-width: 720px; }
.diverging { display: grid; grid-template-columns: minmax(7rem, 13rem) 1fr 7.5rem;
  gap: 0.2rem 0.75rem; align-items: center; }
/* three columns, the middle one centred: the "0" sits exactly over the bars' centre line */
.diverging .axis { display: grid; grid-template-columns: 1fr auto 1fr; color: var(--muted);
  font-size: 0.85rem; border-bottom: 1px solid var(--rule); }
.diverging .axis :last-child { text-align: right; }
.diverging .bar { width: 100%; height: 1.4rem; }
.diverging .value { font-variant-numeric: tabular-nums; font-size: 0.9rem; white-space: nowrap; }
.meter { width: 100%; height: 0.8rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--rule);
  vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.scroll { overflow-x: auto; }
td.question { min-width: 14rem; width: 45%; }
.dim { color: var(--muted); font-size: 0.85em; }
td.answers { font-size: 0.8em; min-width: 12rem; }
th { white-space: normal; }
.mix { width: 100%; height: 0.9rem; margin-bottom: 0.2rem; }
.flagged { color: #b91c1c; font-weight: 600; }
.alpha { width: 100%; height: auto; max-width: 720px; }
@media (max-width: 640px) {
  main { padding: 0.75rem; }
  .histogram text, .alpha text { font-size: 21px; }
  table.flags code { display: none; }
  .diverging { grid-template-columns: 1fr 6.5rem; }
  .diverging .name { grid-column: 1 / -1; margin-top: 0.4rem; }
  .diverging .head-name { display: none; }
  table.items thead { display: none; }
  table.items tr { display: block; border-bottom: 1px solid var(--rule); padding: 0.4rem 0; }
  table.items td { display: flex; justify-content: space-between; gap: 1rem; border: 0;
    padding: 0.15rem 0; text-align: right; }
  table.items td::before { content: attr(data-label); color: var(--muted); text-align: left; }
  table.items td.question { display: block; text-align: left; font-weight: 600; }
  table.items td.question::before { content: none; }
}
"""


def _e(text: object) -> str:
    """Text from the input as written: control characters and bidi overrides as visible
    escapes (as on a terminal), then HTML-escaped, so it is never markup."""
    return escape(literal(str(text)), quote=True)


def _share(value: float | None, lang: str, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = decimal(value * 100, digits, lang)
    return f"{text} %" if lang == "es" else f"{text}%"


def _num(value: float | None, digits: int, lang: str) -> str:
    return "–" if value is None else decimal(value, digits, lang)


def _count(value: int, lang: str) -> str:
    return decimal(value, 0, lang)


def _outcome_name(outcome: str, lang: str) -> str:
    key = f"report.outcome.{outcome}"
    return t(key, lang) if key in MESSAGES else outcome


def outcome_colours(outcomes: list[str]) -> dict[str, str]:
    """A colour per outcome: the known ones theirs, any other the next unused grey."""
    others = iter(OTHER_COLOURS)
    return {o: COLOURS.get(o) or next(others, NEUTRAL) for o in outcomes}


def _mix(lean: float) -> str:
    """A colour between B2B's and B2C's through a neutral grey, by an option's lean."""
    end = COLOURS["B2C"] if lean > 0 else COLOURS["B2B"]
    a = [int(NEUTRAL[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(end[i : i + 2], 16) for i in (1, 3, 5)]
    f = min(1.0, abs(lean))
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b, strict=True))


def _svg(view: str, css: str, label: str, body: list[str], stretch: bool = False) -> str:
    aspect = ' preserveAspectRatio="none"' if stretch else ""
    # A chart without a label repeats figures written beside it: screen readers skip it.
    about = f'role="img" aria-label="{_e(label)}"' if label else 'aria-hidden="true"'
    return f'<svg class="{css}" viewBox="{view}"{aspect} {about}>' + "".join(body) + "</svg>"


def _outcomes(report: Report, lang: str) -> list[str]:
    colours = outcome_colours(list(report.recommendations))
    total = sum(s.count for s in report.recommendations.values())
    rects: list[str] = []
    x = 0.0
    for outcome, share in report.recommendations.items():
        if not share.count:
            continue
        width = share.count / total * 1000
        rects.append(
            f'<rect class="outcome" data-outcome="{_e(outcome)}" x="{x:.2f}" y="0" '
            f'width="{width:.2f}" height="10" fill="{colours[outcome]}">'
            f"<title>{_e(_outcome_name(outcome, lang))}: {_count(share.count, lang)} "
            f"({_share(share.share, lang)})</title></rect>"
        )
        x += width
    legend = "".join(
        f'<li><span class="swatch" style="background:{colours[o]}"></span>'
        f"<strong>{_e(_outcome_name(o, lang))}</strong> {_share(s.share, lang)} "
        f"({_count(s.count, lang)})</li>"
        for o, s in report.recommendations.items()
    )
    return [
        f"<h2>{t('report.outcomes', lang)}</h2>",
        _svg("0 0 1000 10", "stack", t("report.outcomes", lang), rects, stretch=True),
        f'<ul class="legend">{legend}</ul>',
    ]


def _histogram(report: Report, bank: Bank, lang: str) -> list[str]:
    left, right, top, bottom = 44.0, 580.0, 12.0, 190.0
    width = right - left

    def x_of(score: float) -> float:
        return left + (score + 100) / 200 * width

    most = max((b.count for b in report.histogram), default=0)
    band = bank.thresholds.either
    body = [
        f'<rect class="band" x="{x_of(-band):.1f}" y="{top}" '
        f'width="{x_of(band) - x_of(-band):.1f}" height="{bottom - top}" fill="var(--band)"/>'
    ]
    for b in report.histogram:
        if not b.count:
            continue
        h = b.count / most * (bottom - top)
        colour = COLOURS["B2B"] if b.high <= 0 else COLOURS["B2C"]
        label = t(
            "report.bin", lang, low=signed(b.low), high=signed(b.high), count=_count(b.count, lang)
        )
        body.append(
            f'<rect class="bin" x="{x_of(b.low) + 1:.1f}" y="{bottom - h:.1f}" '
            f'width="{x_of(b.high) - x_of(b.low) - 2:.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{_e(label)}</title></rect>"
        )
    body.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="currentColor"/>'
    )
    for tick in (-100, -50, 0, 50, 100):
        # The end labels hang inward, so that they stay inside the chart on a phone.
        anchor = {-100: "start", 100: "end"}.get(tick, "middle")
        body.append(
            f'<line x1="{x_of(tick):.1f}" y1="{bottom}" x2="{x_of(tick):.1f}" '
            f'y2="{bottom + 5}" stroke="currentColor"/>'
            f'<text x="{x_of(tick):.1f}" y="{bottom + 19}" text-anchor="{anchor}">'
            f"{signed(tick)}</text>"
        )
    body.append(
        f'<text x="{left}" y="{bottom + 36}" fill="{COLOURS["B2B"]}" font-weight="bold">'
        f"\u25c0 B2B</text>"
        f'<text x="{right}" y="{bottom + 36}" text-anchor="end" fill="{COLOURS["B2C"]}" '
        f'font-weight="bold">B2C \u25b6</text>'
    )
    if most:
        body.append(
            f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{_count(most, lang)}</text>'
            f'<text x="{left - 6}" y="{bottom}" text-anchor="end">0</text>'
        )
    if report.score.mean is not None:
        mx = x_of(report.score.mean)
        body.append(
            f'<line class="mean" x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" y2="{bottom}" '
            f'stroke="currentColor" stroke-dasharray="4 3"/>'
        )
    about = t(
        "report.scores.about",
        lang,
        mean="–" if report.score.mean is None else signed(report.score.mean, 1),
        sd=_num(report.score.sd, 1, lang),
    )
    return [
        f"<h2>{t('report.scores', lang)}</h2>",
        _svg(f"0 0 600 {bottom + 44:.0f}", "histogram", t("report.scores", lang), body),
        f'<p class="note">{_e(about)}</p>',
    ]


def _diverging_bar(b2b: int, balanced: int, b2c: int, lang: str) -> str:
    """How the respondents split, as a diverging stacked bar: leaning B2B to the left of
    the centre line, balanced across it, leaning B2C to the right (0..200 user units,
    the centre at 100, stretched to the cell)."""
    total = b2b + balanced + b2c
    body = []
    if total:
        half = balanced / total * 100 / 2
        parts = (
            ("b2b", b2b, 100 - half - b2b / total * 100, COLOURS["B2B"]),
            ("balanced", balanced, 100 - half, NEUTRAL),
            ("b2c", b2c, 100 + half, COLOURS["B2C"]),
        )
        for side, count, x, colour in parts:
            if count:
                share = _share(count / total, lang)
                body.append(
                    f'<rect class="dimension-bar side-{side}" x="{x:.2f}" y="3" '
                    f'width="{count / total * 100:.2f}" height="14" fill="{colour}">'
                    f"<title>{_e(t(f'report.side.{side}', lang))}: {_count(count, lang)} "
                    f"({share})</title></rect>"
                )
    body.append(
        '<line x1="100" y1="0" x2="100" y2="20" stroke="currentColor" '
        'vector-effect="non-scaling-stroke"/>'
    )
    return _svg("0 0 200 20", "bar", "", body, stretch=True)


def _dimensions(report: Report, bank: Bank, lang: str) -> list[str]:
    names = {d.id: d.name.get(lang) for d in bank.dimensions}
    rows = [
        '<div class="head-name"></div>'
        '<div class="axis" aria-hidden="true">'
        f'<span style="color:{COLOURS["B2B"]}">\u25c0 B2B</span><span>|</span>'
        f'<span style="color:{COLOURS["B2C"]}">B2C \u25b6</span></div><div></div>'
    ]
    for d in report.dimensions:
        answered = d.b2b + d.balanced + d.b2c
        split = (
            f"{_share(d.b2b / answered, lang, 0)} \u00b7 {_share(d.b2c / answered, lang, 0)}"
            if answered
            else "–"
        )
        rows.append(
            f'<div class="name">{_e(names.get(d.id, d.id))}</div>'
            f"{_diverging_bar(d.b2b, d.balanced, d.b2c, lang)}"
            f'<div class="value">{split}</div>'
        )
    band = f"{bank.thresholds.either:g}"
    legend = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>'
        f"{_e(t(f'report.side.{side}', lang, band=band))}</li>"
        for side, colour in (
            ("b2b", COLOURS["B2B"]),
            ("balanced", NEUTRAL),
            ("b2c", COLOURS["B2C"]),
        )
    )
    return [
        f"<h2>{t('report.dimensions', lang)}</h2>",
        f'<div class="diverging">{"".join(rows)}</div>',
        f'<ul class="legend">{legend}</ul>',
        f'<p class="note">{_e(t("report.dimensions.about", lang, band=band))}</p>',
    ]


def _meter(share: float | None, colour: str) -> str:
    width = 0.0 if share is None else share * 100
    return _svg(
        "0 0 100 10",
        "meter",
        "",
        [
            '<rect x="0" y="0" width="100" height="10" fill="var(--band)"/>',
            f'<rect class="flag-bar" x="0" y="0" width="{width:.2f}" height="10" fill="{colour}"/>',
        ],
        stretch=True,
    )


def _flags(report: Report, lang: str) -> list[str]:
    rows = []
    for code, share in report.flags.items():
        key = f"report.flag.{code}"
        name = t(key, lang) if key in MESSAGES else code
        rows.append(
            f'<tr><td>{_e(name)} <code>{_e(code)}</code></td><td class="num">'
            f'{_count(share.count, lang)}</td><td class="num">{_share(share.share, lang)}</td>'
            f'<td style="width:35%">{_meter(share.share, "#b45309")}</td></tr>'
        )
    return [
        f"<h2>{t('report.flags', lang)}</h2>",
        f'<table class="flags"><thead><tr><th></th><th class="num">'
        f'{t("report.col.count", lang)}</th><th class="num">{t("report.col.share", lang)}</th>'
        f"<th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>",
    ]


def _reliability(report: Report, lang: str) -> list[str]:
    rel = report.reliability
    if rel.alpha is None:
        words = t(
            "report.alpha.none", lang, items=rel.items, respondents=_count(rel.respondents, lang)
        )
        return [f"<h2>{t('report.reliability', lang)}</h2>", f"<p>{_e(words)}</p>"]
    interval = (
        ""
        if rel.ci95 is None
        else t(
            "report.alpha.interval",
            lang,
            low=_num(rel.ci95[0], 3, lang),
            high=_num(rel.ci95[1], 3, lang),
        )
    )
    words = t(
        "report.alpha",
        lang,
        alpha=_num(rel.alpha, 3, lang),
        interval=interval,
        items=rel.items,
        respondents=_count(rel.respondents, lang),
    )
    left, right, y = 20.0, 580.0, 22.0

    def x_of(value: float) -> float:
        return left + max(0.0, min(1.0, value)) * (right - left)

    body = [
        f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="var(--rule)" '
        f'stroke-width="6" stroke-linecap="round"/>'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        body.append(
            f'<text x="{x_of(tick):.1f}" y="{y + 24}" text-anchor="middle">'
            f"{_num(tick, 2, lang)}</text>"
        )
    if rel.ci95 is not None:
        body.append(
            f'<line class="interval" x1="{x_of(rel.ci95[0]):.1f}" y1="{y}" '
            f'x2="{x_of(rel.ci95[1]):.1f}" y2="{y}" stroke="{COLOURS["B2B"]}" stroke-width="6" '
            f'stroke-linecap="round"/>'
        )
    body.append(
        f'<circle class="alpha-point" cx="{x_of(rel.alpha):.1f}" cy="{y}" r="8" '
        f'fill="var(--bg)" stroke="{COLOURS["B2B"]}" stroke-width="4"/>'
    )
    return [
        f"<h2>{t('report.reliability', lang)}</h2>",
        _svg("0 0 600 52", "alpha", words, body),
        f"<p>{_e(words)}</p>",
    ]


def _items(report: Report, bank: Bank, lang: str) -> list[str]:
    questions = {q.id: q for q in bank.questions}
    names = {d.id: d.name.get(lang) for d in bank.dimensions}
    heads = [
        ("question", "question"),
        ("answers", "answers"),
        ("skipped", "num"),
        ("item_rest", "num"),
        ("alpha_dropped", "num"),
        ("flag", ""),
    ]
    label = {key: t(f"report.col.{key}", lang) for key, _ in heads}
    rows = []
    for item in report.items:
        question = questions.get(item.question)
        title = short_prompt(question, lang) if question is not None else item.question
        leans = {o.id: o.lean for o in question.options} if question is not None else {}
        answered = sum(item.distribution.values())
        rects, x = [], 0.0
        for option, count in item.distribution.items():
            if not count:
                continue
            w = count / answered * 100
            rects.append(
                f'<rect class="option" x="{x:.2f}" y="0" width="{w:.2f}" height="10" '
                f'fill="{_mix(leans.get(option, 0.0))}"><title>{_e(option)}: '
                f"{_count(count, lang)}</title></rect>"
            )
            x += w
        counts = " · ".join(f"{_e(o)} {_count(c, lang)}" for o, c in item.distribution.items())
        flag = t(f"report.item.{item.flag}", lang) if item.flag in ("negative", "low") else ""
        cells = [
            (
                "question",
                f"{_e(title)}<br><code>{_e(item.question)}</code> "
                f'<span class="dim">{_e(names.get(item.dimension, item.dimension))}</span>',
            ),
            ("answers", _svg("0 0 100 10", "mix", "", rects, stretch=True) + counts),
            ("skipped", _share(item.skipped_share, lang)),
            ("item_rest", _num(item.item_rest, 3, lang)),
            ("alpha_dropped", _num(item.alpha_if_dropped, 3, lang)),
            ("flag", f'<span class="flagged">{_e(flag)}</span>' if flag else ""),
        ]
        rows.append(
            "<tr>"
            + "".join(
                f'<td class="{css}" data-label="{_e(label[key])}">{html}</td>'
                for (key, html), (_, css) in zip(cells, heads, strict=True)
            )
            + "</tr>"
        )
    head = "".join(f'<th class="{css}">{label[key]}</th>' for key, css in heads)
    return [
        f"<h2>{t('report.items', lang)}</h2>",
        f'<p class="note">{t("report.items.about", lang)}</p>',
        f'<div class="scroll"><table class="items"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>",
    ]


def report_html(report: Report, bank: Bank, lang: str = "en") -> str:
    """The whole page, as text: `pmfit report --format html`."""
    from pmfit.version import __version__

    about = t(
        "report.about",
        lang,
        respondents=_count(report.respondents, lang),
        bank=report.bank["id"],
        version=report.bank["version"],
    )
    parts = [f"<h1>{t('report.title', lang)}</h1>", f'<p class="about">{_e(about)}</p>']
    if report.respondents:
        parts += _outcomes(report, lang)
        parts += _histogram(report, bank, lang)
        parts += _dimensions(report, bank, lang)
        parts += _flags(report, lang)
        parts += _reliability(report, lang)
        parts += _items(report, bank, lang)
    else:
        parts.append(f"<p>{t('report.none', lang)}</p>")
    footer = t("report.footer", lang, version=__version__)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # No network at all: nothing to fetch, no script to run, even if a text slipped.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>pmfit: {_e(t('report.title', lang))} ({_e(report.bank['id'])})</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(parts)
        + f"\n<footer><p>{_e(footer)}</p></footer>\n</main>\n</body>\n</html>\n"
    )
