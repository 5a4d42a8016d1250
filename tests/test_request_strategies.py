"""Request strategies: valid sets validate and round trip, labels tell the truth, mutations do what
their names say, and bad options are refused when drawn."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, NoSuchExample

from conformance import codes, schemas, wire
from conformance.rules import RULES
from conformance.signing import Credentials, format_time, sign, verify
from conformance.strategies import (
    AUTH_MUTATIONS,
    STATUSES,
    AuthMutation,
    InvalidRequest,
    OddRequest,
    auth_mutations,
    invalid_requests,
    odd_requests,
    valid_parameters,
)
from conformance.strategies.requests import MUTATIONS

T = TypeVar("T")
U = TypeVar("U")

APP = "app-tg3lbp0a"
ZONE = "pek3a"
TOTAL = 37
# The page's example id, then ids of both documented lengths: 15, enough for 12 distinct jobs.n.
KNOWN = ("j-etkt94ebqra", *(f"j-{n:08d}" for n in range(7)), *(f"j-{n:011d}" for n in range(7)))
CREDENTIALS = Credentials("QYACCESSKEYIDEXAMPLE", "SECRETACCESSKEY")
HEAD = (("action", "DescribeClusterJobs"), ("zone", ZONE))
AUTH_PARAMS = {"access_key_id", "time_stamp", "expires", "signature"}
SIGNING_PARAMS = AUTH_PARAMS | {"signature_method", "signature_version"}
NON_INTEGER_PARAMS = ("offset", "limit", "verbose")


def schema_valid(params: dict[str, Any]) -> bool:
    """Whether the request schema accepts ``params`` (decoded, as a server reads them)."""
    return bool(schemas.validator("request").is_valid(params))


def reach(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """Some draw that meets ``condition``, unshrunk: these tests ask only whether it is reachable."""
    # The loaded profile's settings, but no shrink or explain phase (they cost seconds and show
    # nothing here) and find's own budget of examples.
    return find(strategy, condition, settings=settings(max_examples=2000, phases=[Phase.generate]))


def reached(
    strategy: st.SearchStrategy[T], features: Callable[[T], set[U]], wanted: set[U]
) -> set[U]:
    """Which of ``wanted`` the draws from ``strategy`` show, drawing until all have been seen.

    One search for all of them, not one each: the rare ones are found while looking for the others.
    """
    seen: set[U] = set()

    def all_seen(drawn: T) -> bool:
        seen.update(features(drawn))
        return wanted <= seen

    with contextlib.suppress(NoSuchExample):  # the assertion on what is missing says more
        reach(strategy, all_seen)
    return seen & wanted


def smallest(strategy: st.SearchStrategy[T]) -> T:
    """What ``strategy`` shrinks to."""
    # Without the explain phase, which only annotates failing tests and costs a second here.
    return find(
        strategy,
        lambda _: True,
        settings=settings(phases=[Phase.generate, Phase.shrink]),
    )


# --- valid_parameters ----------------------------------------------------------------------------


@given(valid_parameters(app=APP, job_ids=KNOWN, total=TOTAL))
def test_valid_parameters_validate_against_the_request_schema_and_round_trip(
    params: dict[str, Any],
) -> None:
    assert schema_valid({"action": "DescribeClusterJobs", "zone": ZONE, **params}), params

    decoded = wire.decode(wire.encode(params))

    assert decoded.params == params
    assert decoded.problems == ()


@given(valid_parameters(app=APP, job_ids=KNOWN, total=TOTAL))
def test_valid_parameters_draw_distinct_known_jobs_and_statuses_and_verbose_0(
    params: dict[str, Any],
) -> None:
    assert params["app"] == APP
    assert set(params) <= {"app", "jobs", "status", "verbose", "offset", "limit"}
    jobs, status = params.get("jobs", KNOWN[:1]), params.get("status", STATUSES[:1])
    assert 1 <= len(jobs) == len(set(jobs)) <= 12
    assert set(jobs) <= set(KNOWN)
    assert 1 <= len(status) == len(set(status)) <= 4
    assert params.get("verbose", 0) == 0


@given(valid_parameters(app=APP, job_ids=(), max_jobs=3))
def test_valid_parameters_leave_out_jobs_when_the_target_has_none(params: dict[str, Any]) -> None:
    assert "jobs" not in params


@given(valid_parameters(app=APP, job_ids=KNOWN, max_jobs=3))
def test_valid_parameters_draw_at_most_max_jobs(params: dict[str, Any]) -> None:
    assert len(params.get("jobs", ())) <= 3


def test_valid_parameters_shrink_to_just_the_app() -> None:
    assert smallest(valid_parameters(app=APP, job_ids=KNOWN, total=TOTAL)) == {"app": APP}


@pytest.mark.parametrize(
    "condition",
    [
        lambda params: params.get("limit") == 101,
        lambda params: params.get("limit", 0) > 101,
        lambda params: params.get("offset", 0) > TOTAL,
        lambda params: params.get("offset") == 0,
        lambda params: len(params.get("jobs", ())) == 12,
        lambda params: len(params.get("status", ())) == 4,
    ],
    ids=[
        "limit-101",
        "limit-far-above-100",
        "offset-past-total",
        "offset-0",
        "12-jobs",
        "4-statuses",
    ],
)
def test_valid_parameters_reach_their_boundaries(condition: Callable[[Any], bool]) -> None:
    # find raises NoSuchExample when no draw meets the condition, and meets it when it returns.
    reach(valid_parameters(app=APP, job_ids=KNOWN, total=TOTAL), condition)


# --- invalid_requests ----------------------------------------------------------------------------


def repaired(request: InvalidRequest, known: tuple[str, ...]) -> tuple[dict[str, Any], int]:
    """The request's decoded params with its labelled defect undone, and how many defects that was.

    Written from the rule's meaning, not from the strategy, so it is an independent oracle.
    """
    params = dict(wire.decode(request.pairs).params)
    if request.rule == "DCJ-INPUT-001":
        defects = 1 if params.get("app", "") == "" else 0
        params["app"] = APP
        return params, defects
    if request.rule == "DCJ-INPUT-004":
        wrong = [name for name in NON_INTEGER_PARAMS if isinstance(params.get(name), str)]
        return {name: value for name, value in params.items() if name not in wrong}, len(wrong)
    name, legal = {"DCJ-INPUT-002": ("status", STATUSES), "DCJ-INPUT-003": ("jobs", known)}[
        request.rule
    ]
    kept = [value for value in params.get(name, ()) if value in legal]
    defects = len(params.get(name, ())) - len(kept)
    params.pop(name, None)
    return ({**params, name: kept} if kept else params), defects


EXPECTED = {
    "DCJ-INPUT-001": codes.INVALID_REQUEST_FORMAT,
    "DCJ-INPUT-002": codes.INVALID_REQUEST_FORMAT,
    "DCJ-INPUT-003": codes.RESOURCE_NOT_FOUND,
    "DCJ-INPUT-004": codes.INVALID_REQUEST_FORMAT,
}


def check_the_label_is_the_truth(request: InvalidRequest, known: tuple[str, ...]) -> None:
    """The request breaks its rule, exactly once, and nothing else."""
    assert request.rule in RULES
    assert request.expected_code == EXPECTED[request.rule]
    assert request.pairs[:2] == HEAD
    assert not {name for name, _ in request.pairs} & SIGNING_PARAMS
    decoded = wire.decode(request.pairs)
    assert decoded.problems == ()  # well-formed: invalid in value, not in encoding

    if request.rule == "DCJ-INPUT-003":
        assert schema_valid(decoded.params)
        assert set(decoded.params["jobs"]) - set(known)
    else:
        assert not schema_valid(decoded.params)

    fixed, defects = repaired(request, known)
    assert defects == 1
    assert schema_valid(fixed), fixed
    assert set(fixed.get("jobs", ())) <= set(known)
    # A limit above 100 may be rejected in the documented profile, which would blur the label.
    assert fixed.get("limit", 1) <= 100


@given(invalid_requests(app=APP, zone=ZONE, job_ids=KNOWN))
def test_every_invalid_request_breaks_its_labelled_rule_and_nothing_else(
    request: InvalidRequest,
) -> None:
    check_the_label_is_the_truth(request, KNOWN)


@given(invalid_requests(app=APP, zone=ZONE, job_ids=()))
def test_invalid_requests_need_no_known_jobs(request: InvalidRequest) -> None:
    check_the_label_is_the_truth(request, ())


# Every near miss of the one id (its last character changed) is known too: each such candidate
# collides, so only the fix-up keeps unknown ids unknown.
CROWDED = ("j-abcdefgh", *(f"j-abcdefg{char}" for char in "abcdefghijklmnopqrstuvwxyz0123456789"))


@given(invalid_requests(app=APP, zone=ZONE, job_ids=CROWDED))
def test_unknown_job_ids_stay_unknown_when_known_ids_crowd_them(request: InvalidRequest) -> None:
    check_the_label_is_the_truth(request, CROWDED)


def test_invalid_requests_shrink_to_a_request_without_app() -> None:
    assert smallest(invalid_requests(app=APP, zone=ZONE, job_ids=KNOWN)) == InvalidRequest(
        HEAD, "DCJ-INPUT-001", "app is missing", codes.INVALID_REQUEST_FORMAT
    )


def defect_of(request: InvalidRequest) -> tuple[str, str | None]:
    """The pair that carries the defect of an INPUT-001, -002 or -004 request (app missing: None)."""
    legal: Callable[[str, str], bool] = {
        "DCJ-INPUT-001": lambda name, value: name != "app" or value != "",
        "DCJ-INPUT-002": lambda name, value: not name.startswith("status.") or value in STATUSES,
        "DCJ-INPUT-004": lambda name, value: name not in NON_INTEGER_PARAMS or value.isdigit(),
    }[request.rule]
    return next((pair for pair in request.pairs if not legal(*pair)), ("app", None))


@given(invalid_requests(app=APP, zone=ZONE, job_ids=KNOWN))
def test_every_invalid_request_names_its_defect_in_its_reason(request: InvalidRequest) -> None:
    if request.rule == "DCJ-INPUT-003":
        index, job_id = next(
            (name, value)
            for name, value in request.pairs
            if name.startswith("jobs.") and value not in KNOWN
        )
        assert request.reason == f"{index}={job_id!r} is not a job the target has"
        return
    name, value = defect_of(request)
    assert (
        request.reason
        == {
            "DCJ-INPUT-001": "app is missing" if value is None else "app is empty",
            "DCJ-INPUT-002": f"{name}={value!r} is not one of pending, working, failed, successful",
            "DCJ-INPUT-004": f"{name}={value!r} is not an integer",
        }[request.rule]
    )


# What the brief and the wire sheet name: case variants, empty, unknown words, non-integers.
DEFECTS = {
    ("DCJ-INPUT-001", None),
    ("DCJ-INPUT-001", ""),
    *(("DCJ-INPUT-002", value) for value in ("Pending", "SUCCESSFUL", "", "done", "running")),
    ("DCJ-INPUT-002", "done with failure"),
    *(("DCJ-INPUT-004", value) for value in ("abc", "1.5", "", " 1", "0x10", "1e3")),
}


def test_invalid_requests_reach_each_documented_kind_of_defect() -> None:
    def defect(request: InvalidRequest) -> set[tuple[str, str | None]]:
        return set() if request.rule == "DCJ-INPUT-003" else {(request.rule, defect_of(request)[1])}

    assert reached(invalid_requests(app=APP, zone=ZONE, job_ids=KNOWN), defect, DEFECTS) == DEFECTS


def test_an_unknown_job_id_can_hide_among_known_ones() -> None:
    found = reach(
        invalid_requests(app=APP, zone=ZONE, job_ids=KNOWN),
        lambda request: (
            request.rule == "DCJ-INPUT-003" and len(wire.decode(request.pairs).params["jobs"]) >= 3
        ),
    )

    assert "is not a job the target has" in found.reason


# --- odd_requests --------------------------------------------------------------------------------

DOCUMENTED_NAMES = {"action", "zone", "app", "jobs", "status", "verbose", "offset", "limit"}


def is_odd(request: OddRequest) -> bool:
    """Malformed, outside the schema, carrying undocumented names, or with an outsized app."""
    decoded = wire.decode(request.pairs)
    return bool(
        decoded.problems
        or not schema_valid(decoded.params)
        or set(decoded.params) - DOCUMENTED_NAMES
        or len(decoded.params["app"]) >= 10_000
    )


@given(odd_requests(app=APP, zone=ZONE))
def test_odd_requests_never_carry_a_signature_and_are_really_odd(request: OddRequest) -> None:
    assert request.pairs[:2] == HEAD
    assert not {name for name, _ in request.pairs} & SIGNING_PARAMS
    assert request.reason
    assert is_odd(request), request


@given(odd_requests(app=APP, zone=ZONE, job_ids=KNOWN))
def test_odd_requests_use_the_known_job_ids_they_are_given(request: OddRequest) -> None:
    jobs = {value for name, value in request.pairs if name.split(".")[0] == "jobs"}

    assert jobs <= set(KNOWN)


def problem_kind(kind: str) -> Callable[[OddRequest], bool]:
    return lambda request: any(
        problem.kind == kind for problem in wire.decode(request.pairs).problems
    )


def pair(name: str, value: str) -> Callable[[OddRequest], bool]:
    return lambda request: (name, value) in request.pairs


@pytest.mark.parametrize(
    "condition",
    [
        problem_kind("zero-index"),
        problem_kind("bad-index"),
        problem_kind("gap"),
        problem_kind("duplicate"),
        problem_kind("scalar-beside-array"),
        pair("verbose", "1"),
        pair("verbose", "2"),
        pair("limit", "0"),
        pair("limit", "-1"),
        pair("offset", "-1"),
        pair("reverse", "1"),
        lambda request: {"cluster", "sort_key", "req_id"} <= {name for name, _ in request.pairs},
        lambda request: len(dict(request.pairs)["app"]) == 10 * 1024,
    ],
    ids=[
        "index-0",
        "index-x",
        "gap",
        "duplicate",
        "scalar-beside-array",
        "verbose-1",
        "verbose-2",
        "limit-0",
        "limit-negative",
        "offset-negative",
        "reverse",
        "sdk-parameters",
        "10-kB-app",
    ],
)
def test_odd_requests_reach_each_kind_the_page_leaves_open(
    condition: Callable[[OddRequest], bool],
) -> None:
    reach(odd_requests(app=APP, zone=ZONE), condition)  # raises NoSuchExample when unreachable


# --- auth mutations ------------------------------------------------------------------------------


# Ten requests for each of the 20 mutations, verbs and paths: the mutation is what varies here. Drawn
# with the request, 60 examples in all could leave a combination untried.
@pytest.mark.parametrize("mutation", list(MUTATIONS.values()), ids=list(MUTATIONS))
@pytest.mark.parametrize("verb", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/iaas/", "/iaas"])
@settings(max_examples=10)
@given(
    params=valid_parameters(app=APP, job_ids=KNOWN, total=TOTAL),
    now=st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2035, 1, 1),
        timezones=st.just(timezone.utc),
    ),
)
def test_each_auth_mutation_does_exactly_what_its_name_says(
    mutation: AuthMutation, params: dict[str, Any], verb: str, path: str, now: datetime
) -> None:
    pairs = [*HEAD, *wire.encode(params)]
    right = sign(pairs, CREDENTIALS, verb=verb, path=path, now=now)  # what an honest client sends
    secret = CREDENTIALS.secret_access_key

    sent = mutation.apply(pairs, CREDENTIALS, now=now, verb=verb, path=path)

    if mutation.name == "wrong-signature":
        assert sent[:-1] == right[:-1]
        assert sent[-1][0] == "signature"
        assert sent[-1][1] != right[-1][1]
        assert len(base64.b64decode(sent[-1][1], validate=True)) == 32  # still looks like SHA-256
        assert not verify(sent, secret, verb=verb, path=path)
    elif mutation.name == "changed-after-signing":
        assert len(sent) == len(right)
        changed = [(old, new) for old, new in zip(right, sent, strict=True) if old != new]
        assert len(changed) == 1
        (name, _), (new_name, _) = changed[0]
        assert name == new_name == ("limit" if "limit" in params else "time_stamp")
        assert schema_valid(wire.decode(sent).params)  # the change alone keeps it valid
        assert not verify(sent, secret, verb=verb, path=path)
        # Signing what was sent would have been fine: the change after signing is the only fault.
        assert verify(sign(sent, CREDENTIALS, verb=verb, path=path), secret, verb=verb, path=path)
    elif mutation.name == "stale-time-stamp":
        assert verify(sent, secret, verb=verb, path=path)
        assert dict(sent)["time_stamp"] == format_time(now - timedelta(minutes=10))
        assert "expires" not in dict(sent)
        assert sent == sign(
            pairs, CREDENTIALS, verb=verb, path=path, now=now - timedelta(minutes=10)
        )
    elif mutation.name == "unknown-key":
        other = mutation.signed_with(CREDENTIALS)
        assert other.access_key_id != CREDENTIALS.access_key_id
        assert other.secret_access_key != secret
        assert dict(sent)["access_key_id"] == other.access_key_id
        assert verify(sent, other.secret_access_key, verb=verb, path=path)
        assert not verify(sent, secret, verb=verb, path=path)
        assert dict(sent)["time_stamp"] == format_time(now)
    else:
        assert mutation.name == "missing-signature"
        assert sent == right[:-1]
        assert not verify(sent, secret, verb=verb, path=path)


@pytest.mark.parametrize(
    ("name", "rule", "code"),
    [
        ("wrong-signature", "DCJ-AUTH-001", codes.AUTH_FAILURE),
        ("changed-after-signing", "DCJ-AUTH-001", codes.AUTH_FAILURE),
        ("stale-time-stamp", "DCJ-AUTH-003", codes.REQUEST_HAS_EXPIRED),
        ("unknown-key", "DCJ-AUTH-002", codes.AUTH_FAILURE),
        ("missing-signature", "DCJ-AUTH-001", codes.AUTH_FAILURE),
    ],
)
def test_auth_mutations_reach_every_mutation_with_its_rule_and_code(
    name: str, rule: str, code: int
) -> None:
    mutation = reach(auth_mutations(), lambda drawn: drawn.name == name)

    assert (mutation.rule, mutation.expected_code) == (rule, code)
    assert mutation.rule in RULES


def test_auth_mutations_name_each_mutation_once() -> None:
    assert (
        sorted(AUTH_MUTATIONS)
        == sorted(set(AUTH_MUTATIONS))
        == sorted(
            (
                "wrong-signature",
                "changed-after-signing",
                "stale-time-stamp",
                "unknown-key",
                "missing-signature",
            )
        )
    )


def test_auth_mutations_shrink_to_a_wrong_signature() -> None:
    assert smallest(auth_mutations()).name == "wrong-signature"


def test_a_mutation_replaces_auth_parameters_already_in_the_pairs() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    plain = [*HEAD, ("app", APP), ("limit", "20")]
    stale_signed = sign(plain, CREDENTIALS, now=now - timedelta(days=1))
    mutation = reach(auth_mutations(), lambda drawn: drawn.name == "unknown-key")

    again = mutation.apply(stale_signed, CREDENTIALS, now=now, verb="GET", path="/iaas/")
    fresh = mutation.apply(plain, CREDENTIALS, now=now, verb="GET", path="/iaas/")

    # The same pairs (signature_method and signature_version keep their places), one of each.
    assert sorted(again) == sorted(fresh)
    assert len({name for name, _ in again}) == len(again)


def test_auth_mutation_refuses_an_unknown_name() -> None:
    with pytest.raises(InvalidArgument, match=r"unknown auth mutation 'bad-date'.*wrong-signature"):
        AuthMutation("bad-date", "DCJ-AUTH-001", codes.AUTH_FAILURE)


# --- bad options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: valid_parameters(app=APP, job_ids=KNOWN, max_jobs=0),
            r"max_jobs must be an int >= 1, not 0",
        ),
        (
            lambda: valid_parameters(app="", job_ids=KNOWN),
            r"app must be a non-empty string.*not ''",
        ),
        (lambda: valid_parameters(app=APP, job_ids="j-etkt94ebqra"), r"job_ids must be a sequence"),
        (lambda: valid_parameters(app=APP, job_ids=["j-1", ""]), r"non-empty strings.*\[''\]"),
        (
            lambda: valid_parameters(app=APP, job_ids=KNOWN, total=-1),
            r"total must be None or .* not -1",
        ),
        (
            lambda: invalid_requests(app=APP, zone="PEK3A", job_ids=KNOWN),
            r"zone must be .* not 'PEK3A'",
        ),
        (
            lambda: invalid_requests(app=b"app", zone=ZONE, job_ids=KNOWN),  # type: ignore[arg-type]
            r"app must be .* not b'app'",
        ),
        (lambda: odd_requests(app=APP, zone=""), r"zone must be .* not ''"),
    ],
    ids=[
        "max-jobs-0",
        "empty-app",
        "job-ids-a-string",
        "an-empty-job-id",
        "negative-total",
        "upper-case-zone",
        "app-as-bytes",
        "empty-zone",
    ],
)
def test_strategies_refuse_bad_options_when_drawn(
    build: Callable[[], st.SearchStrategy[Any]], message: str
) -> None:
    strategy = build()  # building is lazy, as hypothesis's own strategies are

    with pytest.raises(InvalidArgument, match=message):
        reach(strategy, lambda _: True)
