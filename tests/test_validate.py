"""The validation engine: the page's example is clean, every rule fires on a broken copy of it.

Each broken variant changes the documented example in one place and names exactly the rules that
must fire, so a rule that goes quiet or a new rule that starts shouting both fail here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import schemas, validate
from conformance.deviation import Deviation, Profile, Severity
from conformance.documented import example_response_text, lines_of
from conformance.rules import CATALOGUE
from conformance.strategies import STATUSES, responses
from conformance.validate import validate_response

EXAMPLE: dict[str, Any] = json.loads(example_response_text())
REQUEST: dict[str, Any] = {
    "app": "app-tg3lbp0a",
    "jobs": ["j-etkt94ebqra"],
    "limit": 1,
    "zone": "pek3a",
}
JOB_ID = "j-etkt94ebqra"
CLUSTER = "cl-xi3aoihf"

# The job fields the Response Item table lists (all required) and those only the example shows.
TABLE_FIELDS = (
    "job_id",
    "create_time",
    "directive",
    "resource_ids",
    "owner",
    "status",
    "status_time",
    "resources",
)
EXAMPLE_ONLY_FIELDS = ("job_action", "error_codes", "extras")
RESPONSE_ELEMENTS = ("action", "job_set", "total_count", "ret_code")


# --- building broken copies of the example -------------------------------------------------------


def example() -> dict[str, Any]:
    """A fresh deep copy of the documented example response."""
    return copy.deepcopy(EXAMPLE)


def without(*path: str | int) -> dict[str, Any]:
    """The example with the field at ``path`` removed."""
    document = example()
    parent: Any = document
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return document


def replaced(*path: str | int, value: object) -> dict[str, Any]:
    """The example with the field at ``path`` set to ``value``."""
    document = example()
    parent: Any = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def job(**fields: object) -> dict[str, Any]:
    """The example with its one job's ``fields`` replaced."""
    document = example()
    document["job_set"][0].update(fields)
    return document


def example_directive() -> dict[str, Any]:
    """The example job's directive, decoded."""
    decoded: dict[str, Any] = json.loads(EXAMPLE["job_set"][0]["directive"])
    return decoded


