"""The suite's reports end to end: one inner run against a broken emulator with every report asked
for (terminal table, Markdown, HTML, JUnit, the CI step summary), and a correct run's coverage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from conformance.coverage.lines import cited
from tests.cassettes.helpers import APP, record
from tests.suite.helpers import FEW_EXAMPLES, SUITE

TIMEOUT = 300


def _suite(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "pytest", *SUITE, FEW_EXAMPLES, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def broken(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One run against emulator:limit-off-by-one with every report, shared by the tests below."""
    folder = tmp_path_factory.mktemp("reports")
    done = _suite(
        folder,
        "--conformance-target=emulator:limit-off-by-one",
        "--conformance-report=report.json",
        "--conformance-markdown=summary.md",
        "--conformance-html=report.html",
        "--junitxml=junit.xml",
        env={"GITHUB_STEP_SUMMARY": str(folder / "step.md")},
    )
    return folder, done


def test_the_terminal_shows_the_coverage_table_after_the_deviations(
    broken: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, done = broken
    lines = done.stdout.splitlines()

    assert done.returncode == 1, done.stdout[-3000:]
    deviation = next(
        i for i, text in enumerate(lines) if text.startswith("DCJ-PAGE-002 [violation]")
    )
    table = next(i for i, text in enumerate(lines) if text.startswith("documentation coverage: "))
    assert deviation < table
    assert any(text.startswith("  page:12 ") for text in lines[table:])
    assert "Markdown report: summary.md" in lines
    assert "HTML report: report.html" in lines


def test_each_report_names_the_documented_line_the_broken_rule_rests_on(
    broken: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, _ = broken
    cited_line = "DescribeClusterJobs.seed.md:12: | limit | Integer |"
    markdown = (folder / "summary.md").read_text(encoding="utf-8")

    assert "#### DCJ-PAGE-002 [violation]" in markdown
    assert cited_line in markdown
    assert cited_line in (folder / "report.html").read_text(encoding="utf-8")
    assert (folder / "step.md").read_text(encoding="utf-8") == markdown
    coverage = json.loads((folder / "report.json").read_text(encoding="utf-8"))["coverage"]
    assert len(coverage["lines"]) == len(cited())


def test_junit_carries_each_rule_s_id_documented_line_and_coverage(
    broken: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, _ = broken
    cases = {
        case.attrib["name"]: {p.attrib["name"]: p.attrib["value"] for p in case.iter("property")}
        for case in ElementTree.parse(folder / "junit.xml").iter("testcase")
    }

    properties = cases["test_rule[DCJ-PAGE-002]"]
    assert properties["conformance_rule"] == "DCJ-PAGE-002"
    assert properties["conformance_documented"].startswith("DescribeClusterJobs.seed.md:12: ")
    assert properties["conformance_coverage"].split(":")[0] in {"full", "partial", "missed"}


def _coverage(folder: Path) -> dict[str, Any]:
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    coverage: dict[str, Any] = report["coverage"]
    return coverage


def test_a_correct_emulator_run_exercises_every_documented_line_and_meets_a_threshold(
    tmp_path: Path,
) -> None:
    done = _suite(
        tmp_path, "--conformance-report=report.json", "--conformance-coverage-fail-under=90"
    )

    assert done.returncode == 0, done.stdout[-3000:]
    states = {line["line"]: line["state"] for line in _coverage(tmp_path)["lines"]}
    # Every line a live run tests is exercised with every case it has (the boundary pass sends them).
    assert {state for state in states.values() if state != "n/a"} == {"full"}
    # Only a recording shows these: a live run has no test for them.
    assert {line for line, state in states.items() if state == "n/a"} == {"page:4", "wire:3"}


def test_a_cassette_of_unfiltered_listings_fails_a_threshold_of_90_with_one_line(
    tmp_path: Path,
) -> None:
    calls: list[dict[str, Any]] = [
        {"app": APP},
        {"app": APP, "offset": 20},
        {"app": APP, "limit": 100},
    ]
    cassette = record(tmp_path / "listings.yaml", calls)

    done = _suite(
        tmp_path,
        f"--conformance-target={cassette}",
        "--conformance-coverage-fail-under=90",
        "--conformance-report=report.json",
    )

    assert done.returncode == 1, done.stdout[-3000:]
    assert "failed" not in done.stdout.splitlines()[-1]  # green, but it tried too little
    states = {line["line"]: line["state"] for line in _coverage(tmp_path)["lines"]}
    assert states["page:3"] == states["page:9"] == states["wire:76"] == "missed"
    said = [
        line for line in done.stdout.splitlines() if "--conformance-coverage-fail-under" in line
    ]
    assert len(said) == 1
    assert said[0].startswith("conformance: documentation coverage ")


def test_an_unwritable_report_is_refused_before_the_run_with_one_line(tmp_path: Path) -> None:
    done = _suite(tmp_path, f"--conformance-markdown={tmp_path}")

    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(f"--conformance-markdown: {tmp_path} is a folder; name a file")
    )
