"""The must-shows of issue 13: agreement with oneself, each fault exactly, a difference the page
leaves open, an emulator shaped from a recording, and the cost of a diff."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance import codes
from conformance.cassettes.record import Recorder, provenance, write_recording
from conformance.diff.engine import DiffResult, DiffSettings, diff
from conformance.emulator import DEMO_CREDENTIALS, FAULTS, Emulator
from conformance.emulator.policy import Choices
from conformance.targets import open_target
from conformance.targets.live import LiveTarget
from tests.diff.conftest import CountingEmulator, Recording

# Generated cases add nothing to what a fault shows that the boundary cases do not; few are quicker.
FEW = DiffSettings(max_examples=5)
Serve = Callable[[Emulator], tuple[str, LiveTarget]]


def explained(result: DiffResult, rule: str, bystanders: frozenset[str]) -> None:
    """Every difference is the fault's: named by its rule or a bystander's, or the same behaviour
    on an input whose answer the page leaves open; and the fault's rule is named."""
    kinds = [difference.kind for difference in result.differences]
    assert any(rule in kind.rules for kind in kinds), kinds
    for kind in kinds:
        if kind.rules:
            assert set(kind.rules) <= {rule, *bystanders}, kind
        else:
            assert kind.left_open is not None, kind


def test_the_emulator_agrees_with_itself() -> None:
    result = diff(open_target("emulator"), open_target("emulator"), DiffSettings())
    assert result.agree, result.to_json()["differences"]
    assert result.compared > 100
    assert not result.unconfirmed


def test_the_emulator_agrees_with_its_churning_self() -> None:
    result = diff(open_target("emulator"), open_target("emulator:churn"), DiffSettings())
    assert result.agree, result.to_json()["differences"]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_is_the_only_difference(fault: str) -> None:
    result = diff(open_target("emulator"), open_target(f"emulator:{fault}"), FEW)
    explained(result, FAULTS[fault].rule, FAULTS[fault].bystanders)
    for found in result.differences:
        # The faulty side's own verdict names the rules, the correct side's none of them.
        assert set(found.kind.rules) <= found.b.rules
        assert not found.a.rules & set(found.kind.rules)


@pytest.mark.parametrize(
    "fault", ["limit-off-by-one", "signature-not-checked", "crash-on-negative-offset"]
)
def test_a_fault_over_http_is_the_only_difference(fault: str, served: Serve) -> None:
    _, correct = served(Emulator())
    _, faulty = served(Emulator(faults=[fault]))
    result = diff(correct, faulty, FEW)
    explained(result, FAULTS[fault].rule, FAULTS[fault].bystanders)


def staging_like() -> Emulator:
    """A server that differs from the emulator only where the page leaves room: it refuses a
    limit above the cap instead of capping it."""
    return Emulator(choices=Choices(above_cap_code=codes.INVALID_REQUEST_FORMAT))


def test_a_server_that_differs_where_the_page_leaves_room_differs_once_left_open(
    served: Serve,
) -> None:
    _, staging = served(staging_like())
    result = diff(open_target("emulator"), staging, DiffSettings())
    assert len(result.differences) == 1, [d.kind for d in result.differences]
    (found,) = result.differences
    assert found.kind.left_open == "limit-above-cap"
    assert not found.kind.rules
    assert found.kind.aspect == "outcome"
    entry = result.to_json()["differences"][0]
    assert (
        entry["a"]["verdict"] == entry["b"]["verdict"] == "left open by the page (limit-above-cap)"
    )
    assert "limit=1" in entry["a"]["request"]["params"]  # the smallest: 101, not 1000
    assert entry["a"]["reproduce"]
    assert entry["b"]["reproduce"].startswith("curl")


