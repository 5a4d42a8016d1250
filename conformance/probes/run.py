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
from conformance.judgement.listing import Bracket, Universe
from conformance.probes.learn import bracketed

if TYPE_CHECKING:
    from hypothesis import strategies as st

    from conformance.probes.plan import Plan

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

    ``listing`` is the latest listing taken: a batch of walks starts after it and takes the next
    (``batch``); ``concurrency`` how many requests may be in flight at once; ``plan`` what the
    budget pays for (``plan``; None for a run that sends nothing).
    """

    client: Client
    app: str
    profile: Profile
    universe: Universe
    max_pages: int = 5
    concurrency: int = 1
    surveys: dict[str, Survey] = dataclasses.field(default_factory=dict)
    partial: dict[str, Survey] = dataclasses.field(default_factory=dict)
    learned: list[Finding] = dataclasses.field(default_factory=list)
    exercised: set[str] = dataclasses.field(default_factory=set)
    checks: int = 0
    listing: Universe | None = None
    plan: Plan | None = None
    bounded: bool = False  # the boundary pass has run (``search.boundary_pass``)

    def __post_init__(self) -> None:
        if self.listing is None:
            self.listing = self.universe
        for exchange in self.universe.exchanges:
            self.served(exchange, exchange.params or {})

    def served(self, exchange: Exchange, params: Mapping[str, Any]) -> None:
        """Count what ``exchange``, the answer to the documented request ``params``, exercised."""
        self.exercised |= answer_rules(exchange.response.document, params)

    def spent(self) -> int:
        """Requests sent so far, as the server counts them (a live target's retries too)."""
        stopper = self.client.stopper
        return stopper.spent if stopper is not None else self.client.requests


def judged_learning(universe: Universe, profile: Profile) -> list[Finding]:
    """What the listing pages read to learn the jobs show: learning judges, it does not give up."""
    return [
        finding
        for exchange in universe.exchanges
        for finding in check_exchange(exchange, profile, params=exchange.params)
    ]


@dataclass(frozen=True)
class Walking:
    """How a cross-call probe's case is sent and judged: ``pages`` walks it, page after page in
    order; ``judge`` compares the walk with two listings taken before and after it (None: the
    walk gave it nothing to compare); ``cost`` is how many pages the walk should take."""

    pages: Callable[[Run, Any], list[Exchange]]
    judge: Callable[[Run, Any, Bracket, list[Exchange]], list[Finding] | None]
    cost: Callable[[Run, Any], int]


@dataclass(frozen=True)
class Probe:
    """A scenario: ``cases`` draws inputs from the run, ``once`` sends one and returns its findings,
    or ``NOT_JUDGED`` when the answers gave it nothing to compare (no listing it could read): a
    probe that judged no case leaves its rules not exercised, never passed.

    ``examples`` are the boundary cases the plan spends its budget on first (``plan``): random
    search should find the rest, not the cases the page names. A cross-call probe's ``walking``
    lets a batch of its cases share the listings around them (``batch``).
    """

    name: str
    rules: frozenset[str]
    cases: Callable[[Run], st.SearchStrategy[Any]]
    once: Callable[[Run, Any], list[Finding] | None]
    examples: Callable[[Run], list[Any]] = lambda run: []
    walking: Walking | None = None

    def run(
        self, run: Run, case: Any, settled: frozenset[str] = frozenset()
    ) -> list[Finding] | None:
        """``once``, and once more when it shows a violation of a rule not in ``settled``
        (``confirm``)."""
        return confirm(run, self.once(run, case), lambda: self.once(run, case), settled)

    def cost(self, run: Run, case: Any) -> int:
        """The requests ``once`` should take: one, or a walk's pages and the listings around it."""
        if self.walking is None:
            return 1
        return self.walking.cost(run, case) + 2 * listing_cost(run)


def walked(walking: Walking) -> Callable[[Run, Any], list[Finding] | None]:
    """A cross-call probe's ``once``: its walk between two listings of its own, judged."""

    def once(run: Run, case: Any) -> list[Finding] | None:
        bracket, pages = bracketed(
            run.client, run.app, max_pages=run.max_pages, check=lambda: walking.pages(run, case)
        )
        return walking.judge(run, case, bracket, pages)

    return once


def listing_cost(run: Run) -> int:
    """The pages a listing of the app takes: one more than learning took, should a job arrive."""
    return min(run.max_pages, len(run.universe.exchanges) + 1)


#: What a probe's ``run`` returns for a case it could not judge.
NOT_JUDGED = None


def confirm(
    run: Run,
    found: list[Finding] | None,
    once: Callable[[], list[Finding] | None],
    settled: frozenset[str] = frozenset(),
) -> list[Finding] | None:
    """``found``, what one sending of a case showed, keeping the violations that show again when
    ``once`` sends it a second time: data that changed in between is not a deviation.

    A violation of a rule in ``settled`` (the survey holds a confirmed first case of it already, and
    keeps no other) needs no second sending: a server that breaks a rule on every answer costs one
    more request for it, not one per case. Any other is sent again, so what a survey keeps as a
    rule's first broken case was always seen twice.
    """
    if found is NOT_JUDGED:
        return found
    broken = {f.rule for f in found if f.deviation.severity is Severity.VIOLATION}
    if broken <= settled:
        return found
    again = once() or []
    kept = {f.rule for f in again} & ({f.rule for f in found} - settled)
    return [f for f in again if f.rule in kept] + [f for f in found if f.rule in settled]


@dataclass
class Survey:
    """What one run of a probe saw, per rule of the probe.

    ``planned`` names the rules whose first broken case is a boundary case of the plan: minimal by
    construction, and already seen twice, so the search reports it as it is. ``seen`` holds, per
    case judged (by its ``repr``), the rules it showed broken: a search does not send again a case
    the survey saw hold.
    """

    broken: dict[str, tuple[Any, list[Finding]]] = field(default_factory=dict)  # first case, why
    notes: dict[str, list[Finding]] = field(default_factory=dict)
    judged: int = 0  # cases that gave the probe something to compare
    planned: set[str] = field(default_factory=set)
    seen: dict[str, frozenset[str]] = field(default_factory=dict)

    def record(
        self, probe: Probe, case: Any, found: list[Finding] | None, *, boundary: bool = False
    ) -> None:
        """Keep what ``found`` shows about the probe's rules (None: the case was not judged)."""
        if found is None:
            return
        self.judged += 1
        self.seen[repr(case)] = frozenset(
            f.rule for f in found if f.deviation.severity is Severity.VIOLATION
        )
        for rule_id in {f.rule for f in found} & probe.rules:
            if rule_id not in self.broken:
                bad = violations(found, rule_id)
                if bad:
                    self.broken[rule_id] = (case, bad)
                    if boundary:
                        self.planned.add(rule_id)
            kept = self.notes.setdefault(rule_id, [])
            kept += [f for f in found if f.rule == rule_id][: KEPT_NOTES - len(kept)]
