"""Verdicts across calls, as pure functions: the live probes and the offline judge share them.

A probe sends requests and hands what came back to these functions; the cassette judge rebuilds the
same inputs from recordings. Nothing here sends, draws or imports hypothesis.

- ``page_fullness``: a page holds all it should, by its own total;
- ``listing_ends``: whether a page is the last of a walk;
- ``paging_walk_deviations``: pages of one limit tile the listing, and agree on its size;
- ``filtered_listing_deviations``: a filtered walk is exactly the matching part of the listing;
- ``rejection_deviations``: a request the page says must be refused was, with its code;
- ``lifecycle_deviations``: no job listed on both sides of a check moved back in its lifecycle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from conformance import codes
from conformance.contract import DEFAULT_LIMIT, LIMIT, MAX_LIMIT, NEXT, OFFSET, later
from conformance.deviation import Deviation, Profile
from conformance.exchange import Exchange
from conformance.jsontext import is_int
from conformance.judgement.exchanges import body, deviation
from conformance.judgement.listing import Bracket
from conformance.registry import emits
from conformance.rules import rule


@emits("DCJ-PAGE-004", "DCJ-PAGE-006")
def page_fullness(
    exchange: Exchange, params: Mapping[str, Any], profile: Profile
) -> list[Deviation]:
    """A page holds all it should: ``min(limit, total_count - offset)`` jobs, by its own total."""
    document = body(exchange)
    if not isinstance(document, dict) or document.get("ret_code") != 0:
        return []
    jobs, total = document.get("job_set"), document.get("total_count")
    offset = params.get(OFFSET.name, OFFSET.default)
    limit = params.get(LIMIT.name, DEFAULT_LIMIT)
    if (
        not isinstance(jobs, list)
        or not all(is_int(v) for v in (total, offset, limit))
        or limit < 1
        or offset < 0
    ):
        return []
    remaining = max(0, total - offset)
    expected = min(limit, MAX_LIMIT, remaining)
    asked = LIMIT.name in params
    rule = "DCJ-PAGE-004" if asked else "DCJ-PAGE-006"
    said = f"limit={limit}" if asked else f"no limit (the default is {DEFAULT_LIMIT})"
    if len(jobs) < expected:
        return [
            deviation(
                rule,
                profile,
                f"a short page: total_count={total}, offset={offset} and {said} call for "
                f"{expected} jobs, the page holds {len(jobs)}",
                expected=expected,
                actual=len(jobs),
                pointer="/job_set",
            )
        ]
    if len(jobs) > remaining:
        return [
            deviation(
                "DCJ-PAGE-004",
                profile,
                f"total_count={total} and offset={offset} leave {remaining} jobs, "
                f"the page holds {len(jobs)}",
                expected=f"at most {remaining}",
                actual=len(jobs),
                pointer="/job_set",
            )
        ]
    return []


def listing_ends(*, offset: int, limit: int, size: int, total: int) -> bool:
    """Whether a page of ``size`` jobs at ``offset`` (asked with ``limit``) ends a walk of the
    listing: it is empty, or it reaches ``total`` (the page's own total_count)."""
    return not size or offset + min(limit, MAX_LIMIT) >= total


@emits("DCJ-PAGE-004", "DCJ-PAGE-005")
def paging_walk_deviations(
    bracket: Bracket,
    *,
    limit: int,
    returned: Sequence[str],
    totals: Iterable[int],
    walked_all: bool,
    profile: Profile,
) -> list[Deviation]:
    """Pages of ``limit`` tile the listing and agree on its size (live: the paging probe; offline:
    the cassette judge). ``returned``: every page's job ids in order, repeats kept; ``totals``:
    each page's total_count; ``walked_all``: the walk reached the end of the listing."""
    out: list[Deviation] = []
    # A job that arrives during the walk pushes the rest down one place, so the next page shows one
    # job again: up to one repeat per arrival is the listing moving, not the paging failing.
    arrivals = max(0, bracket.after.total - bracket.before.total)
    if len(returned) - len(set(returned)) > arrivals:
        repeated = sorted(job for job, times in Counter(returned).items() if times > 1)
        out.append(
            rule("DCJ-PAGE-004").deviation(
                profile,
                f"pages of limit={limit} repeat jobs: {', '.join(repeated[:10])}",
                expected="each job on one page",
                actual=repeated[:10],
                pointer="/job_set",
            )
        )
    if walked_all and bracket.complete:
        listed = bracket.before.statuses.keys() & bracket.after.statuses.keys()
        missing = sorted(listed - set(returned))
        if missing:
            out.append(
                rule("DCJ-PAGE-004").deviation(
                    profile,
                    f"pages of limit={limit} skip jobs of the listing: {', '.join(missing[:10])}",
                    expected="every job on some page",
                    actual=missing[:10],
                    pointer="/job_set",
                )
            )
    low, high = bracket.before.total, bracket.after.total
    for index, total in enumerate(totals):
        if not low <= total <= high:
            out.append(
                rule("DCJ-PAGE-005").deviation(
                    profile,
                    f"total_count is {total} on page {index + 1} (limit={limit}), but the listing "
                    f"holds {low} to {high} jobs",
                    expected=f"between {low} and {high}",
                    actual=total,
                    pointer="/total_count",
                )
            )
            break
    return out


@emits("DCJ-FILTER-004", "DCJ-PAGE-005")
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


class Refusal(NamedTuple):
    """Why the page says a request must be refused: the rule, a sentence, the documented code."""

    rule: str
    reason: str
    code: int


@emits("DCJ-ERROR-002", refusals=True)
def rejection_deviations(
    code: int | None, refusals: Sequence[Refusal], profile: Profile
) -> list[Deviation]:
    """A request that must be refused (``refusals``: each way it must) was, with a documented code
    (live: the rejection and authentication probes; offline: the cassette judge). ``code`` is the
    answer's ret_code (None: not an integer; the response rules judge that)."""
    if not refusals:
        return []
    if code == 0:
        return [
            rule(refusal.rule).deviation(
                profile,
                f"accepted: {refusal.reason}",
                expected="an error (ret_code ≠ 0)",
                actual=0,
                pointer="/ret_code",
            )
            for refusal in refusals
        ]
    documented = sorted({refusal.code for refusal in refusals})
    if code is None or code in documented:
        return []
    wanted = " or ".join(f"{c} {codes.TOKENS.get(c, '')}".strip() for c in documented)
    return [
        rule("DCJ-ERROR-002").deviation(
            profile,
            f"rejected with ret_code {code}, not {wanted}: {refusals[0].reason}",
            expected=wanted,
            actual=code,
            pointer="/ret_code",
        )
    ]


@emits("DCJ-ITEM-008")
def lifecycle_deviations(bracket: Bracket, profile: Profile) -> list[Deviation]:
    """No job listed both before and after a check moved back in its lifecycle (live: the paging
    and filter probes; offline: the cassette judge). Moving on, by one step or several, is data
    changing; a status the lifecycle lacks is DCJ-ITEM-004's, not judged here."""
    after = bracket.after.statuses
    backwards = [
        (job_id, was, after[job_id])
        for job_id, was in bracket.before.statuses.items()
        if job_id in after
        and was in NEXT
        and after[job_id] in NEXT
        and after[job_id] not in later(was)
    ]
    if not backwards:
        return []
    moves = [f"{job_id} {was} → {now}" for job_id, was, now in backwards[:10]]
    return [
        rule("DCJ-ITEM-008").deviation(
            profile,
            f"{len(backwards)} job(s) moved back in their lifecycle between two listings: "
            + ", ".join(moves),
            expected="pending → working → successful or failed, never back",
            actual=moves,
            pointer="/job_set",
        )
    ]
