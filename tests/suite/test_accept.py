"""--conformance-accept: known deviations, each with a reason, become expected failures."""

from __future__ import annotations

import pytest

from conformance.suite.test_conformance import CHECKED
from tests.suite.helpers import FEW_EXAMPLES, failed_rules, run_suite, section

# default-limit-10 breaks DCJ-PAGE-006 and nothing else; two quiet rules run beside it.
TARGET = "--conformance-target=emulator:default-limit-10"
SELECTED = ("-k", "[DCJ-PAGE-006] or [DCJ-PAGE-002] or [DCJ-RESP-006]")
DESELECTED = len(CHECKED) - 3


def test_an_accepted_deviation_is_an_expected_failure(pytester: pytest.Pytester) -> None:
    accept = pytester.makefile(
        ".yaml",
        accept="- rule: DCJ-PAGE-006\n  reason: staging pages by 10 until ticket OPS-123 ships\n",
    )

    result = run_suite(
        pytester, TARGET, FEW_EXAMPLES, f"--conformance-accept={accept}", "-rx", *SELECTED
    )

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    result.assert_outcomes(passed=2, xfailed=1, deselected=DESELECTED)
    assert failed_rules(result) == set()
    result.stdout.fnmatch_lines(["*XFAIL*test_rule[[]DCJ-PAGE-006[]]*OPS-123*"])
    assert "accepted as known deviations: DCJ-PAGE-006" in section(result, "conformance")


def test_an_accepted_rule_that_holds_still_passes(pytester: pytest.Pytester) -> None:
    # The file is JSON this time: a mapping of rule to reason is accepted too.
    accept = pytester.makefile(".json", accept='{"DCJ-PAGE-002": "was off by one last year"}')

    result = run_suite(pytester, TARGET, FEW_EXAMPLES, f"--conformance-accept={accept}", *SELECTED)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert failed_rules(result) == {"DCJ-PAGE-006"}
    result.assert_outcomes(passed=1, xpassed=1, failed=1, deselected=DESELECTED)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            "- rule: DCJ-NOPE-999\n  reason: no such rule\n",
            "entry 1: unknown rule 'DCJ-NOPE-999' (see `conformance rules`)",
            id="unknown-rule",
        ),
        pytest.param(
            "- rule: DCJ-PAGE-006\n", "entry 1 (DCJ-PAGE-006) gives no reason", id="no-reason"
        ),
        pytest.param(
            "- rule: DCJ-PAGE-006\n  reason: '   '\n",
            "entry 1 (DCJ-PAGE-006) gives no reason",
            id="blank-reason",
        ),
        pytest.param("- rule: [unclosed\n", "is not YAML or JSON at line", id="not-yaml"),
    ],
)
def test_a_wrong_accept_file_is_a_usage_error_that_says_what_is_wrong(
    pytester: pytest.Pytester, content: str, reason: str
) -> None:
    accept = pytester.makefile(".yaml", accept=content)

    result = run_suite(pytester, TARGET, f"--conformance-accept={accept}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --conformance-accept: {accept}*"])
    assert reason in result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
