"""A recorded request, decoded once and classified: documented, malformed, or one the page says
must be refused (under which rule, with which code), and whether it can be a page of a walk."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance import codes, wire
from conformance.replay import SIGNING_PARAMS
from conformance.strategies import STATUSES
from conformance.validate import DEFAULT_LIMIT, validate_request

# What the recorder's authentication verdict means: the rule, its reason, the documented code.
AUTH_RULES: Mapping[str, tuple[str, str, int]] = {
    "missing-signature": ("DCJ-AUTH-001", "a request without a signature", codes.AUTH_FAILURE),
    "bad-signature": ("DCJ-AUTH-001", "a request with a wrong signature", codes.AUTH_FAILURE),
    "unknown-key": ("DCJ-AUTH-002", "a request signed with an unknown key", codes.AUTH_FAILURE),
    "stale-time-stamp": (
        "DCJ-AUTH-003",
        "a request whose time_stamp was over 60 s old",
        codes.REQUEST_HAS_EXPIRED,
    ),
}
_STATUSES = frozenset(STATUSES)
_INTEGERS = ("offset", "limit", "verbose")


@dataclass(frozen=True)
class Asked:
    """A distinct request (its parameters without the signing ones), decoded and classified."""

    params: dict[str, Any]
    malformed: bool
    documented: bool
    #: (rule, reason) for each way the page says this request must be refused.
    invalid: tuple[tuple[str, str], ...]
    jobs: tuple[str, ...]
    #: For walks: the request without its offset (None when it cannot be part of a walk).
    walk: tuple[Any, ...] | None
    offset: int
    limit: int


def classify(pairs: tuple[tuple[str, str], ...]) -> Asked:
    """``pairs`` (without the signing parameters) decoded, and what the page says of them."""
    decoded = wire.decode(pairs)
    params = {k: v for k, v in decoded.params.items() if k not in SIGNING_PARAMS}
    invalid: list[tuple[str, str]] = []
    app = params.get("app")
    if app is None or app == "":
        invalid.append(("DCJ-INPUT-001", "app is missing" if app is None else "app is empty"))
    statuses = params.get("status")
    if isinstance(statuses, list):
        illegal = [s for s in statuses if s not in _STATUSES]
        if illegal:
            invalid.append(("DCJ-INPUT-002", f"status {illegal[0]!r} is not a status"))
    for name in _INTEGERS:
        if isinstance(params.get(name), str):
            invalid.append(("DCJ-INPUT-004", f"{name}={params[name]!r} is not an integer"))
    jobs = params.get("jobs")
    job_ids = tuple(j for j in jobs if isinstance(j, str)) if isinstance(jobs, list) else ()
    documented = not decoded.problems and not validate_request(params)
    offset, limit = params.get("offset", 0), params.get("limit", DEFAULT_LIMIT)
    walk = None
    if documented and not invalid and isinstance(offset, int) and isinstance(limit, int):
        walk = tuple(
            sorted(
                (k, tuple(v) if isinstance(v, list) else v)
                for k, v in params.items()
                if k != "offset"
            )
        )
    return Asked(
        params,
        bool(decoded.problems),
        documented,
        tuple(invalid),
        job_ids,
        walk,
        offset if isinstance(offset, int) else 0,
        limit if isinstance(limit, int) else DEFAULT_LIMIT,
    )


def expected_code(rule_id: str) -> int:
    """The ret_code the page documents for a request refused under input rule ``rule_id``."""
    return codes.RESOURCE_NOT_FOUND if rule_id == "DCJ-INPUT-003" else codes.INVALID_REQUEST_FORMAT
