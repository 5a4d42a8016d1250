"""Walks rebuilt from a session's recorded interactions, and the listings that bracket them.

A walk is a run of consecutive success pages of one request at offsets 0, limit, 2·limit…; an
unfiltered walk is a listing of the app's jobs. A walk is bracketed by the nearest listings before
and after it, when those make its pages comparable (``bracket``).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.cassettes.classify import Asked
from conformance.cassettes.format import Cassette
from conformance.cassettes.interaction import to_request
from conformance.contract import FILTERS, SCOPE
from conformance.exchange import Exchange, Response
from conformance.judgement.listing import Bracket, Universe
from conformance.judgement.verdicts import listing_ends

#: The recorder's authentication verdicts of a request a correct server serves.
SERVED_AUTH = frozenset({"valid", "unsigned", None})


@dataclass(eq=False, slots=True)
class Seen:
    """One DescribeClusterJobs interaction of a cassette, as the judgement needs it."""

    cassette: Cassette
    position: int
    raw: dict[str, Any]
    asked: Asked
    auth: str | None
    response: Response
    _exchange: Exchange | None = None

    def exchange(self) -> Exchange:
        """The interaction as an ``Exchange`` (built on first use: most are never reported)."""
        if self._exchange is None:
            self._exchange = Exchange(
                to_request(self.raw["request"]), self.response, self.asked.params
            )
        return self._exchange

    def where(self) -> str:
        return f"{self.cassette.name}, interaction {self.position + 1}"


@dataclass(eq=False)
class Walk:
    """Pages of one request at offsets 0, limit, 2·limit…, consecutive in a session."""

    pages: list[Seen]
    #: Each page's jobs as (job_id, status), in order.
    listed: list[tuple[tuple[str, str], ...]]
    start: int
    end: int
    complete: bool = False

    @property
    def asked(self) -> Asked:
        return self.pages[0].asked

    @property
    def filtered(self) -> bool:
        return any(declared.parameter in self.asked.params for declared in FILTERS)

    @property
    def place(self) -> tuple[Any, Any]:
        return self.asked.params.get(SCOPE), self.asked.params.get("zone")

    def documents(self) -> list[dict[str, Any]]:
        return [page.response.document for page in self.pages]

    def returned(self) -> list[str]:
        """The job ids of every page, in order (repeats kept)."""
        return [job_id for page in self.listed for job_id, _ in page]

    @functools.cached_property
    def universe(self) -> Universe:
        """This walk as a listing of the app's jobs (built once: a listing brackets many walks)."""
        statuses: dict[str, str] = {}
        for page in self.listed:
            for job_id, status in page:
                statuses.setdefault(job_id, status)
        total = self.documents()[-1]["total_count"]
        # As learn(): reaching the last page is not enough, every job must have been seen.
        complete = self.complete and len(statuses) >= total
        return Universe(str(self.place[0]), statuses, total, complete=complete)

    @functools.cached_property
    def by_status(self) -> dict[str, frozenset[str]]:
        """The listed job ids by status."""
        groups: dict[str, set[str]] = {}
        for job_id, status in self.universe.statuses.items():
            groups.setdefault(status, set()).add(job_id)
        return {status: frozenset(ids) for status, ids in groups.items()}

    def matching(self, statuses: frozenset[str] | None, job_ids: frozenset[str] | None) -> set[str]:
        """The listed jobs a filter selects: one side of ``Bracket.must_match``, as set operations
        (a recording brackets hundreds of filtered walks, and a predicate per job adds up)."""
        if statuses is None:
            found = set(self.universe.statuses)
        else:
            found = set().union(*(self.by_status.get(status, ()) for status in statuses))
        return found & job_ids if job_ids is not None else found

    def where(self) -> str:
        first, last = self.pages[0], self.pages[-1]
        span = (
            f"interaction {first.position + 1}"
            if first is last
            else f"interactions {first.position + 1}–{last.position + 1}"
        )
        return f"{first.cassette.name}, {span}"


def find_walks(
    sequence: Sequence[Seen], jobs_of: Callable[[Response], tuple[tuple[str, str], ...] | None]
) -> list[Walk]:
    """The walks of a session: runs of consecutive success pages of one request, from offset 0."""
    walks: list[Walk] = []
    current: Walk | None = None
    for number, seen in enumerate(sequence):
        asked = seen.asked
        listed = jobs_of(seen.response) if asked.walk is not None else None
        if listed is None or seen.auth not in SERVED_AUTH:
            current = None
            continue
        last = current.pages[-1].asked if current is not None else None
        if (
            current is not None
            and last is not None
            and not current.complete
            and asked.walk == last.walk
            and asked.offset == last.offset + last.limit
        ):
            current.pages.append(seen)
            current.listed.append(listed)
            current.end = number
        elif asked.offset == 0 and asked.limit >= 1:
            current = Walk([seen], [listed], number, number)
            walks.append(current)
        else:
            current = None
            continue
        # The end of the listing: an empty page, or a page that reaches total_count.
        document = seen.response.document
        current.complete = listing_ends(
            offset=asked.offset,
            limit=asked.limit,
            size=len(document["job_set"]),
            total=document["total_count"],
        )
    return walks


def bracket(
    walk: Walk, listings: Sequence[Walk], starts: Sequence[int]
) -> tuple[Walk, Walk, Bracket] | None:
    """The listings just before and just after ``walk``, when they make its pages comparable.

    ``listings`` are in session order (walks never overlap), ``starts`` their first positions.
    """
    before_at = bisect.bisect_left(starts, walk.start) - 1
    before = listings[before_at] if before_at >= 0 else None
    after_at = bisect.bisect_right(starts, walk.end)
    after = listings[after_at] if after_at < len(listings) else None
    if before is None or after is None:
        return None  # one side only: a change in between could not be told from a deviation
    around = Bracket(before.universe, after.universe)
    tight = before.end == walk.start - 1 and after.start == walk.end + 1
    if not tight and (
        around.before.statuses != around.after.statuses or around.before.total != around.after.total
    ):
        return None  # far apart and the data changed: nothing is comparable
    return before, after, around
