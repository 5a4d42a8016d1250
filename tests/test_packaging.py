"""The wheel carries its schemas: an installed package works from any working directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conformance import schemas

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout."""
    out = tmp_path_factory.mktemp("wheel")
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
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("qingcloud_conformance-*.whl"))


def test_the_wheel_ships_every_schema_and_both_pages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in schemas.SCHEMA_NAMES:
        assert f"conformance/schemas/{name}.json" in names
    assert "conformance/spec/DescribeClusterJobs.seed.md" in names
    assert "conformance/py.typed" in names


def test_an_installed_wheel_finds_its_schemas_from_another_directory(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
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
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = "import conformance.schemas as s, sys; s.validator('response'); print(s.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=elsewhere,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith(str(target))


def test_the_wheel_carries_its_license_and_the_version_from_its_one_home(wheel: Path) -> None:
    import conformance

    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    text = archive.read(metadata).decode()
    assert f"Version: {conformance.__version__}\n" in text
    assert "License-Expression: Apache-2.0" in text
    assert "Classifier: Framework :: Pytest" in text
    assert wheel.name.startswith(f"qingcloud_conformance-{conformance.__version__}-")


def test_every_public_name_resolves_and_importing_the_package_loads_nothing_else() -> None:
    import conformance

    assert sorted(conformance.__all__) == sorted(["__version__", *conformance._PUBLIC])
    probe = (
        "import sys, conformance; "
        "loaded = sorted(m for m in sys.modules if m.startswith('conformance')); "
        "[getattr(conformance, name) for name in conformance.__all__]; "
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['conformance']"
