"""The DescribeClusterJobs semantics: ``Emulator.handle(Request) -> Response``, no sockets involved.

Checks run in the order a real gateway runs them: the encoding can be read at all, then who is
asking (key, signature, time), then what is asked (action, zone, app, values), then whether the
named jobs exist. The first failure answers, as an error body with HTTP 200.

Speed: the listing of every (zone, app) is sorted once per data change, and each job carries its item
already encoded, so a correct server's answer is a filter, a slice and a ``bytes.join``. Only faults
that rewrite documents pay for parsing and re-serialising.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode

from conformance import codes, signing, wire
from conformance.emulator.churn import Churn, ChurnSettings
from conformance.emulator.data import STATUSES, Job, default_jobs
from conformance.emulator.faults import Fault, policy_of, resolve
from conformance.emulator.policy import Policy, Query
from conformance.exchange import Request, Response, json_response

ACTION = "DescribeClusterJobs"
PATHS = frozenset({"/iaas/", "/iaas"})
# The documented demo pair (the signature test vectors' key): printed at start-up, safe to show.
DEMO_CREDENTIALS = signing.Credentials("QYACCESSKEYIDEXAMPLE", "SECRETACCESSKEY")
MAX_AGE_SECONDS = 60
FORM = "application/x-www-form-urlencoded"

_STATUSES = frozenset(STATUSES)
_SUCCESS_HEAD = b'{"action":"DescribeClusterJobsResponse","total_count":'
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


class _Snapshot:
    """One version of the data, indexed for answering: replaced whole, never changed."""

    __slots__ = ("by_app", "by_zone", "ids", "jobs")

    def __init__(self, jobs: tuple[Job, ...]) -> None:
        self.jobs = jobs  # sorted by Job.sort_key
        self.by_app: dict[tuple[str, str], list[Job]] = {}
        self.by_zone: dict[str, list[Job]] = {}
        self.ids: dict[str, set[str]] = {}
        for job in jobs:
            self.by_app.setdefault((job.zone, job.app), []).append(job)
            self.by_zone.setdefault(job.zone, []).append(job)
            self.ids.setdefault(job.zone, set()).add(job.job_id)


class Emulator:
    """An in-process DescribeClusterJobs server.

    ``jobs``: the data (the default data set when None; see ``data.load_jobs`` for a user's file).
    ``faults``: fault names or ``Fault`` values (``faults.FAULTS``). ``credentials``: the one key pair
    that is accepted, or None to check no authentication at all. ``clock``: epoch seconds, for the
    time-stamp rule and churn. ``churn``: ``ChurnSettings`` (or True for the defaults) to let jobs
    arrive and advance while requests come in.
    """

    def __init__(
        self,
        *,
        jobs: Iterable[Job] | None = None,
        faults: Iterable[str | Fault] = (),
        credentials: signing.Credentials | None = DEMO_CREDENTIALS,
        clock: Callable[[], float] = time.time,
        churn: ChurnSettings | bool | None = None,
    ) -> None:
        self.faults = resolve(faults)
        self.policy: Policy = policy_of(self.faults)
        self.credentials = credentials
        self.clock = clock
        self._success_rewrites = [f.success for f in self.faults if f.success is not None]
        self._error_rewrites = [f.error for f in self.faults if f.error is not None]
        self._snapshot = _Snapshot(
            tuple(sorted(default_jobs() if jobs is None else jobs, key=_key))
        )
        settings = ChurnSettings() if churn is True else churn or None
        self.churn = Churn(settings, start=clock()) if settings else None
        self.requests = 0  # counted only with churn, which is what needs it
        self._lock = threading.Lock()

    @property
    def jobs(self) -> tuple[Job, ...]:
        """The jobs as they are now, newest first."""
        return self._snapshot.jobs

    # --- the server side -------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one HTTP request. Never raises for anything a client can send."""
        if request.path not in PATHS:
            return _NOT_FOUND
        if request.method not in ("GET", "POST"):
            return _NOT_ALLOWED
        pairs = _pairs(request)
        if isinstance(pairs, Rejection):
            return self._error(pairs)
        now = self.clock()
        if self.churn is not None:
            self._tick(now)
        snapshot = self._snapshot  # one version for the whole answer, whatever churn does meanwhile
        decoded = wire.decode(pairs)
        params = decoded.params
        refused = self._authenticate(pairs, params, request, now)
        if refused is None and decoded.problems:
            refused = Rejection(codes.INVALID_REQUEST_FORMAT, decoded.problems[0].message)
        if refused is not None:
            return self._error(refused)
        query = self._parse(params)
        if isinstance(query, Rejection):
            return self._error(query)
        if isinstance(query, Response):
            return query
        return self._answer(snapshot, query)

    def _tick(self, now: float) -> None:
        assert self.churn is not None
        with self._lock:
            self.requests += 1
            changed = self.churn.advance(self._snapshot.jobs, self.requests, now)
            if changed is not None:
                self._snapshot = _Snapshot(changed)

    def _authenticate(
        self,
        pairs: list[tuple[str, str]],
        params: Mapping[str, Any],
        request: Request,
        now: float,
    ) -> Rejection | None:
        credentials, policy = self.credentials, self.policy
        if credentials is None:
            return None
        key = params.get("access_key_id")
        if not isinstance(key, str) or not key:
            return Rejection(codes.AUTH_FAILURE, "access_key_id is missing")
        known = key == credentials.access_key_id
        if not known and policy.check_access_key:
            return Rejection(codes.AUTH_FAILURE, f"access key [{key}] is not known")
        if known and policy.check_signature:
            if "signature" not in params:
                return Rejection(codes.AUTH_FAILURE, "signature is missing")
            verb, path = request.method, request.path
            if not signing.verify(pairs, credentials.secret_access_key, verb=verb, path=path):
                return Rejection(
                    codes.AUTH_FAILURE,
                    f"signature does not match (signed string: {verb} {path} and the sorted, "
                    "percent-encoded parameters; see qingcloud-wire.md)",
                )
        return self._check_time(params, now) if policy.check_time else None

    @staticmethod
    def _check_time(params: Mapping[str, Any], now: float) -> Rejection | None:
        stamp = params.get("time_stamp")
        if stamp is None:
            return Rejection(codes.INVALID_REQUEST_FORMAT, "time_stamp is required")
        stamped = signing.parse_time(stamp) if isinstance(stamp, str) else None
        if stamped is None:
            return Rejection(
                codes.INVALID_REQUEST_FORMAT, f"time_stamp {stamp!r} is not YYYY-MM-DDThh:mm:ssZ"
            )
        expires = params.get("expires")
        if expires is not None:
            until = signing.parse_time(expires) if isinstance(expires, str) else None
            if until is None:
                return Rejection(
                    codes.INVALID_REQUEST_FORMAT, f"expires {expires!r} is not YYYY-MM-DDThh:mm:ssZ"
                )
            if until.timestamp() < now:
                return Rejection(codes.REQUEST_HAS_EXPIRED, f"the request expired at {expires}")
            return None
        if now - stamped.timestamp() > MAX_AGE_SECONDS:
            return Rejection(
                codes.REQUEST_HAS_EXPIRED,
                f"time_stamp {stamp} is more than {MAX_AGE_SECONDS} seconds old",
            )
        return None

    def _parse(self, params: Mapping[str, Any]) -> Query | Rejection | Response:
        policy = self.policy
        action = params.get("action")
        if action is None or action == "":
            return Rejection(codes.INVALID_REQUEST_FORMAT, "action is required")
        if action != ACTION:
            return Rejection(codes.INVALID_REQUEST_METHOD, f"action {action!r} is not supported")
        zone = _single(params, "zone")
        if not isinstance(zone, str):
            return zone
        app: str | Rejection | None = _single(params, "app")
        if isinstance(app, Rejection) and not policy.require_app and "app" not in params:
            app = None
        if isinstance(app, Rejection):
            return app
        for name in ("verbose", "offset"):
            value = params.get(name, 0)
            if not _is_int(value) or value < 0:
                if name == "offset" and policy.crash_on_negative_offset and _is_int(value):
                    return Response(500, _CRASH_PAGE, (("Content-Type", "text/html"),))
                return _not_a_count(name, value, "a non-negative integer")
        limit = params.get("limit")
        if limit is not None and not _is_int(limit) and not policy.reject_non_integer_limit:
            limit = None  # the fault: taken as if no limit had been sent
        if limit is not None and (not _is_int(limit) or limit < 1):
            return _not_a_count("limit", limit, "an integer of 1 or more")
        statuses = _values(params, "status")
        if isinstance(statuses, Rejection):
            return statuses
        illegal = [status for status in statuses if status not in _STATUSES]
        if illegal and policy.reject_illegal_status:
            return Rejection(
                codes.INVALID_REQUEST_FORMAT,
                f"status {illegal[0]!r} is not one of {', '.join(STATUSES)}",
            )
        job_ids = _values(params, "jobs")
        if isinstance(job_ids, Rejection):
            return job_ids
        if "" in job_ids:
            return Rejection(codes.INVALID_REQUEST_FORMAT, "a jobs.n value is empty")
        return Query(
            zone=zone,
            app=app,
            job_ids=tuple(job_ids),
            statuses=tuple(status for status in statuses if status in _STATUSES),
            offset=params.get("offset", 0),
            limit=limit,
        )

    def _answer(self, snapshot: _Snapshot, query: Query) -> Response:
        policy = self.policy
        if query.job_ids and policy.unknown_job_is_error:
            known = snapshot.ids.get(query.zone, set())
            unknown = [job_id for job_id in query.job_ids if job_id not in known]
            if unknown:
                listed = ", ".join(f"[{job_id}]" for job_id in unknown)
                noun = "resource" if len(unknown) == 1 else "resources"
                return self._error(
                    Rejection(codes.RESOURCE_NOT_FOUND, f"{noun} {listed} not found")
                )
        if query.app is None:
            listing = snapshot.by_zone.get(query.zone, [])
        else:
            listing = snapshot.by_app.get((query.zone, query.app), [])
        matches = _filtered(listing, query, policy)
        size = query.limit if query.limit is not None else policy.default_limit
        if policy.max_limit is not None:
            size = min(size, policy.max_limit)
        if policy.extra_item and query.limit is not None:
            size += 1 if policy.max_limit is None or size < policy.max_limit else 0
        start = query.offset + (1 if policy.skip_extra and query.offset > 0 else 0)
        page = matches[start : start + size]
        if self._success_rewrites:
            document: dict[str, Any] = {
                "action": f"{ACTION}Response",
                "total_count": len(matches),
                "job_set": [_decoded(job) for job in page],
                "ret_code": 0,
            }
            for rewrite in self._success_rewrites:
                document = rewrite(document, query)
            return json_response(document)
        body = b"".join(
            (
                _SUCCESS_HEAD,
                str(len(matches)).encode(),
                b',"job_set":[',
                b",".join([job.encoded for job in page]),
                b'],"ret_code":0}',
            )
        )
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


def _pairs(request: Request) -> list[tuple[str, str]] | Rejection:
    if request.method == "POST":
        kind = _header(request.headers, "content-type")
        if kind is not None and kind.split(";", 1)[0].strip().lower() != FORM:
            return Rejection(
                codes.INVALID_REQUEST_FORMAT, f"a POST body must be {FORM}, not {kind}"
            )
        try:
            raw = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return Rejection(codes.INVALID_REQUEST_FORMAT, "the form body is not UTF-8")
    else:
        raw = request.query
    try:
        # strict: a %-escape that is not UTF-8 is refused rather than turned into U+FFFD, which
        # would make a signature check fail for a reason the client cannot see.
        return parse_qsl(raw, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return Rejection(codes.INVALID_REQUEST_FORMAT, "the parameters are not UTF-8 url-encoding")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _single(params: Mapping[str, Any], name: str) -> str | Rejection:
    value = params.get(name)
    if value is None or value == "":
        return Rejection(codes.INVALID_REQUEST_FORMAT, f"{name} is required")
    if not isinstance(value, str):
        return Rejection(codes.INVALID_REQUEST_FORMAT, f"{name} is one value, not {name}.n")
    return value


def _values(params: Mapping[str, Any], name: str) -> list[str] | Rejection:
    value = params.get(name, [])
    # A scalar is read as a one-element list: lenient, as servers are with their own clients.
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return Rejection(codes.INVALID_REQUEST_FORMAT, f"{name} must be sent as {name}.1, {name}.2, …")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _not_a_count(name: str, value: object, wanted: str) -> Rejection:
    return Rejection(codes.INVALID_REQUEST_FORMAT, f"{name} must be {wanted}, not {value!r}")


def _filtered(listing: list[Job], query: Query, policy: Policy) -> list[Job]:
    ids = frozenset(query.job_ids) if query.job_ids and policy.filter_jobs else None
    statuses = frozenset(query.statuses) if query.statuses and policy.filter_status else None
    if ids is not None and statuses is not None:
        if policy.combine_filters_with_or:
            return [job for job in listing if job.job_id in ids or job.status in statuses]
        return [job for job in listing if job.job_id in ids and job.status in statuses]
    if ids is not None:
        return [job for job in listing if job.job_id in ids]
    if statuses is not None:
        return [job for job in listing if job.status in statuses]
    return listing


def _decoded(job: Job) -> dict[str, Any]:
    # A deep copy the rewrites may change freely.
    decoded: dict[str, Any] = json.loads(job.encoded)
    return decoded
