"""Running the suite in an inner pytest session, and reading what it printed."""

from __future__ import annotations

import re

import pytest

from conformance.deviation import Profile, Severity
from conformance.rules import rule

# Every inner run: the suite by module name, no cache folder, a fixed seed so a failure repeats.
SUITE = ("--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--conformance-seed=1")
# Every probe tries its boundary examples whatever the budget, so five more examples per probe are
# enough to show each fault; the default (25) only makes each run slower.
FEW_EXAMPLES = "--conformance-max-examples=5"

_FAILED = re.compile(r"^FAILED \S*test_rule\[(DCJ-[A-Z]+-\d+)\]")
_TOTALS = re.compile(
    r"^(?P<exercised>\d+) of (?P<rules>\d+) rules exercised with (?P<requests>\d+)"
    r"(?: of (?P<budget>\d+) budgeted)? requests "
    r"\((?P<checks>\d+) checks\) "
    r"against (?P<target>\S+) "
    r"\((?P<profile>\w+) profile, seed (?P<seed>\d+)\): (?P<deviations>\d+) deviation\(s\)$"
)
_SECTION = re.compile(r"^=+ (?P<name>.+?) =+$")


def run_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The suite run in this process against whatever ``args`` name."""
    return pytester.runpytest_inprocess(*SUITE, *args)


def failed_rules(result: pytest.RunResult) -> set[str]:
    """The rules whose test failed, from the short test summary."""
    return {match[1] for line in result.outlines if (match := _FAILED.match(line))}


def totals(result: pytest.RunResult) -> dict[str, str]:
    """The summary's last line, by part: exercised, rules, requests, checks, target, profile, seed,
    deviations."""
    found = [
        {name: value for name, value in match.groupdict().items() if value is not None}
        for line in result.outlines
        if (match := _TOTALS.match(line))
    ]
    assert len(found) == 1, "\n".join(result.outlines)
    return found[0]


def section(result: pytest.RunResult, name: str) -> list[str]:
    """The lines of the terminal summary section ``name`` (between its header and the next)."""
    lines: list[str] | None = None
    for line in result.outlines:
        header = _SECTION.match(line)
        if header and lines is not None:
            return lines
        if header and header["name"] == name:
            lines = []
        elif lines is not None:
            lines.append(line)
    assert lines is not None, f"no {name!r} section in:\n" + "\n".join(result.outlines)
    return lines


def profile_that_fails(rule_id: str) -> str:
    """The profile in which breaking ``rule_id`` fails a run (strict for rules that are info)."""
    documented = rule(rule_id).severity_in(Profile.DOCUMENTED)
    profile = Profile.DOCUMENTED if documented is Severity.VIOLATION else Profile.STRICT
    return str(profile.value)
