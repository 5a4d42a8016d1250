"""Run each probe once for all its rules, then search out and shrink each rule it saw broken.

A probe can show many rules (the response probe, 28), and sending its cases once per rule would
send the same requests 28 times. So the work is split in two:

* ``survey``: one hypothesis run of a probe per suite run, judging every rule of the probe on every
  case, never failing; it keeps, per rule, the first case that broke it and up to ``KEPT_NOTES``
  findings that do not fail a run (undocumented fields, notes).
* ``search_rule``: a rule the surveys saw unbroken passes at no further cost. For a broken one, the
  case is sent again first (a server whose data changed is not reported for the change), then a
  hypothesis search for that rule alone finds and shrinks a violation, so each rule's report is its
  own minimal request. Hypothesis replays the shrunk case last, against the real target, so what is
  reported was seen again at the end.

``Run.checks`` counts the judgements: a survey's case (one request, or a walk of pages with the
listings around it) is judged by every rule of its probe, a search's case by its one rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Verbosity, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from conformance.errors import RunStopped
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange
from conformance.judgement.findings import DeviationFound, Finding, NotJudged, violations
from conformance.probes import probes_for
from conformance.probes.exercise import unexercised
from conformance.probes.run import KEPT_NOTES, Probe, Run, Survey

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
            raise DeviationFound(rule_id, seen_broken, unshrunk=True) from None
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
    """The probe's survey in this run, made at the first call (one per process under xdist)."""
    made = run.surveys.get(probe.name)
    if made is None:
        # Kept in ``partial`` until whole: a survey cut short (the run stopped) passes no rule,
        # but what it confirmed broken is still reported.
        making = run.partial.setdefault(probe.name, Survey())

        def look(case: Any) -> None:
            making.record(probe, case, probe.run(run, case))
            run.checks += len(probe.rules)

        _doing(f"surveying the {probe.name} probe")
        try:
            _explore(probe, run, options, look)
        finally:
            _doing(None)
        made = run.surveys[probe.name] = run.partial.pop(probe.name)
    return made


def _search_probe(
    rule_id: str, probe: Probe, run: Run, options: SearchSettings, first: tuple[Any, list[Finding]]
) -> None:
    case, found = first
    run.checks += 1
    if not violations(probe.run(run, case) or [], rule_id):
        # Broken once (and confirmed then), fine now: on a live system that is the data changing.
        # Report what was seen, marked as intermittent, rather than hide it.
        raise DeviationFound(rule_id, found, intermittent=True)

    def look(case: Any) -> None:
        bad = violations(probe.run(run, case) or [], rule_id)
        run.checks += 1
        if bad:
            raise DeviationFound(rule_id, bad)

    _doing(f"searching out {rule_id}")
    try:
        _explore(probe, run, options, look)
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


def _explore(probe: Probe, run: Run, options: SearchSettings, look: Callable[[Any], None]) -> None:
    """Hypothesis over the probe's cases in batches, its boundary examples first."""

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
        for case in batch:
            look(case)

    for boundary in reversed(probe.examples(run)):
        explore = example([boundary])(explore)
    explore()


def _first_deviation(error: BaseException) -> DeviationFound | None:
    if isinstance(error, DeviationFound):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _first_deviation(inner)
        if found is not None:
            return found
    return None
