"""One test per rule of the catalogue that a probe can show: ``test_rule[DCJ-PAGE-002]``.

Each test reads what the probes that can show its rule saw (each probe runs once per process, for
all its rules), and when one saw the rule broken searches it out with hypothesis; it fails with the
shrunk request, the response and a replay command (``conformance.probes.search``).
"""

from __future__ import annotations

import pytest

from conformance.deviation import Severity
from conformance.judgement.findings import NotJudged
from conformance.probes import Run, probes_for
from conformance.probes.search import SearchSettings, search_rule
from conformance.report import entry
from conformance.rules import CATALOGUE, rule

CHECKED = [
    pytest.param(r.id, id=r.id, marks=pytest.mark.conformance(r.id))
    for r in CATALOGUE
    if probes_for(r.id)
]


@pytest.mark.parametrize("rule_id", CHECKED)
def test_rule(
    rule_id: str,
    conformance_run: Run,
    conformance_settings: SearchSettings,
    request: pytest.FixtureRequest,
) -> None:
    # Not the record_property fixture: under JUnit's default xunit2 family it warns on every test,
    # and users run the suite with --junitxml. The plugin reads these (``pytest_runtest_logreport``).
    def record_property(name: str, value: object) -> None:
        request.node.user_properties.append((name, value))

    before, checked = conformance_run.client.requests, conformance_run.checks
    record_property("conformance_rule", rule_id)
    try:
        notes = search_rule(rule_id, conformance_run, conformance_settings)
    except NotJudged as why:
        # Green means judged: a rule the run could not exercise is skipped, never passed. The
        # reason of a stopped run is said once, in the conformance summary, not once per rule.
        if why.stopped:
            record_property("conformance_not_checked", rule_id)
            pytest.skip("not checked: the run stopped (see the conformance summary)")
        record_property("conformance_not_exercised", (rule_id, why.reason))
        pytest.skip(f"not exercised: {why.reason}")
    finally:
        record_property("conformance_requests", conformance_run.client.requests - before)
        record_property("conformance_checks", conformance_run.checks - checked)
    target = conformance_run.client.target
    if notes:
        options = target.replay_options
        record_property(
            "conformance_notes", [entry(notes[0], url=target.url, emulator_options=options)]
        )
    severity = rule(rule_id).severity_in(conformance_run.profile)
    if severity is not Severity.VIOLATION and not notes:
        pytest.skip(
            f"{severity.value} in the {conformance_run.profile.value} profile, and nothing was found"
        )
