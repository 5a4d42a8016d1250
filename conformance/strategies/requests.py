"""Strategies for requests: valid parameter sets, labelled invalid ones, odd ones, auth mutations.

Everything is built by composition, never by filtering, so that it shrinks to small readable
examples: a valid parameter set to ``{"app": app}``, an invalid request to one without ``app``.
Options are checked when a strategy is first drawn from, as hypothesis's own strategies do, and a
bad one raises ``hypothesis.errors.InvalidArgument`` naming what came in and what is allowed.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance import signing, wire
from conformance.contract import (
    ACTION,
    AUTH_FAILURES,
    INVALID_INPUTS,
    JOBS,
    LIMIT,
    MAX_LIMIT,
    OFFSET,
    SCOPE,
    STATUS,
    STATUSES,
    VERBOSE,
    InvalidInput,
    invalid_input,
)
from conformance.redact import RedactedPairs
from conformance.signing import Credentials
from conformance.strategies.responses import cluster_ids, job_ids

# The boundaries issue 4 names: either side of the default page and of the cap.
_LIMITS = LIMIT.boundaries
# Above the cap: the page says results are capped, so these are valid and must yield at most the
# cap's number of items.
_LARGE_LIMITS = (1000, 2**31 - 1)
# Offsets that land on the same page edges, and the first job.
_OFFSETS = (OFFSET.default, *LIMIT.boundaries)

# The integer parameters, in the order their refusals are declared (shrinks to the first).
_NOT_INTEGER = tuple(
    str(declared.parameter) for declared in INVALID_INPUTS if declared.when == "not-integer"
)
_ILLEGAL_STATUS_WORDS = ("done", "done with failure", "running", "success", "finished", "error")
_NON_INTEGERS = ("abc", "1.5", "", " 1", "0x10", "1e3")
_ZONE = re.compile(r"[a-z0-9]+")  # the request schema's zone pattern

# Parameters a request carries to authenticate; AuthMutation.apply sets them itself.
_AUTH_PARAMS = frozenset({"access_key_id", "time_stamp", "expires", "signature"})


@dataclass(frozen=True)
class InvalidRequest:
    """A request that is valid but for one defect, labelled with the catalogue rule it breaks.

    ``pairs`` are decoded name/value pairs with ``action`` and ``zone`` and without the auth
    parameters (the client signs them); ``expected_code`` is the ret_code the strict profile demands.
    """

    pairs: tuple[tuple[str, str], ...]
    rule: str
    reason: str
    expected_code: int


@dataclass(frozen=True)
class OddRequest:
    """A request the page leaves open: a server may reject or serve it, but must not crash."""

    pairs: tuple[tuple[str, str], ...]
    reason: str


# --- valid parameter sets ------------------------------------------------------------------------


def valid_parameters(
    *, app: str, job_ids: Sequence[str], total: int | None = None, max_jobs: int = 12
) -> st.SearchStrategy[dict[str, Any]]:
    """Decoded parameters the page documents as valid (no ``action``/``zone``: the client adds them).

    ``jobs`` holds 1 to ``max_jobs`` distinct ids from ``job_ids`` (ids the target has) and is left
    out when there are none; ``offset`` reaches past ``total`` when it is given. Shrinks to
    ``{"app": app}``.
    """
    return st.deferred(
        lambda: _valid_parameters(
            app=_checked_app(app),
            known=_checked_job_ids(job_ids),
            total=_checked_total(total),
            max_jobs=_checked_max_jobs(max_jobs),
            capped=False,
        )
    )


def _valid_parameters(
    *, app: str, known: tuple[str, ...], total: int | None, max_jobs: int, capped: bool
) -> st.SearchStrategy[dict[str, Any]]:
    # ``capped`` keeps limit within 1 and the cap: invalid requests are built on these, and a limit
    # above the cap may be rejected in the documented profile, which would blur their label.
    limits = st.one_of(
        st.sampled_from(tuple(limit for limit in _LIMITS if not capped or limit <= MAX_LIMIT)),
        st.integers(min_value=1, max_value=MAX_LIMIT),
        *(() if capped else (st.sampled_from(_LARGE_LIMITS),)),
    )
    past = () if total is None else (total, total + 1, total + 50)
    offsets = st.one_of(
        st.sampled_from(_OFFSETS + past),
        st.integers(min_value=0, max_value=max(2 * MAX_LIMIT, (total or 0) + MAX_LIMIT)),
    )
    optional: dict[str, st.SearchStrategy[Any]] = {
        STATUS.parameter: st.lists(st.sampled_from(STATUSES), min_size=1, max_size=4, unique=True),
        VERBOSE.name: st.just(VERBOSE.default),
        OFFSET.name: offsets,
        LIMIT.name: limits,
    }
    if known:
        optional = {JOBS.parameter: _known_jobs(known, min_size=1, max_size=max_jobs), **optional}
    return st.fixed_dictionaries({SCOPE: st.just(app)}, optional=optional)


def _known_jobs(
    known: tuple[str, ...], *, min_size: int, max_size: int
) -> st.SearchStrategy[list[str]]:
    return st.lists(
        st.sampled_from(known),
        min_size=min_size,
        max_size=min(max_size, len(known)),
        unique=True,
    )


# --- invalid requests, each with one labelled defect ---------------------------------------------


def invalid_requests(
    *, app: str, zone: str, job_ids: Sequence[str]
) -> st.SearchStrategy[InvalidRequest]:
    """Requests valid but for one defect, labelled with the rule it breaks (DCJ-INPUT-001..004).

    The rest of each request is drawn as ``valid_parameters`` draws it (with ``limit`` at most the cap),
    so the label is the whole truth; an unknown job id is never one of ``job_ids``.
    """
    return st.deferred(
        lambda: _invalid_requests(
            app=_checked_app(app), zone=_checked_zone(zone), known=_checked_job_ids(job_ids)
        )
    )


def _invalid_requests(
    *, app: str, zone: str, known: tuple[str, ...]
) -> st.SearchStrategy[InvalidRequest]:
    max_jobs = 12
    context = _valid_parameters(app=app, known=known, total=None, max_jobs=max_jobs, capped=True)
    head = (("action", ACTION), ("zone", zone))
    missing, empty = invalid_input(SCOPE, "missing"), invalid_input(SCOPE, "empty")
    illegal, unknown_id = (
        invalid_input(STATUS.parameter, "not-in-enum"),
        invalid_input(JOBS.parameter, "unknown-id"),
    )

    def request(params: dict[str, Any], declared: InvalidInput, reason: str) -> InvalidRequest:
        pairs = head + tuple(wire.encode(params))
        return InvalidRequest(pairs, declared.rule, reason, declared.code)

    def without_app(params: dict[str, Any]) -> InvalidRequest:
        rest = {name: value for name, value in params.items() if name != SCOPE}
        return request(rest, missing, f"{SCOPE} is missing")

    def empty_app(params: dict[str, Any]) -> InvalidRequest:
        return request({**params, SCOPE: ""}, empty, f"{SCOPE} is empty")

    def illegal_status(
        params: dict[str, Any], legal: list[str], value: str, position: int
    ) -> InvalidRequest:
        name = STATUS.parameter
        status, index = _inserted(legal, value, position)
        reason = f"{name}.{index}={value!r} is not one of {', '.join(STATUSES)}"
        return request({**params, name: status}, illegal, reason)

    def unknown_job(
        params: dict[str, Any], others: list[str], value: str, position: int
    ) -> InvalidRequest:
        name = JOBS.parameter
        unknown = _unknown(value, frozenset(known))
        jobs, index = _inserted(others, unknown, position)
        reason = f"{name}.{index}={unknown!r} is not a job the target has"
        return request({**params, name: jobs}, unknown_id, reason)

    def non_integer(params: dict[str, Any], name: str, value: str) -> InvalidRequest:
        reason = f"{name}={value!r} is not an integer"
        return request({**params, name: value}, invalid_input(name, "not-integer"), reason)

    # Candidates for an unknown id: fresh ids of the documented form, and near misses of known ids
    # (the last character changed), which catch a server that matches ids by prefix.
    unknown_candidates = job_ids()
    if known:
        unknown_candidates = st.one_of(
            unknown_candidates,
            st.builds(
                lambda job_id, last: job_id[:-1] + last,
                st.sampled_from(known),
                st.sampled_from(string.ascii_lowercase + string.digits),
            ),
        )
    positions = st.integers(min_value=0, max_value=max_jobs)
    return st.one_of(
        st.builds(without_app, context),
        st.builds(empty_app, context),
        st.builds(
            illegal_status,
            context,
            st.lists(st.sampled_from(STATUSES), max_size=3, unique=True),
            _illegal_statuses(),
            positions,
        ),
        st.builds(
            unknown_job,
            context,
            _known_jobs(known, min_size=0, max_size=max_jobs - 1) if known else st.just([]),
            unknown_candidates,
            positions,
        ),
        st.builds(
            non_integer,
            context,
            st.sampled_from(_NOT_INTEGER),
            st.sampled_from(_NON_INTEGERS),
        ),
    )


def _illegal_statuses() -> st.SearchStrategy[str]:
    # Case variants of a documented status, the empty string, and words a server might know.
    case_variants = st.builds(
        lambda status, change: change(status),
        st.sampled_from(STATUSES),
        st.sampled_from((str.capitalize, str.upper)),
    )
    return st.one_of(case_variants, st.just(""), st.sampled_from(_ILLEGAL_STATUS_WORDS))


def _inserted(items: list[str], item: str, position: int) -> tuple[list[str], int]:
    """``items`` with ``item`` at ``position`` (modulo the length), and its 1-based wire index."""
    where = position % (len(items) + 1)
    return [*items[:where], item, *items[where:]], where + 1


def _unknown(candidate: str, known: frozenset[str]) -> str:
    # A deterministic fix-up instead of a filter: it always terminates (``known`` is finite) and a
    # collision, which is rare, still yields an example instead of exhausting the search.
    while candidate in known:
        candidate += "0"
    return candidate


# --- odd requests: what the page leaves open -----------------------------------------------------


def odd_requests(
    *, app: str, zone: str, job_ids: Sequence[str] = ()
) -> st.SearchStrategy[OddRequest]:
    """Requests the page leaves open (DCJ-ROBUST-001: reject or serve, never crash).

    Malformed arrays (``jobs.0``, ``jobs.x``, gaps, duplicates, a scalar beside the array), ``verbose``
    other than 0, ``limit`` <= 0, a negative ``offset``, a 10 kB ``app``, parameters the page does not
    have. Arrays of ``jobs`` use ``job_ids`` when given, so only the encoding is odd.
    """
    return st.deferred(
        lambda: _odd_requests(
            app=_checked_app(app), zone=_checked_zone(zone), known=_checked_job_ids(job_ids)
        )
    )


def _odd_requests(*, app: str, zone: str, known: tuple[str, ...]) -> st.SearchStrategy[OddRequest]:
    head = (("action", ACTION), ("zone", zone), (SCOPE, app))

    def odd(reason: str, *pairs: tuple[str, str]) -> OddRequest:
        return OddRequest(head + pairs, reason)

    def zero_index(name: str, value: str) -> OddRequest:
        return odd(f"{name}.0: arrays are numbered from 1", (f"{name}.0", value))

    def bad_index(name: str, index: str, value: str) -> OddRequest:
        return odd(f"{name}.{index}: {index!r} is not an array index", (f"{name}.{index}", value))

    def gap(name: str, first: str, second: str, skip: int) -> OddRequest:
        reason = f"{name}.1 is followed by {name}.{2 + skip}: the indices between are missing"
        return odd(reason, (f"{name}.1", first), (f"{name}.{2 + skip}", second))

    def duplicate(name: str, first: str, second: str) -> OddRequest:
        return odd(f"{name}.1 is sent twice", (f"{name}.1", first), (f"{name}.1", second))

    def scalar_beside(name: str, scalar: str, element: str) -> OddRequest:
        reason = f"{name} is sent both as a single value and as {name}.1"
        return odd(reason, (name, scalar), (f"{name}.1", element))

    def integer(name: str, value: int, why: str) -> OddRequest:
        return odd(f"{name}={value}: {why}", (name, str(value)))

    def unknown(params: list[tuple[str, str]]) -> OddRequest:
        names = ", ".join(name for name, _ in params)
        return odd(f"{names}: not parameters the page has; a server ignores them", *params)

    long_app = "app-" + "x" * (10 * 1024 - 4)
    # A malformed array of either documented list parameter, with values that are otherwise valid.
    arrays = st.one_of(
        st.tuples(st.just("status"), st.sampled_from(STATUSES)),
        st.tuples(st.just("jobs"), st.sampled_from(known) if known else job_ids()),
    )
    elements = st.sampled_from(STATUSES)  # the second element of a status array
    job_elements = st.sampled_from(known) if known else job_ids()

    def pair_of(
        make: Callable[..., OddRequest], *extra: st.SearchStrategy[Any]
    ) -> st.SearchStrategy[OddRequest]:
        # Draw the array name and a first value, then a second value of the same kind.
        return arrays.flatmap(
            lambda first: st.builds(
                make,
                st.just(first[0]),
                st.just(first[1]),
                elements if first[0] == "status" else job_elements,
                *extra,
            )
        )

    unknown_params = st.lists(
        st.one_of(
            st.tuples(st.just("cluster"), cluster_ids()),
            st.tuples(st.just("reverse"), st.sampled_from(("1", "0"))),
            st.tuples(st.just("sort_key"), st.sampled_from(("create_time", "status_time"))),
            st.tuples(st.just("req_id"), st.text("0123456789abcdef", min_size=32, max_size=32)),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda pair: pair[0],
    )
    return st.one_of(
        arrays.map(lambda array: zero_index(*array)),
        arrays.flatmap(
            lambda array: st.builds(
                bad_index,
                st.just(array[0]),
                st.sampled_from(("x", "01", "-1", "")),
                st.just(array[1]),
            )
        ),
        pair_of(gap, st.integers(min_value=1, max_value=8)),
        pair_of(duplicate),
        pair_of(scalar_beside),
        st.sampled_from((1, 2)).map(
            lambda value: integer("verbose", value, "the page supports only 0, and says no more")
        ),
        st.sampled_from((0, -1, -MAX_LIMIT)).map(
            lambda value: integer("limit", value, "the page does not say what a limit below 1 does")
        ),
        st.sampled_from((-1, -LIMIT.default, -(MAX_LIMIT + 1))).map(
            lambda value: integer("offset", value, "the page does not say what a negative one does")
        ),
        st.just(
            OddRequest(
                (("action", ACTION), ("zone", zone), (SCOPE, long_app)),
                f"app is {len(long_app)} characters long: the page sets no limit",
            )
        ),
        unknown_params.map(unknown),
    )


# --- authentication mutations --------------------------------------------------------------------

# Each mutation, and the failure (contract.AUTH_FAILURES) it makes: two ways to a bad signature.
_FAILURE_OF = {
    "wrong-signature": "bad-signature",
    "changed-after-signing": "bad-signature",
    "stale-time-stamp": "stale-time-stamp",
    "unknown-key": "unknown-key",
    "missing-signature": "missing-signature",
}
AUTH_MUTATIONS: tuple[str, ...] = tuple(_FAILURE_OF)

STALE_BY = timedelta(minutes=10)  # well past the window the wire sheet allows, whatever the skew

# A key pair no target issues; the second one is for a target that (absurdly) has the first.
_UNKNOWN_KEYS = (
    Credentials("QYUNKNOWNACCESSKEYID", "UNKNOWNSECRETACCESSKEY"),
    Credentials("QYUNKNOWNACCESSKEY02", "UNKNOWNSECRETACCESSKEY02"),
)


@dataclass(frozen=True)
class AuthMutation:
    """One way to break a request's authentication, and the rule and ret_code that should follow."""

    name: str
    rule: str
    expected_code: int
    #: For changed-after-signing: the parameter changed (None: ``limit`` when the request has one,
    #: else ``time_stamp``).
    changed: str | None = None

    @property
    def label(self) -> str:
        """The mutation as reports and ``conformance sign --mutation`` name it:
        ``changed-after-signing:zone`` (``mutation_named`` reads it back)."""
        return self.name if self.changed is None else f"{self.name}:{self.changed}"

    def __post_init__(self) -> None:
        if self.name not in AUTH_MUTATIONS:
            raise InvalidArgument(
                f"unknown auth mutation {self.name!r}; use one of: {', '.join(AUTH_MUTATIONS)}"
            )

    def signed_with(self, credentials: Credentials) -> Credentials:
        """The key pair ``apply`` signs with: another one for unknown-key, else ``credentials``."""
        if self.name != "unknown-key":
            return credentials
        return next(key for key in _UNKNOWN_KEYS if key.access_key_id != credentials.access_key_id)

    def apply(
        self,
        pairs: Sequence[tuple[str, str]],
        credentials: Credentials,
        *,
        now: datetime,
        verb: str,
        path: str,
    ) -> list[tuple[str, str]]:
        """The pairs signed at ``now`` and then broken; send them as they are, unsigned again.

        Any ``access_key_id``, ``time_stamp``, ``expires`` or ``signature`` already in ``pairs`` is
        replaced, so the mutation is the only thing wrong with what is sent.
        """
        plain = [pair for pair in pairs if pair[0] not in _AUTH_PARAMS]
        stamp = now - STALE_BY if self.name == "stale-time-stamp" else now
        signed = signing.sign(plain, self.signed_with(credentials), verb=verb, path=path, now=stamp)
        # RedactedPairs, as sign returns: a traceback's locals show no key id or signature.
        if self.name == "wrong-signature":
            return RedactedPairs([*signed[:-1], ("signature", _inverted(signed[-1][1]))])
        if self.name == "changed-after-signing":
            return RedactedPairs(_changed(signed, now, self.changed))
        if self.name == "missing-signature":
            return RedactedPairs(signed[:-1])
        return signed  # stale-time-stamp and unknown-key: correctly signed, but not acceptable


