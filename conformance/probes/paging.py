"""The paging probe: pages of any limit tile the listing, and agree on its size."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from conformance.contract import DEFAULT_LIMIT, LIMIT, MAX_LIMIT
from conformance.judgement import cases
from conformance.judgement.exchanges import body
from conformance.judgement.findings import Finding, findings
from conformance.judgement.listing import has_job_id, is_listing
from conformance.judgement.verdicts import (
    lifecycle_deviations,
    paging_walk_deviations,
)
from conformance.probes.learn import bracketed, walk
from conformance.probes.run import NOT_JUDGED, Probe, Run, confirmed

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


def _paging_run(run: Run, limit: int) -> list[Finding] | None:
    return confirmed(lambda: _paging_once(run, limit))


def _paging_once(run: Run, limit: int) -> list[Finding] | None:
    bracket, pages = bracketed(
        run.client,
        run.app,
        max_pages=run.max_pages,
        check=lambda: walk(run.client, {"app": run.app}, limit=limit, pages=MAX_WALK),
    )
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


def _paging_examples(run: Run) -> list[int]:
    smallest = (
        max(1, math.ceil(run.universe.total / MAX_WALK)) if run.universe.complete else MAX_LIMIT
    )
    return sorted({max(smallest, limit) for limit in (smallest, DEFAULT_LIMIT, MAX_LIMIT)})


PAGING = Probe(
    "paging",
    cases.PAGING_WALK,
    _paging_cases,
    _paging_run,
    _paging_examples,
)
