"""Deviations are values: every check yields them, only the edges (CLI, pytest) turn them into exits."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from conformance.documented import Citation
from conformance.shown import one_line, shown

# How much of an expected or actual value a rendered deviation shows.
SHORT = 200


class Severity(str, enum.Enum):
    """How much a deviation matters; only ``violation`` fails a run."""

    VIOLATION = "violation"
    UNDOCUMENTED = "undocumented"
    INFO = "info"


class Profile(str, enum.Enum):
    """How strictly a server is held to the page (see qingcloud-wire.md, last section)."""

    DOCUMENTED = "documented"  # what the page says; what it leaves open is tolerated
    STRICT = "strict"  # also the conventions: exact ret_codes and tokens, no undocumented fields


@dataclass(frozen=True)
class Deviation:
    """One way a response (or a pair of responses) departs from the documented contract.

    ``pointer`` is a JSON pointer into the response body; ``inner_pointer`` points into a JSON
    document embedded in a string at ``pointer`` (the ``directive``), and is empty otherwise.
    """

    rule: str
    severity: Severity
    pointer: str
    message: str
    expected: Any = None
    actual: Any = None
    documented: Citation | None = None
    inner_pointer: str = ""

    @property
    def where(self) -> str:
        """The location as a reader wants it: ``/job_set/3/directive → /sender/privilege``."""
        where = self.pointer or "/"
        return f"{where} → {self.inner_pointer}" if self.inner_pointer else where

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for reports)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "where": self.where,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "documented": str(self.documented) if self.documented else None,
        }


def render(deviation: Deviation) -> str:
    """A block of text for a terminal: rule, where, expected, actual, documented line.

    Every line is escaped (``conformance.shown``): a message or a value may quote a server.
    """
    lines = [
        f"{deviation.rule} [{deviation.severity.value}] {deviation.message}",
        f"  where:      {deviation.where}",
    ]
    if deviation.expected is not None:
        lines.append(f"  expected:   {one_line(deviation.expected, SHORT)}")
    if deviation.actual is not None:
        lines.append(f"  actual:     {one_line(deviation.actual, SHORT, prose=False)}")
    if deviation.documented is not None:
        lines.append(f"  documented: {deviation.documented}")
    return "\n".join(shown(line) for line in lines)
