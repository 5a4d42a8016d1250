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

from conformance.judgement.findings import Finding
from conformance.judgement.listing import Bracket
from conformance.probes.learn import learn
from conformance.probes.run import Probe, Run, confirm

T = TypeVar("T")


def judge(run: Run, probe: Probe, cases: Sequence[Any]) -> list[list[Finding] | None]:
    """What each of ``cases`` showed, confirmed (None: it could not be judged), in their order."""
    walking = probe.walking
    if walking is None:
        return concurrently(run, [functools.partial(probe.run, run, case) for case in cases])
    if not cases:
        return []
    before = run.listing or run.universe
    walks = concurrently(run, [functools.partial(walking.pages, run, case) for case in cases])
    after = run.listing = learn(run.client, run.app, max_pages=run.max_pages)
    bracket = Bracket(before, after)
    return [
        confirm(
            run, walking.judge(run, case, bracket, pages), functools.partial(probe.once, run, case)
        )
        for case, pages in zip(cases, walks, strict=True)
    ]


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
