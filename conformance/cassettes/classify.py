"""A recorded request, decoded once and classified: documented, malformed, or one the page says
must be refused (under which rule, with which code), and whether it can be a page of a walk."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance import wire
from conformance.contract import (
    AUTH_FAILURES,
    INVALID_INPUTS,
    JOBS,
    LIMIT,
    OFFSET,
    SIGNING_PARAMS,
    breaches,
)
from conformance.validate import validate_request

# What the recorder's authentication verdict means: the rule, its reason, the documented code.
AUTH_RULES: Mapping[str, tuple[str, str, int]] = {
    name: (failure.rule, failure.what, failure.code) for name, failure in AUTH_FAILURES.items()
}
# The code each input rule documents (every class of one rule has the same one).
_CODES = {declared.rule: declared.code for declared in INVALID_INPUTS if not declared.open}


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
    # Without the target's job ids: an unknown one is the judge's to find, across a session.
    invalid = [(breach.input.rule, breach.reason) for breach in breaches(params)]
    jobs = params.get(JOBS.parameter)
    job_ids = tuple(j for j in jobs if isinstance(j, str)) if isinstance(jobs, list) else ()
    documented = not decoded.problems and not validate_request(params)
    offset = params.get(OFFSET.name, OFFSET.default)
    limit = params.get(LIMIT.name, LIMIT.default)
    walk = None
    if documented and not invalid and isinstance(offset, int) and isinstance(limit, int):
        walk = tuple(
            sorted(
                (k, tuple(v) if isinstance(v, list) else v)
                for k, v in params.items()
                if k != OFFSET.name
            )
        )
    return Asked(
        params,
        bool(decoded.problems),
        documented,
        tuple(invalid),
        job_ids,
        walk,
        offset if isinstance(offset, int) else OFFSET.default,
        limit if isinstance(limit, int) else LIMIT.default,
    )


def expected_code(rule_id: str) -> int:
    """The ret_code the page documents for a request refused under input rule ``rule_id``."""
    return _CODES[rule_id]
