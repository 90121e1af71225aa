"""The result card as a file (`pmfit quiz --save`): SVG, HTML or text, self-contained.

Rich's own SVG template loads its font from a CDN and its HTML has no viewport; a
card kept as a record must open offline and the same way in ten years. So the
card is recorded by Rich and exported through templates of ours: the system's
monospace fonts, no URL to fetch, and an HTML page whose type shrinks to keep the
80-column card within a phone's width.
"""

from __future__ import annotations

import io
import re

from rich._export_format import CONSOLE_SVG_FORMAT  # the template export_svg uses
from rich.console import Console, RenderableType

MONOSPACE = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace"

#: Rich's SVG template without its web fonts (the CDN), its credit link, or Fira Code.
SVG_FORMAT = re.sub(r"\s*@font-face \{\{.*?\}\}", "", CONSOLE_SVG_FORMAT, flags=re.S)
SVG_FORMAT = re.sub(r"\s*<!-- Generated with Rich[^>]*-->", "", SVG_FORMAT)
SVG_FORMAT = SVG_FORMAT.replace("Fira Code, monospace", MONOSPACE).replace(
    "font-family: arial;", "font-family: system-ui, sans-serif;"
)

HTML_FORMAT = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>pmfit</title>
<style>
{{stylesheet}}
body {{{{
    color: {{foreground}};
    background-color: {{background}};
    margin: 0;
    padding: 1rem;
}}}}
pre {{{{
    font-family: {monospace};
    /* 80 columns of 0.6em within the screen's width, from a phone's to a desktop's */
    font-size: clamp(5px, calc((100vw - 2rem) / 50), 15px);
    line-height: 1.3;
    overflow-x: auto;
}}}}
</style>
</head>
<body>
<pre><code style="font-family:inherit">{{code}}</code></pre>
</body>
</html>
"""

WIDTH = 80


def card_file(card: RenderableType, suffix: str, lang: str, plain: bool) -> str:
    """The card as the text of a .svg, .html or (any other suffix) .txt file."""
    recorder = Console(
        record=True,
        file=io.StringIO(),
        width=WIDTH,
        color_system=None if plain else "truecolor",
        force_terminal=not plain,
        markup=False,
        highlight=False,
        emoji=False,
    )
    recorder.print(card)
    if suffix == ".svg":
        return recorder.export_svg(title="pmfit", code_format=SVG_FORMAT)
    if suffix in (".html", ".htm"):
        template = HTML_FORMAT.format(lang=lang, monospace=MONOSPACE)
        return recorder.export_html(code_format=template, inline_styles=True)
    return recorder.export_text()
