"""The DescribeClusterJobs semantics: ``Emulator.handle(Request) -> Response``, no sockets involved.

Checks run in this order, and the first failure answers (an error body with HTTP 200): the
parameters can be read at all; who is asking (key, signature, time), so that nothing about a request
is revealed to a client that cannot sign it; the array encoding; what is asked (action, zone, app,
the values); whether the named jobs exist.

Speed: ``fastpath`` reads and verifies a plain request, and ``frames`` keeps what a query that
repeats with a new ``req_id`` and ``time_stamp`` has in common, parsed request included; the listing
of every (zone, app) is sorted and encoded once per data change (status-filtered ones on first use),
and a page's body kept per query, so a correct server's answer is a few dict lookups and an HMAC.
Only faults that rewrite documents pay for parsing and re-serialising.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple
from urllib.parse import urlencode

from conformance import codes, signing, wire
from conformance.contract import (
    ACTION,
    AUTH_FAILURES,
    JOBS,
    LIMIT,
    MAX_LIMIT,
    OFFSET,
    RESPONSE_ACTION,
    SCOPE,
    STATUS,
    STATUSES,
    TIME_STAMP_WINDOW_SECONDS,
    VERBOSE,
    invalid_input,
)
from conformance.emulator.churn import Churn, ChurnSettings
from conformance.emulator.data import Job, default_jobs
from conformance.emulator.fastpath import Verifier, pairs_of, params_of, read
from conformance.emulator.faults import (
    REOPEN_GROUPS,
    Fault,
    is_listing,
    policy_of,
    reopened,
    resolve,
)
from conformance.emulator.frames import Frames
from conformance.emulator.policy import Choices, Policy, Query
from conformance.exchange import Request, Response, json_response

PATHS = frozenset({"/iaas/", "/iaas"})
# The documented demo pair (the signature test vectors' key): printed at start-up, safe to show.
DEMO_CREDENTIALS = signing.Credentials("QYACCESSKEYIDEXAMPLE", "SECRETACCESSKEY")
MAX_AGE_SECONDS = TIME_STAMP_WINDOW_SECONDS
FORM = "application/x-www-form-urlencoded"

_STATUSES = frozenset(STATUSES)
_SUCCESS_HEAD = b'{"action":' + json.dumps(RESPONSE_ACTION).encode() + b',"total_count":'
# What each refusal of the contract answers (contract.INVALID_INPUTS), looked up once.
_APP_MISSING = invalid_input(SCOPE, "missing").code
_APP_EMPTY = invalid_input(SCOPE, "empty").code
_ILLEGAL_STATUS = invalid_input(STATUS.parameter, "not-in-enum").code
_UNKNOWN_JOB = invalid_input(JOBS.parameter, "unknown-id").code
_EMPTY_JOB = invalid_input(JOBS.parameter, "empty").code
_MALFORMED = invalid_input(None, "malformed-array").code
# And each way authentication fails (contract.AUTH_FAILURES); no key at all is an unknown one.
_UNKNOWN_KEY = AUTH_FAILURES["unknown-key"].code
_NO_SIGNATURE = AUTH_FAILURES["missing-signature"].code
_BAD_SIGNATURE = AUTH_FAILURES["bad-signature"].code
_STALE = AUTH_FAILURES["stale-time-stamp"].code
_CRASH_PAGE = (
    b"<html><head><title>500 Internal Server Error</title></head><body>"
    b"<h1>Internal Server Error</h1><p>ValueError: negative offset</p></body></html>"
)
_NOT_FOUND = Response(404, b'{"message":"not found: the API is at /iaas/"}')
_NOT_ALLOWED = Response(
    405,
    b'{"message":"use GET or POST"}',
    (("Content-Type", "application/json"), ("Allow", "GET, POST")),
)


@dataclass(frozen=True)
class Rejection:
    """A request the service refuses: the ret_code and the detail after the token."""

    ret_code: int
    detail: str


Outcome = Query | Rejection | Response  # what _parse makes of the parameters

_NOT_UTF8 = Rejection(codes.INVALID_REQUEST_FORMAT, "the parameters are not UTF-8 url-encoding")


class _Listing(NamedTuple):
    """Jobs in listing order, and beside them their encoded items, ready to slice and join."""

    jobs: list[Job]
    encoded: list[bytes]


def _listing(jobs: list[Job]) -> _Listing:
    return _Listing(jobs, [job.encoded for job in jobs])


_EMPTY = _listing([])
_MAX_STATUS_SETS = 256  # status tuples as sent (order and repeats vary); bounded all the same
# Answered pages kept per snapshot, by their total size: a 100-job page of the default data is about
# 63 KB, and a client varying offset or limit (or a fault that lifts the cap) must not grow it.
_BODY_BUDGET = 16 * 1024 * 1024


class _Snapshot:
    """One version of the data, indexed for answering: replaced whole, never changed.

    ``by_status`` memoises status-filtered listings, so the common filtered request is a dict
    lookup too; ``bodies`` memoises whole success bodies by query, since one version of the data
    answers one query with the same bytes (joining a 20-job page costs more than the rest of an
    answer).
    """

    __slots__ = ("bodies", "bodies_size", "by_app", "by_status", "by_zone", "ids", "jobs")

    def __init__(self, jobs: tuple[Job, ...], *, oldest_first: bool = False) -> None:
        self.jobs = jobs  # sorted by Job.sort_key
        by_app: dict[tuple[str, str], list[Job]] = {}
        by_zone: dict[str, list[Job]] = {}
        self.ids: dict[str, dict[str, Job]] = {}
        self.by_status: dict[tuple[str, str | None, tuple[str, ...]], _Listing] = {}
        self.bodies: dict[Query, bytes] = {}
        self.bodies_size = 0
        for job in reversed(jobs) if oldest_first else jobs:
            by_app.setdefault((job.zone, job.app), []).append(job)
            by_zone.setdefault(job.zone, []).append(job)
            self.ids.setdefault(job.zone, {})[job.job_id] = job
        self.by_app = {key: _listing(listed) for key, listed in by_app.items()}
        self.by_zone = {key: _listing(listed) for key, listed in by_zone.items()}

    def listing(self, zone: str, app: str | None) -> _Listing:
        """The jobs of one app in one zone (every app's when ``app`` is None), newest first."""
        if app is None:
            return self.by_zone.get(zone, _EMPTY)
        return self.by_app.get((zone, app), _EMPTY)

    def with_status(self, zone: str, app: str | None, statuses: tuple[str, ...]) -> _Listing:
        """``listing`` restricted to ``statuses``."""
        key = (zone, app, statuses)
        found = self.by_status.get(key)
        if found is None:
            if len(self.by_status) >= _MAX_STATUS_SETS:
                self.by_status.clear()
            # Two threads may both compute it; they compute the same list.
            wanted = frozenset(statuses)
            found = self.by_status[key] = _listing(
                [job for job in self.listing(zone, app).jobs if job.status in wanted]
            )
        return found


class Emulator:
    """An in-process DescribeClusterJobs server.

    ``jobs``: the data (the default data set when None; see ``data.load_jobs`` for a user's file).
    ``faults``: fault names or ``Fault`` values (``faults.FAULTS``). ``credentials``: the one key pair
    that is accepted, or None to check no authentication at all. ``clock``: epoch seconds, for the
    time-stamp rule and churn. ``churn``: ``ChurnSettings`` (or True for the defaults) to let jobs
    arrive and advance while requests come in. ``frames``: reuse what repeats between requests
    (``frames.py``); False reads each afresh, which tests compare against.
    """

    def __init__(
        self,
        *,
        jobs: Iterable[Job] | None = None,
        faults: Iterable[str | Fault] = (),
        credentials: signing.Credentials | None = DEMO_CREDENTIALS,
        clock: Callable[[], float] = time.time,
        churn: ChurnSettings | bool | None = None,
        frames: bool = True,
        choices: Choices | None = None,
    ) -> None:
        self.faults = resolve(faults)
        #: What it does where the page leaves room (``policy.Choices``): its own, or a recording's.
        self.choices = choices if choices is not None else Choices()
        self.policy: Policy = self.choices.apply(policy_of(self.faults))
        self.credentials = credentials
        self._verifier = Verifier(credentials.secret_access_key) if credentials else None
        self.clock = clock
        self._success_rewrites = [f.success for f in self.faults if f.success is not None]
        self._error_rewrites = [f.error for f in self.faults if f.error is not None]
        self._snapshot = _Snapshot(
            tuple(sorted(default_jobs() if jobs is None else jobs, key=_key)),
            oldest_first=self.policy.oldest_first,
        )
        settings = ChurnSettings() if churn is True else churn or None
        self.churn = Churn(settings, start=clock()) if settings else None
        self.requests = 0  # counted only with churn, which is what needs it
        self._lock = threading.Lock()
        # The fault finished-jobs-reopen: listings answered, and the data as each turn shows it.
        self._listings = 0
        self._turns: dict[int, tuple[_Snapshot, _Snapshot]] = {}
        # The policy is fixed from here on, so a frame may keep what _parse made of it.
        self._frames: Frames[Outcome] | None = (
            Frames(self._verifier, self._parse) if frames else None
        )

    @property
    def jobs(self) -> tuple[Job, ...]:
        """The jobs as they are now, newest first."""
        return self._snapshot.jobs

    # --- the server side -------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one HTTP request. Never raises for anything a client can send."""
        if request.path not in PATHS:
            return _NOT_FOUND
        method = request.method
        if method == "GET":
            raw: str | Rejection = request.query
        elif method == "POST":
            raw = _form(request)
        else:
            return _NOT_ALLOWED
        if isinstance(raw, Rejection):
            return self._error(raw)
        frames = self._frames
        framed = frames.read(method, request.path, raw) if frames is not None else None
        if framed is not None:
            now = self.clock()
            if self.churn is not None:
                self._tick(now)
            snapshot = self._snapshot
            refused = self._authenticate(framed.params, framed.signed, request, now)
            if refused is not None:
                return self._error(refused)
            return self._respond(snapshot, framed.frame.outcome)
        pieces = read(raw)
        if pieces is None:
            return self._error(_NOT_UTF8)
        now = self.clock()
        if self.churn is not None:
            self._tick(now)
        snapshot = self._snapshot  # one version for the whole answer, whatever churn does meanwhile
        plain = params_of(pieces)
        problems: tuple[wire.EncodingProblem, ...] = ()
        if plain is None:
            decoded = wire.decode(pairs_of(pieces))
            params, problems = decoded.params, decoded.problems
        else:
            params = plain

        def signed() -> bool:
            verifier = self._verifier
            return verifier is not None and verifier.verify(
                pieces, plain, verb=method, path=request.path
            )

        refused = self._authenticate(params, signed, request, now)
        if refused is None and problems:
            refused = Rejection(_MALFORMED, problems[0].message)
        if refused is not None:
            return self._error(refused)
        return self._respond(snapshot, self._parse(params))

    def _respond(self, snapshot: _Snapshot, outcome: Outcome) -> Response:
        if isinstance(outcome, Query):
            if self.policy.reopen_finished_jobs:
                snapshot = self._reopened(snapshot, outcome)
            answer = self._answer(snapshot, outcome)
            if self.policy.status_filter_in_an_array and outcome.statuses:
                return Response(answer.status, b"[" + answer.body + b"]", answer.headers)
            return answer
        return self._error(outcome) if isinstance(outcome, Rejection) else outcome

    def _reopened(self, snapshot: _Snapshot, query: Query) -> _Snapshot:
        with self._lock:
            if is_listing(query):
                self._listings += 1
            turn = self._listings % REOPEN_GROUPS
            kept = self._turns.get(turn)
            if kept is None or kept[0] is not snapshot:
                kept = self._turns[turn] = (
                    snapshot,
                    _Snapshot(reopened(snapshot.jobs, turn), oldest_first=self.policy.oldest_first),
                )
            return kept[1]

    def _tick(self, now: float) -> None:
        assert self.churn is not None
        with self._lock:
            self.requests += 1
            changed = self.churn.advance(self._snapshot.jobs, self.requests, now)
            if changed is not None:
                self._snapshot = _Snapshot(changed, oldest_first=self.policy.oldest_first)

    def _authenticate(
        self, params: Mapping[str, Any], signed: Callable[[], bool], request: Request, now: float
    ) -> Rejection | None:
        # signed() checks the signature of the request that params were read from.
        credentials, policy = self.credentials, self.policy
        if credentials is None or self._verifier is None:
            return None
        key = params.get("access_key_id")
        if not isinstance(key, str) or not key:
            return Rejection(_UNKNOWN_KEY, "access_key_id is missing")
        known = key == credentials.access_key_id
        if not known and policy.check_access_key:
            return Rejection(_UNKNOWN_KEY, f"access key [{key}] is not known")
        if known and policy.check_signature:
            if "signature" not in params:
                return Rejection(_NO_SIGNATURE, "signature is missing")
            verb, path = request.method, request.path
            if not signed():
                return Rejection(
                    _BAD_SIGNATURE,
                    f"signature does not match (signed string: {verb} {path} and the sorted, "
                    "percent-encoded parameters; see qingcloud-wire.md)",
                )
        return self._check_time(params, now) if policy.check_time else None

    @staticmethod
    def _check_time(params: Mapping[str, Any], now: float) -> Rejection | None:
        stamp = params.get("time_stamp")
        if stamp is None:
            return Rejection(codes.INVALID_REQUEST_FORMAT, "time_stamp is required")
        stamped = _epoch(stamp) if isinstance(stamp, str) else None
        if stamped is None:
            return Rejection(
                codes.INVALID_REQUEST_FORMAT, f"time_stamp {stamp!r} is not YYYY-MM-DDThh:mm:ssZ"
            )
        expires = params.get("expires")
        if expires is not None:
            until = _epoch(expires) if isinstance(expires, str) else None
            if until is None:
                return Rejection(
                    codes.INVALID_REQUEST_FORMAT, f"expires {expires!r} is not YYYY-MM-DDThh:mm:ssZ"
                )
            if until < now:
                return Rejection(_STALE, f"the request expired at {expires}")
            return None
        if now - stamped > MAX_AGE_SECONDS:
            return Rejection(
                _STALE,
                f"time_stamp {stamp} is more than {MAX_AGE_SECONDS} seconds old",
            )
        return None

    def _parse(self, params: Mapping[str, Any]) -> Outcome:
        # Values here come from the codec: str, list of str, or int for the integer parameters.
        policy = self.policy
        action = params.get("action")
        if action != ACTION:
            if not action:
                return Rejection(codes.INVALID_REQUEST_FORMAT, "action is required")
            return Rejection(codes.INVALID_REQUEST_METHOD, f"action {action!r} is not supported")
        zone = params.get("zone")
        if type(zone) is not str or not zone:
            return _missing_or_array("zone", zone, codes.INVALID_REQUEST_FORMAT)
        app = params.get(SCOPE)
        # Without app the fault "app-not-required" goes on, with app None: every app of the zone.
        if (type(app) is not str or not app) and (app is not None or policy.require_app):
            return _missing_or_array(SCOPE, app, _APP_MISSING if app is None else _APP_EMPTY)
        verbose = params.get(VERBOSE.name, VERBOSE.default)
        offset = params.get(OFFSET.name, OFFSET.default)
        if type(verbose) is not int or verbose < 0:
            return _not_a_count(VERBOSE.name, verbose, "a non-negative integer")
        if type(offset) is not int or offset < 0:
            if policy.crash_on_negative_offset and type(offset) is int:
                return Response(500, _CRASH_PAGE, (("Content-Type", "text/html"),))
            return _not_a_count(OFFSET.name, offset, "a non-negative integer")
        limit = params.get(LIMIT.name)
        if limit is not None and (type(limit) is not int or limit < 1):
            if policy.reject_non_integer_limit or type(limit) is int:
                return _not_a_count(LIMIT.name, limit, "an integer of 1 or more")
            limit = None  # the fault: taken as if no limit had been sent
        if limit is not None and policy.above_cap_code is not None and limit > MAX_LIMIT:
            return Rejection(
                policy.above_cap_code, f"{LIMIT.name} must be at most {MAX_LIMIT}, not {limit}"
            )
        statuses = _values(params.get(STATUS.parameter))
        if statuses and not _STATUSES.issuperset(statuses):
            if policy.reject_illegal_status:
                illegal = next(status for status in statuses if status not in _STATUSES)
                return Rejection(
                    _ILLEGAL_STATUS,
                    f"{STATUS.parameter} {illegal!r} is not one of {', '.join(STATUSES)}",
                )
            statuses = tuple(status for status in statuses if status in _STATUSES)
        job_ids = _values(params.get(JOBS.parameter))
        if "" in job_ids:
            return Rejection(_EMPTY_JOB, f"a {JOBS.parameter}.n value is empty")
        return Query(zone, app, job_ids, statuses, offset, limit)

    def _answer(self, snapshot: _Snapshot, query: Query) -> Response:
        policy = self.policy
        if (
            policy.unknown_app_code is not None
            and query.app is not None
            and (query.zone, query.app) not in snapshot.by_app
        ):
            return self._error(
                Rejection(policy.unknown_app_code, f"resource [{query.app}] not found")
            )
        if query.job_ids and policy.unknown_job_is_error:
            known = snapshot.ids.get(query.zone, {})
            unknown = [job_id for job_id in query.job_ids if job_id not in known]
            if unknown:
                listed = ", ".join(f"[{job_id}]" for job_id in unknown)
                noun = "resource" if len(unknown) == 1 else "resources"
                return self._error(Rejection(_UNKNOWN_JOB, f"{noun} {listed} not found"))
        if not self._success_rewrites:
            body = snapshot.bodies.get(query)
            if body is not None:
                return Response(200, body)
        matches = _matching(snapshot, query, policy)
        size = query.limit if query.limit is not None else policy.default_limit
        if policy.max_limit is not None:
            size = min(size, policy.max_limit)
        if policy.extra_item and query.limit is not None:
            size += 1 if policy.max_limit is None or size < policy.max_limit else 0
        start = query.offset + (1 if policy.skip_extra and query.offset > 0 else 0)
        if self._success_rewrites:
            document: dict[str, Any] = {
                "action": RESPONSE_ACTION,
                "total_count": len(matches.jobs),
                "job_set": [_decoded(job) for job in matches.jobs[start : start + size]],
                "ret_code": 0,
            }
            for rewrite in self._success_rewrites:
                document = rewrite(document, query)
            return json_response(document)
        body = b"".join(
            (
                _SUCCESS_HEAD,
                str(len(matches.jobs)).encode(),
                b',"job_set":[',
                b",".join(matches.encoded[start : start + size]),
                b'],"ret_code":0}',
            )
        )
        if snapshot.bodies_size + len(body) > _BODY_BUDGET:
            snapshot.bodies.clear()
            snapshot.bodies_size = 0
        if len(body) <= _BODY_BUDGET // 16:  # one huge page does not empty the memo for itself
            # Two threads may both store it; they store the same bytes (the size is a bound only).
            snapshot.bodies[query] = body
            snapshot.bodies_size += len(body)
        return Response(200, body)

    def _error(self, rejection: Rejection) -> Response:
        document: dict[str, Any] = codes.error_body(rejection.ret_code, rejection.detail)
        for rewrite in self._error_rewrites:
            document = rewrite(document)
        return json_response(document)

    # --- the client side, for tests and scripts --------------------------------------------------

    def request(
        self,
        params: Mapping[str, Any],
        *,
        method: str = "GET",
        path: str = "/iaas/",
        credentials: signing.Credentials | None = None,
        sign: bool = True,
    ) -> Request:
        """A request for ``params`` (``action`` added when absent), signed now with this emulator's
        key pair (or ``credentials``) unless ``sign`` is False or authentication is off."""
        pairs = wire.encode({"action": ACTION, **params})
        signer = credentials or self.credentials
        if sign and signer is not None:
            moment = datetime.fromtimestamp(self.clock(), timezone.utc)
            pairs = signing.sign(pairs, signer, verb=method, path=path, now=moment)
        if method == "POST":
            return Request("POST", path, "", urlencode(pairs).encode(), {"Content-Type": FORM})
        return Request(method, path, wire.query_string(pairs))

    def call(self, params: Mapping[str, Any], **options: Any) -> Response:
        """``handle(request(params, **options))``: one round trip, in-process."""
        return self.handle(self.request(params, **options))


def _key(job: Job) -> tuple[float, str]:
    return job.sort_key


def _form(request: Request) -> str | Rejection:
    kind = _header(request.headers, "content-type")
    if kind is not None and kind.split(";", 1)[0].strip().lower() != FORM:
        return Rejection(codes.INVALID_REQUEST_FORMAT, f"a POST body must be {FORM}, not {kind}")
    try:
        return request.body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(codes.INVALID_REQUEST_FORMAT, "the form body is not UTF-8")


@functools.lru_cache(maxsize=512)
def _epoch(text: str) -> float | None:
    # Memoised: every request in the same second carries the same time_stamp.
    moment = signing.parse_time(text)
    return None if moment is None else moment.timestamp()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _missing_or_array(name: str, value: object, missing: int) -> Rejection:
    # ``missing``: the code for a missing or empty value; a list is an array where one value goes.
    if value is None or value == "":
        return Rejection(missing, f"{name} is required")
    return Rejection(_MALFORMED, f"{name} is one value, not {name}.n")


def _values(value: str | list[str] | None) -> tuple[str, ...]:
    # A scalar is read as a one-element list: lenient, as servers are with their own clients.
    if value is None:
        return ()
    return (value,) if type(value) is str else tuple(value)


def _not_a_count(name: str, value: object, wanted: str) -> Rejection:
    # Not an integer, or out of range (which the page leaves open): refused with the same code.
    code = invalid_input(name, "not-integer").code
    return Rejection(code, f"{name} must be {wanted}, not {value!r}")


def _matching(snapshot: _Snapshot, query: Query, policy: Policy) -> _Listing:
    statuses = query.statuses if policy.filter_status else ()
    if not (query.job_ids and policy.filter_jobs):
        if not statuses:
            return snapshot.listing(query.zone, query.app)
        return snapshot.with_status(query.zone, query.app, statuses)
    ids, wanted = frozenset(query.job_ids), frozenset(statuses)
    if wanted and policy.combine_filters_with_or:
        listing = snapshot.listing(query.zone, query.app).jobs
        return _listing([job for job in listing if job.job_id in ids or job.status in wanted])
    # By id: a handful of lookups instead of a pass over the listing.
    known = snapshot.ids.get(query.zone, {})
    found = [known[job_id] for job_id in ids if job_id in known]
    chosen = [
        job
        for job in found
        if (query.app is None or job.app == query.app) and (not wanted or job.status in wanted)
    ]
    return _listing(sorted(chosen, key=_key, reverse=policy.oldest_first))


def _decoded(job: Job) -> dict[str, Any]:
    # A deep copy the rewrites may change freely.
    decoded: dict[str, Any] = json.loads(job.encoded)
    return decoded
