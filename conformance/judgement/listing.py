"""A listing of the app's jobs, and what can be compared across two listings while data changes.

On a live staging system jobs arrive and advance while the suite runs, so a cross-call verdict is
bracketed by two listings, ``before`` and ``after``: a job that matches a filter in both must be in
the filtered result, a job that matches in neither must not be, and a job whose status moved in
between may be either. Jobs are never assumed to disappear.

Pure values: the live probes learn listings by sending requests (``conformance.probes.learn``), the
offline judge rebuilds them from recorded walks (``conformance.cassettes.walks``); both compare them
with the verdicts in ``conformance.judgement.verdicts``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.contract import MAX_LIMIT
from conformance.exchange import Exchange
from conformance.jsontext import is_int

#: The page a listing is read in: the largest there is.
PAGE = MAX_LIMIT


@dataclass(frozen=True)
class Universe:
    """The app's jobs as one listing saw them: ``statuses`` by job id, in the target's order."""

    app: str
    statuses: Mapping[str, str]
    total: int
    complete: bool
    exchanges: tuple[Exchange, ...] = field(default=(), compare=False, repr=False)

    @property
    def job_ids(self) -> tuple[str, ...]:
        """The job ids, in listing order."""
        return tuple(self.statuses)


# What listing pages hold, by document: every cross-call check learns the listing twice, and
# responses with the same body share one document (``Response.document``), so a page already read
# is a lookup. Bounded; the document is kept beside its reading so that its id is not reused.
_PAGES: dict[int, tuple[object, int, int, tuple[tuple[str, str], ...]]] = {}
_MAX_PAGES = 64


def read_page(document: dict[str, Any]) -> tuple[int, int, tuple[tuple[str, str], ...]]:
    """The page's ``total_count`` (0 when not an integer), how many items its ``job_set`` holds,
    and the (job_id, status) pairs of those that have a job id."""
    seen = _PAGES.get(id(document))
    if seen is not None and seen[0] is document:
        return seen[1:]
    total = document["total_count"] if is_int(document.get("total_count")) else 0
    listed = document.get("job_set")
    jobs: list[Any] = listed if isinstance(listed, list) else []
    pairs = tuple(
        (job["job_id"], str(job.get("status")))
        for job in jobs
        if isinstance(job, dict) and isinstance(job.get("job_id"), str)
    )
    if len(jobs) <= PAGE:  # a page past the cap would keep a huge document alive
        if len(_PAGES) >= _MAX_PAGES:
            _PAGES.clear()
        _PAGES[id(document)] = (document, total, len(jobs), pairs)
    return total, len(jobs), pairs


@dataclass(frozen=True)
class Bracket:
    """Two listings taken before and after a check: what is comparable across them."""

    before: Universe
    after: Universe

    @property
    def complete(self) -> bool:
        """Both listings saw every job."""
        return self.before.complete and self.after.complete

    def known(self, job_id: str) -> bool:
        """The job was listed before or after."""
        return job_id in self.before.statuses or job_id in self.after.statuses

    def must_match(self, matches: Callable[[str, str], bool]) -> set[str]:
        """Jobs that match in both listings: a correct server returns them."""
        return {
            job_id
            for job_id, status in self.before.statuses.items()
            if matches(job_id, status)
            and job_id in self.after.statuses
            and matches(job_id, self.after.statuses[job_id])
        }

    def may_match(self, matches: Callable[[str, str], bool]) -> set[str]:
        """Jobs that match in either listing (or arrived in between): a correct server returns no other."""
        return {
            job_id
            for listing in (self.before.statuses, self.after.statuses)
            for job_id, status in listing.items()
            if matches(job_id, status)
        }


def is_listing(document: object) -> bool:
    """A success body with a job list and an integer total: something a listing check can read."""
    return (
        isinstance(document, dict)
        and document.get("ret_code") == 0
        and isinstance(document.get("job_set"), list)
        and is_int(document.get("total_count"))
    )


def has_job_id(job: object) -> bool:
    """A job item with a string job_id."""
    return isinstance(job, dict) and isinstance(job.get("job_id"), str)
