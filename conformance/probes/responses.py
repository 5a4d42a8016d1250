"""The responses probe: valid requests, and every rule one response can show."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

from conformance.contract import (
    DEFAULT_LIMIT,
    FAILED,
    LIMIT,
    MAX_LIMIT,
    STATUSES,
    SUCCESSFUL,
)
from conformance.judgement import cases
from conformance.judgement.exchanges import check_exchange
from conformance.judgement.findings import Finding, findings
from conformance.judgement.verdicts import page_fullness
from conformance.probes.run import Probe, Run
from conformance.strategies.requests import valid_parameters


def _valid_cases(run: Run) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    return st.tuples(
        valid_parameters(app=run.app, job_ids=run.universe.job_ids, total=run.universe.total),
        st.sampled_from(("GET", "POST")),
    )


def _valid_once(run: Run, case: tuple[dict[str, Any], str]) -> list[Finding]:
    params, verb = case
    exchange = run.client.call(params, verb=verb)
    meant = exchange.params or params
    run.served(exchange, meant)
    return [
        *check_exchange(exchange, run.profile, params=meant),
        *findings(page_fullness(exchange, meant, run.profile), exchange),
    ]


def _valid_examples(run: Run) -> list[tuple[dict[str, Any], str]]:
    """One page per boundary the page names, each judged by every rule one answer can show.

    The limits around the default and the cap (100 itself is what learning read), the default,
    offsets inside, at and past the end, each status alone and in pairs, ``jobs.n`` with 1, 2 and
    more than 10 ids, both filters together, and a POST.
    """
    app, total, known = run.app, run.universe.total, run.universe.job_ids
    limits = [limit for limit in (*LIMIT.boundaries, 1000) if limit != MAX_LIMIT]
    examples: list[dict[str, Any]] = [
        {"app": app},
        *({"app": app, "limit": limit} for limit in limits if limit != 1),
        {"app": app, "limit": 1, "offset": max(0, total - 1)},
        {"app": app, "limit": DEFAULT_LIMIT, "offset": min(DEFAULT_LIMIT, total)},
        {"app": app, "offset": total},
        {"app": app, "offset": total + DEFAULT_LIMIT},
        *(
            {"app": app, "status": list(chosen), "limit": MAX_LIMIT}
            for size in (1, 2)
            for chosen in itertools.combinations(STATUSES, size)
        ),
    ]
    for size in (1, 2, 12):
        if len(known) >= size:
            examples.append({"app": app, "jobs": list(known[:size]), "verbose": 0})
    if len(known) >= 2:
        examples.append({"app": app, "status": [SUCCESSFUL, FAILED], "jobs": list(known[:6])})
    return [(params, "GET") for params in examples] + [({"app": app, "limit": 5}, "POST")]


RESPONSES = Probe(
    "responses",
    cases.ANSWER,
    _valid_cases,
    _valid_once,
    _valid_examples,
)
