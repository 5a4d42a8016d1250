"""The cross-call verdicts, judged on plain values: the live probes and the offline judge call them."""

from __future__ import annotations

import pytest

from conformance import codes
from conformance.contract import FAILED, MAX_LIMIT, PENDING, STATUSES, SUCCESSFUL, WORKING, later
from conformance.deviation import Profile
from conformance.judgement.listing import Bracket, Universe
from conformance.judgement.verdicts import (
    Refusal,
    lifecycle_deviations,
    listing_ends,
    paging_walk_deviations,
    rejection_deviations,
)

JOBS = {f"j-{n:08d}": "successful" for n in range(10)}
STEADY = Bracket(Universe("app", JOBS, 10, True), Universe("app", JOBS, 10, True))
MISSING_APP = Refusal("DCJ-INPUT-001", "app is missing", codes.INVALID_REQUEST_FORMAT)


def _walk(returned: list[str], totals: list[int], bracket: Bracket = STEADY) -> list[str]:
    found = paging_walk_deviations(
        bracket,
        limit=4,
        returned=returned,
        totals=totals,
        walked_all=True,
        profile=Profile.DOCUMENTED,
    )
    return [f"{d.rule}: {d.message}" for d in found]


def test_pages_that_tile_the_listing_show_nothing() -> None:
    assert _walk(list(JOBS), [10, 10, 10]) == []


def test_a_job_on_two_pages_breaks_the_tiling() -> None:
    returned = [*list(JOBS)[:4], *list(JOBS)[3:]]

    assert _walk(returned, [10, 10, 10]) == [
        "DCJ-PAGE-004: pages of limit=4 repeat jobs: j-00000003"
    ]


def test_a_repeat_per_job_that_arrived_during_the_walk_is_the_listing_moving() -> None:
    grown = {**JOBS, "j-99999999": "pending"}
    moving = Bracket(Universe("app", JOBS, 10, True), Universe("app", grown, 11, True))
    returned = [*list(JOBS)[:4], *list(JOBS)[3:]]

    assert _walk(returned, [10, 11, 11], moving) == []


def test_a_job_on_no_page_breaks_the_tiling() -> None:
    assert _walk(list(JOBS)[1:], [10, 10, 10]) == [
        "DCJ-PAGE-004: pages of limit=4 skip jobs of the listing: j-00000000"
    ]


def test_a_total_outside_the_listings_around_the_walk_is_wrong_once() -> None:
    assert _walk(list(JOBS), [10, 4, 4]) == [
        "DCJ-PAGE-005: total_count is 4 on page 2 (limit=4), but the listing holds 10 to 10 jobs"
    ]


@pytest.mark.parametrize(
    ("offset", "limit", "size", "total", "ends"),
    [
        (0, 4, 4, 10, False),
        (8, 4, 2, 10, True),  # reaches the total
        (4, 4, 0, 10, True),  # an empty page ends a walk whatever the total says
        (0, 1000, MAX_LIMIT, 150, False),  # a limit past the cap asks for a page of the cap
        (100, 1000, 50, 150, True),
    ],
)
def test_a_walk_ends_at_an_empty_page_or_at_its_total(
    offset: int, limit: int, size: int, total: int, ends: bool
) -> None:
    assert listing_ends(offset=offset, limit=limit, size=size, total=total) is ends


def test_an_accepted_request_breaks_the_rule_of_each_way_it_must_be_refused() -> None:
    empty_status = Refusal("DCJ-INPUT-002", "status 'done' is not a status", 1100)

    found = rejection_deviations(0, [MISSING_APP, empty_status], Profile.DOCUMENTED)

    assert [(d.rule, d.message) for d in found] == [
        ("DCJ-INPUT-001", "accepted: app is missing"),
        ("DCJ-INPUT-002", "accepted: status 'done' is not a status"),
    ]


def test_a_refusal_with_another_code_breaks_the_error_code_rule_and_names_the_right_one() -> None:
    (found,) = rejection_deviations(codes.RESOURCE_NOT_FOUND, [MISSING_APP], Profile.DOCUMENTED)

    assert found.rule == "DCJ-ERROR-002"
    assert found.message == (
        f"rejected with ret_code {codes.RESOURCE_NOT_FOUND}, not "
        f"{codes.INVALID_REQUEST_FORMAT} {codes.TOKENS[codes.INVALID_REQUEST_FORMAT]}: "
        "app is missing"
    )


@pytest.mark.parametrize("code", [codes.INVALID_REQUEST_FORMAT, None])
def test_a_refusal_with_its_code_or_without_a_readable_one_shows_nothing_here(
    code: int | None,
) -> None:
    # A ret_code that is not an integer is the response rules' to report.
    assert rejection_deviations(code, [MISSING_APP], Profile.DOCUMENTED) == []


def test_a_request_nothing_refuses_is_no_rejection_case() -> None:
    assert rejection_deviations(0, [], Profile.DOCUMENTED) == []


def _moved(before: str, after: str) -> list[str]:
    moved = Bracket(
        Universe("app", {**JOBS, "j-moving": before}, 11, True),
        Universe("app", {**JOBS, "j-moving": after, "j-arrived": PENDING}, 12, True),
    )
    return [d.rule for d in lifecycle_deviations(moved, Profile.DOCUMENTED)]


@pytest.mark.parametrize("before", STATUSES)
@pytest.mark.parametrize("after", STATUSES)
def test_a_status_may_move_on_by_any_number_of_steps_but_never_back(
    before: str, after: str
) -> None:
    forward = {
        (PENDING, PENDING),
        (PENDING, WORKING),
        (PENDING, SUCCESSFUL),
        (PENDING, FAILED),
        (WORKING, WORKING),
        (WORKING, SUCCESSFUL),
        (WORKING, FAILED),
        (SUCCESSFUL, SUCCESSFUL),
        (FAILED, FAILED),
    }

    assert (after in later(before)) is ((before, after) in forward)
    assert _moved(before, after) == ([] if (before, after) in forward else ["DCJ-ITEM-008"])


def test_a_status_the_lifecycle_lacks_is_left_to_the_status_rule() -> None:
    assert _moved(SUCCESSFUL, "done with failure") == []
    assert _moved("done with failure", PENDING) == []


def test_a_job_gone_back_is_named_with_both_statuses() -> None:
    back = Bracket(
        Universe("app", JOBS, 10, True),
        Universe("app", {**JOBS, "j-00000003": PENDING}, 10, True),
    )

    found = lifecycle_deviations(back, Profile.DOCUMENTED)

    assert [(d.rule, d.message) for d in found] == [
        (
            "DCJ-ITEM-008",
            "1 job(s) moved back in their lifecycle between two listings: "
            "j-00000003 successful → pending",
        )
    ]
