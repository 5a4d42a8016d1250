"""The rejections probe: a request the page says is invalid is refused, with its code."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.contract import (
    ACTION,
    JOBS,
    LIMIT,
    OFFSET,
    SCOPE,
    STATUS,
    SUCCESSFUL,
    VERBOSE,
    InvalidInput,
    invalid_input,
)
from conformance.exchange import Exchange
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange, ret_code
from conformance.judgement.findings import Finding, findings
from conformance.judgement.verdicts import Refusal, rejection_deviations
from conformance.probes.run import Probe, Run
from conformance.strategies.requests import InvalidRequest, invalid_requests


def _invalid_cases(run: Run) -> st.SearchStrategy[InvalidRequest]:
    return invalid_requests(app=run.app, zone=run.client.zone, job_ids=run.universe.job_ids)


def _invalid_once(run: Run, case: InvalidRequest) -> list[Finding]:
    refusal = Refusal(case.rule, case.reason, case.expected_code)
    return rejection(run, run.client.send_pairs(case.pairs), refusal)


def rejection(run: Run, exchange: Exchange, refusal: Refusal) -> list[Finding]:
    """What an answer to a request that must be refused shows: the answer itself, and whether it
    refused, with the documented code (``judgement.verdicts.rejection_deviations``)."""
    found = check_exchange(exchange, run.profile)
    refused = rejection_deviations(ret_code(exchange), [refusal], run.profile)
    return found + findings(refused, exchange)


def _invalid_examples(run: Run) -> list[InvalidRequest]:
    base = (("action", ACTION), ("zone", run.client.zone))
    app = (SCOPE, run.app)
    unknown = "j-" + "0" * 11
    while unknown in run.universe.statuses:  # bounded: each turn changes the last digit it can
        unknown = (
            unknown[:-1] + str((int(unknown[-1]) + 1) % 10) if unknown[-1] != "9" else unknown + "0"
        )

    def example(declared: InvalidInput, reason: str, *pairs: tuple[str, str]) -> InvalidRequest:
        return InvalidRequest((*base, *pairs), declared.rule, reason, declared.code)

    status, jobs = f"{STATUS.parameter}.1", f"{JOBS.parameter}.1"
    illegal_status = invalid_input(STATUS.parameter, "not-in-enum")
    unknown_job = invalid_input(JOBS.parameter, "unknown-id")
    # Near misses of a legal value: a prefix, a suffix, surrounding space, another case.
    near_statuses = (SUCCESSFUL[:-3], SUCCESSFUL + "s", f" {SUCCESSFUL} ", SUCCESSFUL.capitalize())
    known = run.universe.job_ids[:1]
    near_jobs = [
        near
        for job_id in known
        for near in (job_id[:-1], job_id.upper())
        if near not in run.universe.statuses
    ]
    return [
        example(invalid_input(SCOPE, "missing"), f"{SCOPE} is missing"),
        example(invalid_input(SCOPE, "empty"), f"{SCOPE} is empty", (SCOPE, "")),
        *(
            example(illegal_status, f"{status}={value!r} is not a status", app, (status, value))
            for value in ("done", *near_statuses, "")
        ),
        *(
            example(unknown_job, f"{value} is not a job of the target", app, (jobs, value))
            for value in (unknown, *near_jobs)
        ),
        *(
            example(
                invalid_input(name, "not-integer"),
                f"{name}={value!r} is not an integer",
                app,
                (name, value),
            )
            for name, value in ((LIMIT.name, "abc"), (OFFSET.name, "1.5"), (VERBOSE.name, "x"))
        ),
    ]


REJECTIONS = Probe(
    "rejections",
    cases.REFUSED_INPUT,
    _invalid_cases,
    _invalid_once,
    _invalid_examples,
)
