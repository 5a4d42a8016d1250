"""Churn: jobs arrive and move on while requests come in, deterministically, and stay consistent."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conformance.emulator import ChurnSettings, Emulator
from conformance.emulator import churn as churn_module
from conformance.emulator.data import parse_job_time
from conformance.errors import UsageError
from conformance.validate import validate_response
from conformance.wire import decode, encode
from tests.emulator.helpers import BASE, Clock, assert_consistent, call


def _statuses(emulator: Emulator) -> Counter[str]:
    return Counter(job.status for job in emulator.jobs)


def _run(emulator: Emulator, clock: Clock, requests: int, *, step: float = 1.0) -> None:
    for _ in range(requests):
        clock.advance(step)
        assert call(emulator, {**BASE, "limit": 5})["ret_code"] == 0


def test_without_churn_the_data_never_changes(emulator: Emulator, clock: Clock) -> None:
    before = emulator.jobs
    _run(emulator, clock, 50)
    assert emulator.jobs is before


def test_jobs_arrive_and_statuses_advance_while_requests_come_in(clock: Clock) -> None:
    emulator = Emulator(clock=clock, churn=ChurnSettings(seed=1, every_requests=1))
    before = {job.job_id: job.status for job in emulator.jobs}
    _run(emulator, clock, 60)
    after = {job.job_id: job.status for job in emulator.jobs}
    arrived = after.keys() - before.keys()
    assert arrived
    moved = {job_id for job_id in before if before[job_id] != after[job_id]}
    assert moved
    order = {"pending": 0, "working": 1, "successful": 2, "failed": 2}
    assert all(order[after[job_id]] > order[before[job_id]] for job_id in moved)
    assert set(before) <= set(after)  # nothing disappears


def test_new_jobs_are_the_newest_and_show_on_the_first_page(clock: Clock) -> None:
    emulator = Emulator(clock=clock, churn=ChurnSettings(seed=3, every_requests=1))
    first = call(emulator, BASE)["total_count"]
    _run(emulator, clock, 40)
    document = call(emulator, BASE)
    assert document["total_count"] > first
    newest = document["job_set"][0]
    assert newest["create_time"] >= "2026-01-01T00:00:00Z"
    assert len(newest["job_id"]) == len("j-") + 11


def test_every_job_stays_consistent_under_churn(clock: Clock) -> None:
    emulator = Emulator(clock=clock, churn=ChurnSettings(seed=5, every_requests=1))
    _run(emulator, clock, 150, step=0.4)
    for job in emulator.jobs:
        assert_consistent(job)


def test_every_answer_under_churn_validates_clean(clock: Clock) -> None:
    emulator = Emulator(clock=clock, churn=ChurnSettings(seed=7, every_requests=1))
    for offset in range(0, 200, 10):  # bounded: 20 pages while the data moves
        clock.advance(2)
        params = {**BASE, "offset": offset, "limit": 10, "status": ["pending", "working"]}
        response = emulator.call(params)
        request = decode(encode(params)).params
        assert validate_response(response.body, request) == []


def test_the_same_seed_clock_and_requests_give_the_same_history() -> None:
    def history(seed: int) -> list[bytes]:
        clock = Clock()
        emulator = Emulator(clock=clock, churn=ChurnSettings(seed=seed, every_requests=2))
        _run(emulator, clock, 40)
        return [job.encoded for job in emulator.jobs]

    assert history(11) == history(11)
    assert history(11) != history(12)


def test_steps_also_fall_due_with_the_clock(clock: Clock) -> None:
    settings = ChurnSettings(seed=1, every_requests=None, every_seconds=10)
    emulator = Emulator(clock=clock, churn=settings)
    assert emulator.churn is not None
    call(emulator, BASE)
    assert emulator.churn.steps == 0
    clock.advance(35)
    call(emulator, BASE)
    assert emulator.churn.steps == 3


def test_a_clock_jump_is_caught_up_a_bounded_number_of_steps_at_a_time(clock: Clock) -> None:
    emulator = Emulator(clock=clock, churn=ChurnSettings(every_requests=None, every_seconds=1))
    before = emulator.jobs
    clock.advance(10**9)
    call(emulator, BASE)
    assert emulator.churn is not None
    assert emulator.churn.steps == 10**9
    arrived = len(emulator.jobs) - len(before)
    assert arrived <= churn_module.MAX_STEPS_PER_REQUEST


def test_a_clock_behind_the_data_never_moves_status_time_back(clock: Clock) -> None:
    clock.now = 0.0  # 1970, long before every job
    emulator = Emulator(clock=clock, churn=ChurnSettings(seed=2, every_requests=1))
    _run(emulator, clock, 80, step=0.0)
    for job in emulator.jobs:
        assert_consistent(job)
        created = parse_job_time(job.item["create_time"])
        changed = parse_job_time(job.item["status_time"])
        assert created is not None
        assert changed is not None
        assert changed >= created


def test_arrivals_stop_at_their_bound(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(churn_module, "MAX_ARRIVALS", 3)
    emulator = Emulator(clock=clock, churn=ChurnSettings(seed=4, every_requests=1))
    size = len(emulator.jobs)
    _run(emulator, clock, 120)
    assert len(emulator.jobs) == size + 3
    assert emulator.churn is not None
    assert emulator.churn.arrivals == 3


def test_churn_true_means_the_default_settings(clock: Clock) -> None:
    emulator = Emulator(clock=clock, churn=True)
    assert emulator.churn is not None
    assert emulator.churn.settings == ChurnSettings()


@pytest.mark.parametrize(
    "options", [{"every_requests": 0}, {"every_seconds": 0}, {"every_seconds": -1.0}]
)
def test_nonsense_churn_settings_are_a_usage_error(options: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match="churn"):
        ChurnSettings(**options)


def test_churn_works_on_a_users_data(clock: Clock) -> None:
    pending = [job for job in Emulator().jobs if job.status == "pending"][:2]
    emulator = Emulator(jobs=pending, clock=clock, churn=ChurnSettings(every_requests=1))
    _run(emulator, clock, 30)
    assert len(emulator.jobs) > 2
    assert {job.app for job in emulator.jobs} == {job.app for job in pending}
    assert _statuses(emulator)["pending"] < len(emulator.jobs)
    for job in emulator.jobs:
        assert_consistent(job)
