"""The filters probe: a filtered listing is exactly the matching part of the whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from conformance.contract import JOBS, MAX_LIMIT, STATUS, STATUSES, SUCCESSFUL
from conformance.exchange import Exchange
from conformance.judgement import cases
from conformance.judgement.exchanges import body
from conformance.judgement.findings import Finding, findings
from conformance.judgement.listing import Bracket, has_job_id, is_listing
from conformance.judgement.verdicts import (
    filtered_listing_deviations,
    lifecycle_deviations,
)
from conformance.probes.learn import walk
from conformance.probes.run import NOT_JUDGED, Probe, Run, Walking, walked


@dataclass(frozen=True)
class Filter:
    """A status filter, a job filter, or both (None: not given)."""

    statuses: tuple[str, ...] | None
    job_ids: tuple[str, ...] | None

    def params(self) -> dict[str, Any]:
        """The filter as request parameters."""
        given = {
            STATUS.parameter: list(self.statuses or ()),
            JOBS.parameter: list(self.job_ids or ()),
        }
        return {name: values for name, values in given.items() if values}

    def matches(self, job_id: str, status: str) -> bool:
        """Whether a job with ``status`` passes the filter."""
        return (self.statuses is None or status in self.statuses) and (
            self.job_ids is None or job_id in self.job_ids
        )


def _filter_cases(run: Run) -> st.SearchStrategy[Filter]:
    statuses = st.lists(st.sampled_from(STATUSES), min_size=1, max_size=4, unique=True).map(tuple)
    known = run.universe.job_ids
    job_ids = (
        st.lists(st.sampled_from(known), min_size=1, max_size=min(12, len(known)), unique=True).map(
            tuple
        )
        if known
        else st.none()
    )
    return st.one_of(
        st.builds(Filter, statuses=statuses, job_ids=st.none()),
        st.builds(Filter, statuses=st.none(), job_ids=job_ids),
        st.builds(Filter, statuses=statuses, job_ids=job_ids),
    )


def _filter_pages(run: Run, case: Filter) -> list[Exchange]:
    params = {"app": run.app, **case.params()}
    return walk(run.client, params, limit=MAX_LIMIT, pages=run.max_pages)


def _filter_judge(
    run: Run, case: Filter, bracket: Bracket, pages: list[Exchange]
) -> list[Finding] | None:
    documents = [body(page) for page in pages]
    if not pages or not all(is_listing(document) for document in documents):
        return NOT_JUDGED  # an error or a malformed page: the response probes report those
    returned = [
        job["job_id"] for document in documents for job in document["job_set"] if has_job_id(job)
    ]
    last = pages[-1]
    if not (bracket.complete or case.job_ids is not None):
        return NOT_JUDGED  # a status filter needs every job of the listing to compare with
    out = filtered_listing_deviations(
        bracket,
        must=bracket.must_match(case.matches),
        may=bracket.may_match(case.matches),
        returned=returned,
        totals=(document["total_count"] for document in documents),
        walked_all=len(returned) >= documents[-1]["total_count"] or len(pages) < run.max_pages,
        requested=len(case.job_ids or ()),
        shown=case.params(),
        profile=run.profile,
    ) + lifecycle_deviations(bracket, run.profile)
    return findings(out, *pages[-3:]) if out else findings([], last)


def _filter_cost(run: Run, case: Filter) -> int:
    # The pages of the matching jobs as learned, and one more should jobs arrive meanwhile.
    matching = sum(case.matches(job_id, status) for job_id, status in run.universe.statuses.items())
    return min(run.max_pages, matching // MAX_LIMIT + 1) + (matching % MAX_LIMIT == 0)


def _filter_examples(run: Run) -> list[Filter]:
    """A walk of the commonest status, of two known jobs, and of both filters together."""
    known, statuses = run.universe.job_ids, list(run.universe.statuses.values())
    commonest = max(STATUSES, key=statuses.count) if statuses else STATUSES[0]
    examples = [Filter(statuses=(commonest,), job_ids=None)]
    if len(known) >= 2:
        examples += [Filter(None, tuple(known[:2])), Filter((SUCCESSFUL,), tuple(known[:6]))]
    return examples


_WALKING = Walking(_filter_pages, _filter_judge, _filter_cost)

FILTERS = Probe(
    "filters",
    cases.FILTERED_WALK,
    _filter_cases,
    walked(_WALKING),
    _filter_examples,
    _WALKING,
)
