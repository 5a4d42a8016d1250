"""One test per rule of the catalogue: ``test_rule[DCJ-PAGE-002]``.

Against a target that answers (the emulator, a live endpoint), one test per rule a probe can show:
it reads what the probes that can show its rule saw (each probe runs once per process, for all its
rules), and when one saw the rule broken searches it out with hypothesis; it fails with the shrunk
request, the response and a replay command (``conformance.probes.search``).

Against a cassette target, one test per rule of the catalogue: the rule judged over the recorded
interactions (``conformance.cassettes.judge``); nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.deviation import Severity
from conformance.judgement.findings import DeviationFound, NotJudged
from conformance.probes import Run, probes_for
from conformance.probes.search import SearchSettings, search_rule
from conformance.rules import CATALOGUE, rule
from conformance.session import Session, names_cassettes

CHECKED = [
    pytest.param(r.id, id=r.id, marks=pytest.mark.conformance(r.id))
    for r in CATALOGUE
    if probes_for(r.id)
]
#: Against recordings every rule is judged, those only recordings can show too.
RECORDED = [pytest.param(r.id, id=r.id, marks=pytest.mark.conformance(r.id)) for r in CATALOGUE]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    target = metafunc.config.option.conformance_target
    offline = target is not None and names_cassettes(target)
    metafunc.parametrize("rule_id", RECORDED if offline else CHECKED)


def test_rule(
    rule_id: str,
    conformance_session: Session,
    conformance_run: Run,
    conformance_settings: SearchSettings,
    request: pytest.FixtureRequest,
) -> None:
    # Not the record_property fixture: under JUnit's default xunit2 family it warns on every test,
    # and users run the suite with --junitxml. The plugin reads these (``Session.take``).
    def record_property(name: str, value: object) -> None:
        request.node.user_properties.append((name, value))

    if conformance_session.offline:
        _judge_recorded(rule_id, conformance_session, record_property)
        return
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
    if notes:
        record_property("conformance_notes", conformance_session.entries(notes[:1]))
    severity = rule(rule_id).severity_in(conformance_run.profile)
    if severity is not Severity.VIOLATION and not notes:
        pytest.skip(
            f"{severity.value} in the {conformance_run.profile.value} profile, and nothing was found"
        )


def _judge_recorded(
    rule_id: str, session: Session, record_property: Callable[[str, object], None]
) -> None:
    outcome = session.judged().outcome(rule_id)
    # Offline: no request is sent, and the report says so.
    record_property("conformance_rule", rule_id)
    record_property("conformance_requests", 0)
    if outcome.notes:
        record_property("conformance_notes", session.entries(outcome.notes[:1]))
    if outcome.violations:
        raise DeviationFound(rule_id, outcome.violations)
    if not outcome.exercised:
        record_property("conformance_not_exercised", (rule_id, outcome.skip))
        pytest.skip(f"not exercised: {outcome.skip}")
    if outcome.skip is not None:
        pytest.skip(outcome.skip)
