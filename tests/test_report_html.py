"""`pmfit report --format html`: one self-contained page, escaped, rendered by a real browser."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from browser import render
from test_report_stats import HAND, tiny_bank

from conftest import ROOT

# headless Chromium: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "docs" / "example-cohort.csv"
B2B, B2C = (14, 116, 144), (162, 28, 175)  # the page's colours for the two sides


class Elements(HTMLParser):
    """Counts of `tag.class` for every element and class, as parsed."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.counts[tag] += 1
        for name, value in attrs:
            if name == "class" and value:
                for css in value.split():
                    self.counts[f"{tag}.{css}"] += 1


def _answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text("respondent,t1,t2,t3\n" + "".join(",".join(r) + "\n" for r in HAND))
    return path


def _html(cli, *args: str) -> str:
    run = cli("report", *args, "--format", "html")
    assert run.exit_code == 0, run.stderr
    assert run.stderr == ""
    return run.stdout


def test_the_page_is_self_contained(cli, tmp_path) -> None:
    page = _html(cli, "--bank", str(tiny_bank(tmp_path / "tiny")), str(_answers(tmp_path)))
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    # Nothing that could fetch or run: no URL, no script, no link, no @import or url().
    for banned in ("http:", "https:", "//", "<script", "<link", "@import", "url(", "<img"):
        assert banned not in page.replace("</", ""), banned
    assert "default-src 'none'" in page
    assert "\x1b" not in page
    counts = Elements(page).counts
    assert counts["h2"] == 6
    # Three questions decide little: three answers all +1 are B2C, the rest too close.
    assert counts["rect.outcome"] == 2
    assert counts["table.items"] == 1 and counts["td.question"] == 3
    assert "<strong>B2C</strong> 25.0% (1)</li>" in page
    assert "<strong>Too close to call</strong> 75.0% (3)</li>" in page
    assert "<p>Cronbach&#x27;s alpha 0.867 (95% interval 0.12" in page


def test_spanish(cli, tmp_path) -> None:
    page = _html(
        cli, "--bank", str(tiny_bank(tmp_path / "tiny")), str(_answers(tmp_path)), "--lang", "es"
    )
    assert '<html lang="es">' in page
    assert "<h1>Informe de la cohorte</h1>" in page
    assert "<strong>Demasiado igualado</strong> 75,0 % (3)</li>" in page
    assert "Alfa de Cronbach 0,867 (intervalo del 95 % de 0,12" in page
    assert "Cronbach&#x27;s alpha" not in page


