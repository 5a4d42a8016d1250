"""Sending a batch of a probe's cases: several requests in flight, one pair of listings for all walks.

A live target costs a round trip per request, so the cases of a batch go out concurrently, at most
``Run.concurrency`` at a time (the target's pacer keeps the whole run within its rate cap). A
cross-call probe's case is a walk whose pages must go in order: each walk keeps its order, the
walks of a batch run side by side, and one bracket serves them all. Its first listing is the last
one the run took (``Run.listing``: learning's, or the previous batch's second), taken before any of
these walks began; its second is taken when they have all ended, and becomes the next batch's
first. A job that moved meanwhile is in one listing only: the verdicts (``Bracket.must_match``,
``may_match``) demand only what held in both.

A violation is confirmed before it is kept (``run.confirm``): a walk judged against the shared
bracket is sent again between listings of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from conformance.deviation import Severity
from conformance.judgement.findings import Finding
from conformance.judgement.listing import Bracket
from conformance.probes.learn import learn
from conformance.probes.run import Probe, Run, confirm

T = TypeVar("T")


def judge(
    run: Run, probe: Probe, cases: Sequence[Any], settled: frozenset[str] = frozenset()
) -> list[list[Finding] | None]:
    """What each of ``cases`` showed, confirmed (None: it could not be judged), in their order.

    Each case is sent once, all side by side; then, in their order, a case is sent again when it
    shows a violation of a rule neither ``settled`` (the survey holds a first case of it) nor
    confirmed by an earlier case of the batch (``run.confirm``): a server that breaks a rule on
    every answer costs one more request for it, not one per case.
    """
    walking = probe.walking
    if walking is None:
        firsts = concurrently(run, [functools.partial(probe.once, run, case) for case in cases])
    elif not cases:
        return []
    else:
        before = run.listing or run.universe
        walks = concurrently(run, [functools.partial(walking.pages, run, case) for case in cases])
        after = run.listing = learn(run.client, run.app, max_pages=run.max_pages)
        bracket = Bracket(before, after)
        firsts = [
            walking.judge(run, case, bracket, pages)
            for case, pages in zip(cases, walks, strict=True)
        ]
    results: list[list[Finding] | None] = []
    for case, first in zip(cases, firsts, strict=True):
        again = functools.partial(probe.once, run, case)  # a walk: between listings of its own
        found = confirm(run, first, again, settled)
        results.append(found)
        settled |= {f.rule for f in found or () if f.deviation.severity is Severity.VIOLATION}
    return results


def concurrently(run: Run, calls: Sequence[Callable[[], T]]) -> list[T]:
    """The results of ``calls``, in their order, at most ``run.concurrency`` running at once.

    The first exception (a stopped run's ``RunStopped`` too) is raised once every call has ended:
    the others stop at their next request, as the stopped client refuses to send.
    """
    if run.concurrency <= 1 or len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(run.concurrency, len(calls))) as pool:
        futures = [pool.submit(call) for call in calls]
    return [future.result() for future in futures]
