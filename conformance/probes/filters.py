"""The filters probe: a filtered listing is exactly the matching part of the whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from conformance.contract import JOBS, MAX_LIMIT, STATUS, STATUSES, SUCCESSFUL
from conformance.judgement import cases
from conformance.judgement.exchanges import body
from conformance.judgement.findings import Finding, findings
from conformance.judgement.listing import has_job_id, is_listing
from conformance.judgement.verdicts import (
    filtered_listing_deviations,
    lifecycle_deviations,
)
from conformance.probes.learn import bracketed, walk
from conformance.probes.run import NOT_JUDGED, Probe, Run, confirmed


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


def _filter_run(run: Run, case: Filter) -> list[Finding] | None:
    return confirmed(lambda: _filter_once(run, case))


def _filter_once(run: Run, case: Filter) -> list[Finding] | None:
    params = {"app": run.app, **case.params()}
    bracket, pages = bracketed(
        run.client,
        run.app,
        max_pages=run.max_pages,
        check=lambda: walk(run.client, params, limit=MAX_LIMIT, pages=run.max_pages),
    )
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


def _filter_examples(run: Run) -> list[Filter]:
    known = run.universe.job_ids
    examples = [Filter(statuses=(status,), job_ids=None) for status in STATUSES]
    if len(known) >= 2:
        examples += [Filter(None, tuple(known[:2])), Filter((SUCCESSFUL,), tuple(known[:6]))]
    return examples


FILTERS = Probe(
    "filters",
    cases.FILTERED_WALK,
    _filter_cases,
    _filter_run,
    _filter_examples,
)
