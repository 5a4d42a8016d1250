"""What every probe shares: the run it works in, the probe's shape, and what one survey saw.

A probe draws a case from what the target holds (``cases``) and runs it (``run``), returning every
finding. The suite runs each probe once for all its rules, then searches out each rule it saw broken
on its own, so hypothesis shrinks each rule's failure separately (``conformance.probes.search``).

Every probe re-runs a case that showed a violation before it reports it, and keeps only the rules
seen both times: a server whose data changed between two calls is never reported for the change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.client import Client
from conformance.deviation import Profile, Severity
from conformance.exchange import Exchange
from conformance.judgement.cases import answer_rules
from conformance.judgement.exchanges import check_exchange
from conformance.judgement.findings import Finding, violations
from conformance.judgement.listing import Universe

if TYPE_CHECKING:
    from hypothesis import strategies as st

# Findings of a rule kept for the report when they do not fail the run: enough to show the pattern.
KEPT_NOTES = 5


@dataclass
class Run:
    """What every probe needs: the client, the app, the profile, and the universe learned at start.

    ``surveys`` holds, per probe, what its one run in this process saw (``search.survey``), and
    ``partial`` what a survey under way (or cut short by a stopped run) has seen so far; ``learned``
    what the listing pages read at start-up show (``judged_learning``); ``exercised`` the rules of
    ``cases.ANSWER_DEPENDENT`` that a served answer could have broken (``cases.answer_rules``: the
    start-up listing, then every answer of the responses probe); ``checks`` counts rules judged on
    cases (see ``search``).
    """

    client: Client
    app: str
    profile: Profile
    universe: Universe
    max_pages: int = 5
    surveys: dict[str, Survey] = dataclasses.field(default_factory=dict)
    partial: dict[str, Survey] = dataclasses.field(default_factory=dict)
    learned: list[Finding] = dataclasses.field(default_factory=list)
    exercised: set[str] = dataclasses.field(default_factory=set)
    checks: int = 0

    def __post_init__(self) -> None:
        for exchange in self.universe.exchanges:
            self.served(exchange, exchange.params or {})

    def served(self, exchange: Exchange, params: Mapping[str, Any]) -> None:
        """Count what ``exchange``, the answer to the documented request ``params``, exercised."""
        self.exercised |= answer_rules(exchange.response.document, params)


def judged_learning(universe: Universe, profile: Profile) -> list[Finding]:
    """What the listing pages read to learn the jobs show: learning judges, it does not give up."""
    return [
        finding
        for exchange in universe.exchanges
        for finding in check_exchange(exchange, profile, params=exchange.params)
    ]


@dataclass(frozen=True)
class Probe:
    """A scenario: ``cases`` draws inputs from the run, ``run`` sends them and returns findings, or
    ``NOT_JUDGED`` when the answers gave it nothing to compare (no listing it could read): a probe
    that judged no case leaves its rules not exercised, never passed.

    ``examples`` are the boundary cases tried first on every run, whatever the example budget:
    random search should find the rest, not the cases the page names.
    """

    name: str
    rules: frozenset[str]
    cases: Callable[[Run], st.SearchStrategy[Any]]
    run: Callable[[Run, Any], list[Finding] | None]
    examples: Callable[[Run], list[Any]] = lambda run: []


#: What a probe's ``run`` returns for a case it could not judge.
NOT_JUDGED = None


def confirmed(once: Callable[[], list[Finding] | None]) -> list[Finding] | None:
    """Findings of ``once`` whose violations show again when it is run a second time."""
    first = once()
    if first is NOT_JUDGED or not any(f.deviation.severity is Severity.VIOLATION for f in first):
        return first
    again = once() or []
    seen_again = {f.rule for f in again}
    return [f for f in again if f.rule in {f.rule for f in first} & seen_again]


@dataclass
class Survey:
    """What one run of a probe saw, per rule of the probe."""

    broken: dict[str, tuple[Any, list[Finding]]] = field(default_factory=dict)  # first case, why
    notes: dict[str, list[Finding]] = field(default_factory=dict)
    judged: int = 0  # cases that gave the probe something to compare

    def record(self, probe: Probe, case: Any, found: list[Finding] | None) -> None:
        """Keep what ``found`` shows about the probe's rules (None: the case was not judged)."""
        if found is None:
            return
        self.judged += 1
        for rule_id in {f.rule for f in found} & probe.rules:
            if rule_id not in self.broken:
                bad = violations(found, rule_id)
                if bad:
                    self.broken[rule_id] = (case, bad)
            kept = self.notes.setdefault(rule_id, [])
            kept += [f for f in found if f.rule == rule_id][: KEPT_NOTES - len(kept)]
