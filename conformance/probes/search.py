"""Run each probe once for all its rules, then search out and shrink each rule it saw broken.

A probe can show many rules (the response probe, 28), and sending its cases once per rule would
send the same requests 28 times. So the work is split in two:

* ``survey``: once per run, first the boundary pass of every probe (``plan``: the cases the page
  names, each judged by every rule of its probe), then per probe a hypothesis exploration within
  its share of the budget, never failing; it keeps, per rule, the first case that broke it and up
  to ``KEPT_NOTES`` findings that do not fail a run (undocumented fields, notes).
* ``search_rule``: a rule the surveys saw unbroken passes at no further cost; one a boundary case
  broke (twice) is reported with that case, minimal by construction. One only exploration saw
  broken is sent again first (a server whose data changed is not reported for the change), then a
  hypothesis search for that rule alone finds and shrinks a violation within the search's share,
  skipping the cases the survey saw hold, so each rule's report is its own minimal request.
  Hypothesis replays the shrunk case last, against the real target, so what is reported was seen
  again at the end.

``Run.checks`` counts the judgements: a survey's case (one request, or a walk of pages with the
listings around it) is judged by every rule of its probe, a search's case by its one rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from conformance.errors import RunStopped
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange
from conformance.judgement.findings import (
    SPENT,
    STOPPED,
    DeviationFound,
    Finding,
    NotJudged,
    violations,
)
from conformance.probes import PROBES, probes_for
from conformance.probes.batch import judge as batch_judge
from conformance.probes.exercise import unexercised
from conformance.probes.run import KEPT_NOTES, Probe, Run, Survey, listing_cost

# Cases per hypothesis example. Hypothesis's engine costs ~1.4 ms per example here whatever the
# example holds, and drawing one more case ~0.1-0.4 ms; a batch shrinks to its one failing case.
BATCH = 8

#: Told what the search turns to ("surveying the paging probe", "searching out DCJ-PAGE-002") and
#: None when it is done with it: the progress line on a terminal (``conformance.progress``) is the
#: one watcher. Empty otherwise, and then it costs nothing.
WATCHERS: list[Callable[[str | None], None]] = []


def _doing(what: str | None) -> None:
    for watch in WATCHERS:
        watch(what)


@dataclass(frozen=True)
class SearchSettings:
    """How hard to look: examples per probe, and the seed that makes a run repeatable."""

    max_examples: int = 25
    seed: int = 0


def search_rule(rule_id: str, run: Run, options: SearchSettings) -> list[Finding]:
    """Judge ``rule_id``: raise ``DeviationFound`` for a violation, ``NotJudged`` when the run could
    not judge it (it stopped first, or the target lacks the data that could break the rule); return
    its other findings when it held."""
    notes: list[Finding] = []
    unjudged: list[str] = []
    try:
        for probe in probes_for(rule_id):
            seen = survey(probe, run, options)
            if rule_id in seen.broken:
                _search_probe(rule_id, probe, run, options, seen.broken[rule_id])
            notes.extend(seen.notes.get(rule_id, ())[: KEPT_NOTES - len(notes)])
            if not seen.judged:
                unjudged.append(probe.name)
        _recheck_learning(rule_id, run)
    except RunStopped as stopped:
        # What was confirmed before the stop is still reported; nothing else passes.
        seen_broken = confirmed_before_stop(rule_id, run)
        if seen_broken:
            raise DeviationFound(rule_id, seen_broken, unshrunk=STOPPED) from None
        raise NotJudged(str(stopped), stopped=True) from None
    why = unexercised(rule_id, run)
    if why is None and rule_id in cases.ANSWER_DEPENDENT and rule_id not in run.exercised:
        why = cases.unserved(rule_id)
    if why is None and unjudged:
        probes = " and ".join(unjudged) + (" probes" if len(unjudged) > 1 else " probe")
        why = f"no case of the {probes} got an answer it could compare (a listing it could read)"
    if why is not None:
        raise NotJudged(why, stopped=False)
    return notes


def confirmed_before_stop(rule_id: str, run: Run) -> list[Finding]:
    """The violations of ``rule_id`` that surveys, whole or cut short, saw twice, but not those the
    answers of an outage show (``Stopper.outage``): a server that went away is not non-conformant."""
    stopper = run.client.stopper
    outage = {id(exchange) for exchange in stopper.outage} if stopper is not None else set()
    for probe in probes_for(rule_id):
        for surveys in (run.surveys, run.partial):
            seen = surveys.get(probe.name)
            if seen is not None and rule_id in seen.broken:
                found = seen.broken[rule_id][1]
                if not any(id(e) in outage for finding in found for e in finding.exchanges):
                    return found
    return []


def _recheck_learning(rule_id: str, run: Run) -> None:
    """A violation only the start-up listing showed, sent again: reported when it shows again."""
    seen = violations(run.learned, rule_id)
    if not seen:
        return
    again = run.client.call(dict(seen[0].exchanges[-1].params or {}))
    run.checks += 1
    bad = violations(check_exchange(again, run.profile, params=again.params), rule_id)
    raise DeviationFound(rule_id, bad or seen, intermittent=not bad)


def survey(probe: Probe, run: Run, options: SearchSettings) -> Survey:
    """The probe's survey in this run, made at the first call (one per process under xdist): the
    boundary pass of every probe first, the first time any survey is asked for, then this probe's
    exploration within its share of the budget (``plan``)."""
    made = run.surveys.get(probe.name)
    if made is None:
        stopper = run.client.stopper
        if stopper is not None and stopper.stopped is not None:
            # A survey made now would send nothing (its share is gone with the run) and look
            # whole: it must count as cut short, its rules not checked.
            raise stopper.stop(stopper.stopped.reason)
        boundary_pass(run)
        # Kept in ``partial`` until whole: a survey cut short (the run stopped) passes no rule,
        # but what it confirmed broken is still reported.
        making = run.partial.setdefault(probe.name, Survey())
        plan = run.plan
        # Its part of the exploration share, and never what the searches keep: retries, a replay
        # or a diff may have spent more than the plan foresaw.
        allowance = (
            min(plan.exploring(probe, len(PROBES)), plan.budget - run.spent() - plan.search)
            if plan is not None
            else None
        )
        start = run.spent()

        def look(batch: list[Any]) -> None:
            fresh = _unseen(making, batch)
            if allowance is not None and run.spent() - start + _cost(run, probe, fresh) > allowance:
                return  # the probe's share is spent: the rest of the examples send nothing
            settled = frozenset(making.broken)
            for case, found in zip(fresh, batch_judge(run, probe, fresh, settled), strict=True):
                making.record(probe, case, found)
                run.checks += len(probe.rules)

        _doing(f"exploring with the {probe.name} probe")
        try:
            _explore(probe, run, options, look)
        finally:
            _doing(None)
            if run.plan is not None:
                run.plan.explored_by(probe, run.spent() - start)
        made = run.surveys[probe.name] = run.partial.pop(probe.name)
    return made


def boundary_pass(run: Run) -> None:
    """Every probe's boundary cases, once per process, before any exploration (``plan``)."""
    if run.bounded:
        return
    run.bounded = True
    for probe in PROBES:
        making = run.partial.setdefault(probe.name, Survey())
        cases = _unseen(making, probe.examples(run))
        _doing(f"boundary cases of the {probe.name} probe")
        try:
            settled = frozenset(making.broken)
            for case, found in zip(cases, batch_judge(run, probe, cases, settled), strict=True):
                making.record(probe, case, found, boundary=True)
                run.checks += len(probe.rules)
        finally:
            _doing(None)


