"""The semantics, in-process: filters, paging, defaults and caps, every error, the edges of a request."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import pytest

from conformance import signing, wire
from conformance.emulator import DEMO_CREDENTIALS, Emulator, default_jobs, service
from conformance.emulator.data import EXAMPLE_JOB_JSON, parse_jobs
from conformance.exchange import Request
from tests.emulator.helpers import APP, BASE, ZONE, Clock, call, error, job_ids, signed_query


def _listing(app: str = APP, zone: str = ZONE) -> list[Any]:
    return [job for job in default_jobs() if job.app == app and job.zone == zone]


def test_the_pages_example_request_gets_the_pages_example_response(emulator: Emulator) -> None:
    document = call(emulator, {**BASE, "jobs": ["j-etkt94ebqra"], "limit": 1})
    assert document == {
        "action": "DescribeClusterJobsResponse",
        "total_count": 1,
        "job_set": [json.loads(EXAMPLE_JOB_JSON)],
        "ret_code": 0,
    }
    assert list(document) == ["action", "total_count", "job_set", "ret_code"]


def test_without_limit_a_page_holds_20_jobs_newest_first_and_counts_all(emulator: Emulator) -> None:
    document = call(emulator, BASE)
    listing = _listing()
    assert document["total_count"] == len(listing) >= 150
    assert job_ids(document) == [job.job_id for job in listing[:20]]
    times = [item["create_time"] for item in document["job_set"]]
    assert times == sorted(times, reverse=True)


def test_jobs_created_in_the_same_second_are_ordered_by_job_id(clock: Clock) -> None:
    item = json.loads(EXAMPLE_JOB_JSON)
    twins = [{**item, "job_id": job_id} for job_id in ("j-bbbbbbbb", "j-aaaaaaaa")]
    emulator = Emulator(jobs=parse_jobs({APP: twins}), clock=clock)
    assert job_ids(call(emulator, BASE)) == ["j-aaaaaaaa", "j-bbbbbbbb"]


@pytest.mark.parametrize(("offset", "limit"), [(0, 1), (5, 7), (150, 20), (160, 5), (500, 10)])
def test_offset_and_limit_slice_the_listing(emulator: Emulator, offset: int, limit: int) -> None:
    listing = [job.job_id for job in _listing()]
    document = call(emulator, {**BASE, "offset": offset, "limit": limit})
    assert job_ids(document) == listing[offset : offset + limit]
    assert document["total_count"] == len(listing)


def test_a_limit_above_100_is_capped_at_100(emulator: Emulator) -> None:
    document = call(emulator, {**BASE, "limit": 150})
    assert len(document["job_set"]) == 100
    assert job_ids(call(emulator, {**BASE, "limit": 2**31 - 1})) == job_ids(document)


def test_answers_memoised_by_query_stay_right(emulator: Emulator) -> None:
    listing = [job.job_id for job in _listing()]
    first = call(emulator, {**BASE, "offset": 3, "limit": 2})
    for offset in range(1100):  # bounded: 1,100 distinct queries
        page = call(emulator, {**BASE, "offset": offset % 200, "limit": 1 + offset // 200})
        assert job_ids(page) == listing[offset % 200 : offset % 200 + 1 + offset // 200]
    assert call(emulator, {**BASE, "offset": 3, "limit": 2}) == first
    snapshot = emulator._snapshot  # what the budget counts is what is kept
    assert snapshot.bodies_size == sum(map(len, snapshot.bodies.values()))


def test_the_page_memo_stays_within_its_byte_budget(clock: Clock) -> None:
    # A fault that lifts the cap of 100 lets every page hold the whole listing.
    emulator = Emulator(faults=["no-cap-at-100"], clock=clock)
    listing = len(_listing())
    budget = service._BODY_BUDGET
    page = len(emulator.call({**BASE, "limit": 1000}).body)
    sizes = []
    for limit in range(1001, 1001 + 2 * budget // page):  # bounded: about 330 pages
        assert len(call(emulator, {**BASE, "limit": limit})["job_set"]) == listing
        sizes.append(emulator._snapshot.bodies_size)
    assert max(sizes) <= budget
    assert any(later < earlier for earlier, later in itertools.pairwise(sizes))  # it was emptied


def test_pages_tile_the_listing_without_gaps_or_repeats(emulator: Emulator) -> None:
    seen: list[str] = []
    for offset in range(0, 200, 30):  # bounded: 7 pages
        seen += job_ids(call(emulator, {**BASE, "offset": offset, "limit": 30}))
    assert seen == [job.job_id for job in _listing()]


def test_several_statuses_combine_as_or(emulator: Emulator) -> None:
    document = call(emulator, {**BASE, "status": ["pending", "working"], "limit": 100})
    statuses = {item["status"] for item in document["job_set"]}
    assert statuses == {"pending", "working"}
    expected = [job for job in _listing() if job.status in ("pending", "working")]
    assert document["total_count"] == len(expected)


def test_every_status_is_present_in_the_example_app(emulator: Emulator) -> None:
    for status in ("pending", "working", "successful", "failed"):
        document = call(emulator, {**BASE, "status": [status], "limit": 100})
        assert document["total_count"] > 0
        assert {item["status"] for item in document["job_set"]} == {status}


def test_several_job_ids_combine_as_or_and_come_back_in_listing_order(emulator: Emulator) -> None:
    listing = [job.job_id for job in _listing()]
    wanted = [listing[40], listing[3], listing[17]]
    document = call(emulator, {**BASE, "jobs": wanted})
    assert job_ids(document) == [listing[3], listing[17], listing[40]]
    assert document["total_count"] == 3


def test_the_status_and_jobs_filters_combine_as_and(emulator: Emulator) -> None:
    listing = _listing()
    failed = next(job for job in listing if job.status == "failed")
    done = next(job for job in listing if job.status == "successful")
    document = call(emulator, {**BASE, "jobs": [failed.job_id, done.job_id], "status": ["failed"]})
    assert job_ids(document) == [failed.job_id]
    assert document["total_count"] == 1


def test_a_job_of_another_app_in_the_zone_is_filtered_out_not_an_error(emulator: Emulator) -> None:
    other = _listing(app="app-5vq6jh0c")[0]
    document = call(emulator, {**BASE, "jobs": [other.job_id]})
    assert (document["ret_code"], document["total_count"], document["job_set"]) == (0, 0, [])


def test_a_request_sees_only_the_jobs_of_its_zone(emulator: Emulator) -> None:
    document = call(emulator, {**BASE, "zone": "sh1a", "limit": 100})
    assert document["total_count"] == len(_listing(zone="sh1a")) > 0
    for item in document["job_set"]:
        assert json.loads(item["directive"])["zone"] == "sh1a"
    pek3a_job = _listing()[0].job_id
    assert error(call(emulator, {**BASE, "zone": "sh1a", "jobs": [pek3a_job]})) == (
        2100,
        "ResourceNotFound",
    )


def test_an_app_without_jobs_gets_an_empty_listing(emulator: Emulator) -> None:
    document = call(emulator, {**BASE, "app": "app-00000000"})
    assert (document["ret_code"], document["total_count"], document["job_set"]) == (0, 0, [])


@pytest.mark.parametrize("verbose", [0, 1, 7])
def test_an_integer_verbose_is_served_as_verbose_0(emulator: Emulator, verbose: int) -> None:
    assert call(emulator, {**BASE, "verbose": verbose}) == call(emulator, BASE)


def test_parameters_it_does_not_know_are_ignored(emulator: Emulator) -> None:
    sdk_extras = {"cluster": "cl-xxxxxxxx", "reverse": 1, "sort_key": "create_time", "version": 1}
    extras = {**sdk_extras, "req_id": "0123456789abcdef0123456789abcdef", "owner": "usr-x"}
    assert call(emulator, {**BASE, **extras}) == call(emulator, BASE)


def test_a_scalar_status_is_read_as_one_value(emulator: Emulator) -> None:
    document = call(emulator, {**BASE, "status": "failed"})
    assert {item["status"] for item in document["job_set"]} == {"failed"}


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "token"),
    [
        ({"zone": ZONE}, 1100, "InvailidRequestFormat"),
        ({**BASE, "app": ""}, 1100, "InvailidRequestFormat"),
        ({"app": APP}, 1100, "InvailidRequestFormat"),
        ({**BASE, "status": ["done"]}, 1100, "InvailidRequestFormat"),
        ({**BASE, "status": ["pending", "done with failure"]}, 1100, "InvailidRequestFormat"),
        ({**BASE, "limit": "abc"}, 1100, "InvailidRequestFormat"),
        ({**BASE, "limit": "1.5"}, 1100, "InvailidRequestFormat"),
        ({**BASE, "limit": 0}, 1100, "InvailidRequestFormat"),
        ({**BASE, "limit": -5}, 1100, "InvailidRequestFormat"),
        ({**BASE, "offset": -1}, 1100, "InvailidRequestFormat"),
        ({**BASE, "offset": "x"}, 1100, "InvailidRequestFormat"),
        ({**BASE, "verbose": -1}, 1100, "InvailidRequestFormat"),
        ({**BASE, "verbose": "yes"}, 1100, "InvailidRequestFormat"),
        ({**BASE, "jobs": [""]}, 1100, "InvailidRequestFormat"),
        ({**BASE, "action": "DescribeJobs"}, 1101, "InvailidRequestMethod"),
        ({**BASE, "action": ""}, 1100, "InvailidRequestFormat"),
        ({**BASE, "jobs": ["j-doesnotexist"]}, 2100, "ResourceNotFound"),
    ],
)
def test_it_rejects_with_the_documented_code_and_token(
    emulator: Emulator, params: dict[str, Any], code: int, token: str
) -> None:
    document = call(emulator, params)
    assert error(document) == (code, token)
    assert list(document) == ["ret_code", "message"]
    assert document["message"].startswith(f"{token}, ")


def test_unknown_job_ids_are_named_in_square_brackets(emulator: Emulator) -> None:
    known = _listing()[0].job_id
    message = call(emulator, {**BASE, "jobs": [known, "j-nope1", "j-nope2"]})["message"]
    assert message == "ResourceNotFound, resources [j-nope1], [j-nope2] not found"


@pytest.mark.parametrize(
    "pairs",
    [
        [("jobs.0", "j-etkt94ebqra")],
        [("jobs.1", "j-etkt94ebqra"), ("jobs.3", "j-etkt94ebqra")],
        [("status.1", "failed"), ("status.1", "pending")],
        [("limit", "5"), ("limit", "6")],
        [("status", "failed"), ("status.1", "pending")],
        [("jobs.01", "j-etkt94ebqra")],
    ],
)
def test_a_malformed_array_or_duplicate_is_rejected_as_1100(
    emulator: Emulator, pairs: list[tuple[str, str]]
) -> None:
    query = _signed_pairs([("action", "DescribeClusterJobs"), *BASE.items(), *pairs], emulator)
    response = emulator.handle(Request("GET", "/iaas/", query))
    assert error(response.json()) == (1100, "InvailidRequestFormat")


def _signed_pairs(pairs: list[tuple[str, str]], emulator: Emulator) -> str:
    """Pairs (repeated names allowed) signed with the demo key now, as a query string."""
    return wire.query_string(signing.sign(pairs, DEMO_CREDENTIALS, now=_utc(emulator.clock())))


# --- authentication -------------------------------------------------------------------------------


def test_a_wrong_secret_is_an_auth_failure(emulator: Emulator) -> None:
    wrong = signing.Credentials(DEMO_CREDENTIALS.access_key_id, "not-the-secret")
    assert error(call(emulator, BASE, credentials=wrong)) == (1200, "AuthFailure")


def test_an_unknown_access_key_is_an_auth_failure_naming_it(emulator: Emulator) -> None:
    stranger = signing.Credentials("QYSTRANGERKEY", DEMO_CREDENTIALS.secret_access_key)
    document = call(emulator, BASE, credentials=stranger)
    assert error(document) == (1200, "AuthFailure")
    assert "[QYSTRANGERKEY]" in document["message"]


def test_an_unsigned_request_is_an_auth_failure(emulator: Emulator) -> None:
    assert error(call(emulator, BASE, sign=False)) == (1200, "AuthFailure")
    query = signed_query(BASE).rsplit("&signature=", 1)[0]
    assert error(emulator.handle(Request("GET", "/iaas/", query)).json()) == (1200, "AuthFailure")


def test_a_changed_parameter_breaks_the_signature(emulator: Emulator) -> None:
    query = signed_query({**BASE, "limit": 5}).replace("limit=5", "limit=6")
    assert error(emulator.handle(Request("GET", "/iaas/", query)).json()) == (1200, "AuthFailure")


def test_a_signature_for_the_other_path_spelling_is_an_auth_failure(emulator: Emulator) -> None:
    query = signed_query(BASE, path="/iaas")
    assert emulator.handle(Request("GET", "/iaas", query)).json()["ret_code"] == 0
    assert error(emulator.handle(Request("GET", "/iaas/", query)).json()) == (1200, "AuthFailure")


def test_hmac_sha1_signatures_are_accepted(emulator: Emulator) -> None:
    moment = datetime.fromtimestamp(emulator.clock(), timezone.utc)
    pairs = signing.sign(
        {"action": "DescribeClusterJobs", **BASE}, DEMO_CREDENTIALS, now=moment, method="HmacSHA1"
    )
    response = emulator.handle(Request("GET", "/iaas/", wire.query_string(pairs)))
    assert response.json()["ret_code"] == 0


@pytest.mark.parametrize(("age", "code"), [(0, 0), (60, 0), (61, 1300), (3600, 1300), (-30, 0)])
def test_a_time_stamp_more_than_60_seconds_old_has_expired(
    emulator: Emulator, clock: Clock, age: int, code: int
) -> None:
    query = signed_query(BASE, now=clock() - age)
    assert emulator.handle(Request("GET", "/iaas/", query)).json()["ret_code"] == code


@pytest.mark.parametrize(("expires_in", "code"), [(600, 0), (1, 0), (-1, 1300)])
def test_expires_overrides_the_60_second_rule(
    emulator: Emulator, clock: Clock, expires_in: int, code: int
) -> None:
    expires = signing.format_time(_utc(clock() + expires_in))
    query = signed_query({**BASE, "expires": expires}, now=clock() - 3600)
    assert emulator.handle(Request("GET", "/iaas/", query)).json()["ret_code"] == code


@pytest.mark.parametrize(
    "extra",
    [{"time_stamp": "yesterday"}, {"expires": "soon"}, {"time_stamp": "2026-01-01 00:00:00"}],
)
def test_an_unreadable_time_is_a_format_error(emulator: Emulator, extra: dict[str, str]) -> None:
    query = signed_query({**BASE, **extra})
    assert error(emulator.handle(Request("GET", "/iaas/", query)).json()) == (
        1100,
        "InvailidRequestFormat",
    )


def test_without_credentials_nothing_about_authentication_is_checked(clock: Clock) -> None:
    emulator = Emulator(credentials=None, clock=clock)
    assert call(emulator, BASE, sign=False)["ret_code"] == 0
    stale = signed_query(BASE, now=clock() - 9999)
    assert emulator.handle(Request("GET", "/iaas/", stale)).json()["ret_code"] == 0


def test_it_checks_auth_before_parameters(emulator: Emulator) -> None:
    assert error(call(emulator, {"zone": ZONE}, sign=False)) == (1200, "AuthFailure")


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


# --- the request's envelope: method, path, body ---------------------------------------------------


def test_post_with_a_form_body_answers_as_get_does(emulator: Emulator) -> None:
    get = call(emulator, {**BASE, "status": ["failed"], "limit": 3})
    post = call(emulator, {**BASE, "status": ["failed"], "limit": 3}, method="POST")
    assert post == get


def test_a_form_body_with_plus_for_space_is_read_as_the_sdk_sends_it(emulator: Emulator) -> None:
    pairs = signing.sign(
        {"action": "DescribeClusterJobs", **BASE, "sort_key": "a b"},
        DEMO_CREDENTIALS,
        verb="POST",
        now=_utc(emulator.clock()),
    )
    body = urlencode(pairs).encode()
    assert b"a+b" in body
    request = Request(
        "POST", "/iaas/", "", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert emulator.handle(request).json()["ret_code"] == 0


@pytest.mark.parametrize("path", ["/iaas/", "/iaas"])
def test_both_spellings_of_the_path_are_served(emulator: Emulator, path: str) -> None:
    assert call(emulator, BASE, path=path)["ret_code"] == 0


@pytest.mark.parametrize("path", ["/", "/iaas/x", "/api/", "/IAAS/"])
def test_other_paths_are_not_found(emulator: Emulator, path: str) -> None:
    assert emulator.handle(Request("GET", path, signed_query(BASE))).status == 404


def test_other_methods_are_not_allowed(emulator: Emulator) -> None:
    response = emulator.handle(Request("PUT", "/iaas/", signed_query(BASE)))
    assert response.status == 405
    assert response.header("Allow") == "GET, POST"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b"app=%FF%FE", "application/x-www-form-urlencoded"),
        (b'{"app": "app-tg3lbp0a"}', "application/json"),
    ],
)
def test_a_broken_form_body_is_a_format_error(
    emulator: Emulator, body: bytes, content_type: str
) -> None:
    request = Request("POST", "/iaas/", "", body, {"Content-Type": content_type})
    response = emulator.handle(request)
    assert response.status == 200
    assert error(response.json()) == (1100, "InvailidRequestFormat")


@pytest.mark.parametrize("query", ["%", "%%%", "a=%zz", "&&&", "=", "app", "a=1&=&b"])
def test_a_malformed_query_gets_an_api_error_not_a_crash(emulator: Emulator, query: str) -> None:
    response = emulator.handle(Request("GET", "/iaas/", query))
    assert response.status == 200
    assert response.json()["ret_code"] in (1100, 1200)


def test_a_query_escape_that_is_not_utf8_is_a_format_error(emulator: Emulator) -> None:
    response = emulator.handle(Request("GET", "/iaas/", "app=%C3%28"))
    assert error(response.json()) == (1100, "InvailidRequestFormat")


@pytest.mark.parametrize(
    "query", ["app=\ud800", "\udfff=1&signature=x", "zone=pek3a&a=\ud800&signature=x"]
)
def test_a_lone_surrogate_from_an_in_process_caller_is_refused_not_raised(
    emulator: Emulator, query: str
) -> None:
    response = emulator.handle(Request("GET", "/iaas/", query))
    assert response.json()["ret_code"] in (1100, 1200)
