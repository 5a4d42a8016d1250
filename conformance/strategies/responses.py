"""Strategies for response data: conformant jobs and success responses.

Built by composition (``st.builds``, ``st.fixed_dictionaries``), never by filtering, so that they
shrink to small readable examples; every job they draw is consistent as the page's example is.
"""

from __future__ import annotations

import json
import string
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance.contract import DEFAULT_LIMIT, MAX_LIMIT, RESPONSE_ACTION, STATUSES

_ID_ALPHABET = string.ascii_lowercase + string.digits
_EARLIEST, _LATEST = datetime(2015, 1, 1), datetime(2030, 12, 31)


def _ids(prefix: str, *, sizes: tuple[int, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(sizes).flatmap(
        lambda size: st.text(_ID_ALPHABET, min_size=size, max_size=size).map(prefix.__add__)
    )


def job_ids() -> st.SearchStrategy[str]:
    """Job ids as QingCloud writes them: ``j-`` and 8 (older) or 11 (AppCenter) letters and digits."""
    return _ids("j-", sizes=(8, 11))


def cluster_ids() -> st.SearchStrategy[str]:
    """Cluster ids: ``cl-`` and 8 letters and digits."""
    return _ids("cl-", sizes=(8,))


def utc_times(
    *, min_value: datetime = _EARLIEST, max_value: datetime = _LATEST
) -> st.SearchStrategy[datetime]:
    """Naive datetimes read as UTC, at second precision as the service writes them."""
    return st.datetimes(min_value=min_value, max_value=max_value).map(
        lambda moment: moment.replace(microsecond=0)
    )


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _job(
    job_id: str,
    status: str,
    action: str,
    clusters: list[str],
    created: datetime,
    settle: timedelta,
    owner: str,
    privilege: int,
    zone: str,
) -> dict[str, Any]:
    directive = {
        "sender": {
            "lang": "en",
            "user_id": owner,
            "console_id": "system",
            "root_user_id": owner,
            "role": "user",
            "privilege": privilege,
            "channel": "api",
        },
        "zone": zone,
        "expires": format_time(created + timedelta(minutes=1)),
        "action": action,
        "clusters": clusters,
        "resource_ids": clusters,
    }
    return {
        "status": status,
        "job_id": job_id,
        "directive": json.dumps(directive, separators=(",", ":")),
        "job_action": action,
        "create_time": format_time(created),
        "owner": owner,
        "status_time": format_time(created + settle),
        "error_codes": "",
        "resource_ids": " ".join(clusters),
        "resources": {"clusters": clusters},
        "extras": {},
    }


def jobs(
    *, zone: str = "pek3a", statuses: tuple[str, ...] = STATUSES
) -> st.SearchStrategy[dict[str, Any]]:
    """One job item, consistent in itself: its directive agrees with its fields, its times are ordered.

    Bad arguments raise ``InvalidArgument`` when the strategy is first drawn from, as hypothesis's own.
    """
    return st.deferred(
        lambda: _jobs(zone=_checked_zone(zone), statuses=_checked_statuses(statuses))
    )


def _checked_zone(zone: object) -> str:
    if not isinstance(zone, str) or not zone:
        raise InvalidArgument(f"zone must be a non-empty string, not {zone!r}")
    return zone


def _checked_statuses(statuses: object) -> tuple[str, ...]:
    if not isinstance(statuses, tuple) or not statuses or not set(statuses) <= set(STATUSES):
        raise InvalidArgument(
            f"statuses must be a non-empty subset of {STATUSES}, not {statuses!r}"
        )
    return statuses


def _jobs(*, zone: str, statuses: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _job,
        job_id=job_ids(),
        status=st.sampled_from(statuses),
        action=st.sampled_from(
            ("CeaseResources", "AddClusterNodes", "RestartClusterService", "CreateCluster")
        ),
        clusters=st.lists(cluster_ids(), min_size=1, max_size=3, unique=True),
        created=utc_times(),
        settle=st.integers(min_value=0, max_value=3 * 24 * 3600).map(
            lambda seconds: timedelta(seconds=seconds)
        ),
        owner=st.one_of(st.just("system"), _ids("usr-", sizes=(8,))),
        privilege=st.integers(min_value=0, max_value=10),
        zone=st.just(zone),
    )


def responses(
    *,
    min_size: int = 0,
    max_size: int = DEFAULT_LIMIT,
    zone: str = "pek3a",
    statuses: tuple[str, ...] = STATUSES,
) -> st.SearchStrategy[dict[str, Any]]:
    """A success response of ``min_size`` to ``max_size`` distinct jobs; total_count covers them."""
    return st.deferred(lambda: _responses(min_size, max_size, jobs(zone=zone, statuses=statuses)))


def _responses(
    min_size: int, max_size: int, items: st.SearchStrategy[dict[str, Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    if not 0 <= min_size <= max_size <= MAX_LIMIT:
        raise InvalidArgument(
            f"need 0 <= min_size <= max_size <= {MAX_LIMIT}, "
            f"not min_size={min_size}, max_size={max_size}"
        )
    job_sets = st.lists(
        items,
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda job: job["job_id"],
    )
    return job_sets.flatmap(
        lambda job_set: st.fixed_dictionaries(
            {
                "action": st.just(RESPONSE_ACTION),
                "total_count": st.integers(min_value=len(job_set), max_value=len(job_set) + 500),
                "job_set": st.just(job_set),
                "ret_code": st.just(0),
            }
        )
    )