def _unseen(survey: Survey, cases: list[Any]) -> list[Any]:
    """``cases`` less those the survey judged already, each once: a page is fetched once."""
    fresh: dict[str, Any] = {}
    for case in cases:
        key = repr(case)
        if key not in survey.seen:
            fresh.setdefault(key, case)
    return list(fresh.values())


def _cost(run: Run, probe: Probe, cases: list[Any]) -> int:
    """What sending ``cases`` as one batch should take (``batch``)."""
    if probe.walking is None or not cases:
        return len(cases)
    return sum(probe.walking.cost(run, case) for case in cases) + listing_cost(run)


def _search_probe(
    rule_id: str, probe: Probe, run: Run, options: SearchSettings, first: tuple[Any, list[Finding]]
) -> None:
    case, found = first
    seen = run.surveys[probe.name]
    if rule_id in seen.planned:
        # A boundary case, seen broken twice: minimal by construction, reported as it is.
        raise DeviationFound(rule_id, found)
    start = run.spent()
    allowance = _search_allowance(run)
    if allowance is not None and probe.cost(run, case) > allowance:
        raise DeviationFound(rule_id, found, unshrunk=SPENT)  # seen twice already
    run.checks += 1
    if not violations(probe.once(run, case) or [], rule_id):
        # Broken once (and confirmed then), fine now: on a live system that is the data changing.
        # Report what was seen, marked as intermittent, rather than hide it.
        raise DeviationFound(rule_id, found, intermittent=True)
    smallest: list[list[Finding]] = [found]

    def look(batch: list[Any]) -> None:
        for case in batch:
            key = repr(case)
            if key in seen.seen and rule_id not in seen.seen[key]:
                continue  # the survey saw this case hold: not sent again
            # Twice its cost: a case that breaks the rule is sent again before it counts.
            if (
                allowance is not None
                and run.spent() - start + 2 * probe.cost(run, case) > allowance
            ):
                raise _Spent()
            bad = violations(probe.run(run, case) or [], rule_id)
            run.checks += 1
            if bad:
                smallest[0] = bad
                raise DeviationFound(rule_id, bad)

    _doing(f"searching out {rule_id}")
    try:
        _explore(probe, run, options, look)
    except _Spent:
        # The search's share ran out before hypothesis had shrunk it: the smallest case so far.
        raise DeviationFound(rule_id, smallest[0], unshrunk=SPENT) from None
    except Flaky as error:
        # The shrunk case did not fail again: on live data that changes this is the change, not the
        # server. Report the first violation seen, marked as intermittent, rather than hide it.
        inner = _first_deviation(error)
        if inner is None:
            raise
        raise DeviationFound(rule_id, inner.findings, intermittent=True) from None
    finally:
        _doing(None)
    # The search, seeded as the survey was, sends the survey's cases again, that one included: it
    # passed this time. Broken twice, then not: report what was seen, unshrunk, as intermittent.
    raise DeviationFound(rule_id, found, intermittent=True)


class _Spent(BaseException):
    """A search's share of the budget is spent. A BaseException: hypothesis must not shrink it."""


def _search_allowance(run: Run) -> int | None:
    """What one search may spend: half of what is left of the budget, beyond the exploration
    still owed to the probes not yet surveyed (None: no budget)."""
    plan = run.plan
    if plan is None:
        return None
    return max(0, plan.budget - run.spent() - plan.owed(len(PROBES))) // 2


def _explore(
    probe: Probe, run: Run, options: SearchSettings, look: Callable[[list[Any]], None]
) -> None:
    """Hypothesis over batches of the probe's cases (its boundary cases were the plan's)."""

    @seed(options.seed)
    @settings(
        max_examples=options.max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(probe.cases(run), min_size=1, max_size=BATCH))
    def explore(batch: list[Any]) -> None:
        look(batch)

    explore()


def _first_deviation(error: BaseException) -> DeviationFound | None:
    if isinstance(error, DeviationFound):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _first_deviation(inner)
        if found is not None:
            return found
    return None
