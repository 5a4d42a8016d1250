"""The diff report: where two targets disagree, as terminal lines, Markdown and HTML sections.

Rendered from the diff's JSON (``conformance.diff.engine.DiffResult.to_json``), the same the JSON
report carries, so every format shows the same thing and none shows what the JSON would not. One
entry per kind of difference: its summary, the smallest request that shows it, both answers side by
side (ids as tokens, times as their format), each target's own verdict and a replay line each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from conformance.reports.markdown import code, fenced
from conformance.shown import one_line, shown

#: How much of an answer a terminal line shows.
ANSWER_SHOWN = 400


def word(diff: Mapping[str, Any]) -> str:
    """What the diff says in a word: they differ, agree, or (nothing or too little compared to
    say they agree) no verdict."""
    if not diff["agree"]:
        return "differ"
    return "no verdict" if diff.get("incomplete") else "agree"


def verdict_line(diff: Mapping[str, Any]) -> str:
    """One line: agree, differ or no verdict, and what was compared with how many requests."""
    said = (
        f"DIFFER in {len(diff['differences'])} way(s)"
        if not diff["agree"]
        else "NO VERDICT"
        if diff.get("incomplete")
        else "AGREE"
    )
    requests = diff["requests"]
    line = (
        f"{said}: A {diff['a']} and B {diff['b']}, {diff['compared']} case(s) compared "
        f"({diff['mode']}), {requests.get('a', 0)} + {requests.get('b', 0)} requests"
    )
    if diff["skipped"]:
        line += "; not compared: " + ", ".join(f"{n} ({why})" for why, n in diff["skipped"].items())
    if diff["unconfirmed"]:
        line += f"; {diff['unconfirmed']} difference(s) seen once, not again (data that changed)"
    return line


def _answer(side: Mapping[str, Any]) -> str:
    shown_answer = side["answer"]
    body = shown_answer["body"]
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return f"HTTP {shown_answer['status']} {text}"


def terminal_lines(diff: Mapping[str, Any]) -> list[str]:
    """The diff for a terminal, every line escaped."""
    lines = [verdict_line(diff)]
    for number, item in enumerate(diff["differences"], start=1):
        lines += ["", f"{number}. {item['summary']}  [{item['cases']} case(s)]"]
        lines.append(f"   case:     {item['probe']}: {item['case']}")
        for name in ("a", "b"):
            side = item[name]
            request = side["request"]
            lines += [
                f"   {name.upper()} {side['target']}: {side['verdict']}",
                f"     request:   {request['method']} {request['path']}?{request['params']}",
                f"     answer:    {one_line(_answer(side), ANSWER_SHOWN)}",
            ]
            first, *rest = str(side["reproduce"]).split("\n")
            lines.append(f"     reproduce: {first}")
            lines += [f"                {line}" for line in rest]
    return [shown(line) for line in lines]


def markdown(diff: Mapping[str, Any], *, level: int = 2) -> list[str]:
    """The diff as Markdown lines, headed at ``level``."""
    head = "#" * level
    said = "no verdict" if word(diff) == "no verdict" else f"they {word(diff)}"
    lines = [f"{head} Two targets compared: {said}", "", code(verdict_line(diff)), ""]
    if diff.get("incomplete"):
        lines += [f"No verdict: {code(diff['incomplete'])}", ""]
    for item in diff["differences"]:
        lines += [f"{head}# {code(item['summary'])}", ""]
        lines += [
            f"{item['cases']} case(s); the smallest: {code(item['probe'] + ': ' + item['case'])}",
            "",
        ]
        lines += ["| | A | B |", "|---|---|---|"]
        a, b = item["a"], item["b"]
        for label, pick in (
            ("target", lambda side: side["target"]),
            ("verdict", lambda side: side["verdict"]),
            (
                "request",
                lambda side: f"{side['request']['method']} ?{side['request']['params']}",
            ),
        ):
            lines.append(f"| {label} | {_cell(code(pick(a)))} | {_cell(code(pick(b)))} |")
        lines.append("")
        for name, side in (("A", a), ("B", b)):
            body = [f"answer:    {one_line(_answer(side), 800)}"]
            body += [f"reproduce: {line}" for line in str(side["reproduce"]).split("\n")]
            lines += [f"{name}:", "", *fenced([shown(line) for line in body]), ""]
    return lines


def html(diff: Mapping[str, Any]) -> str:
    """The diff as an HTML section (the caller's page holds the style and the policy)."""
    said = "no verdict" if word(diff) == "no verdict" else f"they {word(diff)}"
    parts = [
        '<section id="diff">',
        f"<h2>Two targets compared: {said}</h2>",
        f"<p>{_text(verdict_line(diff))}</p>",
    ]
    if diff.get("incomplete"):
        parts.append(f"<p>No verdict: {_text(diff['incomplete'])}</p>")
    for item in diff["differences"]:
        cells = []
        for name in ("a", "b"):
            side = item[name]
            request = side["request"]
            cells.append(
                f"<td><dl><dt>target</dt><dd>{_text(side['target'])}</dd>"
                f"<dt>verdict</dt><dd>{_text(side['verdict'])}</dd>"
                f"<dt>request</dt><dd><pre>{_text(request['method'] + ' ?' + request['params'])}"
                f"</pre></dd><dt>answer</dt><dd><pre>{_text(one_line(_answer(side), 3 * ANSWER_SHOWN))}"
                f'</pre></dd><dt>replay</dt><dd><pre class="replay">'
                f"{_text(str(side['reproduce']))}</pre></dd></dl></td>"
            )
        parts.append(
            f'<section class="difference"><h3>{_text(item["summary"])}</h3>'
            f"<p>{item['cases']} case(s); the smallest: {_text(item['probe'] + ': ' + item['case'])}</p>"
            f"<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr>{''.join(cells)}"
            "</tr></tbody></table></section>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def page(diff: Mapping[str, Any]) -> str:
    """A whole HTML document holding the diff alone (``conformance diff --html``)."""
    from conformance.reports.html import _POLICY, _STYLE

    said = word(diff).upper()
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">\n'
        f"<title>DescribeClusterJobs diff: {said}</title>\n<style>{_STYLE}</style></head><body>\n"
        f"{html(diff)}\n</body></html>\n"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _text(text: str) -> str:
    return escape(shown(str(text)))
