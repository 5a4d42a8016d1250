"""Each fault changes the one behaviour it names, for the inputs it names, and nothing else."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance import signing
from conformance.emulator import DEMO_CREDENTIALS, FAULTS, Emulator, default_jobs
from conformance.emulator.faults import listing, resolve
from conformance.errors import UsageError
from conformance.exchange import Response
from conformance.rules import rule
from conformance.validate import validate_response
from conformance.wire import decode
from tests.emulator.helpers import APP, BASE, Clock

Check = Callable[[Response, Response], None]
WRONG_SECRET = signing.Credentials(DEMO_CREDENTIALS.access_key_id, "not-the-secret")
STRANGER = signing.Credentials("QYSTRANGERKEY", DEMO_CREDENTIALS.secret_access_key)


@dataclass(frozen=True)
class Case:
    """A request that shows a fault, what must differ, and whether one response can reveal it."""

    params: dict[str, Any]
    check: Check
    options: dict[str, Any] = field(default_factory=dict)
    single: bool = False  # validate_response alone reports the fault's rule
    stale: bool = False  # sign an hour ago
    also: frozenset[str] = frozenset()  # rules the fault cannot help breaking too


def _body(response: Response) -> dict[str, Any]:
    document: dict[str, Any] = response.json()
    return document


def _items(response: Response) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _body(response)["job_set"]
    return items


def _ids(response: Response) -> list[str]:
    return [item["job_id"] for item in _items(response)]


def _directives(response: Response) -> list[Any]:
    return [json.loads(item["directive"]) for item in _items(response)]


def _total_missing(right: Response, wrong: Response) -> None:
    assert "total_count" in _body(right)
    assert "total_count" not in _body(wrong)


def _total_string(right: Response, wrong: Response) -> None:
    assert _body(wrong)["total_count"] == str(_body(right)["total_count"])


def _ret_code_string(right: Response, wrong: Response) -> None:
    assert (_body(right)["ret_code"], _body(wrong)["ret_code"]) == (0, "0")


def _action(right: Response, wrong: Response) -> None:
    assert _body(wrong)["action"] != _body(right)["action"] == "DescribeClusterJobsResponse"


def _named_twice(right: Response, wrong: Response) -> None:
    assert right.body.count(b'"total_count":') == 1
    assert wrong.body.count(b'"total_count":') == 2
    assert _body(wrong) == _body(right)  # the same value both times: only the repeat differs


def _local_time(right: Response, wrong: Response) -> None:
    for good, bad in zip(_items(right), _items(wrong), strict=True):
        assert bad["create_time"].endswith("+08:00")
        assert bad["create_time"][:10] >= good["create_time"][:10]


def _done_with_failure(right: Response, wrong: Response) -> None:
    statuses = [item["status"] for item in _items(wrong)]
    assert "done with failure" in statuses
    assert "failed" not in statuses
    assert "failed" in [item["status"] for item in _items(right)]


def _time_before_create(right: Response, wrong: Response) -> None:
    assert any(item["status_time"] < item["create_time"] for item in _items(wrong))
    assert all(item["status_time"] >= item["create_time"] for item in _items(right))


def _reopened(right: Response, wrong: Response) -> None:
    # The first listing: half the finished jobs answer as pending, nothing else changes.
    was = {item["job_id"]: item for item in _items(right)}
    changed = [item for item in _items(wrong) if item != was[item["job_id"]]]
    assert changed
    assert all(item == {**was[item["job_id"]], "status": "pending"} for item in changed)
    assert all(was[item["job_id"]]["status"] in {"successful", "failed"} for item in changed)


def _not_json(right: Response, wrong: Response) -> None:
    for item in _items(wrong):
        with pytest.raises(ValueError, match="Expecting property name"):
            json.loads(item["directive"])


def _privilege_string(right: Response, wrong: Response) -> None:
    assert all(type(d["sender"]["privilege"]) is str for d in _directives(wrong))
    assert all(type(d["sender"]["privilege"]) is int for d in _directives(right))


def _action_mismatch(right: Response, wrong: Response) -> None:
    for item, directive in zip(_items(wrong), _directives(wrong), strict=True):
        assert directive["action"] != item["job_action"]


def _resource_ids(right: Response, wrong: Response) -> None:
    for item, directive in zip(_items(wrong), _directives(wrong), strict=True):
        listed = item["resource_ids"].split(" ")
        assert listed[:-1] == directive["resource_ids"]
        assert listed[-1].startswith("cln-")


def _count(right_count: int, wrong_count: int) -> Check:
    def check(right: Response, wrong: Response) -> None:
        assert (len(_items(right)), len(_items(wrong))) == (right_count, wrong_count)

    return check


def _skips_one(right: Response, wrong: Response) -> None:
    assert _ids(wrong)[:-1] == _ids(right)[1:]


def _total_page_size(right: Response, wrong: Response) -> None:
    assert _body(wrong)["total_count"] == len(_items(wrong)) < _body(right)["total_count"]


def _status_ignored(right: Response, wrong: Response) -> None:
    assert {item["status"] for item in _items(right)} == {"failed"}
    assert {item["status"] for item in _items(wrong)} > {"failed"}


def _jobs_ignored(right: Response, wrong: Response) -> None:
    assert len(_items(right)) == 1
    assert len(_items(wrong)) == 20


def _duplicate(right: Response, wrong: Response) -> None:
    ids = _ids(wrong)
    assert len(ids) == len(_ids(right))
    assert len(set(ids)) == len(ids) - 1
    assert ids[-1] == ids[0]


def _or(right: Response, wrong: Response) -> None:
    assert _body(right)["total_count"] == 0
    statuses = [item["status"] for item in _items(wrong)]
    assert "successful" in statuses
    assert "failed" in statuses


def _served(right: Response, wrong: Response) -> None:
    assert _body(right)["ret_code"] != 0
    assert _body(wrong)["ret_code"] == 0


def _served_empty(right: Response, wrong: Response) -> None:
    _served(right, wrong)
    assert _items(wrong) == []


def _served_any_app(right: Response, wrong: Response) -> None:
    _served(right, wrong)
    apps = {directive["zone"] for directive in _directives(wrong)}
    assert apps == {"pek3a"}
    assert _body(wrong)["total_count"] > 161  # both apps of the zone


def _no_message(right: Response, wrong: Response) -> None:
    assert _body(right)["ret_code"] == _body(wrong)["ret_code"] == 1100
    assert "message" in _body(right)
    assert list(_body(wrong)) == ["ret_code"]


def _other_code(right: Response, wrong: Response) -> None:
    assert _body(right)["ret_code"] == 1100
    assert _body(wrong)["ret_code"] == 2100
    assert _body(wrong)["message"] == _body(right)["message"]


def _crash(right: Response, wrong: Response) -> None:
    assert (right.status, _body(right)["ret_code"]) == (200, 1100)
    assert wrong.status == 500
    assert wrong.header("Content-Type") == "text/html"
    assert wrong.body.startswith(b"<html>")


def _array(right: Response, wrong: Response) -> None:
    assert json.loads(wrong.body) == [_body(right)]


def _owner_missing(right: Response, wrong: Response) -> None:
    assert all("owner" in item for item in _items(right))
    assert not any("owner" in item for item in _items(wrong))


def _owner_number(right: Response, wrong: Response) -> None:
    assert {type(item["owner"]) for item in _items(wrong)} == {int}


def _extra_field(right: Response, wrong: Response) -> None:
    for good, bad in zip(_items(right), _items(wrong), strict=True):
        assert bad == {**good, "priority": 0}


def _directive_object(right: Response, wrong: Response) -> None:
    assert [item["directive"] for item in _items(wrong)] == _directives(right)


def _clusters(right: Response, wrong: Response) -> None:
    for item, directive in zip(_items(wrong), _directives(wrong), strict=True):
        assert directive["clusters"][:-1] == item["resources"]["clusters"]


def _zone(right: Response, wrong: Response) -> None:
    assert {directive["zone"] for directive in _directives(right)} == {"pek3a"}
    assert {directive["zone"] for directive in _directives(wrong)} == {"sh1a"}


def _one_short(right: Response, wrong: Response) -> None:
    assert _body(wrong)["total_count"] == _body(right)["total_count"] - 1 == len(_items(wrong)) - 1


CASES: dict[str, Case] = {
    "status-filtered-in-an-array": Case({**BASE, "status": ["failed"]}, _array, single=True),
    "missing-owner": Case(BASE, _owner_missing, single=True),
    "owner-as-number": Case(BASE, _owner_number, single=True),
    "undocumented-job-field": Case(BASE, _extra_field, single=True),
    "directive-as-object": Case(BASE, _directive_object, single=True),
    "clusters-mismatch": Case(BASE, _clusters, single=True),
    "directive-other-zone": Case(BASE, _zone, single=True),
    "total-count-one-short": Case({**BASE, "jobs": ["j-etkt94ebqra"]}, _one_short, single=True),
    "missing-total-count": Case(BASE, _total_missing, single=True),
    "total-count-as-string": Case(BASE, _total_string, single=True),
    "wrong-action-name": Case(BASE, _action, single=True),
    "ret-code-as-string": Case(BASE, _ret_code_string, single=True),
    "total-count-twice": Case(BASE, _named_twice, single=True),
    "local-time-offset": Case(BASE, _local_time, single=True),
    "status-done-with-failure": Case({**BASE, "limit": 100}, _done_with_failure, single=True),
    "status-time-before-create": Case(BASE, _time_before_create, single=True),
    "finished-jobs-reopen": Case({**BASE, "limit": 100}, _reopened),
    "directive-not-json": Case(BASE, _not_json, single=True),
    "directive-privilege-string": Case(BASE, _privilege_string, single=True),
    "directive-action-mismatch": Case(BASE, _action_mismatch, single=True),
    "resource-ids-mismatch": Case(BASE, _resource_ids, single=True),
    "no-cap-at-100": Case({**BASE, "limit": 150}, _count(100, 150), single=True),
    "limit-off-by-one": Case({**BASE, "limit": 5}, _count(5, 6), single=True),
    "offset-off-by-one": Case({**BASE, "offset": 5}, _skips_one),
    "total-count-is-page-size": Case(BASE, _total_page_size),
    "default-limit-10": Case(BASE, _count(20, 10)),
    "status-filter-ignored": Case({**BASE, "status": ["failed"]}, _status_ignored, single=True),
    "jobs-filter-ignored": Case({**BASE, "jobs": ["j-etkt94ebqra"]}, _jobs_ignored, single=True),
    "duplicate-job": Case(BASE, _duplicate, single=True),
    # A union holds jobs outside one of the two filters: each single response shows that too.
    "combined-filters-or": Case(
        {**BASE, "jobs": ["j-etkt94ebqra"], "status": ["failed"], "limit": 100},
        _or,
        also=frozenset({"DCJ-FILTER-001", "DCJ-FILTER-002"}),
    ),
    "app-not-required": Case({"zone": "pek3a", "limit": 100}, _served_any_app),
    "illegal-status-accepted": Case({**BASE, "status": ["failed", "done"]}, _served),
    "unknown-job-empty-list": Case({**BASE, "jobs": ["j-nosuchjob"]}, _served_empty),
    "non-integer-limit-accepted": Case({**BASE, "limit": "abc"}, _served),
    "error-without-message": Case({"zone": "pek3a"}, _no_message, single=True),
    "wrong-error-code": Case({"zone": "pek3a"}, _other_code),
    "crash-on-negative-offset": Case({**BASE, "offset": -1}, _crash),
    "signature-not-checked": Case(BASE, _served, {"credentials": WRONG_SECRET}),
    "unknown-key-accepted": Case(BASE, _served, {"credentials": STRANGER}),
    "stale-timestamp-accepted": Case(BASE, _served, stale=True),
}


def _exchange(emulator: Emulator, case: Case, clock: Clock) -> Response:
    if case.stale:
        clock.advance(-3600)
    request = emulator.request(case.params, **case.options)
    if case.stale:
        clock.advance(3600)
    return emulator.handle(request)


def test_every_fault_has_a_case_here() -> None:
    assert set(CASES) == set(FAULTS)


@pytest.mark.parametrize("name", list(FAULTS))
def test_the_fault_changes_what_it_names(name: str, clock: Clock) -> None:
    case = CASES[name]
    right = _exchange(Emulator(clock=clock), case, clock)
    wrong = _exchange(Emulator(faults=[name], clock=clock), case, clock)
    case.check(right, wrong)


@pytest.mark.parametrize("name", list(FAULTS))
def test_one_response_shows_no_rule_but_the_faults_own(name: str, clock: Clock) -> None:
    case, fault = CASES[name], FAULTS[name]
    wrong = _exchange(Emulator(faults=[name], clock=clock), case, clock)
    if wrong.status != 200:
        return  # the crash: a status a single body cannot be judged by
    params = decode(wire_pairs(case.params)).params
    found = {deviation.rule for deviation in validate_response(wrong.body, params)}
    assert found <= {fault.rule} | case.also
    if case.single:
        assert fault.rule in found


def wire_pairs(params: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's parameters as pairs, with the zone default the emulator's requests carry."""
    from conformance.wire import encode

    return encode({"action": "DescribeClusterJobs", **params})


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("status-done-with-failure", {**BASE, "status": ["failed"]}),
        ("limit-off-by-one", BASE),
        ("limit-off-by-one", {**BASE, "limit": 100}),
        ("offset-off-by-one", BASE),
        ("no-cap-at-100", {**BASE, "limit": 100}),
        ("duplicate-job", {**BASE, "limit": 1}),
        ("combined-filters-or", {**BASE, "status": ["failed"]}),
        ("crash-on-negative-offset", {**BASE, "offset": 3}),
        ("jobs-filter-ignored", BASE),
        ("status-filtered-in-an-array", BASE),
    ],
)
def test_a_fault_for_particular_inputs_leaves_other_inputs_alone(
    name: str, params: dict[str, Any], clock: Clock
) -> None:
    right = Emulator(clock=clock).call(params)
    wrong = Emulator(faults=[name], clock=clock).call(params)
    assert (wrong.status, wrong.body) == (right.status, right.body)


