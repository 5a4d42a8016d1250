"""``conformance run``, ``rules`` and ``sign``: the suite without writing a pytest command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from conformance import signing
from conformance.emulator import DEMO_CREDENTIALS
from conformance.rules import CATALOGUE

TIMEOUT = 60


def conformance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The ``conformance`` command, run as a child process in ``cwd`` (never the repository)."""
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.mark.parametrize(
    ("target", "name", "status", "failed"),
    [
        pytest.param("emulator", "emulator", 0, None, id="correct"),
        pytest.param(
            "emulator:default-limit-10",
            "emulator[default-limit-10]",
            1,
            "DCJ-PAGE-006",
            id="default-limit-10",
        ),
    ],
)
def test_conformance_run_exits_as_pytest_does(
    tmp_path: Path, target: str, name: str, status: int, failed: str | None
) -> None:
    done = conformance(
        "run", "--target", target, "--seed", "1", "--max-examples", "5", cwd=tmp_path
    )

    assert done.returncode == status, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert f" against {name} (documented profile, seed 1): " in done.stdout
    if failed:
        assert f"FAILED test_conformance.py::test_rule[{failed}]" in done.stdout
    else:
        assert ": 0 deviation(s)" in done.stdout


def test_conformance_rules_lists_every_rule_of_the_catalogue(tmp_path: Path) -> None:
    done = conformance("rules", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("DCJ-")]
    assert listed == [rule.id for rule in CATALOGUE]


def test_conformance_sign_demo_signs_with_the_demo_secret(tmp_path: Path) -> None:
    query = "action=DescribeClusterJobs&app=a&zone=pek3a"

    done = conformance("sign", "--demo", query, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    pairs = parse_qsl(done.stdout.strip(), keep_blank_values=True)
    assert signing.verify(pairs, DEMO_CREDENTIALS.secret_access_key, verb="GET", path="/iaas/"), (
        done.stdout
    )
    assert ("access_key_id", DEMO_CREDENTIALS.access_key_id) in pairs
    assert [pair for pair in pairs if pair[0] in {"action", "app", "zone"}] == parse_qsl(query)
