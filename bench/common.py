"""What the benchmark scripts share: how to run pmfit as a user would."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# An installed pmfit has its bytecode compiled (pip does it), as typer and rich have
# theirs; a source checkout gets it on a warm-up run, unless the environment forbids
# writing it (this machine sets PYTHONDONTWRITEBYTECODE).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def pmfit_command() -> list[str]:
    """The installed console script beside this Python, else `python -m pmfit`."""
    script = Path(sys.executable).with_name("pmfit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pmfit"]