@pytest.fixture
def recording(served: Serve, tmp_path: Path) -> Path:
    """A recording of a staging-like server with choices of its own where the page leaves room:
    it refuses a large limit, lists oldest first and refuses an app it has no jobs of."""
    _url, staging = served(
        Emulator(
            choices=Choices(
                above_cap_code=codes.INVALID_REQUEST_FORMAT,
                oldest_first=True,
                unknown_app_code=codes.RESOURCE_NOT_FOUND,
            )
        )
    )
    recorder = Recorder(staging, session="main")
    diff(Recording(staging, recorder), open_target("emulator"), FEW)
    path = tmp_path / "staging.yaml"
    written = provenance(
        staging, len(recorder.interactions), zone="pek3a", app="app-tg3lbp0a", seed=0
    )
    write_recording(path, recorder.interactions, written)
    return path


def test_an_emulator_seeded_and_shaped_from_a_recording_agrees_with_it(recording: Path) -> None:
    shaped = open_target(f"emulator:data-from={recording},like={recording}")
    result = diff(shaped, open_target(str(recording)), DiffSettings())
    assert result.mode == "recording"
    assert result.agree, result.to_json()["differences"]
    assert result.compared > 50
    assert result.requests["b"] == 0


def test_an_emulator_seeded_from_a_recording_shows_only_the_recorded_choices(
    recording: Path,
) -> None:
    seeded = open_target(f"emulator:data-from={recording}")
    result = diff(open_target(str(recording)), seeded, DiffSettings())
    kinds = {(d.kind.aspect, d.kind.left_open) for d in result.differences}
    assert kinds == {("order", "order"), ("outcome", "limit-above-cap"), ("outcome", "other-app")}


def test_a_diff_of_two_default_runs_costs_at_most_twice_one_run(
    served: Serve, tmp_path: Path, demo_credentials: None
) -> None:
    one, two = CountingEmulator(), CountingEmulator()
    url_one, _ = served(one)
    url_two, _ = served(two)
    suite = [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "conformance.suite",
        "-p",
        "no:cacheprovider",
    ]
    run = subprocess.run(
        [
            *suite,
            "-q",
            f"--conformance-target={url_one}",
            "--conformance-rate=0",
            "--conformance-seed=1",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    one_run = one.answered
    one.answered = 0
    from conformance.cli import main

    assert main(["diff", url_one, url_two, "--rate", "0"]) == 0
    both = one.answered + two.answered
    print(
        f"one default run: {one_run} requests; a default diff: {both} ({one.answered} + {two.answered})"
    )
    assert both <= 2 * one_run


def test_the_command_exits_0_when_they_agree_and_1_when_they_differ(tmp_path: Path) -> None:
    from conformance.cli import main

    assert main(["diff", "emulator", "emulator", "--max-examples", "0"]) == 0
    report, markdown, page = tmp_path / "d.json", tmp_path / "d.md", tmp_path / "d.html"
    status = main(
        [
            "diff", "emulator", "emulator:wrong-error-code", "--max-examples", "0",
            "--report", str(report), "--markdown", str(markdown), "--html", str(page),
        ]
    )  # fmt: skip
    assert status == 1
    written = json.loads(report.read_text())["diff"]
    assert not written["agree"]
    assert written["differences"][0]["kind"]["rules"] == ["DCJ-ERROR-002"]
    for path in (report, markdown, page):
        text = path.read_text()
        assert "DCJ-ERROR-002" in text
        assert DEMO_CREDENTIALS.secret_access_key.reveal() not in text
        assert "signature=" not in text
        assert "access_key_id=" not in text
    assert "Content-Security-Policy" in page.read_text()


@pytest.mark.parametrize(
    ("arguments", "status", "said"),
    [
        (["emulator", "nosuch"], 2, "unknown target 'nosuch'"),
        (["emulator", "emulator:data-from="], 2, "data-from=CASSETTE once"),
        (["emulator", "BAD"], 2, "is not valid YAML"),
        (["emulator", "CLOSED", "--timeout", "1"], 4, "cannot reach"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_or_4(
    arguments: list[str],
    status: int,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    demo_credentials: None,
) -> None:
    from conformance.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions: [\n")
    given = [
        str(bad) if a == "BAD" else "http://127.0.0.1:9/iaas/" if a == "CLOSED" else a
        for a in arguments
    ]
    assert main(["diff", *given]) == status
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert said in err[0]
