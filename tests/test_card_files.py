"""`pmfit quiz --save card.svg|card.html`: the card opens offline, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import render
from test_report_html import right_edge_is_empty

from conftest import MINI

# headless Chromium: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

ANSWERS = "3\n1\n2\n1\n1\n1\n1\n1\n"


@pytest.mark.parametrize("name", ["card.svg", "card.html"])
def test_the_saved_card_loads_nothing(cli, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    run = cli("quiz", "--bank", str(MINI), "--lang", "es", "--save", str(target), input=ANSWERS)
    assert run.exit_code == 0, run.stderr
    text = target.read_text(encoding="utf-8")
    # The SVG namespace is a name, not a fetch; nothing else may name a place.
    assert text.replace('xmlns="http://www.w3.org/2000/svg"', "").count("//") == 0
    for banned in ("@font-face", "@import", "<script", "<link", "Fira Code"):
        assert banned not in text, banned
    # url() only for the SVG's own clip paths, inside the file.
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", text))
    assert "Recomendación" in text

    rendered = render(target, tmp_path / "card.png", width=900, height=1600)
    assert rendered.console == []
    from PIL import Image

    image = Image.open(rendered.png).convert("RGB")
    colours = image.getcolors(image.width * image.height) or []
    assert len(colours) > 10  # text and colours were drawn, not an empty page


def test_the_html_card_fits_a_phone(cli, tmp_path: Path) -> None:
    target = tmp_path / "card.html"
    cli("quiz", "--bank", str(MINI), "--save", str(target), input=ANSWERS)
    text = target.read_text(encoding="utf-8")
    assert '<html lang="en">' in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "font-size: clamp(5px, calc((100vw - 2rem) / 50), 15px);" in text
    # Drawn on a phone's width, the 80-column card stays inside the window.
    rendered = render(target, tmp_path / "phone.png", width=360, height=1400)
    assert rendered.console == []
    assert right_edge_is_empty(rendered.png, 8)
