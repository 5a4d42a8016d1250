"""Verdicts across calls, as pure functions: the live probes and the offline judge share them.

A probe sends requests and hands what came back to these functions; the cassette judge rebuilds the
same inputs from recordings. Nothing here sends, draws or imports hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conformance.contract import DEFAULT_LIMIT, LIMIT, MAX_LIMIT, OFFSET
from conformance.deviation import Deviation, Profile
from conformance.exchange import Exchange
from conformance.jsontext import is_int
from conformance.judgement.exchanges import body, deviation
from conformance.judgement.listing import Bracket
from conformance.rules import rule


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
