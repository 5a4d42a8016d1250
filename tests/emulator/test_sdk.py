"""The official QingCloud Python SDK, a client no one here wrote, talks to the emulator over HTTP."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.emulator import DEMO_CREDENTIALS

with warnings.catch_warnings():
    # qingcloud-sdk is Python-2-era code: its imports warn on Python 3.
    warnings.simplefilter("ignore")
    from qingcloud.conn.connection import ConnectionPool
    from qingcloud.iaas.connection import APIConnection

Connect = Callable[..., Any]


@pytest.fixture
def connect(url: str) -> Iterator[Connect]:
    """Makes SDK connections to the served emulator; closes the sockets they pooled afterwards."""
    pool = ConnectionPool()
    port = urlsplit(url).port

    def connection(secret: str, key_id: str = DEMO_CREDENTIALS.access_key_id) -> Any:
        # retry_time=1: a refused request is an answer, not something to retry with back-off.
        return APIConnection(
            key_id, secret, "pek3a", host="127.0.0.1", port=port, protocol="http",
            pool=pool, retry_time=1,
        )  # fmt: skip

    yield connection
    for queue in pool.pool.values():
        for pooled, _ in queue.queue:
            pooled.close()


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_the_sdk_gets_the_pages_example(connect: Connect, verb: str) -> None:
    connection = connect(DEMO_CREDENTIALS.secret_access_key.reveal())
    body = {"app": "app-tg3lbp0a", "jobs": ["j-etkt94ebqra"], "limit": 1}
    answer = connection.send_request("DescribeClusterJobs", body, verb=verb)
    assert answer["ret_code"] == 0
    assert answer["total_count"] == 1
    assert answer["job_set"][0]["job_id"] == "j-etkt94ebqra"


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_the_sdk_pages_filters_and_sends_verbose_1(connect: Connect, verb: str) -> None:
    connection = connect(DEMO_CREDENTIALS.secret_access_key.reveal())
    body = {
        "app": "app-tg3lbp0a",
        "status": ["successful", "failed"],
        "offset": 10,
        "limit": 30,
        "verbose": 1,
        "reverse": 1,
        "sort_key": "create_time",
        "cluster": "cl-xi3aoihf",
    }
    answer = connection.send_request("DescribeClusterJobs", body, verb=verb)
    assert answer["ret_code"] == 0
    assert len(answer["job_set"]) == 30
    assert {item["status"] for item in answer["job_set"]} <= {"successful", "failed"}


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_the_sdk_with_a_wrong_secret_gets_an_auth_failure(connect: Connect, verb: str) -> None:
    connection = connect("not-the-secret")
    answer = connection.send_request("DescribeClusterJobs", {"app": "app-tg3lbp0a"}, verb=verb)
    assert answer["ret_code"] == 1200
    assert answer["message"].startswith("AuthFailure, ")


def test_the_sdk_with_an_unknown_key_gets_an_auth_failure(connect: Connect) -> None:
    connection = connect(DEMO_CREDENTIALS.secret_access_key.reveal(), key_id="QYNOBODY")
    answer = connection.send_request("DescribeClusterJobs", {"app": "app-tg3lbp0a"})
    assert answer["ret_code"] == 1200


def test_the_sdk_sees_the_documented_errors(connect: Connect) -> None:
    connection = connect(DEMO_CREDENTIALS.secret_access_key.reveal())
    missing = connection.send_request("DescribeClusterJobs", {})
    unknown = connection.send_request(
        "DescribeClusterJobs", {"app": "app-tg3lbp0a", "jobs": ["j-nosuchjob"]}
    )
    other = connection.send_request("DescribeClusters", {"app": "app-tg3lbp0a"})
    assert (missing["ret_code"], unknown["ret_code"], other["ret_code"]) == (1100, 2100, 1101)
