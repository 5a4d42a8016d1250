"""The contract of DescribeClusterJobs, declared once: every fact of the page that is not a shape.

Each fact has one home. Shapes are the schemas' (``schemas/*.json``: types, required members, the
legal statuses, the action's name); error codes and their tokens are ``codes.py``'s; everything else
the page and the wire sheet say is declared here, as data: the scope parameter, the list filters and
the job field each selects on, the integer parameters with their defaults and cap, the inputs that
must be refused (under which rule, with which code), the ways authentication fails, the parameters
signing adds and the time-stamp window. Where a schema already holds a fact, it is read from there.

Everything that builds, serves or judges a request reads it from here: the request strategies, the
emulator, the single-response rules, the offline judge and the replay matcher. A test
(``tests/test_contract.py``) fails when a default, the cap, a status, the action's name or a
ret_code is typed anywhere else in the package.

Reading this module costs two small file reads and imports no validator.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from conformance import codes, schemas

_REQUEST = schemas.document("request")["properties"]

# --- the action ---------------------------------------------------------------------------------

#: The action a request names (schemas/request.json, ``action``; qingcloud-wire.md:20).
ACTION: str = _REQUEST["action"]["const"]
#: The ``action`` of a success response (schemas/response.json; qingcloud-wire.md:15): the request
#: action plus ``Response``.
RESPONSE_ACTION: str = schemas.document("response")["properties"]["action"]["const"]

# --- the statuses -------------------------------------------------------------------------------

#: The documented job statuses, as schemas/job.json lists them (the page's order,
#: DescribeClusterJobs.seed.md:28).
STATUSES: tuple[str, ...] = tuple(schemas.document("job")["properties"]["status"]["enum"])
# By name, for what follows a job's lifecycle (qingcloud-wire.md: pending → working → successful or
# failed). Read from the enum's order, which is the page's; tests/test_contract.py holds the two
# to the page's line, so a reordered enum cannot swap two names here.
PENDING, WORKING, FAILED, SUCCESSFUL = STATUSES
#: What each status may move on to (qingcloud-wire.md:89: pending → working → successful or
#: failed). A job's status only moves forward; a finished job's never changes again.
NEXT: Mapping[str, tuple[str, ...]] = {
    PENDING: (WORKING,),
    WORKING: (FAILED, SUCCESSFUL),
    FAILED: (),
    SUCCESSFUL: (),
}


def later(status: str) -> frozenset[str]:
    """The statuses a job now in ``status`` may show at a later call: itself and every one after
    it in the lifecycle (a listing may miss a step). Empty for a status the lifecycle lacks."""
    if status not in NEXT:
        return frozenset()
    found, todo = {status}, [status]
    while todo:
        for following in NEXT[todo.pop()]:
            if following not in found:
                found.add(following)
                todo.append(following)
    return frozenset(found)


# --- the parameters -----------------------------------------------------------------------------

#: The parameter that scopes a listing to one app: required (DescribeClusterJobs.seed.md:7).
SCOPE = "app"


@dataclass(frozen=True)
class ListFilter:
    """A list parameter (sent as ``parameter.1``, ``parameter.2``…) that selects jobs by ``field``.

    ``rule`` is the single-response rule a job outside the filter breaks; ``legal`` the values the
    page allows (None: any, such as an id).
    """

    parameter: str
    field: str
    rule: str
    legal: tuple[str, ...] | None = None


#: ``jobs.n``: the jobs with these ids (DescribeClusterJobs.seed.md:8).
JOBS = ListFilter("jobs", "job_id", "DCJ-FILTER-002")
#: ``status.n``: the jobs in these statuses (DescribeClusterJobs.seed.md:9).
STATUS = ListFilter("status", "status", "DCJ-FILTER-001", legal=STATUSES)
#: The list filters, in the page's order. Both given, a job must pass both.
FILTERS: tuple[ListFilter, ...] = (JOBS, STATUS)
_LEGAL = {entry.parameter: entry.legal for entry in FILTERS}


@dataclass(frozen=True)
class Count:
    """An integer parameter: its name, the value a request without it means, and its cap.

    ``minimum`` is the request schema's (None when it sets none); ``cap`` is where a larger value
    is capped, not refused (qingcloud-wire.md:97), or None when nothing caps it.
    """

    name: str
    default: int
    cap: int | None = None

    @property
    def minimum(self) -> int | None:
        """The smallest documented value, from schemas/request.json."""
        found = _REQUEST[self.name].get("minimum")
        return found if isinstance(found, int) else None

    @property
    def boundaries(self) -> tuple[int, ...]:
        """The smallest documented value and either side of the default and of the cap, in order:
        where an off-by-one in paging shows."""
        low = self.minimum if self.minimum is not None else self.default
        marks = (self.default,) if self.cap is None else (self.default, self.cap)
        near = {low} | {mark + step for mark in marks for step in (-1, 0, 1)}
        return tuple(sorted(value for value in near if value >= low))


DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: ``limit``: a page of 20 jobs unless asked otherwise, at most 100 (DescribeClusterJobs.seed.md:12).
LIMIT = Count("limit", default=DEFAULT_LIMIT, cap=MAX_LIMIT)
#: ``offset``: from the first job unless asked otherwise (DescribeClusterJobs.seed.md:11).
OFFSET = Count("offset", default=0)
#: ``verbose``: only 0 is supported (DescribeClusterJobs.seed.md:10).
VERBOSE = Count("verbose", default=0)
#: The integer parameters, in the order their refusals are listed.
COUNTS: tuple[Count, ...] = (OFFSET, LIMIT, VERBOSE)
#: Their names: the codec reads these as integers when they are written as integers.
INTEGERS: frozenset[str] = frozenset(count.name for count in COUNTS)

# --- inputs the page says are refused -----------------------------------------------------------

When = Literal["missing", "empty", "not-in-enum", "not-integer", "unknown-id", "malformed-array"]


@dataclass(frozen=True)
class InvalidInput:
    """A class of input and what a server answers it: refused under ``rule`` with ``code``.

    ``parameter`` is None when the class is about the encoding of any parameter. ``open`` marks a
    class the page leaves open (DCJ-ROBUST-001: reject or serve, never crash): ``code`` is then the
    one a server that refuses it answers, as the emulator does.
    """

    rule: str
    parameter: str | None
    when: When
    code: int
    open: bool = False

    @property
    def token(self) -> str:
        """The token an error message with ``code`` starts with (codes.py)."""
        return codes.TOKENS[self.code]


#: Every class, in the order a judge reads a request: what the request shows by itself, then what
#: needs the target's jobs, then what the page leaves open.
INVALID_INPUTS: tuple[InvalidInput, ...] = (
    InvalidInput("DCJ-INPUT-001", SCOPE, "missing", codes.INVALID_REQUEST_FORMAT),
    InvalidInput("DCJ-INPUT-001", SCOPE, "empty", codes.INVALID_REQUEST_FORMAT),
    InvalidInput("DCJ-INPUT-002", STATUS.parameter, "not-in-enum", codes.INVALID_REQUEST_FORMAT),
    *(
        InvalidInput("DCJ-INPUT-004", count.name, "not-integer", codes.INVALID_REQUEST_FORMAT)
        for count in COUNTS
    ),
    InvalidInput("DCJ-INPUT-003", JOBS.parameter, "unknown-id", codes.RESOURCE_NOT_FOUND),
    # qingcloud-wire.md:34: gaps, index 0 and duplicates are not documented either way.
    InvalidInput(
        "DCJ-ROBUST-001", None, "malformed-array", codes.INVALID_REQUEST_FORMAT, open=True
    ),
    # An empty jobs.n value: the schema wants an id, the page does not say what follows.
    InvalidInput(
        "DCJ-ROBUST-001", JOBS.parameter, "empty", codes.INVALID_REQUEST_FORMAT, open=True
    ),
)


def invalid_input(parameter: str | None, when: When) -> InvalidInput:
    """The class of ``parameter`` being ``when``; a KeyError lists the declared ones."""
    for declared in INVALID_INPUTS:
        if declared.parameter == parameter and declared.when == when:
            return declared
    known = ", ".join(f"{entry.parameter} {entry.when}" for entry in INVALID_INPUTS)
    raise KeyError(f"no invalid-input class {parameter} {when}; declared: {known}")


class Breach(NamedTuple):
    """One way a request falls into a refused class, and a sentence saying how."""

    input: InvalidInput
    reason: str


def breaches(params: Mapping[str, Any], *, known: Collection[str] | None = None) -> list[Breach]:
    """Every refused (not open) class decoded ``params`` fall into, in declaration order.

    ``params`` as ``wire.decode`` reads them: lists for the list filters, ints for the integer
    parameters written as integers (anything else stays a string). ``known``: every job id of the
    target, when the caller knows them all; without it no id counts as unknown.
    """
    found: list[Breach] = []
    for declared in INVALID_INPUTS:
        if declared.open or declared.parameter is None:
            continue
        reason = _breach(declared, declared.parameter, params.get(declared.parameter), known)
        if reason is not None:
            found.append(Breach(declared, reason))
    return found


def _breach(
    declared: InvalidInput, name: str, value: Any, known: Collection[str] | None
) -> str | None:
    when = declared.when
    if when == "missing":
        return f"{name} is missing" if value is None else None
    if when == "empty":
        return f"{name} is empty" if value == "" else None
    if when == "not-integer":
        return f"{name}={value!r} is not an integer" if isinstance(value, str) else None
    if not isinstance(value, list):
        return None
    if when == "not-in-enum":
        legal = _LEGAL.get(name) or ()
        illegal = [item for item in value if item not in legal]
        return f"{name} {illegal[0]!r} is not a {name}" if illegal else None
    if when == "unknown-id" and known is not None:
        # An empty value names no job at all: a malformed array, which the page leaves open.
        unknown = [item for item in value if isinstance(item, str) and item and item not in known]
        return f"{unknown[0]} is not a job the target has" if unknown else None
    return None


# --- what the page leaves open ------------------------------------------------------------------

#: Requests whose answer the page leaves to the server (qingcloud-wire.md, last section, items 1-3,
#: and the wire sheet's undocumented arrays, line 34): either a refusal or a listing is conformant.
#: An app the target has no jobs for is open too: the page says nothing of it. By name, with why.
LEFT_OPEN: Mapping[str, str] = {
    "verbose-not-0": f"{VERBOSE.name} other than {VERBOSE.default}: refused or read as "
    f"{VERBOSE.default} (qingcloud-wire.md:95)",
    "limit-above-cap": f"{LIMIT.name} above {MAX_LIMIT}: capped or refused (qingcloud-wire.md:97)",
    "limit-below-1": f"{LIMIT.name} of 0 or less: refused or served (qingcloud-wire.md:99)",
    "negative-offset": f"a negative {OFFSET.name}: refused or served (qingcloud-wire.md:99)",
    "malformed-array": "an array with gaps, index 0 or duplicates (qingcloud-wire.md:35)",
    "empty-job-id": f"an empty {JOBS.parameter}.n value: refused or served",
    "other-app": f"an {SCOPE} or a zone without jobs: an empty listing or an error (the page "
    "is silent)",
    "order": "the order of a listing (the page is silent)",
}


def left_open(
    params: Mapping[str, Any],
    *,
    app: str | None = None,
    zone: str | None = None,
    malformed: bool = False,
) -> str | None:
    """The ``LEFT_OPEN`` class decoded ``params`` fall into, or None. ``app`` and ``zone``: where
    the caller knows there are jobs (another app or zone is ``other-app``); ``malformed``: the
    encoding had a problem."""
    if malformed:
        return "malformed-array"
    verbose, limit, offset = (params.get(count.name) for count in (VERBOSE, LIMIT, OFFSET))
    if isinstance(verbose, int) and verbose != VERBOSE.default:
        return "verbose-not-0"
    if isinstance(limit, int) and limit > MAX_LIMIT:
        return "limit-above-cap"
    if isinstance(limit, int) and limit < 1:
        return "limit-below-1"
    if isinstance(offset, int) and offset < 0:
        return "negative-offset"
    jobs = params.get(JOBS.parameter)
    if jobs == "" or (isinstance(jobs, list) and "" in jobs):
        return "empty-job-id"
    for known, given in ((app, params.get(SCOPE)), (zone, params.get("zone"))):
        if known is not None and isinstance(given, str) and given and given != known:
            return "other-app"
    return None


# --- authentication -----------------------------------------------------------------------------

#: A request whose ``time_stamp`` is older than this, with no later ``expires``, is refused
#: (qingcloud-wire.md:31).
TIME_STAMP_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class AuthFailure:
    """One way a request's authentication is wrong, the rule it breaks and the code that follows.

    ``name`` is the recorder's verdict (cassettes/record.py); ``what`` describes such a request.
    """

    name: str
    rule: str
    code: int
    what: str


#: The failure modes, by name, in the recorder's order (qingcloud-wire.md:76 and :31).
AUTH_FAILURES: Mapping[str, AuthFailure] = {
    failure.name: failure
    for failure in (
        AuthFailure(
            "missing-signature", "DCJ-AUTH-001", codes.AUTH_FAILURE, "a request without a signature"
        ),
        AuthFailure(
            "bad-signature", "DCJ-AUTH-001", codes.AUTH_FAILURE, "a request with a wrong signature"
        ),
        AuthFailure(
            "unknown-key",
            "DCJ-AUTH-002",
            codes.AUTH_FAILURE,
            "a request signed with an unknown key",
        ),
        AuthFailure(
            "stale-time-stamp",
            "DCJ-AUTH-003",
            codes.REQUEST_HAS_EXPIRED,
            f"a request whose time_stamp was over {TIME_STAMP_WINDOW_SECONDS} s old",
        ),
    )
}

#: What signing adds to a request (qingcloud-wire.md:22-28); everything else is what it asks.
SIGNING_PARAMS: frozenset[str] = frozenset(
    {"access_key_id", "signature", "signature_method", "signature_version", "time_stamp", "expires"}
)
#: Parameters a server ignores and a recording need not match: the Python SDK's ``req_id``
#: (qingcloud-wire.md:29).
IGNORED_PARAMS: frozenset[str] = frozenset({"req_id"})