def test_input_faults_keep_the_other_input_checks(clock: Clock) -> None:
    assert (
        Emulator(faults=["crash-on-negative-offset"], clock=clock)
        .call({**BASE, "offset": "x"})
        .json()["ret_code"]
        == 1100
    )
    assert (
        Emulator(faults=["jobs-filter-ignored"], clock=clock)
        .call({**BASE, "jobs": ["j-nosuchjob"]})
        .json()["ret_code"]
        == 2100
    )
    assert (
        Emulator(faults=["signature-not-checked"], clock=clock)
        .call(BASE, credentials=STRANGER)
        .json()["ret_code"]
        == 1200
    )
    assert (
        Emulator(faults=["unknown-key-accepted"], clock=clock)
        .call(BASE, credentials=WRONG_SECRET)
        .json()["ret_code"]
        == 1200
    )
    assert (
        Emulator(faults=["non-integer-limit-accepted"], clock=clock)
        .call({**BASE, "limit": 0})
        .json()["ret_code"]
        == 1100
    )


def test_reopened_jobs_go_back_on_every_listing_and_no_job_twice_in_two(clock: Clock) -> None:
    emulator = Emulator(faults=["finished-jobs-reopen"], clock=clock)
    listings = [
        {
            item["job_id"]: item["status"]
            for item in emulator.call({**BASE, "limit": 100}).json()["job_set"]
        }
        for _ in range(9)
    ]
    # A filtered page or one further down is not a new listing: it answers as the last one did.
    again = emulator.call({**BASE, "limit": 100, "status": ["pending"]}).json()["job_set"]
    assert {item["job_id"] for item in again} & listings[-1].keys() == {
        job for job, status in listings[-1].items() if status == "pending"
    }
    for before, after in itertools.pairwise(listings):
        assert any(before[job] != "pending" == after[job] for job in before)
    for before, between, after in zip(listings, listings[1:], listings[2:], strict=False):
        assert all(before[job] == between[job] or between[job] == after[job] for job in before)


