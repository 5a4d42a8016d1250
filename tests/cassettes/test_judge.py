"""Offline judgement: cassettes with known deviations show them, and nothing else.

The files in tests/cassettes/data are written by ``python -m tests.cassettes.make_data``; each
shows one thing (``make_data.EXPECTED``).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.cassettes import format as cassette_format
from conformance.cassettes.judge import judge
from conformance.deviation import Profile, Severity
from conformance.emulator import Emulator
from tests.cassettes.helpers import APP, DATA, record
from tests.cassettes.make_data import BROKEN, EXPECTED, LISTING

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "cassettes"


def _failing(path: Path, profile: Profile = Profile.DOCUMENTED) -> set[str]:
    verdict = judge([cassette_format.load(path)], profile)
    return {rule for rule in verdict.findings if verdict.outcome(rule).violations}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_cassette_with_a_known_deviation_shows_exactly_its_rules(name: str) -> None:
    assert _failing(DATA / name) == EXPECTED[name]


def test_the_data_folder_holds_exactly_the_cassettes_make_data_writes() -> None:
    assert {path.name for path in DATA.iterdir()} == {*EXPECTED, *BROKEN}


def test_a_filtered_walk_that_misses_a_job_is_caught_only_across_calls() -> None:
    verdict = judge([cassette_format.load(DATA / "filter-misses-a-job.json")])

    (finding,) = verdict.outcome("DCJ-FILTER-004").violations
    assert "is missing jobs that match it" in finding.deviation.message
    assert (
        "[" + str(DATA / "filter-misses-a-job.json") + ", interaction 2]"
        in finding.deviation.message
    )
    single_response_rules = {"DCJ-FILTER-001", "DCJ-PAGE-002", "DCJ-PAGE-003", "DCJ-RESP-003"}
    assert not single_response_rules & set(verdict.findings)


def test_a_cassette_of_another_action_is_reported_not_judged() -> None:
    verdict = judge([cassette_format.load(DATA / "other-action.yaml")])

    assert (verdict.judged, verdict.foreign) == (0, 2)
    (note,) = verdict.outcome("DCJ-REQUEST-001").notes
    assert note.deviation.severity is Severity.INFO
    assert "2 interaction(s) are DescribeInstances at api.qingcloud.com" in note.deviation.message
    assert (
        verdict.outcome("DCJ-RESP-001").skip == "nothing recorded in the cassettes shows this rule"
    )


def test_an_interaction_at_another_host_than_the_recorded_endpoint_is_not_judged(
    tmp_path: Path,
) -> None:
    path = record(tmp_path / "hosts.yaml", [{"app": APP, "limit": 1}, {"app": APP, "limit": 2}])
    document = cassette_format.load(path).document
    moved = document["interactions"][1]["request"]
    moved["uri"] = moved["uri"].replace("emulator.invalid", "elsewhere.example")
    cassette_format.write(path, document)

    verdict = judge([cassette_format.load(path)])

    assert (verdict.judged, verdict.foreign) == (1, 1)
    (note,) = verdict.outcome("DCJ-REQUEST-001").notes
    assert "DescribeClusterJobs at elsewhere.example" in note.deviation.message


def test_a_stale_contract_is_its_own_finding_that_fails_only_the_strict_profile() -> None:
    path = DATA / "stale-contract.yaml"

    documented = judge([cassette_format.load(path)])
    strict = judge([cassette_format.load(path)], Profile.STRICT)

    (note,) = documented.outcome("DCJ-CASSETTE-001").notes
    assert note.deviation.severity is Severity.INFO
    assert "under contract 000000000000, the current one is" in note.deviation.message
    assert "record it again" in note.deviation.message
    assert _failing(path, Profile.STRICT) == {"DCJ-CASSETTE-001"}
    assert strict.outcome("DCJ-CASSETTE-001").violations


def test_a_current_cassette_has_no_stale_finding_and_one_without_provenance_is_not_judged_for_it(
    tmp_path: Path,
) -> None:
    current = record(tmp_path / "current.yaml", [{"app": APP, "limit": 1}])
    bare = tmp_path / "bare.yaml"
    cassette_format.write(
        bare, cassette_format.document(cassette_format.load(current).interactions)
    )

    assert judge([cassette_format.load(current)]).outcome("DCJ-CASSETTE-001").skip is not None
    without = judge([cassette_format.load(bare)]).outcome("DCJ-CASSETTE-001")
    assert without.skip == "nothing recorded in the cassettes shows this rule"


def test_listings_that_changed_far_from_a_walk_make_it_incomparable(tmp_path: Path) -> None:
    # A filtered walk whose bracketing listings are not its neighbours and disagree: data changed
    # somewhere in between, so the walk is not compared (a correct server could have answered it).
    emulator = Emulator()
    filtered = {"app": APP, "status": ["successful"], "limit": 100}
    path = record(
        tmp_path / "far.yaml",
        [LISTING, {"app": APP, "limit": 3}, filtered, LISTING],
        emulator=emulator,
    )
    document = cassette_format.load(path).document
    last = document["interactions"][3]["response"]["body"]
    body = json.loads(last["string"])
    body["job_set"][0]["status"] = (
        "failed" if body["job_set"][0]["status"] != "failed" else "working"
    )
    last["string"] = json.dumps(body, separators=(",", ":"))
    cassette_format.write(path, document)

    verdict = judge([cassette_format.load(path)])

    assert verdict.applied["DCJ-FILTER-004"] == 0
    assert _failing(path) == set()


def test_a_request_the_page_says_must_be_refused_is_judged_by_the_answer_it_got(
    tmp_path: Path,
) -> None:
    calls: list[dict[str, Any]] = [{}, {"app": APP, "limit": "x"}, {"app": APP, "status": ["done"]}]
    refused = record(tmp_path / "refused.yaml", calls)
    accepted = record(
        tmp_path / "accepted.yaml",
        calls,
        faults=["app-not-required", "non-integer-limit-accepted", "illegal-status-accepted"],
    )

    assert _failing(refused) == set()
    assert _failing(accepted) == {"DCJ-INPUT-001", "DCJ-INPUT-002", "DCJ-INPUT-004"}


def test_an_unknown_job_id_is_judged_against_the_complete_listing_recorded_with_it(
    tmp_path: Path,
) -> None:
    unknown: list[dict[str, Any]] = [LISTING, {"app": APP, "jobs": ["j-000000000000"]}]

    assert _failing(record(tmp_path / "ok.yaml", unknown)) == set()
    assert _failing(record(tmp_path / "bad.yaml", unknown, faults=["unknown-job-empty-list"])) == {
        "DCJ-INPUT-003"
    }
    # Without a complete listing there is no telling an unknown id from one the listing missed.
    alone = record(tmp_path / "alone.yaml", unknown[1:], faults=["unknown-job-empty-list"])
    assert _failing(alone) == set()


def test_repeated_interactions_are_judged_once_and_counted_every_time(tmp_path: Path) -> None:
    path = record(
        tmp_path / "repeats.yaml", [{"app": APP, "limit": 5}] * 4, faults=["limit-off-by-one"]
    )

    verdict = judge([cassette_format.load(path)])

    (finding,) = verdict.outcome("DCJ-PAGE-002").violations
    assert verdict.counts["DCJ-PAGE-002"] == 4
    assert finding.deviation.message.endswith(", interaction 1; 3 more like it]")
    assert dataclasses.replace(finding.deviation, message="").rule == "DCJ-PAGE-002"


def test_conformance_cassettes_check_imports_neither_hypothesis_nor_the_probes() -> None:
    # The offline judge shares the verdicts with the live suite (conformance.judgement), not the
    # suite itself: judging recordings never pays for hypothesis's import, or for pytest's.
    script = (
        "import contextlib, io, sys\n"
        "from conformance.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main(['cassettes', 'check', {str(SHIPPED)!r}])\n"
        "heavy = sorted(name for name in sys.modules\n"
        "               if name.split('.')[0] in {'hypothesis', 'pytest', '_pytest'}\n"
        "               or name.startswith('conformance.probes'))\n"
        "print(status, heavy)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )

    assert done.stdout.strip() == "0 []", done.stdout + done.stderr
