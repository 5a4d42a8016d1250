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
from conformance.probes.run import NOT_JUDGED, Probe, Run
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


def _auth_once(run: Run, case: tuple[AuthMutation, dict[str, Any]]) -> list[Finding] | None:
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
    exchange = run.client.send_pairs(pairs, sign=False)
    refusal = Refusal(mutation.rule, f"a request with {mutation.label}", mutation.expected_code)
    found = rejection(run, exchange, refusal)
    return [dataclasses.replace(finding, mutation=mutation.label) for finding in found]


# The signed parameters a change after signing is tried on: each one the wire sheet gives a
# meaning to and the boundary request carries (the key id and the time are mutations of their own).
_CHANGED = ("app", "limit", "zone", "time_stamp", "signature_method")


def _auth_examples(run: Run) -> list[tuple[AuthMutation, dict[str, Any]]]:
    """Every mutation, and a change after signing of every signed parameter."""
    params = {"app": run.app, "limit": 1}
    changed = MUTATIONS["changed-after-signing"]
    return [(mutation, params) for mutation in MUTATIONS.values()] + [
        (dataclasses.replace(changed, changed=name), params) for name in _CHANGED if name != "limit"
    ]


AUTHENTICATION = Probe(
    "authentication",
    cases.REFUSED_AUTH | {mutation.rule for mutation in MUTATIONS.values()},
    _auth_cases,
    _auth_once,
    _auth_examples,
)
