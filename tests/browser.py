"""Headless Chromium for the tests: a page rendered to a PNG, its DOM, its console.

Each run gets a fresh profile and no network features, so nothing but the page
itself is loaded. Any console message (an error, a blocked fetch, a CSP
violation) is collected: a self-contained page has none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--enable-logging=stderr",
    "--v=0",
)


def chromium() -> str:
    """The browser's path; skips the test without one, except under CI=true (fails)."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    message = "no headless Chromium (Debian: apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must run the browser tests")
    pytest.skip(message)


@dataclass
class Rendered:
    png: Path
    dom: str
    console: list[str]


def _run(browser: str, page: Path, *extra: str) -> tuple[str, list[str]]:
    with tempfile.TemporaryDirectory(prefix="pmfit-chromium-") as profile:
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def render(page: Path, png: Path, width: int = 800, height: int = 2400) -> Rendered:
    """`page` rendered at `width` x `height` CSS pixels into `png`, and its DOM."""
    browser = chromium()
    _, shot_console = _run(browser, page, f"--window-size={width},{height}", f"--screenshot={png}")
    dom, dom_console = _run(browser, page, "--dump-dom")
    return Rendered(png, dom, shot_console + dom_console)
