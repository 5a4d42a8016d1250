"""``conformance cassettes check|scrub|scan`` and ``conformance run --record``: exits and lines."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cassettes import format as cassette_format
from conformance.cassettes.examples import documented_interactions
from conformance.cli import main
from conformance.documented import example_response_text
from tests.cassettes.helpers import APP, DATA, ROOT, record, secrets_in


def test_ci_regression_checks_the_shipped_cassettes_and_they_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["cassettes", "check", str(ROOT / "cassettes")]) == 0

    out = capsys.readouterr().out
    assert (
        " judged offline (0 not DescribeClusterJobs, not judged), documented profile: 0 violation(s)"
        in out
    )


def test_the_shipped_folder_holds_the_documented_example_and_a_whole_recorded_run() -> None:
    example = cassette_format.load(ROOT / "cassettes" / "documented-example.json")
    run = cassette_format.load(ROOT / "cassettes" / "suite-emulator.yaml")

    assert example.interactions == documented_interactions()
    assert example.interactions[0]["response"]["body"]["string"] == example_response_text()
    assert run.provenance is not None
    assert run.provenance.endpoint == "emulator"
    assert run.provenance.seed is not None
    assert len(run.interactions) > 300
    assert (ROOT / "cassettes" / "suite-emulator.yaml").stat().st_size < 8_000_000


def test_check_exits_1_and_shows_the_rule_the_request_and_where_it_was_recorded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["cassettes", "check", str(DATA / "limit-off-by-one.yaml")]) == 1

    out = capsys.readouterr().out
    assert "DCJ-PAGE-002 [violation] A response holds at most the requested limit of jobs" in out
    assert (
        "request:    GET /iaas/?action=DescribeClusterJobs&zone=pek3a&app=app-5vq6jh0c&limit=5"
        in out
    )
    assert f"[{DATA / 'limit-off-by-one.yaml'}, interaction 1]" in out
    assert "conformance emulator --port 8080 --fault limit-off-by-one &" in out


def test_check_exits_2_with_one_line_for_a_corrupt_or_truncated_cassette(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, where in (("corrupt.yaml", "at line 4, column 1"), ("truncated.json", "at line")):
        assert main(["cassettes", "check", str(DATA / name)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith(f"conformance: error: {DATA / name} is not valid ")
        assert where in err


def test_check_of_a_stale_cassette_passes_documented_and_fails_strict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stale = str(DATA / "stale-contract.yaml")

    assert main(["cassettes", "check", stale]) == 0
    assert "DCJ-CASSETTE-001 [info]" in capsys.readouterr().out
    assert main(["cassettes", "check", "--profile", "strict", stale]) == 1


def test_check_writes_a_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"

    assert (
        main(["cassettes", "check", str(DATA / "paging-skips-jobs.yaml"), "--report", str(report)])
        == 1
    )

    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["summary"]["requests"] == 0
    assert {item["rule"] for item in written["deviations"]} == {"DCJ-PAGE-004"}


def test_scrub_cleans_in_place_and_a_dry_run_exits_1_while_there_is_something_to_scrub(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.yaml"
    shutil.copy(DATA / "other-action.yaml", path)
    text = path.read_text(encoding="utf-8").replace("REDACTED", "QYAAAAAAAAAAAAAAAAAA", 1)
    path.write_text(text, encoding="utf-8")

    assert main(["cassettes", "scrub", "--dry-run", str(path)]) == 1
    assert main(["cassettes", "scan", str(path)]) == 1
    assert main(["cassettes", "scrub", str(tmp_path)]) == 0
    assert main(["cassettes", "scrub", "--dry-run", str(path)]) == 0
    assert main(["cassettes", "scan", str(path)]) == 0

    out = capsys.readouterr().out
    assert "scrubbed 1 value(s) (query access_key_id ×1); values replaced in place" in out
    assert "QYAAAAAAAAAAAAAAAAAA" not in out


def test_scan_names_the_file_line_and_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "leak.json"
    path.write_text(
        '{"interactions": [], "version": 1, "note": "QYBBBBBBBBBBBBBBBBBB"}', encoding="utf-8"
    )

    assert main(["cassettes", "scan", str(path), "--secret-env", "NOT_SET_ANYWHERE"]) == 1

    out = capsys.readouterr().out
    assert f"{path}:1:45: an access key id (QY…)" in out
    assert "1 cassette(s) scanned: 1 credential-like value(s)" in out


def test_conformance_run_record_writes_a_cassette_that_check_accepts(tmp_path: Path) -> None:
    cassette = tmp_path / "run.json"
    command = [sys.executable, "-m", "conformance.cli"]

    run = subprocess.run(
        [
            *command,
            "run",
            "--seed",
            "3",
            "--max-examples",
            "1",
            "--app",
            APP,
            "--record",
            str(cassette),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    check = subprocess.run(
        [*command, "cassettes", "check", str(cassette)], capture_output=True, text=True, check=False
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "recorded " in run.stdout
    assert check.returncode == 0, check.stdout + check.stderr
    assert secrets_in(cassette) == []


def test_a_recording_of_a_few_calls_judges_clean_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = record(tmp_path / "few.yaml", [{"app": APP}, {"app": APP, "limit": 101}])

    assert main(["cassettes", "check", str(path)]) == 0
    assert "2 interaction(s) in 1 cassette(s) judged offline" in capsys.readouterr().out
