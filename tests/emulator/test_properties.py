"""Round trips: whatever the request strategies draw, the emulator answers as the contract says."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import signing, wire
from conformance.deviation import Profile, Severity
from conformance.emulator import DEMO_CREDENTIALS, ChurnSettings, Emulator, default_jobs
from conformance.exchange import Request, Response
from conformance.strategies.requests import (
    MUTATIONS,
    AuthMutation,
    InvalidRequest,
    OddRequest,
    invalid_requests,
    odd_requests,
    valid_parameters,
)
from conformance.validate import validate_response
from tests.emulator.helpers import START, Clock

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
GROUPS = sorted({(job.zone, job.app) for job in default_jobs()})
IN_GROUP = {
    group: [job.job_id for job in default_jobs() if (job.zone, job.app) == group]
    for group in GROUPS
}
IN_ZONE = {zone: [job.job_id for job in default_jobs() if job.zone == zone] for zone, _ in GROUPS}
# One emulator for every example: without churn it keeps no state between requests.
EMULATOR = Emulator(clock=Clock())
NOW = datetime.fromtimestamp(START, timezone.utc)


def _valid() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    def for_group(group: tuple[str, str]) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        zone, app = group
        known = IN_GROUP[group]
        return st.tuples(st.just(zone), valid_parameters(app=app, job_ids=known, total=len(known)))

    return st.sampled_from(GROUPS).flatmap(for_group)


def _send(
    emulator: Emulator, pairs: list[tuple[str, str]], verb: str, path: str, *, sign: bool = True
) -> Response:
    if sign:
        now = datetime.fromtimestamp(emulator.clock(), timezone.utc)
        pairs = signing.sign(pairs, DEMO_CREDENTIALS, verb=verb, path=path, now=now)
    if verb == "POST":
        return emulator.handle(Request("POST", path, "", urlencode(pairs).encode(), FORM))
    return emulator.handle(Request("GET", path, wire.query_string(pairs)))


# Two verbs and two spellings of the path: enumerated, so that every run tries each of them.
each_verb = pytest.mark.parametrize("verb", ["GET", "POST"])
each_path = pytest.mark.parametrize("path", ["/iaas/", "/iaas"])


@each_verb
@each_path
@given(drawn=_valid())
def test_every_answer_to_a_valid_request_validates_clean(
    drawn: tuple[str, dict[str, Any]], verb: str, path: str
) -> None:
    zone, params = drawn
    request = {"action": "DescribeClusterJobs", "zone": zone, **params}
    response = _send(EMULATOR, wire.encode(request), verb, path)
    assert (response.status, response.header("Content-Type")) == (200, "application/json")
    assert response.json()["ret_code"] == 0
    decoded = wire.decode(wire.encode(request)).params
    for profile in Profile:
        assert validate_response(response.body, decoded, profile=profile) == []


@given(st.lists(_valid(), min_size=1, max_size=8), st.integers(min_value=0, max_value=2**16))
def test_answers_under_churn_validate_clean_too(
    drawn: list[tuple[str, dict[str, Any]]], seed: int
) -> None:
    clock = Clock()
    emulator = Emulator(clock=clock, churn=ChurnSettings(seed=seed, every_requests=1))
    for zone, params in drawn:
        clock.advance(7)
        request = {"action": "DescribeClusterJobs", "zone": zone, **params}
        response = _send(emulator, wire.encode(request), "GET", "/iaas/")
        decoded = wire.decode(wire.encode(request)).params
        assert validate_response(response.body, decoded, profile=Profile.STRICT) == []


def _invalid() -> st.SearchStrategy[InvalidRequest]:
    def for_group(group: tuple[str, str]) -> st.SearchStrategy[InvalidRequest]:
        zone, app = group
        # Known ids are the zone's: an id of another app is filtered out, not unknown.
        return invalid_requests(app=app, zone=zone, job_ids=IN_ZONE[zone])

    return st.sampled_from(GROUPS).flatmap(for_group)


@each_verb
@given(invalid=_invalid())
def test_each_labelled_invalid_request_gets_exactly_its_strict_ret_code(
    invalid: InvalidRequest, verb: str
) -> None:
    response = _send(EMULATOR, list(invalid.pairs), verb, "/iaas/")
    document = response.json()
    assert document["ret_code"] == invalid.expected_code, invalid.reason
    assert validate_response(response.body, profile=Profile.STRICT) == []


def _odd() -> st.SearchStrategy[OddRequest]:
    def for_group(group: tuple[str, str]) -> st.SearchStrategy[OddRequest]:
        zone, app = group
        return odd_requests(app=app, zone=zone, job_ids=IN_GROUP[group])

    return st.sampled_from(GROUPS).flatmap(for_group)


@each_verb
@given(odd=_odd())
def test_an_odd_request_is_rejected_or_served_never_crashed(odd: OddRequest, verb: str) -> None:
    response = _send(EMULATOR, list(odd.pairs), verb, "/iaas/")
    assert (response.status, response.header("Content-Type")) == (200, "application/json")
    document = response.json()
    assert document["ret_code"] in (0, 1100), odd.reason
    params = wire.decode(list(odd.pairs)).params
    violations = [
        deviation
        for deviation in validate_response(response.body, params)
        if deviation.severity is Severity.VIOLATION
    ]
    assert violations == [], odd.reason


# Ten requests for each of the 20 mutations, verbs and paths: the mutation is what varies here. Drawn
# with the request, 60 examples in all could leave a combination untried.
@pytest.mark.parametrize("mutation", list(MUTATIONS.values()), ids=list(MUTATIONS))
@each_verb
@each_path
@settings(max_examples=10)
@given(drawn=_valid())
def test_each_auth_mutation_gets_its_ret_code(
    mutation: AuthMutation, drawn: tuple[str, dict[str, Any]], verb: str, path: str
) -> None:
    zone, params = drawn
    pairs = wire.encode({"action": "DescribeClusterJobs", "zone": zone, **params})
    broken = mutation.apply(pairs, DEMO_CREDENTIALS, now=NOW, verb=verb, path=path)
    response = _send(EMULATOR, broken, verb, path, sign=False)
    assert response.json()["ret_code"] == mutation.expected_code, mutation.name
