"""Every fault of the emulator, served over HTTP on port 0, against the whole suite.

Each run exits 1, names the fault's rule, and names no rule but that one and the fault's declared
``bystanders`` (``conformance/emulator/faults.py`` says why each may fail too). No run is narrowed
with ``-k``: a fault that broke a second rule unannounced, or a check that blamed the wrong rule,
fails here, where a user running the suite would meet it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.emulator import FAULTS
from conformance.suite.test_conformance import CHECKED
from tests.suite.helpers import failed_rules, profile_that_fails, run_suite, totals

# Every probe tries its boundary examples whatever the budget; one drawn example more each shows
# every fault, and keeps a whole run about a second.
ONE_EXAMPLE = "--conformance-max-examples=1"

CHECKED_RULES = frozenset(str(param.values[0]) for param in CHECKED)
FAULT_RULES = frozenset(fault.rule for fault in FAULTS.values())
# Rules a probe can show but no fault breaks, so no run here shows them. A fault for one of them
# belongs in faults.py, and the rule then leaves this list (tests/test_registry.py holds every rule
# of the catalogue to a fault, or to a reason why none can exist).
NO_FAULT: frozenset[str] = frozenset()


@pytest.mark.usefixtures("demo_credentials")
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_fails_its_rule_and_no_rule_but_its_declared_bystanders(
    pytester: pytest.Pytester, emulator_url: Callable[..., str], fault: str
) -> None:
    broken = FAULTS[fault]
    url = emulator_url(fault)

    result = run_suite(
        pytester,
        f"--conformance-target={url}",
        "--conformance-rate=0",
        f"--conformance-profile={profile_that_fails(broken.rule)}",
        ONE_EXAMPLE,
    )

    output = "\n".join(result.outlines)
    failed = failed_rules(result)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert broken.rule in failed, output
    undeclared = failed - {broken.rule} - broken.bystanders
    assert not undeclared, f"{fault} also fails {sorted(undeclared)}, not declared:\n{output}"
    # A bystander that no fault of its own breaks is shown by this run or by none.
    assert broken.bystanders - FAULT_RULES <= failed, output
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == len(failed)
    assert outcomes["passed"] + outcomes.get("skipped", 0) == len(CHECKED) - len(failed)
    assert totals(result)["target"] == url


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_faults_bystanders_are_other_rules_the_suite_checks(fault: str) -> None:
    broken = FAULTS[fault]

    assert broken.rule in CHECKED_RULES
    assert broken.bystanders <= CHECKED_RULES - {broken.rule}


def test_every_rule_the_suite_checks_fails_in_some_fault_run_or_is_listed_as_having_no_fault() -> (
    None
):
    shown = FAULT_RULES | {rule for fault in FAULTS.values() for rule in fault.bystanders}

    assert CHECKED_RULES - shown == NO_FAULT, (
        f"no fault shows {sorted(CHECKED_RULES - shown - NO_FAULT)}: add one, or list it in "
        f"NO_FAULT; a fault now shows {sorted(NO_FAULT & shown)}: take it off NO_FAULT"
    )
