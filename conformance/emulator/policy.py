"""What the service and the faults share: the knobs a request is judged by, and a parsed request.

A correct server is ``Policy()``; each fault turns a knob (``faults.py``) or rewrites a finished
document. Keeping the knobs in one frozen value means the service reads one object per request and a
fault is a one-line ``replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    # Where the page leaves room (``Choices``): each default is the emulator's own choice.
    above_cap_code: int | None = None  # a limit above the cap: None caps it, a code refuses it
    oldest_first: bool = False  # the listing's order: newest first unless set
    unknown_app_code: int | None = None  # an app with no jobs: None lists nothing, a code refuses


@dataclass(frozen=True)
class Choices:
    """What a server does where the page leaves room (qingcloud-wire.md, last section): a limit
    above the cap capped or refused with ``above_cap_code``, the listing's order, and an app with
    no jobs listed as empty or refused with ``unknown_app_code``. ``Choices()`` is the emulator's
    own; ``conformance emulator --like CASSETTE`` adopts a recording's (``conformance.diff.recorded``).
    """

    above_cap_code: int | None = None
    oldest_first: bool = False
    unknown_app_code: int | None = None

    def apply(self, policy: Policy) -> Policy:
        """``policy`` with these choices made."""
        return replace(
            policy,
            above_cap_code=self.above_cap_code,
            oldest_first=self.oldest_first,
            unknown_app_code=self.unknown_app_code,
        )

    def lines(self) -> list[str]:
        """One line per choice, for the emulator's start-up notes."""
        return [
            f"limit above {MAX_LIMIT}: "
            + ("capped" if self.above_cap_code is None else f"refused with {self.above_cap_code}"),
            f"order: {'oldest' if self.oldest_first else 'newest'} first",
            "an app without jobs: "
            + (
                "an empty listing"
                if self.unknown_app_code is None
                else f"refused with {self.unknown_app_code}"
            ),
        ]


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
