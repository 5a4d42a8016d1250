"""What a tally counts of each exchange: the request's parameters, read against its answer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from conformance.client import Client
from conformance.coverage.tally import Tally
from conformance.exchange import Exchange, Request, json_response
from conformance.strategies.requests import MUTATIONS
from conformance.targets.emulator import EmulatorTarget

APP = "app-tg3lbp0a"


@pytest.fixture
def counted() -> Iterator[tuple[Client, Tally]]:
    """A client of the in-process emulator whose exchanges a tally counts."""
    target = EmulatorTarget()
    tally = Tally(lambda: target.credentials)
    client = Client(target)
    client.observers.append(tally)
    yield client, tally
    target.close()


def test_it_counts_each_parameter_sent_and_omitted(counted: tuple[Client, Tally]) -> None:
    client, tally = counted
    client.call({"app": APP, "limit": 1})

    assert tally.counts["param:app:sent"] == 1
    assert tally.counts["param:limit:sent"] == 1
    assert tally.counts["param:offset:omitted"] == 1
    assert tally.counts["limit:1"] == 1
    assert tally.counts["offset:default"] == 1
    assert tally.counts["listing:whole"] == 1


def test_it_tells_a_status_alone_from_one_combined_and_classes_illegal_ones(
    counted: tuple[Client, Tally],
) -> None:
    client, tally = counted
    client.call({"app": APP, "status": ["failed"]})
    client.call({"app": APP, "status": ["pending", "working"]})
    client.call({"app": APP, "status": ["PENDING"]})
    client.call({"app": APP, "status": ["done with failure"]})

    assert tally.counts["status:failed:alone"] == 1
    assert tally.counts["status:pending:combined"] == tally.counts["status:working:combined"] == 1
    assert tally.counts["status:illegal:case-or-spaces"] == 1
    assert tally.counts["status:illegal:other-word"] == 1
    assert tally.counts["input:status:not-in-enum"] == 2
    assert tally.counts["code:1100"] == 2


def test_it_places_an_offset_against_the_listing_the_answer_counts(
    counted: tuple[Client, Tally],
) -> None:
    client, tally = counted
    total = client.call({"app": APP, "limit": 1}).response.json()["total_count"]
    for offset in (0, 5, total, total + 7):
        client.call({"app": APP, "offset": offset, "limit": 1})

    assert [tally.counts[f"offset:{place}"] for place in ("0", "inside", "at-end", "past-end")] == [
        1,
        1,
        1,
        1,
    ]


def test_it_counts_jobs_n_by_length_and_whether_the_ids_are_known(
    counted: tuple[Client, Tally],
) -> None:
    client, tally = counted
    listing = client.call({"app": APP, "limit": 12}).response.json()["job_set"]
    ids = [job["job_id"] for job in listing]
    client.call({"app": APP, "jobs": ids[:2]})
    client.call({"app": APP, "jobs": ids[:10]})
    client.call({"app": APP, "jobs": ["j-notthereatall"]})

    assert tally.counts["jobs:count:2"] == 1
    assert tally.counts["jobs:count:10+"] == 1
    assert tally.counts["jobs:known"] == 2
    assert tally.counts["jobs:count:1"] == tally.counts["jobs:unknown"] == 1
    assert tally.counts["code:2100"] == 1


@pytest.mark.parametrize(
    ("name", "failure"),
    [
        ("wrong-signature", "bad-signature"),
        ("changed-after-signing", "bad-signature"),
        ("stale-time-stamp", "stale-time-stamp"),
        ("unknown-key", "unknown-key"),
        ("missing-signature", "missing-signature"),
    ],
)
def test_it_names_the_way_a_request_s_authentication_was_wrong(
    counted: tuple[Client, Tally], name: str, failure: str
) -> None:
    client, tally = counted
    mutation = MUTATIONS[name]
    credentials = client.target.credentials
    assert credentials is not None
    pairs = mutation.apply(
        [("action", "DescribeClusterJobs"), ("zone", "pek3a"), ("app", APP), ("limit", "101")],
        credentials,
        now=client.clock(),
        verb="GET",
        path=client.target.path,
    )
    client.send_pairs(pairs, sign=False)

    auth = [key for key in tally.counts if key.startswith("auth:")]
    assert auth == [f"auth:{failure}"]
    # What it asked is not what it tried: the server must refuse it before reading it.
    assert tally.counts["limit:101"] == 0


def test_it_counts_the_response_fields_and_their_variety(counted: tuple[Client, Tally]) -> None:
    client, tally = counted
    client.call({"app": APP, "limit": 100})

    assert tally.counts["element:total_count"] == 1
    assert tally.counts["job-field:directive"] == 1
    assert sum(key.startswith("seen-status:") for key in tally.counts) >= 2
    assert sum(key.startswith("job-action:#") for key in tally.counts) >= 2


def test_no_text_a_server_sent_becomes_a_key() -> None:
    tally = Tally()
    job = {"job_id": "j-1", "status": "signature=SECRETVALUE", "job_action": "SECRETVALUE"}
    body = {"action": "x", "ret_code": 0, "total_count": 1, "job_set": [job]}
    query = "action=DescribeClusterJobs&zone=pek3a&app=app-1&status.1=SECRETVALUE2"
    tally.observe(Exchange(Request(query=query), json_response(body)), auth="valid")

    assert "SECRETVALUE" not in json.dumps(tally.to_json())
    assert tally.counts["seen-status:undocumented"] == 1


def test_counts_handed_over_by_another_process_add_up() -> None:
    mine, theirs = Tally(), Tally()
    mine.counts.update({"limit:1": 2, "code:0": 1})
    theirs.counts.update({"limit:1": 3, "auth:unknown-key": 1})

    mine.merge(json.loads(json.dumps(theirs.to_json())))

    assert mine.counts == {"limit:1": 5, "code:0": 1, "auth:unknown-key": 1}
