"""Every citation quotes the page as published: the shipped copies, the schemas, the catalogue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import documented, schemas
from conformance.rules import CATALOGUE

SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"


def _comments(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$comment" and isinstance(value, str):
                yield where or "/", value
            else:
                yield from _comments(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _comments(value, f"{where}/{index}")


SCHEMA_COMMENTS = [
    pytest.param(name, where, comment, id=f"{name}{where}")
    for name in schemas.SCHEMA_NAMES
    for where, comment in _comments(schemas.schema(name))
]


@pytest.mark.skipif(not SHARED_SPEC.is_dir(), reason="shared/spec is not beside this checkout")
@pytest.mark.parametrize("source", documented.SOURCES)
def test_the_shipped_pages_are_the_published_ones(source: str) -> None:
    shipped = Path(documented.__file__).parent / "spec" / source
    assert shipped.read_bytes() == (SHARED_SPEC / source).read_bytes()


@pytest.mark.parametrize(("name", "where", "comment"), SCHEMA_COMMENTS)
def test_every_schema_comment_quotes_its_line_verbatim(name: str, where: str, comment: str) -> None:
    citation = documented.parse_reference(comment)
    assert citation is not None, f"{name}{where}: $comment cites no page line: {comment!r}"
    quoted = comment.split(": ", 1)[1]
    assert quoted == citation.text


def test_every_schema_names_rules_that_exist() -> None:
    catalogue = {rule.id for rule in CATALOGUE}
    named = {
        value
        for name in schemas.SCHEMA_NAMES
        for value in json.dumps(schemas.schema(name)).split('"')
        if value.startswith("DCJ-")
    }
    assert named <= catalogue


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert all(rule_id.startswith("DCJ-") and rule_id[-3:].isdigit() for rule_id in ids)


def test_a_citation_past_the_end_of_the_page_is_refused() -> None:
    with pytest.raises(ValueError, match="there is no line 999"):
        documented.page(999)


def test_the_example_is_read_from_the_page_itself() -> None:
    example = json.loads(documented.example_response_text())
    assert example["job_set"][0]["job_id"] == "j-etkt94ebqra"
    data = Path(__file__).parent / "data" / "documented-example.json"
    assert json.loads(data.read_text(encoding="utf-8")) == example
