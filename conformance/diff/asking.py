"""Asking both targets the same thing: the probes' boundary cases, generated ones, or a recording's
requests, each answer judged by its own target's verdict and reduced to its shape.

A case is asked of each target in that target's own terms: a job id is one of its own jobs (the
same position in its own listing), an offset at its own end is at its own end. So the probes'
boundary cases are drawn from each target's own run (``Probe.examples``) and paired, and a recorded
request is sent to the other target with each recorded job id in place of the job at the same
position of that target's listing (an id it knows, or one no listing holds, is sent as it is).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance import wire
from conformance.client import Client
from conformance.contract import (
    AUTH_FAILURES,
    JOBS,
    LIMIT,
    MAX_LIMIT,
    OFFSET,
    SIGNING_PARAMS,
    STATUS,
    STATUSES,
    breaches,
    left_open,
)
from conformance.deviation import Profile, Severity
from conformance.diff.normalise import merged, shape
from conformance.exchange import Exchange
from conformance.judgement.exchanges import check_exchange, ret_code
from conformance.judgement.findings import Finding, findings
from conformance.judgement.verdicts import Refusal, page_fullness, rejection_deviations
from conformance.probes.learn import bracketed
from conformance.probes.run import Probe, Run
from conformance.replay import unsigned_query
from conformance.transport import Target


@dataclass(frozen=True)
class Answer:
    """One target's answer to one case: the exchanges that show it (the last is shown), its shape,
    the rules its own verdict names (``broken``: those it violates), and the ``LEFT_OPEN`` class of
    the request, if the page leaves its answer open."""

    exchanges: tuple[Exchange, ...]
    shape: Mapping[str, Any]
    rules: frozenset[str]
    broken: frozenset[str]
    open: str | None
    mutation: str | None = None

    def verdict(self) -> str:
        """The target's own verdict on its answer: a deviation, left open, or conformant."""
        if self.broken:
            return "deviation (" + ", ".join(sorted(self.broken)) + ")"
        if self.open is not None:
            return f"left open by the page ({self.open})"
        return "conformant"


def answer(
    exchanges: Sequence[Exchange],
    found: Sequence[Finding],
    *,
    app: str,
    zone: str | None = None,
    mutation: str | None = None,
    walk: bool = False,
) -> Answer:
    """An ``Answer`` from what was sent and its findings (a walk's pages merged into one shape)."""
    shapes = [shape(exchange, asked(exchange)[0]) for exchange in exchanges]
    last = exchanges[-1]
    params, malformed = asked(last)
    return Answer(
        tuple(exchanges),
        merged(shapes) if walk else shapes[-1],
        frozenset(f.rule for f in found),
        frozenset(f.rule for f in found if f.deviation.severity is Severity.VIOLATION),
        # An input the page says is refused, or a failed authentication, is not open.
        None
        if mutation or breaches(params)
        else left_open(params, app=app, zone=zone, malformed=malformed),
        mutation,
    )


def asked(exchange: Exchange) -> tuple[dict[str, Any], bool]:
    """What a request asked for, decoded without the signing parameters, and whether its encoding
    had a problem."""
    if exchange.params is not None:
        return dict(exchange.params), False
    decoded = wire.decode(unsigned_query(exchange.request))
    params = {k: v for k, v in decoded.params.items() if k not in SIGNING_PARAMS}
    return params, bool(decoded.problems)


@dataclass
class Side:
    """One of the two targets: its client (every exchange it sends is kept in ``sent`` while a case
    is asked), and its run (the jobs it listed). The client's ``Stopper`` caps what the target is
    sent, retries included, as the suite's does; ``before`` is what it had counted before the diff
    (a run's own stopper, when the diff shares it). ``signatures`` are every signature sent, so a
    report can be scrubbed of any a server echoed."""

    label: str
    target: Target
    client: Client
    run: Run
    before: int = 0
    sent: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client.observers.append(self.sent.append)

    @property
    def signatures(self) -> set[str]:
        """Every signature sent to this target (``Client.signatures``)."""
        return self.client.signatures

    def spent(self) -> int:
        """Requests the diff sent this target, as its server counts them (retries too)."""
        stopper = self.client.stopper
        return (stopper.spent if stopper is not None else self.client.requests) - self.before

    def left(self) -> int | None:
        """What the budget leaves (None: no cap)."""
        stopper = self.client.stopper
        if stopper is None or stopper.budget is None:
            return None
        return max(0, stopper.budget - stopper.spent)

    def affords(self, cost: int) -> bool:
        """Whether ``cost`` more requests stay within the budget."""
        left = self.left()
        return left is None or cost <= left


