"""Matching: signing parameters and order ignored, a dict lookup, and a clear miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cassettes import match
from conformance.client import Client
from conformance.errors import TargetError
from conformance.exchange import Request
from conformance.targets import open_target
from conformance.targets.cassette import CassetteTarget
from tests.cassettes.helpers import APP, record

BASE = "action=DescribeClusterJobs&zone=pek3a&app=app-5vq6jh0c&jobs.1=j-a&jobs.2=j-b&limit=2"


def test_the_key_ignores_signing_parameters_req_id_and_order() -> None:
    signed = Request(
        "GET",
        "/iaas/",
        "limit=2&jobs.2=j-b&access_key_id=QYANOTHERKEYID000000&zone=pek3a&req_id=0123"
        "&action=DescribeClusterJobs&time_stamp=2030-01-01T00%3A00%3A00Z&app=app-5vq6jh0c"
        "&jobs.1=j-a&signature_method=HmacSHA1&signature_version=1&signature=abc%3D",
    )

    assert match.request_key(signed) == match.request_key(Request("GET", "/iaas/", BASE))


@pytest.mark.parametrize(
    "other",
    [
        Request("GET", "/iaas/", BASE.replace("limit=2", "limit=3")),
        Request("POST", "/iaas/", "", BASE.encode()),
        Request("GET", "/iaas", BASE),
        Request("GET", "/iaas/", BASE + "&verbose=0"),
    ],
    ids=["another value", "another method", "another path", "one more parameter"],
)
def test_the_key_keeps_everything_that_changes_the_request(other: Request) -> None:
    assert match.request_key(other) != match.request_key(Request("GET", "/iaas/", BASE))


def test_a_post_is_keyed_by_its_form_body_like_a_get_by_its_query() -> None:
    posted = Request("POST", "/iaas/", "", BASE.encode(), {"Content-Type": "x-www-form-urlencoded"})

    assert match.request_key(posted)[2] == match.request_key(Request("GET", "/iaas/", BASE))[2]


class _Path(str):
    """A path that counts how often a key holding it is compared with another (hashes as a str)."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        _Path.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_a_lookup_at_ten_thousand_interactions_is_a_dict_lookup_not_a_scan() -> None:
    # Counted, not timed: a dict compares the wanted key with the one entry of its hash, a scan
    # (vcrpy's) with every entry. The time each takes is benchmarks/bench_cassettes.py's to print.
    index: match.Index[int] = match.Index(
        (match.key("GET", _Path("/iaas/"), [("app", APP), ("offset", str(n))]), n)
        for n in range(10_000)
    )
    wanted = match.key("GET", _Path("/iaas/"), [("offset", "9999"), ("app", APP)])
    _Path.compared = 0

    found = index.take(wanted)

    assert found == 9999
    assert _Path.compared == 1


def test_recorded_answers_play_in_order_then_the_last_one_repeats() -> None:
    key = match.key("GET", "/iaas/", [("app", APP)])
    index = match.Index([(key, "first"), (key, "second")])

    assert [index.take(key) for _ in range(3)] == ["first", "second", "second"]
    assert index.take(match.key("GET", "/iaas/", [("app", "other")])) is None


def test_a_cassette_target_answers_a_recorded_request_signed_at_another_time(
    tmp_path: Path,
) -> None:
    path = record(tmp_path / "c.yaml", [{"app": APP, "limit": 3}, {"app": APP, "limit": 4}])
    target = open_target(str(path))
    assert isinstance(target, CassetteTarget)

    exchange = Client(target).call({"app": APP, "limit": 4})

    assert exchange.response.json()["total_count"] == 40
    assert len(exchange.response.json()["job_set"]) == 4


def test_a_request_nobody_recorded_fails_with_the_closest_recorded_ones(tmp_path: Path) -> None:
    path = record(tmp_path / "c.json", [{"app": APP, "limit": 3}])
    client = Client(CassetteTarget(path))

    with pytest.raises(TargetError) as caught:
        client.call({"app": APP, "limit": 7})

    message = str(caught.value)
    assert f"no interaction recorded in {path} matches GET /iaas/?" in message
    assert "limit=7" in message
    assert "record mode none: nothing is fetched" in message
    assert (
        "closest recorded: GET /iaas/?action=DescribeClusterJobs&app=app-5vq6jh0c&limit=3"
        in message
    )


def test_users_tests_replay_from_a_cassette_target_through_the_plugin_fixtures(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    path = record(tmp_path / "c.yaml", [{"app": APP, "limit": 3}])
    pytester.makepyfile(
        f"""
        def test_recorded(conformance_client, conformance_check):
            exchange = conformance_client.call({{"app": "{APP}", "limit": 3}})
            conformance_check(exchange)
            assert len(exchange.response.json()["job_set"]) == 3

        def test_not_recorded(conformance_client):
            conformance_client.call({{"app": "{APP}", "limit": 9}})
        """
    )

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--conformance-target={path}")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*TargetError: no interaction recorded in * matches GET*limit=9*"])
