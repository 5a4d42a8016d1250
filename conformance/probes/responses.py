"""The responses probe: valid requests, and every rule one response can show."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.contract import FAILED, MAX_LIMIT, SUCCESSFUL
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange
from conformance.judgement.findings import Finding, findings
from conformance.judgement.verdicts import page_fullness
from conformance.probes.run import Probe, Run, confirmed
from conformance.strategies.requests import valid_parameters


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
        run.served(exchange, meant)
        return [
            *check_exchange(exchange, run.profile, params=meant),
            *findings(page_fullness(exchange, meant, run.profile), exchange),
        ]

    return confirmed(once)


def _valid_examples(run: Run) -> list[tuple[dict[str, Any], str]]:
    app, total, known = run.app, run.universe.total, run.universe.job_ids
    examples: list[dict[str, Any]] = [
        {"app": app},
        {"app": app, "limit": MAX_LIMIT + 1},
        {"app": app, "limit": 1000},
        {"app": app, "limit": 1, "offset": max(0, total - 1)},
        {"app": app, "offset": total},
        {"app": app, "status": [SUCCESSFUL, FAILED], "limit": MAX_LIMIT},
    ]
    if known:
        examples.append({"app": app, "jobs": list(known[:3]), "verbose": 0})
    return [(params, "GET") for params in examples] + [({"app": app, "limit": 5}, "POST")]


RESPONSES = Probe(
    "responses",
    cases.ANSWER,
    _valid_cases,
    _valid_run,
    _valid_examples,
)
