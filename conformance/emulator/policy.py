"""What the service and the faults share: the knobs a request is judged by, and a parsed request.

A correct server is ``Policy()``; each fault turns a knob (``faults.py``) or rewrites a finished
document. Keeping the knobs in one frozen value means the service reads one object per request and a
fault is a one-line ``replace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from conformance.contract import DEFAULT_LIMIT, MAX_LIMIT


@dataclass(frozen=True)
class Policy:
    """How the service behaves; every default is the documented behaviour."""

    # input checks
    require_app: bool = True
    reject_illegal_status: bool = True
    reject_non_integer_limit: bool = True
    unknown_job_is_error: bool = True
    crash_on_negative_offset: bool = False
    # authentication
    check_signature: bool = True
    check_access_key: bool = True
    check_time: bool = True
    # paging
    default_limit: int = DEFAULT_LIMIT
    max_limit: int | None = MAX_LIMIT  # None: no cap
    extra_item: bool = False  # an explicit limit answers one item more
    skip_extra: bool = False  # a non-zero offset skips one item more
    # filters
    filter_status: bool = True
    filter_jobs: bool = True
    combine_filters_with_or: bool = False
    # across calls: finished jobs take turns answering as pending (faults.reopened)
    reopen_finished_jobs: bool = False
    # the body: a status-filtered listing inside a JSON array (after any rewrite of the document)
    status_filter_in_an_array: bool = False


class Query(NamedTuple):
    """A valid DescribeClusterJobs request, as the service understood it.

    A NamedTuple rather than a frozen dataclass: one is made per request, three times as fast.
    """

    zone: str
    app: str | None  # None only when a fault lets a request without app through
    job_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    offset: int = 0
    limit: int | None = None  # as requested; None when absent
