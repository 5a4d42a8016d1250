"""A judged run to render: a recording with a real deviation, and one entry whose text a hostile
server chose (pipes, backticks, markup, a link), which no report may obey."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.coverage.lines import Coverage
from conformance.report import Report
from conformance.session import Session, Settings
from tests.cassettes.helpers import DATA

HOSTILE = (
    "a | b ``` <script>alert(1)</script> [x](http://evil.invalid/) ![i](http://evil.invalid/i)"
)


@pytest.fixture(scope="session")
def judged() -> tuple[Report, Coverage]:
    """The report and coverage of judging a cassette that breaks DCJ-PAGE-002, plus a hostile entry."""
    session = Session(Settings(target=[DATA / "limit-off-by-one.yaml"]))
    verdict = session.judged()
    report = session.report
    report.rules = 1
    report.tested.append("DCJ-PAGE-002")
    report.deviations += session.entries(verdict.findings["DCJ-PAGE-002"][:2])
    report.deviations.append(
        {
            **report.deviations[0],
            "rule": "DCJ-RESP-005",
            "title": "action is DescribeClusterJobsResponse",
            "severity": "info",
            "message": HOSTILE,
            "actual": HOSTILE,
            "reproduce": f"curl '{HOSTILE}'",
        }
    )
    return report, session.coverage()


def replay_line(report: Report) -> str:
    """The first deviation's replay command, as the JSON report holds it."""
    return str(report.deviations[0]["reproduce"])


def artifacts() -> Path:
    """Where tests keep what a person may want to look at after a run (screenshots)."""
    import os

    folder = Path(
        os.environ.get("CONFORMANCE_ARTIFACTS") or Path(__file__).parents[2] / "artifacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
