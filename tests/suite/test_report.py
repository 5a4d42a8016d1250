"""What a run with deviations shows: the JSON report, the failure text, the terminal summary."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from conformance.emulator import DEMO_CREDENTIALS, FAULTS
from conformance.options import EMULATOR_BUDGET
from conformance.rules import CATALOGUE, rule
from tests.suite.helpers import FEW_EXAMPLES, failed_rules, run_suite, section, totals

DEVIATION_KEYS = {"rule", "severity", "message", "request", "response", "reproduce"}
# What a report must never hold: a credential, or a signature made with one.
SECRETS = (
    DEMO_CREDENTIALS.secret_access_key.reveal(),
    DEMO_CREDENTIALS.access_key_id,
    "access_key_id=",
    "signature=",
)


@pytest.mark.usefixtures("demo_credentials")
@pytest.mark.parametrize(
    "fault",
    # A paging fault, and two authentication faults whose requests carry mutated signing parameters.
    ["limit-off-by-one", "signature-not-checked", "unknown-key-accepted"],
)
def test_the_json_report_has_the_documented_shape_and_no_credential(
    pytester: pytest.Pytester, emulator_url: Callable[..., str], fault: str
) -> None:
    url = emulator_url(fault)
    rule_id = FAULTS[fault].rule
    path = pytester.path / "reports" / "run.json"

    result = run_suite(
        pytester,
        f"--conformance-target={url}",
        "--conformance-rate=0",
        FEW_EXAMPLES,
        f"--conformance-report={path}",
        "-k",
        f"[{rule_id}] or [DCJ-RESP-006]",
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"JSON report: {path}"])
    text = path.read_text(encoding="utf-8")
    report = json.loads(text)
    assert set(report) == {
        "target",
        "profile",
        "seed",
        "summary",
        "rules",
        "deviations",
        "coverage",
    }
    assert (report["target"], report["profile"], report["seed"]) == (url, "documented", 1)
    assert set(report["summary"]) == {
        "rules",
        "exercised",
        "requests",
        "budget",
        "checks",
        "deviations",
        "stopped",
    }
    assert report["summary"]["rules"] == 2
    assert report["summary"]["requests"] > 0
    assert report["summary"]["checks"] > 0
    assert report["summary"]["deviations"] == len(report["deviations"]) > 0
    assert {item["rule"] for item in report["deviations"]} == {rule_id}
    for item in report["deviations"]:
        assert set(item) >= DEVIATION_KEYS
        assert item["severity"] == "violation"
        assert item["message"]
        assert item["request"]["method"] in {"GET", "POST"}
        assert "action=DescribeClusterJobs" in item["request"]["params"]
        assert isinstance(item["response"]["status"], int)
        assert "curl" in item["reproduce"]
        assert "conformance sign" in item["reproduce"]
        assert url in item["reproduce"]
        if rule_id.startswith("DCJ-AUTH-"):
            # The replay breaks the fresh signature the same way, or it would be accepted anyway.
            assert "--mutation " in item["reproduce"]
    for secret in SECRETS:
        assert secret not in text
        assert secret not in result.stdout.str()


def test_the_report_of_a_conformant_run_lists_no_deviation(pytester: pytest.Pytester) -> None:
    path = pytester.path / "run.json"

    result = run_suite(pytester, FEW_EXAMPLES, f"--conformance-report={path}", "-k", "PAGE")

    assert result.ret == pytest.ExitCode.OK
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["summary"] == {
        "rules": 6,
        "exercised": 6,
        "requests": int(totals(result)["requests"]),
        "budget": EMULATOR_BUDGET,
        "checks": int(totals(result)["checks"]),
        "deviations": 0,
        "stopped": None,
    }
    page_rules = [rule.id for rule in CATALOGUE if "PAGE" in rule.id]
    assert report["rules"] == {"exercised": page_rules, "not_exercised": {}, "not_checked": []}
    assert report["deviations"] == []


def test_a_failure_shows_the_rule_its_documented_line_the_request_the_response_and_a_replay(
    pytester: pytest.Pytester,
) -> None:
    result = run_suite(
        pytester,
        "--conformance-target=emulator:limit-off-by-one",
        FEW_EXAMPLES,
        "-k",
        "[DCJ-PAGE-002] or [DCJ-RESP-006]",
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    title = rule("DCJ-PAGE-002").title
    result.stdout.fnmatch_lines(
        [
            "*_ test_rule[[]DCJ-PAGE-002[]] _*",
            f"DCJ-PAGE-002 [[]violation[]] {title}",
            "  documented: DescribeClusterJobs.seed.md:12: | limit | Integer |*",
            "  deviation:  the response holds * jobs for limit=*",
            "  request:    * /iaas/?action=DescribeClusterJobs&*limit=*",
            "  response:   HTTP 200 {*",
            "  reproduce:  env -u QINGCLOUD_ACCESS_KEY_ID -u QINGCLOUD_SECRET_ACCESS_KEY conformance emulator --port *",
            "              curl *conformance sign --demo*action=DescribeClusterJobs*limit=*",
        ]
    )


def test_the_replay_of_an_in_process_finding_starts_an_emulator_with_the_same_fault(
    pytester: pytest.Pytester,
) -> None:
    # A replay against a correct emulator cannot show the deviation it is meant to show.
    result = run_suite(
        pytester,
        "--conformance-target=emulator:limit-off-by-one",
        FEW_EXAMPLES,
        "-k",
        "[DCJ-PAGE-002]",
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["  reproduce:  env -u QINGCLOUD_* conformance emulator --port * --fault limit-off-by-one*"]
    )


def test_the_terminal_summary_groups_the_deviations_by_rule(pytester: pytest.Pytester) -> None:
    # Times in +08:00 show in every job of a page, so one rule has several findings.
    rules = ("DCJ-ITEM-003", "DCJ-PAGE-002")
    result = run_suite(
        pytester,
        "--conformance-target=emulator:local-time-offset,limit-off-by-one",
        FEW_EXAMPLES,
        "-k",
        " or ".join(f"[{rule_id}]" for rule_id in (*rules, "DCJ-RESP-006")),
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert failed_rules(result) == set(rules)
    lines = section(result, "conformance")
    grouped = {rule_id: [line for line in lines if line.startswith(rule_id)] for rule_id in rules}
    assert all(len(found) == 1 for found in grouped.values()), lines
    counts = {
        rule_id: int(found[0].split(": ")[-1].removesuffix(" finding(s)"))
        for rule_id, found in grouped.items()
    }
    assert counts["DCJ-ITEM-003"] > 1
    assert grouped["DCJ-ITEM-003"][0].startswith(
        f"DCJ-ITEM-003 [violation] {rule('DCJ-ITEM-003').title}: "
    )
    assert totals(result)["deviations"] == str(sum(counts.values()))
