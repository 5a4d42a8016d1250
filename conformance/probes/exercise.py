"""Whether a run could have broken a rule: a rule passes only when it was exercised.

A rule about job fields cannot fail against an app with no jobs, and a status filter cannot be
caught ignoring its filter when every job has the same status. What each rule needs from the
target is declared here, and judged against the jobs learned at start-up: a rule whose need is not
met, and that nothing showed broken, is reported as not exercised, with the reason, never as passed.
Rules not named here need nothing: any answer can break them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.contract import DEFAULT_LIMIT, MAX_LIMIT, PENDING
from conformance.probes.run import Run


@dataclass(frozen=True)
class Need:
    """What a rule needs: ``met`` says whether the run has it, ``missing`` says what it lacks."""

    met: Callable[[Run], bool]
    missing: Callable[[Run], str]


def _jobs(at_least: int, why: str) -> Need:
    return Need(
        lambda run: _size(run) >= at_least,
        lambda run: f"the app has {_count(run)} and {why}",
    )


def _size(run: Run) -> int:
    # The jobs seen, or the listing's own total when learning read only its first pages.
    return max(len(run.universe.statuses), run.universe.total)


def _count(run: Run) -> str:
    seen = _size(run)
    return "no jobs" if not seen else "1 job" if seen == 1 else f"{seen} jobs"


_A_JOB = _jobs(1, "this rule is about the jobs a response holds")
_TWO_JOBS = _jobs(2, "a filter or a page can only leave a job out when there are two")
_STATUSES = Need(
    lambda run: len(set(run.universe.statuses.values())) >= 2,
    lambda run: (
        "every job of the app has the same status (or there is none), so a status filter "
        "that ignores the filter cannot be told apart"
    ),
)
_PAST_PENDING = Need(
    lambda run: any(status != PENDING for status in run.universe.statuses.values()),
    lambda run: (
        f"every job of the app is {PENDING} (or there is none), and a job that has not started "
        "cannot move back"
    ),
)
_SIGNED = Need(
    lambda run: run.client.target.credentials is not None,
    lambda run: "the target takes unsigned requests, so no signature can be wrong",
)

NEEDS: dict[str, Need] = {
    **dict.fromkeys(
        (
            "DCJ-ITEM-001",
            "DCJ-ITEM-002",
            "DCJ-ITEM-003",
            "DCJ-ITEM-004",
            "DCJ-ITEM-006",
            "DCJ-ITEM-007",
            "DCJ-DIRECTIVE-001",
            "DCJ-DIRECTIVE-002",
            "DCJ-DIRECTIVE-003",
            "DCJ-CONSIST-001",
            "DCJ-CONSIST-002",
            "DCJ-CONSIST-003",
            "DCJ-CONSIST-004",
            "DCJ-PAGE-003",
            "DCJ-FILTER-003",
        ),
        _A_JOB,
    ),
    **dict.fromkeys(
        ("DCJ-PAGE-002", "DCJ-PAGE-004", "DCJ-FILTER-002", "DCJ-FILTER-004"), _TWO_JOBS
    ),
    "DCJ-FILTER-001": _STATUSES,
    "DCJ-ITEM-008": _PAST_PENDING,
    "DCJ-PAGE-006": _jobs(
        DEFAULT_LIMIT + 1,
        f"only a listing of more than {DEFAULT_LIMIT} shows the default page size",
    ),
    "DCJ-PAGE-001": _jobs(
        MAX_LIMIT + 1, f"only a listing of more than {MAX_LIMIT} can overfill a page"
    ),
    **dict.fromkeys(("DCJ-AUTH-001", "DCJ-AUTH-002", "DCJ-AUTH-003"), _SIGNED),
}


def unexercised(rule_id: str, run: Run) -> str | None:
    """Why the run could not have broken ``rule_id`` (None: it could)."""
    need = NEEDS.get(rule_id)
    if need is None or need.met(run):
        return None
    return need.missing(run)
