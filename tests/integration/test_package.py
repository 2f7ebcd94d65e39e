"""The package as PyPI would ship it: a wheel installed on its own, with no source tree beside it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from the tree and unpacked into a folder of its own (its dependencies are the venv's)."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(folder)],
        check=True,
        capture_output=True,
    )
    (wheel,) = folder.glob("cadena_client-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder / "site")
    return folder / "site"


def cadena(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed)}  # before the editable install of the tree
    return subprocess.run(
        [sys.executable, "-m", "cadena_client", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_wheel_carries_what_the_runtime_reads(installed):
    package = installed / "cadena_client"
    for name in (
        "artifacts/Cadena.json",
        "networks/cadena-pilot.toml",
        "networks/pacific-alliance.toml",
        "templates/aeo-list.xlsx",
        "templates/aeo-list.csv",
        "templates/README.md",
    ):
        assert (package / name).is_file(), name


def test_the_demo_and_the_template_run_from_the_wheel_alone(installed, tmp_path):
    where = subprocess.run(
        [sys.executable, "-c", "import cadena_client; print(cadena_client.__file__)"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(installed)), where.stdout  # the wheel's copy, not the tree's
    demo = cadena(installed, tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Done." in demo.stdout
    made = cadena(installed, tmp_path, "template", "lista.xlsx")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "lista.xlsx").read_bytes() == (
        ROOT / "cadena_client" / "lists" / "templates" / "aeo-list.xlsx"
    ).read_bytes()
    assert "| Column | Required |" in (tmp_path / "AEO-list-columns.md").read_text()
    again = cadena(installed, tmp_path, "template", "lista.xlsx")
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr


def test_the_runtime_does_not_import_the_compiler():
    check = "import sys, cadena_client.cli.main, cadena_client.mirror, cadena_client.lists.imports; print('cadena_client.dev.compiler' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
