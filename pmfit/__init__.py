"""pmfit: does B2B or B2C product management fit you better?

The library surface is small and typed: load a bank, score answers.

    >>> from pmfit import load_bank, score
    >>> result = score(load_bank(), {"problem-focus-1": "a"})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pmfit.version import __version__

__all__ = ["__version__", "load_bank", "score"]

if TYPE_CHECKING:
    from pmfit.bank.loading import load_bank
    from pmfit.scoring.engine import score


def __getattr__(name: str) -> Any:
    # Deferred so that `import pmfit` (and the CLI's start-up) stays cheap.
    if name == "load_bank":
        from pmfit.bank.loading import load_bank

        return load_bank
    if name == "score":
        from pmfit.scoring.engine import score

        return score
    raise AttributeError(name)
