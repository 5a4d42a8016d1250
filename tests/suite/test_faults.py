"""Every fault of the emulator, served over HTTP on port 0: the suite exits 1 and names its rule.

Most faults run with ``-k`` narrowed to their rule and two that no fault touches, to keep the file
fast; the faults in ``WHOLE_SUITE``, one per category, run every rule and show that nothing
but their own rule fails.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.emulator import FAULTS
from conformance.suite.test_conformance import CHECKED
from tests.suite.helpers import FEW_EXAMPLES, failed_rules, profile_that_fails, run_suite, totals

WHOLE_SUITE = frozenset(
    {
        "missing-total-count",  # response shape
        "directive-not-json",  # the embedded directive
        "default-limit-10",  # paging
        "app-not-required",  # input validation
        "stale-timestamp-accepted",  # authentication
    }
)
# Rules that stay quiet under every fault: the narrowed runs check them as well, so a fault that
# broke everything would not pass for one that breaks its rule.
BYSTANDERS = ("DCJ-RESP-006", "DCJ-CONSIST-004")


@pytest.mark.usefixtures("demo_credentials")
@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_suite_names_the_rule_each_fault_breaks(
    pytester: pytest.Pytester, emulator_url: Callable[..., str], fault: str
) -> None:
    rule_id = FAULTS[fault].rule
    url = emulator_url(fault)
    narrowed = (
        []
        if fault in WHOLE_SUITE
        else ["-k", " or ".join(f"[{r}]" for r in (rule_id, *BYSTANDERS))]
    )

    result = run_suite(
        pytester,
        f"--conformance-target={url}",
        "--conformance-rate=0",
        f"--conformance-profile={profile_that_fails(rule_id)}",
        FEW_EXAMPLES,
        *narrowed,
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED, "\n".join(result.outlines)
    result.stdout.fnmatch_lines([f"FAILED *test_rule[[]{rule_id}[]]*"])
    assert failed_rules(result) == {rule_id}
    outcomes = result.parseoutcomes()
    checked = len(CHECKED) if fault in WHOLE_SUITE else len({rule_id, *BYSTANDERS})
    assert outcomes["failed"] == 1
    assert outcomes["passed"] + outcomes.get("skipped", 0) == checked - 1
    assert totals(result)["target"] == url


def test_a_server_that_skips_a_job_past_the_first_page_is_not_blamed_for_its_total_count(
    pytester: pytest.Pytester,
) -> None:
    # offset-off-by-one answers the right total_count (126 successful jobs); only its pages past
    # offset 0 skip a job. The suite learns the job universe by paging too, so its listing holds 160
    # of 161 jobs, yet it counts that listing as complete and reports "total_count is 126 for
    # {'status': ['successful']}, but 125 to 125 jobs match" under DCJ-PAGE-005.
    result = run_suite(pytester, "--conformance-target=emulator:offset-off-by-one", FEW_EXAMPLES)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "DCJ-PAGE-004" in failed_rules(result)
    assert "DCJ-PAGE-005" not in failed_rules(result), "\n".join(result.outlines)
