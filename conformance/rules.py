"""The rule catalogue: every check the toolkit makes, with a stable id and the line it rests on.

Ids never change meaning once published (reports, accept files and cassettes refer to them); a rule
that is dropped keeps its id retired. ``conformance rules`` prints this table and docs/RULES.md is
generated from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from conformance.deviation import Deviation, Profile, Severity
from conformance.documented import Citation, page, wire


@dataclass(frozen=True)
class Rule:
    """One documented requirement. ``strict`` is its severity under the strict profile."""

    id: str
    title: str
    documented: Citation
    severity: Severity = Severity.VIOLATION
    strict: Severity = Severity.VIOLATION

    def severity_in(self, profile: Profile) -> Severity:
        """How a deviation from this rule counts under ``profile``."""
        return self.strict if profile is Profile.STRICT else self.severity

    def deviation(
        self,
        profile: Profile,
        message: str,
        *,
        pointer: str = "",
        expected: object = None,
        actual: object = None,
        inner_pointer: str = "",
    ) -> Deviation:
        """A deviation from this rule, with its citation and its severity under ``profile``."""
        return Deviation(
            rule=self.id,
            severity=self.severity_in(profile),
            pointer=pointer,
            message=message,
            expected=expected,
            actual=actual,
            documented=self.documented,
            inner_pointer=inner_pointer,
        )


_V, _U, _I = Severity.VIOLATION, Severity.UNDOCUMENTED, Severity.INFO

CATALOGUE: tuple[Rule, ...] = (
    # A single success response: its shape, against schemas/response.json and job.json.
    Rule("DCJ-RESP-001", "The body is a JSON object", wire(13)),
    Rule("DCJ-RESP-002", "Every response is HTTP 200 with Content-Type application/json", wire(13)),
    Rule("DCJ-RESP-003", "Every documented response element is present", page(13)),
    Rule("DCJ-RESP-004", "Every response element has its documented type", page(18)),
    Rule("DCJ-RESP-005", "action is DescribeClusterJobsResponse", wire(15)),
    Rule("DCJ-RESP-006", "A success response has ret_code 0", page(19)),
    # JSON (RFC 8259) leaves a repeated member to each reader: the SDKs keep the last, others the
    # first, so two clients of one server would read different answers.
    Rule("DCJ-RESP-007", "No JSON object in a response names a member twice", wire(14)),
    Rule("DCJ-ITEM-001", "Every documented job field is present", page(20)),
    Rule("DCJ-ITEM-002", "Every job field has its documented type", page(20)),
    Rule("DCJ-ITEM-003", "Times are ISO 8601 in UTC, written with Z", page(24)),
    Rule("DCJ-ITEM-004", "status is pending, working, failed or successful", page(28)),
    Rule("DCJ-ITEM-006", "A job has no undocumented field", wire(107), severity=_U),
    Rule("DCJ-ITEM-007", "status_time is not earlier than create_time", wire(89)),
    # Across calls: a job seen in two listings (conformance.judgement.listing.Bracket).
    Rule(
        "DCJ-ITEM-008",
        "A job's status only moves forward: pending → working → successful or failed",
        wire(89),
    ),
    # The directive: a JSON document inside a string.
    Rule("DCJ-DIRECTIVE-001", "directive is a string", page(25)),
    Rule("DCJ-DIRECTIVE-002", "directive holds a JSON object", wire(112)),
    Rule(
        "DCJ-DIRECTIVE-003", "The decoded directive has the documented fields and types", wire(113)
    ),
    # Fields of one job that must agree with each other (and with the request).
    Rule("DCJ-CONSIST-001", "directive.action equals job_action", wire(114)),
    Rule(
        "DCJ-CONSIST-002", "resource_ids, split on spaces, equals directive.resource_ids", wire(115)
    ),
    Rule("DCJ-CONSIST-003", "resources.clusters equals directive.clusters", wire(115)),
    Rule("DCJ-CONSIST-004", "directive.zone is the request's zone", wire(116)),
    # Paging: within one response, then across pages.
    Rule("DCJ-PAGE-001", "A response holds at most 100 jobs", page(12)),
    Rule("DCJ-PAGE-002", "A response holds at most the requested limit of jobs", page(12)),
    Rule("DCJ-PAGE-003", "total_count is at least the number of jobs returned", page(18)),
    Rule("DCJ-PAGE-004", "Pages tile the listing without gaps or duplicates", page(11)),
    Rule("DCJ-PAGE-005", "total_count is the number of matching jobs, on every page", page(18)),
    Rule("DCJ-PAGE-006", "Without a limit, a page holds 20 jobs", page(12)),
    # Filters.
    Rule("DCJ-FILTER-001", "Every job returned has one of the requested statuses", page(9)),
    Rule("DCJ-FILTER-002", "Every job returned is one of the requested jobs", page(8)),
    Rule("DCJ-FILTER-003", "No job appears twice in one response", page(23)),
    Rule("DCJ-FILTER-004", "A filtered listing is exactly the matching part of the whole", page(3)),
    # Input validation: what the page says is rejected.
    Rule("DCJ-INPUT-001", "A request without app is rejected", page(7)),
    Rule("DCJ-INPUT-002", "An illegal status value is rejected", page(3)),
    Rule("DCJ-INPUT-003", "An unknown job id is rejected", page(3)),
    Rule("DCJ-INPUT-004", "A non-integer offset, limit or verbose is rejected", page(11)),
    Rule(
        "DCJ-REQUEST-001",
        "The request parameters are as documented",
        page(4),
        severity=_I,
        strict=_I,
    ),
    # Errors and robustness.
    Rule("DCJ-ERROR-001", "An error has a non-zero ret_code and a message", wire(68)),
    Rule("DCJ-ERROR-002", "An error has the documented ret_code and token", wire(94), severity=_I),
    Rule(
        "DCJ-ROBUST-001",
        "No input yields HTTP 5xx, ret_code 5000, or a body that is not JSON",
        wire(99),
    ),
    # Authentication.
    Rule("DCJ-AUTH-001", "A request with a wrong or missing signature is rejected", wire(76)),
    Rule("DCJ-AUTH-002", "A request with an unknown access key is rejected", wire(76)),
    Rule("DCJ-AUTH-003", "A request whose time_stamp is over 60 s old is rejected", wire(31)),
    # Recordings: a cassette judged offline says which contract it was recorded under.
    Rule(
        "DCJ-CASSETTE-001",
        "A cassette was recorded under the current schemas and rule catalogue",
        wire(3),
        severity=_I,
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in CATALOGUE}


def rule(rule_id: str) -> Rule:
    """The rule with id ``rule_id`` (a KeyError names the unknown id)."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r} in the catalogue") from None


