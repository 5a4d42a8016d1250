"""Reports a person reads: the terminal's coverage table, a Markdown summary for a pull request or a
CI step summary, and one self-contained HTML file. Each renders the run's ``Report`` and its
``Coverage`` (``conformance.coverage``); none imports pytest, and none shows a value the JSON report
would not (the entries are already free of credentials, and every piece is escaped for its format).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Where GitHub Actions reads a job step's summary from (Markdown, appended to).
STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class Outputs:
    """What a run shows besides the JSON report (``options.REPORTS``), already checked."""

    markdown: Path | None = None
    html: Path | None = None
    #: A run whose documentation coverage is under this percentage fails.
    coverage_fail_under: float | None = None
