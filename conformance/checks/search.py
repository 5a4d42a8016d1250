"""Search for a violation of one rule with hypothesis, and shrink it to a minimal request.

``search_rule`` runs every probe that can show the rule. On a violation it raises
``DeviationFound`` for the shrunk case (hypothesis replays that case last, against the real target,
so what is reported was seen again at the end); otherwise it returns the rule's findings that do not
fail a run (undocumented fields, notes), for the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Verbosity, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from conformance.checks.findings import DeviationFound, Finding, violations
from conformance.checks.probes import Probe, Run, probes_for

# Findings of a rule kept for the report when they do not fail the run: enough to show the pattern.
KEPT_NOTES = 5
# Cases per hypothesis example. Hypothesis's engine costs ~1.4 ms per example here whatever the
# example holds, and drawing one more case ~0.1 ms; a batch shrinks to its one failing case.
BATCH = 8


@dataclass(frozen=True)
class SearchSettings:
    """How hard to look: examples per probe, and the seed that makes a run repeatable."""

    max_examples: int = 25
    seed: int = 0


def search_rule(rule_id: str, run: Run, options: SearchSettings) -> list[Finding]:
    """Raise ``DeviationFound`` for a violation of ``rule_id``; return its other findings."""
    notes: list[Finding] = []
    for probe in probes_for(rule_id):
        _search_probe(rule_id, probe, run, options, notes)
    return notes


def _search_probe(
    rule_id: str, probe: Probe, run: Run, options: SearchSettings, notes: list[Finding]
) -> None:
    cases = probe.cases(run)

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
    @given(st.lists(cases, min_size=1, max_size=BATCH))
    def look(batch: list[Any]) -> None:
        for case in batch:
            found = probe.run(run, case)
            bad = violations(found, rule_id)
            if bad:
                raise DeviationFound(rule_id, bad)
            if len(notes) < KEPT_NOTES:
                notes.extend(f for f in found if f.rule == rule_id)

    for boundary in reversed(probe.examples(run)):
        look = example([boundary])(look)
    try:
        look()
    except Flaky as error:
        # The shrunk case did not fail again: on live data that changes this is the change, not the
        # server. Report the first violation seen, marked as intermittent, rather than hide it.
        inner = _first_deviation(error)
        if inner is None:
            raise
        raise DeviationFound(rule_id, inner.findings, intermittent=True) from None


def _first_deviation(error: BaseException) -> DeviationFound | None:
    if isinstance(error, DeviationFound):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _first_deviation(inner)
        if found is not None:
            return found
    return None
