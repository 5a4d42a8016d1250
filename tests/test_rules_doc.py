"""docs/RULES.md is generated from the catalogue, and stays so."""

from __future__ import annotations

from pathlib import Path

from conformance.rules import to_markdown

RULES_MD = Path(__file__).resolve().parents[1] / "docs" / "RULES.md"


def test_docs_rules_md_is_the_catalogue_as_generated() -> None:
    assert RULES_MD.read_text(encoding="utf-8") == to_markdown(), (
        "docs/RULES.md is stale: run `conformance rules --markdown > docs/RULES.md`"
    )
