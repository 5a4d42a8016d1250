"""The search: each probe runs once for all its rules; only a broken rule is searched out and shrunk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from hypothesis import strategies as st

from conformance.deviation import Profile
from conformance.errors import RunStopped
from conformance.judgement.exchanges import deviation
from conformance.judgement.findings import SPENT, DeviationFound, Finding, NotJudged, findings
from conformance.judgement.listing import Universe
from conformance.probes import search
from conformance.probes.plan import Plan
from conformance.probes.run import Probe, Run
from conformance.probes.search import SearchSettings, search_rule

RULES = frozenset({"DCJ-PAGE-001", "DCJ-PAGE-002"})
SETTINGS = SearchSettings(max_examples=30, seed=1)
# A listing of 200 jobs in two statuses: enough data for every rule to be exercised.
JOBS = Universe(
    "app", {f"j-{n:08d}": ("failed", "successful")[n % 2] for n in range(200)}, 200, True
)


def _probe(
    broken: Callable[[int, int], bool], calls: Counter[int], boundaries: tuple[int, ...] = (0, 1)
) -> Probe:
    """A probe over the integers 0..999 (``boundaries`` first) that breaks DCJ-PAGE-001 where
    ``broken(case, nth call with case)``."""

    def run(_run: Run, case: int) -> list[Finding]:
        calls[case] += 1
        _run.client.requests += 1  # one request a case, as the plan counts them
        if not broken(case, calls[case]):
            return []
        return findings([deviation("DCJ-PAGE-001", Profile.DOCUMENTED, f"case {case}")])

    return Probe(
        "fake", RULES, lambda _run: st.integers(0, 999), run, lambda _run: list(boundaries)
    )


@pytest.fixture
def run() -> Run:
    # The fake probe sends nothing, so the run needs no client.
    return Run(
        client=SimpleNamespace(stopper=None, requests=0),  # type: ignore[arg-type]
        app="app",
        profile=Profile.DOCUMENTED,
        universe=JOBS,
        exercised=set(RULES),  # as if the responses probe had been served every kind of page
    )


def _use(monkeypatch: pytest.MonkeyPatch, probe: Probe) -> None:
    monkeypatch.setattr(search, "probes_for", lambda rule_id: (probe,) if rule_id in RULES else ())
    monkeypatch.setattr(search, "PROBES", (probe,))  # the boundary pass's too


def test_a_probe_runs_once_for_all_its_rules_when_nothing_is_broken(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    calls: Counter[int] = Counter()
    _use(monkeypatch, _probe(lambda case, call: False, calls))
    assert search_rule("DCJ-PAGE-001", run, SETTINGS) == []
    sent = sum(calls.values())
    assert sent >= 30  # at least one case per example
    assert search_rule("DCJ-PAGE-002", run, SETTINGS) == []
    assert sum(calls.values()) == sent  # the second rule read the first one's survey


def test_a_broken_rule_is_shrunk_to_its_smallest_case_and_the_others_pass(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    _use(monkeypatch, _probe(lambda case, call: case >= 500, Counter()))
    with pytest.raises(DeviationFound) as raised:
        search_rule("DCJ-PAGE-001", run, SETTINGS)
    assert raised.value.rule == "DCJ-PAGE-001"
    assert not raised.value.intermittent
    assert raised.value.findings[0].deviation.message == "case 500"
    assert search_rule("DCJ-PAGE-002", run, SETTINGS) == []


def test_a_case_that_breaks_once_and_not_when_sent_again_is_never_reported(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    # 1000 is a boundary case, beyond what the search draws: broken when sent, fine when the
    # survey confirms it. On a live system that is the data changing, not the server.
    calls: Counter[int] = Counter()
    _use(monkeypatch, _probe(lambda case, call: case == 1000 and call == 1, calls, (1000,)))
    assert search_rule("DCJ-PAGE-001", run, SETTINGS) == []
    assert calls[1000] == 2


def test_a_boundary_case_broken_twice_is_reported_as_it_is_without_a_search(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    calls: Counter[int] = Counter()
    _use(monkeypatch, _probe(lambda case, call: case == 1000, calls, (1000,)))
    with pytest.raises(DeviationFound) as raised:
        search_rule("DCJ-PAGE-001", run, SETTINGS)
    survey_calls = sum(calls.values())
    assert not raised.value.intermittent
    assert not raised.value.unshrunk
    assert raised.value.findings[0].deviation.message == "case 1000"
    assert calls[1000] == 2  # the survey's sending and its confirmation: no search sent it again
    with pytest.raises(DeviationFound):
        search_rule("DCJ-PAGE-001", run, SETTINGS)
    assert sum(calls.values()) == survey_calls


def test_a_confirmed_case_the_search_does_not_meet_again_is_reported_unshrunk_as_intermittent(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    # Drawn by exploration, broken on the survey's call and on the call that confirms it; never
    # after: the search's own sending finds it fine.
    _use(monkeypatch, _probe(lambda case, call: case >= 900 and call <= 2, Counter()))
    with pytest.raises(DeviationFound) as raised:
        search_rule("DCJ-PAGE-001", run, SETTINGS)
    assert raised.value.intermittent
    assert int(raised.value.findings[0].deviation.message.split()[-1]) >= 900


def test_a_search_whose_share_runs_out_reports_the_smallest_case_so_far_unshrunk(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    # Broken from 500 up, which only exploration draws; the budget leaves the search 5 requests.
    probe = _probe(lambda case, call: case >= 500, Counter())
    _use(monkeypatch, probe)
    run.plan = Plan(budget=400, learning=0, boundary=2, exploration=388, search=10)
    survey = search.survey(probe, run, SETTINGS)
    run.plan.budget = run.spent() + 10  # what is left: 10, of which one search takes half

    before = run.spent()
    with pytest.raises(DeviationFound) as raised:
        search_rule("DCJ-PAGE-001", run, SETTINGS)

    assert raised.value.unshrunk == SPENT
    assert run.spent() - before <= 5
    assert int(raised.value.findings[0].deviation.message.split()[-1]) >= 500
    assert "DCJ-PAGE-001" in survey.broken


def test_a_survey_cut_short_is_not_kept(monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    calls: Counter[int] = Counter()

    def broken(case: int, call: int) -> bool:
        if sum(calls.values()) >= 5:  # and from then on
            raise ConnectionError("the target went away")
        return False

    _use(monkeypatch, _probe(broken, calls))
    with pytest.raises(ConnectionError):
        search_rule("DCJ-PAGE-001", run, SETTINGS)
    assert run.surveys == {}


def test_a_stopped_run_reports_what_a_survey_cut_short_confirmed_and_passes_nothing_else(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    calls: Counter[int] = Counter()

    def broken(case: int, call: int) -> bool:
        if sum(calls.values()) > 6:  # the quota runs out, and stays out
            raise RunStopped("the API quota is exhausted", requests=7)
        return case == 1  # a boundary case: met first, confirmed at once

    _use(monkeypatch, _probe(broken, calls))
    with pytest.raises(DeviationFound) as raised:
        search_rule("DCJ-PAGE-001", run, SETTINGS)
    assert raised.value.unshrunk
    assert raised.value.findings[0].deviation.message == "case 1"
    with pytest.raises(NotJudged) as unjudged:
        search_rule("DCJ-PAGE-002", run, SETTINGS)
    assert unjudged.value.stopped
    assert "the API quota is exhausted" in unjudged.value.reason
    assert run.surveys == {}  # a survey cut short is never taken for a whole one


def test_a_rule_the_target_has_no_data_for_is_not_judged_though_nothing_broke_it(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    _use(monkeypatch, _probe(lambda case, call: False, Counter()))
    run.universe = Universe("app", {"j-00000001": "failed"}, 1, True)

    with pytest.raises(NotJudged) as unjudged:
        search_rule("DCJ-PAGE-002", run, SETTINGS)
    assert not unjudged.value.stopped
    assert unjudged.value.reason == (
        "the app has 1 job and a filter or a page can only leave a job out when there are two"
    )


def test_a_probe_that_could_judge_no_case_leaves_its_rules_not_exercised(
    monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    # A probe that compares listings, against answers that are no listing: it found nothing, and
    # that is no pass.
    probe = Probe("fake", RULES, lambda _run: st.integers(0, 999), lambda _run, _case: None)
    _use(monkeypatch, probe)

    with pytest.raises(NotJudged) as unjudged:
        search_rule("DCJ-PAGE-001", run, SETTINGS)
    assert not unjudged.value.stopped
    assert unjudged.value.reason == (
        "no case of the fake probe got an answer it could compare (a listing it could read)"
    )
