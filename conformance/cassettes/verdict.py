"""What a judgement of recordings found, per rule: kept findings, counts, and each rule's outcome."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from conformance.deviation import Profile, Severity
from conformance.judgement.findings import Finding
from conformance.rules import CATALOGUE, rule

#: Findings kept per rule (every one is counted); the first ones say what the rest repeat.
KEPT = 10


@dataclass(frozen=True)
class Outcome:
    """One rule over the recordings: what fails the run, what is only noted, or why it was skipped."""

    rule: str
    violations: list[Finding]
    notes: list[Finding]
    count: int
    skip: str | None = None
    #: Whether some recording could have broken the rule (False: it is skipped as not exercised).
    exercised: bool = True


@dataclass
class Verdict:
    """Every finding of a judgement, kept up to ``KEPT`` per rule, with what was judged."""

    profile: Profile
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)
    cassettes: int = 0
    judged: int = 0
    foreign: int = 0

    def add(self, finding: Finding, count: int = 1) -> None:
        """Count ``finding`` ``count`` times; keep it when its rule has room."""
        self.counts[finding.rule] += count
        kept = self.findings.setdefault(finding.rule, [])
        if len(kept) < KEPT:
            kept.append(finding)

    def outcome(self, rule_id: str) -> Outcome:
        """What the recordings show about ``rule_id``."""
        kept = self.findings.get(rule_id, [])
        bad = [f for f in kept if f.deviation.severity is Severity.VIOLATION]
        notes = [f for f in kept if f.deviation.severity is not Severity.VIOLATION]
        count = self.counts[rule_id]
        if bad:
            return Outcome(rule_id, bad, notes, count)
        if not self.applied[rule_id]:
            return Outcome(
                rule_id,
                [],
                notes,
                count,
                "nothing recorded in the cassettes shows this rule",
                exercised=False,
            )
        severity = rule(rule_id).severity_in(self.profile)
        if severity is not Severity.VIOLATION and not notes:
            reason = f"{severity.value} in the {self.profile.value} profile, and nothing was found"
            return Outcome(rule_id, [], notes, count, reason)
        return Outcome(rule_id, [], notes, count)

    def violations(self) -> int:
        """How many findings fail a run."""
        return sum(
            self.counts[rule_id]
            for rule_id, kept in self.findings.items()
            if any(f.deviation.severity is Severity.VIOLATION for f in kept)
        )

    def ordered(self) -> list[Finding]:
        """The kept findings, in catalogue order."""
        return [f for entry in CATALOGUE for f in self.findings.get(entry.id, [])]
