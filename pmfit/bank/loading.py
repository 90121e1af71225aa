"""Load a bank: from pmfit's own compiled copy when it matches the files, else validated anew.

A bank is a directory holding `bank.yaml` (metadata, dimensions, pairs, the
thread's map) and any further `*.yaml` files of questions, read in name order.
Validating means parsing YAML and importing the validator; everyday commands
skip both by loading a compiled copy of the validated bank. A compiled copy is
trusted only where pmfit itself put it, and only for exactly the bytes it was
compiled from:

- where: the shipped bank's `bank.compiled.json` (made by `pmfit bank compile`
  at build time and installed with pmfit), or pmfit's cache in the user's cache
  directory. A `bank.compiled.json` beside any other bank could have been
  written by anyone, so it is ignored (`pmfit bank validate` reports it if it
  disagrees with the YAML).
- what: its bank's sha256 is recomputed from the YAML files and the thread as
  they are now (reading and hashing them is cheap; parsing is what is skipped).
"""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path

import msgspec

from pmfit.bank.files import BANK_FILE, BankSources, read_file, read_text, yaml_names
from pmfit.bank.model import Bank
from pmfit.errors import BankError, Problem
from pmfit.fileio import display_path
from pmfit.version import __version__

__all__ = ["BANK_FILE", "COMPILED_FILE", "load_bank", "read_thread"]

COMPILED_FILE = "bank.compiled.json"


class CompiledBank(msgspec.Struct, frozen=True, kw_only=True):
    """A validated bank; its `sha256` names the bytes it was validated from."""

    bank: Bank


def shipped_bank_dir() -> Path:
    """The bank inside the installed package, or the source tree's `questions/`."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_bank"
    return installed if installed.is_dir() else package.parent / "questions"


def bank_dir(path: str | os.PathLike[str] | None) -> Path:
    if path is None:
        return shipped_bank_dir()
    path = Path(path)
    return path.parent if path.is_file() else path


def bank_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """Every file a bank is read from, bank.yaml first, then its other YAML files and the
    thread they quote: the inputs a run must not write over."""
    directory = bank_dir(path)
    files = [directory / name for name in yaml_names(directory)]
    # The thread is named inside bank.yaml, so only a loaded bank knows it (from the cache,
    # that is a hash of the files). A bank that does not load is refused by the command.
    with contextlib.suppress(BankError):
        files.append(directory / load_bank(directory).source.file)
    return files


def is_shipped(directory: Path) -> bool:
    shipped = shipped_bank_dir()
    return directory == shipped or os.path.samefile(directory, shipped)


def _user_cache_file(directory: Path) -> Path | None:
    if os.environ.get("PMFIT_NO_CACHE"):
        return None
    from platformdirs import user_cache_path

    key = zlib.crc32(os.path.realpath(directory).encode())
    return user_cache_path("pmfit", appauthor=False) / f"bank-{__version__}-{key:08x}.json"


def trusted_compiled_file(directory: Path) -> Path | None:
    """Where pmfit keeps its own compiled copy of the bank in `directory`, if anywhere."""
    if is_shipped(directory):
        return directory / COMPILED_FILE
    return _user_cache_file(directory)


def from_compiled(data: bytes, sources: BankSources) -> Bank | None:
    """The bank compiled in `data`, if it was compiled from exactly `sources`."""
    try:
        bank = msgspec.json.decode(data, type=CompiledBank).bank
        if bank.sha256 == sources.digest(bank.source.file):
            return bank
    except (msgspec.DecodeError, msgspec.ValidationError, BankError):
        pass  # stale, broken or not ours: validated anew
    return None


def _read_compiled(path: Path) -> bytes | None:
    try:
        return read_file(path.parent, path.name)
    except BankError:
        return None


def load_bank(path: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> Bank:
    """Load and validate a bank; raise BankError listing every problem found."""
    sources = BankSources(bank_dir(path))
    compiled = trusted_compiled_file(sources.directory) if use_cache else None
    if compiled is not None and os.path.lexists(compiled):
        data = _read_compiled(compiled)
        bank = from_compiled(data, sources) if data is not None else None
        if bank is not None:
            return bank

    from pmfit.bank.validating import validate_bank

    bank = validate_bank(sources)
    if compiled is not None and not is_shipped(sources.directory):
        from pmfit.writing import WriteError

        # Caching is an optimisation: a read-only home or a full disk must not break scoring.
        with contextlib.suppress(OSError, BankError, WriteError):
            write_compiled(compiled, bank, sources)
    return bank


def compiled_bytes(bank: Bank) -> bytes:
    return msgspec.json.format(msgspec.json.encode(CompiledBank(bank=bank)), indent=1) + b"\n"


def write_compiled(target: Path, bank: Bank, sources: BankSources) -> None:
    """Write the compiled bank through pmfit's one writer; the bank's own files are inputs."""
    from pmfit.writing import identity_of, write_file

    names = [name for name, _ in sources.files] + [bank.source.file]
    inputs = [(display_path(sources.path(n)), identity_of(sources.path(n))) for n in names]
    write_file(target, compiled_bytes(bank), make_parents=True, inputs=inputs)


def read_thread(path: str | os.PathLike[str] | None, bank: Bank) -> str:
    """The thread's text as shipped with the bank."""
    return read_text(bank_dir(path), bank.source.file)


def check_compiled(sources: BankSources, bank: Bank) -> None:
    """A `bank.compiled.json` beside the bank must be pmfit's compile of its YAML files."""
    name = COMPILED_FILE
    if not os.path.lexists(sources.path(name)):
        return
    if from_compiled(sources.read(name), sources) == bank:
        return
    remedy = (
        "run `pmfit bank compile` to remake it"
        if is_shipped(sources.directory)
        else "pmfit does not use it; delete it"
    )
    raise BankError(
        [
            Problem(
                display_path(sources.path(name)),
                None,
                None,
                f"is not pmfit's compile of this bank's YAML files (it differs from them); "
                f"{remedy}",
            )
        ]
    )
