"""Load a bank: from the cache when its files are unchanged, else validated anew.

A bank is a directory holding `bank.yaml` (metadata, dimensions, pairs, the
thread's map) and any further `*.yaml` files of questions, read in name order.
A validated bank is cached in the user's cache directory, keyed by the bank's
directory and checked against each file's size and modification time (as
Python checks its .pyc files), so everyday commands neither parse YAML nor
import the validator.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path

import msgspec

from pmfit import __version__
from pmfit.bank.model import Bank
from pmfit.errors import BankError, Problem
from pmfit.fileio import display_path

BANK_FILE = "bank.yaml"

Stamp = tuple[str, int, int]


class _CacheEntry(msgspec.Struct, frozen=True):
    stamps: list[Stamp]
    bank: Bank


def shipped_bank_dir() -> Path:
    """The bank inside the installed package, or the source tree's `questions/`."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_bank"
    return installed if installed.is_dir() else package.parent / "questions"


def _bank_dir(path: str | os.PathLike[str] | None) -> Path:
    if path is None:
        return shipped_bank_dir()
    path = Path(path)
    return path.parent if path.is_file() else path


def _files(directory: Path) -> list[Path]:
    main = directory / BANK_FILE
    if not main.is_file():
        raise BankError([Problem(display_path(main), None, None, "no bank.yaml here: not a bank")])
    extra = sorted(
        p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.name != BANK_FILE
    )
    return [main, *extra]


def bank_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """The YAML files of a bank, bank.yaml first."""
    return _files(_bank_dir(path))


def _stamps(paths: list[Path]) -> list[Stamp]:
    stamps = []
    for p in paths:
        status = p.stat()
        stamps.append((p.name, status.st_size, status.st_mtime_ns))
    return stamps


def _cache_file(directory: Path) -> Path | None:
    if os.environ.get("PMFIT_NO_CACHE"):
        return None
    from platformdirs import user_cache_path

    key = zlib.crc32(str(directory.resolve()).encode())
    return user_cache_path("pmfit", appauthor=False) / f"bank-{__version__}-{key:08x}.json"


def load_bank(path: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> Bank:
    """Load and validate a bank; raise BankError listing every problem found."""
    files = bank_files(path)
    directory = files[0].parent
    cache = _cache_file(directory) if use_cache else None
    if cache is not None and cache.is_file():
        try:
            entry = msgspec.json.decode(cache.read_bytes(), type=_CacheEntry)
            thread = directory / entry.bank.source.file
            if [list(s) for s in entry.stamps] == [list(s) for s in _stamps([*files, thread])]:
                return entry.bank
        except (msgspec.DecodeError, msgspec.ValidationError, OSError):
            pass  # a stale or broken cache is rebuilt below

    from pmfit.bank.validating import validate_bank

    bank, thread_name = validate_bank(files)
    if cache is not None:
        # Caching is an optimisation: a read-only home must not break scoring.
        with contextlib.suppress(OSError):
            from pmfit.fileio import atomic_write_bytes

            stamps = _stamps([*files, directory / thread_name])
            atomic_write_bytes(cache, msgspec.json.encode(_CacheEntry(stamps, bank)))
    return bank


def read_thread(path: str | os.PathLike[str] | None, bank: Bank) -> str:
    """The thread's text as shipped with the bank."""
    from pmfit.bank.validating import read_text

    return read_text(_bank_dir(path) / bank.source.file)
