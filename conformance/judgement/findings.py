"""A finding: a deviation with the exchanges that show it, ready to be explained and replayed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conformance.deviation import Deviation, Severity
from conformance.exchange import Exchange


@dataclass(frozen=True)
class Finding:
    """``deviation`` shown by ``exchanges`` (the last one is the response it is about)."""

    deviation: Deviation
    exchanges: tuple[Exchange, ...] = ()
    #: The authentication mutation the last request carries, so a replay can apply it again.
    mutation: str | None = None

    @property
    def rule(self) -> str:
        """The rule id."""
        return self.deviation.rule


def findings(deviations: Iterable[Deviation], *exchanges: Exchange) -> list[Finding]:
    """Each deviation as a finding shown by ``exchanges``."""
    return [Finding(deviation, tuple(exchanges)) for deviation in deviations]


class DeviationFound(AssertionError):
    """Raised by a suite test: ``rule`` was broken; ``findings`` say where and how.

    An AssertionError, so that hypothesis shrinks it like any failed assertion.
    """

    def __init__(
        self,
        rule: str,
        found: Sequence[Finding],
        *,
        intermittent: bool = False,
        unshrunk: str | None = None,
    ) -> None:
        self.rule = rule
        self.findings = tuple(found)
        self.intermittent = intermittent
        #: Why the case was not shrunk (``STOPPED``, ``SPENT``); None: it was, or needed no shrinking.
        self.unshrunk = unshrunk
        first = found[0].deviation
        super().__init__(f"{rule}: {first.message} at {first.where}")


#: Why a reported case was not shrunk: the run stopped, or the search's share of the budget ran out.
STOPPED = "the run stopped first; this is the first case seen"
SPENT = "the search's share of the request budget ran out; this is the smallest case seen"


def violations(found: Iterable[Finding], rule: str) -> list[Finding]:
    """The findings of ``rule`` that fail a run."""
    return [f for f in found if f.rule == rule and f.deviation.severity is Severity.VIOLATION]


class NotJudged(Exception):
    """Raised by a suite test whose rule was not judged: ``reason`` says why (one line).

    ``stopped``: the run stopped before the rule could be checked; otherwise the target lacks the
    data that could break the rule (it was not exercised).
    """

    def __init__(self, reason: str, *, stopped: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stopped = stopped
