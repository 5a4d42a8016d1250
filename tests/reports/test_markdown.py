"""The Markdown summary, read by a Markdown parser as GitHub would (CommonMark with GFM tables)."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from conformance.coverage.lines import Coverage, cited
from conformance.report import Report
from conformance.reports import Outputs
from conformance.reports.markdown import code, render
from conformance.reports.write import write
from tests.reports.conftest import HOSTILE, replay_line


def _tokens(text: str) -> list[Token]:
    flat: list[Token] = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def test_it_opens_with_the_verdict_and_groups_deviations_by_rule(
    judged: tuple[Report, Coverage],
) -> None:
    tokens = _tokens(render(*judged))

    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == "DescribeClusterJobs conformance: DEVIATIONS"
    assert headings[2:4] == [
        "DCJ-PAGE-002 [violation] A response holds at most the requested limit of jobs: 1 finding(s)",
        "DCJ-RESP-005 [info] action is DescribeClusterJobsResponse: 1 finding(s)",
    ]


def test_each_deviation_carries_its_replay_line_in_a_code_block(
    judged: tuple[Report, Coverage],
) -> None:
    report, _ = judged
    fences = [t.content for t in _tokens(render(*judged)) if t.type == "fence"]

    replay = replay_line(report).split("\n")
    assert any(all(f"reproduce: {line}" in fence for line in replay) for fence in fences)


def test_the_coverage_table_has_one_row_per_documented_line(
    judged: tuple[Report, Coverage],
) -> None:
    tokens = _tokens(render(*judged))
    rows = [t for t in tokens if t.type == "tr_open"]

    assert len(rows) == 1 + len(cited())  # the header row, then every line
    cells = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "td_open"]
    assert len(cells) == 8 * len(cited())
    assert cells[8 * 6 : 8 * 6 + 2] == ["page:12", "partial"]


def test_nothing_a_server_wrote_becomes_markup_a_link_or_a_cell(
    judged: tuple[Report, Coverage],
) -> None:
    text = render(*judged)
    tokens = _tokens(text)

    kinds = {t.type for t in tokens}
    assert not kinds & {"html_inline", "html_block", "link_open", "image"}
    spans = [t.content for t in tokens if t.type == "code_inline"]
    assert HOSTILE in spans


def test_a_code_span_outlasts_any_backticks_inside() -> None:
    spanned = _tokens(code("``a`b``"))

    assert [t.content for t in spanned if t.type == "code_inline"] == ["``a`b``"]


def test_it_is_appended_to_the_ci_step_summary_when_a_ci_names_one(
    judged: tuple[Report, Coverage], tmp_path: Path
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    markdown = tmp_path / "summary.md"

    written, failed = write(
        Outputs(markdown=markdown), *judged, environ={"GITHUB_STEP_SUMMARY": str(summary)}
    )

    assert failed == []
    assert written == [
        f"Markdown report: {markdown}",
        "Markdown summary appended to $GITHUB_STEP_SUMMARY",
    ]
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown.read_text(
        encoding="utf-8"
    )
