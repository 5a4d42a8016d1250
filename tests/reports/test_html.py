"""The HTML report as a person sees it: opened in headless Chromium, its rendered DOM read, its
filter used, and a screenshot kept (``artifacts/``, or ``$CONFORMANCE_ARTIFACTS``)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from conformance.coverage.lines import Coverage, cited
from conformance.report import Report
from conformance.reports.html import render
from tests.reports.browser import rendered, screenshot
from tests.reports.conftest import HOSTILE, artifacts, replay_line

_SECTION = re.compile(r'<section class="deviation[^"]*" data-rules="([^"]+)"[^>]*?( hidden="")?>')


@pytest.fixture(scope="module")
def page(judged: tuple[Report, Coverage], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report written to a file, as ``--conformance-html`` writes it."""
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(*judged), encoding="utf-8")
    return path


def test_chromium_shows_the_verdict_each_deviation_s_replay_and_the_coverage_table(
    page: Path, judged: tuple[Report, Coverage], tmp_path: Path
) -> None:
    report, _ = judged
    dom = rendered(page, tmp_path / "profile")

    assert re.search(r'<div id="verdict" class="verdict fail">DEVIATIONS</div>', dom)
    assert unescape(replay_line(report)) in unescape(dom)
    assert "DescribeClusterJobs.seed.md:12: | limit | Integer |" in unescape(dom)
    rows = re.findall(r'<tr class="(?:full|partial|missed|na)" data-rules=', dom)
    assert len(rows) == len(cited())
    # The page's own script ran: it counted the deviations it shows.
    assert '<span id="shown">2</span>' in dom


def test_a_server_s_text_is_shown_as_text_never_run(page: Path, tmp_path: Path) -> None:
    dom = rendered(page, tmp_path / "profile")

    assert "<script>alert(1)</script>" not in dom
    assert HOSTILE in unescape(dom)
    assert len(re.findall(r"<script>", dom)) == 1  # the report's own filter, nothing else


def test_the_filter_shows_one_rule_and_one_severity(page: Path, tmp_path: Path) -> None:
    dom = rendered(page, tmp_path / "profile", fragment="rule=DCJ-PAGE-002&severity=violation")

    sections = {rule: bool(hidden) for rule, hidden in _SECTION.findall(dom)}
    assert sections == {"DCJ-PAGE-002": False, "DCJ-RESP-005": True}
    assert '<span id="shown">1</span>' in dom


def test_it_is_one_file_that_loads_nothing(page: Path) -> None:
    text = page.read_text(encoding="utf-8")

    assert not re.search(r"""(?:src|href)\s*=|@import|url\(""", text)
    assert "Content-Security-Policy" in text
    assert "default-src 'none'" in text


def test_a_screenshot_is_kept_for_a_person_to_look_at(page: Path, tmp_path: Path) -> None:
    picture = screenshot(page, tmp_path / "profile", artifacts() / "report.png")

    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