def rules() -> Iterator[Rule]:
    """The catalogue, in its order."""
    return iter(CATALOGUE)


def to_markdown() -> str:
    """The catalogue as docs/RULES.md (``conformance rules --markdown``; a test keeps them equal),
    with the checks that can emit each rule (``conformance.registry``)."""
    from conformance.registry import checked_by

    lines = [
        "# Rule catalogue",
        "",
        "Generated by `conformance rules --markdown > docs/RULES.md`; do not edit by hand.",
        "Severity is the documented profile's; the strict profile's follows it when it differs.",
        "Checked by: the checks (`conformance/…`) that can emit the rule; a refusal's rule is emitted",
        "by `rejection_deviations` when a request the contract says must be refused is accepted.",
        "",
        "| id | rule | severity | documented line | checked by |",
        "|---|---|---|---|---|",
    ]
    for entry in CATALOGUE:
        severity = entry.severity.value
        if entry.strict is not entry.severity:
            severity += f" (strict: {entry.strict.value})"
        quoted = entry.documented.text.replace("|", "\\|")
        checks = ", ".join(f"`{check.short}`" for check in checked_by(entry.id)) or "—"
        lines.append(
            f"| {entry.id} | {entry.title} | {severity} | "
            f"{entry.documented.source}:{entry.documented.line} `{quoted}` | {checks} |"
        )
    return "\n".join(lines) + "\n"