def auth_mutations() -> st.SearchStrategy[AuthMutation]:
    """Each of AUTH_MUTATIONS with its rule and strict ret_code; shrinks to wrong-signature."""
    return st.sampled_from(tuple(MUTATIONS.values()))


def _inverted(value: str) -> str:
    # Every bit of the digest flipped: as long as the right one and valid base64, but never equal.
    digest = base64.b64decode(value)
    return base64.b64encode(bytes(byte ^ 0xFF for byte in digest)).decode("ascii")


def _changed(
    signed: list[tuple[str, str]], now: datetime, name: str | None = None
) -> list[tuple[str, str]]:
    """``name`` (by default ``limit`` when the request holds one, else ``time_stamp``) changed to
    another value of its kind after signing, so only the signature can be wrong with the request."""
    names = [pair[0] for pair in signed]
    if name is None:
        name = "limit" if "limit" in names and _integer(signed[names.index("limit")][1]) else ""
    if name not in names:
        name = "time_stamp"
    where = names.index(name)
    return _replaced(signed, where, _another(name, signed[where][1], now))


def _another(name: str, value: str, now: datetime) -> str:
    number = _integer(value)
    if name == "limit" and number is not None:
        return str(number % MAX_LIMIT + 1)
    if number is not None:
        return str(number + 1)
    if name == "time_stamp":
        return signing.format_time(now - timedelta(seconds=1))
    if name == "signature_method":
        return next(method for method in signing.SIGNATURE_METHODS if method != value)
    if name == "zone":
        return "sh1a" if value != "sh1a" else "pek3a"
    return value[:-1] + ("1" if value[-1:] != "1" else "2")


