"""The authentication probe: a request signed wrongly, with an unknown key or too late is refused."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from conformance import wire
from conformance.contract import ACTION
from conformance.judgement import cases
from conformance.judgement.findings import Finding
from conformance.judgement.verdicts import Refusal
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
        return NOT_JUDGED  # the target signs nothing, so it checks nothing (probes/exercise.py)
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
        refusal = Refusal(mutation.rule, f"a request with {mutation.name}", mutation.expected_code)
        found = rejection(run, exchange, refusal)
        return [dataclasses.replace(finding, mutation=mutation.name) for finding in found]

    return confirmed(once)


def _auth_examples(run: Run) -> list[tuple[AuthMutation, dict[str, Any]]]:
    return [(mutation, {"app": run.app, "limit": 1}) for mutation in MUTATIONS.values()]


AUTHENTICATION = Probe(
    "authentication",
    cases.REFUSED_AUTH | {mutation.rule for mutation in MUTATIONS.values()},
    _auth_cases,
    _auth_run,
    _auth_examples,
)
