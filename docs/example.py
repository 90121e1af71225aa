"""Make the README's example cohort and the picture of its HTML report.

    python docs/example.py            # writes docs/example-cohort.csv and docs/report.png

The cohort is simulated, not real: 60 respondents whose answers follow a hidden
lean (some B2B, some B2C, some in between) with noise and a few skips, and two
who pick the first option every time, so that every part of the report has
something to show. The same seed always gives the same CSV (a test checks it);
the PNG needs headless Chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COHORT = HERE / "example-cohort.csv"
PICTURE = HERE / "report.png"
SEED = 12
RESPONDENTS = 60


def cohort_csv() -> str:
    from pmfit.bank.loading import load_bank

    bank = load_bank(str(ROOT / "questions"))
    rng = random.Random(SEED)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["respondent", *(q.id for q in bank.questions)])
    for n in range(1, RESPONDENTS + 1):
        centre, spread = rng.choice([(-0.55, 0.3), (0.6, 0.3), (0.0, 0.2)])
        lean = rng.gauss(centre, spread)
        row = [f"r{n:02d}"]
        for q in bank.questions:
            if n <= 2:
                row.append(q.options[0].id)  # straight-lining: the first option everywhere
            elif rng.random() < 0.04:
                row.append("")
            else:
                target = lean + rng.gauss(0, 0.45)
                row.append(min(q.options, key=lambda o: abs(o.lean - target)).id)
        writer.writerow(row)
    return out.getvalue()


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import render  # the tests' headless Chromium
    from PIL import Image

    COHORT.write_text(cohort_csv(), encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "cohort.html"
        html = subprocess.run(
            [
                sys.executable,
                "-m",
                "pmfit",
                "report",
                str(COHORT),
                "--format",
                "html",
                "--lang",
                "en",
            ],
            capture_output=True,
            check=True,
        ).stdout
        page.write_bytes(html)
        rendered = render(page, Path(tmp) / "full.png", width=960, height=8000)
        if rendered.console:
            raise SystemExit("console messages:\n" + "\n".join(rendered.console))
        image = Image.open(rendered.png).convert("RGB")
        # Crop the empty page below the footer, keeping a margin.
        background = image.getpixel((0, image.height - 1))
        bottom = image.height
        while bottom > 1 and all(
            image.getpixel((x, bottom - 1)) == background for x in range(0, image.width, 4)
        ):
            bottom -= 1
        image.crop((0, 0, image.width, min(image.height, bottom + 16))).save(PICTURE, optimize=True)
    print(f"wrote {COHORT.relative_to(ROOT)} and {PICTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
