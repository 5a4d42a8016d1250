"""The kinds of case the suite sends and the judge reads, and the rules each is judged by.

Each set is generated from the checks a case goes through (``conformance.registry``): a rule a check
starts to emit is judged by every kind of case that runs the check. The live probes own these rules
(``conformance.probes``), and the offline judge counts a recorded case of a kind as applying them
(``conformance.cassettes.judge``); a refusal's own rule comes from what is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance import validate
from conformance.contract import (
    AUTH_FAILURES,
    INVALID_INPUTS,
    JOBS,
    LIMIT,
    MAX_LIMIT,
    OFFSET,
    STATUS,
)
from conformance.jsontext import is_int
from conformance.judgement.exchanges import transport_deviations
from conformance.judgement.verdicts import (
    filtered_listing_deviations,
    lifecycle_deviations,
    page_fullness,
    paging_walk_deviations,
    rejection_deviations,
)
from conformance.registry import rules_of

#: A documented request's answer: everything a success page shows, by itself and against the
#: request, and whether it holds all it should.
ANSWER = rules_of(transport_deviations, *validate.SUCCESS_CHECKS, page_fullness)

#: A request the page says is invalid: refused with a well-formed error and the documented code
#: (the rule of each refused class of input, declared in the contract).
REFUSED_INPUT = rules_of(
    transport_deviations, *validate.ERROR_CHECKS, rejection_deviations
) | frozenset(declared.rule for declared in INVALID_INPUTS if not declared.open)

#: A request whose authentication is wrong: refused with a well-formed error and the documented
#: code. Not the transport rules: against a target that takes unsigned requests no such case is
#: judged, and a rule a probe could not judge is not judged at all (``probes.search``), while every
#: other kind of case judges the transport.
REFUSED_AUTH = rules_of(*validate.ERROR_CHECKS, rejection_deviations) | frozenset(
    failure.rule for failure in AUTH_FAILURES.values()
)

#: An input the page leaves open: served or refused, never a crash; served, its page keeps the page
#: bounds; refused, its error is well formed.
ODD = rules_of(transport_deviations, *validate.ERROR_CHECKS, *validate.BOUNDS_CHECKS)

#: A walk of pages with a filter: the matching part of the listing, with its total; and no job
#: moved back in its lifecycle between the listings around it.
FILTERED_WALK = rules_of(filtered_listing_deviations, lifecycle_deviations)

#: A walk of pages of one limit: the listing tiled, with its total; and no job moved back in its
#: lifecycle between the listings around it.
PAGING_WALK = rules_of(paging_walk_deviations, lifecycle_deviations)


# --- what one served answer could have broken -----------------------------------------------------

#: The rules of ``ANSWER`` that not every answer can break: only a listing served for a documented
#: request, with what the rule is about in it. A rule no such answer exercised is not judged (live:
#: ``probes.search``; offline: ``cassettes.judge``), whatever the probe's other answers were.
ANSWER_DEPENDENT = frozenset(ANSWER - {"DCJ-RESP-001", "DCJ-RESP-002", "DCJ-ROBUST-001"})

_ABOUT_JOBS = frozenset(
    rule_id
    for rule_id in ANSWER_DEPENDENT
    if rule_id.startswith(("DCJ-ITEM-", "DCJ-DIRECTIVE-", "DCJ-CONSIST-"))
) | {"DCJ-FILTER-003", "DCJ-PAGE-003"}
_ANY_LISTING = frozenset(
    {"DCJ-RESP-003", "DCJ-RESP-004", "DCJ-RESP-005", "DCJ-RESP-006", "DCJ-RESP-007"}
)

#: Why a rule of ``ANSWER_DEPENDENT`` was not exercised, when no answer applied it.
UNSERVED = {
    "DCJ-PAGE-001": f"no request for more than {MAX_LIMIT} jobs was served a listing that had them",
    "DCJ-PAGE-002": "no request with a limit was served a listing longer than that limit",
    "DCJ-PAGE-004": "no request with a limit was served a listing that had jobs to show",
    "DCJ-PAGE-006": "no request without a limit was served a listing that had jobs to show",
    "DCJ-FILTER-001": "no request with a status filter was served a listing",
    "DCJ-FILTER-002": "no request with a job filter was served a listing",
}
SERVED_NO_JOB = "no valid request was served a listing that held a job"
SERVED_NOTHING = "no valid request was served a listing (the target refused them all)"


def answer_rules(document: object, params: Mapping[str, Any]) -> frozenset[str]:
    """The rules of ``ANSWER`` that ``document``, served for the documented request ``params``,
    could have broken: the transport and body rules always; the rest only when the answer is a
    listing (``job_set`` a list), with what the rule is about in it — jobs for the job rules, a
    filter asked for, a limit the listing could overflow."""
    always = ANSWER - ANSWER_DEPENDENT
    if not isinstance(document, dict) or not isinstance(document.get("job_set"), list):
        return always
    jobs = document["job_set"]
    total = document.get("total_count")
    offset = params.get(OFFSET.name, 0)
    left = total - offset if is_int(total) and is_int(offset) else len(jobs)
    limit = params.get(LIMIT.name)
    exercised = set(always | _ANY_LISTING)
    if jobs:
        exercised |= _ABOUT_JOBS
    if params.get(STATUS.parameter):
        exercised.add(STATUS.rule)
    if params.get(JOBS.parameter):
        exercised.add(JOBS.rule)
    if is_int(limit):
        if left > 0:
            exercised.add("DCJ-PAGE-004")
        if left > limit:
            exercised.add("DCJ-PAGE-002")
        if limit > MAX_LIMIT and left > MAX_LIMIT:
            exercised.add("DCJ-PAGE-001")
    elif left > 0:
        exercised.add("DCJ-PAGE-006")
    return frozenset(exercised & ANSWER)


def unserved(rule_id: str) -> str:
    """Why ``rule_id`` (of ``ANSWER_DEPENDENT``) was not exercised by any served answer."""
    if rule_id in UNSERVED:
        return UNSERVED[rule_id]
    return SERVED_NO_JOB if rule_id in _ABOUT_JOBS else SERVED_NOTHING
