"""Each report a run writes has a path of its own: one path given twice is refused up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.reports import Outputs
from conformance.reports.write import OutputError, check


def test_the_same_path_for_markdown_and_html_is_refused_naming_both(tmp_path: Path) -> None:
    same = tmp_path / "report.out"
    with pytest.raises(OutputError) as raised:
        check(Outputs(markdown=same, html=same))
    assert raised.value.option == "html"
    assert "markdown" in str(raised.value)
    assert str(same) in str(raised.value)


def test_the_json_reports_path_for_the_html_is_refused_even_spelt_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="report"):
        check(Outputs(html=Path("r.json")), others={"report": tmp_path / "r.json"})


def test_a_session_refuses_one_path_for_its_report_and_its_html(tmp_path: Path) -> None:
    from conformance.session import Session, SettingError, Settings

    same = tmp_path / "r.json"
    with pytest.raises(SettingError) as raised:
        Session(Settings(report=same), outputs=Outputs(html=same))
    assert raised.value.option == "html"
    assert "report" in str(raised.value)


def test_distinct_paths_pass(tmp_path: Path) -> None:
    check(Outputs(markdown=tmp_path / "a.md", html=tmp_path / "a.html"), others={"report": None})
