"""The suite against a correct emulator: zero deviations, run after run, with or without xdist."""

from __future__ import annotations

import json

import pytest

from conformance.suite.test_conformance import CHECKED
from tests.suite.helpers import FEW_EXAMPLES, SUITE, run_suite, section, totals


@pytest.mark.parametrize(
    ("profile", "budget"),
    # The documented profile with the default example budget, as a user's first run has it.
    [("documented", ()), ("strict", (FEW_EXAMPLES,))],
    ids=["documented", "strict"],
)
def test_the_correct_emulator_shows_no_deviation(
    pytester: pytest.Pytester, profile: str, budget: tuple[str, ...]
) -> None:
    result = run_suite(pytester, f"--conformance-profile={profile}", *budget)

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] > 0
    assert "failed" not in outcomes
    assert "errors" not in outcomes
    summary = totals(result)
    assert int(summary.pop("requests")) > len(CHECKED)
    assert int(summary.pop("checks")) >= len(CHECKED)  # every rule judged, at least once
    assert summary == {
        "exercised": str(len(CHECKED)),  # the default app has every kind of job: all exercised
        "rules": str(len(CHECKED)),
        "budget": "3000",  # the in-process emulator's default (options.EMULATOR_BUDGET)
        "target": "emulator",
        "profile": profile,
        "seed": "1",
        "deviations": "0",
    }


@pytest.mark.parametrize("seed", range(1, 6), ids=lambda seed: f"seed-{seed}")
def test_an_emulator_whose_jobs_change_during_the_run_shows_no_deviation(
    pytester: pytest.Pytester, seed: int
) -> None:
    # Each seed is one of five runs; churn creates jobs and advances statuses while the suite runs.
    result = pytester.runpytest_inprocess(
        *SUITE[:-1],
        f"--conformance-seed={seed}",
        "--conformance-target=emulator:churn",
        "--conformance-max-examples=10",
    )

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    assert result.parseoutcomes().get("failed", 0) == 0
    assert totals(result)["target"] == "emulator+churn"
    assert totals(result)["deviations"] == "0"


def test_xdist_checks_as_many_rules_as_one_process(pytester: pytest.Pytester) -> None:
    alone = run_suite(pytester, FEW_EXAMPLES, "--conformance-report=alone.json")
    spread = pytester.runpytest_subprocess(
        *SUITE, FEW_EXAMPLES, "--conformance-report=spread.json", "-n", "2", timeout=60
    )

    assert alone.ret == spread.ret == pytest.ExitCode.OK, "\n".join(spread.outlines)
    assert "2 workers" in spread.stdout.str()
    assert totals(spread)["rules"] == totals(alone)["rules"] == str(len(CHECKED))
    assert totals(spread)["deviations"] == "0"
    reports = [
        json.loads((pytester.path / name).read_text()) for name in ("alone.json", "spread.json")
    ]
    assert reports[0]["summary"]["rules"] == reports[1]["summary"]["rules"] == len(CHECKED)
    assert reports[1]["deviations"] == []


def test_the_plugin_does_nothing_in_a_run_that_does_not_ask_for_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def open_target(spec: str, **options: object) -> object:
        opened.append(spec)
        raise AssertionError("the plugin opened a target in a run that did not ask for one")

    monkeypatch.setattr("conformance.targets.open_target", open_target)
    pytester.makepyfile("def test_arithmetic():\n    assert 1 + 1 == 2\n")

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)
    assert opened == []
    assert not any(line.startswith("conformance:") for line in result.outlines)
    with pytest.raises(AssertionError, match="no 'conformance' section"):
        section(result, "conformance")