def _integer(text: str) -> int | None:
    # As wire.decode reads an integer parameter: ASCII digits only, and not too many for int().
    if not re.fullmatch(r"-?[0-9]{1,18}", text):
        return None
    return int(text)


def _replaced(pairs: list[tuple[str, str]], where: int, value: str) -> list[tuple[str, str]]:
    return [*pairs[:where], (pairs[where][0], value), *pairs[where + 1 :]]


#: Every mutation with its rule and strict ret_code, by name.
MUTATIONS: dict[str, AuthMutation] = {
    name: AuthMutation(name, AUTH_FAILURES[failure].rule, AUTH_FAILURES[failure].code)
    for name, failure in _FAILURE_OF.items()
}


def mutation_named(label: str) -> AuthMutation | None:
    """The mutation a ``label`` names (``AuthMutation.label``); None when it names none."""
    name, _, changed = label.partition(":")
    mutation = MUTATIONS.get(name)
    if mutation is None or (changed and name != "changed-after-signing"):
        return None
    return dataclasses.replace(mutation, changed=changed) if changed else mutation


# --- argument checks, run when a strategy is first drawn from ------------------------------------


def _checked_app(app: object) -> str:
    if not isinstance(app, str) or not app:
        raise InvalidArgument(f"app must be a non-empty string (an app id), not {app!r}")
    return app