def directive(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """The example with its directive decoded, changed (or replaced by what ``change`` returns)."""
    decoded = example_directive()
    result = change(decoded)
    return job(directive=json.dumps(decoded if result is None else result))


def dropping(*names: str) -> Callable[[dict[str, Any]], None]:
    """A directive change that removes the top-level fields ``names``."""

    def drop(decoded: dict[str, Any]) -> None:
        for name in names:
            del decoded[name]

    return drop


def many_jobs(count: int, *, total_count: int | None = None) -> dict[str, Any]:
    """The example with ``count`` distinct, consistent jobs (the example job under new ids)."""
    document = example()
    template = document["job_set"][0]
    document["job_set"] = [dict(template, job_id=f"j-{index:08d}") for index in range(count)]
    document["total_count"] = count if total_count is None else total_count
    return document


@dataclass(frozen=True)
class Variant:
    """One broken body, the request it answered, and exactly the rules that must fire."""

    id: str
    body: object
    rules: frozenset[str]
    request: dict[str, Any] | None = None
    # Where the deviations must point, as (pointer, inner_pointer) pairs; None: not checked.
    where: frozenset[tuple[str, str]] | None = None
    # Severity of every deviation in the documented profile; the strict profile makes all violations.
    documented_severity: Severity = Severity.VIOLATION


def variant(
    id: str,
    body: object,
    *rules: str,
    request: dict[str, Any] | None = None,
    where: set[tuple[str, str]] | None = None,
    documented_severity: Severity = Severity.VIOLATION,
) -> Variant:
    return Variant(
        id=id,
        body=body,
        rules=frozenset(f"DCJ-{rule_id}" for rule_id in rules),
        request=request,
        where=frozenset(where) if where is not None else None,
        documented_severity=documented_severity,
    )


def _wrong_type_rule(name: str) -> str:
    # x-rule annotations name a more specific rule than "wrong type" for some fields.
    return {
        "status": "ITEM-004",
        "directive": "DIRECTIVE-001",
        "create_time": "ITEM-003",
        "status_time": "ITEM-003",
    }.get(name, "ITEM-002")


def _variants() -> Iterator[Variant]:
    # Each documented response element missing, and of the wrong type.
    for name in RESPONSE_ELEMENTS:
        yield variant(
            f"response-{name}-missing", without(name), "RESP-003", where={(f"/{name}", "")}
        )
    yield variant("response-action-not-a-string", replaced("action", value=1), "RESP-005")
    yield variant("response-job_set-an-object", replaced("job_set", value={}), "RESP-004")
    yield variant("response-total_count-a-string", replaced("total_count", value="1"), "RESP-004")
    yield variant(
        "response-total_count-negative", replaced("total_count", value=-1), "RESP-004", "PAGE-003"
    )
    yield variant(
        "response-action-of-another-call",
        replaced("action", value="DescribeClustersResponse"),
        "RESP-005",
        where={("/action", "")},
    )
    yield variant(
        "response-ret_code-the-string-0",
        replaced("ret_code", value="0"),
        "RESP-006",
        where={("/ret_code", "")},
    )
    yield variant("response-ret_code-false", replaced("ret_code", value=False), "RESP-006")

    # Each documented job field missing, and of the wrong type.
    for name in TABLE_FIELDS:
        yield variant(
            f"job-{name}-missing",
            without("job_set", 0, name),
            "ITEM-001",
            where={(f"/job_set/0/{name}", "")},
        )
    yield variant(
        "job-resources-clusters-missing", without("job_set", 0, "resources", "clusters"), "ITEM-001"
    )
    for name in (*TABLE_FIELDS, *EXAMPLE_ONLY_FIELDS):
        wrong: object = ["a", "list"] if name in {"resources", "extras"} else 12345
        yield variant(
            f"job-{name}-of-the-wrong-type",
            job(**{name: wrong}),
            _wrong_type_rule(name),
            where={(f"/job_set/0/{name}", "")},
        )
    yield variant(
        "job-resources-clusters-a-string",
        replaced("job_set", 0, "resources", "clusters", value=CLUSTER),
        "ITEM-002",
        where={("/job_set/0/resources/clusters", "")},
    )

    # Times, status, and their order.
    yield variant(
        "job-create_time-with-a-local-offset",
        job(create_time="2018-03-04T13:37:58+08:00"),
        "ITEM-003",
        where={("/job_set/0/create_time", "")},
    )
    yield variant(
        "job-status_time-with-a-local-offset",
        job(status_time="2018-03-04T13:38:05+08:00"),
        "ITEM-003",
    )
    yield variant(
        "job-create_time-in-month-13", job(create_time="2018-13-04T05:37:58Z"), "ITEM-003"
    )
    yield variant(
        "job-status_time-in-month-13", job(status_time="2018-13-04T05:38:05Z"), "ITEM-003"
    )
    yield variant(
        "job-create_time-with-a-space", job(create_time="2018-03-04 05:37:58Z"), "ITEM-003"
    )
    yield variant(
        "job-status-done-with-failure",
        job(status="done with failure"),
        "ITEM-004",
        where={("/job_set/0/status", "")},
    )
    yield variant(
        "job-status_time-before-create_time",
        job(status_time="2018-03-04T05:37:57Z"),
        "ITEM-007",
        where={("/job_set/0/status_time", "")},
    )

    # The directive, layer by layer.
    yield variant(
        "directive-an-object-not-a-string",
        job(directive=example_directive()),
        "DIRECTIVE-001",
        where={("/job_set/0/directive", "")},
    )
    yield variant(
        "directive-not-json",
        job(directive="{sender: system}"),
        "DIRECTIVE-002",
        where={("/job_set/0/directive", "")},
    )
    yield variant("directive-empty", job(directive=""), "DIRECTIVE-002")
    yield variant(
        "directive-without-sender",
        directive(dropping("sender")),
        "DIRECTIVE-003",
        where={("/job_set/0/directive", "/sender")},
    )
    yield variant(
        "directive-privilege-a-string",
        directive(lambda d: d["sender"].update(privilege="10")),
        "DIRECTIVE-003",
        where={("/job_set/0/directive", "/sender/privilege")},
    )
    yield variant(
        "directive-clusters-not-a-list",
        directive(lambda d: d.update(clusters=CLUSTER)),
        "DIRECTIVE-003",
        where={("/job_set/0/directive", "/clusters")},
    )
    yield variant(
        "directive-a-json-array",
        directive(lambda d: [d]),
        "DIRECTIVE-003",
        where={("/job_set/0/directive", "/")},
    )
    yield variant(
        "directive-expires-with-a-local-offset",
        directive(lambda d: d.update(expires="2018-03-04T13:38:58+08:00")),
        "DIRECTIVE-003",
        where={("/job_set/0/directive", "/expires")},
    )

    # Fields of one job that must agree.
    yield variant(
        "consist-job_action-differs-from-directive",
        job(job_action="RestartClusterService"),
        "CONSIST-001",
        where={("/job_set/0/job_action", "")},
    )
    yield variant(
        "consist-resource_ids-differ-from-directive",
        job(resource_ids=f"{CLUSTER} cl-aaaaaaaa"),
        "CONSIST-002",
        where={("/job_set/0/resource_ids", "")},
    )
    yield variant(
        "consist-resources-clusters-differ",
        job(resources={"clusters": ["cl-aaaaaaaa"]}),
        "CONSIST-003",
        where={("/job_set/0/resources/clusters", "")},
    )
    yield variant(
        "consist-directive-zone-not-the-request-zone",
        example(),
        "CONSIST-004",
        request=dict(REQUEST, zone="sh1a"),
        where={("/job_set/0/directive", "/zone")},
    )

    # Paging.
    yield variant("page-101-jobs", many_jobs(101), "PAGE-001", where={("/job_set", "")})
    yield variant(
        "page-101-jobs-for-limit-100",
        many_jobs(101),
        "PAGE-001",
        request={"app": "app-tg3lbp0a", "limit": 100},
    )
    yield variant(
        "page-101-jobs-for-limit-50",
        many_jobs(101),
        "PAGE-001",
        "PAGE-002",
        request={"app": "app-tg3lbp0a", "limit": 50},
    )
    yield variant(
        "page-2-jobs-for-limit-1",
        many_jobs(2),
        "PAGE-002",
        request={"app": "app-tg3lbp0a", "limit": 1, "zone": "pek3a"},
        where={("/job_set", "")},
    )
    yield variant(
        "page-21-jobs-without-a-limit",
        many_jobs(21),
        "PAGE-002",
        request={"app": "app-tg3lbp0a", "zone": "pek3a"},
    )
    yield variant(
        "page-total_count-below-the-jobs-returned",
        many_jobs(2, total_count=1),
        "PAGE-003",
        where={("/total_count", "")},
    )

    # Filters.
    yield variant(
        "filter-an-unrequested-status",
        example(),
        "FILTER-001",
        request=dict(REQUEST, status=["pending", "failed"]),
        where={("/job_set/0/status", "")},
    )
    yield variant(
        "filter-an-unrequested-job",
        example(),
        "FILTER-002",
        request=dict(REQUEST, jobs=["j-aaaaaaaaaaa"]),
        where={("/job_set/0/job_id", "")},
    )
    duplicated = example()
    duplicated["job_set"] *= 2
    duplicated["total_count"] = 2
    yield variant("filter-a-job-twice", duplicated, "FILTER-003", where={("/job_set/1/job_id", "")})

    # Error bodies.
    yield variant(
        "error-without-message",
        {"ret_code": 1100},
        "ERROR-001",
        where={("/message", "")},
    )
    yield variant("error-with-an-empty-message", {"ret_code": 1100, "message": ""}, "ERROR-001")
    yield variant(
        "error-ret_code-a-string",
        {"ret_code": "1100", "message": "InvailidRequestFormat, app is required"},
        "ERROR-001",
        where={("/ret_code", "")},
    )
    yield variant(
        "error-with-the-wrong-token",
        {"ret_code": 2100, "message": "NotFound, job [j-aaaaaaaa] does not exist"},
        "ERROR-002",
        where={("/message", "")},
        documented_severity=Severity.INFO,
    )


VARIANTS = tuple(_variants())


def _findings(found: list[Deviation]) -> set[tuple[str, str]]:
    return {(deviation.pointer, deviation.inner_pointer) for deviation in found}


# --- the example is clean ------------------------------------------------------------------------


@pytest.mark.parametrize("profile", list(Profile), ids=lambda profile: profile.value)
@pytest.mark.parametrize("request_", [None, REQUEST], ids=["without-request", "with-request"])
def test_the_documented_example_has_no_deviation(
    profile: Profile, request_: dict[str, Any] | None
) -> None:
    assert validate_response(example_response_text(), request_, profile=profile) == []
    assert validate_response(example_response_text().encode(), request_, profile=profile) == []
    assert validate_response(example(), request_, profile=profile) == []


def test_the_table_has_at_least_30_variants_with_unique_ids() -> None:
    ids = [each.id for each in VARIANTS]

    assert len(ids) >= 30
    assert len(ids) == len(set(ids))


# --- every rule fires on a broken copy -----------------------------------------------------------


@pytest.mark.parametrize("profile", list(Profile), ids=lambda profile: profile.value)
@pytest.mark.parametrize("broken", VARIANTS, ids=lambda broken: broken.id)
def test_it_reports_exactly_the_expected_rules_for_a_broken_example(
    broken: Variant, profile: Profile
) -> None:
    found = validate_response(json.dumps(broken.body), broken.request, profile=profile)

    assert {deviation.rule for deviation in found} == broken.rules
    if broken.where is not None:
        assert _findings(found) == broken.where
    severity = Severity.VIOLATION if profile is Profile.STRICT else broken.documented_severity
    assert {deviation.severity for deviation in found} == {severity}


def test_it_reports_each_missing_field_once() -> None:
    # jsonschema yields one "required" error per missing property; each must become one deviation.
    broken = without("action")
    del broken["total_count"]
    del broken["job_set"][0]["owner"]
    del broken["job_set"][0]["status"]

    found = validate_response(broken)

    assert sorted((d.rule, d.pointer) for d in found) == [
        ("DCJ-ITEM-001", "/job_set/0/owner"),
        ("DCJ-ITEM-001", "/job_set/0/status"),
        ("DCJ-RESP-003", "/action"),
        ("DCJ-RESP-003", "/total_count"),
    ]


def test_it_reports_each_missing_directive_field_once() -> None:
    found = validate_response(directive(dropping("zone", "expires")))

    assert sorted((d.rule, d.inner_pointer) for d in found) == [
        ("DCJ-DIRECTIVE-003", "/expires"),
        ("DCJ-DIRECTIVE-003", "/zone"),
    ]


def test_it_reports_a_local_time_offset_as_not_utc_and_cites_the_field_line() -> None:
    (found,) = validate_response(job(create_time="2018-03-04T13:37:58+08:00"))

    assert found.rule == "DCJ-ITEM-003"
    assert found.actual == "2018-03-04T13:37:58+08:00"
    assert found.documented is not None
    assert "create_time" in found.documented.text


def test_it_explains_a_broken_directive_at_its_inner_path() -> None:
    (found,) = validate_response(directive(lambda d: d["sender"].update(privilege="10")))

    assert found.where == "/job_set/0/directive → /sender/privilege"
    assert found.expected == "type integer"
    assert found.actual == "10"
    assert found.documented is not None
    assert "privilege" in found.documented.text


def test_it_places_deviations_in_the_job_they_are_in() -> None:
    broken = many_jobs(3)
    broken["job_set"][2]["status"] = "done with failure"

    (found,) = validate_response(broken)

    assert (found.rule, found.pointer) == ("DCJ-ITEM-004", "/job_set/2/status")


# --- undocumented fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "severity"),
    [(Profile.DOCUMENTED, Severity.UNDOCUMENTED), (Profile.STRICT, Severity.VIOLATION)],
    ids=["documented", "strict"],
)
def test_it_reports_an_undocumented_field_once_per_name(
    profile: Profile, severity: Severity
) -> None:
    body = many_jobs(3)
    for each in body["job_set"]:
        each["region"] = "pek3"
    body["job_set"][2]["owner_name"] = "system"

    found = validate_response(body, profile=profile)

    assert [(d.rule, d.pointer, d.severity) for d in found] == [
        ("DCJ-ITEM-006", "/job_set/2/owner_name", severity),
        ("DCJ-ITEM-006", "/job_set/0/region", severity),
    ]
    assert "3 of 3 jobs" in found[1].message


