"""Counting what a run sent and received, as keys a documented line's cases name.

A ``Tally`` is a client observer (``Session.observers``): told each exchange, it reads the request's
parameters and the answer, and counts keys such as ``param:limit:sent``, ``status:pending:combined``,
``offset:past-end``, ``jobs:count:10+``, ``input:status:not-in-enum``, ``auth:bad-signature``,
``code:1100``, ``job-field:directive``, ``seen-status:failed``. Its counts are plain JSON, so an
xdist worker hands them over and the controller adds them up (``merge``).

No text a server sent becomes a key (a hostile server may echo a signature in any field): the
variety of job actions is counted by checksum (``job-action:#1a2b3c4d``), never by name.

Cost: a distinct answer is read once (by its bytes); a request costs one decode of its query.
"""

from __future__ import annotations

import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from conformance import codes, wire
from conformance.contract import (
    ACTION,
    COUNTS,
    FILTERS,
    IGNORED_PARAMS,
    JOBS,
    LIMIT,
    OFFSET,
    SCOPE,
    SIGNING_PARAMS,
    STATUS,
    STATUSES,
    VERBOSE,
    breaches,
)
from conformance.exchange import NOT_JSON, Exchange, Response
from conformance.schemas import document as schema
from conformance.signing import Credentials

if TYPE_CHECKING:
    from conformance.cassettes.format import Cassette

#: The documented request parameters, in the page's order (jobs.n and status.n by their base).
PARAMETERS: tuple[str, ...] = (SCOPE, JOBS.parameter, STATUS.parameter, *(c.name for c in COUNTS))
#: The documented response elements and job fields (schemas/response.json, schemas/job.json).
ELEMENTS: tuple[str, ...] = tuple(schema("response")["properties"])
JOB_FIELDS: tuple[str, ...] = tuple(schema("job")["properties"])
#: How many ids make a long ``jobs.n`` list (issue 12: 1, 2 and 10 or more).
MANY_IDS = 10
#: The illegal ``status.n`` classes: an empty value, a legal status in another case or padded with
#: spaces, and any other word (``done with failure``, which the Go SDK knows, among them).
ILLEGAL_STATUS_CLASSES: tuple[str, ...] = ("empty", "case-or-spaces", "other-word")
# A distinct answer is summarised once; a long run's answers are bounded by this many kept.
_KEPT_ANSWERS = 2048
_SUCCESS = 0


def illegal_status_class(value: str) -> str:
    """Which class of illegal ``status.n`` value ``value`` is (``ILLEGAL_STATUS_CLASSES``)."""
    if value == "":
        return "empty"
    if value.strip().lower() in STATUSES:
        return "case-or-spaces"
    return "other-word"


class _Answer:
    """What one distinct answer shows: its own keys, and what a request's keys depend on."""

    __slots__ = ("keys", "listed", "ret_code", "total")

    def __init__(self, response: Response) -> None:
        keys: list[str] = []
        self.ret_code: int | None = None
        self.total: int | None = None
        self.listed: frozenset[str] | None = None
        document = response.document
        if not isinstance(document, dict) or document is NOT_JSON:
            keys.append("answer:not-json-object")
            self.keys = tuple(keys)
            return
        keys.append("answer:json-object")
        content_type = (response.header("Content-Type") or "").split(";")[0].strip().lower()
        if response.status == 200 and content_type == "application/json":
            keys.append("answer:200-json")
        code = document.get("ret_code")
        if isinstance(code, int) and not isinstance(code, bool):
            self.ret_code = code
            keys.append(f"code:{code}")
        if code != _SUCCESS:
            if self.ret_code is not None:
                keys.append("answer:error")
            self.keys = tuple(keys)
            return
        keys += [f"element:{name}" for name in ELEMENTS if name in document]
        total, jobs = document.get("total_count"), document.get("job_set")
        if isinstance(total, int) and not isinstance(total, bool):
            self.total = total
        if not isinstance(jobs, list):
            self.keys = tuple(keys)
            return
        if self.total is not None and self.total > len(jobs):
            keys.append("listing:more-than-one-page")
        if not jobs:
            keys.append("listing:empty")
        listed: set[str] = set()
        seen: set[str] = set()
        for job in jobs:
            if not isinstance(job, dict):
                continue
            seen.update(f"job-field:{name}" for name in JOB_FIELDS if name in job)
            job_id, status = job.get("job_id"), job.get("status")
            if isinstance(job_id, str):
                listed.add(job_id)
            seen.add(f"seen-status:{status}" if status in STATUSES else "seen-status:undocumented")
            resources = job.get("resources")
            clusters = resources.get("clusters") if isinstance(resources, dict) else None
            if isinstance(clusters, list) and len(clusters) > 1:
                seen.add("job:many-clusters")
            ids = job.get("resource_ids")
            if isinstance(ids, str) and len(ids.split()) > 1:
                seen.add("job:many-resources")
            action = job.get("job_action")
            if isinstance(action, str):
                seen.add(f"job-action:#{zlib.crc32(action.encode('utf-8', 'replace')):08x}")
        if jobs:
            seen.add("listing:jobs")
        self.listed = frozenset(listed)
        self.keys = (*keys, *sorted(seen))