def ask(side: Side, probe: Probe, case: Any) -> Answer | None:
    """``case`` of ``probe`` asked of ``side`` and judged as the probe judges it (None: the probe
    could not judge it); a walk's pages are also each judged on their own."""
    run = side.run
    side.sent.clear()
    mutation = getattr(case[0], "label", None) if isinstance(case, tuple) else None
    walking = probe.walking
    if walking is None:
        found = probe.once(run, case)
        if found is None or not side.sent:
            return None
        last = side.sent[-1]
        found += [] if mutation is not None else _beside(last, run)
        return answer([last], found, app=run.app, zone=run.client.zone, mutation=mutation)
    bracket, pages = bracketed(
        run.client, run.app, max_pages=run.max_pages, check=lambda: walking.pages(run, case)
    )
    if not pages:
        return None
    found = list(walking.judge(run, case, bracket, pages) or [])
    for page in pages:
        found += check_exchange(page, run.profile, params=page.params) + _beside(page, run)
    return answer(pages, found, app=run.app, zone=run.client.zone, walk=True)


def _beside(exchange: Exchange, run: Run) -> list[Finding]:
    """What a probe does not judge of its answer but another would: whether a request the page
    says is refused was, and whether an accepted page is as full as its own total says. Every
    answer is judged by both, so a behaviour one probe alone would see is not an unexplained
    difference (an odd value that is also an illegal status, a page the default fills short)."""
    params, malformed = asked(exchange)
    if malformed:
        return []
    refusals = [
        Refusal(breach.input.rule, breach.reason, breach.input.code)
        for breach in breaches(
            params, known=run.universe.job_ids if run.universe.complete else None
        )
    ]
    if refusals:
        refused = rejection_deviations(ret_code(exchange), refusals, run.profile)
        return findings(refused, exchange)
    return findings(page_fullness(exchange, params, run.profile), exchange)


# --- generated cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """A generated request in relative terms, so that each target can be asked it in its own:
    ``offset`` as a share of its own listing, ``jobs`` as how many of its first jobs."""

    limit: int | None
    offset: float | None
    statuses: tuple[str, ...]
    jobs: int
    verb: str

    def params(self, run: Run) -> dict[str, Any] | None:
        """The request for ``run``'s target; None when it has too few jobs for it."""
        known = run.universe.job_ids
        if self.jobs > len(known):
            return None
        params: dict[str, Any] = {"app": run.app}
        if self.limit is not None:
            params[LIMIT.name] = self.limit
        if self.offset is not None:
            params[OFFSET.name] = int(self.offset * run.universe.total)
        if self.statuses:
            params[STATUS.parameter] = list(self.statuses)
        if self.jobs:
            params[JOBS.parameter] = list(known[: self.jobs])
        return params


def drawn(count: int, seed: int) -> list[Drawn]:
    """``count`` generated requests, the same for the same seed: limits around and above the cap,
    offsets inside and past the end, status and job filters, either verb."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        cases.append(
            Drawn(
                limit=rng.choice((None, rng.randint(1, MAX_LIMIT + MAX_LIMIT // 5))),
                offset=rng.choice((None, rng.random() * 1.2)),
                statuses=tuple(rng.sample(STATUSES, rng.choice((0, 0, 1, 2)))),
                jobs=rng.choice((0, 0, 0, 1, 2, 3)),
                verb=rng.choice(("GET", "GET", "POST")),
            )
        )
    return cases


# --- recorded requests ---------------------------------------------------------------------------

#: The mutation that makes each recorded authentication failure again (strategies.MUTATIONS).
MUTATION_OF = {
    "bad-signature": "wrong-signature",
    "missing-signature": "missing-signature",
    "unknown-key": "unknown-key",
    "stale-time-stamp": "stale-time-stamp",
}


def judged_alone(
    exchange: Exchange,
    params: Mapping[str, Any],
    *,
    documented: bool,
    known: Sequence[str],
    auth: str | None,
    profile: Profile,
) -> list[Finding]:
    """A recorded request's answer judged without its probe, as the offline judge does: every
    response rule, and whether a request the page says must be refused was (``auth``: the
    recorder's authentication verdict)."""
    refusals = [
        Refusal(breach.input.rule, breach.reason, breach.input.code)
        for breach in breaches(params, known=known)
    ]
    failure = AUTH_FAILURES.get(auth or "")
    if failure is not None:
        refusals.append(Refusal(failure.rule, failure.what, failure.code))
    found = check_exchange(
        exchange, profile, params=params if documented and not refusals else None
    )
    if refusals:
        found += findings(rejection_deviations(ret_code(exchange), refusals, profile), exchange)
    return found


def translated(pairs: Sequence[tuple[str, str]], ids: Mapping[str, str]) -> list[tuple[str, str]]:
    """``pairs`` with each job id in ``ids`` replaced by the one it maps to."""
    prefix = JOBS.parameter + "."
    return [
        (name, ids.get(value, value) if name.startswith(prefix) else value) for name, value in pairs
    ]


def id_map(recorded: Sequence[str], own: Sequence[str]) -> dict[str, str]:
    """Recorded job ids to the target's own, position for position; an id the target knows too
    stays itself."""
    known = set(own)
    spare = [job_id for job_id in own if job_id not in set(recorded)]
    mapping: dict[str, str] = {}
    for job_id in recorded:
        if job_id in known:
            mapping[job_id] = job_id
        elif spare:
            mapping[job_id] = spare.pop(0)
    return mapping