def test_every_text_from_the_input_is_escaped(cli, tmp_path) -> None:
    """A bank's names and prompts and a result's outcome are data, never markup."""
    bank = tiny_bank(tmp_path / "tiny")
    meta = yaml.safe_load((bank / "bank.yaml").read_text())
    meta["dimensions"][0]["name"]["en"] = "<script>alert(1)</script>"
    (bank / "bank.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True))
    questions = yaml.safe_load((bank / "questions.yaml").read_text())
    questions["questions"][0]["prompt"]["en"] = 'Is <b>this</b> "bold" & safe?'
    (bank / "questions.yaml").write_text(yaml.safe_dump(questions))
    results = tmp_path / "results.jsonl"
    run = cli("batch", "--bank", str(bank), str(_answers(tmp_path)), "-o", str(results))
    assert run.exit_code == 0, run.stderr
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    # An outcome it does not know, with a bidi override in it.
    lines[0]["recommendation"] = 'too close <i onmouseover="x">\u202e'
    results.write_text("".join(json.dumps(line) + "\n" for line in lines))

    target = tmp_path / "cohort.html"  # a file: no terminal's safety net on the way
    run = cli("report", "--bank", str(bank), str(results), "-o", str(target))
    # A result with an outcome pmfit never gives is a malformed row: rejected, not shown.
    assert run.exit_code == 1, run.stderr
    assert run.stderr.splitlines()[0].startswith(f"{results}:1: not a pmfit result: ")
    page = target.read_text(encoding="utf-8")
    del lines[0]
    results.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert page == _html(cli, "--bank", str(bank), str(results))
    assert "<script>" not in page and "<b>this" not in page and "<i " not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Is &lt;b&gt;this&lt;/b&gt; &quot;bold&quot; &amp; safe?" in page
    assert "\u202e" not in page and "too close" not in page


def test_an_empty_cohort_says_so(cli, tmp_path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    page = _html(cli, "--bank", str(tiny_bank(tmp_path / "tiny")), str(empty))
    assert "<p>No respondents yet.</p>" in page
    assert "<svg" not in page


def test_the_example_cohort_is_what_its_script_makes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("example", ROOT / "docs" / "example.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert EXAMPLE.read_text(encoding="utf-8") == example.cohort_csv()


def _colour_pixels(png: Path, colour: tuple[int, int, int]) -> int:
    from PIL import Image

    image = Image.open(png).convert("RGB")
    return sum(n for n, c in image.getcolors(image.width * image.height) or [] if c == colour)


@pytest.mark.parametrize(("lang", "width"), [("en", 960), ("es", 390)])
def test_a_browser_renders_the_charts(cli, tmp_path, lang: str, width: int) -> None:
    """Headless Chromium draws the README's example cohort: no console message at all
    (a blocked fetch, a CSP violation or a script error would be one), every chart's
    elements in its DOM, and both sides' colours on the screen, on a desktop and a phone."""
    report = json.loads(cli("report", str(EXAMPLE), "--json").stdout)
    page = tmp_path / "cohort.html"
    page.write_text(_html(cli, str(EXAMPLE), "--lang", lang), encoding="utf-8")
    rendered = render(page, tmp_path / "cohort.png", width=width, height=2400)

    assert rendered.console == []
    counts = Elements(rendered.dom).counts
    outcomes = [o for o, s in report["recommendations"].items() if s["count"]]
    assert counts["rect.outcome"] == len(outcomes) >= 3
    assert counts["rect.bin"] == sum(1 for b in report["histogram"] if b["count"]) > 5
    assert counts["line.mean"] == 1
    sides = [d[side] for d in report["dimensions"] for side in ("b2b", "balanced", "b2c")]
    assert counts["rect.dimension-bar"] == sum(1 for n in sides if n) > 12
    assert counts["rect.side-b2b"] == counts["rect.side-b2c"] == 12
    assert counts["rect.flag-bar"] == 3
    assert counts["circle.alpha-point"] == 1 and counts["line.interval"] == 1
    assert counts["td.question"] == len(report["items"]) == 29
    assert _colour_pixels(rendered.png, B2B) > 2000
    assert _colour_pixels(rendered.png, B2C) > 2000


def test_the_browser_check_sees_console_errors(tmp_path) -> None:
    """The check above can fail: a page that fetches or logs is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '<link rel="stylesheet" href="https://example.com/x.css"><p>hi</p>'
    )
    rendered = render(page, tmp_path / "bad.png", width=400, height=300)
    assert any("example.com/x.css" in line for line in rendered.console)


def test_the_readme_shows_the_picture() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"!\[[^\]]+\]\(docs/report\.png\)", readme)
    assert (ROOT / "docs" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def right_edge_is_empty(png: Path, margin: int) -> bool:
    """Nothing drawn in the rightmost `margin` pixels: the page fits the window's width
    (content wider than the window would run into the edge)."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    background = image.getpixel((image.width - 1, image.height - 1))
    return all(
        image.getpixel((x, y)) == background
        for x in range(image.width - margin, image.width)
        for y in range(0, image.height, 2)
    )


def test_the_page_fits_a_phone(cli, tmp_path) -> None:
    page = tmp_path / "cohort.html"
    page.write_text(_html(cli, str(EXAMPLE)), encoding="utf-8")
    rendered = render(page, tmp_path / "phone.png", width=360, height=3000)
    assert rendered.console == []
    assert right_edge_is_empty(rendered.png, 8)
    # The check can fail: a line 600 px wide runs into the edge.
    wide = tmp_path / "wide.html"
    wide.write_text(
        page.read_text().replace("<main>", '<main><p style="width:600px">' + "wide " * 40 + "</p>")
    )
    assert not right_edge_is_empty(render(wide, tmp_path / "wide.png", 360, 3000).png, 8)


def test_an_output_named_html_is_the_page(cli, tmp_path) -> None:
    target = tmp_path / "cohort.html"
    run = cli("report", str(EXAMPLE), "-o", str(target), "--lang", "es")
    assert run.exit_code == 0, run.stderr
    assert target.read_text(encoding="utf-8").startswith('<!DOCTYPE html>\n<html lang="es">')
    md = tmp_path / "cohort.md"
    assert cli("report", str(EXAMPLE), "-o", str(md)).exit_code == 0
    assert md.read_text(encoding="utf-8").startswith("# Cohort report\n")
    other = tmp_path / "cohort.out"
    assert cli("report", str(EXAMPLE), "-o", str(other)).exit_code == 0
    assert other.read_text(encoding="utf-8").startswith("{")  # not a terminal: JSON
