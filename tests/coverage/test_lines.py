"""Every documented line a rule cites has cases built from the contract, and a tally measured
against them is full, partial or missed, with the case that would close each gap."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main
from conformance.contract import AUTH_FAILURES, LIMIT, STATUSES
from conformance.coverage.lines import cases_by_line, cited, label, measure
from conformance.documented import PAGE, WIRE
from conformance.rules import CATALOGUE
from tests.cassettes.helpers import APP, record

EVERY_RULE = [entry.id for entry in CATALOGUE]


def _keys(source: str, line: int) -> set[str]:
    return {case.key for case in cases_by_line()[(source, line)]}


def test_every_line_a_rule_cites_has_cases_and_nothing_else_does() -> None:
    lines = {(entry.documented.source, entry.documented.line) for entry in CATALOGUE}

    assert set(cases_by_line()) == lines
    assert all(cases_by_line()[line] for line in lines)
    assert [label(c) for c in cited()][:2] == ["page:3", "page:4"]


def test_the_cases_are_read_from_the_contract() -> None:
    assert {f"limit:{value}" for value in LIMIT.boundaries} <= _keys(PAGE, 12)
    assert {f"status:{s}:{how}" for s in STATUSES for how in ("alone", "combined")} <= _keys(
        PAGE, 9
    )
    assert {f"seen-status:{s}" for s in STATUSES} == _keys(PAGE, 28)
    auth = {f"auth:{name}" for name in AUTH_FAILURES}
    assert auth == _keys(WIRE, 76) | _keys(WIRE, 31)


def test_a_line_is_full_partial_or_missed_and_names_what_closes_a_gap() -> None:
    assert LIMIT.cap is not None
    limits = {f"limit:{value}": 1 for value in LIMIT.boundaries if value != LIMIT.cap + 1}
    counts = {**limits, "param:limit:sent": 3, "limit:default": 2, "seen-status:failed": 1}

    coverage = measure(counts, tested=EVERY_RULE, judged=EVERY_RULE)

    limit = coverage.of_rule("DCJ-PAGE-002")
    assert limit is not None
    assert limit.state == "partial"
    assert [case.how for case in limit.gaps] == [f"send limit={LIMIT.cap + 1}"]
    status = coverage.of_rule("DCJ-ITEM-004")
    assert status is not None
    assert status.state == "partial"
    assert status.positive == 1
    assert status.negative == 0
    auth = coverage.of_rule("DCJ-AUTH-001")
    assert auth is not None
    assert auth.state == "missed"
    assert 0 < coverage.percent < 20


def test_a_line_none_of_whose_rules_was_judged_is_missed_and_one_not_tested_does_not_apply() -> (
    None
):
    counts = {"param:limit:sent": 1, "limit:default": 1}
    judged = [rule for rule in EVERY_RULE if rule != "DCJ-PAGE-002"]

    coverage = measure(counts, tested=EVERY_RULE, judged=[r for r in judged if "PAGE" not in r])
    measured = measure(counts, tested=["DCJ-PAGE-002"], judged=["DCJ-PAGE-002"])

    line = coverage.of_rule("DCJ-PAGE-002")
    assert line is not None
    assert line.state == "missed"
    assert measured.states()["n/a"] == len(cited()) - 1
    assert measured.cases == len(cases_by_line()[(PAGE, 12)])


@pytest.fixture(scope="module")
def unfiltered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cassette that recorded only unfiltered listings, page by page."""
    path = tmp_path_factory.mktemp("unfiltered") / "listings.yaml"
    return record(path, [{"app": APP}, {"app": APP, "offset": 20}, {"app": APP, "limit": 100}])


def test_a_cassette_of_unfiltered_listings_misses_the_filter_and_input_lines(
    unfiltered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassettes", "check", str(unfiltered)]) == 0

    out = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1] for line in out if line.startswith("  page:")}
    # jobs.n was omitted, but no rule of its line could be judged: missed all the same.
    assert rows["page:3"] == rows["page:7"] == rows["page:8"] == rows["page:9"] == "missed"
    assert rows["page:13"] == "full"
    assert any("next: send a request with status.n (+11 more)" in line for line in out)


def test_coverage_under_the_threshold_fails_a_cassette_check_with_one_line(
    unfiltered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassettes", "check", str(unfiltered), "--coverage-fail-under", "90"]) == 1

    out = capsys.readouterr().out.splitlines()
    said = [line for line in out if "--coverage-fail-under" in line]
    assert len(said) == 1
    assert said[0].startswith("documentation coverage ")
    assert " is under --coverage-fail-under 90 (" in said[0]


def test_a_cassette_check_refuses_an_unwritable_report_with_one_line_naming_the_option(
    unfiltered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassettes", "check", str(unfiltered), "--html", str(tmp_path)]) == 2

    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"conformance: error: --html: {tmp_path} is a folder; name a file"]
