"""A session without pytest: what the plugin and ``conformance cassettes check`` both build on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.session import Session, SettingError, Settings

ROOT = Path(__file__).resolve().parents[1]
APP = "app-5vq6jh0c"


def test_a_session_opens_the_emulator_learns_its_jobs_and_writes_what_it_was_asked_to(
    tmp_path: Path,
) -> None:
    settings = Settings(
        app=APP, seed=7, report=tmp_path / "report.json", record=tmp_path / "run.yaml"
    )
    session = Session(settings)

    run = session.open()
    run.client.call({"app": APP, "limit": 1})
    stopped = session.settle()
    unwritten = session.write()
    session.close()

    assert (len(run.universe.job_ids), run.universe.complete) == (40, True)
    assert run.client.stopper is not None  # the run stops when it can no longer ask
    assert (stopped, unwritten) == (None, [])
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert (report["seed"], report["summary"]["requests"]) == (7, run.client.requests)
    assert session.recorded_count == run.client.requests


def test_a_session_over_cassettes_judges_them_and_sends_nothing() -> None:
    session = Session(Settings(target=[ROOT / "cassettes"]))

    verdict = session.judged()

    assert verdict.violations() == 0
    assert verdict.judged > 0
    assert session.run is None
    assert session.report.seed is None  # nothing is drawn offline


@pytest.mark.parametrize("option", ["report", "record", "accept"])
def test_a_setting_that_cannot_work_is_refused_before_anything_is_sent(
    option: str, tmp_path: Path
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    settings = {
        "report": Settings(report=a_file / "report.json"),
        # A cassette target sends nothing, so there is nothing to record.
        "record": Settings(target=[ROOT / "cassettes"], record=tmp_path / "run.yaml"),
        "accept": Settings(accept=tmp_path / "no-such-file.yaml"),
    }[option]

    with pytest.raises(SettingError) as refused:
        Session(settings)

    assert refused.value.option == option


def test_the_session_module_imports_no_pytest() -> None:
    script = (
        "import sys, conformance.session; print(sorted(m for m in sys.modules if 'pytest' in m))"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )

    assert done.stdout.strip() == "[]"
