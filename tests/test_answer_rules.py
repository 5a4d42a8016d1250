"""What one served answer could have broken: a refused or empty answer exercises no job rule."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.judgement.cases import ANSWER, ANSWER_DEPENDENT, answer_rules, unserved

JOB: dict[str, Any] = {"job_id": "j-1", "status": "failed"}


def _listing(jobs: int, total: int) -> dict[str, Any]:
    return {"ret_code": 0, "total_count": total, "job_set": [JOB] * jobs}


@pytest.mark.parametrize(
    ("document", "params", "exercised", "not_exercised"),
    [
        pytest.param(
            {"ret_code": 2100, "message": "ResourceNotFound"},
            {"app": "a", "status": ["failed"]},
            set(),
            {"DCJ-FILTER-001", "DCJ-ITEM-001", "DCJ-RESP-003"},
            id="refused",
        ),
        pytest.param(
            _listing(0, 500),
            {"app": "a"},
            {"DCJ-RESP-003", "DCJ-PAGE-006"},
            {"DCJ-ITEM-001"},
            id="a-total-that-lies",
        ),
        pytest.param(
            _listing(2, 2),
            {"app": "a", "status": ["failed"]},
            {"DCJ-FILTER-001", "DCJ-ITEM-001"},
            {"DCJ-FILTER-002", "DCJ-PAGE-002"},
            id="status-filter",
        ),
        pytest.param(
            _listing(100, 213),
            {"app": "a", "limit": 101},
            {"DCJ-PAGE-001", "DCJ-PAGE-002"},
            {"DCJ-PAGE-006"},
            id="over-the-cap",
        ),
        pytest.param(
            _listing(50, 50),
            {"app": "a", "limit": 101},
            {"DCJ-PAGE-004"},
            {"DCJ-PAGE-001"},
            id="over-the-cap-of-a-short-listing",
        ),
    ],
)
def test_an_answer_exercises_only_what_it_could_have_broken(
    document: object, params: dict[str, Any], exercised: set[str], not_exercised: set[str]
) -> None:
    rules = answer_rules(document, params)
    assert ANSWER - ANSWER_DEPENDENT <= rules <= ANSWER
    assert exercised <= rules
    assert not (not_exercised & rules)


def test_every_rule_that_needs_a_served_answer_says_what_was_missing() -> None:
    for rule_id in ANSWER_DEPENDENT:
        assert unserved(rule_id).startswith("no ")
