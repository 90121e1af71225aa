"""The built wheel, installed apart from this checkout, works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import ROOT
from pmfit import __version__

# a built and installed wheel: left out of a quick `pytest -m "not slow"`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = dist.glob("pmfit-*.whl")
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    return target


def run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH puts the installed copy ahead of this checkout's editable install.
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pmfit", *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def test_the_wheel_ships_the_bank_and_the_thread(installed: Path) -> None:
    bank = installed / "pmfit" / "_bank"
    assert (bank / "bank.yaml").is_file() and (bank / "questions.yaml").is_file()
    assert list((bank / "source").glob("*.txt"))
    # Its model tables too, made by this model from this bank: read, not computed.
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pmfit.bank.loading import load_bank; from pmfit.scoring import model; "
            "print(model._stored_for(load_bank()) is not None)",
        ],
        cwd=installed.parent,
        text=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=True,
    )
    assert read.stdout == "True\n", read.stderr


def test_installed_pmfit_runs_from_another_directory(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [sys.executable, "-c", "import pmfit; print(pmfit.__file__)"],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=True,
    ).stdout
    assert where.startswith(str(installed))
    version = run(installed, tmp_path, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith(f"pmfit {__version__} (bank pmfit-b2b-b2c ")
    validate = run(installed, tmp_path, "bank", "validate")
    assert validate.returncode == 0 and "0 warnings" in validate.stdout, validate.stderr
    (tmp_path / "sheet.yaml").write_text(run(installed, tmp_path, "template").stdout)
    result = run(installed, tmp_path, "score", "sheet.yaml")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["recommendation"] == "insufficient"


def test_the_sdist_carries_the_bank(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--sdist",
            "--no-isolation",
            "-o",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (sdist,) = tmp_path.glob("pmfit-*.tar.gz")

    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {
        "questions/bank.yaml",
        "questions/questions.yaml",
        "pmfit/__init__.py",
        "README.md",
    } <= names
    assert not any(n.startswith(".venv") for n in names)
