"""The run's verdict in a word and a sentence: the top of every report."""

from __future__ import annotations

from typing import NamedTuple

from conformance.coverage.lines import Coverage
from conformance.report import Report


class Verdict(NamedTuple):
    """``word``: CONFORMANT, DEVIATIONS, STOPPED or UNDER-COVERED; ``sentence`` says the rest."""

    word: str
    sentence: str
    passed: bool


def verdict(report: Report, coverage: Coverage, *, fail_under: float | None = None) -> Verdict:
    """What the run comes to."""
    violations = report.violations()
    facts = (
        f"{len(report.exercised)} of {report.rules} rules exercised with {report.requests} "
        f"requests against {report.target} ({report.profile} profile); "
        f"documentation coverage {coverage.percent:.1f}% of {coverage.cases} cases"
    )
    if report.stopped is not None:
        return Verdict("STOPPED", f"the run stopped: {report.stopped}. {facts}", False)
    if violations:
        return Verdict("DEVIATIONS", f"{violations} violation(s) of the page. {facts}", False)
    if under(coverage, fail_under):
        return Verdict(
            "UNDER-COVERED", f"coverage is under the required {fail_under:g}%. {facts}", False
        )
    return Verdict("CONFORMANT", f"no violation found. {facts}", True)


def under(coverage: Coverage, fail_under: float | None) -> bool:
    """Whether ``coverage`` is under the required percentage (never, when none is required)."""
    return fail_under is not None and coverage.percent < fail_under


def under_line(coverage: Coverage, fail_under: float, *, option: str) -> str:
    """The one line that says a run failed for too little coverage."""
    return (
        f"documentation coverage {coverage.percent:.1f}% is under {option} {fail_under:g} "
        f"({coverage.seen} of {coverage.cases} documented cases tried or seen)"
    )
