"""The rejections probe: a request the page says is invalid is refused, with its code."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance import codes
from conformance.contract import (
    ACTION,
    JOBS,
    LIMIT,
    OFFSET,
    SCOPE,
    STATUS,
    VERBOSE,
    InvalidInput,
    invalid_input,
)
from conformance.exchange import Exchange
from conformance.judgement.exchanges import check_exchange, deviation, ret_code
from conformance.judgement.findings import Finding, findings
from conformance.probes.run import Probe, Run, confirmed
from conformance.strategies.requests import InvalidRequest, invalid_requests


def _invalid_cases(run: Run) -> st.SearchStrategy[InvalidRequest]:
    return invalid_requests(app=run.app, zone=run.client.zone, job_ids=run.universe.job_ids)


def _invalid_run(run: Run, case: InvalidRequest) -> list[Finding] | None:
    return confirmed(
        lambda: rejection(
            run, run.client.send_pairs(case.pairs), case.rule, case.expected_code, case.reason
        )
    )


def rejection(
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
    app = (SCOPE, run.app)
    unknown = "j-" + "0" * 11
    while unknown in run.universe.statuses:  # bounded: each turn changes the last digit it can
        unknown = (
            unknown[:-1] + str((int(unknown[-1]) + 1) % 10) if unknown[-1] != "9" else unknown + "0"
        )

    def example(declared: InvalidInput, reason: str, *pairs: tuple[str, str]) -> InvalidRequest:
        return InvalidRequest((*base, *pairs), declared.rule, reason, declared.code)

    status, jobs = f"{STATUS.parameter}.1", f"{JOBS.parameter}.1"
    return [
        example(invalid_input(SCOPE, "missing"), f"{SCOPE} is missing"),
        example(invalid_input(SCOPE, "empty"), f"{SCOPE} is empty", (SCOPE, "")),
        example(
            invalid_input(STATUS.parameter, "not-in-enum"),
            f"{status}='done' is not a status",
            app,
            (status, "done"),
        ),
        example(
            invalid_input(JOBS.parameter, "unknown-id"),
            f"{unknown} is not a job of the target",
            app,
            (jobs, unknown),
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