def test_the_fields_only_the_example_shows_are_optional() -> None:
    body = example()
    for name in EXAMPLE_ONLY_FIELDS:
        del body["job_set"][0][name]

    assert validate_response(body, REQUEST, profile=Profile.STRICT) == []


# --- citations -----------------------------------------------------------------------------------


def _every_variant_deviation() -> Iterator[Deviation]:
    for broken in VARIANTS:
        for profile in Profile:
            yield from validate_response(json.dumps(broken.body), broken.request, profile=profile)
    for body in BAD_BODIES:
        yield from validate_response(body)


def test_every_deviation_quotes_a_real_documented_line() -> None:
    checked = 0
    for deviation in _every_variant_deviation():
        cited = deviation.documented
        assert cited is not None, deviation
        assert cited.text == lines_of(cited.source)[cited.line - 1].strip(), deviation
        assert cited.text, deviation
        checked += 1

    assert checked >= len(VARIANTS)


def test_every_rule_in_the_catalogue_quotes_a_real_documented_line() -> None:
    for each in CATALOGUE:
        cited = each.documented
        assert cited.text == lines_of(cited.source)[cited.line - 1].strip(), each.id
        assert cited.text, each.id


# --- bad input never crashes ---------------------------------------------------------------------

BAD_BODIES: dict[str, object] = {
    "truncated-json": example_response_text().encode()[:120],
    "empty": b"",
    "a-json-list": b"[1, 2]",
    "a-json-number": b"42",
    "a-json-string": b'"DescribeClusterJobsResponse"',
    "json-null": b"null",
    "a-parsed-list": [EXAMPLE],
    "a-parsed-number": 42,
    "python-none": None,
    "deeply-nested-open": b"[" * 100_000,
    "deeply-nested-closed": b"[" * 100_000 + b"]" * 100_000,
    "invalid-utf-8": b'{"action": "\xff\xfe"}',
    "10-mb-of-garbage": b"\x00garbage" * 1_250_000,
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_input_yields_a_body_deviation_not_an_exception(name: str) -> None:
    (found,) = validate_response(BAD_BODIES[name])

    assert found.rule == "DCJ-RESP-001"
    assert found.severity is Severity.VIOLATION
    assert found.message.startswith("the body is")
    assert len(str(found.actual)) < 300  # an excerpt, never the whole body


def test_a_10_mb_valid_body_validates_clean() -> None:
    padded = job(extras={"padding": "x" * 10_000_000})

    assert validate_response(json.dumps(padded).encode(), REQUEST) == []


def test_a_10_mb_directive_is_reported_with_an_excerpt() -> None:
    (found,) = validate_response(job(directive="x" * 10_000_000))

    assert found.rule == "DCJ-DIRECTIVE-002"
    assert len(str(found.actual)) < 300


def test_a_deeply_nested_directive_is_not_json_to_us() -> None:
    (found,) = validate_response(job(directive="[" * 100_000))

    assert found.rule == "DCJ-DIRECTIVE-002"


def test_a_non_integer_number_is_a_wrong_type_not_a_crash() -> None:
    text = example_response_text().replace('"total_count":1', '"total_count":NaN')

    assert [d.rule for d in validate_response(text)] == ["DCJ-RESP-004"]


@pytest.mark.parametrize(
    ("place", "depth"),
    [("job_set", 1_000), ("job_set", 300), ("extras", 1_000), ("directive", 1_000)],
)
def test_a_response_nested_a_thousand_deep_is_a_deviation_not_a_recursion_error(
    place: str, depth: int
) -> None:
    nested = "[" * depth + "]" * depth
    if place == "job_set":
        text = '{"action":"DescribeClusterJobsResponse","total_count":1,"ret_code":0,"job_set":'
        body = f"{text}{nested}}}"
    elif place == "extras":
        body = json.dumps(job(extras="@")).replace('"@"', nested)
    else:
        body = json.dumps(job(directive=nested))

    found = validate_response(body.encode(), REQUEST)

    expected = "DCJ-DIRECTIVE-002" if place == "directive" else "DCJ-RESP-001"
    assert [d.rule for d in found] == [expected]
    assert "more than 254 levels deep" in found[0].message


def test_a_response_nested_as_deep_as_orjson_writes_is_judged_as_usual() -> None:
    nested = "[" * 251 + "]" * 251  # in an item in job_set in the body: 254 levels in all
    body = json.dumps(job(owner="@")).replace('"@"', nested)

    assert {d.rule for d in validate_response(body, REQUEST)} == {"DCJ-ITEM-002"}


@pytest.mark.parametrize("spelling", ["compact", "spaced", "indented"])
def test_a_member_named_twice_is_a_deviation_in_any_spelling(spelling: str) -> None:
    separators, indent = {
        "compact": ((",", ":"), None),
        "spaced": ((", ", ": "), None),
        "indented": ((",", ": "), 2),
    }[spelling]
    text = json.dumps(EXAMPLE, separators=separators, indent=indent)
    assert validate_response(text, REQUEST) == []
    twice = text.replace('"ret_code"', '"total_count": 1, "ret_code"', 1)

    (found,) = validate_response(twice, REQUEST)

    assert (found.rule, found.where, found.severity) == (
        "DCJ-RESP-007",
        "/total_count",
        Severity.VIOLATION,
    )
    assert found.message == (
        "'total_count' is named 2 times in one object: readers differ on which value counts"
    )
    assert found.actual == [1, 1]
    assert found.documented is not None
    assert "application/json" in found.documented.text


def test_a_member_named_twice_inside_a_job_or_the_directive_is_placed_there() -> None:
    item = '"job_id":"j-etkt94ebqra"'
    text = json.dumps(EXAMPLE, separators=(",", ":")).replace(item, f'{item},"owner":"x"', 1)
    decoded = example_directive()
    inner = json.dumps(decoded, separators=(",", ":")).replace('"zone"', '"zone":"sh1a","zone"')
    in_directive = json.dumps(job(directive=inner))

    assert [(d.rule, d.where) for d in validate_response(text)] == [
        ("DCJ-RESP-007", "/job_set/0/owner")
    ]
    assert [(d.rule, d.where) for d in validate_response(in_directive)] == [
        ("DCJ-RESP-007", "/job_set/0/directive → /zone")
    ]


def test_a_repeat_in_an_error_body_is_a_deviation_too() -> None:
    body = b'{"ret_code":1100,"message":"InvailidRequestFormat, x","ret_code":1100}'

    assert [d.rule for d in validate_response(body)] == ["DCJ-RESP-007"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e309", "1" * 400, "1" * 5000])
def test_odd_numbers_in_a_body_are_judged_or_refused_never_a_crash(number: str) -> None:
    text = example_response_text().replace('"total_count":1', f'"total_count":{number}')

    found = validate_response(text, REQUEST)

    assert [d.rule for d in found] in (["DCJ-RESP-004"], ["DCJ-RESP-001"], [])


# --- formats are really checked ------------------------------------------------------------------


def test_the_explaining_validator_checks_date_time_formats() -> None:
    # The pattern accepts February 30; only a FormatChecker rejects it (jsonschema skips formats without).
    item = example()["job_set"][0]
    item["create_time"] = "2018-02-30T05:37:58Z"

    errors = list(schemas.validator("job").iter_errors(item))

    assert [(e.validator, list(e.absolute_path)) for e in errors] == [("format", ["create_time"])]
    assert schemas.fast_validator("job").is_valid(item) is False
    assert list(jsonschema.Draft202012Validator(schemas.schema("job")).iter_errors(item)) == []


# --- fast path and explaining path agree ---------------------------------------------------------

_SAMPLES: dict[str, object] = {
    "string": "x",
    "integer": 7,
    "number": 1.5,
    "boolean": True,
    "null": None,
    "array": ["x"],
    "object": {"x": 1},
}
# Every documented place a mutation can hit: (layer, path within the layer, JSON type, required).
_PLACES: tuple[tuple[str, tuple[str, ...], str, bool], ...] = (
    ("response", ("action",), "string", True),
    ("response", ("job_set",), "array", True),
    ("response", ("total_count",), "integer", True),
    ("response", ("ret_code",), "integer", True),
    *(("job", (name,), "string", True) for name in TABLE_FIELDS if name != "resources"),
    ("job", ("resources",), "object", True),
    ("job", ("resources", "clusters"), "array", True),
    ("job", ("job_action",), "string", False),
    ("job", ("error_codes",), "string", False),
    ("job", ("extras",), "object", False),
    ("directive", ("sender",), "object", True),
    *(
        ("directive", ("sender", name), "string", True)
        for name in ("lang", "user_id", "console_id", "root_user_id", "role", "channel")
    ),
    ("directive", ("sender", "privilege"), "integer", True),
    *(("directive", (name,), "string", True) for name in ("zone", "expires", "action")),
    ("directive", ("clusters",), "array", True),
    ("directive", ("resource_ids",), "array", True),
)


def _mutate(container: dict[str, Any], path: tuple[str, ...], value: object, delete: bool) -> None:
    for step in path[:-1]:
        container = container[step]
    if delete:
        del container[path[-1]]
    else:
        container[path[-1]] = value


def _agree(name: str, document: object) -> bool:
    fast = bool(schemas.fast_validator(name).is_valid(document))
    explained = next(iter(schemas.validator(name).iter_errors(document)), None) is None
    return fast == explained


@st.composite
def mutations(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str, str]]:
    """A valid response changed in one documented place, and where the change is."""
    body = draw(responses(min_size=1, max_size=4))
    layer, path, kind, required = draw(st.sampled_from(_PLACES))
    delete = required and draw(st.booleans())
    value = None if delete else draw(st.sampled_from([v for k, v in _SAMPLES.items() if k != kind]))
    if layer == "response":
        _mutate(body, path, value, delete)
        return body, ("/" + path[0], "")
    index = draw(st.integers(min_value=0, max_value=len(body["job_set"]) - 1))
    item = body["job_set"][index]
    if layer == "job":
        _mutate(item, path, value, delete)
        return body, (f"/job_set/{index}/" + "/".join(path), "")
    decoded = json.loads(item["directive"])
    _mutate(decoded, path, value, delete)
    item["directive"] = json.dumps(decoded)
    return body, (f"/job_set/{index}/directive", "/" + "/".join(path))


@given(mutations())
def test_the_fast_path_and_the_explaining_path_agree_on_a_mutated_response(
    mutation: tuple[dict[str, Any], tuple[str, str]],
) -> None:
    body, where = mutation

    found = validate_response(json.dumps(body))

    assert any(d.severity is Severity.VIOLATION for d in found)
    assert where in _findings(found)
    assert _agree("response", body)
    for item in body["job_set"] if isinstance(body.get("job_set"), list) else []:
        assert _agree("job", item)
        if isinstance(item.get("directive"), str):
            assert _agree("directive", json.loads(item["directive"]))


# --- the explanation in parts is the whole body's explanation ------------------------------------

# Values that break a job field by something other than its type: a length, an enum, a pattern, a
# format; and one that breaks no schema but a rule the careful path judges (ITEM-007).
_NEAR_MISSES: tuple[tuple[str, object], ...] = (
    ("job_id", ""),
    ("owner", ""),
    ("status", "done with failure"),
    ("status", "Successful"),
    ("create_time", "2018-02-30T05:37:58Z"),
    ("create_time", "2018-03-04T13:37:58+08:00"),
    ("status_time", "2018-03-04 05:38:05Z"),
    ("status_time", "2000-01-01T00:00:00Z"),
    ("resources", {}),
    ("resources", {"clusters": [""]}),
    ("undocumented", "a field the table does not list"),
)
_JOB_PLACES = tuple(place for place in _PLACES if place[0] == "job")
_ENVELOPE_PLACES = tuple(place for place in _PLACES if place[0] == "response")
_ANSWERED = {"app": "app-tg3lbp0a", "limit": 100, "zone": "pek3a"}


def _other_than(kind: str) -> st.SearchStrategy[object]:
    return st.sampled_from([value for name, value in _SAMPLES.items() if name != kind])


@st.composite
def broken_jobs(draw: st.DrawFn, job: dict[str, Any]) -> object:
    """``job`` broken in one place: a field mistyped or missing, a near miss, or not an object."""
    how = draw(st.sampled_from(("place", "near miss", "not an object")))
    if how == "not an object":
        return draw(_other_than("object"))
    if how == "near miss":
        name, value = draw(st.sampled_from(_NEAR_MISSES))
        return {**job, name: value}
    _, path, kind, required = draw(st.sampled_from(_JOB_PLACES))
    broken = copy.deepcopy(job)
    # A job broken before may lack the field, or hold resources that are no object: break the
    # field at the top then.
    parent, name = broken, path[0]
    if len(path) == 2 and isinstance(broken.get(path[0]), dict):
        parent, name = broken[path[0]], path[1]
    if required and draw(st.booleans()):
        parent.pop(name, None)
    else:
        parent[name] = draw(_other_than(kind))
    return broken


@st.composite
def broken_responses(draw: st.DrawFn) -> dict[str, Any]:
    """A drawn response (up to a dozen jobs, so indices sort as text: 10 before 2) with one to three
    breaks in its jobs, one job possibly broken twice, and sometimes a broken envelope too."""
    body = draw(responses(min_size=1, max_size=12))
    jobs = body["job_set"]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=len(jobs) - 1))
        if isinstance(jobs[index], dict):
            jobs[index] = draw(broken_jobs(jobs[index]))
    if draw(st.booleans()):
        _, path, kind, _ = draw(st.sampled_from(_ENVELOPE_PLACES))
        delete = draw(st.booleans())
        _mutate(body, path, None if delete else draw(_other_than(kind)), delete)
    return body