def test_faults_combine(clock: Clock) -> None:
    emulator = Emulator(faults=["limit-off-by-one", "total-count-as-string"], clock=clock)
    document = emulator.call({**BASE, "limit": 3}).json()
    assert (len(document["job_set"]), type(document["total_count"])) == (4, str)


def test_there_are_at_least_15_faults_each_breaking_a_catalogued_rule() -> None:
    assert len(FAULTS) >= 15
    for fault in FAULTS.values():
        assert rule(fault.rule).id == fault.rule
        assert fault.description
        assert "\n" not in fault.description


def test_the_fault_list_has_a_line_per_fault_with_name_rule_and_description() -> None:
    lines = listing()
    assert len(lines) == len(FAULTS)
    for line, fault in zip(lines, FAULTS.values(), strict=True):
        assert line.split()[:2] == [fault.name, fault.rule]
        assert line.endswith(fault.description)


def test_an_unknown_fault_name_is_a_usage_error_listing_the_valid_ones() -> None:
    with pytest.raises(UsageError) as raised:
        resolve(["limit-off-by-one", "no-such-fault"])
    message = str(raised.value)
    assert "'no-such-fault'" in message
    assert all(name in message for name in FAULTS)
    with pytest.raises(UsageError):
        Emulator(faults=["nope"])


def test_a_fault_named_twice_counts_once() -> None:
    assert [fault.name for fault in resolve(["duplicate-job", FAULTS["duplicate-job"]])] == [
        "duplicate-job"
    ]


def test_the_example_app_is_the_default_of_the_cases() -> None:
    assert BASE["app"] == APP


def test_any_two_faults_together_still_answer_every_request(clock: Clock) -> None:
    # A fault may undo what another relies on (a directive that is no longer JSON): the emulator
    # must still answer, as it promises for anything a client sends.
    jobs = default_jobs()
    requests: list[dict[str, Any]] = [
        BASE,
        {**BASE, "status": ["failed"], "limit": 100},
        {**BASE, "offset": -1},
        {**BASE, "jobs": ["j-etkt94ebqra"]},
    ]
    for first, second in itertools.permutations(FAULTS, 2):  # rewrites apply in the order given
        emulator = Emulator(faults=[first, second], jobs=jobs, clock=clock)
        for params in requests:
            assert emulator.call(params).status in {200, 500}, (first, second, params)
