"""Users' own tests reach the same target through the plugin's fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
def test_the_default_listing_is_conformant(conformance_client, conformance_check):
    exchange = conformance_client.call({"app": "app-tg3lbp0a", "limit": 5})
    conformance_check(exchange)
    assert exchange.response.document["ret_code"] == 0


def test_the_target_and_run_are_shared(conformance_target, conformance_run, conformance_settings):
    assert conformance_run.client.target is conformance_target
    assert conformance_run.universe.total >= 150
    assert conformance_settings.max_examples >= 1
"""


def test_users_tests_pass_against_a_conformant_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine=USER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--conformance-target=emulator")
    result.assert_outcomes(passed=2)


def test_conformance_check_fails_with_the_rule_and_its_documented_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_mine=USER_TESTS)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--conformance-target=emulator:limit-off-by-one"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*DCJ-PAGE-002 [[]violation[]] A response holds at most the requested limit of jobs*",
            "*documented: DescribeClusterJobs.seed.md:12:*",
            "*reproduce:*conformance emulator --port 8080 --fault limit-off-by-one &",
        ]
    )


def test_a_report_destination_that_cannot_be_written_stops_the_run_before_it_starts(
    pytester: pytest.Pytester,
) -> None:
    blocker = pytester.path / "blocker"
    blocker.write_text("a file, so no folder can be made here\n")
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "conformance.suite",
        f"--conformance-report={blocker / 'report.json'}",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"*--conformance-report: cannot write {blocker / 'report.json'}: {blocker} is not a folder"
        ]
    )
    assert "passed" not in result.stdout.str()


@pytest.mark.skipif(
    not Path("/dev/full").exists(), reason="needs /dev/full (Linux) for a full disk"
)
def test_a_report_that_cannot_be_written_fails_an_otherwise_green_run(
    pytester: pytest.Pytester,
) -> None:
    # /dev/full passes every check made up front and refuses the write: a disk that filled up.
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "conformance.suite",
        "--conformance-max-examples=2",
        "--conformance-report=/dev/full",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["conformance: cannot write /dev/full: No space left on device"])
    assert "JSON report:" not in result.stdout.str()
