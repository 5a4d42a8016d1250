"""Probes: hypothesis-driven scenarios, each able to show a set of rules.

A probe draws a case from what the target holds (``cases``) and runs it (``run``), returning every
finding. The suite runs each probe once for all its rules, then searches out each rule it saw broken
on its own, so hypothesis shrinks each rule's failure separately (``search``).

Every probe re-runs a case that showed a violation before it reports it, and keeps only the rules
seen both times: a server whose data changed between two calls is never reported for the change.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from conformance import codes, wire
from conformance.checks.exchanges import body, check_exchange, deviation, ret_code
from conformance.checks.findings import Finding, findings
from conformance.checks.universe import (
    Universe,
    bracketed,
    filtered_listing_deviations,
    has_job_id,
    is_listing,
)
from conformance.client import ACTION, Client
from conformance.deviation import Deviation, Profile, Severity
from conformance.exchange import Exchange
from conformance.jsontext import is_int
from conformance.strategies import STATUSES
from conformance.strategies.requests import (
    MUTATIONS,
    AuthMutation,
    InvalidRequest,
    OddRequest,
    auth_mutations,
    invalid_requests,
    odd_requests,
    valid_parameters,
)
from conformance.validate import DEFAULT_LIMIT, MAX_LIMIT

if TYPE_CHECKING:
    from conformance.checks.search import Survey

# A paging walk never takes more than this many pages: the smallest limit drawn is chosen so that
# the whole listing fits.
MAX_WALK = 20


@dataclass
class Run:
    """What every probe needs: the client, the app, the profile, and the universe learned at start.

    ``surveys`` holds, per probe, what its one run in this process saw (``search.survey``), and
    ``partial`` what a survey under way (or cut short by a stopped run) has seen so far; ``learned``
    what the listing pages read at start-up show (``judged_learning``); ``checks`` counts rules
    judged on cases (see ``search``).
    """

    client: Client
    app: str
    profile: Profile
    universe: Universe
    max_pages: int = 5
    surveys: dict[str, Survey] = dataclasses.field(default_factory=dict)
    partial: dict[str, Survey] = dataclasses.field(default_factory=dict)
    learned: list[Finding] = dataclasses.field(default_factory=list)
    checks: int = 0


def judged_learning(universe: Universe, profile: Profile) -> list[Finding]:
    """What the listing pages read to learn the jobs show: learning judges, it does not give up."""
    return [
        finding
        for exchange in universe.exchanges
        for finding in check_exchange(exchange, profile, params=exchange.params)
    ]


@dataclass(frozen=True)
class Probe:
    """A scenario: ``cases`` draws inputs from the run, ``run`` sends them and returns findings, or
    ``NOT_JUDGED`` when the answers gave it nothing to compare (no listing it could read): a probe
    that judged no case leaves its rules not exercised, never passed.

    ``examples`` are the boundary cases tried first on every run, whatever the example budget:
    random search should find the rest, not the cases the page names.
    """

    name: str
    rules: frozenset[str]
    cases: Callable[[Run], st.SearchStrategy[Any]]
    run: Callable[[Run, Any], list[Finding] | None]
    examples: Callable[[Run], list[Any]] = lambda run: []


#: What a probe's ``run`` returns for a case it could not judge.
NOT_JUDGED = None


def confirmed(once: Callable[[], list[Finding] | None]) -> list[Finding] | None:
    """Findings of ``once`` whose violations show again when it is run a second time."""
    first = once()
    if first is NOT_JUDGED or not any(f.deviation.severity is Severity.VIOLATION for f in first):
        return first
    again = once() or []
    seen_again = {f.rule for f in again}
    return [f for f in again if f.rule in {f.rule for f in first} & seen_again]


# --- valid requests: every response rule ---------------------------------------------------------


def _valid_cases(run: Run) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    return st.tuples(
        valid_parameters(app=run.app, job_ids=run.universe.job_ids, total=run.universe.total),
        st.sampled_from(("GET", "POST")),
    )


def _valid_run(run: Run, case: tuple[dict[str, Any], str]) -> list[Finding] | None:
    params, verb = case

    def once() -> list[Finding]:
        exchange = run.client.call(params, verb=verb)
        meant = exchange.params or params
        return [
            *check_exchange(exchange, run.profile, params=meant),
            *findings(page_fullness(exchange, meant, run.profile), exchange),
        ]

    return confirmed(once)


def page_fullness(
    exchange: Exchange, params: Mapping[str, Any], profile: Profile
) -> list[Deviation]:
    """A page holds all it should: ``min(limit, total_count - offset)`` jobs, by its own total."""
    document = body(exchange)
    if not isinstance(document, dict) or document.get("ret_code") != 0:
        return []
    jobs, total = document.get("job_set"), document.get("total_count")
    offset, limit = params.get("offset", 0), params.get("limit", DEFAULT_LIMIT)
    if (
        not isinstance(jobs, list)
        or not all(is_int(v) for v in (total, offset, limit))
        or limit < 1
        or offset < 0
    ):
        return []
    remaining = max(0, total - offset)
    expected = min(limit, MAX_LIMIT, remaining)
    rule = "DCJ-PAGE-004" if "limit" in params else "DCJ-PAGE-006"
    said = f"limit={limit}" if "limit" in params else f"no limit (the default is {DEFAULT_LIMIT})"
    if len(jobs) < expected:
        return [
            deviation(
                rule,
                profile,
                f"a short page: total_count={total}, offset={offset} and {said} call for "
                f"{expected} jobs, the page holds {len(jobs)}",
                expected=expected,
                actual=len(jobs),
                pointer="/job_set",
            )
        ]
    if len(jobs) > remaining:
        return [
            deviation(
                "DCJ-PAGE-004",
                profile,
                f"total_count={total} and offset={offset} leave {remaining} jobs, "
                f"the page holds {len(jobs)}",
                expected=f"at most {remaining}",
                actual=len(jobs),
                pointer="/job_set",
            )
        ]
    return []


def _valid_examples(run: Run) -> list[tuple[dict[str, Any], str]]:
    app, total, known = run.app, run.universe.total, run.universe.job_ids
    examples: list[dict[str, Any]] = [
        {"app": app},
        {"app": app, "limit": 101},
        {"app": app, "limit": 1000},
        {"app": app, "limit": 1, "offset": max(0, total - 1)},
        {"app": app, "offset": total},
        {"app": app, "status": ["successful", "failed"], "limit": 100},
    ]
    if known:
        examples.append({"app": app, "jobs": list(known[:3]), "verbose": 0})
    return [(params, "GET") for params in examples] + [({"app": app, "limit": 5}, "POST")]


RESPONSES = Probe(
    "responses",
    frozenset(
        {
            "DCJ-RESP-001",
            "DCJ-RESP-002",
            "DCJ-RESP-003",
            "DCJ-RESP-004",
            "DCJ-RESP-005",
            "DCJ-RESP-006",
            "DCJ-RESP-007",
            "DCJ-ITEM-001",
            "DCJ-ITEM-002",
            "DCJ-ITEM-003",
            "DCJ-ITEM-004",
            "DCJ-ITEM-006",
            "DCJ-ITEM-007",
            "DCJ-DIRECTIVE-001",
            "DCJ-DIRECTIVE-002",
            "DCJ-DIRECTIVE-003",
            "DCJ-CONSIST-001",
            "DCJ-CONSIST-002",
            "DCJ-CONSIST-003",
            "DCJ-CONSIST-004",
            "DCJ-PAGE-001",
            "DCJ-PAGE-002",
            "DCJ-PAGE-003",
            "DCJ-PAGE-004",
            "DCJ-PAGE-006",
            "DCJ-FILTER-001",
            "DCJ-FILTER-002",
            "DCJ-FILTER-003",
            "DCJ-ROBUST-001",
        }
    ),
    _valid_cases,
    _valid_run,
    _valid_examples,
)


# --- filters: the filtered listing is exactly the matching part of the whole ----------------------


@dataclass(frozen=True)
class Filter:
    """A status filter, a job filter, or both (None: not given)."""

    statuses: tuple[str, ...] | None
    job_ids: tuple[str, ...] | None

    def params(self) -> dict[str, Any]:
        """The filter as request parameters."""
        given = {"status": list(self.statuses or ()), "jobs": list(self.job_ids or ())}
        return {name: values for name, values in given.items() if values}

    def matches(self, job_id: str, status: str) -> bool:
        """Whether a job with ``status`` passes the filter."""
        return (self.statuses is None or status in self.statuses) and (
            self.job_ids is None or job_id in self.job_ids
        )


def _filter_cases(run: Run) -> st.SearchStrategy[Filter]:
    statuses = st.lists(st.sampled_from(STATUSES), min_size=1, max_size=4, unique=True).map(tuple)
    known = run.universe.job_ids
    job_ids = (
        st.lists(st.sampled_from(known), min_size=1, max_size=min(12, len(known)), unique=True).map(
            tuple
        )
        if known
        else st.none()
    )
    return st.one_of(
        st.builds(Filter, statuses=statuses, job_ids=st.none()),
        st.builds(Filter, statuses=st.none(), job_ids=job_ids),
        st.builds(Filter, statuses=statuses, job_ids=job_ids),
    )


def _filter_run(run: Run, case: Filter) -> list[Finding] | None:
    return confirmed(lambda: _filter_once(run, case))


def _filter_once(run: Run, case: Filter) -> list[Finding] | None:
    pages: list[Exchange] = []

    def walk() -> Iterable[Exchange]:
        for page in range(run.max_pages):
            exchange = run.client.call(
                {"app": run.app, **case.params(), "limit": MAX_LIMIT, "offset": page * MAX_LIMIT}
            )
            pages.append(exchange)
            document = body(exchange)
            if not is_listing(document) or (page + 1) * MAX_LIMIT >= document["total_count"]:
                break
        return pages

    bracket, _ = bracketed(run.client, run.app, max_pages=run.max_pages, check=walk)
    documents = [body(page) for page in pages]
    if not pages or not all(is_listing(document) for document in documents):
        return NOT_JUDGED  # an error or a malformed page: the response probes report those
    returned = [
        job["job_id"] for document in documents for job in document["job_set"] if has_job_id(job)
    ]
    last = pages[-1]
    if not (bracket.complete or case.job_ids is not None):
        return NOT_JUDGED  # a status filter needs every job of the listing to compare with
    out = filtered_listing_deviations(
        bracket,
        must=bracket.must_match(case.matches),
        may=bracket.may_match(case.matches),
        returned=returned,
        totals=(document["total_count"] for document in documents),
        walked_all=len(returned) >= documents[-1]["total_count"] or len(pages) < run.max_pages,
        requested=len(case.job_ids or ()),
        shown=case.params(),
        profile=run.profile,
    )
    return findings(out, *pages[-3:]) if out else findings([], last)


def _filter_examples(run: Run) -> list[Filter]:
    known = run.universe.job_ids
    examples = [Filter(statuses=(status,), job_ids=None) for status in STATUSES]
    if len(known) >= 2:
        examples += [Filter(None, tuple(known[:2])), Filter(("successful",), tuple(known[:6]))]
    return examples


FILTERS = Probe(
    "filters",
    frozenset({"DCJ-FILTER-004", "DCJ-PAGE-005"}),
    _filter_cases,
    _filter_run,
    _filter_examples,
)


# --- paging: pages of any limit tile the listing ---------------------------------------------------


def _paging_cases(run: Run) -> st.SearchStrategy[int]:
    smallest = (
        max(1, math.ceil(run.universe.total / MAX_WALK)) if run.universe.complete else MAX_LIMIT
    )
    boundaries = [k for k in (1, 19, 20, 21, 99, 100) if k >= smallest]
    return st.one_of(
        st.sampled_from(boundaries or [MAX_LIMIT]), st.integers(min(smallest, MAX_LIMIT), MAX_LIMIT)
    )


def _paging_run(run: Run, limit: int) -> list[Finding] | None:
    return confirmed(lambda: _paging_once(run, limit))


def _paging_once(run: Run, limit: int) -> list[Finding] | None:
    pages: list[Exchange] = []

    def walk() -> Iterable[Exchange]:
        for page in range(MAX_WALK):
            exchange = run.client.call({"app": run.app, "limit": limit, "offset": page * limit})
            pages.append(exchange)
            document = body(exchange)
            if (
                not is_listing(document)
                or not document["job_set"]
                or (page + 1) * limit >= document["total_count"]
            ):
                break
        return pages

    bracket, _ = bracketed(run.client, run.app, max_pages=run.max_pages, check=walk)
    documents = [body(page) for page in pages]
    if not pages or not all(is_listing(document) for document in documents):
        return NOT_JUDGED
    returned = [
        job["job_id"] for document in documents for job in document["job_set"] if has_job_id(job)
    ]
    arrivals = max(0, bracket.after.total - bracket.before.total)
    out: list[Deviation] = []
    repeated = [job for job, times in Counter(returned).items() if times > 1]
    # A job that arrives during the walk pushes the rest down one place, so the next page shows one
    # job again: up to one repeat per arrival is the listing moving, not the paging failing.
    if len(returned) - len(set(returned)) > arrivals:
        out.append(
            deviation(
                "DCJ-PAGE-004",
                run.profile,
                f"pages of limit={limit} repeat jobs: {', '.join(sorted(repeated)[:10])}",
                expected="each job on one page",
                actual=sorted(repeated)[:10],
                pointer="/job_set",
            )
        )
    walked_all = len(pages) < MAX_WALK
    if walked_all and bracket.complete:
        missing = sorted(bracket.must_match(lambda _job, _status: True) - set(returned))
        if missing:
            out.append(
                deviation(
                    "DCJ-PAGE-004",
                    run.profile,
                    f"pages of limit={limit} skip jobs of the listing: {', '.join(missing[:10])}",
                    expected="every job on some page",
                    actual=missing[:10],
                    pointer="/job_set",
                )
            )
    for index, document in enumerate(documents):
        total = document["total_count"]
        if not bracket.before.total <= total <= bracket.after.total:
            out.append(
                deviation(
                    "DCJ-PAGE-005",
                    run.profile,
                    f"total_count is {total} on page {index + 1} (limit={limit}), but the listing holds "
                    f"{bracket.before.total} to {bracket.after.total} jobs",
                    expected=f"between {bracket.before.total} and {bracket.after.total}",
                    actual=total,
                    pointer="/total_count",
                )
            )
            break
    return findings(out, *pages[-3:])


def _paging_examples(run: Run) -> list[int]:
    smallest = (
        max(1, math.ceil(run.universe.total / MAX_WALK)) if run.universe.complete else MAX_LIMIT
    )
    return sorted({max(smallest, limit) for limit in (smallest, 20, MAX_LIMIT)})


PAGING = Probe(
    "paging",
    frozenset({"DCJ-PAGE-004", "DCJ-PAGE-005"}),
    _paging_cases,
    _paging_run,
    _paging_examples,
)


# --- invalid requests are rejected ------------------------------------------------------------------


def _invalid_cases(run: Run) -> st.SearchStrategy[InvalidRequest]:
    return invalid_requests(app=run.app, zone=run.client.zone, job_ids=run.universe.job_ids)


def _invalid_run(run: Run, case: InvalidRequest) -> list[Finding] | None:
    return confirmed(
        lambda: _rejection(
            run, run.client.send_pairs(case.pairs), case.rule, case.expected_code, case.reason
        )
    )


def _rejection(
    run: Run, exchange: Exchange, rule: str, expected_code: int, reason: str
) -> list[Finding]:
    found = check_exchange(exchange, run.profile)
    code = ret_code(exchange)
    if code == 0:
        found += findings(
            [
                deviation(
                    rule,
                    run.profile,
                    f"accepted: {reason}",
                    expected="an error (ret_code ≠ 0)",
                    actual=0,
                    pointer="/ret_code",
                )
            ],
            exchange,
        )
    elif code is not None and code != expected_code:
        found += findings(
            [
                deviation(
                    "DCJ-ERROR-002",
                    run.profile,
                    f"rejected with ret_code {code}, not {expected_code}: {reason}",
                    expected=f"{expected_code} {codes.TOKENS.get(expected_code, '')}".strip(),
                    actual=code,
                    pointer="/ret_code",
                )
            ],
            exchange,
        )
    return found


def _invalid_examples(run: Run) -> list[InvalidRequest]:
    base = (("action", ACTION), ("zone", run.client.zone))
    app = ("app", run.app)
    unknown = "j-" + "0" * 11
    while unknown in run.universe.statuses:  # bounded: each turn changes the last digit it can
        unknown = (
            unknown[:-1] + str((int(unknown[-1]) + 1) % 10) if unknown[-1] != "9" else unknown + "0"
        )
    fmt, missing = codes.INVALID_REQUEST_FORMAT, codes.RESOURCE_NOT_FOUND
    return [
        InvalidRequest(base, "DCJ-INPUT-001", "app is missing", fmt),
        InvalidRequest((*base, ("app", "")), "DCJ-INPUT-001", "app is empty", fmt),
        InvalidRequest(
            (*base, app, ("status.1", "done")),
            "DCJ-INPUT-002",
            "status.1='done' is not a status",
            fmt,
        ),
        InvalidRequest(
            (*base, app, ("jobs.1", unknown)),
            "DCJ-INPUT-003",
            f"{unknown} is not a job of the target",
            missing,
        ),
        InvalidRequest(
            (*base, app, ("limit", "abc")), "DCJ-INPUT-004", "limit='abc' is not an integer", fmt
        ),
        InvalidRequest(
            (*base, app, ("offset", "1.5")), "DCJ-INPUT-004", "offset='1.5' is not an integer", fmt
        ),
        InvalidRequest(
            (*base, app, ("verbose", "x")), "DCJ-INPUT-004", "verbose='x' is not an integer", fmt
        ),
    ]


REJECTIONS = Probe(
    "rejections",
    frozenset(
        {
            "DCJ-INPUT-001",
            "DCJ-INPUT-002",
            "DCJ-INPUT-003",
            "DCJ-INPUT-004",
            "DCJ-ERROR-001",
            "DCJ-ERROR-002",
            "DCJ-ROBUST-001",
            "DCJ-RESP-002",
        }
    ),
    _invalid_cases,
    _invalid_run,
    _invalid_examples,
)


# --- inputs the page leaves open: served or rejected, never a crash ---------------------------------


def _odd_cases(run: Run) -> st.SearchStrategy[OddRequest]:
    return odd_requests(app=run.app, zone=run.client.zone)


def _odd_run(run: Run, case: OddRequest) -> list[Finding] | None:
    return confirmed(lambda: check_exchange(run.client.send_pairs(case.pairs), run.profile))


def _odd_examples(run: Run) -> list[OddRequest]:
    base = (("action", ACTION), ("zone", run.client.zone), ("app", run.app))
    return [
        OddRequest((*base, ("offset", "-1")), "a negative offset"),
        OddRequest((*base, ("limit", "0")), "limit=0"),
        OddRequest((*base, ("verbose", "1")), "verbose=1, as the Python SDK sends it"),
        OddRequest((*base, ("jobs.0", "j-00000000")), "an array index 0"),
    ]


ODDITIES = Probe(
    "oddities",
    frozenset({"DCJ-ROBUST-001", "DCJ-RESP-002", "DCJ-PAGE-001", "DCJ-ERROR-001"}),
    _odd_cases,
    _odd_run,
    _odd_examples,
)


# --- authentication mutations are rejected ----------------------------------------------------------


def _auth_cases(run: Run) -> st.SearchStrategy[tuple[AuthMutation, dict[str, Any]]]:
    return st.tuples(
        auth_mutations(),
        valid_parameters(app=run.app, job_ids=run.universe.job_ids, total=run.universe.total),
    )


def _auth_run(run: Run, case: tuple[AuthMutation, dict[str, Any]]) -> list[Finding] | None:
    mutation, params = case
    credentials = run.client.target.credentials
    if credentials is None:
        return NOT_JUDGED  # the target signs nothing, so it checks nothing (checks/exercise.py)
    full = {"action": ACTION, "zone": run.client.zone, **params}
    pairs = mutation.apply(
        wire.encode(full),
        credentials,
        now=run.client.clock(),
        verb="GET",
        path=run.client.target.path,
    )

    def once() -> list[Finding]:
        exchange = run.client.send_pairs(pairs, sign=False)
        found = _rejection(
            run, exchange, mutation.rule, mutation.expected_code, f"a request with {mutation.name}"
        )
        return [dataclasses.replace(finding, mutation=mutation.name) for finding in found]

    return confirmed(once)


def _auth_examples(run: Run) -> list[tuple[AuthMutation, dict[str, Any]]]:
    return [(mutation, {"app": run.app, "limit": 1}) for mutation in MUTATIONS.values()]


AUTHENTICATION = Probe(
    "authentication",
    frozenset({"DCJ-AUTH-001", "DCJ-AUTH-002", "DCJ-AUTH-003", "DCJ-ERROR-001", "DCJ-ERROR-002"}),
    _auth_cases,
    _auth_run,
    _auth_examples,
)


PROBES: tuple[Probe, ...] = (RESPONSES, FILTERS, PAGING, REJECTIONS, ODDITIES, AUTHENTICATION)


def probes_for(rule_id: str) -> tuple[Probe, ...]:
    """The probes that can show ``rule_id``, in catalogue order (empty: no probe can)."""
    return tuple(probe for probe in PROBES if rule_id in probe.rules)
