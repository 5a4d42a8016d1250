"""Record a run, replay it offline: the same rules fail, and a correct server stays clean.

Each run records against an emulator (over HTTP on port 0, or in-process where HTTP adds nothing),
then the recording is judged with ``--conformance-target=CASSETTE``: no request is sent, and the
rules that failed live fail offline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.cassettes import format as cassette_format
from conformance.emulator import FAULTS
from tests.cassettes.helpers import failed_rules, run_suite, secrets_in


@pytest.mark.usefixtures("demo_credentials")
@pytest.mark.parametrize(
    "fault",
    [
        "limit-off-by-one",  # one response shows it
        "status-filter-ignored",  # a response, and the filtered walk against the listing
        "signature-not-checked",  # only the recorder's authentication verdict shows it
    ],
)
def test_a_run_recorded_against_a_faulty_http_emulator_replays_offline_with_the_same_rules(
    pytester: pytest.Pytester, emulator_url: Callable[..., str], fault: str, tmp_path: Path
) -> None:
    url = emulator_url(fault)
    cassette = tmp_path / f"{fault}.yaml"

    live = run_suite(
        pytester,
        f"--conformance-target={url}",
        "--conformance-rate=0",
        f"--conformance-record={cassette}",
    )
    offline = run_suite(pytester, f"--conformance-target={cassette}")

    assert live.ret == offline.ret == pytest.ExitCode.TESTS_FAILED
    assert FAULTS[fault].rule in failed_rules(live)
    assert failed_rules(offline) == failed_rules(live), "\n".join(offline.outlines)
    offline.stdout.fnmatch_lines(["* rules exercised with 0 requests (0 checks) against *"])
    assert secrets_in(cassette) == []


@pytest.mark.usefixtures("demo_credentials")
def test_a_run_recorded_against_the_correct_http_emulator_replays_with_zero_violations(
    pytester: pytest.Pytester, emulator_url: Callable[..., str], tmp_path: Path
) -> None:
    cassette = tmp_path / "correct.json"
    url = emulator_url()

    live = run_suite(
        pytester,
        f"--conformance-target={url}",
        "--conformance-rate=0",
        f"--conformance-record={cassette}",
    )
    offline = run_suite(pytester, f"--conformance-target={cassette}")

    assert live.ret == pytest.ExitCode.OK
    assert offline.ret == pytest.ExitCode.OK, "\n".join(offline.outlines)
    assert failed_rules(offline) == set()
    recorded = cassette_format.load(cassette)
    assert recorded.provenance is not None
    assert recorded.provenance.endpoint == url
    assert recorded.provenance.host == url.split("/")[2]
    assert recorded.provenance.seed == 1
    live.stdout.fnmatch_lines(
        [f"recorded {len(recorded.interactions)} interaction(s) to {cassette} (secrets scrubbed)"]
    )
    assert secrets_in(cassette) == []


def test_a_recording_of_changing_data_replays_with_zero_violations(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    # Jobs arrive and advance between the recorded calls: the brackets must tolerate exactly that.
    cassette = tmp_path / "churn.yaml"

    live = run_suite(
        pytester, "--conformance-target=emulator:churn", f"--conformance-record={cassette}"
    )
    offline = run_suite(pytester, f"--conformance-target={cassette}")

    assert live.ret == pytest.ExitCode.OK
    assert offline.ret == pytest.ExitCode.OK, "\n".join(offline.outlines)


def test_recording_under_xdist_writes_one_cassette_with_every_workers_session(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    cassette = tmp_path / "xdist.yaml"

    live = run_suite(
        pytester,
        "--conformance-target=emulator:limit-off-by-one",
        f"--conformance-record={cassette}",
        "-n",
        "2",
    )
    offline = run_suite(pytester, f"--conformance-target={cassette}")

    sessions = {i["conformance"]["session"] for i in cassette_format.load(cassette).interactions}
    assert {"gw0", "gw1"} <= sessions
    assert live.ret == offline.ret == pytest.ExitCode.TESTS_FAILED
    assert failed_rules(offline) == failed_rules(live)


def test_recording_a_cassette_target_is_refused_at_start(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    cassette = tmp_path / "once.yaml"
    run_suite(pytester, f"--conformance-record={cassette}", "-k", "DCJ-PAGE-002")

    result = run_suite(
        pytester, f"--conformance-target={cassette}", f"--conformance-record={tmp_path / 'x.yaml'}"
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-record: the target is a cassette*"])


def test_a_record_path_that_is_not_a_cassette_name_is_refused_with_the_suffixes(
    pytester: pytest.Pytester,
) -> None:
    result = run_suite(pytester, "--conformance-record=run.txt")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*a cassette is named *.yaml, *.yml or *.json, got 'run.txt'*"])
