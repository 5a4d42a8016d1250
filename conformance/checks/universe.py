"""The job universe, learned from the target itself, and what can be compared while it changes.

The suite brings no fixtures: it lists the app's jobs (at most ``max_pages`` pages of 100) and draws
its requests from what it found. On a live staging system jobs arrive and advance while the suite
runs, so a cross-call check is bracketed by two listings, ``before`` and ``after``: a job that
matches a filter in both must be in the filtered result, a job that matches in neither must not be,
and a job whose status moved in between may be either. Jobs are never assumed to disappear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance import codes
from conformance.client import Client
from conformance.deviation import Deviation, Profile
from conformance.errors import TargetError
from conformance.exchange import Exchange
from conformance.jsontext import is_int
from conformance.rules import rule
from conformance.shown import shown
from conformance.stopping import unusable

PAGE = 100


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


def learn(client: Client, app: str, *, max_pages: int) -> Universe:
    """List ``app``'s jobs, ``PAGE`` at a time, at most ``max_pages`` pages.

    Raises ``TargetError`` when the target does not answer the plain listing with a success: no
    check can run against a target that cannot list.
    """
    statuses: dict[str, str] = {}
    exchanges: list[Exchange] = []
    total = 0
    for page in range(max_pages):
        exchange = client.call({"app": app, "limit": PAGE, "offset": page * PAGE})
        exchanges.append(exchange)
        total, size, listed = _page(_listing(exchange, app, client))
        for job_id, status in listed:
            statuses.setdefault(job_id, status)
        if not size or (page + 1) * PAGE >= total:
            # The last page was reached, but only seeing every job makes the listing complete: a
            # server that skips or repeats jobs across pages (or data that moved) leaves gaps.
            complete = len(statuses) >= total
            return Universe(app, statuses, total, complete=complete, exchanges=tuple(exchanges))
    return Universe(
        app, statuses, total, complete=len(statuses) >= total, exchanges=tuple(exchanges)
    )


# What listing pages hold, by document: every cross-call check learns the listing twice, and
# responses with the same body share one document (``Response.document``), so a page already read
# is a lookup. Bounded; the document is kept beside its reading so that its id is not reused.
_PAGES: dict[int, tuple[object, int, int, tuple[tuple[str, str], ...]]] = {}
_MAX_PAGES = 64


def _page(document: dict[str, Any]) -> tuple[int, int, tuple[tuple[str, str], ...]]:
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
    if len(jobs) <= PAGE:  # a page past the cap of 100 would keep a huge document alive
        if len(_PAGES) >= _MAX_PAGES:
            _PAGES.clear()
        _PAGES[id(document)] = (document, total, len(jobs), pairs)
    return total, len(jobs), pairs


def _listing(exchange: Exchange, app: str, client: Client) -> dict[str, Any]:
    """The page's document, to learn from even when it breaks the contract (the checks judge that:
    a ``ret_code`` of ``"0"`` is a deviation, not a reason to give up). Only an answer that is no
    listing at all ends the run: not the API (not a JSON object), or an error (wrong credentials, an
    unknown app)."""
    document = exchange.response.document
    if isinstance(document, dict) and (
        isinstance(document.get("job_set"), list) or not is_int(document.get("ret_code"))
    ):
        return document
    where = client.target.name
    why = unusable(exchange.response)
    if why is not None:
        raise _stop(client, f"{where} is not a QingCloud API: its answer to a listing is {why}")
    ret_code = document.get("ret_code")
    hint = (
        " (check the credentials)"
        if ret_code in {codes.AUTH_FAILURE, codes.REQUEST_HAS_EXPIRED}
        else ""
    )
    message = shown(str(document.get("message")), 120)
    raise _stop(
        client, f"{where} refused to list the jobs of {app}: ret_code {ret_code}, '{message}'{hint}"
    )


def _stop(client: Client, reason: str) -> BaseException:
    # Mid-run (a bracket's listing) this ends the run like any other; at start-up the plugin turns
    # either into one line and exit status 4.
    return client.stopper.stop(reason) if client.stopper is not None else TargetError(reason)


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


def bracketed(
    client: Client, app: str, *, max_pages: int, check: Callable[[], Iterable[Any]]
) -> tuple[Bracket, list[Any]]:
    """Run ``check`` between two listings; return the bracket and what the check returned."""
    before = learn(client, app, max_pages=max_pages)
    result = list(check())
    after = learn(client, app, max_pages=max_pages)
    return Bracket(before, after), result


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


def filtered_listing_deviations(
    bracket: Bracket,
    *,
    must: set[str],
    may: set[str],
    returned: list[str],
    totals: Iterable[int],
    walked_all: bool,
    requested: int,
    shown: Mapping[str, Any],
    profile: Profile,
) -> list[Deviation]:
    """A filtered walk judged against the listings around it (live: the filter probe; offline:
    the cassette judge). ``must``/``may``: the jobs matching in both listings, in either;
    ``requested``: how many job ids the filter named (0: none)."""
    out: list[Deviation] = []
    missing = sorted(must - set(returned)) if walked_all else []
    extra = sorted(job for job in set(returned) - may if bracket.known(job))
    for what, jobs in (
        ("is missing jobs that match it", missing),
        ("holds jobs that do not match it", extra),
    ):
        if jobs:
            out.append(
                rule("DCJ-FILTER-004").deviation(
                    profile,
                    f"the listing filtered by {dict(shown)} {what}: {', '.join(jobs[:10])}",
                    expected="exactly the matching jobs of the unfiltered listing",
                    actual=jobs[:10],
                    pointer="/job_set",
                )
            )
    # Bounds of a correct total: every job matching throughout, up to every job that matched at
    # some point (or, when the listing was too long to learn, every requested job).
    upper = len(may) if bracket.complete else requested
    for total in totals:
        if not len(must) <= total <= upper:
            out.append(
                rule("DCJ-PAGE-005").deviation(
                    profile,
                    f"total_count is {total} for {dict(shown)}, but {len(must)} to {upper} jobs match",
                    expected=f"between {len(must)} and {upper}",
                    actual=total,
                    pointer="/total_count",
                )
            )
            break
    return out
