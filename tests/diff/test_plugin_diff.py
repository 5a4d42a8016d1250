"""``--conformance-diff-against``: the suite's run compares its target with another."""

from __future__ import annotations

import json

import pytest

from tests.suite.helpers import FEW_EXAMPLES, SUITE, run_suite


def test_a_run_against_a_target_that_differs_fails_with_the_differences(
    pytester: pytest.Pytester,
) -> None:
    report = pytester.path / "report.json"
    markdown = pytester.path / "summary.md"
    result = run_suite(
        pytester,
        FEW_EXAMPLES,
        "--conformance-diff-against=emulator:missing-owner",
        f"--conformance-report={report}",
        f"--conformance-markdown={markdown}",
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["DIFFER in 1 way(s): A emulator and B emulator[[]missing-owner[]]*"]
    )
    written = json.loads(report.read_text())["diff"]
    assert written["differences"][0]["kind"]["rules"] == ["DCJ-ITEM-001"]
    assert "Two targets compared: they differ" in markdown.read_text()


def test_a_run_against_a_target_that_agrees_passes(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, FEW_EXAMPLES, "--conformance-diff-against=emulator:churn")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["AGREE: A emulator and B emulator+churn*"])


def test_an_unknown_target_to_compare_with_is_one_line_and_exit_4(
    pytester: pytest.Pytester,
) -> None:
    result = run_suite(pytester, "--conformance-diff-against=nosuch")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*conformance: unknown target 'nosuch'*"])


@pytest.mark.parametrize("budget", [100, 400])
def test_the_diff_shares_the_runs_budget_and_the_target_never_gets_more(
    pytester: pytest.Pytester, budget: int, demo_credentials: None
) -> None:
    from conformance.emulator import serve
    from tests.diff.conftest import CountingEmulator

    counting = CountingEmulator()
    report = pytester.path / "report.json"
    with serve(counting) as url:
        # In a subprocess: a live target's connections, left to the collector in this process,
        # would warn in another test's teardown.
        result = pytester.runpytest_subprocess(
            *SUITE,
            FEW_EXAMPLES,
            f"--conformance-target={url}",
            "--conformance-rate=0",
            f"--conformance-budget={budget}",
            "--conformance-diff-against=emulator",
            f"--conformance-report={report}",
        )
    assert counting.answered <= budget, (counting.answered, result.outlines[-5:])
    if result.ret == 0:
        written = json.loads(report.read_text())
        # The diff's requests to the run's target are counted in the run's summary too.
        assert written["summary"]["requests"] == counting.answered
        assert written["diff"]["requests"]["b"] <= budget
    else:
        # Too small to pay for the diff's boundary cases after the run's own: refused, one line.
        assert result.ret == 4, result.outlines[-10:]
        result.stderr.fnmatch_lines(["*conformance: *budget*"])
