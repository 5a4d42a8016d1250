"""The paging probe: pages of any limit tile the listing, and agree on its size."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from hypothesis import strategies as st

from conformance.contract import DEFAULT_LIMIT, LIMIT, MAX_LIMIT
from conformance.deviation import Deviation
from conformance.exchange import Exchange
from conformance.judgement.exchanges import body, deviation
from conformance.judgement.findings import Finding, findings
from conformance.judgement.listing import has_job_id, is_listing
from conformance.probes.learn import bracketed
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
    pages: list[Exchange] = []

    def walk() -> Iterable[Exchange]:
        for page in range(MAX_WALK):
            exchange = run.client.call({"app": run.app, "limit": limit, "offset": page * limit})
            pages.append(exchange)
            document = body(exchange)
            if (
                not is_listing(document)
                or not document["job_set"]
                or (page + 1) * limit >= document["total_count"]
            ):
                break
        return pages

    bracket, _ = bracketed(run.client, run.app, max_pages=run.max_pages, check=walk)
    documents = [body(page) for page in pages]
    if not pages or not all(is_listing(document) for document in documents):
        return NOT_JUDGED
    returned = [
        job["job_id"] for document in documents for job in document["job_set"] if has_job_id(job)
    ]
    arrivals = max(0, bracket.after.total - bracket.before.total)
    out: list[Deviation] = []
    repeated = [job for job, times in Counter(returned).items() if times > 1]
    # A job that arrives during the walk pushes the rest down one place, so the next page shows one
    # job again: up to one repeat per arrival is the listing moving, not the paging failing.
    if len(returned) - len(set(returned)) > arrivals:
        out.append(
            deviation(
                "DCJ-PAGE-004",
                run.profile,
                f"pages of limit={limit} repeat jobs: {', '.join(sorted(repeated)[:10])}",
                expected="each job on one page",
                actual=sorted(repeated)[:10],
                pointer="/job_set",
            )
        )
    walked_all = len(pages) < MAX_WALK
    if walked_all and bracket.complete:
        missing = sorted(bracket.must_match(lambda _job, _status: True) - set(returned))
        if missing:
            out.append(
                deviation(
                    "DCJ-PAGE-004",
                    run.profile,
                    f"pages of limit={limit} skip jobs of the listing: {', '.join(missing[:10])}",
                    expected="every job on some page",
                    actual=missing[:10],
                    pointer="/job_set",
                )
            )
    for index, document in enumerate(documents):
        total = document["total_count"]
        if not bracket.before.total <= total <= bracket.after.total:
            out.append(
                deviation(
                    "DCJ-PAGE-005",
                    run.profile,
                    f"total_count is {total} on page {index + 1} (limit={limit}), but the listing holds "
                    f"{bracket.before.total} to {bracket.after.total} jobs",
                    expected=f"between {bracket.before.total} and {bracket.after.total}",
                    actual=total,
                    pointer="/total_count",
                )
            )
            break
    return findings(out, *pages[-3:])


def _paging_examples(run: Run) -> list[int]:
    smallest = (
        max(1, math.ceil(run.universe.total / MAX_WALK)) if run.universe.complete else MAX_LIMIT
    )
    return sorted({max(smallest, limit) for limit in (smallest, DEFAULT_LIMIT, MAX_LIMIT)})


PAGING = Probe(
    "paging",
    frozenset({"DCJ-PAGE-004", "DCJ-PAGE-005"}),
    _paging_cases,
    _paging_run,
    _paging_examples,
)
