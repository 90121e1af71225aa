"""Load a bank: from the cache when its files are unchanged, else validated anew.

A bank is a directory holding `bank.yaml` (metadata, dimensions, pairs, the
thread's map) and any further `*.yaml` files of questions, read in name order.
A validated bank is kept compiled (beside the bank, or in the user's cache)
with a fingerprint of its files, so everyday commands neither parse YAML nor
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

COMPILED_FILE = "bank.compiled.json"


class CompiledBank(msgspec.Struct, frozen=True, kw_only=True):
    """A validated bank and the fingerprint of the files it was validated from."""

    fingerprint: str
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
        raise BankError(
            [Problem(display_path(directory), None, None, "not a bank: it has no bank.yaml")]
        )
    extra = sorted(
        p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.name != BANK_FILE
    )
    return [main, *extra]


def bank_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """The YAML files of a bank, bank.yaml first."""
    return _files(_bank_dir(path))


def fingerprint(files: list[Path], thread_name: str) -> str:
    """What a compiled bank must match: the names and bytes of its files and thread.

    A checksum, not a hash: it only has to notice an edit, and crc32 is in the
    standard library's always-loaded zlib, where hashlib would cost start-up time.
    """
    crc, size = 0, 0
    for path in [*files, files[0].parent / thread_name]:
        data = path.read_bytes()
        crc = zlib.crc32(data, zlib.crc32(path.name.encode() + b"\0", crc))
        size += len(data)
    return f"{crc:08x}-{size}"


def _user_cache_file(directory: Path) -> Path | None:
    if os.environ.get("PMFIT_NO_CACHE"):
        return None
    from platformdirs import user_cache_path

    key = zlib.crc32(str(directory.resolve()).encode())
    return user_cache_path("pmfit", appauthor=False) / f"bank-{__version__}-{key:08x}.json"


def _from_compiled(path: Path, files: list[Path]) -> Bank | None:
    try:
        entry = msgspec.json.decode(path.read_bytes(), type=CompiledBank)
        if entry.fingerprint == fingerprint(files, entry.bank.source.file):
            return entry.bank
    except (msgspec.DecodeError, msgspec.ValidationError, OSError):
        pass  # stale or broken: validated anew
    return None


def load_bank(path: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> Bank:
    """Load and validate a bank; raise BankError listing every problem found.

    A bank may ship compiled (`bank.compiled.json` beside its YAML, as the shipped
    bank does, so that a fresh install needs neither the validator nor a writable
    cache); otherwise a validated bank is kept in the user's cache directory.
    Either is used only while it matches the files byte for byte.
    """
    files = bank_files(path)
    directory = files[0].parent
    if use_cache:
        compiled = directory / COMPILED_FILE
        bank = _from_compiled(compiled, files) if compiled.is_file() else None
        if bank is not None:
            return bank
    cache = _user_cache_file(directory) if use_cache else None
    if cache is not None and cache.is_file():
        bank = _from_compiled(cache, files)
        if bank is not None:
            return bank

    from pmfit.bank.validating import validate_bank

    bank = validate_bank(files)[0]
    if cache is not None:
        from pmfit.writing import WriteError

        # Caching is an optimisation: a read-only home or a full disk must not break scoring.
        with contextlib.suppress(OSError, WriteError):
            write_compiled(cache, files, bank)
    return bank


def write_compiled(target: Path, files: list[Path], bank: Bank) -> None:
    from pmfit.writing import identity_of, write_file

    entry = CompiledBank(fingerprint=fingerprint(files, bank.source.file), bank=bank)
    data = msgspec.json.format(msgspec.json.encode(entry), indent=1) + b"\n"
    inputs = [(display_path(f), identity_of(f)) for f in files]
    write_file(target, data, make_parents=True, inputs=inputs)


def read_thread(path: str | os.PathLike[str] | None, bank: Bank) -> str:
    """The thread's text as shipped with the bank."""
    from pmfit.bank.validating import read_text

    return read_text(_bank_dir(path) / bank.source.file)