def _explained_whole(body: object, request: dict[str, Any]) -> list[Deviation]:
    """validate_response as it was before responses were explained in parts: one walk of the body."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "_job_schema", lambda: None)
        return validate_response(body, request)


def test_the_response_schema_lets_each_job_be_explained_apart() -> None:
    # Otherwise every rejected body is explained whole: right, but 20 times slower.
    assert validate._job_schema() == "job"


# More than the profile's 60: the point is breadth (places, near misses, indices past 9, envelopes).
@settings(max_examples=200)
@given(broken_responses())
def test_explaining_only_the_broken_jobs_says_what_explaining_the_whole_body_says(
    body: dict[str, Any],
) -> None:
    text = json.dumps(body).encode()

    found = validate_response(text, _ANSWERED)

    assert found
    assert found == _explained_whole(text, _ANSWERED)


def test_bad_jobs_among_a_hundred_are_reported_as_the_whole_body_reports_them() -> None:
    body = many_jobs(100)
    body["job_set"][57]["status"] = "done with failure"
    body["job_set"][10]["create_time"] = "2018-02-30T05:37:58Z"
    del body["job_set"][2]["owner"]
    body["job_set"][2]["extras"] = []
    body["ret_code"] = "0"

    found = validate_response(body, _ANSWERED)

    assert found == _explained_whole(body, _ANSWERED)
    # Sorted by path as text, as python-jsonschema's whole walk is: /job_set/10 before /job_set/2.
    assert [(d.rule, d.pointer) for d in found] == [
        ("DCJ-ITEM-003", "/job_set/10/create_time"),
        ("DCJ-ITEM-001", "/job_set/2/owner"),  # missing: found at the job itself, /job_set/2
        ("DCJ-ITEM-002", "/job_set/2/extras"),
        ("DCJ-ITEM-004", "/job_set/57/status"),
        ("DCJ-RESP-006", "/ret_code"),
    ]


# --- round trip ----------------------------------------------------------------------------------


@st.composite
def answered_requests(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A drawn response and a request it correctly answers (its limit, zone and filters)."""
    zone = draw(st.sampled_from(("pek3a", "pek3", "sh1a", "gd2", "ap2a")))
    body = draw(responses(zone=zone, max_size=draw(st.integers(min_value=0, max_value=20))))
    request: dict[str, Any] = {
        "app": "app-tg3lbp0a",
        "zone": zone,
        "limit": draw(st.integers(min_value=max(1, len(body["job_set"])), max_value=100)),
    }
    if body["job_set"] and draw(st.booleans()):
        request["jobs"] = [each["job_id"] for each in body["job_set"]]
        request["status"] = sorted({each["status"] for each in body["job_set"]})
    return body, request


@pytest.mark.parametrize("profile", list(Profile), ids=lambda profile: profile.value)
@given(answered=answered_requests())
def test_everything_the_response_strategy_draws_validates_clean(
    profile: Profile, answered: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    body, request = answered

    assert validate_response(json.dumps(body).encode(), request, profile=profile) == []


def test_every_status_the_strategy_knows_is_documented() -> None:
    assert set(STATUSES) == set(schemas.schema("job")["properties"]["status"]["enum"])