class Tally:
    """What a run sent and received, as counted keys. Thread-safe: the client may be shared.

    ``credentials`` gives the run's key pair (None: the target signs nothing), to tell how a
    deliberately wrong request's authentication was wrong; a recording says it itself.
    """

    def __init__(
        self,
        credentials: Callable[[], Credentials | None] = lambda: None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.counts: Counter[str] = Counter()
        self._credentials = credentials
        self._clock = clock
        self._answers: dict[tuple[int, bytes], _Answer] = {}
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        self.observe(exchange)

    def observe(self, exchange: Exchange, *, auth: str | None = None) -> None:
        """Count ``exchange``; ``auth`` is a recording's verdict on its authentication, when known
        (``cassettes.record.AUTH_VERDICTS``)."""
        keys = self.keys(exchange, auth=auth)
        with self._lock:
            self.counts.update(keys)

    def keys(self, exchange: Exchange, *, auth: str | None = None) -> list[str]:
        """The keys ``exchange`` counts under."""
        answer = self._answer(exchange.response)
        pairs = exchange.request.pairs()
        if [value for name, value in pairs if name == "action"] != [ACTION]:
            return []  # another action: nothing of this page was tried
        if auth is None:
            auth = self._authentication(exchange, pairs)
        keys = list(answer.keys)
        if auth not in (None, "valid", "unsigned"):
            # Its parameters are not what it tries: the server must refuse it before reading them.
            return [*keys, f"auth:{auth}"]
        asked = [(n, v) for n, v in pairs if n not in SIGNING_PARAMS and n not in IGNORED_PARAMS]
        decoded = wire.decode(asked)
        if decoded.problems:
            return [*keys, "open:malformed-array"]
        return keys + request_keys(decoded.params, answer)

    def observe_recorded(self, interactions: Iterable[Mapping[str, Any]]) -> None:
        """Count vcrpy interactions as recorded (``Request``/``Response`` read back, and the
        recorder's verdict on each authentication)."""
        from conformance.cassettes.interaction import to_request, to_response

        for raw in interactions:
            meta = raw.get("conformance")
            auth = meta.get("auth") if isinstance(meta, dict) else None
            exchange = Exchange(to_request(raw["request"]), to_response(raw["response"]))
            self.observe(exchange, auth=auth if isinstance(auth, str) else None)

    def observe_cassette(self, cassette: Cassette) -> None:
        """Count a cassette's interactions, and that it says which contract recorded it."""
        if cassette.provenance is not None:
            with self._lock:
                self.counts["cassette:provenance"] += 1
        self.observe_recorded(cassette.interactions)

    def to_json(self) -> dict[str, int]:
        """The counts, to hand to another process."""
        with self._lock:
            return dict(self.counts)

    def merge(self, counts: Mapping[str, int]) -> None:
        """Add counts another process handed over (``to_json``)."""
        with self._lock:
            self.counts.update({str(key): int(value) for key, value in counts.items()})

    def _answer(self, response: Response) -> _Answer:
        key = (response.status, response.body)
        answer = self._answers.get(key)
        if answer is None:
            if len(self._answers) >= _KEPT_ANSWERS:
                self._answers.clear()
            answer = self._answers[key] = _Answer(response)
        return answer

    def _authentication(self, exchange: Exchange, pairs: list[tuple[str, str]]) -> str | None:
        credentials = self._credentials()
        if credentials is None:
            return "unsigned"
        if exchange.params is not None:
            return "valid"  # the client signed what it meant (``Client.call``)
        from conformance.cassettes.record import authentication

        request = exchange.request
        return authentication(
            pairs, credentials, verb=request.method, path=request.path, now=self._clock()
        )


def request_keys(params: Mapping[str, Any], answer: _Answer) -> list[str]:
    """The keys a well-formed request's parameters count under, given the answer it got."""
    keys = [
        f"param:{name}:{'sent' if params.get(name) is not None else 'omitted'}"
        for name in PARAMETERS
    ]
    refused = breaches(params)
    keys += [f"input:{b.input.parameter}:{b.input.when}" for b in refused]
    statuses = params.get(STATUS.parameter)
    if isinstance(statuses, list):
        legal = [value for value in statuses if value in STATUSES]
        keys += [f"status:illegal:{illegal_status_class(v)}" for v in statuses if v not in legal]
        if len(legal) == len(statuses):
            alone = "alone" if len(legal) == 1 else "combined"
            keys += [f"status:{value}:{alone}" for value in legal]
    jobs = params.get(JOBS.parameter)
    if isinstance(jobs, list):
        keys += _jobs_keys(jobs, answer)
    if refused:
        return keys
    keys += _count_keys(params, answer)
    if answer.ret_code == _SUCCESS:
        filtered = any(params.get(f.parameter) for f in FILTERS)
        keys.append("listing:filtered" if filtered else "listing:whole")
    return keys


def _jobs_keys(jobs: list[str], answer: _Answer) -> list[str]:
    keys = []
    if "" in jobs:
        keys.append("input:jobs:empty")
    count = len(jobs)
    if count >= MANY_IDS:
        keys.append(f"jobs:count:{MANY_IDS}+")
    elif count in (1, 2):
        keys.append(f"jobs:count:{count}")
    ids = [job for job in jobs if job]
    if answer.ret_code == codes.RESOURCE_NOT_FOUND:
        keys += ["jobs:unknown", "input:jobs:unknown-id"]
    elif answer.listed is not None and ids:
        if all(job in answer.listed for job in ids):
            keys.append("jobs:known")
        elif answer.total is not None and answer.total <= len(answer.listed):
            # Served, yet a whole answer lacks an id: it was unknown, and not refused.
            keys += ["jobs:unknown", "input:jobs:unknown-id"]
    return keys


def _count_keys(params: Mapping[str, Any], answer: _Answer) -> list[str]:
    keys = []
    limit, offset, verbose = (params.get(c.name) for c in (LIMIT, OFFSET, VERBOSE))
    if limit is None:
        keys.append("limit:default")
    elif isinstance(limit, int):
        if limit in LIMIT.boundaries:
            keys.append(f"limit:{limit}")
        if limit <= 0:
            keys.append("open:limit-not-positive")
    if offset is None or offset == OFFSET.default:
        keys.append("offset:default" if offset is None else "offset:0")
    elif isinstance(offset, int):
        if offset < 0:
            keys.append("open:offset-negative")
        elif answer.total is not None:
            place = (
                "inside"
                if offset < answer.total
                else "at-end"
                if offset == answer.total
                else "past-end"
            )
            keys.append(f"offset:{place}")
    if isinstance(verbose, int) and verbose != VERBOSE.default:
        keys.append("open:verbose-not-zero")
    return keys
