"""The paging probe: pages of any limit tile the listing, and agree on its size."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from conformance.contract import LIMIT, MAX_LIMIT
from conformance.exchange import Exchange
from conformance.judgement import cases
from conformance.judgement.exchanges import body
from conformance.judgement.findings import Finding, findings
from conformance.judgement.listing import Bracket, has_job_id, is_listing
from conformance.judgement.verdicts import (
    lifecycle_deviations,
    paging_walk_deviations,
)
from conformance.probes.learn import walk
from conformance.probes.run import NOT_JUDGED, Probe, Run, Walking, walked

# A paging walk never takes more than this many pages: the smallest limit drawn is chosen so that
# the whole listing fits.
MAX_WALK = 20


def _paging_cases(run: Run) -> st.SearchStrategy[int]:
    smallest = (
        max(1, math.ceil(run.universe.total / MAX_WALK)) if run.universe.complete else MAX_LIMIT
    )
    boundaries = [k for k in LIMIT.boundaries if smallest <= k <= MAX_LIMIT]
    return st.one_of(
        st.sampled_from(boundaries or [MAX_LIMIT]), st.integers(min(smallest, MAX_LIMIT), MAX_LIMIT)
    )


def _paging_pages(run: Run, limit: int) -> list[Exchange]:
    return walk(run.client, {"app": run.app}, limit=limit, pages=MAX_WALK)


def _paging_judge(
    run: Run, limit: int, bracket: Bracket, pages: list[Exchange]
) -> list[Finding] | None:
    documents = [body(page) for page in pages]
    if not pages or not all(is_listing(document) for document in documents):
        return NOT_JUDGED
    returned = [
        job["job_id"] for document in documents for job in document["job_set"] if has_job_id(job)
    ]
    out = paging_walk_deviations(
        bracket,
        limit=limit,
        returned=returned,
        totals=(document["total_count"] for document in documents),
        walked_all=len(pages) < MAX_WALK,
        profile=run.profile,
    ) + lifecycle_deviations(bracket, run.profile)
    return findings(out, *pages[-3:])


def _paging_cost(run: Run, limit: int) -> int:
    # The pages of the listing as learned, and one to spare: jobs may arrive meanwhile.
    return min(MAX_WALK, run.universe.total // limit + 2)


def _paging_examples(run: Run) -> list[int]:
    """One walk of at least two pages, at a limit just under the cap when the listing is long
    enough: its pages meet at an offset no multiple of the default (the page sizes themselves are
    the responses probe's)."""
    return [max(1, min(MAX_LIMIT - 1, (run.universe.total + 1) // 2))]


_WALKING = Walking(_paging_pages, _paging_judge, _paging_cost)

PAGING = Probe(
    "paging",
    cases.PAGING_WALK,
    _paging_cases,
    walked(_WALKING),
    _paging_examples,
    _WALKING,
)
