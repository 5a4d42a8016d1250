"""The hypothesis strategies: they refuse bad options clearly and draw what the page documents."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance.strategies import STATUSES, job_ids, jobs, responses

JOB_ID = re.compile(r"^j-[a-z0-9]{8}$|^j-[a-z0-9]{11}$")


@pytest.mark.parametrize(
    "statuses",
    [(), ("done with failure",), ("pending", "finished"), "pending", ("PENDING",)],
    ids=["empty", "undocumented", "one-unknown", "a-bare-string", "upper-case"],
)
def test_jobs_rejects_statuses_outside_the_documented_four(statuses: Any) -> None:
    with pytest.raises(InvalidArgument, match=r"statuses must be a non-empty subset of") as raised:
        jobs(statuses=statuses).validate()

    assert repr(statuses) in str(raised.value)
    assert "successful" in str(raised.value)  # the valid choices are listed


@pytest.mark.parametrize(
    ("min_size", "max_size"),
    [(-1, 5), (5, 2), (0, 101), (101, 101)],
    ids=["negative-min", "min-above-max", "max-above-100", "both-above-100"],
)
def test_responses_rejects_sizes_outside_0_to_100(min_size: int, max_size: int) -> None:
    with pytest.raises(InvalidArgument, match=r"need 0 <= min_size <= max_size <= 100") as raised:
        responses(min_size=min_size, max_size=max_size).validate()

    assert f"min_size={min_size}" in str(raised.value)
    assert f"max_size={max_size}" in str(raised.value)


def test_responses_rejects_undocumented_statuses() -> None:
    with pytest.raises(InvalidArgument, match=r"statuses must be a non-empty subset of"):
        responses(statuses=("done with failure",)).validate()


def test_jobs_rejects_an_empty_zone() -> None:
    # An empty zone would draw directives that break the directive schema (zone has minLength 1).
    with pytest.raises(InvalidArgument, match=r"zone must be a non-empty string"):
        jobs(zone="").validate()


@given(job_ids())
def test_job_ids_are_j_and_8_or_11_letters_and_digits(job_id: str) -> None:
    assert JOB_ID.match(job_id), job_id


@given(jobs(statuses=("failed", "working"), zone="sh1a"))
def test_jobs_draw_only_the_requested_statuses_and_zone(job: dict[str, Any]) -> None:
    assert JOB_ID.match(job["job_id"]), job["job_id"]
    assert job["status"] in {"failed", "working"}
    assert json.loads(job["directive"])["zone"] == "sh1a"


@given(responses(min_size=2, max_size=30))
def test_responses_have_unique_well_formed_job_ids(body: dict[str, Any]) -> None:
    ids = [each["job_id"] for each in body["job_set"]]

    assert len(ids) == len(set(ids))
    assert all(JOB_ID.match(job_id) for job_id in ids), ids
    assert 2 <= len(ids) <= 30
    assert body["total_count"] >= len(ids)


@given(st.data())
def test_responses_honour_their_size_bounds(data: st.DataObject) -> None:
    min_size = data.draw(st.integers(min_value=0, max_value=5))
    max_size = data.draw(st.integers(min_value=min_size, max_value=8))

    body = data.draw(responses(min_size=min_size, max_size=max_size))

    assert min_size <= len(body["job_set"]) <= max_size


def test_the_strategies_know_the_four_documented_statuses() -> None:
    assert STATUSES == ("pending", "working", "failed", "successful")
