"""Churn: the data changes while a run is going on, as on a live staging system.

Steps fall due by the emulator's request count and by its clock (both injectable), and each step is
drawn from a seeded ``random.Random``: the same seed, requests and clock readings give the same
history. A step either brings a new pending job (a copy of one of its app's jobs, with a fresh id and
the current time) or moves one job on: pending → working → successful or failed. Every job stays
consistent: the directive is rewritten with the item, and ``status_time`` never goes back in time nor
before ``create_time``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from conformance.contract import FAILED, PENDING, SUCCESSFUL, WORKING
from conformance.emulator.data import (
    Job,
    format_job_time,
    job_from_item,
    new_job_id,
    parse_job_time,
)
from conformance.errors import UsageError

# A request never waits for more than this many steps, however long the clock jumped.
MAX_STEPS_PER_REQUEST = 20
# Arrivals stop when the data set has grown by this much, so memory and listing time stay bounded.
MAX_ARRIVALS = 2000


@dataclass(frozen=True)
class ChurnSettings:
    """When steps fall due: every ``every_requests`` requests and every ``every_seconds`` seconds."""

    seed: int = 0
    every_requests: int | None = 10
    every_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.every_requests is not None and self.every_requests < 1:
            raise UsageError(f"churn every_requests must be 1 or more, not {self.every_requests}")
        if self.every_seconds is not None and self.every_seconds <= 0:
            raise UsageError(f"churn every_seconds must be positive, not {self.every_seconds}")


class Churn:
    """The churn clock: counts the steps due and makes them on a tuple of jobs."""

    def __init__(self, settings: ChurnSettings, *, start: float) -> None:
        self.settings = settings
        self.steps = 0  # steps made so far (or skipped when too many fell due at once)
        self.arrivals = 0
        self._start = start
        self._rng = random.Random(settings.seed)

    def due(self, requests: int, now: float) -> int:
        """How many steps are owed after ``requests`` requests at clock reading ``now``."""
        target = 0
        if self.settings.every_requests is not None:
            target += requests // self.settings.every_requests
        if self.settings.every_seconds is not None:
            target += max(0, int((now - self._start) // self.settings.every_seconds))
        return max(0, target - self.steps)

    def advance(self, jobs: tuple[Job, ...], requests: int, now: float) -> tuple[Job, ...] | None:
        """The jobs after the steps now due, sorted; None when nothing was due."""
        owed = self.due(requests, now)
        if owed == 0:
            return None
        self.steps += owed
        changed = list(jobs)
        for _ in range(min(owed, MAX_STEPS_PER_REQUEST)):
            self._step(changed, now)
        return tuple(sorted(changed, key=lambda job: job.sort_key))

    def _step(self, jobs: list[Job], now: float) -> None:
        pending = [index for index, job in enumerate(jobs) if job.status == PENDING]
        working = [index for index, job in enumerate(jobs) if job.status == WORKING]
        choice = self._rng.random()
        if choice < 0.4 and self.arrivals < MAX_ARRIVALS and jobs:
            self._arrive(jobs, now)
        elif choice < 0.7 and pending:
            index = self._rng.choice(pending)
            jobs[index] = _moved(jobs[index], WORKING, now)
        elif working:
            index = self._rng.choice(working)
            ending = FAILED if self._rng.random() < 0.2 else SUCCESSFUL
            jobs[index] = _moved(jobs[index], ending, now)
        elif self.arrivals < MAX_ARRIVALS and jobs:
            self._arrive(jobs, now)

    def _arrive(self, jobs: list[Job], now: float) -> None:
        groups = sorted({(job.zone, job.app) for job in jobs})
        zone, app = self._rng.choice(groups)
        template = self._rng.choice([job for job in jobs if (job.zone, job.app) == (zone, app)])
        item: dict[str, Any] = dict(template.item)
        item["job_id"] = new_job_id(self._rng, (job.job_id for job in jobs))
        item["status"] = PENDING
        item["create_time"] = item["status_time"] = format_job_time(now)
        directive = json.loads(item["directive"])
        # A new job's directive expires a minute after it was made, as the example's does.
        directive["expires"] = format_job_time(now + 60)
        item["directive"] = json.dumps(directive, separators=(",", ":"))
        jobs.append(job_from_item(app, item))
        self.arrivals += 1


def _moved(job: Job, status: str, now: float) -> Job:
    item: dict[str, Any] = dict(job.item)
    previous = parse_job_time(item["status_time"]) or job.created
    item["status"] = status
    # A clock that stands still or lags the data must not move status_time back.
    item["status_time"] = format_job_time(max(now, previous, job.created))
    return job_from_item(job.app, item)
