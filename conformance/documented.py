"""Citations: the documented line each rule and schema constraint rests on.

The two pages (the API page as published, and the wire-protocol sheet) ship inside the package so a
report can quote the line it enforces on a machine that has only the wheel. A test keeps the copies
identical to ``shared/spec``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

PAGE = "DescribeClusterJobs.seed.md"
WIRE = "qingcloud-wire.md"
SOURCES = (PAGE, WIRE)

# "$comment" values in schemas/ start with such a reference: "DescribeClusterJobs.seed.md:23: ..."
_REFERENCE = re.compile(r"^(?P<source>[\w.-]+\.md):(?P<line>\d+)")


@dataclass(frozen=True)
class Citation:
    """A line of one of the documented pages, 1-based, with its verbatim text."""

    source: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.text}"


@functools.cache
def lines_of(source: str) -> tuple[str, ...]:
    """The lines of a shipped page, without line ends."""
    if source not in SOURCES:
        raise ValueError(f"unknown documented source {source!r}; known: {', '.join(SOURCES)}")
    text = (
        resources.files("conformance").joinpath("spec").joinpath(source).read_text(encoding="utf-8")
    )
    return tuple(text.splitlines())


def cite(source: str, line: int) -> Citation:
    """The citation of ``source`` at 1-based ``line``."""
    lines = lines_of(source)
    if not 1 <= line <= len(lines):
        raise ValueError(f"{source} has {len(lines)} lines; there is no line {line}")
    return Citation(source, line, lines[line - 1].strip())


def page(line: int) -> Citation:
    """A line of the API page."""
    return cite(PAGE, line)


def wire(line: int) -> Citation:
    """A line of the wire-protocol sheet."""
    return cite(WIRE, line)


@functools.cache
def example_response_text() -> str:
    """The page's example response, exactly as printed (everything after "Example Response:")."""
    lines = lines_of(PAGE)
    start = lines.index("Example Response:") + 1
    return "\n".join(lines[start:])


def parse_reference(comment: str) -> Citation | None:
    """The citation a schema ``$comment`` starts with, or None when it cites nothing."""
    match = _REFERENCE.match(comment)
    if match is None or match["source"] not in SOURCES:
        return None
    return cite(match["source"], int(match["line"]))
