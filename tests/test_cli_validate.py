"""``conformance validate``: exit 0 clean, 1 with deviations, 2 with one line for bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.documented import example_response_text

EXAMPLE: dict[str, Any] = json.loads(example_response_text())


@pytest.fixture
def example_file(tmp_path: Path) -> Path:
    """The page's example response, exactly as printed, in a file."""
    path = tmp_path / "example.json"
    path.write_text(example_response_text(), encoding="utf-8")
    return path


def _write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _with_job(**fields: object) -> dict[str, Any]:
    document = json.loads(example_response_text())
    document["job_set"][0].update(fields)
    return document


def _one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_the_example_exits_0_with_no_violation(
    example_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["validate", str(example_file)])

    out, err = capsys.readouterr()
    assert status == 0
    assert out == f"0 violation(s), 0 other finding(s) in {example_file}\n"
    assert err == ""


def test_a_broken_response_exits_1_with_one_block_per_deviation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "broken.json", _with_job(create_time="2018-03-04T13:37:58+08:00"))

    status = main(["validate", str(path)])

    out, _ = capsys.readouterr()
    assert status == 1
    block, summary = out.rstrip("\n").split("\n\n")
    lines = block.splitlines()
    assert lines[0].startswith("DCJ-ITEM-003 [violation] ")
    assert lines[1] == "  where:      /job_set/0/create_time"
    assert lines[2].startswith("  expected:   ISO 8601 in UTC, written with Z")
    assert lines[3] == '  actual:     "2018-03-04T13:37:58+08:00"'
    assert lines[4].startswith("  documented: DescribeClusterJobs.seed.md:24: | create_time |")
    assert summary == f"1 violation(s), 0 other finding(s) in {path}"


def test_a_broken_directive_block_shows_the_inner_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decoded = json.loads(EXAMPLE["job_set"][0]["directive"])
    decoded["sender"]["privilege"] = "10"
    path = _write(tmp_path, "broken.json", _with_job(directive=json.dumps(decoded)))

    assert main(["validate", str(path)]) == 1

    out, _ = capsys.readouterr()
    assert "DCJ-DIRECTIVE-003 [violation]" in out
    assert "  where:      /job_set/0/directive → /sender/privilege\n" in out
    assert "  expected:   type integer\n" in out
    assert '  actual:     "10"\n' in out


def test_request_enables_the_paging_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(example_response_text())
    document["job_set"].append(dict(document["job_set"][0], job_id="j-aaaaaaaaaaa"))
    document["total_count"] = 2
    path = _write(tmp_path, "two.json", document)

    assert main(["validate", str(path)]) == 0
    assert main(["validate", str(path), "--request", "app=app-tg3lbp0a&limit=1&zone=pek3a"]) == 1

    out, _ = capsys.readouterr()
    assert "DCJ-PAGE-002 [violation] the response holds 2 jobs for limit=1" in out
    assert "  where:      /job_set\n" in out


def test_request_enables_the_filter_checks(
    example_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["validate", str(example_file), "--request", "?app=a&jobs.1=j-aaaaaaaa"])

    out, _ = capsys.readouterr()
    assert status == 1
    assert "DCJ-FILTER-002 [violation]" in out


@pytest.mark.parametrize(
    ("profile", "status"), [("documented", 0), ("strict", 1)], ids=["documented", "strict"]
)
def test_strict_profile_fails_on_an_undocumented_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str, status: int
) -> None:
    path = _write(tmp_path, "undocumented.json", _with_job(region="pek3"))

    assert main(["validate", str(path), "--profile", profile]) == status

    out, _ = capsys.readouterr()
    severity = "undocumented" if profile == "documented" else "violation"
    assert f"DCJ-ITEM-006 [{severity}] job field 'region' is not documented" in out


def test_a_missing_file_exits_2_with_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.json"

    assert main(["validate", str(missing)]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert str(missing) in _one_line(err)


def test_a_file_that_is_not_json_exits_2_with_one_line_naming_file_and_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "truncated.json"
    path.write_text('{"action":\n', encoding="utf-8")

    assert main(["validate", str(path)]) == 2

    out, err = capsys.readouterr()
    line = _one_line(err)
    assert out == ""
    assert str(path) in line
    assert "line 2, column 1" in line


def test_an_unknown_profile_exits_2_with_one_line_listing_the_choices(
    example_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["validate", str(example_file), "--profile", "lenient"])

    _, err = capsys.readouterr()
    line = _one_line(err)
    assert exited.value.code == 2
    assert "'lenient'" in line
    assert "'documented'" in line
    assert "'strict'" in line


def test_a_dash_reads_the_body_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.dumps(_with_job(status="done with failure")).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))

    assert main(["validate", "-"]) == 1

    out, _ = capsys.readouterr()
    assert "DCJ-ITEM-004 [violation]" in out


def test_a_body_that_is_not_an_object_is_a_deviation_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "list.json", [EXAMPLE])

    assert main(["validate", str(path)]) == 1

    out, _ = capsys.readouterr()
    assert "DCJ-RESP-001 [violation] the body is JSON but not an object" in out


def _run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_runs_as_a_real_process() -> None:
    broken = json.dumps(_with_job(job_action="RestartClusterService")).encode()

    finished = _run("validate", "-", "--request", "app=app-tg3lbp0a&zone=pek3a", stdin=broken)

    assert finished.returncode == 1, finished.stderr
    assert "DCJ-CONSIST-001 [violation] job_action differs from the directive's action" in (
        finished.stdout
    )
    assert "  documented: qingcloud-wire.md:" in finished.stdout
    assert finished.stderr == ""


def test_the_real_process_reports_a_missing_file_without_a_traceback(tmp_path: Path) -> None:
    finished = _run("validate", str(tmp_path / "nowhere.json"))

    assert finished.returncode == 2
    assert finished.stdout == ""
    assert "nowhere.json" in _one_line(finished.stderr)


def test_a_member_named_twice_in_the_file_is_a_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The file's bytes are judged, not a parsed copy, which would have kept one of the two.
    path = tmp_path / "twice.json"
    path.write_text(
        example_response_text().replace('"ret_code":0', '"ret_code":0,\n"ret_code":0'),
        encoding="utf-8",
    )

    assert main(["validate", str(path)]) == 1

    out, _ = capsys.readouterr()
    assert "DCJ-RESP-007 [violation] 'ret_code' is named 2 times in one object" in out
    assert "  where:      /ret_code\n" in out


def test_a_file_nested_past_any_reader_exits_2_and_one_nested_past_ours_is_a_deviation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unreadable, deep = tmp_path / "unreadable.json", tmp_path / "deep.json"
    unreadable.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    deep.write_text('{"ret_code":0,"job_set":' + "[" * 999 + "]" * 999 + "}", encoding="utf-8")

    assert main(["validate", str(unreadable)]) == 2
    assert "nests arrays and objects too deep to read" in _one_line(capsys.readouterr().err)
    assert main(["validate", str(deep)]) == 1
    assert "DCJ-RESP-001 [violation] the body nests arrays and objects more than 254 levels" in (
        capsys.readouterr().out
    )
