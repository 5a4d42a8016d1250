"""The run's report: findings as JSON-ready entries, the terminal summary, and the JSON file.

The JSON report's shape (documented in the README):
``{"target", "profile", "seed", "summary": {"rules", "exercised", "requests", "checks",
"deviations", "stopped"}, "rules": {"exercised": [...], "not_exercised": {rule: reason},
"not_checked": [...]}, "deviations": [{"rule", "severity", "message", "request", "response",
"reproduce", "mutation"}]}``, and with ``--conformance-replay`` also ``"replayed": [{"rule",
"request", "still_fails", "how"}]`` (``conformance.replaying``), and ``"coverage": {"percent",
"cases", "seen", "lines": [{"line", "documented", "state", "rules", "judged", "cases", "seen",
"positive", "negative", "gaps"}], "unprovoked_codes"}`` (``conformance.coverage``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.exchange import NOT_JSON, Exchange
from conformance.judgement.findings import Finding
from conformance.paths import write_atomically
from conformance.replay import reproduce, unsigned_query
from conformance.rules import CATALOGUE, rule
from conformance.shown import one_line, shown

RESPONSE_EXCERPT = 2000
# How much of an expected or actual value a rendered entry shows.
COMPACT = 300


def entry(
    finding: Finding, *, url: str | None, emulator_options: str | None = None
) -> dict[str, Any]:
    """One finding as a report entry: what, where, the request, the relevant response, a replay."""
    deviation = finding.deviation
    last = finding.exchanges[-1] if finding.exchanges else None
    return {
        "rule": deviation.rule,
        "title": rule(deviation.rule).title,
        "severity": deviation.severity.value,
        "message": deviation.message,
        "where": deviation.where,
        "expected": deviation.expected,
        "actual": deviation.actual,
        "documented": str(deviation.documented) if deviation.documented else None,
        "request": _request(last) if last else None,
        "response": _response(last, deviation.pointer) if last else None,
        "reproduce": reproduce(
            last.request, url=url, emulator_options=emulator_options, mutation=finding.mutation
        )
        if last
        else None,
        # The authentication mutation the request was sent with: a replay applies it again.
        "mutation": finding.mutation,
    }


def _request(exchange: Exchange) -> dict[str, Any]:
    request = exchange.request
    return {"method": request.method, "path": request.path, "params": unsigned_query(request)}


def _response(exchange: Exchange, pointer: str) -> dict[str, Any]:
    response = exchange.response
    document = response.document
    if document is NOT_JSON:
        return {
            "status": response.status,
            "body": response.body[:RESPONSE_EXCERPT].decode("utf-8", "replace"),
        }
    # The relevant part: the job the deviation is in, with the fields around it that a reader needs.
    steps = pointer.split("/")
    if (
        isinstance(document, dict)
        and len(steps) > 2
        and steps[1] == "job_set"
        and steps[2].isdigit()
    ):
        jobs = document.get("job_set")
        index = int(steps[2])
        if isinstance(jobs, list) and index < len(jobs):
            part = {
                key: document.get(key)
                for key in ("action", "total_count", "ret_code")
                if key in document
            }
            return {"status": response.status, "body": {**part, f"job_set[{index}]": jobs[index]}}
    text = json.dumps(document, ensure_ascii=False)
    return {
        "status": response.status,
        "body": document if len(text) <= RESPONSE_EXCERPT else text[:RESPONSE_EXCERPT] + "…",
    }


def render_entry(item: Mapping[str, Any]) -> str:
    """An entry as terminal text: rule, documented line, deviation, request, response, replay.

    Every line is escaped (``conformance.shown``): messages, requests, bodies and replays carry
    what a server or a cassette said, and no byte of that may steer the terminal.
    """
    lines = [
        f"{item['rule']} [{item['severity']}] {item['title']}",
        f"  documented: {item['documented']}",
        f"  deviation:  {item['message']} (at {item['where']})",
    ]
    if item.get("expected") is not None:
        lines.append(f"  expected:   {one_line(item['expected'], COMPACT)}")
    if item.get("actual") is not None:
        lines.append(f"  actual:     {one_line(item['actual'], COMPACT)}")
    if item.get("request"):
        request = item["request"]
        lines.append(
            f"  request:    {request['method']} {request['path']}?{request['params']}  (signing parameters left out)"
        )
    if item.get("response"):
        lines.append(
            f"  response:   HTTP {item['response']['status']} {one_line(item['response']['body'], 600)}"
        )
    if item.get("reproduce"):
        first, *rest = str(item["reproduce"]).split("\n")
        lines.append(f"  reproduce:  {first}")
        lines.extend(f"              {line}" for line in rest)
    return "\n".join(shown(line) for line in lines)


@dataclass
class Report:
    """What a run found, gathered from every test (and every xdist worker)."""

    target: str
    profile: str
    seed: int | None
    rules: int = 0
    requests: int = 0
    checks: int = 0  # rules judged on cases (conformance.probes.search); 0 offline
    deviations: list[dict[str, Any]] = field(default_factory=list)
    #: Rules the run could not have broken (the target lacks the data), with the reason.
    not_exercised: dict[str, str] = field(default_factory=dict)
    #: Rules the run did not get to judge because it stopped.
    not_checked: list[str] = field(default_factory=list)
    #: Why the run stopped early (one line), or None when it ran to its end.
    stopped: str | None = None
    #: The requests the run was allowed (``--conformance-budget``), or None: no limit.
    budget: int | None = None
    #: Every rule a test was run for, in order (judged or not).
    tested: list[str] = field(default_factory=list)
    #: The failures of an earlier report sent again first (``conformance.replaying``), when asked.
    replayed: list[dict[str, Any]] | None = None
    #: The documentation coverage (``conformance.coverage.lines.Coverage.to_json``), once measured.
    coverage: dict[str, Any] | None = None
    #: The comparison with another target (``conformance.diff``), when one was asked for.
    diff: dict[str, Any] | None = None

    @property
    def exercised(self) -> list[str]:
        """The rules that were judged: tested, neither unexercised nor unchecked (in catalogue
        order, as every list of rules here: xdist workers report in the order they finish)."""
        unjudged = {*self.not_exercised, *self.not_checked}
        return _in_catalogue_order(rule_id for rule_id in self.tested if rule_id not in unjudged)

    @property
    def unchecked(self) -> list[str]:
        """The rules the run stopped before it could judge, in catalogue order."""
        return _in_catalogue_order(self.not_checked)

    @property
    def unexercised(self) -> dict[str, str]:
        """The rules no case could have broken, with why, in catalogue order."""
        return {
            rule_id: self.not_exercised[rule_id]
            for rule_id in _in_catalogue_order(self.not_exercised)
        }

    def violations(self) -> int:
        """How many entries fail the run."""
        return sum(item["severity"] == "violation" for item in self.deviations)

    def by_rule(self) -> dict[str, list[dict[str, Any]]]:
        """The entries grouped by rule, in the order rules were first reported."""
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in self.deviations:
            grouped[item["rule"]].append(item)
        return dict(grouped)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "target": self.target,
            "profile": self.profile,
            "seed": self.seed,
            "summary": {
                "rules": self.rules,
                "exercised": len(self.exercised),
                "requests": self.requests,
                "budget": self.budget,
                "checks": self.checks,
                "deviations": len(self.deviations),
                "stopped": self.stopped,
            },
            "rules": {
                "exercised": self.exercised,
                "not_exercised": self.unexercised,
                "not_checked": self.unchecked,
            },
            "deviations": self.deviations,
            **({"replayed": self.replayed} if self.replayed is not None else {}),
            **({"coverage": self.coverage} if self.coverage is not None else {}),
            **({"diff": self.diff} if self.diff is not None else {}),
        }

    def write(self, path: Path) -> None:
        """Write the report as JSON, atomically (a failed write leaves the last report whole); an
        InputError names the path when it cannot be written."""
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2, default=str) + "\n"
        write_atomically(path, text.encode("utf-8"))


def _in_catalogue_order(rule_ids: Iterable[str]) -> list[str]:
    place = {item.id: index for index, item in enumerate(CATALOGUE)}
    return sorted(set(rule_ids), key=lambda rule_id: (place.get(rule_id, len(place)), rule_id))


def summary_lines(report: Report, *, accepted: Iterable[str] = ()) -> list[str]:
    """The terminal summary: the replayed failures, deviations grouped by rule, one line each, then
    the totals."""
    lines = replayed_lines(report.replayed) if report.replayed is not None else []
    for rule_id, items in report.by_rule().items():
        severity = items[0]["severity"]
        lines.append(f"{rule_id} [{severity}] {rule(rule_id).title}: {len(items)} finding(s)")
    accepted = sorted(set(accepted))
    if accepted:
        lines.append(f"accepted as known deviations: {', '.join(accepted)}")
    for rule_id, reason in report.unexercised.items():
        lines.append(f"not exercised: {rule_id}: {reason}")
    if report.stopped is not None:
        # The one line that says why; the lists say what was and was not judged before it.
        lines.append(f"STOPPED: {report.stopped}")
        lines.append(f"checked before the stop: {', '.join(report.exercised) or 'none'}")
        lines.append(f"not checked: {', '.join(report.unchecked) or 'none'}")
    used = f" of {report.budget} budgeted" if report.budget is not None else ""
    lines.append(
        f"{len(report.exercised)} of {report.rules} rules exercised with {report.requests}{used} "
        f"requests ({report.checks} checks) against {report.target} "
        f"({report.profile} profile, seed {report.seed}): {len(report.deviations)} deviation(s)"
    )
    return lines


def replayed_lines(replayed: list[dict[str, Any]]) -> list[str]:
    """What sending an earlier report's failures again showed: one line each, then the count."""
    lines = []
    for item in replayed:
        request = item["request"]
        verdict = "still fails" if item["still_fails"] else "fixed"
        mutation = f" with {item['mutation']}" if item.get("mutation") else ""
        lines.append(
            shown(
                f"replayed {item['rule']}: {verdict} ({item['how']}): "
                f"{request['method']} {request['path']}?{one_line(request['params'], COMPACT)}"
                f"{mutation}"
            )
        )
    failing = sum(bool(item["still_fails"]) for item in replayed)
    lines.append(
        f"replayed {len(replayed)} failing request(s) of the earlier report: "
        f"{failing} still fail, {len(replayed) - failing} fixed"
    )
    return lines