def _checked_zone(zone: object) -> str:
    if not isinstance(zone, str) or not _ZONE.fullmatch(zone):
        raise InvalidArgument(
            f"zone must be a lower-case zone id of letters and digits (pek3a, sh1a), not {zone!r}"
        )
    return zone


def _checked_job_ids(job_ids: object) -> tuple[str, ...]:
    if isinstance(job_ids, (str, bytes)) or not isinstance(job_ids, Sequence):
        raise InvalidArgument(
            f"job_ids must be a sequence of job id strings (may be empty), not {job_ids!r}"
        )
    bad = [job_id for job_id in job_ids if not isinstance(job_id, str) or not job_id]
    if bad:
        raise InvalidArgument(f"job_ids must hold non-empty strings; these are not: {bad!r}")
    return tuple(dict.fromkeys(job_ids))  # distinct, in the order given


def _checked_total(total: object) -> int | None:
    if total is None or (isinstance(total, int) and not isinstance(total, bool) and total >= 0):
        return total
    raise InvalidArgument(
        f"total must be None or the target's job count (an int >= 0), not {total!r}"
    )


def _checked_max_jobs(max_jobs: object) -> int:
    if isinstance(max_jobs, bool) or not isinstance(max_jobs, int) or max_jobs < 1:
        raise InvalidArgument(f"max_jobs must be an int >= 1, not {max_jobs!r}")
    return max_jobs
