"""The HTML report: one self-contained file a person opens from a CI artifact.

No network, no external script, style sheet or font: the style and the filter script are inline,
and a Content-Security-Policy forbids loading anything else, so a server's text that slipped through
could not fetch either. Every value is escaped (``html.escape``). The verdict is at the top; then
each deviation (rule, documented line, request, the relevant response, the replay line); then the
coverage table with the page's lines. Two selects filter both by rule and by severity; the filter
can be given in the address too (``report.html#rule=DCJ-PAGE-002&severity=violation``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from conformance.coverage.lines import Coverage, label
from conformance.deviation import Profile
from conformance.report import COMPACT, Report
from conformance.reports.verdict import verdict
from conformance.rules import CATALOGUE
from conformance.shown import one_line, shown

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 2em 3em;color:#1b1f24}
header{padding:1em 0;border-bottom:1px solid #d0d7de}
.verdict{font-size:1.6em;font-weight:700;padding:.2em .5em;border-radius:4px;display:inline-block}
.pass{background:#dafbe1;color:#116329}.fail{background:#ffebe9;color:#a40e26}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.deviation{border-left:4px solid #cf222e;padding:.2em 1em;margin:1em 0}
.deviation.info,.deviation.undocumented{border-color:#9a6700}
dt{font-weight:600}dd{margin:0 0 .4em 1em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.3em .5em;
vertical-align:top;text-align:left}
.full{background:#dafbe1}.partial{background:#fff8c5}.missed{background:#ffebe9}.na{color:#6e7781}
[hidden]{display:none!important}
"""

# Reads the selects (or the address's #rule=…&severity=…) and hides what does not match.
_SCRIPT = """
(function(){
  var rule=document.getElementById('rule'),severity=document.getElementById('severity');
  var hash=new URLSearchParams(location.hash.slice(1));
  if(hash.get('rule'))rule.value=hash.get('rule');
  if(hash.get('severity'))severity.value=hash.get('severity');
  function apply(){
    document.querySelectorAll('[data-rules]').forEach(function(el){
      var rules=el.getAttribute('data-rules').split(' ');
      var severities=el.getAttribute('data-severities').split(' ');
      el.hidden=!((!rule.value||rules.indexOf(rule.value)>=0)&&
                  (!severity.value||severities.indexOf(severity.value)>=0));
    });
    var shown=document.querySelectorAll('.deviation:not([hidden])').length;
    document.getElementById('shown').textContent=shown;
  }
  rule.addEventListener('change',apply);severity.addEventListener('change',apply);apply();
})();
"""

_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def render(
    report: Report,
    coverage: Coverage,
    *,
    fail_under: float | None = None,
    accepted: Iterable[str] = (),
) -> str:
    """The report as one HTML document."""
    said = verdict(report, coverage, fail_under=fail_under)
    profile = Profile(report.profile)
    severity_of = {rule.id: rule.severity_in(profile).value for rule in CATALOGUE}
    deviations = [_deviation(item) for item in report.deviations]
    accepted = sorted(set(accepted))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>DescribeClusterJobs conformance: " + escape(said.word) + "</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<header>",
        f'<div id="verdict" class="verdict {"pass" if said.passed else "fail"}">'
        f"{escape(said.word)}</div>",
        f'<p id="sentence">{_text(said.sentence)}</p>',
    ]
    if report.stopped is not None:
        parts.append(f"<p>Not checked: {_text(', '.join(report.unchecked) or 'none')}</p>")
    if accepted:
        parts.append(f"<p>Accepted as known deviations: {_text(', '.join(accepted))}</p>")
    parts += [
        "</header>",
        '<nav><label>Rule <select id="rule"><option value="">all rules</option>',
        *(
            f'<option value="{escape(rule.id)}">{escape(rule.id)} {escape(rule.title)}</option>'
            for rule in CATALOGUE
        ),
        '</select></label> <label>Severity <select id="severity">'
        '<option value="">all severities</option>',
        *(f'<option value="{s}">{s}</option>' for s in ("violation", "undocumented", "info")),
        "</select></label></nav>",
        f'<h2>Deviations (<span id="shown">{len(deviations)}</span> shown of '
        f"{len(deviations)})</h2>",
        *(deviations or ["<p>None.</p>"]),
        f'<h2 id="coverage">Documentation coverage: {coverage.percent:.1f}% of {coverage.cases} '
        "cases</h2>",
        _coverage(coverage, severity_of),
        *([_diff(report.diff)] if report.diff is not None else []),
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _deviation(item: Mapping[str, Any]) -> str:
    severity = escape(str(item["severity"]))
    rule_id = escape(str(item["rule"]))
    rows = [
        ("documented", _text(str(item.get("documented") or ""))),
        ("deviation", _text(f"{item['message']} (at {item['where'] or '/'})")),
    ]
    for name in ("expected", "actual"):
        if item.get(name) is not None:
            rows.append((name, f"<code>{_text(one_line(item[name], COMPACT))}</code>"))
    request = item.get("request")
    if request:
        line = f"{request['method']} {request['path']}?{request['params']}"
        rows.append(("request", f"<pre>{_text(line)}</pre>"))
    response = item.get("response")
    if response:
        body = one_line(response["body"], 600)
        rows.append(("response", f"<pre>HTTP {_text(str(response['status']))} {_text(body)}</pre>"))
    if item.get("reproduce"):
        rows.append(("replay", f'<pre class="replay">{_text(str(item["reproduce"]))}</pre>'))
    listed = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return (
        f'<section class="deviation {severity}" data-rules="{rule_id}" '
        f'data-severities="{severity}"><h3>{rule_id} [{severity}] '
        f"{_text(str(item['title']))}</h3><dl>{listed}</dl></section>"
    )


def _diff(found: Mapping[str, Any]) -> str:
    from conformance.reports.diff import html

    return html(found)


def _coverage(coverage: Coverage, severity_of: Mapping[str, str]) -> str:
    rows = [
        '<table id="coverage-table"><thead><tr><th>line</th><th>state</th><th>cases seen</th>'
        "<th>+</th><th>−</th><th>rules</th><th>documented</th><th>to close a gap</th>"
        "</tr></thead><tbody>"
    ]
    for line in coverage.lines:
        gaps = "".join(f"<li>{_text(case.how)}</li>" for case in line.gaps) if line.applies else ""
        rules = " ".join(line.rules)
        severities = " ".join(sorted({severity_of[r] for r in line.rules}))
        named = " ".join(r if r in line.judged else f"{r} (not judged)" for r in line.rules)
        css = "na" if line.state == "n/a" else line.state
        rows.append(
            f'<tr class="{css}" data-rules="{escape(rules)}" data-severities="{severities}">'
            f"<td>{escape(label(line.citation))}</td><td>{escape(line.state)}</td>"
            f"<td>{line.seen}/{len(line.cases)}</td><td>{line.positive}</td>"
            f"<td>{line.negative}</td><td>{escape(named)}</td>"
            f"<td><code>{_text(line.citation.text)}</code></td>"
            f"<td>{'<ul>' + gaps + '</ul>' if gaps else ''}</td></tr>"
        )
    rows.append("</tbody></table>")
    never = [str(code) for code, seen in coverage.unprovoked if not seen]
    if never:
        rows.append(
            "<p>Documented codes a read-only run cannot provoke, never seen: "
            f"{escape(', '.join(never))}.</p>"
        )
    return "\n".join(rows)


def _text(text: str) -> str:
    return escape(shown(text) if "\n" not in text else "\n".join(map(shown, text.split("\n"))))
