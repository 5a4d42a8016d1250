"""The Markdown summary: compact enough for a pull-request comment or a CI step summary.

The verdict, then the deviations grouped by rule (documented line, the first few with their request
and replay line), then the coverage table. Whatever came from a server or a cassette goes into code
spans and fenced blocks, whose fences are longer than any run of backticks inside, so nothing a
server wrote can become a link, an image, HTML or a table cell of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.coverage.lines import Coverage, label
from conformance.report import COMPACT, Report
from conformance.reports.verdict import verdict
from conformance.shown import one_line, shown

#: Deviations shown per rule; the count says how many there were.
SHOWN_PER_RULE = 3
_TICKS = re.compile("`+")


def render(
    report: Report,
    coverage: Coverage,
    *,
    fail_under: float | None = None,
    accepted: Iterable[str] = (),
) -> str:
    """The summary as Markdown."""
    said = verdict(report, coverage, fail_under=fail_under)
    lines = [f"## DescribeClusterJobs conformance: {said.word}", "", _text(said.sentence), ""]
    if report.stopped is not None:
        lines += [f"Not checked: {', '.join(report.unchecked) or 'none'}", ""]
    accepted = sorted(set(accepted))
    if accepted:
        lines += [f"Accepted as known deviations: {', '.join(accepted)}", ""]
    grouped = report.by_rule()
    if grouped:
        lines += ["### Deviations", ""]
    for rule_id, items in grouped.items():
        first = items[0]
        lines.append(
            f"#### {rule_id} [{first['severity']}] {_text(first['title'])}: {len(items)} finding(s)"
        )
        lines += ["", f"Documented: {code(first['documented'] or '')}", ""]
        for item in items[:SHOWN_PER_RULE]:
            lines += _entry(item)
    if report.diff is not None:
        from conformance.reports.diff import markdown

        lines += markdown(report.diff, level=3)
    lines += _coverage(coverage)
    return "\n".join(lines) + "\n"


def _entry(item: Mapping[str, Any]) -> list[str]:
    lines = [f"- {code(one_line(item['message'], COMPACT))} (at {code(item['where'] or '/')})"]
    shown_lines = []
    request = item.get("request")
    if request:
        shown_lines.append(f"request:   {request['method']} {request['path']}?{request['params']}")
    if item.get("response"):
        response = item["response"]
        shown_lines.append(
            f"response:  HTTP {response['status']} {one_line(response['body'], 600)}"
        )
    if item.get("reproduce"):
        shown_lines += [f"reproduce: {line}" for line in str(item["reproduce"]).split("\n")]
    if shown_lines:
        lines += ["", *("  " + line for line in fenced([shown(line) for line in shown_lines]))]
    lines.append("")
    return lines


def _coverage(coverage: Coverage) -> list[str]:
    states = coverage.states()
    lines = [
        f"### Documentation coverage: {coverage.percent:.1f}% of {coverage.cases} cases",
        "",
        f"{states['full']} lines full, {states['partial']} partial, {states['missed']} missed, "
        f"{states['n/a']} not applicable to this run.",
        "",
        "| line | state | cases | + | − | rules | documented | to close a gap |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for line in coverage.lines:
        gaps = "; ".join(case.how for case in line.gaps) if line.applies else ""
        lines.append(
            "| "
            + " | ".join(
                (
                    label(line.citation),
                    line.state,
                    f"{line.seen}/{len(line.cases)}",
                    str(line.positive),
                    str(line.negative),
                    " ".join(line.rules),
                    _cell(code(line.citation.text)),
                    _cell(_text(gaps)),
                )
            )
            + " |"
        )
    never = [str(code) for code, seen in coverage.unprovoked if not seen]
    if never:
        lines += [
            "",
            f"Documented codes a read-only run cannot provoke, never seen: {', '.join(never)}.",
        ]
    return lines


def code(text: str) -> str:
    """``text`` as one inline code span, whatever backticks it holds."""
    text = shown(str(text))
    longest = max((len(run) for run in _TICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced(lines: list[str]) -> list[str]:
    """``lines`` as a fenced code block, its fence longer than any backtick run inside."""
    longest = max((len(run) for line in lines for run in _TICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *lines, fence]


def _cell(text: str) -> str:
    # GFM splits a table row on every unescaped pipe, in code spans too.
    return text.replace("|", "\\|")


def _text(text: str) -> str:
    """Prose of ours that may quote a target name: escaped so Markdown reads it as text."""
    return re.sub(r"([\\`*_\[\]<>#!&~])", r"\\\1", shown(text))
