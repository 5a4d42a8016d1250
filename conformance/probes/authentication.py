"""The authentication probe: a request signed wrongly, with an unknown key or too late is refused."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from conformance import wire
from conformance.contract import ACTION
from conformance.judgement.findings import Finding
from conformance.probes.rejections import rejection
from conformance.probes.run import NOT_JUDGED, Probe, Run, confirmed
from conformance.strategies.requests import (
    MUTATIONS,
    AuthMutation,
    auth_mutations,
    valid_parameters,
)


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
        found = rejection(
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
