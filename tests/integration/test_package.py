"""The package as PyPI would ship it: a wheel installed in a fresh virtual environment, with no source
tree beside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow  # a wheel built and installed in a fresh environment


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed from PyPI-style packaging: built from the
    files a clone of the tree has (not from a stale build/ folder), its dependencies from the index."""
    folder = tmp_path_factory.mktemp("wheel")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    source = folder / "source"
    for name in listed:
        if (ROOT / name).exists() or (ROOT / name).is_symlink():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name, follow_symlinks=False)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(source), "-w", str(folder)],
        check=True,
        capture_output=True,
    )
    (wheel,) = folder.glob("cadena_client-*.whl")
    environment = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(environment)], check=True)
    installed = subprocess.run(  # this pip installs into the new environment (no pip of its own to set up)
        [sys.executable, "-m", "pip", "--python", str(environment / "bin" / "python"), "install", "--quiet"]
        + ["--no-compile", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    return environment


@pytest.fixture(scope="module")
def installed(venv) -> Path:
    """The venv's site-packages, where the wheel put the package."""
    (site,) = venv.glob("lib/python*/site-packages")
    return site


def cadena(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed `cadena` command, run in `cwd`, far from the source tree."""
    return subprocess.run([str(venv / "bin" / "cadena"), *args], cwd=cwd, capture_output=True, text=True)


def test_the_wheel_carries_what_the_runtime_reads(installed):
    package = installed / "cadena_client"
    for name in (
        "py.typed",
        "contract/artifacts/Cadena.json",
        "contract/artifacts/CadenaForwarder.json",
        "schema/cadena-1.json",
        "templates/base.html",
        "templates/certificate.html",
        "network/configs/cadena-pilot.toml",
        "network/configs/pacific-alliance.toml",
        "lists/templates/aeo-list.xlsx",
        "lists/templates/aeo-list.csv",
        "lists/templates/README.md",
    ):
        assert (package / name).is_file(), name
    shipped = {path.relative_to(installed).as_posix() for path in package.rglob("*.py")}
    tracked = {path.relative_to(ROOT).as_posix() for path in (ROOT / "cadena_client").rglob("*.py")}
    assert shipped == tracked  # every module, and nothing else


def test_the_demo_help_and_template_run_from_the_wheel_alone(venv, installed, tmp_path):
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import cadena_client; print(cadena_client.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(installed)), where.stdout  # the wheel's copy, not the tree's
    helped = cadena(venv, tmp_path, "--help")
    assert helped.returncode == 0 and "cert" in helped.stdout and "Traceback" not in helped.stderr
    demo = cadena(venv, tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Done." in demo.stdout
    made = cadena(venv, tmp_path, "template", "lista.xlsx")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "lista.xlsx").read_bytes() == (
        ROOT / "cadena_client" / "lists" / "templates" / "aeo-list.xlsx"
    ).read_bytes()
    assert "| Column | Required |" in (tmp_path / "AEO-list-columns.md").read_text()
    again = cadena(venv, tmp_path, "template", "lista.xlsx")
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr


def test_the_runtime_does_not_import_the_compiler():
    check = "import sys, cadena_client.cli.main, cadena_client.mirror, cadena_client.lists.imports; print('cadena_client.dev.compiler' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
